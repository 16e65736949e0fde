"""File syscalls: the guest fd table, paths (sysroot, /proc/self/exe, /proc/self/fd), and the
handlers for I/O, metadata and directories.

Guest paths become host paths in paths.py (the sysroot, /proc/self/exe, /proc/self/fd).

Guest fds are numbers in `FdTable` (Linux's lowest-free rule) that map to host fds; a host fd
that dbt-vm opened for itself is never in the table, so the guest cannot reach it. I/O goes
straight between the host fd and guest memory (`memory.view` slices) once the guest range has
been checked, so a buffer that becomes inaccessible half-way gives a short count, as on Linux.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import struct

from ..memory import PROT_READ, PROT_WRITE
from .abi import (SyscallError, fail, host_syscall, open_flags_to_guest, open_flags_to_host, s32,
                  s64, u32)
from . import procfs
from .mm import accessible, io_length, user_range
from .paths import AT_FDCWD, is_self_exe, read_path, resolve
from .ioctls import IOC_R, IOC_W, IOCTLS, POINTEE_SIZE
from .structs import FLOCK_SIZE, IOVEC, STATX_SIZE, pack_stat

AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_NO_AUTOMOUNT, AT_EMPTY_PATH = 0x100, 0x200, 0x800, 0x1000
O_ACCMODE, O_RDONLY, O_WRONLY = 3, 0, 1
O_CLOEXEC, O_NONBLOCK, O_EXCL, O_DIRECT = 0o2000000, 0o4000, 0o200, 0o40000
UIO_MAXIOV = 1024
GETDENTS_CHUNK = 1 << 16                # fewer records per call than asked is allowed
FD_CLOEXEC = 1
F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL = 0, 1, 2, 3, 4
F_DUPFD_CLOEXEC = 1030
F_LOCK_CMDS = {5: True, 6: False, 7: False, 36: True, 37: False, 38: False}  # cmd -> copies out
F_INT_CMDS = frozenset([8, 9, 10, 11, 1024, 1025, 1026, 1031, 1032, 1033, 1034])
HOST_O_LARGEFILE = 0o100000
SIGPIPE, SI_KERNEL = 13, 0x80
READABLE = PROT_READ | PROT_WRITE       # guest write-only pages are readable (RW) on Linux


# -- the fd table --------------------------------------------------------------------------------
class FdEntry:
    """A guest fd: the host fd it stands for, and its close-on-exec flag."""
    __slots__ = ("host", "cloexec")

    def __init__(self, host: int, cloexec: bool = False):
        self.host = host
        self.cloexec = cloexec


class FdTable:
    """guest fd -> host fd. Guest 0/1/2 start as host 0/1/2 (when open, and not `closed`:
    the command line holds closed ones with /dev/null for itself)."""

    def __init__(self, limit: int, closed: frozenset = frozenset(),
                 fd_map: dict[int, int] | None = None):
        self.limit = limit
        self.entries: dict[int, FdEntry] = {}
        if fd_map is not None:        # an execve's: the fds the guest kept, by their numbers
            for fd, host in sorted(fd_map.items()):
                self.entries[fd] = FdEntry(host)
            return
        for fd in (0, 1, 2):
            try:
                os.fstat(fd)
            except OSError:
                continue
            if fd not in closed:
                self.entries[fd] = FdEntry(fd)

    def entry(self, fd: int) -> FdEntry:
        found = self.entries.get(s32(fd))
        if found is None:
            fail(errno.EBADF)
        return found

    def host(self, fd: int) -> int:
        return self.entry(fd).host

    def lowest_free(self, start: int = 0) -> int:
        fd = start
        while fd in self.entries:
            fd += 1
        if fd >= self.limit:
            fail(errno.EMFILE)
        return fd

    def install(self, host: int, cloexec: bool = False, start: int = 0) -> int:
        """Give a new host fd the lowest free guest number >= start (closing it on EMFILE)."""
        try:
            fd = self.lowest_free(start)
        except Exception:
            os.close(host)
            raise
        self.entries[fd] = FdEntry(host, cloexec)
        return fd

    def place(self, fd: int, host: int, cloexec: bool) -> None:
        """Make guest `fd` refer to `host`, closing what it referred to (dup2 semantics)."""
        previous = self.entries.get(fd)
        self.entries[fd] = FdEntry(host, cloexec)
        if previous is not None:
            _close_quietly(previous.host)

    def kept_on_exec(self) -> dict[int, int]:
        """guest fd -> host fd of the fds an execve keeps (not close-on-exec)."""
        return {fd: e.host for fd, e in self.entries.items() if not e.cloexec}

    def close(self, fd: int) -> int:
        found = self.entries.pop(s32(fd), None)
        if found is None:
            fail(errno.EBADF)
        return found.host


def _close_quietly(host: int) -> None:
    try:
        os.close(host)
    except OSError:
        pass


def _raw_dirfd(host_dir: int | None) -> int:
    return AT_FDCWD if host_dir is None else host_dir


# -- read / write ----------------------------------------------------------------------------
def _io_fail_order(host: int, want_read: bool) -> None:
    """On a bad buffer Linux reports EBADF first when the fd is not open for that direction."""
    mode = fcntl.fcntl(host, fcntl.F_GETFL) & O_ACCMODE
    if mode == (O_WRONLY if want_read else O_RDONLY):
        fail(errno.EBADF)


def _buffer(k, host: int, addr: int, count: int, need: int) -> memoryview:
    try:
        n = io_length(k.memory, addr, count, need)
    except SyscallError:
        _io_fail_order(host, need == PROT_WRITE)
        raise
    return k.memory.view[addr:addr + n]


def _sigpipe(k, exc: OSError) -> None:
    if exc.errno == errno.EPIPE:
        k.signals.send_self(k, SIGPIPE, SI_KERNEL)


# Reads and writes that may block are the host's raw syscalls (on the guest memory in place),
# not os.read/os.write: those retry after EINTR (PEP 475), and a guest's read must end with
# EINTR when a signal for one of its handlers arrives (signals.py).
def _address(view: memoryview) -> int:
    """The host address of a (writable) view of guest memory."""
    return ctypes.addressof(ctypes.c_char.from_buffer(view)) if len(view) else 0


def _io_vector(views: list[memoryview]) -> ctypes.Array:
    """A host struct iovec array for views of guest memory."""
    raw = b"".join(IOVEC.pack(_address(v), len(v)) for v in views)
    return ctypes.create_string_buffer(raw, len(raw) or 1)


def sys_read(k, fd, buf, count):
    host = k.fds.host(fd)
    view = _buffer(k, host, buf, count, PROT_WRITE)
    return host_syscall("read", host, _address(view), len(view))


def sys_write(k, fd, buf, count):
    host = k.fds.host(fd)
    data = _buffer(k, host, buf, count, READABLE)
    try:
        return host_syscall("write", host, _address(data), len(data))
    except OSError as exc:
        _sigpipe(k, exc)
        raise


def sys_pread64(k, fd, buf, count, offset):
    host = k.fds.host(fd)
    if s64(offset) < 0:
        fail(errno.EINVAL)
    return os.preadv(host, [_buffer(k, host, buf, count, PROT_WRITE)], offset)


def sys_pwrite64(k, fd, buf, count, offset):
    host = k.fds.host(fd)
    if s64(offset) < 0:
        fail(errno.EINVAL)
    try:
        return os.pwrite(host, _buffer(k, host, buf, count, READABLE), offset)
    except OSError as exc:
        _sigpipe(k, exc)
        raise


def _iovecs(k, iov: int, iovcnt: int, need: int) -> list[memoryview]:
    """The guest iovec array as memory views: the accessible prefix of the whole transfer."""
    mem = k.memory
    if iovcnt > UIO_MAXIOV:
        fail(errno.EINVAL)
    segments, total = [], 0
    for base, length in IOVEC.iter_unpack(mem.read(iov, IOVEC.size * iovcnt)):
        if s64(length) < 0:
            fail(errno.EINVAL)
        user_range(mem, base, length)
        length = min(length, 0x7FFFF000 - total)
        segments.append((base, length))
        total += length
    views, usable = [], 0
    for base, length in segments:
        n = accessible(mem, base, length, need)
        views.append(mem.view[base:base + n])
        usable += n
        if n < length:
            break
    if usable == 0 and total > 0:
        fail(errno.EFAULT)
    return views


def sys_readv(k, fd, iov, iovcnt):
    host = k.fds.host(fd)
    if not iovcnt:
        return 0
    views = _iovecs(k, iov, iovcnt, PROT_WRITE)
    return host_syscall("readv", host, _io_vector(views), len(views))


def sys_writev(k, fd, iov, iovcnt):
    host = k.fds.host(fd)
    if not iovcnt:
        return 0
    views = _iovecs(k, iov, iovcnt, READABLE)
    try:
        return host_syscall("writev", host, _io_vector(views), len(views))
    except OSError as exc:
        _sigpipe(k, exc)
        raise


# -- open / close / seek -----------------------------------------------------------------------
def sys_openat(k, dirfd, path, flags, mode):
    name = read_path(k, path)
    flags = u32(flags)
    k.fds.lowest_free()                      # EMFILE before any host effect
    content = procfs.fake_file(k, name)
    if content is not None:                  # /proc/self/maps and friends: the guest's
        return k.fds.install(procfs.memfd(content), cloexec=bool(flags & O_CLOEXEC))
    where, host_dir = resolve(k, dirfd, name, sysroot=True)
    host = os.open(where, s32(open_flags_to_host(k.abi, flags)), u32(mode) & 0o7777,
                   dir_fd=host_dir)
    return k.fds.install(host, cloexec=bool(flags & O_CLOEXEC))


def sys_close(k, fd):
    os.close(k.fds.close(fd))
    return 0


def sys_lseek(k, fd, offset, whence):
    return os.lseek(k.fds.host(fd), s64(offset), s32(whence))


def sys_ftruncate(k, fd, length):
    host = k.fds.host(fd)
    if s64(length) < 0:
        fail(errno.EINVAL)
    os.ftruncate(host, length)
    return 0


def sys_fsync(k, fd):
    os.fsync(k.fds.host(fd))
    return 0


def sys_fdatasync(k, fd):
    os.fdatasync(k.fds.host(fd))
    return 0


def sys_fadvise64(k, fd, offset, length, advice):
    """Advice only: the host's answer (0, or EBADF, ESPIPE for a pipe, EINVAL), as qemu."""
    host_syscall("fadvise64", k.fds.host(fd), offset, length, s32(advice))
    return 0


