"""The guest address space: one host reservation, guest address = base + address.

The whole window (`1 << WINDOW_BITS` bytes) is reserved once with PROT_NONE and MAP_NORESERVE,
so it costs no memory until pages are mapped. Guest mappings are host mappings inside it, with
host protections that mirror the guest's (read, or read+write; guest execute implies host read
so the decoder can fetch). A guest address is valid only below the window size, so generated
code can check `address >> WINDOW_BITS == 0` and then use `base + address`: it can never reach
host memory outside the reservation.

`perms` is the software page table the interpreter checks before every access: one byte per
guest page, 0 for unmapped, else MAPPED | the guest's R/W/X bits. It is a memoryview of an
anonymous private mapping (16 MiB for a 2^36 window): the kernel hands out zero pages as they
are touched, where a bytearray would zero (and keep resident) all of it at start-up, ~10 ms.
"""

from __future__ import annotations

import ctypes
import errno
import mmap as _mmap
import os

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_MASK = PAGE_SIZE - 1
WINDOW_BITS = 36
WINDOW_SIZE = 1 << WINDOW_BITS
MMAP_MIN_ADDR = 0x10000

# Guest protections (the PROT_* values Linux uses on every architecture) and page-table bits.
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAPPED = 0x80

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_memview = ctypes.pythonapi.PyMemoryView_FromMemory
_memview.restype = ctypes.py_object
_memview.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_int]
_PyBUF_WRITE = 0x200
_MAP_FAILED = ctypes.c_void_p(-1).value
_MAP_NORESERVE = 0x4000   # Linux; not exported by Python's mmap module
_MAP_FIXED = 0x10
_ANON = _mmap.MAP_PRIVATE | _mmap.MAP_ANONYMOUS | _MAP_NORESERVE


class GuestFault(Exception):
    """A guest memory access the guest may not do: becomes SIGSEGV (or SIGBUS)."""

    def __init__(self, addr: int, access: str, signal: str = "SIGSEGV", pc: int | None = None):
        super().__init__(addr, access, signal, pc)
        self.addr = addr
        self.access = access      # 'read', 'write' or 'exec'
        self.signal = signal
        self.pc = pc


class MemError(Exception):
    """A failed memory-management request; `errno` is what the syscall returns."""

    def __init__(self, err: int):
        super().__init__(os.strerror(err))
        self.errno = err


def page_floor(addr: int) -> int:
    return addr & ~PAGE_MASK


def page_ceil(addr: int) -> int:
    return (addr + PAGE_MASK) & ~PAGE_MASK


def _host_prot(prot: int) -> int:
    host = 0
    if prot & (PROT_READ | PROT_EXEC):
        host |= _mmap.PROT_READ
    if prot & PROT_WRITE:
        host |= _mmap.PROT_READ | _mmap.PROT_WRITE
    return host


