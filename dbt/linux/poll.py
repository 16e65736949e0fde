"""Waiting for fds: ppoll, pselect6, epoll, and eventfd2 (what subprocess, event loops and
shells wait with; asm-generic has no poll or select, only these).

struct pollfd, fd_set (64-bit words), struct timespec and the POLL*/EPOLL* bits are the same
on x86-64 and asm-generic, so the host's calls do the waiting on the guest fds' host fds.
struct epoll_event is not: 12 bytes packed on x86-64, 16 (padded) on riscv64 and arm64. The
guest's signal mask argument is checked but not applied: signals are not delivered to guest
handlers yet, so there is nothing for it to hold back.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct

from ..memory import PROT_WRITE
from .abi import fail, host_syscall, s32, u32
from .files import O_CLOEXEC, O_NONBLOCK
from .structs import NSEC, TIMESPEC
from .time import host_gettime, host_settime, read_timespec

POLLFD = struct.Struct("<ihh")
POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL = 1, 2, 4, 8, 16, 32
POLLRDNORM, POLLRDBAND, POLLWRNORM, POLLWRBAND = 0x40, 0x80, 0x100, 0x200
# the poll bits select counts as readable, writable, exceptional (Linux's POLLIN_SET ...)
SELECT_IN = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR
SELECT_OUT = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR
SELECT_EX = POLLPRI
GUEST_EPOLL_EVENT = struct.Struct("<I4xQ")
HOST_EPOLL_EVENT = struct.Struct("<IQ")
EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD = 1, 2, 3
EP_MAX_EVENTS = 0x7FFFFFFF // GUEST_EPOLL_EVENT.size
EFD_SEMAPHORE = 1
SIGSET_SIZE = 8


def _check_sigset(k, sigmask: int, size: int) -> None:
    if sigmask:
        if size != SIGSET_SIZE:
            fail(errno.EINVAL)
        k.memory.read(sigmask, SIGSET_SIZE)


def _timeout(k, addr: int) -> ctypes.Array | None:
    """A guest timespec, checked, as a host buffer (None: wait for ever)."""
    if not addr:
        return None
    ns = read_timespec(k, addr)
    return ctypes.create_string_buffer(TIMESPEC.pack(ns // NSEC, ns % NSEC), TIMESPEC.size)


def _host_ppoll(entries: list[tuple[int, int]], timeout) -> list[int]:
    """ppoll on the host: revents of each (host fd, events)."""
    buf = ctypes.create_string_buffer(POLLFD.size * max(len(entries), 1))
    for i, (fd, events) in enumerate(entries):
        POLLFD.pack_into(buf, i * POLLFD.size, fd, events, 0)
    host_syscall("ppoll", buf, len(entries), timeout if timeout is not None else 0, 0, 8)
    return [POLLFD.unpack_from(buf, i * POLLFD.size)[2] & 0xFFFF for i in range(len(entries))]


def sys_ppoll(k, fds, nfds, tmo, sigmask, sigsetsize):
    nfds = u32(nfds)
    if nfds > k.fds.limit:
        fail(errno.EINVAL)
    raw = k.memory.read(fds, POLLFD.size * nfds) if nfds else b""
    timeout = _timeout(k, tmo)
    _check_sigset(k, sigmask, sigsetsize)
    if nfds and not k.memory.check(fds, POLLFD.size * nfds, PROT_WRITE):
        fail(errno.EFAULT)
    polled, entries = [], []
    for i in range(nfds):
        fd, events, _ = POLLFD.unpack_from(raw, i * POLLFD.size)
        entry = k.fds.entries.get(fd) if fd >= 0 else None
        polled.append((fd, events, entry is not None))
        entries.append((entry.host if entry is not None else -1,
                        events | POLLERR | POLLHUP))
    if any(fd >= 0 and not known for fd, _, known in polled):
        timeout = ctypes.create_string_buffer(TIMESPEC.pack(0, 0), TIMESPEC.size)
    revents = _host_ppoll(entries, timeout)
    out, ready = bytearray(), 0
    for (fd, events, known), got in zip(polled, revents):
        if fd >= 0 and not known:
            got = POLLNVAL
        elif fd < 0:
            got = 0
        ready += got != 0
        out += POLLFD.pack(fd, events, got - (1 << 16) if got & 0x8000 else got)
    if nfds:
        k.memory.write(fds, bytes(out))
    if tmo and timeout is not None:
        k.memory.write(tmo, timeout.raw[:TIMESPEC.size])
    return ready


def sys_pselect6(k, n, inp, outp, exp, tsp, sig):
    n = s32(n)
    if n < 0:
        fail(errno.EINVAL)
    n = min(n, k.fds.limit)
    words = (n + 63) // 64
    sets = [int.from_bytes(k.memory.read(addr, 8 * words), "little") if addr and words else 0
            for addr in (inp, outp, exp)]
    timeout = _timeout(k, tsp)
    if sig:
        mask_ptr, size = struct.unpack("<QQ", k.memory.read(sig, 16))
        _check_sigset(k, mask_ptr, size)
    for addr in (inp, outp, exp):
        if addr and words and not k.memory.check(addr, 8 * words, PROT_WRITE):
            fail(errno.EFAULT)
    wanted = sets[0] | sets[1] | sets[2]
    polled, entries = [], []
    fd = 0
    while wanted >> fd:
        if wanted >> fd & 1:
            host = k.fds.host(fd)                      # EBADF for a closed one
            events = ((SELECT_IN if sets[0] >> fd & 1 else 0)
                      | (SELECT_OUT if sets[1] >> fd & 1 else 0)
                      | (SELECT_EX if sets[2] >> fd & 1 else 0))
            polled.append(fd)
            entries.append((host, events))
        fd += 1
    revents = _host_ppoll(entries, timeout)
    results, ready = [0, 0, 0], 0
    for fd, got in zip(polled, revents):
        for i, bits in enumerate((SELECT_IN, SELECT_OUT, SELECT_EX)):
            if sets[i] >> fd & 1 and got & bits:
                results[i] |= 1 << fd
                ready += 1
    for addr, value in zip((inp, outp, exp), results):
        if addr and words:
            k.memory.write(addr, value.to_bytes(8 * words, "little"))
    if tsp and timeout is not None:
        k.memory.write(tsp, timeout.raw[:TIMESPEC.size])
    return ready


# -- epoll -----------------------------------------------------------------------------------------
def sys_epoll_create1(k, flags):
    flags = u32(flags)
    if flags & ~O_CLOEXEC:
        fail(errno.EINVAL)
    host = host_syscall("epoll_create1", O_CLOEXEC)
    return k.fds.install(host, cloexec=bool(flags & O_CLOEXEC))


def sys_epoll_ctl(k, epfd, op, fd, event):
    op = s32(op)
    host_ep = k.fds.host(epfd)
    host_fd = k.fds.host(fd)
    if op == EPOLL_CTL_DEL:
        host_syscall("epoll_ctl", host_ep, op, host_fd, 0)
        return 0
    if op not in (EPOLL_CTL_ADD, EPOLL_CTL_MOD):
        fail(errno.EINVAL)
    events, data = GUEST_EPOLL_EVENT.unpack(k.memory.read(event, GUEST_EPOLL_EVENT.size))
    buf = ctypes.create_string_buffer(HOST_EPOLL_EVENT.pack(events, data),
                                      HOST_EPOLL_EVENT.size)
    host_syscall("epoll_ctl", host_ep, op, host_fd, buf)
    return 0


def sys_epoll_pwait(k, epfd, events, maxevents, timeout, sigmask, sigsetsize):
    maxevents = s32(maxevents)
    host_ep = k.fds.host(epfd)
    if not 0 < maxevents <= EP_MAX_EVENTS:
        fail(errno.EINVAL)
    if not k.memory.check(events, GUEST_EPOLL_EVENT.size * maxevents, PROT_WRITE):
        fail(errno.EFAULT)
    _check_sigset(k, sigmask, sigsetsize)
    buf = ctypes.create_string_buffer(HOST_EPOLL_EVENT.size * maxevents)
    got = host_syscall("epoll_pwait", host_ep, buf, maxevents, s32(timeout), 0, 8)
    out = b"".join(GUEST_EPOLL_EVENT.pack(*HOST_EPOLL_EVENT.unpack_from(buf, i * 12))
                   for i in range(got))
    if out:
        k.memory.write(events, out)
    return got


def sys_eventfd2(k, initval, flags):
    flags = u32(flags)
    if flags & ~(EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK):
        fail(errno.EINVAL)
    host = os.eventfd(u32(initval), (flags & ~O_CLOEXEC) | os.EFD_CLOEXEC)
    return k.fds.install(host, cloexec=bool(flags & O_CLOEXEC))


# -- timerfd: the host's (struct itimerspec is the same on both sides) ---------------------------
TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET = 1, 2


def sys_timerfd_create(k, clock, flags):
    flags = u32(flags)
    if flags & ~(O_CLOEXEC | O_NONBLOCK):
        fail(errno.EINVAL)
    host = host_syscall("timerfd_create", s32(clock), flags | O_CLOEXEC)
    return k.fds.install(host, cloexec=bool(flags & O_CLOEXEC))


def sys_timerfd_settime(k, fd, flags, new, old):
    return host_settime(k, "timerfd_settime", k.fds.host(fd), u32(flags), new, old)


def sys_timerfd_gettime(k, fd, current):
    return host_gettime(k, "timerfd_gettime", k.fds.host(fd), current)


HANDLERS = {
    "timerfd_create": sys_timerfd_create, "timerfd_settime": sys_timerfd_settime,
    "timerfd_gettime": sys_timerfd_gettime,
    "ppoll": sys_ppoll, "pselect6": sys_pselect6, "epoll_create1": sys_epoll_create1,
    "epoll_ctl": sys_epoll_ctl, "epoll_pwait": sys_epoll_pwait, "eventfd2": sys_eventfd2,
}

__all__ = ["HANDLERS"]
