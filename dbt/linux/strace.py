"""qemu-user `-strace` style tracing: `<pid> name(args) = result`.

The call is printed before the syscall runs and the result after it (so the guest's own output
can land in between, as with qemu). Argument formats follow qemu 7.2's print functions and
format strings for the syscalls dbt-vm implements; others print their six raw arguments as
signed decimals, as qemu does for syscalls without a printer.
"""

from __future__ import annotations

import os
import struct

from ..memory import GuestFault
from .abi import MASK64, open_flags_to_host, s32, s64, u32
from .ioctls import IOC_R, IOC_RW, IOCTLS
from .structs import TIMESPEC, TIMEVAL

# -- value printers (the C format each stands for) ---------------------------------------------


def _d(k, v):           # %d
    return str(s32(v))


def _u(k, v):           # %u
    return str(u32(v))


def _ld(k, v):          # TARGET_ABI_FMT_ld
    return str(s64(v))


def _lu(k, v):          # TARGET_FMT_lu, TARGET_ABI_FMT_lu
    return str(v & MASK64)


def _hex(k, v):         # %#x (an int: low 32 bits)
    v = u32(v)
    return f"{v:#x}" if v else "0"


def _oct(k, v):         # %#o
    v = u32(v)
    return f"0{v:o}" if v else "0"


def _p(k, v):           # %p
    return f"{v:#x}" if v else "(nil)"


def _ptr(k, v):         # print_pointer
    return f"0x{v & MASK64:016x}" if v else "NULL"


_CONVERSIONS = {"%d": _d, "%u": _u, "%#x": _hex, "%#o": _oct, "%p": _p, "%ld": _ld,
                "%lu": _lu}


def _q(fmt: str) -> tuple:
    """The printers of a strace.list format string's arguments: "%d,%#x,%d" stands for
    qemu's "%s(%d,%#x,%d)" (printf of the six raw registers after the name)."""
    return tuple(_CONVERSIONS[conv] for conv in fmt.split(",")) if fmt else ()


def _str(k, v):         # print_string
    try:
        return '"' + k.memory.read_cstring(v, 4096).decode("utf-8", "replace") + '"'
    except GuestFault:
        return _ptr(k, v)


def _dirfd(k, v):       # print_at_dirfd compares the whole register with AT_FDCWD
    return "AT_FDCWD" if s64(v) == -100 else str(s32(v))


def _flags(table, zero=None):
    """print_flags: names joined with '|', unknown bits in hex, `zero` for 0 when named."""
    def fmt(k, v):
        v = u32(v)
        if v == 0 and zero:
            return zero
        names = []
        for name, bit in table:
            if bit and v & bit == bit:
                names.append(name)
                v &= ~bit
        if names and v:
            names.append(f"{v:#x}")
        return "|".join(names) if names else (f"{v:#x}" if v else "0")
    return fmt


def _enum(table, fallback=_hex):
    """print_enums: the name of the whole register's value, else %#x."""
    def fmt(k, v):
        return table.get(s64(v)) or fallback(k, v)
    return fmt


def _file_mode(k, v):   # print_file_mode: the first S_IF* type it contains, then octal
    v = s64(v)
    if v == 0:
        return "000"
    out = ""
    for name, bits in _MODE_TYPES:
        if v & bits == bits:
            out = name
            break
    rest = u32(v & ~0o170000)
    return out + ("|" if out and rest else "") + (f"0{rest:o}" if rest else "")


_OPEN_FLAGS = [("O_APPEND", 0o2000), ("O_CREAT", 0o100), ("O_DIRECTORY", 0o200000),
               ("O_EXCL", 0o200), ("O_LARGEFILE", 0o100000), ("O_NOCTTY", 0o400),
               ("O_NOFOLLOW", 0o400000), ("O_NONBLOCK", 0o4000), ("O_DSYNC", 0o10000),
               ("__O_SYNC", 0o4000000), ("O_TRUNC", 0o1000), ("O_DIRECT", 0o40000),
               ("O_NOATIME", 0o1000000), ("O_CLOEXEC", 0o2000000), ("O_PATH", 0o10000000),
               ("__O_TMPFILE", 0o20000000)]
_ACCESS_MODES = ("O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE")


def _open_flags(k, v):
    """print_open_flags, with the guest architecture's values."""
    host = open_flags_to_host(k.abi, u32(v))
    rest = _flags(_OPEN_FLAGS)(k, host & ~3)
    return _ACCESS_MODES[host & 3] + ("" if rest == "0" else "|" + rest)