# struct statfs of the 64-bit generic ABI and of x86-64: f_type, f_bsize, f_blocks, f_bfree,
# f_bavail, f_files, f_ffree (8 bytes each), f_fsid (two ints), f_namelen, f_frsize, f_flags,
# f_spare[4] (8 bytes each): the host's, with f_spare zeroed as qemu does.
STATFS_SIZE = 120
STATFS_SPARE = 88


def _statfs(k, call: str, target, buf) -> int:
    out = ctypes.create_string_buffer(STATFS_SIZE)
    host_syscall(call, target, out)
    k.memory.write(buf, out.raw[:STATFS_SPARE] + bytes(STATFS_SIZE - STATFS_SPARE))
    return 0


def sys_statfs(k, path, buf):
    """The path is looked up in the sysroot first, as qemu-user's statfs does."""
    where, _ = resolve(k, AT_FDCWD, read_path(k, path), sysroot=True)
    return _statfs(k, "statfs", where, buf)


def sys_fstatfs(k, fd, buf):
    return _statfs(k, "fstatfs", k.fds.host(fd), buf)


# -- extended attributes: the host's, read only (host paths as given, as in qemu-user) ----------
def _xattr_reply(k, data: bytes, buf, size) -> int:
    """Linux's contract for a list or value: size 0 asks for its length; a smaller buffer is
    ERANGE."""
    if size == 0:
        return len(data)
    if len(data) > size:
        fail(errno.ERANGE)
    k.memory.write(buf, data)
    return len(data)


