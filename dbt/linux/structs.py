"""Guest kernel struct layouts (64-bit asm-generic: riscv64 and aarch64, little-endian).

Where a struct is laid out identically on the x86-64 host (statx, linux_dirent64, sysinfo,
termios, winsize, flock, rlimit, timespec) the host kernel's bytes are copied unchanged and only
the size is named here. `struct stat` is the one that differs:

    x86-64:        dev ino nlink(8) mode uid gid pad rdev size blksize(8) blocks times... (144)
    asm-generic:   dev ino mode nlink(4) uid gid rdev pad size blksize(4) pad blocks times (128)
"""

from __future__ import annotations

import os
import struct
from collections import namedtuple

from .abi import MASK64, SyscallABI

STAT = struct.Struct("<QQIIIIQQqiiqqQqQqQII")
assert STAT.size == 128
TIMESPEC = struct.Struct("<qq")
TIMEVAL = struct.Struct("<qq")
TIMEZONE = struct.Struct("<ii")
RLIMIT = struct.Struct("<QQ")
IOVEC = struct.Struct("<QQ")
DIRENT64_HEAD = struct.Struct("<QqHB")     # d_ino d_off d_reclen d_type, then d_name
UTSNAME_FIELD = 65
UTSNAME_SIZE = 6 * UTSNAME_FIELD
STATX_SIZE = 256
SYSINFO_SIZE = 112
TERMIOS_SIZE = 36                           # 4 tcflag_t, c_line, c_cc[19]
WINSIZE_SIZE = 8
FLOCK_SIZE = 32                             # short type, whence; off_t start, len; pid_t pid
SIGSET_SIZE = 8
RLIM_INFINITY = MASK64
NSEC = 1_000_000_000


def _split_ns(ns: int) -> tuple[int, int]:
    return ns // NSEC, ns % NSEC


def pack_stat(st: os.stat_result) -> bytes:
    atime, atime_ns = _split_ns(st.st_atime_ns)
    mtime, mtime_ns = _split_ns(st.st_mtime_ns)
    ctime, ctime_ns = _split_ns(st.st_ctime_ns)
    return STAT.pack(st.st_dev, st.st_ino, st.st_mode, st.st_nlink & 0xFFFFFFFF, st.st_uid,
                     st.st_gid, st.st_rdev, 0, st.st_size, st.st_blksize, 0, st.st_blocks,
                     atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns, 0, 0)


GuestStat = namedtuple("GuestStat", "dev ino mode nlink uid gid rdev size blksize blocks "
                                     "atime mtime ctime")
GuestStat.__doc__ = "An unpacked guest `struct stat` (for tests and tracing); times (s, ns)."


def unpack_stat(data: bytes) -> GuestStat:
    f = STAT.unpack(data)
    return GuestStat(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[8], f[9], f[11],
                     (f[12], f[13]), (f[14], f[15]), (f[16], f[17]))


def pack_timespec(ns: int) -> bytes:
    return TIMESPEC.pack(*_split_ns(ns))


def pack_timeval(ns: int) -> bytes:
    sec, rest = _split_ns(ns)
    return TIMEVAL.pack(sec, rest // 1000)


def pack_utsname(fields: list[str | bytes]) -> bytes:
    out = b""
    for field in fields:
        raw = field.encode() if isinstance(field, str) else field
        out += raw[:UTSNAME_FIELD - 1].ljust(UTSNAME_FIELD, b"\0")
    return out


def pack_sigaction(abi: SyscallABI, handler: int, flags: int, restorer: int, mask: int) -> bytes:
    if abi.sigaction_restorer:
        return struct.pack("<QQQQ", handler, flags, restorer, mask)
    return struct.pack("<QQQ", handler, flags, mask)


def sigaction_size(abi: SyscallABI) -> int:
    return 32 if abi.sigaction_restorer else 24


def unpack_sigaction(abi: SyscallABI, data: bytes) -> tuple[int, int, int, int]:
    """(handler, flags, restorer, mask)"""
    if abi.sigaction_restorer:
        return struct.unpack("<QQQQ", data)
    handler, flags, mask = struct.unpack("<QQQ", data)
    return handler, flags, 0, mask


Dirent64 = namedtuple("Dirent64", "ino off reclen type name")   # a getdents64 record


def parse_dirents64(data: bytes) -> list[Dirent64]:
    """Split a getdents64 buffer into its records."""
    out, pos = [], 0
    while pos < len(data):
        ino, off, reclen, dtype = DIRENT64_HEAD.unpack_from(data, pos)
        name = data[pos + DIRENT64_HEAD.size:pos + reclen].split(b"\0", 1)[0]
        out.append(Dirent64(ino, off, reclen, dtype, name))
        pos += reclen
    return out