_PROT = [("PROT_EXEC", 4), ("PROT_READ", 1), ("PROT_WRITE", 2), ("PROT_SEM", 8),   # qemu's order
         ("PROT_GROWSDOWN", 0x01000000), ("PROT_GROWSUP", 0x02000000)]
_MAP = [("MAP_SHARED", 1), ("MAP_PRIVATE", 2), ("MAP_ANONYMOUS", 0x20),
        ("MAP_DENYWRITE", 0x800), ("MAP_FIXED", 0x10), ("MAP_GROWSDOWN", 0x100),
        ("MAP_EXECUTABLE", 0x1000), ("MAP_LOCKED", 0x2000), ("MAP_NONBLOCK", 0x10000),
        ("MAP_NORESERVE", 0x4000), ("MAP_POPULATE", 0x8000),    # qemu's: no MAP_STACK
        ("MAP_UNINITIALIZED", 0x4000000)]
_AT_FLAGS = [("AT_EACCESS", 0x200), ("AT_SYMLINK_NOFOLLOW", 0x100)]      # qemu's order
_MODE_TYPES = [("S_IFSOCK", 0o140000), ("S_IFLNK", 0o120000), ("S_IFREG", 0o100000),
               ("S_IFBLK", 0o60000), ("S_IFDIR", 0o40000), ("S_IFCHR", 0o20000),
               ("S_IFIFO", 0o10000)]
_UNLINK_FLAGS = [("AT_REMOVEDIR", 0x200)]
_ACCESS = [("R_OK", 4), ("W_OK", 2), ("X_OK", 1)]
_STATX_FLAGS = [("AT_EMPTY_PATH", 0x1000), ("AT_NO_AUTOMOUNT", 0x800),
                ("AT_SYMLINK_NOFOLLOW", 0x100), ("AT_STATX_FORCE_SYNC", 0x2000),
                ("AT_STATX_DONT_SYNC", 0x4000)]
_STATX_MASK = [("STATX_BASIC_STATS", 0x7FF), ("STATX_TYPE", 1), ("STATX_MODE", 2),
               ("STATX_NLINK", 4), ("STATX_UID", 8), ("STATX_GID", 0x10),
               ("STATX_ATIME", 0x20), ("STATX_MTIME", 0x40), ("STATX_CTIME", 0x80),
               ("STATX_INO", 0x100), ("STATX_SIZE", 0x200), ("STATX_BLOCKS", 0x400),
               ("STATX_BTIME", 0x800)]