def _listxattr(k, target, buf, size, follow: bool = True) -> int:
    names = os.listxattr(target, follow_symlinks=follow)
    return _xattr_reply(k, b"".join(os.fsencode(n) + b"\0" for n in names), buf, size)


def _getxattr(k, target, name, buf, size, follow: bool = True) -> int:
    key = k.memory.read_cstring(name, 256)
    if not key:
        fail(errno.ERANGE)
    return _xattr_reply(k, os.getxattr(target, key, follow_symlinks=follow), buf, size)


def sys_listxattr(k, path, buf, size):
    return _listxattr(k, read_path(k, path), buf, size)


def sys_llistxattr(k, path, buf, size):
    return _listxattr(k, read_path(k, path), buf, size, follow=False)


def sys_flistxattr(k, fd, buf, size):
    return _listxattr(k, k.fds.host(fd), buf, size)


def sys_getxattr(k, path, name, buf, size):
    return _getxattr(k, read_path(k, path), name, buf, size)


def sys_lgetxattr(k, path, name, buf, size):
    return _getxattr(k, read_path(k, path), name, buf, size, follow=False)


def sys_fgetxattr(k, fd, name, buf, size):
    return _getxattr(k, k.fds.host(fd), name, buf, size)


# -- stat -----------------------------------------------------------------------------------------
def sys_fstat(k, fd, statbuf):
    info = os.fstat(k.fds.host(fd))
    k.memory.write(statbuf, pack_stat(info))
    return 0


