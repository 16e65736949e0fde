"""Mapping records (GuestMemory's VMAs): split and merge as Linux's VMAs do, file identity and
offset of file mappings, `written`, MAP_SHARED write-through, mremap and madvise of file
mappings, /proc/self/maps, /proc/self/auxv and /proc/self/cmdline of the guest."""

from __future__ import annotations

import os
import re

import pytest
from linux_harness import SCRATCH, SCRATCH_SIZE

from dbt.linux import procfs
from dbt.memory import (FILE, HEAP, MAPPED, PAGE_SIZE, PROT_EXEC, PROT_READ,
                        PROT_WRITE, FileRef, Mapping)

AT_FDCWD = -100 & (1 << 64) - 1
MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANON = 0x1, 0x2, 0x10, 0x20
MREMAP_MAYMOVE = 1
MADV_DONTNEED = 4
RW = PROT_READ | PROT_WRITE
RX = PROT_READ | PROT_EXEC
NEG1 = (1 << 64) - 1


def check_records(mem):
    """The records agree with the page table: sorted, disjoint, each page of a record holds
    MAPPED | its prot, and every mapped page is in a record."""
    maps = list(mem.mappings())
    covered = 0
    for before, after in zip(maps, maps[1:]):
        assert before.end <= after.start
        assert not before.joins(after), f"{before} and {after} should have been merged"
    for m in maps:
        pages = mem.perms[m.start // PAGE_SIZE:m.end // PAGE_SIZE]
        assert bytes(pages) == bytes([MAPPED | m.prot]) * len(pages), m
        covered += len(pages)
        assert mem.mapping_at(m.start) == m and mem.mapping_at(m.end - 1) == m
    table = bytes(mem.perms)
    assert covered == len(table) - table.count(0)


def records_in(mem, start, end):
    return [m for m in mem.mappings() if m.start < end and start < m.end]


def mmap(guest, length, prot=RW, flags=MAP_PRIVATE | MAP_ANON, fd=NEG1, offset=0, addr=0):
    return guest.call("mmap", addr, length, prot, flags, fd, offset)


def open_path(guest, path, flags=0):
    return guest.call("openat", AT_FDCWD, guest.cstr(str(path)), flags, 0o644)


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "data"
    path.write_bytes(bytes(range(256)) * 64)            # 16 KiB: four pages
    return path


# -- split and merge -----------------------------------------------------------------------------
def test_harness_mappings_are_recorded(guest):
    assert guest.mem.mapping_at(SCRATCH) == Mapping(SCRATCH, SCRATCH + SCRATCH_SIZE, RW,
                                                    written=True)
    assert guest.mem.mapping_at(SCRATCH + SCRATCH_SIZE + PAGE_SIZE) is None   # gap
    check_records(guest.mem)


def test_mprotect_splits_and_merges_back(guest):
    a = mmap(guest, 4 * PAGE_SIZE)
    assert records_in(guest.mem, a, a + 4 * PAGE_SIZE) == [Mapping(a, a + 4 * PAGE_SIZE, RW,
                                                                   written=True)]
    assert guest.call("mprotect", a + PAGE_SIZE, PAGE_SIZE, PROT_READ) == 0
    got = records_in(guest.mem, a, a + 4 * PAGE_SIZE)
    assert [(m.start - a, m.end - a, m.prot) for m in got] == [
        (0, PAGE_SIZE, RW), (PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ), (2 * PAGE_SIZE, 4 * PAGE_SIZE, RW)]
    check_records(guest.mem)
    assert guest.call("mprotect", a + PAGE_SIZE, PAGE_SIZE, RW) == 0
    assert records_in(guest.mem, a, a + 4 * PAGE_SIZE) == [Mapping(a, a + 4 * PAGE_SIZE, RW,
                                                                   written=True)]
    check_records(guest.mem)


def test_munmap_and_map_fixed_split(guest):
    a = mmap(guest, 4 * PAGE_SIZE)
    assert guest.call("munmap", a + PAGE_SIZE, PAGE_SIZE) == 0
    assert guest.mem.mapping_at(a + PAGE_SIZE) is None
    assert [(m.start - a, m.end - a) for m in records_in(guest.mem, a, a + 4 * PAGE_SIZE)] == [
        (0, PAGE_SIZE), (2 * PAGE_SIZE, 4 * PAGE_SIZE)]
    # MAP_FIXED over the middle of a mapping replaces that part only
    assert mmap(guest, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANON | MAP_FIXED,
                addr=a + 2 * PAGE_SIZE) == a + 2 * PAGE_SIZE
    assert [(m.start - a, m.end - a, m.prot) for m in records_in(guest.mem, a, a + 4 * PAGE_SIZE)
            ] == [(0, PAGE_SIZE, RW), (2 * PAGE_SIZE, 3 * PAGE_SIZE, PROT_READ),
                  (3 * PAGE_SIZE, 4 * PAGE_SIZE, RW)]
    check_records(guest.mem)


def test_adjacent_anonymous_mappings_merge_as_linux(guest):
    # qemu's bottom-up placement puts the second right after the first: one VMA
    a = mmap(guest, PAGE_SIZE)
    b = mmap(guest, PAGE_SIZE)
    assert b == a + PAGE_SIZE
    assert records_in(guest.mem, a, b + PAGE_SIZE) == [Mapping(a, b + PAGE_SIZE, RW, written=True)]
    check_records(guest.mem)


def test_brk_is_the_heap(guest):
    start = guest.call("brk", 0)
    guest.call("brk", start + 3 * PAGE_SIZE)
    assert guest.mem.mapping_at(start).kind == HEAP
    assert guest.mem.mapping_at(start).end == start + 3 * PAGE_SIZE
    guest.call("brk", start + PAGE_SIZE)             # qemu-user keeps the pages of a lower brk
    assert guest.mem.mapping_at(start).end == start + 3 * PAGE_SIZE
    check_records(guest.mem)


# -- file mappings -------------------------------------------------------------------------------
def test_file_mapping_remembers_the_file(guest, data_file):
    fd = open_path(guest, data_file)
    a = mmap(guest, 2 * PAGE_SIZE, RX, MAP_PRIVATE, fd, PAGE_SIZE)
    m = guest.mem.mapping_at(a + PAGE_SIZE)
    info = os.stat(data_file)
    assert m.file == FileRef(os.fsencode(os.path.realpath(data_file)), info.st_dev,
                             info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    assert (m.start, m.end, m.offset, m.kind, m.shared) == (a, a + 2 * PAGE_SIZE, PAGE_SIZE,
                                                            FILE, False)
    assert not m.written                         # never writable: the file's bytes
    assert guest.read(a, 2 * PAGE_SIZE) == data_file.read_bytes()[PAGE_SIZE:3 * PAGE_SIZE]
    # a split keeps each part's file offset
    assert guest.call("mprotect", a + PAGE_SIZE, PAGE_SIZE, PROT_READ) == 0
    tail = guest.mem.mapping_at(a + PAGE_SIZE)
    assert (tail.offset, tail.prot, tail.file) == (2 * PAGE_SIZE, PROT_READ, m.file)
    assert guest.mem.mapping_at(a).offset == PAGE_SIZE
    check_records(guest.mem)


def test_written_once_writable(guest, data_file):
    fd = open_path(guest, data_file)
    a = mmap(guest, 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0)
    assert not guest.mem.mapping_at(a).written
    assert guest.call("mprotect", a, PAGE_SIZE, RW) == 0
    assert guest.call("mprotect", a, PAGE_SIZE, PROT_READ) == 0
    # back to read-only, but the first page may differ from the file now: not merged
    assert guest.mem.mapping_at(a).written and guest.mem.mapping_at(a).end == a + PAGE_SIZE
    assert not guest.mem.mapping_at(a + PAGE_SIZE).written
    # ... though /proc/self/maps shows one VMA, as Linux would
    vmas = [v for v in procfs.linux_vmas(guest.mem) if v.start <= a < v.end]
    assert vmas[0].end == a + 2 * PAGE_SIZE and vmas[0].written
    check_records(guest.mem)


def test_adjacent_file_mappings_merge_only_with_contiguous_offsets(guest, data_file):
    fd = open_path(guest, data_file)
    a = mmap(guest, 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0)
    mmap(guest, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, PAGE_SIZE, addr=a + PAGE_SIZE)
    assert guest.mem.mapping_at(a).end == a + 2 * PAGE_SIZE         # same offsets: one
    mmap(guest, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 3 * PAGE_SIZE,
         addr=a + PAGE_SIZE)
    assert guest.mem.mapping_at(a).end == a + PAGE_SIZE             # offset jumps: two
    assert guest.mem.mapping_at(a + PAGE_SIZE).offset == 3 * PAGE_SIZE
    check_records(guest.mem)


def test_private_file_mapping_is_copy_on_write(guest, data_file):
    fd = open_path(guest, data_file, 2)
    a = mmap(guest, PAGE_SIZE, RW, MAP_PRIVATE, fd, 0)
    before = data_file.read_bytes()
    guest.mem.write(a, b"private")
    assert data_file.read_bytes() == before
    assert guest.mem.mapping_at(a).written


def test_shared_file_mapping_writes_reach_the_file(guest, data_file):
    fd = open_path(guest, data_file, 2)
    a = mmap(guest, 2 * PAGE_SIZE, RW, MAP_SHARED, fd, PAGE_SIZE)
    assert guest.mem.mapping_at(a).shared
    guest.mem.write(a + 10, b"through")
    assert data_file.read_bytes()[PAGE_SIZE + 10:PAGE_SIZE + 17] == b"through"
    with open(data_file, "r+b") as f:             # and the file's changes show in memory
        f.seek(2 * PAGE_SIZE)
        f.write(b"from the host")
    assert guest.read(a + PAGE_SIZE, 13) == b"from the host"


def test_shared_mapping_of_a_read_only_file_cannot_become_writable(guest, data_file):
    fd = open_path(guest, data_file)
    a = mmap(guest, PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0)
    assert guest.call("mprotect", a, PAGE_SIZE, RW) == -13            # EACCES, as Linux
    assert guest.mem.page_prot(a) == PROT_READ and not guest.mem.mapping_at(a).written


def test_pages_past_the_end_of_the_file(guest, tmp_path):
    path = tmp_path / "small"
    path.write_bytes(b"x" * 100)
    fd = open_path(guest, path)
    a = mmap(guest, 3 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0)
    # the rest of the last file page is zero (Linux); pages wholly past the end are zero
    # pages here (Linux would raise SIGBUS): one record for all, as Linux has one VMA
    assert guest.read(a, 3 * PAGE_SIZE) == b"x" * 100 + bytes(3 * PAGE_SIZE - 100)
    assert records_in(guest.mem, a, a + 3 * PAGE_SIZE)[0].end == a + 3 * PAGE_SIZE


def test_mremap_moves_a_file_mapping_with_its_identity(guest, data_file):
    fd = open_path(guest, data_file)
    a = mmap(guest, PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, PAGE_SIZE)
    file = guest.mem.mapping_at(a).file
    mmap(guest, PAGE_SIZE, PROT_READ, addr=a + PAGE_SIZE,
         flags=MAP_PRIVATE | MAP_ANON | MAP_FIXED)                   # blocks growth in place
    b = guest.call("mremap", a, PAGE_SIZE, 3 * PAGE_SIZE, MREMAP_MAYMOVE, 0)
    assert b not in (a, -14) and b > 0
    moved = guest.mem.mapping_at(b)
    assert (moved.file, moved.offset, moved.end) == (file, PAGE_SIZE, b + 3 * PAGE_SIZE)
    # the grown part is the file's next pages (Linux), the old place is gone
    assert guest.read(b, 3 * PAGE_SIZE) == data_file.read_bytes()[PAGE_SIZE:]
    assert guest.mem.mapping_at(a) is None
    check_records(guest.mem)


def test_mremap_of_a_file_mapping_past_the_end_of_its_file(guest, tmp_path):
    # the host holds it as two mappings (file page, then a zero page): moved by copying
    path = tmp_path / "small"
    path.write_bytes(b"x" * 100)
    fd = open_path(guest, path)
    a = mmap(guest, 2 * PAGE_SIZE, RW, MAP_PRIVATE, fd, 0)
    guest.mem.write(a + PAGE_SIZE, b"tail")
    mmap(guest, PAGE_SIZE, PROT_READ, addr=a + 2 * PAGE_SIZE,
         flags=MAP_PRIVATE | MAP_ANON | MAP_FIXED)
    b = guest.call("mremap", a, 2 * PAGE_SIZE, 3 * PAGE_SIZE, MREMAP_MAYMOVE, 0)
    assert b > 0 and b != a and guest.mem.mapping_at(a) is None
    assert guest.read(b, PAGE_SIZE + 4) == b"x" * 100 + bytes(PAGE_SIZE - 100) + b"tail"
    moved = guest.mem.mapping_at(b)
    assert (moved.end, moved.prot, moved.offset, moved.written) == (b + 3 * PAGE_SIZE, RW, 0, True)
    assert moved.file.path == os.fsencode(os.path.realpath(path))
    check_records(guest.mem)


def test_mremap_grows_a_file_mapping_in_place(guest, data_file):
    fd = open_path(guest, data_file)
    room = mmap(guest, 8 * PAGE_SIZE, 0)                              # a free range
    guest.call("munmap", room, 8 * PAGE_SIZE)
    a = mmap(guest, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0, addr=room)
    assert guest.call("mremap", a, PAGE_SIZE, 2 * PAGE_SIZE, 0, 0) == a
    assert guest.read(a, 2 * PAGE_SIZE) == data_file.read_bytes()[:2 * PAGE_SIZE]
    assert guest.mem.mapping_at(a).end == a + 2 * PAGE_SIZE
    check_records(guest.mem)


def test_madvise_dontneed_private_file_pages_go_back_to_the_file(guest, data_file):
    fd = open_path(guest, data_file)
    a = mmap(guest, PAGE_SIZE, RW, MAP_PRIVATE, fd, 0)
    guest.mem.write(a, b"changed")
    assert guest.call("madvise", a, PAGE_SIZE, MADV_DONTNEED) == 0
    assert guest.read(a, 7) == data_file.read_bytes()[:7]
    anon = mmap(guest, PAGE_SIZE)
    guest.mem.write(anon, b"changed")
    assert guest.call("madvise", anon, PAGE_SIZE, MADV_DONTNEED) == 0
    assert guest.read(anon, 7) == bytes(7)


def test_unmapping_or_reprotecting_file_code_notifies_code_caches(guest, data_file):
    fd = open_path(guest, data_file)
    a = mmap(guest, 2 * PAGE_SIZE, RX, MAP_PRIVATE, fd, 0)
    seen = []
    guest.mem.write_listeners.append(lambda addr, length: seen.append((addr, length)))
    assert guest.call("mprotect", a, PAGE_SIZE, PROT_READ) == 0
    assert guest.call("munmap", a + PAGE_SIZE, PAGE_SIZE) == 0
    assert seen == [(a, PAGE_SIZE), (a + PAGE_SIZE, PAGE_SIZE)]


# -- /proc/self -------------------------------------------------------------------------------
MAPS_LINE = re.compile(rb"^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]{8}) "
                       rb"([0-9a-f]{2}):([0-9a-f]{2}) (\d+) ( *)(.*)$")


def read_guest_file(guest, path):
    fd = open_path(guest, path)
    assert fd >= 0, fd
    buf = guest.alloc(16384)
    chunks = []
    while (got := guest.call("read", fd, buf, 16384)) > 0:
        chunks.append(guest.read(buf, got))
    guest.call("close", fd)
    return b"".join(chunks)


def test_proc_self_maps_lists_the_guest_mappings(guest, data_file):
    fd = open_path(guest, data_file, 2)
    f = mmap(guest, 2 * PAGE_SIZE, RX, MAP_PRIVATE, fd, PAGE_SIZE)
    s = mmap(guest, PAGE_SIZE, RW, MAP_SHARED, fd, 0)
    heap = guest.call("brk", 0)
    guest.call("brk", heap + PAGE_SIZE)
    text = read_guest_file(guest, "/proc/self/maps")
    lines = text.splitlines()
    vmas = procfs.linux_vmas(guest.mem)
    assert len(lines) == len(vmas)
    info = os.stat(data_file)
    names = {}
    for line, vma in zip(lines, vmas):
        m = MAPS_LINE.match(line)
        assert m, line
        start, end, perms, offset, major, minor, inode, pad, name = m.groups()
        assert (int(start, 16), int(end, 16)) == (vma.start, vma.end)
        assert perms[:3] == b"".join(c if vma.prot & bit else b"-" for c, bit in
                                     ((b"r", PROT_READ), (b"w", PROT_WRITE), (b"x", PROT_EXEC)))
        # qemu-user (open_self_maps): every line padded to column 73, then the name
        assert len(line) - len(name) == 73 and pad
        names[vma.start] = (perms, int(offset, 16), int(major, 16), int(minor, 16),
                            int(inode), name)
    path = os.fsencode(os.path.realpath(data_file))
    device = (os.major(info.st_dev), os.minor(info.st_dev))
    assert names[f] == (b"r-xp", PAGE_SIZE, *device, info.st_ino, path)
    assert names[s] == (b"rw-s", 0, *device, info.st_ino, path)
    assert names[heap] == (b"rw-p", 0, 0, 0, 0, b"")      # qemu's brk pages are host mmaps
    assert names[SCRATCH] == (b"rw-p", 0, 0, 0, 0, b"")


@pytest.mark.parametrize("form", ["/proc/self/maps", "/proc/{pid}/maps", "/proc/thread-self/maps",
                                  "/proc/self/../self/maps"])
def test_proc_maps_names_of_the_guest_itself(guest, form):
    want = procfs.maps_text(guest.mem)
    assert read_guest_file(guest, form.format(pid=os.getpid())) == want


def test_proc_maps_of_another_process_is_the_hosts(guest):
    assert read_guest_file(guest, "/proc/1/cmdline") == open("/proc/1/cmdline", "rb").read()


def test_proc_self_auxv_and_cmdline(make_guest, exe):
    g = make_guest()
    words = b"".join(v.to_bytes(8, "little") for v in (6, 4096, 25, 0x1234, 0, 0))
    addr = g.alloc(words)
    g.kernel.auxv = (addr, len(words))
    g.kernel.argv = [b"prog", b"two words", b""]
    assert read_guest_file(g, "/proc/self/auxv") == words
    assert read_guest_file(g, "/proc/self/cmdline") == b"prog\0two words\0\0"