_SIGNALS = {1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGIOT",
            7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV",
            12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT",
            17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN",
            22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ", 26: "SIGVTALRM",
            27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR", 31: "SIGSYS"}
_CLOCKS = {0: "CLOCK_REALTIME", 1: "CLOCK_MONOTONIC", 2: "CLOCK_PROCESS_CPUTIME_ID",
           3: "CLOCK_THREAD_CPUTIME_ID", 4: "CLOCK_MONOTONIC_RAW", 5: "CLOCK_REALTIME_COARSE",
           6: "CLOCK_MONOTONIC_COARSE", 7: "CLOCK_BOOTTIME", 8: "CLOCK_REALTIME_ALARM",
           9: "CLOCK_BOOTTIME_ALARM", 10: "CLOCK_SGI_CYCLE", 11: "CLOCK_TAI"}
_WHENCE = {0: "SEEK_SET", 1: "SEEK_CUR", 2: "SEEK_END", 3: "SEEK_DATA", 4: "SEEK_HOLE"}
_HOW = {0: "SIG_BLOCK", 1: "SIG_UNBLOCK", 2: "SIG_SETMASK"}
_MADV = {0: "MADV_NORMAL", 1: "MADV_RANDOM", 2: "MADV_SEQUENTIAL", 3: "MADV_WILLNEED",
         4: "MADV_DONTNEED", 8: "MADV_FREE", 9: "MADV_REMOVE", 10: "MADV_DONTFORK",
         11: "MADV_DOFORK", 12: "MADV_MERGEABLE", 13: "MADV_UNMERGEABLE",
         14: "MADV_HUGEPAGE", 15: "MADV_NOHUGEPAGE", 16: "MADV_DONTDUMP", 17: "MADV_DODUMP",
         18: "MADV_WIPEONFORK", 19: "MADV_KEEPONFORK", 20: "MADV_COLD", 21: "MADV_PAGEOUT",
         22: "MADV_POPULATE_READ", 23: "MADV_POPULATE_WRITE", 24: "MADV_DONTNEED_LOCKED"}
_ITIMERS = {0: "ITIMER_REAL", 1: "ITIMER_VIRTUAL", 2: "ITIMER_PROF"}
_FCNTL = {0: "F_DUPFD", 1: "F_GETFD", 2: "F_SETFD", 3: "F_GETFL", 4: "F_SETFL", 5: "F_GETLK",
          6: "F_SETLK", 7: "F_SETLKW", 8: "F_SETOWN", 9: "F_GETOWN", 10: "F_SETSIG",
          11: "F_GETSIG", 36: "F_OFD_GETLK", 37: "F_OFD_SETLK", 38: "F_OFD_SETLKW",
          1024: "F_SETLEASE", 1025: "F_GETLEASE", 1026: "F_NOTIFY", 1030: "F_DUPFD_CLOEXEC",
          1031: "F_SETPIPE_SZ", 1032: "F_GETPIPE_SZ", 1033: "F_ADD_SEALS", 1034: "F_GET_SEALS"}
_FUTEX = {0: "FUTEX_WAIT", 1: "FUTEX_WAKE", 2: "FUTEX_FD", 3: "FUTEX_REQUEUE",
          4: "FUTEX_CMP_REQUEUE", 5: "FUTEX_WAKE_OP", 6: "FUTEX_LOCK_PI", 7: "FUTEX_UNLOCK_PI",
          8: "FUTEX_TRYLOCK_PI", 9: "FUTEX_WAIT_BITSET", 10: "FUTEX_WAKE_BITSET"}


def _futex_op(k, v):
    v = u32(v)
    out = ("FUTEX_PRIVATE_FLAG|" if v & 128 else "") + \
        ("FUTEX_CLOCK_REALTIME|" if v & 256 else "")
    return out + _FUTEX.get(v & 0x7F, str(v & 0x7F))


def _futex_args(k, args) -> list[str]:
    """qemu's print_futex: the timeout of the waiting operations as a timespec, and the
    fifth argument twice (a pointer, then a number: qemu's, instead of val3)."""
    waits = (0, 6, 9, 11, 13)         # WAIT, LOCK_PI, WAIT_BITSET, WAIT_REQUEUE_PI, LOCK_PI2
    timeout = _timespec_in if args[1] & 0x7F in waits else _ptr
    return [_ptr(k, args[0]), _futex_op(k, args[1]), _d(k, args[2]), timeout(k, args[3]),
            _ptr(k, args[4]), _d(k, args[4])]


def _timespec_in(k, v):
    try:
        sec, nsec = TIMESPEC.unpack(k.memory.read(v, TIMESPEC.size))
    except GuestFault:
        return _ptr(k, v)
    return f"{{tv_sec = {sec},tv_nsec = {nsec}}}"


def _timeval(k, v):     # print_timeval
    if not v:
        return "NULL"
    try:
        sec, usec = TIMEVAL.unpack(k.memory.read(v, TIMEVAL.size))
    except GuestFault:
        return _ptr(k, v)
    return f"{{tv_sec = {sec},tv_usec = {usec}}}"


def _itimerval(k, v):   # print_itimerval: each timeval printed with its trailing comma
    if not v:
        return "NULL"
    return f"{{it_interval={_timeval(k, v)},it_value={_timeval(k, v + TIMEVAL.size)},}}"


def _int_at(k, v):      # print_number: the int the pointer points at, in brackets
    if not v:
        return "NULL"
    try:
        return f"[{s32(k.memory.load(v, 4))}]"
    except GuestFault:
        return "[0]"        # (qemu prints its uninitialised local; usually 0)


# -- sockets --------------------------------------------------------------------------------

_PF = {1: "PF_UNIX", 2: "PF_INET", 16: "PF_NETLINK", 17: "PF_PACKET"}
_SOCK_TYPES = {1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM",
               5: "SOCK_SEQPACKET", 10: "SOCK_PACKET"}
_SOCK_CLOEXEC, _SOCK_NONBLOCK = 0o2000000, 0o4000           # the generic ABI's
_NETLINK = {0: "NETLINK_ROUTE", 9: "NETLINK_AUDIT", 12: "NETLINK_NETFILTER",
            15: "NETLINK_KOBJECT_UEVENT", 20: "NETLINK_RDMA", 21: "NETLINK_CRYPTO"}
_IPPROTO = {0: "IPPROTO_IP", 6: "IPPROTO_TCP", 17: "IPPROTO_UDP", 255: "IPPROTO_RAW"}
_AF_UNIX, _AF_INET, _AF_NETLINK, _AF_PACKET = 1, 2, 16, 17


def _socket_args(k, args):
    """print_socket: domain, type and protocol by name (a domain, type or protocol it has no
    name for as a number; a type without a name prints only its flags)."""
    domain, kind, protocol = args[0], args[1], args[2]
    shown_type = _SOCK_TYPES.get(kind & 0xF, "")
    shown_type += "|SOCK_CLOEXEC" if kind & _SOCK_CLOEXEC else ""
    shown_type += "|SOCK_NONBLOCK" if kind & _SOCK_NONBLOCK else ""
    if domain == _AF_PACKET or (domain == _AF_INET and kind == 10):
        protocol &= 0xFFFF
        shown_protocol = "ETH_P_ALL" if protocol == 3 else str(protocol)
    elif domain == _AF_NETLINK:
        shown_protocol = _NETLINK.get(s32(protocol), str(s32(protocol)))
    else:
        shown_protocol = _IPPROTO.get(s32(protocol), str(s32(protocol)))
    return [_PF.get(s32(domain), str(s32(domain))), shown_type, shown_protocol]


_PACKET_TYPES = {0: "PACKET_HOST", 1: "PACKET_BROADCAST", 2: "PACKET_MULTICAST",
                 3: "PACKET_OTHERHOST", 4: "PACKET_OUTGOING"}
_SOCKADDR_SIZES = {_AF_UNIX: 110, _AF_INET: 8, _AF_PACKET: 20, _AF_NETLINK: 12}


def _sockaddr(k, addr, addrlen) -> str:
    """print_sockaddr: the address by family, then ", <addrlen>" (with the space)."""
    length = s64(addrlen)
    try:
        if length < 0:
            raise GuestFault(addr, "read")
        sa = k.memory.read(addr, length)
    except GuestFault:
        return f"0x{addr & MASK64:016x},, {length}"       # (print_raw_param's comma too)
    sa = _at_least(k, addr, sa, 2)
    family = int.from_bytes(sa[:2], "little")
    sa = _at_least(k, addr, sa, _SOCKADDR_SIZES.get(family, 16))
    if family == _AF_UNIX:
        path = sa[2:2 + max(length - 2, 0)].split(b"\0", 1)[0]
        text = f'{{sun_family=AF_UNIX,sun_path="{path.decode("utf-8", "replace")}"}}'
    elif family == _AF_INET:
        port = int.from_bytes(sa[2:4], "big")
        text = (f"{{sin_family=AF_INET,sin_port=htons({port}),"
                f'sin_addr=inet_addr("{sa[4]}.{sa[5]}.{sa[6]}.{sa[7]}")}}')
    elif family == _AF_PACKET:
        protocol = int.from_bytes(sa[2:4], "big")
        ifindex = int.from_bytes(sa[4:8], "little", signed=True)
        text = (f"{{sll_family=AF_PACKET,sll_protocol=htons(0x{protocol:04x}),if{ifindex},"
                f"pkttype={_PACKET_TYPES.get(sa[10], sa[10])},"
                f"sll_addr={':'.join(f'{b:02x}' for b in sa[12:20])}}}")
    elif family == _AF_NETLINK:
        pid, groups = struct.unpack_from("<II", sa, 4)
        text = f"{{nl_family=AF_NETLINK,nl_pid={pid},nl_groups={groups}}}"
    else:
        text = (f"{{sa_family={family}, sa_data={{"
                + "".join(f"{b:02x}, " for b in sa[2:15]) + f"{sa[15]:02x}}}}}")
    return f"{text}, {length}"


def _at_least(k, addr, data: bytes, size: int) -> bytes:
    """`data` (read at addr) grown to `size` bytes: qemu reads the fields past a short
    addrlen too."""
    if len(data) >= size:
        return data
    try:
        return k.memory.read(addr, size)
    except GuestFault:
        return data.ljust(size, b"\0")


def _bind_args(k, args):
    """print_bind: the socket ("%ld", print_sockfd), then print_sockaddr."""
    return [_ld(k, args[0]), _sockaddr(k, args[1], args[2])]


# -- ioctl ----------------------------------------------------------------------------------

def _ioctl_args(k, args):
    """print_ioctl: an ioctl qemu knows by name, then its argument by type (a written
    struct or int as thunk_print shows it); others as two %#x numbers."""
    entry = IOCTLS.get(args[1])
    if entry is None:
        return [_d(k, args[0]), _hex(k, args[1]), _hex(k, args[2])]
    name, access, kind = entry
    if kind is None:
        return [_d(k, args[0]), name]
    if kind == "int":
        arg = _d(k, args[2])
    elif access == IOC_R:
        arg = _ptr(k, args[2])
    else:
        arg = _pointee(k, kind, args[2])
    return [_d(k, args[0]), name, arg]


def _ioctl_result(k, args, ret):
    """print_syscall_ret_ioctl: what a read ioctl stored, after the result."""
    entry = IOCTLS.get(args[1])
    if entry is None or entry[1] not in (IOC_R, IOC_RW):
        return ""
    return " (" + _pointee(k, entry[2], args[2]) + ")"


def _pointee(k, kind, addr) -> str:
    """thunk_print of an int, a struct winsize or a struct termios at `addr`."""
    try:
        if kind == "*int":
            return str(s32(k.memory.load(addr, 4)))
        if kind == "*winsize":      # four shorts (printed %d of the uint16_t: unsigned)
            return "{" + ",".join(map(str, struct.unpack("<4H", k.memory.read(addr, 8)))) + "}"
        return _termios(k, addr)
    except GuestFault:
        return _ptr(k, addr)


_TERMIOS_IFLAGS = [("IGNBRK", 0o1), ("BRKINT", 0o2), ("IGNPAR", 0o4), ("PARMRK", 0o10),
                   ("INPCK", 0o20), ("ISTRIP", 0o40), ("INLCR", 0o100), ("IGNCR", 0o200),
                   ("ICRNL", 0o400), ("IUCLC", 0o1000), ("IXON", 0o2000), ("IXANY", 0o4000),
                   ("IXOFF", 0o10000), ("IMAXBEL", 0o20000), ("IUTF8", 0o40000)]
_TERMIOS_OFLAGS = [("OPOST", 0o1), ("OLCUC", 0o2), ("ONLCR", 0o4), ("OCRNL", 0o10),
                   ("ONOCR", 0o20), ("ONLRET", 0o40), ("OFILL", 0o100), ("OFDEL", 0o200)]
_TERMIOS_DELAYS = [(0o400, {0: "NL0", 0o400: "NL1"}),
                   (0o3000, {0: "CR0", 0o1000: "CR1", 0o2000: "CR2", 0o3000: "CR3"}),
                   (0o14000, {0: "TAB0", 0o4000: "TAB1", 0o10000: "TAB2", 0o14000: "TAB3"}),
                   (0o20000, {0: "BS0", 0o20000: "BS1"}), (0o40000, {0: "VT0", 0o40000: "VT1"}),
                   (0o100000, {0: "FF0", 0o100000: "FF1"})]        # print_termios's order
_DELAY_BITS = sum(mask for mask, _names in _TERMIOS_DELAYS)
_CBAUD, _CSIZE = 0o10017, 0o60
_BAUDS = {0: "B0", 1: "B50", 2: "B75", 3: "B110", 4: "B134", 5: "B150", 6: "B200", 7: "B300",
          0o10: "B600", 0o11: "B1200", 0o12: "B1800", 0o13: "B2400", 0o14: "B4800",
          0o15: "B9600", 0o16: "B19200", 0o17: "B38400", 0o10001: "B57600",
          0o10002: "B115200", 0o10003: "B230400", 0o10004: "B460800"}
_CSIZES = {0: "CS5", 0o20: "CS6", 0o40: "CS7", 0o60: "CS8"}
_TERMIOS_CFLAGS = [("CSTOPB", 0o100), ("CREAD", 0o200), ("PARENB", 0o400),
                   ("PARODD", 0o1000), ("HUPCL", 0o2000), ("CLOCAL", 0o4000),
                   ("CRTSCTS", 0o20000000000)]
_TERMIOS_LFLAGS = [("ISIG", 0o1), ("ICANON", 0o2), ("XCASE", 0o4), ("ECHO", 0o10),
                   ("ECHOE", 0o20), ("ECHOK", 0o40), ("ECHONL", 0o100), ("NOFLSH", 0o200),
                   ("TOSTOP", 0o400), ("ECHOCTL", 0o1000), ("ECHOPRT", 0o2000),
                   ("ECHOKE", 0o4000), ("FLUSHO", 0o10000), ("PENDIN", 0o40000),
                   ("IEXTEN", 0o100000), ("EXTPROC", 0o200000)]


def _termios(k, addr) -> str:
    """print_termios (the generic struct termios: four flag words, c_line, c_cc[19]); every
    part keeps print_flags'/print_enums' trailing comma, c_cc is printed as a C string."""
    iflag, oflag, cflag, lflag, line = struct.unpack("<4IB", k.memory.read(addr, 17))
    cc = k.memory.read_cstring(addr + 17, 4096).decode("utf-8", "replace")
    out = ["{c_iflag = ", _flags(_TERMIOS_IFLAGS)(k, iflag), ",c_oflag = ",
           _flags(_TERMIOS_OFLAGS)(k, oflag & ~_DELAY_BITS), ","]
    for mask, names in _TERMIOS_DELAYS:
        if oflag & mask:
            out += [_enum(names)(k, oflag & mask), ","]
    out.append("c_cflag = ")
    if cflag & _CBAUD:
        out += [_enum(_BAUDS)(k, cflag & _CBAUD), ","]
    if cflag & _CSIZE:
        out += [_enum(_CSIZES)(k, cflag & _CSIZE), ","]
    out += [_flags(_TERMIOS_CFLAGS)(k, cflag & ~(_CBAUD | _CSIZE)), ",c_lflag = ",
            _flags(_TERMIOS_LFLAGS)(k, lflag), f',c_cc = "{cc}",c_line = \'{chr(line)}\'}}']
    return "".join(out)


# -- xattrs ---------------------------------------------------------------------------------

def _xattr_list_result(k, args, ret):
    """print_syscall_ret_listxattr: the names the list holds, read from the buffer."""
    if not args[1]:
        return " (list = NULL)"
    names, addr, left = [], args[1], ret
    while left > 0:
        try:
            name = k.memory.read_cstring(addr, 4096)
        except GuestFault:
            names.append(_ptr(k, addr))
            break
        names.append('"' + name.decode("utf-8", "replace") + '"')
        left -= len(name) + 1
        addr += len(name) + 1
    return " (list = " + ",".join(names) + ")"


_sig = _enum(_SIGNALS, _ld)         # print_signal: "%ld" for what has no name
_prot = _flags(_PROT, zero="PROT_NONE")
_access = _flags(_ACCESS, zero="F_OK")

_CLONE = [("CLONE_VM", 0x100), ("CLONE_FS", 0x200), ("CLONE_FILES", 0x400),
          ("CLONE_SIGHAND", 0x800), ("CLONE_PIDFD", 0x1000), ("CLONE_PTRACE", 0x2000),
          ("CLONE_VFORK", 0x4000), ("CLONE_PARENT", 0x8000), ("CLONE_THREAD", 0x10000),
          ("CLONE_NEWNS", 0x20000), ("CLONE_SYSVSEM", 0x40000), ("CLONE_SETTLS", 0x80000),
          ("CLONE_PARENT_SETTID", 0x100000), ("CLONE_CHILD_CLEARTID", 0x200000),
          ("CLONE_DETACHED", 0x400000), ("CLONE_UNTRACED", 0x800000),
          ("CLONE_CHILD_SETTID", 0x1000000), ("CLONE_NEWCGROUP", 0x2000000),
          ("CLONE_NEWUTS", 0x4000000), ("CLONE_NEWIPC", 0x8000000),
          ("CLONE_NEWUSER", 0x10000000), ("CLONE_NEWPID", 0x20000000),
          ("CLONE_NEWNET", 0x40000000), ("CLONE_IO", 0x80000000)]


def _clone_args(k, args):
    """print_clone (the asm-generic argument order: flags, stack, parent_tid, tls,
    child_tid)."""
    names = ("child_stack", "parent_tidptr", "tls", "child_tidptr")
    return [_flags(_CLONE)(k, args[0]),
            *(f"{name}=0x{value:016x}" for name, value in zip(names, args[1:5]))]


def _execve_args(k, args):
    """print_execve: the path and the argv strings (at most 4096 bytes each, as read)."""
    shown = []
    try:
        addr = args[1]
        while addr:
            ptr = k.memory.load(addr, 8)
            if not ptr:
                break
            shown.append(_str(k, ptr))
            addr += 8
    except GuestFault:
        pass
    return [_str(k, args[0]), "{" + "".join(a + "," for a in shown) + "NULL}"]


_at_flags = _flags(_AT_FLAGS)

# name -> argument printers: a tuple of value printers (_q: a strace.list format string), or
# the name of a print function that sees all six registers (_SPECIAL). What has no entry
# prints as qemu's syscalls without a printer: six signed decimals.
FORMATS = {
    "read": _q("%d,%#x,%d"), "write": _q("%d,%#x,%d"), "writev": _q("%d,%p,%#x"),
    "close": _q("%d"), "dup": _q("%d"), "dup3": _q("%d,%d,%d"), "fsync": _q("%d"),
    "fdatasync": _q("%d"), "close_range": _q("%u,%u,%u"),
    "openat": "openat", "fcntl": "fcntl",
    "fstat": (_d, _ptr), "newfstatat": (_dirfd, _str, _ptr, _at_flags),
    "statx": (_dirfd, _str, _flags(_STATX_FLAGS), _flags(_STATX_MASK), _ptr),
    "statfs": (_str, _ptr), "fstatfs": _q("%d,%p"),
    "lseek": (_d, _ld, _enum(_WHENCE)), "ftruncate": _q("%d,%ld"), "truncate": (_str, _ld),
    "getdents64": _q("%d,%p,%u"), "mkdirat": (_dirfd, _str, _file_mode),
    "unlinkat": (_dirfd, _str, _flags(_UNLINK_FLAGS)),
    "faccessat": (_dirfd, _str, _access, _at_flags),
    "faccessat2": (_dirfd, _str, _access, _at_flags),
    "chdir": (_str,), "fchdir": _q("%d"), "getcwd": _q("%p,%d"), "ioctl": "ioctl",
    "readlinkat": (_dirfd, _str, _ptr, _u),
    "fchmod": _q("%d,%#o"), "fchmodat": (_dirfd, _str, _file_mode, _at_flags),
    "fchown": _q("%d,%d,%d"), "fchownat": (_dirfd, _str, _d, _d, _at_flags),
    "linkat": (_dirfd, _str, _dirfd, _str, _at_flags), "renameat": (_dirfd, _str, _dirfd, _str),
    "symlinkat": (_str, _dirfd, _str), "utimensat": (_dirfd, _str, _ptr, _at_flags),
    "copy_file_range": _q("%d,%p,%d,%p,%lu,%u"),
    "getxattr": (_str, _str, _ptr, _lu), "lgetxattr": (_str, _str, _ptr, _lu),
    "fgetxattr": (_d, _str, _ptr, _lu), "listxattr": (_str, _ptr, _lu),
    "llistxattr": (_str, _ptr, _lu), "flistxattr": (_d, _ptr, _lu),
    "brk": (_ptr,), "mmap": (_ptr, _d, _prot, _flags(_MAP), _d, _hex),
    "mprotect": (_ptr, _d, _prot), "munmap": (_ptr, _d), "madvise": (_ptr, _d, _enum(_MADV)),
    "rt_sigaction": (_sig, _ptr, _ptr),
    "rt_sigprocmask": (_enum(_HOW, lambda k, v: "UNKNOWN"), _ptr, _ptr),
    "sigaltstack": _q("%p,%p"),
    "kill": (_d, _sig), "tkill": (_d, _sig), "tgkill": (_d, _d, _sig),
    "getpid": (), "gettid": (), "getppid": (), "getuid": (), "geteuid": (), "getgid": (),
    "getegid": (), "uname": _q("%p"), "umask": _q("%#o"),
    "getpgid": _q("%u"), "setpgid": _q("%u,%u"), "getsid": _q("%d"), "setsid": _q(""),
    "waitid": _q("%#x,%d,%p,%#x"), "pidfd_open": _q("%d,%u"),
    "clock_gettime": (_enum(_CLOCKS), _ptr), "clock_getres": (_enum(_CLOCKS), _ptr),
    "gettimeofday": (_ptr, _ptr),
    "clock_nanosleep": (_enum(_CLOCKS), _d, _timespec_in, _timespec_in),
    "getitimer": (_enum(_ITIMERS), _ptr), "setitimer": (_enum(_ITIMERS), _itimerval, _ptr),
    "timer_settime": _q("%d,%d,%p,%p"),
    "getrandom": _q("%p,%u,%u"), "futex": "futex",
    "clone": "clone", "execve": "execve",
    "epoll_create1": _q("%d"), "eventfd2": _q("%d,%d"),
    "socket": "socket", "bind": "bind", "connect": _q("%d,%#x,%d"), "listen": _q("%d,%d"),
    "accept": (_d, _ptr, _int_at), "recvmsg": _q("%d,%p,%#x"),
}
_ENDS_LINE = frozenset(["exit", "exit_group"])
_RETURNS_ADDRESS = frozenset(["mmap", "brk"])


def _fcntl_args(k, args):
    cmd = s32(args[1])
    out = [_d(k, args[0]), _FCNTL.get(cmd, str(cmd))]
    if cmd == 4:
        out.append(_open_flags(k, args[2]))
    elif cmd in (5, 6, 7, 36, 37, 38):
        out.append(_ptr(k, args[2]))
    elif cmd not in (1, 3, 9, 11, 1025, 1032, 1034):
        out.append(_d(k, args[2]))
    return out


def _openat_args(k, args):
    out = [_dirfd(k, args[0]), _str(k, args[1]), _open_flags(k, args[2])]
    if open_flags_to_host(k.abi, u32(args[2])) & (0o100 | 0o20000000):
        out.append(_oct(k, args[3]))
    return out


_SPECIAL = {"openat": _openat_args, "fcntl": _fcntl_args, "clone": _clone_args,
            "execve": _execve_args, "futex": _futex_args, "ioctl": _ioctl_args,
            "socket": _socket_args, "bind": _bind_args}


def call_text(k, name: str, args: list[int]) -> str:
    """`<pid> name(args)` (with the newline for calls that do not return)."""
    spec = FORMATS.get(name)
    if name in _ENDS_LINE:
        return f"{k.pid} {name}({_d(k, args[0])})\n"
    if isinstance(spec, str):
        shown = _SPECIAL[spec](k, args)
    elif spec is None:
        shown = [_ld(k, a) for a in args]
    else:
        shown = [fmt(k, a) for fmt, a in zip(spec, args)]
    return f"{k.pid} {name}({','.join(shown)})"


# qemu's internal errnos, which its strace shows as results: a sigreturn ends this way
_ESIGRETURN = 513
_QEMU_ERRORS = {_ESIGRETURN: "Successful exit from sigreturn", 512: "To be restarted"}


def _strerror(err: int) -> str:
    return _QEMU_ERRORS.get(err) or os.strerror(err)


def ret_text(k, name: str, args: list[int], ret: int) -> str:
    """` = result` and the newline, as qemu's print_syscall_ret and its result printers."""
    if name == "rt_sigreturn":          # (the result register keeps the interrupted value)
        ret = -_ESIGRETURN
    ret = s64(ret)
    if -4096 <= ret < 0:                # is_error
        return f" = -1 errno={-ret} ({_strerror(-ret)})\n"
    if name in _RETURNS_ADDRESS:
        return f" = 0x{ret & MASK64:016x}\n"
    result = _RESULTS.get(name)
    extra = result(k, args, ret) if result else ""
    return f" = {ret}{extra}\n"


def _timezone_out(k, v):        # print_timezone
    if not v:
        return "NULL"
    try:
        west, dst = (int.from_bytes(k.memory.read(v + i, 4), "little", signed=True)
                     for i in (0, 4))
    except GuestFault:
        return _ptr(k, v)
    return f"{{{west},{dst}}}"


# name -> what qemu's result printer adds after the value of a successful call
_RESULTS = {
    "clock_gettime": lambda k, args, ret: f" ({_timespec_in(k, args[1])})",
    "clock_getres": lambda k, args, ret: f" ({_timespec_in(k, args[1])})",
    "gettimeofday": lambda k, args, ret:
        f" ({_timeval(k, args[0])},{_timezone_out(k, args[1])})",
    "getitimer": lambda k, args, ret: f" ({_itimerval(k, args[1])})",
    "setitimer": lambda k, args, ret: f" (old_value = {_itimerval(k, args[2])})",
    "listxattr": _xattr_list_result, "llistxattr": _xattr_list_result,
    "flistxattr": _xattr_list_result, "ioctl": _ioctl_result,
}


_SI_CODES = {0: "SI_USER", 0x80: "SI_KERNEL", -6: "SI_TKILL"}


def fault_signal_text(signo: int, code: int, addr: int) -> str:
    """The line qemu prints for a signal that a fault or trap raises."""
    name = _SIGNALS.get(signo, str(signo))
    return (f"--- {name} {{si_signo={name}, si_code={_SI_CODES.get(code, code)}, "
            f"si_addr=0x{addr:016x}}} ---\n")


def signal_text(k, signo: int, code: int) -> str:
    """The line qemu prints when it delivers a signal to the guest."""
    name = _SIGNALS.get(signo, str(signo))
    return (f"--- {name} {{si_signo={name}, si_code={_SI_CODES.get(code, code)}, "
            f"si_pid={k.pid}, si_uid={os.getuid()}}} ---\n")
