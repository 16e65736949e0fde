"""Process syscalls: exit, ids, signals to itself, uname, limits, sysinfo, sched, futex,
getrandom, and what happens with syscalls dbt-vm does not implement."""

from __future__ import annotations

import errno
import os
import resource
import struct
import time

import pytest
from linux_harness import RO_PAGE, SCRATCH, UNMAPPED

from dbt.memory import PAGE_SIZE

from dbt.linux import FatalSignal, ProcessExit
from dbt.linux.structs import UTSNAME_FIELD

SIGUSR1, SIGABRT, SIGKILL, SIGCHLD, SIGSEGV = 10, 6, 9, 17, 11


# -- exit -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["exit_group", "exit"])
def test_exit(guest, name):
    with pytest.raises(ProcessExit) as exc:
        guest.call(name, 0x1234)
    assert exc.value.status == 0x34


def test_exit_negative_status(guest):
    with pytest.raises(ProcessExit) as exc:
        guest.call("exit_group", (1 << 64) - 1)
    assert exc.value.status == 255


# -- ids ------------------------------------------------------------------------------------------
def test_ids(guest):
    assert guest.call("getpid") == os.getpid()
    assert guest.call("gettid") == os.getpid()
    assert guest.call("getppid") == os.getppid()
    assert guest.call("getuid") == os.getuid()
    assert guest.call("geteuid") == os.geteuid()
    assert guest.call("getgid") == os.getgid()
    assert guest.call("getegid") == os.getegid()
    assert guest.call("set_tid_address", 0x100000) == os.getpid()
    assert guest.kernel.task.tid_address == 0x100000
    # qemu-user 7.2 has no robust futex lists: `qemu-riscv64 -strace` of any glibc program
    # shows set_robust_list(...) = -1 errno=38 (Function not implemented)
    assert guest.call("set_robust_list", 0x100000, 24) == -errno.ENOSYS


def test_getgroups(guest):
    ids = os.getgroups()                               # oracle: the host process's groups
    assert guest.call("getgroups", 0, 0) == len(ids)
    buf = guest.alloc(4 * (len(ids) + 1))
    assert guest.call("getgroups", len(ids) + 1, buf) == len(ids)
    assert list(struct.unpack(f"<{len(ids)}I", guest.read(buf, 4 * len(ids)))) == ids
    assert guest.call("getgroups", -1 & (1 << 64) - 1, buf) == -errno.EINVAL
    if len(ids) > 1:                                   # a list too small for them
        assert guest.call("getgroups", len(ids) - 1, buf) == -errno.EINVAL
    if ids:                                            # an unwritable one
        assert guest.call("getgroups", len(ids), UNMAPPED) == -errno.EFAULT


# -- signals --------------------------------------------------------------------------------------
def sigaction_riscv(guest, handler, flags=0, mask=0):
    return guest.alloc(struct.pack("<QQQ", handler, flags, mask))


def test_kill_self_with_sigabrt_is_fatal(guest):
    with pytest.raises(FatalSignal) as exc:
        guest.call("kill", guest.call("getpid"), SIGABRT)
    assert exc.value.signo == 6


def test_tkill_and_tgkill_self(guest):
    pid = os.getpid()
    with pytest.raises(FatalSignal):
        guest.call("tkill", pid, SIGUSR1)
    with pytest.raises(FatalSignal):
        guest.call("tgkill", pid, pid, SIGSEGV)
    assert guest.call("tgkill", pid, pid + 1, SIGUSR1) == -errno.ESRCH
    assert guest.call("tkill", pid + 1, SIGUSR1) == -errno.ESRCH
    assert guest.call("tgkill", 0, pid, SIGUSR1) == -errno.EINVAL
    assert guest.call("tkill", pid, 99) == -errno.EINVAL
    assert guest.call("kill", pid, 0) == 0                            # existence check
    assert guest.call("kill", pid, 65) == -errno.EINVAL


def test_ignored_and_default_ignored_signals(guest):
    pid = os.getpid()
    assert guest.call("rt_sigaction", SIGUSR1, sigaction_riscv(guest, 1), 0, 8) == 0
    assert guest.call("kill", pid, SIGUSR1) == 0
    assert guest.call("kill", pid, SIGCHLD) == 0                      # default: ignore
    assert guest.warnings() == []


