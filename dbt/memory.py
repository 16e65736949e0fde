"""The guest address space: one host reservation, guest address = base + address.

The whole window (`1 << WINDOW_BITS` bytes) is reserved once with PROT_NONE and MAP_NORESERVE,
so it costs no memory until pages are mapped. Guest mappings are host mappings inside it, with
host protections that mirror the guest's (read, or read+write; guest execute implies host read
so the decoder can fetch). A guest address is valid only below the window size, so generated
code can check `address >> WINDOW_BITS == 0` and then use `base + address`: it can never reach
host memory outside the reservation. The reservation has WINDOW_GUARD more PROT_NONE bytes on
either side, never mapped: an access within WINDOW_GUARD of one that passed the check (the
same register, another offset) needs no check of its own, it faults on the host if it is
outside the window, as at an unmapped page inside it.

`perms` is the software page table the interpreter checks before every access: one byte per
guest page, 0 for unmapped, else MAPPED | the guest's R/W/X bits. It is a memoryview of an
anonymous private mapping (256 MiB of address space for a 2^40 window): the kernel hands out
zero pages as they are touched, where a bytearray would zero (and keep resident) all of it.

Beside the page table, `GuestMemory` keeps a record of each mapping, as Linux keeps VMAs:
[start, end), protection, kind (anonymous, file, heap, stack), shared or private, and for a
file mapping the file's identity (`FileRef`) and the file offset of its start. Records are
split and merged as Linux splits and merges VMAs (munmap, mprotect, mremap, MAP_FIXED over
older mappings); `/proc/self/maps` is printed from them, and the translation cache can key code
by file identity and offset. `written` says that a page of the record may differ from the file
(it was writable once, or the loader zeroed part of it). File mappings are host mmaps of the
file into the window (MAP_PRIVATE or MAP_SHARED, so guest writes to a shared mapping reach the
file); pages wholly past the end of the file are anonymous zero pages (Linux would raise
SIGBUS on touching them).
"""

from __future__ import annotations

import bisect
import ctypes
import errno
import mmap as _mmap
import os
from collections import namedtuple

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_MASK = PAGE_SIZE - 1
WINDOW_BITS = 40          # room for qemu-user's layout: mmaps from 2^38 (AArch64: 0x55_0000_0000)
WINDOW_SIZE = 1 << WINDOW_BITS
WINDOW_GUARD = 1 << 16     # PROT_NONE bytes below and above the window (see above)
MMAP_MIN_ADDR = 0x10000
MMAP_BASE = 1 << 38        # qemu-user's TASK_UNMAPPED_BASE for 64-bit guests (Arch.mmap_base)

# Guest protections (the PROT_* values Linux uses on every architecture) and page-table bits.
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAPPED = 0x80

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_libc.mremap.restype = ctypes.c_void_p
_libc.mremap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_int,
                         ctypes.c_void_p]
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_memview = ctypes.pythonapi.PyMemoryView_FromMemory
_memview.restype = ctypes.py_object
_memview.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_int]
_PyBUF_WRITE = 0x200
_MAP_FAILED = ctypes.c_void_p(-1).value
_MAP_NORESERVE = 0x4000   # Linux; not exported by Python's mmap module
_MAP_FIXED = 0x10
_ANON = _mmap.MAP_PRIVATE | _mmap.MAP_ANONYMOUS | _MAP_NORESERVE
_SHARED_ANON = _mmap.MAP_SHARED | _mmap.MAP_ANONYMOUS | _MAP_NORESERVE
_MREMAP_MAYMOVE, _MREMAP_FIXED = 1, 2
_MADV_DONTNEED = 4

# Mapping kinds (what /proc/self/maps names: a file's path, [heap], [stack] or nothing).
ANONYMOUS, FILE, HEAP, STACK = "anonymous", "file", "heap", "stack"


class FileRef(namedtuple("FileRef", "path dev ino size mtime_ns ctime_ns")):
    """The identity of a mapped file: its host path and what stat said when it was mapped."""
    __slots__ = ()

    @classmethod
    def of(cls, path: bytes, info: os.stat_result) -> "FileRef":
        return cls(path, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns,
                   info.st_ctime_ns)


