"""Process syscalls: exit, ids, uname, resource limits, sysinfo, scheduling, getrandom
(signals: signals.py; children and execve: spawn.py; threads and futexes: threads.py).

The rlimit resources are the same on x86-64 and asm-generic.
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import struct

from ..memory import PROT_WRITE, GuestFault
from .abi import ProcessExit, fail, host_syscall, s32, u32
from .mm import accessible, user_range
from .structs import RLIM_INFINITY, RLIMIT, SYSINFO_SIZE, pack_utsname

RLIM_NLIMITS = 16
GUEST_STACK_LIMIT = 8 << 20                           # the stack the loader allocates
GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE = 1, 2, 4
GETRANDOM_MAX = (1 << 25) - 1


# -- exit and ids ------------------------------------------------------------------------------
def sys_exit(k, status):
    """exit: the calling thread ends (the process too, when it is the last: threads.py)."""
    k.threads.exit_thread(status)


def sys_exit_group(k, status):
    raise ProcessExit(status)


def sys_gettid(k):
    return k.threads.current.tid


def sys_getpid(k):
    return k.pid


def sys_getppid(k):
    return os.getppid()


def sys_getuid(k):
    return os.getuid()


def sys_geteuid(k):
    return os.geteuid()


def sys_getgid(k):
    return os.getgid()


def sys_getegid(k):
    return os.getegid()


PR_SET_NAME, PR_GET_NAME, PR_CAPBSET_READ = 15, 16, 23
PR_GET_DUMPABLE = 3
TASK_COMM_LEN = 16


def sys_prctl(k, option, arg2, arg3, arg4, arg5):
    """The options that only read or name the process, answered by the host as qemu-user
    does (the capability bounding set, dumpable, the thread's name); the others are EINVAL,
    Linux's answer to an option it does not know."""
    option = s32(option)
    if option == PR_CAPBSET_READ:
        return host_syscall("prctl", option, arg2)
    if option == PR_GET_DUMPABLE:
        return host_syscall("prctl", option)
    if option == PR_GET_NAME:
        name = ctypes.create_string_buffer(TASK_COMM_LEN)
        host_syscall("prctl", option, name)
        k.memory.write(arg2, name.raw)
        return 0
    if option == PR_SET_NAME:
        try:                              # (Linux copies at most TASK_COMM_LEN - 1 bytes)
            name = k.memory.read_cstring(arg2, TASK_COMM_LEN)
        except GuestFault:
            name = k.memory.read(arg2, TASK_COMM_LEN - 1)
        host_syscall("prctl", option, name[:TASK_COMM_LEN - 1] + b"\0")
        return 0
    fail(errno.EINVAL)


def sys_getgroups(k, size, groups):
    """The supplementary group ids (32-bit each); with size 0 only their count, as Linux."""
    size, ids = s32(size), os.getgroups()
    if size < 0:
        fail(errno.EINVAL)
    if size == 0:
        return len(ids)
    if size < len(ids):
        fail(errno.EINVAL)
    k.memory.write(groups, struct.pack(f"<{len(ids)}I", *ids))
    return len(ids)


def sys_set_tid_address(k, tidptr):
    task = k.threads.current
    task.tid_address = tidptr
    return task.tid


def sys_set_robust_list(k, head, length):
    """ENOSYS, as qemu-user: the kernel would walk the list at a thread's death with host
    addresses; glibc then falls back to non-robust futexes (its robust mutexes fail)."""
    fail(errno.ENOSYS)


def _domainname() -> bytes:
    try:
        with open("/proc/sys/kernel/domainname", "rb") as f:
            return f.read().strip()
    except OSError:
        return b"(none)"


def sys_uname(k, buf):
    host = os.uname()
    release = k.uname_release or host.release
    k.memory.write(buf, pack_utsname([host.sysname, host.nodename, release, host.version,
                                      k.abi.machine, _domainname()]))
    return 0


def sys_sysinfo(k, info):
    out = ctypes.create_string_buffer(SYSINFO_SIZE)
    host_syscall("sysinfo", out)
    k.memory.write(info, out.raw)
    return 0


class RlimitTable:
    """The guest's resource limits: the host's, except RLIMIT_STACK (the guest's own stack).
    Setting one records it for the guest only: dbt-vm's own limits stay as they are."""

    def __init__(self):
        self.limits: dict[int, tuple[int, int]] = {}

    def get(self, res: int) -> tuple[int, int]:
        if res not in self.limits:
            cur, top = (RLIM_INFINITY if v == resource.RLIM_INFINITY else v
                        for v in resource.getrlimit(res))
            if res == resource.RLIMIT_STACK:
                cur, top = GUEST_STACK_LIMIT, max(top, GUEST_STACK_LIMIT)
            self.limits[res] = (cur, top)
        return self.limits[res]


def sys_prlimit64(k, pid, res, new, old):
    pid, res = s32(pid), u32(res)
    if res >= RLIM_NLIMITS:
        fail(errno.EINVAL)
    if pid not in (0, k.pid):
        if new:
            fail(errno.EPERM)
        return _prlimit_other(k, pid, res, old)
    limits = k.rlimits
    current = limits.get(res)
    if new:
        cur, top = RLIMIT.unpack(k.memory.read(new, RLIMIT.size))
        if cur > top:
            fail(errno.EINVAL)
        if top > current[1] and os.geteuid() != 0:
            fail(errno.EPERM)
        limits.limits[res] = (cur, top)
        if res == resource.RLIMIT_NOFILE:
            k.fds.limit = cur
    if old:
        k.memory.write(old, RLIMIT.pack(*current))
    return 0


def sys_getrlimit(k, res, old):
    """getrlimit (asm-generic keeps it beside prlimit64; Go's runtime calls it)."""
    if not old:
        fail(errno.EFAULT)
    return sys_prlimit64(k, 0, res, 0, old)


def sys_setrlimit(k, res, new):
    if not new:
        fail(errno.EFAULT)
    return sys_prlimit64(k, 0, res, new, 0)


def _prlimit_other(k, pid: int, res: int, old: int) -> int:
    """Reading another process's limits is passed to the host; changing them is refused."""
    values = resource.prlimit(pid, res)
    if old:
        k.memory.write(old, RLIMIT.pack(*(RLIM_INFINITY if v == resource.RLIM_INFINITY
                                          else v for v in values)))
    return 0


def sys_sched_getaffinity(k, pid, length, mask):
    pid, length = s32(pid), u32(length)
    if length & 7:
        fail(errno.EINVAL)
    out = ctypes.create_string_buffer(max(8, min(length, 4096)))
    got = host_syscall("sched_getaffinity", 0 if pid == k.pid else pid, min(length, 4096), out)
    k.memory.write(mask, out.raw[:got])
    return got


def sys_sched_yield(k):
    os.sched_yield()
    return 0


# -- getrandom -----------------------------------------------------------------------------------
def sys_getrandom(k, buf, length, flags):
    flags = u32(flags)
    if flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE):
        fail(errno.EINVAL)
    if flags & GRND_RANDOM and flags & GRND_INSECURE:
        fail(errno.EINVAL)
    user_range(k.memory, buf, length)
    length = min(length, GETRANDOM_MAX)
    usable = accessible(k.memory, buf, length, PROT_WRITE)
    if usable == 0 and length > 0:
        fail(errno.EFAULT)
    k.memory.write(buf, os.urandom(usable))
    return usable