def test_guest_handler_runs_with_a_frame_that_sigreturn_restores(guest):
    # RISC-V Linux's frame (frontends/riscv/signal.py): handler(a0 = signo, a1 = &info,
    # a2 = &uc), sp = the 16-aligned frame below the old sp, ra = the rt_sigreturn trampoline
    state = guest.state
    assert guest.call("rt_sigaction", SIGUSR1, sigaction_riscv(guest, 0x10000), 0, 8) == 0
    sp, pc = SCRATCH + 12 * PAGE_SIZE + 8, 0x4444
    state["x2"], state.pc, state["x9"], state["f3"], state["frm"] = sp, pc, 99, 0x1234, 3
    # kill's result (0) is saved in the frame; a0 holds the signal number for the handler
    assert guest.call("kill", os.getpid(), SIGUSR1) == SIGUSR1
    frame = (sp - 1088) & ~15
    assert (state.pc, state["x10"], state["x2"]) == (0x10000, SIGUSR1, frame)
    assert (state["x11"], state["x12"]) == (frame, frame + 128)
    signo, _, code, pid = struct.unpack("<iii4xi", guest.read(frame, 20))
    assert (signo, code, pid) == (SIGUSR1, 0, os.getpid())          # SI_USER from itself
    assert guest.read(state["x1"], 8) == struct.pack("<II", 0x08B00893, 0x73)
    blocked = struct.unpack("<Q", guest.read(frame + 128 + 40, 8))[0]
    assert blocked == 0                                             # the mask before
    assert guest.kernel.signals.blocked == 1 << (SIGUSR1 - 1)       # during the handler
    state["x9"], state["f3"], state["frm"] = 0, 0, 0                # the handler's changes
    assert guest.call("rt_sigreturn") == 0                          # kill's result again
    assert (state.pc, state["x2"], state["x9"], state["f3"], state["frm"]) == \
        (pc, sp, 99, 0x1234, 3)
    assert guest.kernel.signals.blocked == 0
    assert guest.warnings() == []


def test_blocked_signal_is_delivered_on_unblock(guest):
    mask = guest.alloc(struct.pack("<Q", 1 << (SIGABRT - 1)))
    assert guest.call("rt_sigprocmask", 0, mask, 0, 8) == 0          # SIG_BLOCK
    assert guest.call("tkill", os.getpid(), SIGABRT) == 0            # pending
    old = guest.alloc(8)
    with pytest.raises(FatalSignal) as exc:
        guest.call("rt_sigprocmask", 1, mask, old, 8)               # SIG_UNBLOCK
    assert exc.value.signo == SIGABRT
    assert struct.unpack("<Q", guest.read(old, 8))[0] == 1 << (SIGABRT - 1)


def test_sigkill_cannot_be_blocked_or_caught(guest):
    assert guest.call("rt_sigaction", SIGKILL, sigaction_riscv(guest, 1), 0, 8) == -errno.EINVAL
    mask = guest.alloc(struct.pack("<Q", (1 << 64) - 1))
    assert guest.call("rt_sigprocmask", 2, mask, 0, 8) == 0
    old = guest.alloc(8)
    assert guest.call("rt_sigprocmask", 0, 0, old, 8) == 0
    blocked = struct.unpack("<Q", guest.read(old, 8))[0]
    assert not blocked & (1 << (SIGKILL - 1)) and blocked & (1 << (SIGUSR1 - 1))
    with pytest.raises(FatalSignal):
        guest.call("kill", os.getpid(), SIGKILL)


def test_rt_sigaction_records_riscv_layout(guest):
    act = sigaction_riscv(guest, 0x12340, flags=0x10000000, mask=0b1010)
    assert guest.call("rt_sigaction", SIGUSR1, act, 0, 8) == 0
    old = guest.alloc(24)
    assert guest.call("rt_sigaction", SIGUSR1, 0, old, 8) == 0
    assert struct.unpack("<QQQ", guest.read(old, 24)) == (0x12340, 0x10000000, 0b1010)
    assert guest.call("rt_sigaction", SIGUSR1, act, 0, 4) == -errno.EINVAL
    assert guest.call("rt_sigaction", 65, 0, old, 8) == -errno.EINVAL
    assert guest.call("rt_sigaction", 0, 0, old, 8) == -errno.EINVAL
    assert guest.call("rt_sigaction", SIGUSR1, UNMAPPED, 0, 8) == -errno.EFAULT


