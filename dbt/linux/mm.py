"""Memory-management syscalls (brk, mmap, munmap, mprotect, mremap, madvise) with Linux's
semantics on top of GuestMemory's page table, plus the guest-pointer helpers every handler
uses (`accessible`, `user_range`).

GuestMemory keeps a record of each mapping (Linux's VMAs: see dbt/memory.py); the handlers
here check requests as Linux does and leave the mapping itself to GuestMemory. File mappings
are host mmaps of the file: MAP_PRIVATE copies on write, MAP_SHARED writes reach the file, and
the mapping remembers the file's identity and offset. mremap moves pages with the host's
mremap (they keep their file or contents); MADV_DONTNEED is the host's (private pages go back
to zero or to the file's bytes).
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat

from ..memory import (HEAP, MMAP_MIN_ADDR, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, PROT_EXEC,
                      PROT_READ, PROT_WRITE, FileRef, GuestMemory, page_ceil, page_floor)
from .abi import MASK64, fail, s32

MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_TYPE = 0x1, 0x2, 0x3, 0xF
MAP_FIXED, MAP_ANONYMOUS, MAP_FIXED_NOREPLACE = 0x10, 0x20, 0x100000
PROT_VALID = 0xF                                # READ | WRITE | EXEC | PROT_SEM (ignored)
MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP = 1, 2, 4
MADV_DONTNEED = 4
_O_ACCMODE, _O_WRONLY, _O_RDWR = 3, 1, 2
MAX_RW_COUNT = 0x7FFFF000                       # Linux's cap on one read/write


# -- guest pointer helpers ---------------------------------------------------------------------
def user_range(mem: GuestMemory, addr: int, length: int) -> None:
    """Linux's access_ok: the range must lie inside the guest address space, else EFAULT."""
    if addr + length > mem.size:
        fail(errno.EFAULT)


def accessible(mem: GuestMemory, addr: int, length: int, need: int) -> int:
    """How many bytes from `addr` on (at most `length`) are mapped with `need` permission.

    `need` == PROT_WRITE says the kernel is about to write there (read, pread64, readv,
    getdents64, getrandom: every handler that writes guest memory through `memory.view`
    asks this first): translations of code in that range are dropped, as a store there
    would need a fence.i to do (qemu-user notices such writes, so a guest may rely on it)."""
    if length <= 0 or mem.check(addr, length, need):
        usable = max(length, 0)
    elif addr >= mem.size:
        usable = 0
    else:
        end = min(addr + length, mem.size)
        page = addr >> PAGE_SHIFT
        while (page << PAGE_SHIFT) < end and mem.perms[page] & need:
            page += 1
        usable = max(0, min(end, page << PAGE_SHIFT) - addr)
    if need == PROT_WRITE and usable:
        _code_written(mem, addr, usable)
    return usable


def _code_written(mem: GuestMemory, addr: int, length: int) -> None:
    """Tell the code caches (memory.write_listeners) that [addr, addr+length) is about to
    change, if any of it is executable (only those pages can have translations)."""
    pages = mem.perms[addr >> PAGE_SHIFT:((addr + length - 1) >> PAGE_SHIFT) + 1]
    if any(perm & PROT_EXEC for perm in pages):
        for listener in mem.write_listeners:
            listener(addr, length)


def io_length(mem: GuestMemory, addr: int, count: int, need: int) -> int:
    """The usable length of a read/write buffer: EFAULT when the range is outside the address
    space or its first byte is inaccessible; else the accessible prefix (partial I/O)."""
    user_range(mem, addr, count)
    count = min(count, MAX_RW_COUNT)
    usable = accessible(mem, addr, count, need)
    if usable == 0 and count > 0:
        fail(errno.EFAULT)
    return usable


def runs(mem: GuestMemory, addr: int, length: int):
    """(start, length, perm byte) for each run of pages with the same page-table entry."""
    page, end = addr >> PAGE_SHIFT, (addr + length) >> PAGE_SHIFT
    while page < end:
        value, first = mem.perms[page], page
        while page < end and mem.perms[page] == value:
            page += 1
        yield first << PAGE_SHIFT, (page - first) << PAGE_SHIFT, value


