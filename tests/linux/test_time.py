"""Time syscalls against the host's clocks."""

from __future__ import annotations

import errno
import struct
import time

from linux_harness import RO_PAGE, UNMAPPED

NSEC = 1_000_000_000


def test_clock_gettime(guest):
    buf = guest.alloc(16)
    for clock in (time.CLOCK_REALTIME, time.CLOCK_MONOTONIC, time.CLOCK_BOOTTIME):
        before = time.clock_gettime_ns(clock)
        assert guest.call("clock_gettime", clock, buf) == 0
        after = time.clock_gettime_ns(clock)
        sec, nsec = struct.unpack("<qq", guest.read(buf, 16))
        assert 0 <= nsec < NSEC and before <= sec * NSEC + nsec <= after
    assert guest.call("clock_gettime", 12345, buf) == -errno.EINVAL
    assert guest.call("clock_gettime", 0, UNMAPPED) == -errno.EFAULT
    assert guest.call("clock_gettime", 0, RO_PAGE) == -errno.EFAULT


def test_clock_getres(guest):
    buf = guest.alloc(16)
    assert guest.call("clock_getres", time.CLOCK_MONOTONIC, buf) == 0
    assert struct.unpack("<qq", guest.read(buf, 16)) == (0, 1)
    assert guest.call("clock_getres", time.CLOCK_MONOTONIC, 0) == 0
    assert guest.call("clock_getres", 12345, buf) == -errno.EINVAL


def test_gettimeofday(guest):
    tv, tz = guest.alloc(16), guest.alloc(8)
    before = time.time_ns() // 1000
    assert guest.call("gettimeofday", tv, tz) == 0
    sec, usec = struct.unpack("<qq", guest.read(tv, 16))
    assert before <= sec * 1_000_000 + usec <= time.time_ns() // 1000
    assert guest.read(tz, 8) == bytes(8)
    assert guest.call("gettimeofday", 0, 0) == 0
    assert guest.call("gettimeofday", UNMAPPED, 0) == -errno.EFAULT


def test_nanosleep(guest):
    req = guest.alloc(struct.pack("<qq", 0, 30_000_000))
    start = time.monotonic()
    assert guest.call("nanosleep", req, 0) == 0
    assert time.monotonic() - start >= 0.025
    assert guest.call("nanosleep", guest.alloc(struct.pack("<qq", 0, NSEC)), 0) == -errno.EINVAL
    assert guest.call("nanosleep", guest.alloc(struct.pack("<qq", -1, 0)), 0) == -errno.EINVAL
    assert guest.call("nanosleep", UNMAPPED, 0) == -errno.EFAULT


def test_clock_nanosleep(guest):
    req = guest.alloc(struct.pack("<qq", 0, 20_000_000))
    start = time.monotonic()
    assert guest.call("clock_nanosleep", time.CLOCK_MONOTONIC, 0, req, 0) == 0
    assert time.monotonic() - start >= 0.015
    target = time.clock_gettime_ns(time.CLOCK_MONOTONIC) + 20_000_000
    absreq = guest.alloc(struct.pack("<qq", target // NSEC, target % NSEC))
    assert guest.call("clock_nanosleep", time.CLOCK_MONOTONIC, 1, absreq, 0) == 0
    assert time.clock_gettime_ns(time.CLOCK_MONOTONIC) >= target
    past = guest.alloc(struct.pack("<qq", 1, 0))                      # long past: no sleep
    assert guest.call("clock_nanosleep", time.CLOCK_MONOTONIC, 1, past, 0) == 0
    assert guest.call("clock_nanosleep", 3, 0, req, 0) == -errno.EINVAL   # thread cputime
    assert guest.call("clock_nanosleep", 0, 0, UNMAPPED, 0) == -errno.EFAULT