class Mapping(namedtuple("Mapping", "start end prot file offset written shared kind",
                         defaults=(None, 0, False, False, ANONYMOUS))):
    """One mapping (a Linux VMA): [start, end) with one protection, kind and backing: `file`
    a FileRef or None, `offset` the file offset of `start` (0 for anonymous mappings),
    `written` whether some page may differ from the file (it was writable, or zeroed)."""
    __slots__ = ()

    def clip(self, start: int, end: int) -> "Mapping":
        """The part of this mapping in [start, end) (which must overlap it)."""
        start, end = max(start, self.start), min(end, self.end)
        offset = self.offset + (start - self.start) if self.file else 0
        return self._replace(start=start, end=end, offset=offset)

    def joins(self, other: "Mapping", linux: bool = False) -> bool:
        """Whether `other`, starting where this one ends, merges with it: as records (which
        keep `written` apart), or as Linux's VMAs (`linux`: `written` plays no part, and the
        heap is anonymous memory like any other: the kernel merges qemu-user's brk pages,
        host mmaps, with the anonymous bss before them)."""
        kinds = {HEAP: ANONYMOUS} if linux else {}
        return (self.end == other.start and self.prot == other.prot
                and kinds.get(self.kind, self.kind) == kinds.get(other.kind, other.kind)
                and self.shared == other.shared
                and (linux or self.written == other.written) and self.file == other.file
                and (self.file is None or self.offset + self.end - self.start == other.offset))


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
        reserved = _libc.mmap(None, self.size + 2 * WINDOW_GUARD, 0, _ANON, -1, 0)
        if reserved in (None, _MAP_FAILED):
            raise OSError(ctypes.get_errno(), "cannot reserve the guest address space")
        self.base: int = reserved + WINDOW_GUARD
        base = self.base
        self._perms_map = _mmap.mmap(-1, self.size >> PAGE_SHIFT,
                                     flags=_mmap.MAP_PRIVATE | _mmap.MAP_ANONYMOUS)
        self.perms = memoryview(self._perms_map)                 # one byte per page
        self.view = _memview(base, self.size, _PyBUF_WRITE)     # bytes
        self.view64 = self.view.cast("Q")                        # aligned 64-bit words
        self.brk_start = self.brk_end = self.brk_page = 0   # brk_page: the heap's mapped end
        self.start_mmap_area(MMAP_BASE)                          # (see find_free)
        self.write_listeners: list = []                          # code caches: fn(addr, length)
        self._maps: list[Mapping] = []                           # records, by address
        self._starts: list[int] = []                             # their starts (bisect)

    # -- page-level mapping ----------------------------------------------------------------------
    def _host_map(self, addr: int, length: int, prot: int, shared: bool = False) -> None:
        flags = (_SHARED_ANON if shared else _ANON) | _MAP_FIXED
        got = _libc.mmap(self.base + addr, length, _host_prot(prot), flags, -1, 0)
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

    def start_mmap_area(self, base: int) -> None:
        """Hand out mmap ranges from `base` (qemu-user's TASK_UNMAPPED_BASE for the guest: see
        find_free), or from the middle of a window too small for it."""
        self.mmap_base = self.mmap_next = min(base, self.size >> 1)

    def find_free(self, length: int, start: int | None = None) -> int:
        """A free page-aligned range of `length` bytes, placed as qemu-user's mmap_find_vma
        places it (the guest sees qemu's addresses): the first at or above `start`, by
        default at or above `mmap_next`, which then moves past it, so that a hole left below
        it is not handed out again (qemu asks the host kernel for each range at its hint,
        bottom-up from TASK_UNMAPPED_BASE). When nothing is free above, from the bottom of
        the window."""
        pages = bytes(length >> PAGE_SHIFT)
        bump = start is None or start == self.mmap_next
        first = (self.mmap_next if start is None else start) >> PAGE_SHIFT
        found = self._perms_map.find(pages, max(first, MMAP_MIN_ADDR >> PAGE_SHIFT))
        if found < 0:
            found = self._perms_map.find(pages, MMAP_MIN_ADDR >> PAGE_SHIFT)
            if found < 0:
                raise MemError(errno.ENOMEM)
        addr = found << PAGE_SHIFT
        if bump and addr >= self.mmap_base:
            self.mmap_next = addr + length
        return addr

    def map_anonymous(self, addr: int, length: int, prot: int, kind: str = ANONYMOUS,
                      shared: bool = False) -> None:
        """Map zero-filled pages at a page-aligned range, replacing whatever was there."""
        self._host_map(addr, length, prot, shared)
        self._set_perms(addr, length, MAPPED | prot)
        self._cut(addr, addr + length)
        self._record(Mapping(addr, addr + length, prot, written=bool(prot & PROT_WRITE),
                             shared=shared, kind=kind))
        self._notify(addr, length)

    def map_file(self, addr: int, length: int, prot: int, fd: int, offset: int, file: FileRef,
                 shared: bool = False) -> None:
        """Map `length` bytes of host file `fd` from `offset` (page-aligned) at `addr`,
        replacing whatever was there: a host mmap of the file, private (copy on write) or
        shared (writes reach the file). Pages wholly past the end of the file are anonymous."""
        in_file = min(length, max(0, page_ceil(file.size) - offset))
        if in_file:
            flags = (_mmap.MAP_SHARED if shared else _mmap.MAP_PRIVATE) | _MAP_FIXED
            got = _libc.mmap(self.base + addr, in_file, _host_prot(prot), flags, fd, offset)
            if got != self.base + addr:
                err = ctypes.get_errno() or errno.ENOMEM
                self.unmap(addr, length)        # a failed MAP_FIXED may have unmapped it
                raise MemError(err)
        if in_file < length:
            self._host_map(addr + in_file, length - in_file, prot)
        self._set_perms(addr, length, MAPPED | prot)
        written = bool(prot & PROT_WRITE)
        self._cut(addr, addr + length)
        self._record(Mapping(addr, addr + length, prot, file, offset, written, shared, FILE))
        self._notify(addr, length)

    def unmap(self, addr: int, length: int) -> None:
        _libc.mmap(self.base + addr, length, 0, _ANON | _MAP_FIXED, -1, 0)
        self._set_perms(addr, length, 0)
        self._cut(addr, addr + length)
        self._notify(addr, length)

    def protect(self, addr: int, length: int, prot: int) -> None:
        if not self.is_mapped(addr, length):
            raise MemError(errno.ENOMEM)
        if _libc.mprotect(self.base + addr, length, _host_prot(prot)) != 0:
            raise MemError(ctypes.get_errno())
        self._set_perms(addr, length, MAPPED | prot)
        for piece in self._cut(addr, addr + length):
            self._record(piece._replace(prot=prot,
                                 written=piece.written or bool(prot & PROT_WRITE)))
        self._notify(addr, length)

    def mark_written(self, addr: int, length: int) -> None:
        """The pages of [addr, addr+length) may now differ from their file (the loader
        zeroed part of them)."""
        start, end = page_floor(addr), page_ceil(addr + length)
        for piece in self._cut(start, end):
            self._record(piece._replace(written=True))

    def discard(self, addr: int, length: int) -> None:
        """madvise(MADV_DONTNEED): private pages go back to zero (anonymous) or to the
        file's bytes (file mappings); shared pages keep their contents."""
        _libc.madvise(self.base + addr, length, _MADV_DONTNEED)
        self._notify(addr, length)

    def span(self, addr: int, length: int) -> Mapping | None:
        """The one Linux VMA that [addr, addr+length) lies in, as a record clipped to the
        range (`written` if any part is), or None: what mremap requires of its old range."""
        first = self.mapping_at(addr)
        if first is None:
            return None
        span, end = first.clip(addr, addr + length), addr + length
        while span.end < end:
            following = self.mapping_at(span.end)
            if following is None or not span.joins(following, linux=True):
                return None
            span = span._replace(end=min(end, following.end),
                           written=span.written or following.written)
        return span

    def remap(self, old: int, old_size: int, new: int, new_size: int) -> None:
        """Move (or resize in place, when `new` == `old`) the one mapping covering
        [old, old+old_size) (see `span`) to [new, new+new_size), as mremap does: the host
        mremaps the pages, so they keep their backing (a file, shared or not) and contents;
        a range the host holds as several mappings (a file mapping past its end) is copied."""
        record = self.span(old, old_size)
        if not self._host_remap(old, old_size, new, new_size):
            self._copy_remap(record, new, new_size)
            return
        if new != old:
            self.unmap(old, old_size)
        self._cut(new, new + new_size)
        self._set_perms(new, new_size, MAPPED | record.prot)
        self._record(record._replace(start=new, end=new + new_size))
        if record.file is not None and new_size > old_size:
            self._anonymous_past_eof(self.mapping_at(new).clip(new, new + new_size),
                                     new + old_size)
        self._notify(new, new_size)

    def _host_remap(self, old: int, old_size: int, new: int, new_size: int) -> bool:
        if new == old:          # grow or shrink in place: the reservation must make room
            if new_size > old_size:
                _libc.munmap(self.base + old + old_size, new_size - old_size)
            got = _libc.mremap(self.base + old, old_size, new_size, 0, None)
        else:
            got = _libc.mremap(self.base + old, old_size, new_size,
                               _MREMAP_MAYMOVE | _MREMAP_FIXED, self.base + new)
        if got == self.base + new:      # (a moved range leaves a hole: remap unmaps it)
            return True
        if new == old and new_size > old_size:
            self._host_map(old + old_size, new_size - old_size, 0)   # fill the hole again
        return False

    def _copy_remap(self, record: Mapping, new: int, new_size: int) -> None:
        """The slow way to move or grow a mapping: fresh anonymous pages with a copy of its
        bytes (a file mapping keeps its identity, written; a shared one loses its link)."""
        old, old_size = record.start, record.end - record.start
        count = min(old_size, new_size)
        _libc.mprotect(self.base + old, old_size, _mmap.PROT_READ)    # PROT_NONE pages too
        data = bytes(self.view[old:old + count])
        self.unmap(old, old_size)
        self.map_anonymous(new, new_size, PROT_READ | PROT_WRITE)
        self.view[new:new + count] = data
        self.protect(new, new_size, record.prot)
        self._cut(new, new + new_size)
        self._record(record._replace(start=new, end=new + new_size, written=True))

    def _anonymous_past_eof(self, record: Mapping, grown: int) -> None:
        """After a file mapping grew: its new pages (from `grown` on) past the file's end
        become anonymous (the host would raise SIGBUS on touching them)."""
        try:
            info = os.stat(record.file.path)
            size = info.st_size if (info.st_dev, info.st_ino) == (record.file.dev,
                                                                  record.file.ino) else 0
        except OSError:
            size = 0
        first = max(grown, record.start + max(0, page_ceil(size) - record.offset))
        if first < record.end:
            self._host_map(first, record.end - first, record.prot)

    # -- mapping records ---------------------------------------------------------------------
    def mapping_at(self, addr: int) -> Mapping | None:
        """The mapping that holds `addr`, or None."""
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0 and addr < self._maps[i].end:
            return self._maps[i]
        return None

    def mappings(self) -> list[Mapping]:
        """Every mapping, in address order."""
        return list(self._maps)

    def _cut(self, start: int, end: int) -> list[Mapping]:
        """Remove [start, end) from the records; return the removed parts, in order."""
        maps = self._maps
        lo = max(0, bisect.bisect_right(self._starts, start) - 1)
        hi = bisect.bisect_left(self._starts, end)
        kept, removed = [], []
        for m in maps[lo:hi]:
            if m.end <= start:
                kept.append(m)
                continue
            if m.start < start:
                kept.append(m.clip(m.start, start))
            removed.append(m.clip(start, end))
            if m.end > end:
                kept.append(m.clip(end, m.end))
        maps[lo:hi] = kept
        self._starts[lo:hi] = [m.start for m in kept]
        return removed

    def _record(self, new: Mapping) -> None:
        """Add a record for a range that has none, merging it with its neighbours."""
        maps, starts = self._maps, self._starts
        i = bisect.bisect_left(starts, new.start)
        if i < len(maps) and new.joins(maps[i]):
            new = new._replace(end=maps.pop(i).end)
            starts.pop(i)
        if i > 0 and maps[i - 1].joins(new):
            i -= 1
            new = maps[i]._replace(end=new.end)
            maps.pop(i)
            starts.pop(i)
        maps.insert(i, new)
        starts.insert(i, new.start)

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
        first, last = addr >> PAGE_SHIFT, (end - 1) >> PAGE_SHIFT
        perms = self.perms
        if last - first <= 1:                   # (most accesses: one or two pages)
            return bool(perms[first] & need and perms[last] & need)
        for page in range(first, last + 1):
            if not perms[page] & need:
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
        _libc.munmap(self.base - WINDOW_GUARD, self.size + 2 * WINDOW_GUARD)
        self.perms.release()
        try:
            self._perms_map.close()
        except BufferError:           # a slice of `perms` is still alive: freed with it
            pass
