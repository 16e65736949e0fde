"""Executable memory for linked blobs (objlink.Blob), and the symbols their slots import.

`CodeArena` is one reservation of host memory, readable, writable and executable (as qemu's
translation buffer), handed out by a bump pointer; `reset` gives it all back at once (a cache
flush). `Symbols` answers the address of a name a blob imports: a name defined by an earlier
blob (the FP helpers), a cell of the runtime, or a function of the host's C library.
"""

from __future__ import annotations

import ctypes
import mmap
import os

from .objlink import Blob

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
PERF_MAP = bool(os.environ.get("DBT_PERF_MAP"))   # write /tmp/perf-<pid>.map for perf
_MAP_NORESERVE = 0x4000
_MADV_DONTNEED = 4
_RWX = mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC


class CodeError(Exception):
    """Code could not be placed: the arena is full, or an import has no definition."""


class Symbols:
    """name -> address for blobs' imports: what was defined here, else what a provider makes
    on demand (the FP helpers: fp_runtime), else the host's C library."""

    def __init__(self):
        self.defined: dict[str, int] = {}
        self.providers: list = []          # fn(name) -> address, or None: not one of mine

    def define(self, name: str, address: int) -> None:
        self.defined[name] = address

    def address(self, name: str) -> int:
        found = self.defined.get(name)
        for provider in self.providers if found is None else ():
            found = provider(name)
            if found is not None:
                self.defined[name] = found
                break
        if found is None:
            try:
                found = ctypes.cast(getattr(_libc, name), ctypes.c_void_p).value
            except AttributeError:
                raise CodeError(f"undefined symbol {name}") from None
            self.defined[name] = found
        return found


SYMBOLS = Symbols()          # this process's: FP helpers, runtime cells


class CodeArena:
    """`size` bytes of executable memory (reserved, not committed until used)."""

    def __init__(self, size: int):
        base = _libc.mmap(None, size, _RWX, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
                          | _MAP_NORESERVE, -1, 0)
        if base in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "cannot reserve memory for generated code")
        self.base, self.size, self.top = base, size, 0

    @property
    def used(self) -> int:
        return self.top

    def room(self, size: int, align: int = 16) -> bool:
        return -(-self.top // align) * align + size <= self.size

    def allocate(self, size: int, align: int = 16) -> int:
        at = -(-self.top // align) * align
        if at + size > self.size:
            raise CodeError("code arena full")
        self.top = at + size
        return self.base + at

    def place(self, blob: Blob, symbols: Symbols) -> int:
        """Copy a blob here and fill its import slots; return its load address."""
        values = [symbols.address(name) for _, name in blob.imports]   # (before any effect)
        address = self.allocate(blob.size, blob.align)
        ctypes.memmove(address, blob.image, blob.size)
        for (offset, _), value in zip(blob.imports, values):
            ctypes.c_uint64.from_address(address + offset).value = value
        return address

    def reset(self) -> None:
        """Give every byte back (nothing placed here may run afterwards)."""
        if self.top:
            _libc.madvise(self.base, self.top, _MADV_DONTNEED)
        self.top = 0

    def close(self) -> None:
        _libc.munmap(self.base, self.size)
        self.base = self.size = self.top = 0


_runtime: list = []
RUNTIME_ARENA_BYTES = 64 << 20


def runtime_arena() -> CodeArena:
    """This process's arena for code that lives as long as it does (FP helpers, the
    dispatchers), made on first use."""
    if not _runtime:
        _runtime.append(CodeArena(RUNTIME_ARENA_BYTES))
    return _runtime[0]