# -- smaller process queries -------------------------------------------------------------------
RUSAGE_SIZE, TMS_SIZE = 144, 32          # struct rusage / struct tms: same on x86-64


def sys_getrusage(k, who, usage):
    out = ctypes.create_string_buffer(RUSAGE_SIZE)
    host_syscall("getrusage", s32(who), out)
    k.memory.write(usage, out.raw)
    return 0


def sys_times(k, buf):
    out = ctypes.create_string_buffer(TMS_SIZE)
    ticks = host_syscall("times", out)
    if buf:
        k.memory.write(buf, out.raw)
    return ticks


def sys_umask(k, mask):
    return os.umask(u32(mask) & 0o777)


def sys_getpgid(k, pid):
    return os.getpgid(s32(pid))


def sys_getsid(k, pid):
    return os.getsid(s32(pid))


def _write_ids(k, ids, addrs) -> int:
    for addr in addrs:                  # check all before writing any
        if not k.memory.check(addr, 4, PROT_WRITE):
            fail(errno.EFAULT)
    for value, addr in zip(ids, addrs):
        k.memory.store(addr, 4, value)
    return 0


def sys_getresuid(k, ruid, euid, suid):
    return _write_ids(k, os.getresuid(), (ruid, euid, suid))


def sys_getresgid(k, rgid, egid, sgid):
    return _write_ids(k, os.getresgid(), (rgid, egid, sgid))


def sys_sched_setaffinity(k, pid, length, mask):
    length = u32(length)
    raw = k.memory.read(mask, min(length, 128))
    value = int.from_bytes(raw, "little")
    cpus = {i for i in range(len(raw) * 8) if value >> i & 1}
    if not cpus:
        fail(errno.EINVAL)
    os.sched_setaffinity(s32(pid), cpus)
    return 0


def sys_pidfd_open(k, pid, flags):
    if u32(flags) & ~0o4000:                          # PIDFD_NONBLOCK (O_NONBLOCK)
        fail(errno.EINVAL)
    return k.fds.install(os.pidfd_open(s32(pid), u32(flags)), cloexec=True)


def sys_enosys_quiet(k):
    """Implemented by newer kernels only; libcs probe it and fall back (qemu 7.2 lacks it)."""
    return -errno.ENOSYS


HANDLERS = {
    "exit": sys_exit, "exit_group": sys_exit_group,
    "getpid": sys_getpid, "gettid": sys_gettid, "getppid": sys_getppid,
    "getuid": sys_getuid, "geteuid": sys_geteuid, "getgid": sys_getgid, "getegid": sys_getegid,
    "getgroups": sys_getgroups, "prctl": sys_prctl,
    "set_tid_address": sys_set_tid_address, "set_robust_list": sys_set_robust_list,
    "uname": sys_uname, "sysinfo": sys_sysinfo, "prlimit64": sys_prlimit64,
    "getrlimit": sys_getrlimit, "setrlimit": sys_setrlimit,
    "sched_getaffinity": sys_sched_getaffinity, "sched_yield": sys_sched_yield,
    "getrandom": sys_getrandom,
    "getrusage": sys_getrusage, "times": sys_times, "umask": sys_umask,
    "getpgid": sys_getpgid, "getsid": sys_getsid, "getresuid": sys_getresuid,
    "getresgid": sys_getresgid,
    "riscv_hwprobe": sys_enosys_quiet, "rseq": sys_enosys_quiet, "clone3": sys_enosys_quiet,
    "membarrier": sys_enosys_quiet, "openat2": sys_enosys_quiet,
    "sched_setaffinity": sys_sched_setaffinity, "pidfd_open": sys_pidfd_open,
}

__all__ = ["HANDLERS", "RlimitTable"]
