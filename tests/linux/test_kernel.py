"""The dispatcher: ABI register use, syscall numbers, statistics, robustness."""

from __future__ import annotations

import errno
import os
import random

import pytest

from dbt.frontends.aarch64.layout import LAYOUT as AARCH64_LAYOUT
from dbt.frontends.riscv.layout import LAYOUT as RISCV64_LAYOUT
from dbt.linux import AARCH64, RISCV64, FatalSignal, ProcessExit, syscall_names, syscall_table
from dbt.linux.files import FdEntry
from dbt.linux.kernel import build_dispatch
from dbt.state import GuestState


def test_generic_numbers():
    table = syscall_table("riscv64")
    assert [table[n] for n in ("read", "write", "openat", "exit_group")] == [63, 64, 56, 94]
    assert [table[n] for n in ("mmap", "brk", "statx", "riscv_hwprobe")] == [222, 214, 291, 258]
    assert "renameat" not in table and syscall_table("aarch64")["renameat"] == 38
    assert syscall_names("aarch64")[93] == "exit"
    assert len(set(table.values())) == len(table)


def test_every_required_syscall_has_a_handler():
    required = """read write readv writev pread64 pwrite64 openat close lseek fstat newfstatat
        statx getdents64 mkdirat unlinkat renameat2 faccessat ftruncate fsync getcwd chdir dup
        dup3 fcntl ioctl pipe2 readlinkat brk mmap munmap mprotect mremap madvise exit
        exit_group set_tid_address set_robust_list rt_sigaction rt_sigprocmask kill tgkill
        tkill getpid gettid getppid getuid geteuid getgid getegid uname clock_gettime
        gettimeofday nanosleep clock_nanosleep getrandom prlimit64 sysinfo sched_getaffinity
        sched_yield futex riscv_hwprobe""".split()
    names = {entry.name for entry in build_dispatch("riscv64").values()}
    assert set(required) - names == set()


def test_aarch64_registers(arm_guest):
    state = GuestState(AARCH64_LAYOUT)
    state["x8"] = 172                                          # getpid
    state["x0"] = 0xDEAD
    arm_guest.kernel.syscall(state)
    assert state["x0"] == arm_guest.kernel.pid


def test_riscv_registers_and_negative_results(guest):
    state = GuestState(RISCV64_LAYOUT)
    state["x17"] = 57                                          # close
    state["x10"] = 1234
    guest.kernel.syscall(state)
    assert state["x10"] == (1 << 64) - errno.EBADF
    assert state["x11"] == 0


def test_stats(guest):
    guest.call("getpid")
    guest.call("getpid")
    guest.call("close", 77)
    guest.call(999)
    stats = guest.kernel.stats
    assert stats.counts["getpid"] == 2 and stats.counts["close"] == 1
    assert stats.calls == 4
    assert stats.seconds > 0


def test_random_arguments_never_raise(guest):
    """Whatever the guest passes, a syscall returns a value or ends the process."""
    rng = random.Random(1234)
    skip = {"exit", "exit_group", "nanosleep", "clock_nanosleep", "futex", "kill", "tkill",
            "tgkill", "close", "dup3", "chdir", "mkdirat", "unlinkat", "renameat2", "openat",
            "ftruncate", "write", "writev", "pwrite64", "fcntl", "prlimit64", "rt_sigprocmask",
            "rt_sigaction", "setrlimit",
            # they would fork, replace or re-parent the test process itself, arm timers whose
            # signal kills it, pin it to a CPU, wait for a signal or block signals in it
            "clone", "execve", "wait4", "waitid", "setsid", "setpgid", "setitimer",
            "timer_create", "timer_settime", "timer_delete", "sched_setaffinity",
            "rt_sigsuspend", "rt_sigtimedwait", "signalfd4"}
    values = [0, 1, 2, 3, 0x100000, 0x120000, 0x130000, (1 << 64) - 1, 1 << 63, 0xFFFFFFFF,
              (1 << 64) - 100, 4096, 0x7FFFFFFF]
    entries = [e for e in build_dispatch("riscv64").values() if e.name not in skip]
    fds = guest.kernel.fds
    for fd in (0, 1, 2, 3):                    # keep the host's stdio out of reach
        fds.entries[fd] = FdEntry(os.open(os.devnull, os.O_RDWR))
    # umask and fchdir act on this very process (as they would on qemu-user's): put them back,
    # or files the rest of the run creates (test binaries) lose their execute bits.
    umask, cwd = os.umask(0o022), os.getcwd()
    try:
        for _ in range(3000):
            entry = rng.choice(entries)
            args = [rng.choice(values) for _ in range(6)]
            try:
                ret = guest.call(entry.name, *args)
            except (ProcessExit, FatalSignal):
                continue
            assert isinstance(ret, int)
    finally:
        os.umask(umask)
        os.chdir(cwd)


def _header_defines(*paths):
    import re
    found = {}
    for path in paths:
        with open(path) as f:
            for m in re.finditer(r"#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)\b", f.read()):
                text = m.group(2)
                found[m.group(1)] = int(text, 16 if text.startswith("0x") else
                                        8 if text.startswith("0") else 10)
    return found


@pytest.mark.skipif(not os.path.exists("/usr/include/asm-generic/errno.h"),
                    reason="needs the kernel's uapi headers (linux-libc-dev)")
def test_host_errno_values_are_the_asm_generic_ones():
    """Host OSError.errno is returned unchanged: x86-64 must use the asm-generic numbers."""
    generic = _header_defines("/usr/include/asm-generic/errno-base.h",
                              "/usr/include/asm-generic/errno.h")
    checked = [name for name in generic if hasattr(errno, name)]
    assert len(checked) > 100
    assert [n for n in checked if getattr(errno, n) != generic[n]] == []


@pytest.mark.skipif(not os.path.exists("/usr/include/asm-generic/fcntl.h"),
                    reason="needs the kernel's uapi headers (linux-libc-dev)")
def test_open_flags_are_the_asm_generic_ones():
    from dbt.linux.abi import open_flags_to_host
    generic = _header_defines("/usr/include/asm-generic/fcntl.h")
    for name in ("O_CREAT", "O_EXCL", "O_TRUNC", "O_APPEND", "O_NONBLOCK", "O_DIRECTORY",
                 "O_NOFOLLOW", "O_CLOEXEC", "O_DIRECT", "O_LARGEFILE"):
        assert open_flags_to_host(RISCV64, generic[name]) == generic[name]
    arm = {"O_DIRECTORY": 0o40000, "O_NOFOLLOW": 0o100000, "O_DIRECT": 0o200000,
           "O_LARGEFILE": 0o400000}
    for name, value in arm.items():
        assert open_flags_to_host(AARCH64, value) == generic[name]
