"""qemu-user `-strace` style tracing: `<pid> name(args) = result`.

The call is printed before the syscall runs and the result after it (so the guest's own output
can land in between, as with qemu). Argument formats follow qemu 7.2's print functions and
format strings for the syscalls dbt-vm implements; others print their six raw arguments as
signed decimals, as qemu does for syscalls without a printer.
"""

from __future__ import annotations

import os

from ..memory import GuestFault
from .abi import open_flags_to_host, s32, s64, u32
from .structs import TIMESPEC, TIMEVAL

# -- value printers (the C format each stands for) ---------------------------------------------


def _d(k, v):           # %d
    return str(s32(v))


def _ld(k, v):          # TARGET_ABI_FMT_ld
    return str(s64(v))


def _hex(k, v):         # %#x (an int: low 32 bits)
    v = u32(v)
    return f"{v:#x}" if v else "0"


def _oct(k, v):         # %#o
    v = u32(v)
    return f"0{v:o}" if v else "0"


def _p(k, v):           # %p
    return f"{v:#x}" if v else "(nil)"


def _ptr(k, v):         # print_pointer
    return f"0x{v:016x}" if v else "NULL"


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


def _enum(table, fallback=_d):
    def fmt(k, v):
        return table.get(s32(v)) or fallback(k, v)
    return fmt


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
_AT_FLAGS = [("AT_SYMLINK_NOFOLLOW", 0x100), ("AT_EACCESS", 0x200)]
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
         18: "MADV_WIPEONFORK", 19: "MADV_KEEPONFORK", 20: "MADV_COLD", 21: "MADV_PAGEOUT"}
_IOCTLS = {0x5401: "TCGETS", 0x5402: "TCSETS", 0x5403: "TCSETSW", 0x5404: "TCSETSF",
           0x5413: "TIOCGWINSZ", 0x5414: "TIOCSWINSZ", 0x541B: "FIONREAD"}
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


_sig = _enum(_SIGNALS)
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


# name -> argument printers; a string ends the line without a result (exit).
FORMATS = {
    "read": (_d, _hex, _d), "write": (_d, _hex, _d), "writev": (_d, _p, _hex),
    "close": (_d,), "dup": (_d,), "dup3": (_d, _d, _d), "fsync": (_d,), "fdatasync": (_d,),
    "openat": "openat", "fcntl": "fcntl",
    "fstat": (_d, _ptr), "newfstatat": (_dirfd, _str, _ptr, _flags(_AT_FLAGS)),
    "statx": (_dirfd, _str, _flags(_STATX_FLAGS), _flags(_STATX_MASK), _ptr),
    "lseek": (_d, _ld, _enum(_WHENCE)), "ftruncate": (_d, _ld),
    "getdents64": (_d, _p, _d), "mkdirat": (_dirfd, _str, _oct),
    "unlinkat": (_dirfd, _str, _flags(_UNLINK_FLAGS)),
    "faccessat": (_dirfd, _str, _access, _flags(_AT_FLAGS)),
    "faccessat2": (_dirfd, _str, _access, _flags(_AT_FLAGS)),
    "chdir": (_str,), "getcwd": (_p, _d), "ioctl": (_d, _enum(_IOCTLS, _hex), _ptr),
    "readlinkat": (_dirfd, _str, _ptr, _d),
    "brk": (_ptr,), "mmap": (_ptr, _d, _prot, _flags(_MAP), _d, _hex),
    "mprotect": (_ptr, _d, _prot), "munmap": (_ptr, _d), "madvise": (_ptr, _d, _enum(_MADV)),
    "rt_sigaction": (_sig, _ptr, _ptr), "rt_sigprocmask": (_enum(_HOW), _ptr, _ptr),
    "kill": (_d, _sig), "tkill": (_d, _sig), "tgkill": (_d, _d, _sig),
    "getpid": (), "gettid": (), "getppid": (), "getuid": (), "geteuid": (), "getgid": (),
    "getegid": (), "uname": (_p,), "umask": (_oct,),
    "clock_gettime": (_enum(_CLOCKS), _ptr), "gettimeofday": (_ptr, _ptr),
    "clock_nanosleep": (_enum(_CLOCKS), _flags([("TIMER_ABSTIME", 1)]), _timespec_in, _ptr),
    "getrandom": (_p, _d, _d), "futex": "futex",
    "clone": "clone", "execve": "execve",
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


def call_text(k, name: str, args: list[int]) -> str:
    """`<pid> name(args)` (with the newline for calls that do not return)."""
    spec = FORMATS.get(name)
    if name in _ENDS_LINE:
        return f"{k.pid} {name}({_d(k, args[0])})\n"
    if spec == "openat":
        shown = _openat_args(k, args)
    elif spec == "fcntl":
        shown = _fcntl_args(k, args)
    elif spec == "clone":
        shown = _clone_args(k, args)
    elif spec == "execve":
        shown = _execve_args(k, args)
    elif spec == "futex":
        shown = _futex_args(k, args)
    elif spec is None:
        shown = [_ld(k, a) for a in args]
    else:
        shown = [fmt(k, a) for fmt, a in zip(spec, args)]
    return f"{k.pid} {name}({','.join(shown)})"


def ret_text(k, name: str, args: list[int], ret: int) -> str:
    if ret < 0 and ret >= -4095:
        return f" = -1 errno={-ret} ({os.strerror(-ret)})\n"
    if name in _RETURNS_ADDRESS:
        return f" = 0x{ret & (1 << 64) - 1:016x}\n"
    extra = ""
    if name == "clock_gettime":
        extra = " (" + _timespec_in(k, args[1]) + ")"
    elif name == "gettimeofday":
        extra = " (" + _timeval_out(k, args[0]) + "," + _timezone_out(k, args[1]) + ")"
    return f" = {ret}{extra}\n"


def _timeval_out(k, v):
    try:
        sec, usec = TIMEVAL.unpack(k.memory.read(v, TIMEVAL.size))
    except GuestFault:
        return _ptr(k, v)
    return f"{{tv_sec = {sec},tv_usec = {usec}}}"


def _timezone_out(k, v):
    if not v:
        return "NULL"
    try:
        west, dst = (int.from_bytes(k.memory.read(v + i, 4), "little", signed=True)
                     for i in (0, 4))
    except GuestFault:
        return _ptr(k, v)
    return f"{{tz_minuteswest = {west},tz_dsttime = {dst}}}"


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