def sys_newfstatat(k, dirfd, path, statbuf, flags):
    flags = u32(flags)
    if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT):
        fail(errno.EINVAL)
    name = read_path(k, path, allow_empty=bool(flags & AT_EMPTY_PATH))
    if not name:
        info = os.stat(".") if s32(dirfd) == AT_FDCWD else os.fstat(k.fds.host(dirfd))
    else:
        where, host_dir = resolve(k, dirfd, name, sysroot=True)
        info = os.stat(where, dir_fd=host_dir, follow_symlinks=not flags & AT_SYMLINK_NOFOLLOW)
    k.memory.write(statbuf, pack_stat(info))
    return 0


def sys_statx(k, dirfd, path, flags, mask, statxbuf):
    flags = u32(flags)
    if path == 0 and flags & AT_EMPTY_PATH:
        name = b""
    else:
        name = read_path(k, path, allow_empty=True)
    where, host_dir = resolve(k, dirfd, name)
    out = ctypes.create_string_buffer(STATX_SIZE)
    host_syscall("statx", _raw_dirfd(host_dir), where, flags, u32(mask), out)
    k.memory.write(statxbuf, out.raw)
    return 0


def sys_faccessat(k, dirfd, path, mode):
    return sys_faccessat2(k, dirfd, path, mode, 0)


def sys_faccessat2(k, dirfd, path, mode, flags):
    name = read_path(k, path, allow_empty=bool(u32(flags) & AT_EMPTY_PATH))
    where, host_dir = resolve(k, dirfd, name)
    call = "faccessat2" if flags else "faccessat"
    return host_syscall(call, _raw_dirfd(host_dir), where, u32(mode), u32(flags))


def sys_readlinkat(k, dirfd, path, buf, bufsiz):
    name = read_path(k, path)
    size = s32(bufsiz)
    if size <= 0:
        fail(errno.EINVAL)
    if is_self_exe(k, name):
        target = k.exe_path
    else:
        where, host_dir = resolve(k, dirfd, name, sysroot=True)
        target = os.readlink(where, dir_fd=host_dir)
    target = target[:size]
    k.memory.write(buf, target)
    return len(target)


# -- directories -------------------------------------------------------------------------------
def sys_getdents64(k, fd, dirp, count):
    host = k.fds.host(fd)
    count = u32(count)
    user_range(k.memory, dirp, count)
    usable = accessible(k.memory, dirp, min(count, GETDENTS_CHUNK), PROT_WRITE)
    if usable == 0 and count > 0:
        fail(errno.EFAULT)
    out = ctypes.create_string_buffer(max(usable, 1))
    try:
        got = host_syscall("getdents64", host, out, usable)
    except OSError as exc:
        if exc.errno == errno.EINVAL and usable < min(count, GETDENTS_CHUNK):
            fail(errno.EFAULT)       # the first record did not fit the accessible part
        raise
    k.memory.write(dirp, out.raw[:got])
    return got


def sys_mkdirat(k, dirfd, path, mode):
    where, host_dir = resolve(k, dirfd, read_path(k, path))
    os.mkdir(where, u32(mode) & 0o7777, dir_fd=host_dir)
    return 0


def sys_unlinkat(k, dirfd, path, flags):
    flags = u32(flags)
    if flags & ~AT_REMOVEDIR:
        fail(errno.EINVAL)
    where, host_dir = resolve(k, dirfd, read_path(k, path))
    (os.rmdir if flags & AT_REMOVEDIR else os.unlink)(where, dir_fd=host_dir)
    return 0


