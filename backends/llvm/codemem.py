"""Executable memory for linked blobs (objlink.Blob), and the symbols their slots import.

`CodeArena` is one reservation of host memory: its first half for blobs' text (code, read-only
data, import slots), readable, writable and executable (as qemu's translation buffer), its
second half for their writable data, on other pages than any code (see objlink: a store next
to running code costs as much as self-modifying code). Both halves are handed out by bump
pointers; `reset` gives it all back at once (a cache flush). `Symbols` answers the address of
a name a blob imports: a name defined by an earlier blob (the FP helpers), a cell of the
runtime, or a function of the host's C library.
"""

from __future__ import annotations

import ctypes
import mmap
import os

from collections import namedtuple

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
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_RWX = mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC
_RW = mmap.PROT_READ | mmap.PROT_WRITE


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


class Placement(namedtuple("Placement", "text data split")):
    """Where a blob went: its text at `text`, its writable data at `data` (`split`: the
    blob's offset where its writable data starts)."""
    __slots__ = ()

    def address(self, offset: int) -> int:
        """The address of a blob offset (a symbol's)."""
        return self.text + offset if offset < self.split else self.data + offset - self.split


def write_blob(blob: Blob, text: int, data: int, values: list[int]) -> None:
    """Copy a blob's text to `text` and its writable data to `data`, add their distance to
    its cross references, fill its import slots with `values`."""
    ctypes.memmove(text, blob.image, blob.split)
    ctypes.memmove(data, blob.image[blob.split:], blob.size - blob.split)
    delta = data - text - blob.split
    for site in blob.cross:
        cell = ctypes.c_int32.from_address(text + site)
        cell.value += delta
    for (offset, _), value in zip(blob.imports, values):
        ctypes.c_uint64.from_address(text + offset).value = value


class CodeArena:
    """`size` bytes (reserved, not committed until used): text in the first half, data in
    the second (at most 2 GiB apart: blobs reach their data with 32-bit offsets)."""

    def __init__(self, size: int):
        base = _libc.mmap(None, size, _RWX, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
                          | _MAP_NORESERVE, -1, 0)
        if base in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "cannot reserve memory for generated code")
        half = size // 2 & ~(mmap.PAGESIZE - 1)
        _libc.mprotect(base + half, size - half, _RW)
        self.base, self.size, self.half = base, size, half
        self.top = self.data_top = 0

    @property
    def used(self) -> int:
        return self.top + self.data_top

    def room(self, size: int, align: int = 16) -> bool:
        return -(-self.top // align) * align + size <= self.half

    def allocate(self, size: int, align: int = 16) -> int:
        """Text space."""
        at = -(-self.top // align) * align
        if at + size > self.half:
            raise CodeError("code arena full")
        self.top = at + size
        return self.base + at

    def allocate_data(self, size: int, align: int = 16) -> int:
        at = -(-self.data_top // align) * align
        if at + size > self.size - self.half:
            raise CodeError("code arena full (data)")
        self.data_top = at + size
        return self.base + self.half + at

    def place(self, blob: Blob, symbols: Symbols) -> Placement:
        """Copy a blob here, text and data apart, and fill its import slots."""
        values = [symbols.address(name) for _, name in blob.imports]   # (before any effect)
        text = self.allocate(blob.split, blob.align)
        data = self.allocate_data(blob.size - blob.split, blob.data_align)
        write_blob(blob, text, data, values)
        return Placement(text, data, blob.split)

    def reset(self) -> None:
        """Give every byte back (nothing placed here may run afterwards)."""
        if self.top:
            _libc.madvise(self.base, self.top, _MADV_DONTNEED)
        if self.data_top:
            _libc.madvise(self.base + self.half, self.data_top, _MADV_DONTNEED)
        self.top = self.data_top = 0

    def close(self) -> None:
        _libc.munmap(self.base, self.size)
        self.base = self.size = self.top = self.data_top = 0


_runtime: list = []
RUNTIME_ARENA_BYTES = 64 << 20


def runtime_arena() -> CodeArena:
    """This process's arena for code that lives as long as it does (FP helpers, the
    dispatchers), made on first use."""
    if not _runtime:
        _runtime.append(CodeArena(RUNTIME_ARENA_BYTES))
    return _runtime[0]
