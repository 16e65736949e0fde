"""Time syscalls. Clock ids, struct timespec and struct timeval are the same on x86-64 and
asm-generic 64-bit, so clocks are read from the host as they are."""

from __future__ import annotations

import errno
import time

from .abi import fail, s32, u32
from .structs import NSEC, TIMESPEC, TIMEZONE, pack_timespec, pack_timeval

TIMER_ABSTIME = 1
SLEEP_CLOCKS = frozenset([time.CLOCK_REALTIME, time.CLOCK_MONOTONIC, time.CLOCK_BOOTTIME,
                          time.CLOCK_TAI])


def _clock_ns(clock: int) -> int:
    return time.clock_gettime_ns(clock)      # OSError(EINVAL) for an invalid clock


def read_timespec(k, addr: int) -> int:
    """A guest timespec as nanoseconds; EINVAL when it is not normalised."""
    sec, nsec = TIMESPEC.unpack(k.memory.read(addr, TIMESPEC.size))
    if sec < 0 or not 0 <= nsec < NSEC:
        fail(errno.EINVAL)
    return sec * NSEC + nsec


def sys_clock_gettime(k, clock, tp):
    k.memory.write(tp, pack_timespec(_clock_ns(s32(clock))))
    return 0


def sys_clock_getres(k, clock, res):
    resolution = round(time.clock_getres(s32(clock)) * NSEC)
    if res:
        k.memory.write(res, pack_timespec(resolution))
    return 0


def sys_gettimeofday(k, tv, tz):
    if tv:
        k.memory.write(tv, pack_timeval(time.time_ns()))
    if tz:
        k.memory.write(tz, TIMEZONE.pack(0, 0))
    return 0


def _sleep(ns: int) -> None:
    if ns > 0:
        time.sleep(ns / NSEC)


def sys_nanosleep(k, req, rem):
    _sleep(read_timespec(k, req))
    return 0


def sys_clock_nanosleep(k, clock, flags, req, rem):
    clock, flags = s32(clock), u32(flags)
    if clock not in SLEEP_CLOCKS:
        fail(errno.EINVAL)
    wanted = read_timespec(k, req)
    _sleep(wanted - _clock_ns(clock) if flags & TIMER_ABSTIME else wanted)
    return 0


HANDLERS = {
    "clock_gettime": sys_clock_gettime,
    "clock_getres": sys_clock_getres,
    "gettimeofday": sys_gettimeofday,
    "nanosleep": sys_nanosleep,
    "clock_nanosleep": sys_clock_nanosleep,
}