def sys_renameat2(k, olddirfd, oldpath, newdirfd, newpath, flags):
    old, old_dir = resolve(k, olddirfd, read_path(k, oldpath))
    new, new_dir = resolve(k, newdirfd, read_path(k, newpath))
    return host_syscall("renameat2", _raw_dirfd(old_dir), old, _raw_dirfd(new_dir), new,
                        u32(flags))


def sys_renameat(k, olddirfd, oldpath, newdirfd, newpath):
    return sys_renameat2(k, olddirfd, oldpath, newdirfd, newpath, 0)


def sys_getcwd(k, buf, size):
    cwd = os.getcwdb() + b"\0"
    if len(cwd) > size:
        fail(errno.ERANGE)
    k.memory.write(buf, cwd)
    return len(cwd)


def sys_chdir(k, path):
    os.chdir(read_path(k, path))
    return 0


def sys_fchdir(k, fd):
    os.fchdir(k.fds.host(fd))
    return 0


# -- links, modes, owners, times -----------------------------------------------------------------
AT_SYMLINK_FOLLOW = 0x400


def sys_symlinkat(k, target, newdirfd, linkpath):
    value = read_path(k, target)
    where, host_dir = resolve(k, newdirfd, read_path(k, linkpath))
    os.symlink(value, where, dir_fd=host_dir)
    return 0


def sys_linkat(k, olddirfd, oldpath, newdirfd, newpath, flags):
    flags = u32(flags)
    if flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH):
        fail(errno.EINVAL)
    old, old_dir = resolve(k, olddirfd, read_path(k, oldpath, bool(flags & AT_EMPTY_PATH)))
    new, new_dir = resolve(k, newdirfd, read_path(k, newpath))
    os.link(old, new, src_dir_fd=old_dir, dst_dir_fd=new_dir,
            follow_symlinks=bool(flags & AT_SYMLINK_FOLLOW))
    return 0


def sys_fchmod(k, fd, mode):
    os.fchmod(k.fds.host(fd), u32(mode) & 0o7777)
    return 0


def sys_fchmodat(k, dirfd, path, mode):
    where, host_dir = resolve(k, dirfd, read_path(k, path))
    os.chmod(where, u32(mode) & 0o7777, dir_fd=host_dir)
    return 0


def sys_fchownat(k, dirfd, path, uid, gid, flags):
    flags = u32(flags)
    if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        fail(errno.EINVAL)
    name = read_path(k, path, bool(flags & AT_EMPTY_PATH))
    if not name:
        return sys_fchown(k, dirfd, uid, gid)
    where, host_dir = resolve(k, dirfd, name)
    os.chown(where, s32(uid), s32(gid), dir_fd=host_dir,
             follow_symlinks=not flags & AT_SYMLINK_NOFOLLOW)
    return 0


def sys_fchown(k, fd, uid, gid):
    os.fchown(k.fds.host(fd), s32(uid), s32(gid))
    return 0


def sys_truncate(k, path, length):
    name = read_path(k, path)
    if s64(length) < 0:
        fail(errno.EINVAL)
    os.truncate(name, length)
    return 0


def sys_utimensat(k, dirfd, path, times, flags):
    """struct timespec[2] (with UTIME_NOW / UTIME_OMIT) is the host's: passed through."""
    stamps = k.memory.read(times, 32) if times else None
    if path:
        where, host_dir = resolve(k, dirfd, read_path(k, path, bool(u32(flags) & AT_EMPTY_PATH)),
                                  sysroot=True)
    else:                                   # futimens(dirfd, times)
        where, host_dir = None, k.fds.host(dirfd)
    return host_syscall("utimensat", _raw_dirfd(host_dir), where or 0, stamps or 0, u32(flags))


# -- fd duplication and control ----------------------------------------------------------------
def sys_dup(k, fd):
    return k.fds.install(os.dup(k.fds.host(fd)))


def sys_dup3(k, oldfd, newfd, flags):
    flags, new = u32(flags), s32(newfd)
    if flags & ~O_CLOEXEC:
        fail(errno.EINVAL)
    if new < 0 or new >= k.fds.limit:
        fail(errno.EBADF)
    if s32(oldfd) == new:
        fail(errno.EINVAL)
    host = os.dup(k.fds.host(oldfd))
    k.fds.place(new, host, bool(flags & O_CLOEXEC))
    return new