class GuestMemory:
    """The guest's address space and its page table."""

    def __init__(self, window_bits: int = WINDOW_BITS):
        self.size = 1 << window_bits
        base = _libc.mmap(None, self.size, 0, _ANON, -1, 0)
        if base in (None, _MAP_FAILED):
            raise OSError(ctypes.get_errno(), "cannot reserve the guest address space")
        self.base: int = base
        self._perms_map = _mmap.mmap(-1, self.size >> PAGE_SHIFT,
                                     flags=_mmap.MAP_PRIVATE | _mmap.MAP_ANONYMOUS)
        self.perms = memoryview(self._perms_map)                 # one byte per page
        self.view = _memview(base, self.size, _PyBUF_WRITE)     # bytes
        self.view64 = self.view.cast("Q")                        # aligned 64-bit words
        self.brk_start = self.brk_end = 0
        self.mmap_top = self.size - PAGE_SIZE                    # top-down mmap search bound
        self.write_listeners: list = []                          # code caches: fn(addr, length)

    # -- page-level mapping ----------------------------------------------------------------------
    def _host_map(self, addr: int, length: int, prot: int) -> None:
        got = _libc.mmap(self.base + addr, length, _host_prot(prot), _ANON | _MAP_FIXED, -1, 0)
        if got != self.base + addr:
            raise MemError(errno.ENOMEM)

    def _set_perms(self, addr: int, length: int, value: int) -> None:
        first, count = addr >> PAGE_SHIFT, length >> PAGE_SHIFT
        self.perms[first:first + count] = bytes([value]) * count

    def is_free(self, addr: int, length: int) -> bool:
        first, count = addr >> PAGE_SHIFT, length >> PAGE_SHIFT
        return not any(self.perms[first:first + count])

    def is_mapped(self, addr: int, length: int) -> bool:
        first, count = addr >> PAGE_SHIFT, length >> PAGE_SHIFT
        return all(self.perms[first:first + count])

    def in_window(self, addr: int, length: int) -> bool:
        return MMAP_MIN_ADDR <= addr and addr + length <= self.size

    def find_free(self, length: int, below: int | None = None) -> int:
        """Highest free page-aligned range of `length` bytes below `below` (top-down, as Linux)."""
        top = (self.mmap_top if below is None else below) >> PAGE_SHIFT
        start = self._perms_map.rfind(bytes(length >> PAGE_SHIFT), MMAP_MIN_ADDR >> PAGE_SHIFT, top)
        if start < 0:
            raise MemError(errno.ENOMEM)
        return start << PAGE_SHIFT

    def map_anonymous(self, addr: int, length: int, prot: int) -> None:
        """Map zero-filled pages at a page-aligned range, replacing whatever was there."""
        self._host_map(addr, length, prot)
        self._set_perms(addr, length, MAPPED | prot)
        self._notify(addr, length)

    def unmap(self, addr: int, length: int) -> None:
        _libc.mmap(self.base + addr, length, 0, _ANON | _MAP_FIXED, -1, 0)
        self._set_perms(addr, length, 0)
        self._notify(addr, length)

    def protect(self, addr: int, length: int, prot: int) -> None:
        if not self.is_mapped(addr, length):
            raise MemError(errno.ENOMEM)
        if _libc.mprotect(self.base + addr, length, _host_prot(prot)) != 0:
            raise MemError(ctypes.get_errno())
        self._set_perms(addr, length, MAPPED | prot)
        self._notify(addr, length)

    def page_prot(self, addr: int) -> int:
        return self.perms[addr >> PAGE_SHIFT] & 7

    def _notify(self, addr: int, length: int) -> None:
        for listener in self.write_listeners:
            listener(addr, length)

    # -- checked access (loader, syscalls, interpreter slow paths) --------------------------------
    def check(self, addr: int, length: int, need: int) -> bool:
        """True when every byte of [addr, addr+length) is mapped with `need` permission."""
        if length <= 0:
            return length == 0
        end = addr + length
        if addr < 0 or end > self.size:
            return False
        for page in range(addr >> PAGE_SHIFT, ((end - 1) >> PAGE_SHIFT) + 1):
            if not self.perms[page] & need:
                return False
        return True

    def _fault_addr(self, addr: int, length: int, need: int) -> int:
        """The first byte of [addr, addr+length) lacking `need` (for the fault message)."""
        if addr >= self.size or not self.perms[addr >> PAGE_SHIFT] & need:
            return addr
        return page_floor(addr) + PAGE_SIZE

    def read(self, addr: int, length: int, need: int = PROT_READ) -> bytes:
        if not self.check(addr, length, need):
            access = "exec" if need == PROT_EXEC else "read"
            raise GuestFault(self._fault_addr(addr, length, need), access)
        return bytes(self.view[addr:addr + length])

    def write(self, addr: int, data: bytes, force: bool = False) -> None:
        """Write guest memory; `force` (the loader) ignores the guest's write permission."""
        length = len(data)
        if not self.check(addr, length, MAPPED if force else PROT_WRITE):
            raise GuestFault(self._fault_addr(addr, length, PROT_WRITE), "write")
        if force and not self.check(addr, length, PROT_WRITE):
            self._write_protected(addr, data)
        else:
            self.view[addr:addr + length] = data
        if length and self.write_listeners and self.any_executable(addr, length):
            self._notify(addr, length)          # code caches drop what they made from it

    def any_executable(self, addr: int, length: int) -> bool:
        first, last = addr >> PAGE_SHIFT, (addr + length - 1) >> PAGE_SHIFT
        return any(self.perms[p] & PROT_EXEC for p in range(first, last + 1))

    def _write_protected(self, addr: int, data: bytes) -> None:
        start, end = page_floor(addr), page_ceil(addr + len(data))
        _libc.mprotect(self.base + start, end - start, _mmap.PROT_READ | _mmap.PROT_WRITE)
        self.view[addr:addr + len(data)] = data
        for page in range(start, end, PAGE_SIZE):
            _libc.mprotect(self.base + page, PAGE_SIZE, _host_prot(self.page_prot(page)))

    def read_cstring(self, addr: int, limit: int = 1 << 16) -> bytes:
        """A NUL-terminated string (without the NUL); faults like `read`."""
        out = bytearray()
        while len(out) < limit:
            chunk_end = min(page_floor(addr) + PAGE_SIZE, addr + limit - len(out))
            chunk = self.read(addr, chunk_end - addr)
            nul = chunk.find(b"\0")
            if nul >= 0:
                return bytes(out + chunk[:nul])
            out += chunk
            addr = chunk_end
        raise GuestFault(addr, "read")

    def load(self, addr: int, size: int) -> int:
        """Little-endian unsigned load of `size` bytes (the interpreter's slow path)."""
        return int.from_bytes(self.read(addr, size), "little")

    def store(self, addr: int, size: int, value: int) -> None:
        self.write(addr, value.to_bytes(size, "little"))

    def fetch(self, addr: int, length: int) -> bytes | None:
        """Instruction bytes, or None when a byte is not executable."""
        if not self.check(addr, length, PROT_EXEC):
            return None
        return bytes(self.view[addr:addr + length])

    def zero(self, addr: int, length: int) -> None:
        self.view[addr:addr + length] = bytes(length)

    def close(self) -> None:
        self.view64.release()
        self.view.release()
        _libc.munmap(self.base, self.size)
        self.perms.release()
        try:
            self._perms_map.close()
        except BufferError:           # a slice of `perms` is still alive: freed with it
            pass
