"""brk, mmap, munmap, mprotect, mremap, madvise: their effect on the guest page table."""

from __future__ import annotations

import errno

import pytest
from linux_harness import BRK_START, RO_PAGE, SCRATCH, UNMAPPED

from dbt.memory import MAPPED, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE

AT_FDCWD = -100 & (1 << 64) - 1
MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANON = 0x1, 0x2, 0x10, 0x20
MAP_FIXED_NOREPLACE = 0x100000
RW = PROT_READ | PROT_WRITE
NEG1 = (1 << 64) - 1


def perm(guest, addr):
    return guest.mem.perms[addr // PAGE_SIZE]


def mmap_anon(guest, length, prot=RW, flags=MAP_PRIVATE | MAP_ANON, addr=0):
    return guest.call("mmap", addr, length, prot, flags, NEG1, 0)


# -- brk ------------------------------------------------------------------------------------------
def test_brk_grows_and_shrinks(guest):
    assert guest.call("brk", 0) == BRK_START
    assert guest.call("brk", BRK_START + 100) == BRK_START + 100
    assert perm(guest, BRK_START) == MAPPED | RW
    guest.mem.write(BRK_START + 99, b"z")
    assert guest.call("brk", BRK_START + 3 * PAGE_SIZE + 1) == BRK_START + 3 * PAGE_SIZE + 1
    assert all(perm(guest, BRK_START + i * PAGE_SIZE) == MAPPED | RW for i in range(4))
    assert perm(guest, BRK_START + 4 * PAGE_SIZE) == 0
    # qemu-user's do_brk: a lower break keeps its pages mapped...
    assert guest.call("brk", BRK_START + 10) == BRK_START + 10
    assert perm(guest, BRK_START) == MAPPED | RW
    assert perm(guest, BRK_START + 3 * PAGE_SIZE) == MAPPED | RW
    assert guest.read(BRK_START + 99, 1) == b"z"
    assert guest.mem.brk_end == BRK_START + 10
    # ... and a higher one zeroes the bytes between the two breaks
    assert guest.call("brk", BRK_START + 200) == BRK_START + 200
    assert guest.read(BRK_START + 99, 1) == b"\0"


def test_brk_refuses_bad_requests(guest):
    assert guest.call("brk", BRK_START - PAGE_SIZE) == BRK_START       # below the start
    assert guest.call("brk", 1) == BRK_START
    assert guest.call("brk", 1 << 50) == BRK_START                     # beyond the space
    guest.mem.map_anonymous(BRK_START + 2 * PAGE_SIZE, PAGE_SIZE, PROT_READ)
    assert guest.call("brk", BRK_START + 4 * PAGE_SIZE) == BRK_START   # would overlap
    assert perm(guest, BRK_START) == 0
    assert guest.call("brk", BRK_START + PAGE_SIZE) == BRK_START + PAGE_SIZE


# -- mmap -----------------------------------------------------------------------------------------
def test_mmap_anonymous_bottom_up(guest):
    # qemu-user's mmap_find_vma: upward from TASK_UNMAPPED_BASE (2^38 for 64-bit guests),
    # each range after the last one handed out; a hole left below is not reused
    base = guest.mem.mmap_next
    assert base == 1 << 38
    a = mmap_anon(guest, 3 * PAGE_SIZE)
    assert a == base
    assert all(perm(guest, a + i * PAGE_SIZE) == MAPPED | RW for i in range(3))
    assert guest.read(a, 3 * PAGE_SIZE) == bytes(3 * PAGE_SIZE)
    b = mmap_anon(guest, 100, PROT_READ)
    assert b == a + 3 * PAGE_SIZE and perm(guest, b) == MAPPED | PROT_READ
    assert guest.call("munmap", a, 3 * PAGE_SIZE) == 0
    c = mmap_anon(guest, PAGE_SIZE, 0)
    assert c == b + PAGE_SIZE and perm(guest, c) == MAPPED                  # PROT_NONE


def test_mmap_hint_used_when_free(guest):
    hint = 0x5000_0000
    assert mmap_anon(guest, PAGE_SIZE, addr=hint) == hint
    other = mmap_anon(guest, PAGE_SIZE, addr=hint)                  # taken: the next free range
    assert other == hint + PAGE_SIZE and perm(guest, other) == MAPPED | RW
    # qemu's target_mmap rounds a hint down to its page
    assert mmap_anon(guest, PAGE_SIZE, addr=hint + 2 * PAGE_SIZE + 5) == hint + 2 * PAGE_SIZE
    assert guest.mem.mmap_next == 1 << 38                           # hints leave it alone


def test_mmap_fixed_replaces(guest):
    guest.mem.write(SCRATCH, b"old contents")
    got = mmap_anon(guest, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANON | MAP_FIXED, SCRATCH)
    assert got == SCRATCH
    assert perm(guest, SCRATCH) == MAPPED | PROT_READ
    assert guest.read(SCRATCH, 12) == bytes(12)
    assert mmap_anon(guest, PAGE_SIZE, flags=MAP_PRIVATE | MAP_ANON | MAP_FIXED,
                     addr=SCRATCH + 1) == -errno.EINVAL
    assert mmap_anon(guest, PAGE_SIZE, flags=MAP_PRIVATE | MAP_ANON | MAP_FIXED,
                     addr=0x1000) == -errno.EPERM                     # below mmap_min_addr


def test_mmap_fixed_noreplace(guest):
    flags = MAP_PRIVATE | MAP_ANON | MAP_FIXED_NOREPLACE
    assert mmap_anon(guest, PAGE_SIZE, flags=flags, addr=SCRATCH) == -errno.EEXIST
    assert perm(guest, SCRATCH) == MAPPED | RW                       # untouched
    assert mmap_anon(guest, 2 * PAGE_SIZE, flags=flags, addr=RO_PAGE - PAGE_SIZE) == \
        -errno.EEXIST                                                # partly overlapping
    assert mmap_anon(guest, PAGE_SIZE, flags=flags, addr=UNMAPPED) == UNMAPPED
    assert perm(guest, UNMAPPED) == MAPPED | RW


def test_mmap_bad_arguments(guest, tmp_path):
    assert mmap_anon(guest, 0) == -errno.EINVAL
    assert mmap_anon(guest, PAGE_SIZE, prot=0x10) == -errno.EINVAL
    assert mmap_anon(guest, PAGE_SIZE, flags=MAP_ANON) == -errno.EINVAL     # no map type
    assert guest.call("mmap", 0, PAGE_SIZE, RW, MAP_PRIVATE | MAP_ANON, NEG1, 100) == \
        -errno.EINVAL                                                # unaligned offset
    assert mmap_anon(guest, NEG1) == -errno.ENOMEM
    assert mmap_anon(guest, 1 << 40) == -errno.ENOMEM               # bigger than the space
    assert guest.call("mmap", 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, 99, 0) == -errno.EBADF
    before = bytes(guest.mem.perms)
    assert guest.mem.perms == before


def test_mmap_shared_anonymous_is_usable(guest):
    a = mmap_anon(guest, PAGE_SIZE, flags=MAP_SHARED | MAP_ANON)
    guest.mem.write(a, b"shared")
    assert guest.read(a, 6) == b"shared"


def _open(guest, path, flags=0):
    return guest.call("openat", AT_FDCWD, guest.cstr(str(path)), flags, 0)


def test_mmap_file_private(guest, tmp_path):
    path = tmp_path / "data"
    content = bytes(range(256)) * 20                                  # 5120 bytes
    path.write_bytes(content)
    fd = _open(guest, path)
    a = guest.call("mmap", 0, 4 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0)
    assert a > 0
    assert guest.read(a, len(content)) == content
    assert guest.read(a + len(content), 4 * PAGE_SIZE - len(content)) == \
        bytes(4 * PAGE_SIZE - len(content))                           # past EOF: zero, no crash
    assert all(perm(guest, a + i * PAGE_SIZE) == MAPPED | PROT_READ for i in range(4))
    b = guest.call("mmap", 0, PAGE_SIZE, RW, MAP_PRIVATE, fd, PAGE_SIZE)   # with offset
    assert guest.read(b, len(content) - PAGE_SIZE) == content[PAGE_SIZE:]
    guest.mem.write(b, b"private")
    assert path.read_bytes() == content                               # the file is unchanged
    c = guest.call("mmap", 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 8 * PAGE_SIZE)
    assert guest.read(c, PAGE_SIZE) == bytes(PAGE_SIZE)              # wholly beyond EOF


def test_mmap_file_errors(guest, tmp_path):
    path = tmp_path / "data"
    path.write_bytes(b"x" * 100)
    wronly = _open(guest, path, 1)
    assert guest.call("mmap", 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, wronly, 0) == -errno.EACCES
    rdonly = _open(guest, path)
    assert guest.call("mmap", 0, PAGE_SIZE, RW, MAP_SHARED, rdonly, 0) == -errno.EACCES
    directory = _open(guest, tmp_path, 0o200000)
    assert guest.call("mmap", 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, directory, 0) == \
        -errno.ENODEV


def test_mmap_dev_zero(guest):
    fd = _open(guest, "/dev/zero", 2)
    a = guest.call("mmap", 0, PAGE_SIZE, RW, MAP_PRIVATE, fd, 0)
    assert guest.read(a, PAGE_SIZE) == bytes(PAGE_SIZE)


# -- munmap / mprotect -----------------------------------------------------------------------
def test_munmap(guest):
    a = mmap_anon(guest, 3 * PAGE_SIZE)
    assert guest.call("munmap", a + PAGE_SIZE, 100) == 0
    assert perm(guest, a) and not perm(guest, a + PAGE_SIZE) and perm(guest, a + 2 * PAGE_SIZE)
    assert guest.call("munmap", a + 1, PAGE_SIZE) == -errno.EINVAL
    assert guest.call("munmap", a, 0) == -errno.EINVAL
    assert guest.call("munmap", UNMAPPED, PAGE_SIZE) == 0             # nothing there: fine
    assert guest.call("munmap", a, NEG1 - PAGE_SIZE) == -errno.EINVAL


def test_mprotect(guest):
    a = mmap_anon(guest, 2 * PAGE_SIZE)
    assert guest.call("mprotect", a, PAGE_SIZE, PROT_READ | PROT_EXEC) == 0
    assert perm(guest, a) == MAPPED | PROT_READ | PROT_EXEC
    assert perm(guest, a + PAGE_SIZE) == MAPPED | RW
    assert guest.call("mprotect", a, 2 * PAGE_SIZE, 0) == 0
    assert perm(guest, a) == MAPPED and perm(guest, a + PAGE_SIZE) == MAPPED
    assert guest.call("mprotect", a + 1, PAGE_SIZE, PROT_READ) == -errno.EINVAL
    assert guest.call("mprotect", a, PAGE_SIZE, 0x10) == -errno.EINVAL
    assert guest.call("mprotect", a, 0, PROT_READ) == 0
    assert guest.call("mprotect", a, 3 * PAGE_SIZE, PROT_READ) == -errno.ENOMEM
    assert perm(guest, a) == MAPPED                                   # unchanged on failure
    assert guest.call("mprotect", UNMAPPED, PAGE_SIZE, PROT_READ) == -errno.ENOMEM


# -- mremap --------------------------------------------------------------------------------------
def test_mremap_shrink_and_grow_in_place(guest):
    a = mmap_anon(guest, 4 * PAGE_SIZE, addr=0x6000_0000)
    assert a == 0x6000_0000
    guest.mem.write(a, b"keep me")
    assert guest.call("mremap", a, 4 * PAGE_SIZE, PAGE_SIZE, 0, 0) == a
    assert perm(guest, a) and not perm(guest, a + PAGE_SIZE)
    assert guest.call("mremap", a, PAGE_SIZE, 3 * PAGE_SIZE, 0, 0) == a
    assert all(perm(guest, a + i * PAGE_SIZE) == MAPPED | RW for i in range(3))
    assert guest.read(a, 7) == b"keep me"


def test_mremap_moves_when_blocked(guest):
    a = mmap_anon(guest, PAGE_SIZE, PROT_READ, addr=0x6000_0000)
    guest.mem.write(a, b"moving data", force=True)
    mmap_anon(guest, PAGE_SIZE, addr=a + PAGE_SIZE)                  # blocks growth
    assert guest.call("mremap", a, PAGE_SIZE, 2 * PAGE_SIZE, 0, 0) == -errno.ENOMEM
    b = guest.call("mremap", a, PAGE_SIZE, 2 * PAGE_SIZE, 1, 0)     # MREMAP_MAYMOVE
    assert b > 0 and b != a
    assert guest.read(b, 11) == b"moving data"
    assert perm(guest, b) == perm(guest, b + PAGE_SIZE) == MAPPED | PROT_READ
    assert not perm(guest, a)


def test_mremap_fixed(guest):
    a = mmap_anon(guest, PAGE_SIZE, addr=0x6000_0000)
    guest.mem.write(a, b"fixed")
    target = 0x7000_0000
    assert guest.call("mremap", a, PAGE_SIZE, PAGE_SIZE, 3, target) == target
    assert guest.read(target, 5) == b"fixed" and not perm(guest, a)
    assert guest.call("mremap", target, PAGE_SIZE, PAGE_SIZE, 2, a) == -errno.EINVAL  # no MAYMOVE
    assert guest.call("mremap", target, PAGE_SIZE, PAGE_SIZE, 3, target + 1) == -errno.EINVAL


def test_mremap_errors(guest):
    a = mmap_anon(guest, 2 * PAGE_SIZE)
    assert guest.call("mremap", UNMAPPED, PAGE_SIZE, 2 * PAGE_SIZE, 1, 0) == -errno.EFAULT
    assert guest.call("mremap", a + 1, PAGE_SIZE, 2 * PAGE_SIZE, 1, 0) == -errno.EINVAL
    assert guest.call("mremap", a, PAGE_SIZE, 0, 1, 0) == -errno.EINVAL
    assert guest.call("mremap", a, PAGE_SIZE, PAGE_SIZE, 8, 0) == -errno.EINVAL
    guest.call("mprotect", a, PAGE_SIZE, PROT_READ)                   # now two mappings
    assert guest.call("mremap", a, 2 * PAGE_SIZE, 3 * PAGE_SIZE, 1, 0) == -errno.EFAULT


# -- madvise -------------------------------------------------------------------------------------
def test_madvise_dontneed_zeroes(guest):
    a = mmap_anon(guest, 2 * PAGE_SIZE)
    guest.mem.write(a, b"A" * (2 * PAGE_SIZE))
    guest.call("mprotect", a + PAGE_SIZE, PAGE_SIZE, PROT_READ)
    assert guest.call("madvise", a, 2 * PAGE_SIZE, 4) == 0
    assert guest.read(a, 2 * PAGE_SIZE) == bytes(2 * PAGE_SIZE)
    assert perm(guest, a) == MAPPED | RW and perm(guest, a + PAGE_SIZE) == MAPPED | PROT_READ


def test_madvise_other_advice(guest):
    a = mmap_anon(guest, PAGE_SIZE)
    guest.mem.write(a, b"stay")
    for advice in (0, 1, 2, 3, 8, 14, 15):
        assert guest.call("madvise", a, PAGE_SIZE, advice) == 0
    assert guest.read(a, 4) == b"stay"
    # qemu-user's target_madvise: advice is a hint, so an unknown one and a range with
    # unmapped pages succeed; only an unaligned start or a range past the address space fail
    assert guest.call("madvise", a, PAGE_SIZE, 999) == 0
    assert guest.call("madvise", UNMAPPED, PAGE_SIZE, 0) == 0
    assert guest.call("madvise", a + 1, PAGE_SIZE, 0) == -errno.EINVAL
    assert guest.call("madvise", guest.mem.size - PAGE_SIZE, 2 * PAGE_SIZE, 0) == -errno.EINVAL
    assert guest.call("madvise", a, 0, 4) == 0


@pytest.mark.parametrize("name,args", [
    ("munmap", (UNMAPPED, NEG1)),
    ("mprotect", (UNMAPPED, NEG1, 1)),
    ("madvise", (UNMAPPED, NEG1, 4)),
    ("mremap", (UNMAPPED, NEG1, NEG1, 1, 0)),
    ("mmap", (NEG1 & ~0xFFF, PAGE_SIZE, 3, MAP_PRIVATE | MAP_ANON | MAP_FIXED, NEG1, 0)),
])
def test_absurd_ranges_are_errors_not_exceptions(guest, name, args):
    assert guest.call(name, *args) < 0


def test_riscv_flush_icache_notifies_code_caches(guest):
    seen = []
    guest.mem.write_listeners.append(lambda addr, length: seen.append((addr, length)))
    assert guest.call("riscv_flush_icache", SCRATCH, SCRATCH + 64, 0) == 0
    assert seen == [(SCRATCH, 64)]
    assert guest.call("riscv_flush_icache", SCRATCH, SCRATCH + 64, 2) == -errno.EINVAL


def test_write_only_pages_are_readable_by_write(guest, tmp_path):
    a = mmap_anon(guest, PAGE_SIZE, PROT_WRITE)
    guest.mem.write(a, b"wo")
    fd = guest.call("openat", AT_FDCWD, guest.cstr(str(tmp_path / "o")), 0o101, 0o600)
    assert guest.call("write", fd, a, 2) == 2
    assert (tmp_path / "o").read_bytes() == b"wo"


def test_mremap_shrink_across_mappings(guest):
    # Linux shrinks before it looks for the single mapping: this works across a split
    a = mmap_anon(guest, 2 * PAGE_SIZE)
    guest.call("mprotect", a, PAGE_SIZE, 0)
    assert guest.call("mremap", a, 2 * PAGE_SIZE, PAGE_SIZE, 0, 0) == a
    assert perm(guest, a) == MAPPED and not perm(guest, a + PAGE_SIZE)
    assert guest.call("mremap", a, PAGE_SIZE, 2 * PAGE_SIZE, 0, 0) == a
    assert perm(guest, a + PAGE_SIZE) == MAPPED                        # same protection
