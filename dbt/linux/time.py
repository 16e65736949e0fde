"""Time syscalls. Clock ids, struct timespec and struct timeval are the same on x86-64 and
asm-generic 64-bit, so clocks are read from the host as they are."""

from __future__ import annotations

import ctypes
import errno
import time

from ..memory import PROT_WRITE
from .abi import fail, host_syscall, s32, u32
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


# struct itimerspec (interval, value: two timespecs) is the same on x86-64: timerfd and POSIX
# timers hand it to the host as it is
ITIMERSPEC_SIZE = 2 * TIMESPEC.size


def host_settime(k, call: str, ident: int, flags: int, new: int, old: int) -> int:
    """timerfd_settime / timer_settime of host timer `ident`: the guest's new itimerspec in,
    the previous one out (EFAULT before any effect)."""
    value = ctypes.create_string_buffer(k.memory.read(new, ITIMERSPEC_SIZE), ITIMERSPEC_SIZE)
    if old and not k.memory.check(old, ITIMERSPEC_SIZE, PROT_WRITE):
        fail(errno.EFAULT)
    previous = ctypes.create_string_buffer(ITIMERSPEC_SIZE)
    host_syscall(call, ident, flags, value, previous)
    if old:
        k.memory.write(old, previous.raw[:ITIMERSPEC_SIZE])
    return 0


def host_gettime(k, call: str, ident: int, current: int) -> int:
    """timerfd_gettime / timer_gettime of host timer `ident` into the guest's itimerspec."""
    out = ctypes.create_string_buffer(ITIMERSPEC_SIZE)
    host_syscall(call, ident, out)
    k.memory.write(current, out.raw[:ITIMERSPEC_SIZE])
    return 0


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


def _sleep(k, clock: int, flags: int, ns: int, rem: int) -> int:
    """The host's clock_nanosleep (a signal for a guest handler ends it with EINTR, and the
    time left goes to `rem` for a relative sleep, as Linux does)."""
    req = ctypes.create_string_buffer(TIMESPEC.pack(ns // NSEC, ns % NSEC), TIMESPEC.size)
    left = ctypes.create_string_buffer(TIMESPEC.size)
    try:
        host_syscall("clock_nanosleep", clock, flags, req, left)
    except OSError as exc:
        if exc.errno == errno.EINTR and rem and not flags & TIMER_ABSTIME:
            k.memory.write(rem, left.raw[:TIMESPEC.size])
        raise
    return 0


def sys_nanosleep(k, req, rem):
    return _sleep(k, time.CLOCK_MONOTONIC, 0, read_timespec(k, req), rem)


def sys_clock_nanosleep(k, clock, flags, req, rem):
    clock, flags = s32(clock), u32(flags)
    if clock not in SLEEP_CLOCKS:
        fail(errno.EINVAL)
    return _sleep(k, clock, flags & TIMER_ABSTIME, read_timespec(k, req), rem)


HANDLERS = {
    "clock_gettime": sys_clock_gettime,
    "clock_getres": sys_clock_getres,
    "gettimeofday": sys_gettimeofday,
    "nanosleep": sys_nanosleep,
    "clock_nanosleep": sys_clock_nanosleep,
}