def test_rt_sigaction_records_aarch64_layout(arm_guest):
    g = arm_guest
    act = g.alloc(struct.pack("<QQQQ", 0x4000, 0x04000000, 0x5000, 0b11))
    assert g.call("rt_sigaction", SIGUSR1, act, 0, 8) == 0
    old = g.alloc(32)
    assert g.call("rt_sigaction", SIGUSR1, 0, old, 8) == 0
    assert struct.unpack("<QQQQ", g.read(old, 32)) == (0x4000, 0x04000000, 0x5000, 0b11)


def test_rt_sigprocmask(guest):
    set1 = guest.alloc(struct.pack("<Q", 0b1100))
    old = guest.alloc(8)
    assert guest.call("rt_sigprocmask", 0, set1, old, 8) == 0
    assert guest.read(old, 8) == bytes(8)
    assert guest.call("rt_sigprocmask", 1, guest.alloc(struct.pack("<Q", 0b100)), old, 8) == 0
    assert struct.unpack("<Q", guest.read(old, 8))[0] == 0b1100
    assert guest.call("rt_sigprocmask", 2, 0, old, 8) == 0
    assert struct.unpack("<Q", guest.read(old, 8))[0] == 0b1000
    assert guest.call("rt_sigprocmask", 7, set1, 0, 8) == -errno.EINVAL
    assert guest.call("rt_sigprocmask", 0, set1, 0, 16) == -errno.EINVAL
    assert guest.call("rt_sigprocmask", 0, UNMAPPED, 0, 8) == -errno.EFAULT


# -- system information ----------------------------------------------------------------------
def test_uname(guest):
    buf = guest.alloc(6 * UTSNAME_FIELD)
    assert guest.call("uname", buf) == 0
    raw = guest.read(buf, 6 * UTSNAME_FIELD)
    fields = [raw[i * 65:(i + 1) * 65].split(b"\0")[0].decode() for i in range(6)]
    host = os.uname()
    assert fields[:4] == [host.sysname, host.nodename, host.release, host.version]
    assert fields[4] == "riscv64"
    assert guest.call("uname", UNMAPPED) == -errno.EFAULT
    assert guest.call("uname", RO_PAGE) == -errno.EFAULT
    guest.kernel.uname_release = "4.19.0-qemu"              # -r, as qemu-user's
    assert guest.call("uname", buf) == 0
    assert guest.read(buf + 2 * 65, 12) == b"4.19.0-qemu\0"


def test_uname_machine_comes_from_the_abi(arm_guest):
    buf = arm_guest.alloc(6 * UTSNAME_FIELD)
    assert arm_guest.call("uname", buf) == 0
    assert arm_guest.read(buf + 4 * 65, 8) == b"aarch64\0"


def test_prlimit64(guest):
    old = guest.alloc(16)
    assert guest.call("prlimit64", 0, resource.RLIMIT_STACK, 0, old) == 0
    cur, top = struct.unpack("<QQ", guest.read(old, 16))
    assert cur == 8 << 20 and top >= cur
    assert guest.call("prlimit64", 0, resource.RLIMIT_NOFILE, 0, old) == 0
    host = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert struct.unpack("<QQ", guest.read(old, 16)) == host
    assert guest.call("prlimit64", 0, 99, 0, old) == -errno.EINVAL
    assert guest.call("prlimit64", 0, resource.RLIMIT_NOFILE, 0, UNMAPPED) == -errno.EFAULT
    new = guest.alloc(struct.pack("<QQ", 5, host[1]))
    assert guest.call("prlimit64", 0, resource.RLIMIT_NOFILE, new, old) == 0
    assert struct.unpack("<QQ", guest.read(old, 16)) == host           # the old value
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == host           # host untouched
    fds = [guest.call("dup", 1) for _ in range(3)]
    assert fds == [3, 4, -errno.EMFILE]
    bad = guest.alloc(struct.pack("<QQ", 10, 5))
    assert guest.call("prlimit64", 0, resource.RLIMIT_NOFILE, bad, 0) == -errno.EINVAL