def sys_fcntl(k, fd, cmd, arg):
    entry, cmd = k.fds.entry(fd), s32(cmd)
    if cmd in (F_DUPFD, F_DUPFD_CLOEXEC):
        if arg >= k.fds.limit:
            fail(errno.EINVAL)
        return k.fds.install(os.dup(entry.host), cmd == F_DUPFD_CLOEXEC, arg)
    if cmd == F_GETFD:
        return FD_CLOEXEC if entry.cloexec else 0
    if cmd == F_SETFD:
        entry.cloexec = bool(arg & FD_CLOEXEC)
        return 0
    if cmd == F_GETFL:
        # without O_LARGEFILE, which the kernel adds for a 64-bit process: qemu-user's
        # translation table drops it (glibc's x86-64 headers define O_LARGEFILE as 0)
        flags = fcntl.fcntl(entry.host, F_GETFL) & ~HOST_O_LARGEFILE
        return open_flags_to_guest(k.abi, flags)
    if cmd == F_SETFL:
        fcntl.fcntl(entry.host, F_SETFL, s32(open_flags_to_host(k.abi, u32(arg))))
        return 0
    if cmd in F_LOCK_CMDS:
        return _fcntl_lock(k, entry.host, cmd, arg)
    if cmd in F_INT_CMDS:
        return fcntl.fcntl(entry.host, cmd, s32(arg))
    fail(errno.EINVAL)


def _fcntl_lock(k, host: int, cmd: int, arg: int) -> int:
    """struct flock is the same on x86-64 and asm-generic 64-bit: pass the bytes through."""
    request = k.memory.read(arg, FLOCK_SIZE)
    if F_LOCK_CMDS[cmd] and not k.memory.check(arg, FLOCK_SIZE, PROT_WRITE):
        fail(errno.EFAULT)
    result = fcntl.fcntl(host, cmd, request)
    if F_LOCK_CMDS[cmd]:
        k.memory.write(arg, result)
    return 0


def sys_ioctl(k, fd, request, arg):
    """The terminal ioctls of qemu-user's table (ioctls.py), passed to the host (their structs
    are the host's); FIOCLEX/FIONCLEX set the guest fd's close-on-exec flag. Any other
    request fails with ENOSYS, as under qemu-user for an ioctl it does not know."""
    entry = k.fds.entry(fd)
    known = IOCTLS.get(request)
    if known is None:
        fail(errno.ENOSYS)
    name, access, kind = known
    if name in ("FIOCLEX", "FIONCLEX"):
        entry.cloexec = name == "FIOCLEX"
        return 0
    if kind is None or kind == "int":
        return fcntl.ioctl(entry.host, request, s32(arg) if kind else 0)
    size = POINTEE_SIZE[kind]
    data = k.memory.read(arg, size) if access & IOC_W else bytes(size)
    if access & IOC_R and not k.memory.check(arg, size, PROT_WRITE):
        fail(errno.EFAULT)
    result = fcntl.ioctl(entry.host, request, data)
    if access & IOC_R:
        k.memory.write(arg, result)
    return 0


# -- whole-file transfers, memfds, locks ---------------------------------------------------------
MFD_CLOEXEC = 1
MAX_TRANSFER = 0x7FFFF000                    # what one sendfile/splice/copy moves at most


def _offset_in(k, addr: int) -> int | None:
    """An optional loff_t in guest memory (EINVAL when negative)."""
    if not addr:
        return None
    value = s64(k.memory.load(addr, 8))
    if value < 0:
        fail(errno.EINVAL)
    if not k.memory.check(addr, 8, PROT_WRITE):
        fail(errno.EFAULT)
    return value


def sys_memfd_create(k, name, flags):
    text = k.memory.read_cstring(name, 250)
    flags = u32(flags)
    host = os.memfd_create(os.fsdecode(text), flags | MFD_CLOEXEC)
    return k.fds.install(host, cloexec=bool(flags & MFD_CLOEXEC))


def sys_sendfile(k, out_fd, in_fd, offset, count):
    out_host, in_host = k.fds.host(out_fd), k.fds.host(in_fd)
    start = _offset_in(k, offset)
    count = min(count, MAX_TRANSFER)
    if start is None:
        return os.sendfile(out_host, in_host, None, count)
    done = os.sendfile(out_host, in_host, start, count)
    k.memory.store(offset, 8, start + done)
    return done