# -- brk -----------------------------------------------------------------------------------------
def sys_brk(k, addr):
    """qemu-user's brk (do_brk): the heap is mapped up to `brk_page`, which only grows (a
    lower break keeps the pages; bytes between the old and a new higher break read as zero),
    and it grows only into free pages right after it."""
    mem = k.memory
    current = mem.brk_end
    if addr < mem.brk_start:
        return current
    top = max(mem.brk_page, page_ceil(current))
    if addr > top:
        new_top = page_ceil(addr)
        if new_top > mem.size or not mem.is_free(top, new_top - top):
            return current
        mem.map_anonymous(top, new_top - top, PROT_READ | PROT_WRITE, kind=HEAP)
        mem.brk_page = new_top
    if addr > current:
        mem.write(current, bytes(min(addr, top) - current), force=True)
    mem.brk_end = addr
    return addr


# -- mmap ----------------------------------------------------------------------------------------
def sys_mmap(k, addr, length, prot, flags, fd, offset):
    mem = k.memory
    if offset & PAGE_MASK or prot & ~PROT_VALID or length == 0:
        fail(errno.EINVAL)
    if flags & MAP_TYPE not in (MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE):
        fail(errno.EINVAL)
    size = page_ceil(length)
    if size > MASK64 or size > mem.size:
        fail(errno.ENOMEM)
    if offset + size > MASK64:
        fail(errno.EOVERFLOW)
    source = None if flags & MAP_ANONYMOUS else _mmap_source(k, fd, prot, flags)
    where = _placement(mem, addr, size, flags)
    shared = flags & MAP_TYPE != MAP_PRIVATE
    if source is None:
        mem.map_anonymous(where, size, prot & 7, shared=shared)
    else:
        host, file = source
        mem.map_file(where, size, prot & 7, host, offset, file, shared)
    return where


def _mmap_source(k, fd, prot, flags):
    """The host fd and identity of a mapped file, after Linux's checks; None for
    /dev/zero-like character devices (zero-filled)."""
    host = k.fds.host(fd)
    info = os.fstat(host)
    access = _host_access_mode(host)
    if access == _O_WRONLY:
        fail(errno.EACCES)
    if flags & MAP_TYPE != MAP_PRIVATE and prot & PROT_WRITE and access != _O_RDWR:
        fail(errno.EACCES)
    if stat.S_ISCHR(info.st_mode):
        return None
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISBLK(info.st_mode)):
        fail(errno.ENODEV)
    return host, FileRef.of(_fd_path(host), info)


def _fd_path(host: int) -> bytes:
    """The host path of an open file, as /proc/self/maps shows it."""
    try:
        return os.readlink(b"/proc/self/fd/%d" % host)
    except OSError:
        return b""


def _host_access_mode(host: int) -> int:
    return fcntl.fcntl(host, fcntl.F_GETFL) & _O_ACCMODE


def _placement(mem: GuestMemory, addr: int, size: int, flags: int) -> int:
    if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE):
        if addr & PAGE_MASK:
            fail(errno.EINVAL)
        if addr + size > mem.size:
            fail(errno.ENOMEM)
        if addr < MMAP_MIN_ADDR:
            fail(errno.EPERM)
        if flags & MAP_FIXED_NOREPLACE and not mem.is_free(addr, size):
            fail(errno.EEXIST)
        return addr
    hint = page_floor(addr)                 # qemu's target_mmap: real_start = start & mask
    if hint and MMAP_MIN_ADDR <= hint and hint + size <= mem.size:
        return mem.find_free(size, hint)    # at the hint if it is free (the host kernel's rule)
    return mem.find_free(size)


# -- munmap / mprotect -------------------------------------------------------------------------
def sys_munmap(k, addr, length):
    mem = k.memory
    size = page_ceil(length)
    if addr & PAGE_MASK or length == 0 or addr + size > mem.size:
        fail(errno.EINVAL)
    mem.unmap(addr, size)
    return 0


def sys_mprotect(k, addr, length, prot):
    mem = k.memory
    if addr & PAGE_MASK or prot & ~PROT_VALID:
        fail(errno.EINVAL)
    if length == 0:
        return 0
    size = page_ceil(length)
    if size > MASK64 or addr + size > mem.size or not mem.is_mapped(addr, size):
        fail(errno.ENOMEM)
    mem.protect(addr, size, prot & 7)
    return 0