def test_sysinfo(guest):
    buf = guest.alloc(112)
    assert guest.call("sysinfo", buf) == 0
    raw = guest.read(buf, 112)
    uptime, = struct.unpack_from("<q", raw, 0)
    totalram, freeram = struct.unpack_from("<QQ", raw, 32)
    mem_unit, = struct.unpack_from("<I", raw, 104)
    assert uptime > 0 and mem_unit >= 1
    assert totalram * mem_unit == os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert guest.call("sysinfo", UNMAPPED) == -errno.EFAULT


def test_sched(guest):
    buf = guest.alloc(128)
    n = guest.call("sched_getaffinity", 0, 128, buf)
    assert n > 0 and n % 8 == 0
    mask = int.from_bytes(guest.read(buf, n), "little")
    assert {i for i in range(n * 8) if mask >> i & 1} == os.sched_getaffinity(0)
    assert guest.call("sched_getaffinity", 0, 7, buf) == -errno.EINVAL
    assert guest.call("sched_getaffinity", 0, 128, UNMAPPED) == -errno.EFAULT
    assert guest.call("sched_yield") == 0


# -- futex ----------------------------------------------------------------------------------------
def test_futex_single_thread(guest):
    word = guest.alloc(struct.pack("<I", 7))
    assert guest.call("futex", word, 128, 6, 0, 0, 0) == -errno.EAGAIN     # WAIT, mismatch
    assert guest.call("futex", word, 1 | 128, 1, 0, 0, 0) == 0              # WAKE
    timeout = guest.alloc(struct.pack("<qq", 0, 20_000_000))
    start = time.monotonic()
    assert guest.call("futex", word, 0, 7, timeout, 0, 0) == -errno.ETIMEDOUT
    assert time.monotonic() - start >= 0.015
    assert guest.call("futex", word + 1, 0, 7, 0, 0, 0) == -errno.EINVAL   # unaligned
    assert guest.call("futex", UNMAPPED, 0, 7, 0, 0, 0) == -errno.EFAULT
    bad = guest.alloc(struct.pack("<qq", 0, 2_000_000_000))
    assert guest.call("futex", word, 0, 7, bad, 0, 0) == -errno.EINVAL
    assert guest.warnings() == []
    assert guest.call("futex", word, 0, 7, 0, 0, 0) == -errno.EINVAL       # would block forever
    assert len(guest.warnings()) == 1


def test_futex_wake_op_and_requeue(guest):
    word, other = guest.alloc(struct.pack("<I", 3)), guest.alloc(struct.pack("<I", 10))
    op = (1 << 28) | (0 << 24) | (5 << 12)                                # ADD 5
    assert guest.call("futex", word, 5, 1, 1, other, op) == 0
    assert struct.unpack("<I", guest.read(other, 4))[0] == 15
    assert guest.call("futex", word, 4, 1, 1, other, 3) == 0              # CMP_REQUEUE ok
    assert guest.call("futex", word, 4, 1, 1, other, 4) == -errno.EAGAIN


# -- getrandom -----------------------------------------------------------------------------------
def test_getrandom(guest):
    buf = guest.alloc(64)
    assert guest.call("getrandom", buf, 64, 0) == 64
    first = guest.read(buf, 64)
    assert guest.call("getrandom", buf, 64, 1) == 64
    assert guest.read(buf, 64) != first and first != bytes(64)
    assert guest.call("getrandom", buf, 8, 8) == -errno.EINVAL
    assert guest.call("getrandom", buf, 8, 6) == -errno.EINVAL
    assert guest.call("getrandom", UNMAPPED, 8, 0) == -errno.EFAULT
    assert guest.call("getrandom", RO_PAGE, 8, 0) == -errno.EFAULT
    assert guest.call("getrandom", buf, 0, 0) == 0


# -- unsupported syscalls ------------------------------------------------------------------------
def test_unknown_syscall_is_enosys_with_one_warning(guest):
    assert guest.call(999, 1, 2, 3) == -errno.ENOSYS
    assert guest.warnings() == ["dbt-vm: warning: unsupported syscall 999"]
    assert guest.call(186, 3, 1) == -errno.ENOSYS                         # msgget
    assert guest.warnings()[1] == "dbt-vm: warning: unsupported syscall 186 (msgget)"


