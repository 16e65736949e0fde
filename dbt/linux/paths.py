"""Guest paths to host paths: the sysroot (-L, QEMU_LD_PREFIX), /proc/self/exe and
/proc/self/fd/N.

The sysroot follows qemu-user's rule exactly (its util/path.c): an absolute path is looked up
under the sysroot when the file exists there (access(F_OK): a dangling symlink does not count;
"/" is the sysroot itself), else it is the host's; a lookup is remembered for the rest of the
run. As in qemu-user, only openat, newfstatat, readlinkat and utimensat look there
(SYSROOT_CALLS); faccessat, statx, mkdirat, unlinkat, renameat, symlinkat, linkat, fchmodat,
fchownat, truncate and chdir use the host path as given (checked against qemu-riscv64 7.2 by
tests/test_loader.py).
"""

from __future__ import annotations

import errno
import os
import re

from ..memory import PROT_READ, GuestFault
from .abi import fail, s32

AT_FDCWD = -100
PATH_MAX = 4096


_PROC_FD = re.compile(rb"^/(?:proc/(?:self|thread-self|\d+)/fd|dev/fd)/(\d+)$")
_PROC_EXE = re.compile(rb"^/proc/(self|\d+)/exe$")
# the calls that look absolute paths up in the sysroot, as in qemu-user
SYSROOT_CALLS = ("openat", "newfstatat", "readlinkat", "utimensat")


def read_path(k, addr: int, allow_empty: bool = False) -> bytes:
    """A guest path: EFAULT when unreadable, ENAMETOOLONG without a NUL in PATH_MAX bytes."""
    try:
        path = k.memory.read_cstring(addr, PATH_MAX)
    except GuestFault:
        if k.memory.check(addr, PATH_MAX, PROT_READ):
            fail(errno.ENAMETOOLONG)
        raise
    if not path and not allow_empty:
        fail(errno.ENOENT)
    return path


def is_self_exe(k, path: bytes) -> bool:
    found = _PROC_EXE.match(path)
    return bool(found) and found.group(1) in (b"self", str(k.pid).encode())


def sysroot_prefix(sysroot: str | None) -> bytes | None:
    """The sysroot as qemu-user's init_paths takes it: none for "" and "/", a relative one
    joined to the current directory."""
    if not sysroot or sysroot == "/":
        return None
    root = os.fsencode(sysroot)
    return root if root.startswith(b"/") else os.path.join(os.getcwdb(), root)


def host_path(k, path: bytes, sysroot: bool = True) -> bytes:
    """The host path for an absolute guest path: /proc/self/exe is the guest program,
    /proc/self/fd/N names guest fd N, and (for SYSROOT_CALLS) the sysroot comes first."""
    if is_self_exe(k, path):
        return k.exe_path
    found = _PROC_FD.match(path)
    if found:
        entry = k.fds.entries.get(int(found.group(1)))
        return b"/proc/self/fd/%d" % entry.host if entry else b"/proc/self/fd/-1"
    if sysroot and k.sysroot:
        return in_sysroot(k, path)
    return path


def in_sysroot(k, path: bytes) -> bytes:
    """qemu-user's path(): the sysroot's file when access(F_OK) finds it, else the host's;
    each answer is kept (qemu assumes the sysroot does not change during a run)."""
    found = k.sysroot_cache.get(path)
    if found is None:
        candidate = k.sysroot.rstrip(b"/") + path
        found = candidate if os.access(candidate, os.F_OK) else path
        k.sysroot_cache[path] = found
    return found


def resolve(k, dirfd: int, path: bytes, sysroot: bool = False) -> tuple[bytes, int | None]:
    """(host path, host dir fd or None for the cwd) for a guest (dirfd, path) pair;
    `sysroot`: the call is one of SYSROOT_CALLS."""
    if path.startswith(b"/"):
        return host_path(k, path, sysroot), None
    if s32(dirfd) == AT_FDCWD:
        return path, None
    return path, k.fds.host(dirfd)
