"""Writes the syscall layer makes into guest code pages reach the translation caches.

read(2) and friends write guest memory from the host side (memory.view slices), not through
guest stores; when the buffer is in an executable page, the code caches listening on
`memory.write_listeners` must drop the translations of that code (qemu-user notices such
writes too, so a guest may read new code into a RWX page and run it). Only executable pages
are reported, and only for writes: write(2) from a code page changes nothing.
"""

from __future__ import annotations

import pytest
from linux_harness import SCRATCH

from dbt.cache.code_cache import CodeCache
from dbt.memory import PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE

RWX = 0x140000                  # one RWX page: code that the guest rewrites
RX = RWX + PAGE_SIZE            # an RX page next to it
AT_FDCWD = (1 << 64) - 100
O_DIRECTORY = 0o200000


@pytest.fixture
def code_guest(guest):
    guest.mem.map_anonymous(RWX, PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC)
    guest.mem.map_anonymous(RX, PAGE_SIZE, PROT_READ | PROT_EXEC)
    guest.calls = []
    guest.mem.write_listeners.append(lambda addr, length: guest.calls.append((addr, length)))
    return guest


def _pipe(guest) -> tuple[int, int]:
    fds = guest.alloc(8)
    assert guest.call("pipe2", fds, 0) == 0
    return tuple(int.from_bytes(guest.read(fds + i, 4), "little") for i in (0, 4))


def _pipe_with(guest, data: bytes) -> int:
    """A guest fd reading `data` from a pipe."""
    rfd, wfd = _pipe(guest)
    assert guest.call("write", wfd, guest.alloc(data), len(data)) == len(data)
    assert guest.call("close", wfd) == 0
    return rfd


def _covers(calls, addr: int, length: int) -> bool:
    return any(a <= addr and addr + length <= a + n for a, n in calls)


def test_read_into_code_page_is_reported(code_guest):
    fd = _pipe_with(code_guest, b"\x13\x05\x70\x00\x67\x80\x00\x00")   # li a0, 7; ret
    assert code_guest.call("read", fd, RWX + 0x40, 4096) == 8
    assert _covers(code_guest.calls, RWX + 0x40, 8)
    assert code_guest.read(RWX + 0x40, 8) == b"\x13\x05\x70\x00\x67\x80\x00\x00"


def test_read_elsewhere_and_write_from_code_are_not_reported(code_guest):
    fd = _pipe_with(code_guest, b"data")
    assert code_guest.call("read", fd, SCRATCH + 0x800, 4) == 4    # not executable
    _, wfd = _pipe(code_guest)
    assert code_guest.call("write", wfd, RX, 16) == 16             # the kernel reads code
    assert code_guest.call("write", wfd, RWX, 16) == 16
    assert code_guest.calls == []


def test_pread64_readv_getrandom_getdents64_into_code_are_reported(code_guest, tmp_path):
    path = tmp_path / "code.bin"
    path.write_bytes(bytes(range(64)))
    fd = code_guest.call("openat", AT_FDCWD, code_guest.cstr(str(path)), 0, 0)
    assert fd >= 0
    assert code_guest.call("pread64", fd, RWX + 0x100, 16, 8) == 16
    assert _covers(code_guest.calls, RWX + 0x100, 16)

    code_guest.calls.clear()
    pipe = _pipe_with(code_guest, b"12345678")
    iov = code_guest.alloc((SCRATCH + 0x900).to_bytes(8, "little") + (0).to_bytes(8, "little")
                           + (RWX + 0x200).to_bytes(8, "little") + (8).to_bytes(8, "little"))
    assert code_guest.call("readv", pipe, iov, 2) == 8
    assert _covers(code_guest.calls, RWX + 0x200, 8)

    code_guest.calls.clear()
    assert code_guest.call("getrandom", RWX + 0x300, 32, 0) == 32
    assert _covers(code_guest.calls, RWX + 0x300, 32)

    code_guest.calls.clear()
    directory = code_guest.call("openat", AT_FDCWD, code_guest.cstr(str(tmp_path)),
                                O_DIRECTORY, 0)
    got = code_guest.call("getdents64", directory, RWX + 0x400, 1024)
    assert got > 0
    assert _covers(code_guest.calls, RWX + 0x400, got)


def test_read_drops_the_translation_of_the_code_it_overwrites(code_guest):
    """With a real code cache listening: a translation made from the code page goes, one
    made from another page stays."""
    cache = CodeCache()
    cache.insert(RWX, RWX, RWX + 8, "old code")
    cache.insert(SCRATCH, SCRATCH, SCRATCH + 8, "other")
    code_guest.mem.write_listeners.append(cache.invalidate)
    fd = _pipe_with(code_guest, b"\x13\x05\x70\x00\x67\x80\x00\x00")
    assert code_guest.call("read", fd, RWX, 8) == 8
    assert cache.get(RWX) is None
    assert cache.get(SCRATCH) == "other"
