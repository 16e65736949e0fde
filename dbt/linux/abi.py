"""The Linux user-mode ABI as the syscall layer sees it: where the guest's syscall number,
arguments and result live, per-architecture differences of the guest's kernel interface, the
integer conventions of syscall arguments, and raw host syscalls.

riscv64 and aarch64 both use the asm-generic interface. Where their values differ from the
x86-64 host's they are listed here, per guest `machine`:

- open(2) flags: asm-generic (riscv64) and x86-64 use the same values (x86 includes
  asm-generic/fcntl.h); aarch64 moves O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE.
- struct sigaction: aarch64 defines SA_RESTORER, so its kernel struct has a sa_restorer slot
  between sa_flags and sa_mask; riscv64 does not.
- errno values, signal numbers, AT_*, MAP_*, PROT_*, clock ids, termios/winsize, flock,
  rlimit resources: identical on x86-64 and asm-generic (only alpha/mips/parisc/sparc differ).
- struct stat differs (see structs.py); statx, linux_dirent64, timespec, sysinfo do not.
"""

from __future__ import annotations

import ctypes
import errno
from collections import namedtuple

from .numbers import HOST_NR

MASK64 = (1 << 64) - 1


class SyscallABI(namedtuple("SyscallABI", "nr args ret machine sp tls")):
    """How a guest makes syscalls: the GuestState field holding the number, the six argument
    fields, the result field, the uname machine, and the fields of the stack pointer and the
    thread pointer (which clone sets)."""
    __slots__ = ()

    @property
    def open_flags(self) -> tuple[tuple[int, int], ...]:
        """(guest bit, host bit) pairs of the open(2) flags whose values differ from the host."""
        return _OPEN_FLAG_DIFFS.get(self.machine, ())

    @property
    def sigaction_restorer(self) -> bool:
        """True when the kernel's struct sigaction has a sa_restorer field (SA_RESTORER)."""
        return self.machine in _SA_RESTORER_MACHINES


RISCV64 = SyscallABI(nr="x17", args=tuple(f"x{i}" for i in range(10, 16)), ret="x10",
                     machine="riscv64", sp="x2", tls="x4")
AARCH64 = SyscallABI(nr="x8", args=tuple(f"x{i}" for i in range(0, 6)), ret="x0",
                     machine="aarch64", sp="x31", tls="tpidr")

# Host (x86-64 = asm-generic) values of the open flags that arm64 moves.
_HOST_O_DIRECT, _HOST_O_LARGEFILE = 0o40000, 0o100000
_HOST_O_DIRECTORY, _HOST_O_NOFOLLOW = 0o200000, 0o400000
_OPEN_FLAG_DIFFS = {
    "aarch64": ((0o40000, _HOST_O_DIRECTORY), (0o100000, _HOST_O_NOFOLLOW),
                (0o200000, _HOST_O_DIRECT), (0o400000, _HOST_O_LARGEFILE)),
}
_SA_RESTORER_MACHINES = frozenset({"aarch64"})


def _translate_flags(flags: int, pairs) -> int:
    """Move each (from_bit, to_bit) of `pairs`; other bits pass unchanged."""
    out = flags
    for src, _ in pairs:
        out &= ~src
    for src, dst in pairs:
        if flags & src:
            out |= dst
    return out


def open_flags_to_host(abi: SyscallABI, flags: int) -> int:
    return _translate_flags(flags, abi.open_flags)


def open_flags_to_guest(abi: SyscallABI, flags: int) -> int:
    return _translate_flags(flags, [(host, guest) for guest, host in abi.open_flags])


# -- integer conventions: registers are unsigned 64-bit; C `int` arguments are their low half --
def s32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def u32(value: int) -> int:
    return value & 0xFFFFFFFF


def s64(value: int) -> int:
    value &= MASK64
    return value - (1 << 64) if value >> 63 else value


class SyscallError(Exception):
    """Raised by a handler: the syscall returns -errno."""

    def __init__(self, err: int):
        super().__init__(err)
        self.errno = err


class ProcessExit(Exception):
    """The guest called exit / exit_group."""

    def __init__(self, status: int):
        super().__init__(status & 0xFF)
        self.status = status & 0xFF


class FatalSignal(Exception):
    """The guest dies by a signal (its default action)."""

    def __init__(self, signo: int):
        super().__init__(signo)
        self.signo = signo


def fail(err: int):
    raise SyscallError(err)


# -- raw host syscalls, for calls Python's os module lacks (statx, renameat2, getdents64...) --
_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long


def host_syscall(name: str, *args) -> int:
    """Run a host (x86-64) syscall; returns its result or raises OSError."""
    conv = [a if isinstance(a, (bytes, ctypes.Array)) else ctypes.c_long(a) for a in args]
    ret = _syscall(ctypes.c_long(HOST_NR[name]), *conv)
    if ret == -1:
        err = ctypes.get_errno()
        raise OSError(err, errno.errorcode.get(err, str(err)))
    return ret