# -- mremap --------------------------------------------------------------------------------------
def sys_mremap(k, old, old_len, new_len, flags, new_addr):
    mem = k.memory
    if flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) or old & PAGE_MASK:
        fail(errno.EINVAL)
    if flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) and not flags & MREMAP_MAYMOVE:
        fail(errno.EINVAL)
    if flags & MREMAP_DONTUNMAP:
        fail(errno.EINVAL)         # only valid for private anonymous same-size moves: rare
    old_size, new_size = page_ceil(old_len), page_ceil(new_len)
    if new_len == 0 or old_len == 0:
        fail(errno.EINVAL)          # old_len 0 duplicates shared mappings only
    if new_size > mem.size or old + old_size > mem.size or not mem.perms[old >> PAGE_SHIFT]:
        fail(errno.ENOMEM if new_size > mem.size else errno.EFAULT)
    if flags & MREMAP_FIXED:
        return _remap_fixed(mem, old, old_size, new_size, new_addr)
    if new_size <= old_size:                # shrinking may span several mappings (Linux)
        if new_size < old_size:
            mem.unmap(old + new_size, old_size - new_size)
        return old
    _one_mapping(mem, old, old_size)
    tail = old + old_size
    if old + new_size <= mem.size and mem.is_free(tail, new_size - old_size):
        mem.remap(old, old_size, old, new_size)
        return old
    if not flags & MREMAP_MAYMOVE:
        fail(errno.ENOMEM)
    target = mem.find_free(new_size)
    mem.remap(old, old_size, target, new_size)
    return target


def _one_mapping(mem: GuestMemory, addr: int, size: int) -> None:
    """[addr, addr+size) must lie in one mapping (one VMA); EFAULT otherwise."""
    if mem.span(addr, size) is None:
        fail(errno.EFAULT)


def _remap_fixed(mem, old, old_size, new_size, new_addr):
    if new_addr & PAGE_MASK:
        fail(errno.EINVAL)
    if new_addr + new_size > mem.size or new_addr < MMAP_MIN_ADDR:
        fail(errno.EINVAL)
    if new_addr < old + old_size and old < new_addr + new_size:
        fail(errno.EINVAL)          # source and destination overlap
    if new_size < old_size:
        mem.unmap(old + new_size, old_size - new_size)
        old_size = new_size
    _one_mapping(mem, old, old_size)
    mem.unmap(new_addr, new_size)           # MREMAP_FIXED replaces what was there
    mem.remap(old, old_size, new_addr, new_size)
    return new_addr


# -- madvise -------------------------------------------------------------------------------------
def sys_madvise(k, addr, length, advice):
    """qemu-user's target_madvise: advice is a hint, so anything it does not act on succeeds
    (an unknown advice, a range with unmapped pages in it); MADV_DONTNEED drops the pages'
    contents. EINVAL for an unaligned start or a range past the address space."""
    mem = k.memory
    advice = s32(advice)
    if addr & PAGE_MASK:
        fail(errno.EINVAL)
    size = page_ceil(length)
    if size > MASK64 or addr + size > mem.size:
        fail(errno.EINVAL)
    if advice == MADV_DONTNEED:
        for start, run, value in list(runs(mem, addr, size)):
            if value:
                mem.discard(start, run)
    return 0


# -- riscv_flush_icache -----------------------------------------------------------------------
def sys_riscv_flush_icache(k, start, end, flags):
    """The guest wrote code: stale translations of [start, end) must go (code caches listen)."""
    if flags & ~1:
        fail(errno.EINVAL)
    if end > start:
        for listener in k.memory.write_listeners:
            listener(start, end - start)
    return 0


HANDLERS = {
    "brk": sys_brk,
    "mmap": sys_mmap,
    "munmap": sys_munmap,
    "mprotect": sys_mprotect,
    "mremap": sys_mremap,
    "madvise": sys_madvise,
    "riscv_flush_icache": sys_riscv_flush_icache,
}

__all__ = ["HANDLERS", "accessible", "io_length", "user_range", "runs", "PAGE_SIZE",
           "page_floor"]