def sys_copy_file_range(k, fd_in, off_in, fd_out, off_out, length, flags):
    if flags:
        fail(errno.EINVAL)
    src, dst = k.fds.host(fd_in), k.fds.host(fd_out)
    a, b = _offset_in(k, off_in), _offset_in(k, off_out)
    done = os.copy_file_range(src, dst, min(length, MAX_TRANSFER), a, b)
    for addr, start in ((off_in, a), (off_out, b)):
        if start is not None:
            k.memory.store(addr, 8, start + done)
    return done


def sys_splice(k, fd_in, off_in, fd_out, off_out, length, flags):
    src, dst = k.fds.host(fd_in), k.fds.host(fd_out)
    a, b = _offset_in(k, off_in), _offset_in(k, off_out)
    done = os.splice(src, dst, min(length, MAX_TRANSFER), a, b, u32(flags))
    for addr, start in ((off_in, a), (off_out, b)):
        if start is not None:
            k.memory.store(addr, 8, start + done)
    return done


def sys_flock(k, fd, operation):
    fcntl.flock(k.fds.host(fd), s32(operation))
    return 0


CLOSE_RANGE_UNSHARE, CLOSE_RANGE_CLOEXEC = 2, 4


def sys_close_range(k, first, last, flags):
    first, last, flags = u32(first), u32(last), u32(flags)
    if flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) or first > last:
        fail(errno.EINVAL)
    for fd in [fd for fd in k.fds.entries if first <= fd <= last]:
        if flags & CLOSE_RANGE_CLOEXEC:
            k.fds.entries[fd].cloexec = True
        else:
            _close_quietly(k.fds.close(fd))
    return 0


def sys_pipe2(k, fds, flags):
    flags = u32(flags)
    if flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_EXCL):
        fail(errno.EINVAL)
    if not k.memory.check(fds, 8, PROT_WRITE):
        fail(errno.EFAULT)
    k.fds.lowest_free(k.fds.lowest_free() + 1)      # room for both ends, else EMFILE
    host_flags = open_flags_to_host(k.abi, flags) & ~(O_CLOEXEC | O_EXCL)
    read_end, write_end = os.pipe2(host_flags)
    cloexec = bool(flags & O_CLOEXEC)
    guest_read = k.fds.install(read_end, cloexec)
    try:
        guest_write = k.fds.install(write_end, cloexec)
    except Exception:
        os.close(k.fds.close(guest_read))
        raise
    k.memory.write(fds, struct.pack("<ii", guest_read, guest_write))
    return 0


HANDLERS = {
    "read": sys_read, "write": sys_write, "readv": sys_readv, "writev": sys_writev,
    "pread64": sys_pread64, "pwrite64": sys_pwrite64,
    "openat": sys_openat, "close": sys_close, "lseek": sys_lseek,
    "ftruncate": sys_ftruncate, "fsync": sys_fsync, "fdatasync": sys_fdatasync,
    "fadvise64": sys_fadvise64, "statfs": sys_statfs, "fstatfs": sys_fstatfs,
    "listxattr": sys_listxattr, "llistxattr": sys_llistxattr, "flistxattr": sys_flistxattr,
    "getxattr": sys_getxattr, "lgetxattr": sys_lgetxattr, "fgetxattr": sys_fgetxattr,
    "fstat": sys_fstat, "newfstatat": sys_newfstatat, "statx": sys_statx,
    "faccessat": sys_faccessat, "faccessat2": sys_faccessat2, "readlinkat": sys_readlinkat,
    "getdents64": sys_getdents64, "mkdirat": sys_mkdirat, "unlinkat": sys_unlinkat,
    "renameat2": sys_renameat2, "renameat": sys_renameat,
    "getcwd": sys_getcwd, "chdir": sys_chdir, "fchdir": sys_fchdir,
    "dup": sys_dup, "dup3": sys_dup3, "fcntl": sys_fcntl, "ioctl": sys_ioctl,
    "pipe2": sys_pipe2, "close_range": sys_close_range, "memfd_create": sys_memfd_create,
    "sendfile": sys_sendfile, "copy_file_range": sys_copy_file_range, "splice": sys_splice,
    "flock": sys_flock,
    "symlinkat": sys_symlinkat, "linkat": sys_linkat, "fchmod": sys_fchmod,
    "fchmodat": sys_fchmodat, "fchown": sys_fchown, "fchownat": sys_fchownat,
    "truncate": sys_truncate, "utimensat": sys_utimensat,
}