def test_quiet_enosys(guest):
    assert guest.call("riscv_hwprobe", 0, 0, 0, 0, 0) == -errno.ENOSYS
    assert guest.call("rseq", 0, 0, 0, 0) == -errno.ENOSYS
    assert guest.warnings() == []


# -- smaller process queries -------------------------------------------------------------------
def test_getrusage_times_umask(guest):
    usage = guest.alloc(144)
    assert guest.call("getrusage", 0, usage) == 0
    utime_sec, utime_usec = struct.unpack_from("<qq", guest.read(usage, 144), 0)
    maxrss, = struct.unpack_from("<q", guest.read(usage, 144), 32)
    assert utime_sec * 1_000_000 + utime_usec > 0 and maxrss > 0
    assert guest.call("getrusage", 0, UNMAPPED) == -errno.EFAULT
    tms = guest.alloc(32)
    assert guest.call("times", tms) > 0
    assert struct.unpack("<qqqq", guest.read(tms, 32))[0] >= 0
    old = os.umask(0o022)
    try:
        assert guest.call("umask", 0o077) == 0o022
        assert guest.call("umask", 0o022) == 0o077
    finally:
        os.umask(old)


def test_ids_extra(guest):
    assert guest.call("getpgid", 0) == os.getpgid(0)
    assert guest.call("getsid", 0) == os.getsid(0)
    ids = guest.alloc(12)
    assert guest.call("getresuid", ids, ids + 4, ids + 8) == 0
    assert struct.unpack("<III", guest.read(ids, 12)) == os.getresuid()
    assert guest.call("getresgid", ids, ids + 4, UNMAPPED) == -errno.EFAULT


def test_sigaltstack_recorded(guest):
    old = guest.alloc(24)
    assert guest.call("sigaltstack", 0, old) == 0
    assert struct.unpack("<Qi4xQ", guest.read(old, 24)) == (0, 2, 0)       # SS_DISABLE
    ss = guest.alloc(struct.pack("<Qi4xQ", 0x100000, 0, 8192))
    assert guest.call("sigaltstack", ss, 0) == 0
    assert guest.call("sigaltstack", 0, old) == 0
    assert struct.unpack("<Qi4xQ", guest.read(old, 24)) == (0x100000, 0, 8192)
    small = guest.alloc(struct.pack("<Qi4xQ", 0x100000, 0, 100))
    assert guest.call("sigaltstack", small, 0) == -errno.ENOMEM
    assert guest.call("sigaltstack", guest.alloc(struct.pack("<Qi4xQ", 0, 8, 0)), 0) == \
        -errno.EINVAL


def test_prctl(guest):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    PR_CAPBSET_READ, PR_GET_DUMPABLE, PR_SET_NAME, PR_GET_NAME = 23, 3, 16 - 1, 16
    # oracle: the host's prctl for the same options
    for cap in (0, 21, 40, 63, 1000):
        want = libc.prctl(PR_CAPBSET_READ, cap, 0, 0, 0)
        want = want if want >= 0 else -ctypes.get_errno()
        assert guest.call("prctl", PR_CAPBSET_READ, cap) == want
    assert guest.call("prctl", PR_GET_DUMPABLE) == libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)
    name = guest.alloc(16)
    assert guest.call("prctl", PR_GET_NAME, name) == 0
    before = guest.read(name, 16)
    try:
        assert guest.call("prctl", PR_SET_NAME, guest.cstr("a-guest-name-that-is-long")) == 0
        assert guest.call("prctl", PR_GET_NAME, name) == 0
        assert guest.read(name, 16) == b"a-guest-name-th\0"      # TASK_COMM_LEN - 1 bytes
    finally:
        guest.call("prctl", PR_SET_NAME, guest.cstr(before.split(b"\0")[0]))
    assert guest.call("prctl", PR_GET_NAME, UNMAPPED) == -errno.EFAULT
    assert guest.call("prctl", PR_SET_NAME, UNMAPPED) == -errno.EFAULT
    assert guest.call("prctl", 0x7fff) == -errno.EINVAL              # an unknown option
