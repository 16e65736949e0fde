"""Signals: dispositions, the blocked mask, pending signals, and their delivery to guest
handlers through a signal frame, as Linux delivers them (kernel/signal.c).

Where a signal comes from:
- the guest itself: kill/tkill/tgkill of its own pid, a write to a closed pipe (SIGPIPE), an
  alarm (setitimer): pending until the syscall returns, then delivered;
- its faults and traps (SIGSEGV, SIGBUS, SIGILL, SIGTRAP): delivered at once (runtime.py); a
  blocked or ignored one kills the process, as Linux forces it;
- the host (SIGINT, SIGTERM, SIGCHLD, SIGALRM, ... sent to dbt-vm's process): for a signal
  the guest handles, dbt-vm's host handler notes it pending; a blocking syscall returns EINTR
  (the host calls are made without restarting) and is restarted after the guest's handler when
  it has SA_RESTART, as Linux restarts it. Dispositions SIG_IGN and SIG_DFL are the host's
  too, so the host applies them as the guest's kernel would.
Pending signals are delivered when a syscall returns and whenever the engine returns to the
runtime; a guest that loops without either sees a host signal later (the engines do not poll).

Frames are the frontend's (`Arch.signal_frames`: frontends/*/signal.py): this module chooses
the stack (sigaltstack, SA_ONSTACK), builds siginfo and the head of the ucontext, and applies
sa_mask, SA_NODEFER and SA_RESETHAND. Signal numbers, sigset_t (one 64-bit word), stack_t and
siginfo_t are the same on x86-64 and the 64-bit asm-generic ISAs.
"""

from __future__ import annotations

import ctypes
import errno
import importlib
import os
import signal
import struct
import time

from ..loader import map_trampoline
from ..memory import PROT_WRITE, GuestFault
from .abi import FatalSignal, fail, host_syscall, s32, u32
from .structs import (NSEC, SIGSET_SIZE, TIMEVAL, pack_sigaction, sigaction_size,
                      unpack_sigaction)
from .time import host_gettime, host_settime, read_timespec

NSIG = 64
SIG_DFL, SIG_IGN = 0, 1
SIGHUP, SIGINT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE = 1, 2, 4, 5, 6, 7, 8
SIGKILL, SIGSEGV, SIGPIPE, SIGALRM, SIGCHLD, SIGSTOP = 9, 11, 13, 14, 17, 19
UNBLOCKABLE = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))
DEFAULT_IGNORE = frozenset([17, 18, 23, 28])          # SIGCHLD SIGCONT SIGURG SIGWINCH
DEFAULT_STOP = frozenset([19, 20, 21, 22])            # SIGSTOP SIGTSTP SIGTTIN SIGTTOU
SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2
SA_SIGINFO, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND = 4, 0x08000000, 0x10000000, \
    0x40000000, 0x80000000
SA_RESTORER = 0x04000000
SI_USER, SI_KERNEL, SI_TKILL = 0, 0x80, -6
SEGV_MAPERR, SEGV_ACCERR, BUS_ADRALN, ILL_ILLOPC, TRAP_BRKPT = 1, 2, 1, 1, 1
SS_ONSTACK, SS_DISABLE, SS_AUTODISARM = 1, 2, 1 << 31
MINSIGSTKSZ = {"riscv64": 2048, "aarch64": 5120}
STACK_T = struct.Struct("<Qi4xQ")                     # ss_sp, ss_flags, ss_size
SIGINFO_SIZE = 128
# The head of struct rt_sigframe, the same on riscv64 and arm64: siginfo_t, then a ucontext
# whose flags, link, stack_t and sigmask precede the machine context (16-aligned, at
# MCONTEXT), which is the frontend's (Arch.signal_frames)
FRAME_UC = SIGINFO_SIZE
UC_STACK, UC_SIGMASK = FRAME_UC + 16, FRAME_UC + 40
MCONTEXT = FRAME_UC + 176
# Signals dbt-vm keeps for itself on the host (native code's faults; SIGPIPE is emulated on
# EPIPE): a guest's disposition of them is recorded, not given to the host.
HOST_KEPT = frozenset([SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV, SIGPIPE, SIGKILL, SIGSTOP])
# The syscalls Linux restarts after a handler with SA_RESTART (those that return ERESTARTSYS
# when a signal interrupts them); others return EINTR (poll, select, sleeps, sigsuspend).
RESTARTABLE = frozenset(["read", "write", "readv", "writev", "pread64", "pwrite64", "wait4",
                         "waitid", "accept", "accept4", "connect", "recvfrom", "sendto",
                         "recvmsg", "sendmsg", "openat", "futex", "flock", "ioctl", "fcntl"])
ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF = 0, 1, 2
SUSPEND_POLL = 0.005                                  # seconds: sigsuspend's wait step


def signal_name(signo: int) -> str:
    try:
        return signal.Signals(signo).name
    except ValueError:
        return f"signal {signo}"


def siginfo(signo: int, code: int, pid: int = 0, uid: int = 0, addr: int | None = None) -> bytes:
    """A siginfo_t: a sender's (pid, uid) or a fault's address."""
    head = struct.pack("<iii4x", signo, 0, code)
    body = struct.pack("<Q", addr) if addr is not None else struct.pack("<iI", pid, uid)
    return (head + body).ljust(SIGINFO_SIZE, b"\0")


def _bit(signo: int) -> int:
    return 1 << (signo - 1)


class SignalState:
    """The process's dispositions and pending signals, and the calling thread's blocked mask
    (its task's: threads.py). A pending signal goes to the first thread that does not block
    it and comes to a safe point. A signal whose default action kills the process is
    recorded in `fatal` (signo, si_code) until the syscall returns, when the kernel raises
    FatalSignal."""

    def __init__(self, ignored: int = 0, blocked: int = 0):
        """`ignored`, `blocked`: masks (bit signo - 1) of the signals ignored and blocked when
        the process started (inherited from whoever started dbt-vm, as qemu-user and execve
        keep them)."""
        self.actions: dict[int, tuple[int, int, int, int]] = {   # handler flags restorer mask
            signo: (SIG_IGN, 0, 0, 0) for signo in range(1, 65)
            if ignored >> (signo - 1) & 1 and signo not in (SIGKILL, SIGSTOP)}
        self.initial_blocked = blocked & ~UNBLOCKABLE & ((1 << 64) - 1)
        self.threads = None              # threads.Threads: the mask is the calling thread's
        self.signalfd = 0                # signals some signalfd reads (the host blocks them)
        self.pending: dict[int, bytes] = {}                        # signo -> siginfo
        self.fatal: tuple[int, int] | None = None
        self.trampoline = 0              # guest address of the rt_sigreturn code

    @property
    def blocked(self) -> int:
        """The calling thread's blocked mask."""
        return self.threads.current.blocked

    @blocked.setter
    def blocked(self, value: int) -> None:
        self.threads.current.blocked = value

    def action(self, signo: int) -> tuple[int, int, int, int]:
        return self.actions.get(signo, (SIG_DFL, 0, 0, 0))

    def handled(self, signo: int) -> bool:
        return self.action(signo)[0] not in (SIG_DFL, SIG_IGN)

    def send_self(self, k, signo: int, code: int = SI_USER, info: bytes | None = None,
                  task=None) -> None:
        """A signal sent to this process (or to one of its threads, `task`): ignored,
        pending (blocked, or for a handler: it runs when the syscall returns, or in the
        thread it was sent to at its next safe point), or its default action."""
        if signo == 0:
            return
        info = info or siginfo(signo, code, k.pid, os.getuid())
        blocked = self.blocked if task is None else task.blocked
        if self.signalfd & blocked & _bit(signo) and task is None:
            os.kill(os.getpid(), signo)         # (a signalfd reads it: the host's queue)
            return
        if signo != SIGKILL and (blocked & _bit(signo) or self.handled(signo)):
            (self.pending if task is None else task.pending).setdefault(signo, info)
            if task is not None and task is not self.threads.current \
                    and task.state is not None:
                task.state["interrupt"] = 1     # (it stops at its next backward branch)
            return
        self.default_action(k, signo, code)

    def any_pending(self) -> bool:
        """Whether a signal is pending for the process or the calling thread."""
        return bool(self.pending) or bool(self.threads.current.pending)

    def pending_set(self, task=None) -> set:
        """The signals pending for the process or a thread (the calling one's by default)."""
        return set(self.pending) | set((task or self.threads.current).pending)

    def take(self, signo: int) -> bytes:
        """Take a pending signal's siginfo: the calling thread's own first."""
        own = self.threads.current.pending
        if signo in own:
            return own.pop(signo)
        return self.pending.pop(signo)

    def default_action(self, k, signo: int, code: int) -> None:
        handler = SIG_DFL if signo == SIGKILL else self.action(signo)[0]
        if handler == SIG_IGN or signo in DEFAULT_IGNORE:
            return
        if signo in DEFAULT_STOP:
            k.warn(f"{signal_name(signo)} would stop the process: ignored")
            return
        if self.fatal is None:
            self.fatal = (signo, code)

    def deliverable(self, task=None) -> int:
        """The lowest signal pending for the process or a thread (the calling one's by
        default) that the thread does not block, or 0."""
        task = task or self.threads.current
        blocked = task.blocked
        for signo in sorted(self.pending_set(task)):
            if not blocked & _bit(signo):
                return signo
        return 0

    def exec_masks(self) -> tuple[int, int]:
        """(ignored, blocked) masks that an execve keeps: handled signals go back to their
        default action, ignored ones stay ignored, the blocked mask stays."""
        ignored = 0
        for signo, (handler, *_rest) in self.actions.items():
            if handler == SIG_IGN:
                ignored |= _bit(signo)
        return ignored, self.blocked


# -- delivery ------------------------------------------------------------------------------------
def frames(k):
    """The frontend's signal-frame module (Arch.signal_frames)."""
    if k.frames is None:
        if not k.signal_frames:
            raise NotImplementedError(f"no signal frames for {k.abi.machine}")
        k.frames = importlib.import_module(k.signal_frames)
    return k.frames


def deliver_pending(k, state, restart: tuple | None = None) -> None:
    """Deliver the pending unblocked signals (each handler's frame on top of the last, as
    Linux does before returning to user mode). `restart`: (syscall instruction pc, first
    argument) of a syscall that a signal interrupted and that restarts unless a handler
    without SA_RESTART runs."""
    ran = False
    while True:
        signo = k.signals.deliverable()
        if not signo:
            break
        info = k.signals.take(signo) or _child_info(k)
        handler, flags, _, _ = k.signals.action(signo)
        if handler in (SIG_DFL, SIG_IGN):
            k.signals.default_action(k, signo, struct.unpack_from("<i", info, 8)[0])
            if k.signals.fatal is not None:
                k.die()
            continue
        if restart is not None and not ran and flags & SA_RESTART:
            _restart(k, state, restart)
            restart = None
        elif restart is not None and not ran:
            restart = None                          # the guest sees EINTR
        setup_frame(k, state, signo, info)
        ran = True
    if restart is not None and not ran:             # no handler ran: restarted
        _restart(k, state, restart)
    if k.saved_mask is not None and not ran:        # (sigsuspend without a handler run)
        k.signals.blocked, k.saved_mask = k.saved_mask, None


def _restart(k, state, restart: tuple) -> None:
    pc, arg0 = restart
    state.pc = pc
    state[k.abi.ret] = arg0


def deliver_fault(k, state, signo: int, code: int, addr: int) -> bool:
    """A synchronous signal of the instruction at state.pc: its handler's frame, else False
    (the caller ends the process). Blocked or ignored, it kills (Linux's force_sig_fault).
    --strace shows it either way, as qemu does."""
    if k.strace:
        from .strace import fault_signal_text      # (imported by traced runs only)
        k.trace(fault_signal_text(signo, code, addr))
    handler, _, _, _ = k.signals.action(signo)
    if handler in (SIG_DFL, SIG_IGN) or k.signals.blocked & _bit(signo):
        return False
    setup_frame(k, state, signo, siginfo(signo, code, addr=addr), fault_addr=addr)
    return True


def _on_altstack(k, sp: int) -> bool:
    ss_sp, _, ss_size = k.altstack
    return ss_size != 0 and ss_sp < sp <= ss_sp + ss_size


def setup_frame(k, state, signo: int, info: bytes, fault_addr: int = 0) -> None:
    """Enter the guest handler of `signo` with a frame on its stack."""
    sigs = k.signals
    handler, flags, restorer, mask = sigs.action(signo)
    fr = frames(k)
    sp = state[k.stack_pointer]
    ss_sp, ss_flags, ss_size = k.altstack
    on_stack = _on_altstack(k, sp)
    saved_stack = STACK_T.pack(ss_sp, (SS_ONSTACK if on_stack else 0)
                               | (SS_DISABLE if ss_size == 0 else ss_flags), ss_size)
    if flags & SA_ONSTACK and ss_size and not on_stack:
        sp = ss_sp + ss_size
        if ss_flags & SS_AUTODISARM:
            k.altstack = (0, SS_DISABLE, 0)
    frame = (sp - fr.FRAME_SIZE) & ~15
    saved_mask = sigs.blocked if k.saved_mask is None else k.saved_mask
    k.saved_mask = None
    uc_head = struct.pack("<QQ", 0, 0) + saved_stack + struct.pack("<Q", saved_mask)
    if flags & SA_RESTORER and restorer and k.abi.sigaction_restorer:
        return_addr = restorer
    else:
        return_addr = trampoline(k)
    if k.strace and fault_addr == 0:
        k.trace(_signal_line(k, signo, info))
    try:
        k.memory.write(frame, (info + uc_head).ljust(MCONTEXT, b"\0"))
        fr.write_context(state, k.memory, frame, return_addr, fault_addr)
    except GuestFault:                       # no room for the frame: SIGSEGV, as Linux
        k.signals.actions[SIGSEGV] = (SIG_DFL, 0, 0, 0)
        raise FatalSignal(SIGSEGV) from None
    args = k.abi.args                        # handler(signo, &info, &uc), on the frame
    state.pc = handler
    state[args[0]], state[args[1]], state[args[2]] = signo, frame, frame + FRAME_UC
    state[k.stack_pointer] = frame
    sigs.blocked |= mask
    if not flags & SA_NODEFER:
        sigs.blocked |= _bit(signo)
    sigs.blocked &= ~UNBLOCKABLE
    if flags & SA_RESETHAND:
        sigs.actions[signo] = (SIG_DFL, 0, 0, 0)
        _host_disposition(k, signo)


def _signal_line(k, signo: int, info: bytes) -> str:
    """qemu's strace line of a delivered signal (print_siginfo)."""
    _, _, code, pid, uid, status, utime, stime = struct.unpack_from("<iii4xiIi4xqq", info)
    codes = {SI_USER: "SI_USER", SI_KERNEL: "SI_KERNEL", SI_TKILL: "SI_TKILL"}
    name = signal_name(signo)
    text = f"--- {name} {{si_signo={name}, si_code={codes.get(code, code)}, si_pid={pid}, " \
           f"si_uid={uid}"
    if signo == SIGCHLD and code > 0:
        text += f", si_status={status}, si_utime={utime}, si_stime={stime}"
    return text + "} ---\n"


def trampoline(k) -> int:
    """The guest address of the rt_sigreturn code: the loader's trampoline page, else one
    page mapped on first use, R+X."""
    if not k.signals.trampoline:
        k.signals.trampoline = map_trampoline(k.memory, frames(k).SIGRETURN_CODE)
    return k.signals.trampoline


# -- host signals ----------------------------------------------------------------------------------
def _host_disposition(k, signo: int) -> None:
    """Give the host the guest's disposition of `signo`: a handler becomes dbt-vm's (which
    notes the signal pending), SIG_IGN and SIG_DFL the host's own."""
    if signo in HOST_KEPT or k.host_signals is None:
        return
    handler = k.signals.action(signo)[0]
    if handler == SIG_IGN:
        new = signal.SIG_IGN
    elif handler == SIG_DFL:
        new = signal.SIG_DFL
    else:
        new = k.host_signals
    try:
        signal.signal(signo, new)
        if new is k.host_signals:
            signal.siginterrupt(signo, True)
            if k.watcher is None:
                k.watcher = InterruptWatcher(k)
    except (OSError, ValueError, RuntimeError):
        pass                          # (not the main thread, or the host refuses it)


class InterruptWatcher:
    """Sets the guest state's `interrupt` slot when a host signal for a guest handler
    arrives, so that translated code leaves at its next backward branch (lower.py's _poll)
    and the runtime delivers the signal, even in a loop that makes no syscall. Python runs
    signal handlers in the main thread only, between bytecodes, which never happens while
    native code runs; its C-level handler writes the signal's number to the wakeup fd, which
    this thread reads (the main thread has released the GIL while native code runs)."""

    def __init__(self, k):
        import threading
        self.k = k
        read_end, write_end = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(write_end, False)
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        self.read_end, self.write_end = read_end, write_end
        threading.Thread(target=self._watch, daemon=True, name="dbt-vm signals").start()
        k.on_fork.append(self._after_fork)

    def _watch(self) -> None:
        k = self.k
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())   # (the main
        while True:                                    # thread takes every signal)
            try:
                data = os.read(self.read_end, 64)
            except OSError:
                return
            if not data:                               # (stop)
                os.close(self.read_end)
                return
            if any(k.signals.handled(b) for b in data):
                k.interrupt()

    def _after_fork(self) -> None:
        """A forked child has no thread but the one that forked: a watcher of its own."""
        for fd in (self.read_end, self.write_end):
            try:
                os.close(fd)
            except OSError:
                pass
        self.k.on_fork.remove(self._after_fork)
        self.k.watcher = InterruptWatcher(self.k)

    def stop(self) -> None:
        """No more watching (the image is replaced): the thread reads the end of its pipe
        and closes it (closed here, its number could be a new file's before the thread's
        next read)."""
        signal.set_wakeup_fd(-1)
        os.close(self.write_end)


TIMER_SIGNALS = frozenset([SIGALRM, 26, 27])           # SIGALRM SIGVTALRM SIGPROF (itimers)


def make_host_handler(k):
    """The host handler of the signals the guest handles: pending, with a siginfo as the
    host's would be (Python's handlers see no siginfo: an itimer's signal is the kernel's, a
    SIGCHLD describes a child that waits to be reaped, others come from a process)."""
    def on_signal(signo, _frame):
        if signo in TIMER_SIGNALS:
            info = siginfo(signo, SI_KERNEL)
        elif signo == SIGCHLD:
            info = b""                  # (made when delivered: the child may be reaped by then)
        else:
            info = siginfo(signo, SI_USER)
        k.signals.pending.setdefault(signo, info)
        k.interrupt()                         # (the interpreter's loop polls it too)
    return on_signal


def _child_info(k) -> bytes:
    """A SIGCHLD's siginfo: a child that waits to be reaped (waitid WNOWAIT), else the one the
    guest reaped last (the host handler runs once the wait4 that reaped it returned)."""
    try:
        got = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except OSError:
        got = None
    if got is not None:
        pid, code, status = got.si_pid, got.si_code, got.si_status
    elif k.last_child is not None:
        pid, code, status = k.last_child
    else:
        return siginfo(SIGCHLD, SI_USER)
    head = struct.pack("<iii4xiIi4xqq", SIGCHLD, 0, code, pid, os.getuid(), status, 0, 0)
    return head.ljust(SIGINFO_SIZE, b"\0")


def child_state(status: int) -> tuple[int, int]:
    """(si_code, si_status) of a wait status: CLD_EXITED, CLD_KILLED or CLD_DUMPED."""
    if status & 0x7F == 0:
        return 1, status >> 8 & 0xFF
    return (3 if status & 0x80 else 2), status & 0x7F


# -- syscalls ------------------------------------------------------------------------------------
def sys_rt_sigaction(k, signo, act, oact, sigsetsize):
    signo, mem = s32(signo), k.memory
    if sigsetsize != SIGSET_SIZE or not 1 <= signo <= NSIG:
        fail(errno.EINVAL)
    if act and signo in (SIGKILL, SIGSTOP):
        fail(errno.EINVAL)
    state = k.signals
    old = state.action(signo)
    if act:
        handler, flags, restorer, mask = unpack_sigaction(
            k.abi, mem.read(act, sigaction_size(k.abi)))
        if oact and not mem.check(oact, sigaction_size(k.abi), PROT_WRITE):
            fail(errno.EFAULT)
        state.actions[signo] = (handler, flags, restorer, mask & ~UNBLOCKABLE)
        if handler == SIG_IGN or (handler == SIG_DFL and signo in DEFAULT_IGNORE):
            state.pending.pop(signo, None)
        _host_disposition(k, signo)
        if handler not in (SIG_DFL, SIG_IGN):
            for hook in k.on_handler:           # (the engine makes code that lets a handler
                hook(signo)                     # see exact registers, or run promptly)
    if oact:
        mem.write(oact, pack_sigaction(k.abi, *old))
    return 0


def sys_rt_sigprocmask(k, how, nset, oset, sigsetsize):
    if sigsetsize != SIGSET_SIZE:
        fail(errno.EINVAL)
    state, how = k.signals, s32(how)
    old = state.blocked
    if nset:
        value = k.memory.load(nset, SIGSET_SIZE)
        if how not in (SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK):
            fail(errno.EINVAL)
        if oset and not k.memory.check(oset, SIGSET_SIZE, PROT_WRITE):
            fail(errno.EFAULT)
        if how == SIG_BLOCK:
            state.blocked |= value
        elif how == SIG_UNBLOCK:
            state.blocked &= ~value
        else:
            state.blocked = value
        state.blocked &= ~UNBLOCKABLE
        if state.signalfd:              # (what the host blocks for signalfd follows the guest)
            _host_mask(state.signalfd & state.blocked, state.signalfd & ~state.blocked)
    if oset:
        k.memory.store(oset, SIGSET_SIZE, old)
    return 0


SFD_CLOEXEC, SFD_NONBLOCK = 0o2000000, 0o4000      # O_CLOEXEC, O_NONBLOCK


def sys_signalfd4(k, fd, mask_addr, sizemask, flags):
    """A signalfd is the host's, for the same signals (struct signalfd_siginfo is the same on
    every Linux): the host blocks the ones the guest blocks, so that the host queues them for
    it, and a signal the guest sends itself while it blocks one goes to the host's queue."""
    fd, flags = s32(fd), u32(flags)
    if sizemask != SIGSET_SIZE or flags & ~(SFD_CLOEXEC | SFD_NONBLOCK):
        fail(errno.EINVAL)
    mask = k.memory.load(mask_addr, SIGSET_SIZE) & ~UNBLOCKABLE
    host_mask = ctypes.create_string_buffer(mask.to_bytes(8, "little"), SIGSET_SIZE)
    if fd == -1:
        host = host_syscall("signalfd4", -1, host_mask, SIGSET_SIZE, flags | SFD_CLOEXEC)
        fd = k.fds.install(host, cloexec=bool(flags & SFD_CLOEXEC))
    else:
        host_syscall("signalfd4", k.fds.host(fd), host_mask, SIGSET_SIZE, flags | SFD_CLOEXEC)
    sigs = k.signals
    sigs.signalfd |= mask
    _host_mask(sigs.signalfd & sigs.blocked, 0)
    for signo in [s for s in sigs.pending if mask & _bit(s) and sigs.blocked & _bit(s)]:
        sigs.pending.pop(signo)                   # (pending already: the signalfd's now)
        os.kill(os.getpid(), signo)
    return fd


def _host_mask(block: int, unblock: int) -> None:
    """Block and unblock signals (masks) in the host thread that takes the process's
    signals (dbt-vm's other threads block them: threads.py)."""
    for how, mask in ((signal.SIG_BLOCK, block), (signal.SIG_UNBLOCK, unblock)):
        chosen = {signo for signo in range(1, 65) if mask & _bit(signo)} & signal.valid_signals()
        if chosen:
            signal.pthread_sigmask(how, chosen)


def sys_rt_sigreturn(k):
    """Restore what the frame at sp saved; the result register keeps its restored value."""
    state = k.state
    frame = state[k.stack_pointer]
    try:
        head = k.memory.read(frame, MCONTEXT)
        frames(k).read_context(state, k.memory, frame)
    except GuestFault:
        raise FatalSignal(SIGSEGV) from None
    k.signals.blocked = struct.unpack_from("<Q", head, UC_SIGMASK)[0] & ~UNBLOCKABLE
    ss_sp, ss_flags, ss_size = STACK_T.unpack_from(head, UC_STACK)
    if not _on_altstack(k, state[k.stack_pointer]):
        k.altstack = (0, SS_DISABLE, 0) if ss_flags & SS_DISABLE else \
            (ss_sp, ss_flags & ~SS_ONSTACK, ss_size)
    return state[k.abi.ret]


def sys_rt_sigpending(k, setp, sigsetsize):
    if u32(sigsetsize) > SIGSET_SIZE:
        fail(errno.EINVAL)
    pending = 0
    for signo in k.signals.pending_set():
        pending |= _bit(signo)
    k.memory.write(setp, (pending & k.signals.blocked).to_bytes(8, "little")[:u32(sigsetsize)])
    return 0


def sys_rt_sigsuspend(k, mask_addr, sigsetsize):
    """Wait with the given mask until a signal is delivered: always -EINTR (the handler's
    frame saves the mask from before the call, which sigreturn restores)."""
    if sigsetsize != SIGSET_SIZE:
        fail(errno.EINVAL)
    mask = k.memory.load(mask_addr, SIGSET_SIZE) & ~UNBLOCKABLE
    sigs = k.signals
    k.saved_mask = sigs.blocked            # what the handler's frame saves (setup_frame)
    sigs.blocked = mask
    while not sigs.deliverable() and sigs.fatal is None:
        time.sleep(SUSPEND_POLL)           # (the host handler notes signals meanwhile)
    return -errno.EINTR


def sys_rt_sigtimedwait(k, uthese, uinfo, uts, sigsetsize):
    if sigsetsize != SIGSET_SIZE:
        fail(errno.EINVAL)
    these = k.memory.load(uthese, SIGSET_SIZE) & ~UNBLOCKABLE
    deadline = None
    if uts:
        deadline = time.monotonic() + read_timespec(k, uts) / NSEC
    sigs = k.signals
    while True:
        for signo in sorted(sigs.pending_set()):
            if these & _bit(signo):
                info = sigs.take(signo) or _child_info(k)
                if uinfo:
                    k.memory.write(uinfo, info)
                return signo
        if any(not sigs.blocked & _bit(s) and sigs.handled(s) for s in sigs.pending_set()):
            return -errno.EINTR
        if deadline is not None and time.monotonic() >= deadline:
            return -errno.EAGAIN
        time.sleep(0.002)


def _check_signal(signo: int) -> int:
    signo = s32(signo)
    if not 0 <= signo <= NSIG:
        fail(errno.EINVAL)
    return signo


def sys_kill(k, pid, signo):
    pid, signo = s32(pid), _check_signal(signo)
    if pid in (k.pid, 0, -os.getpgrp()):
        k.signals.send_self(k, signo)
        if pid != k.pid:                          # the rest of the process group
            for child in list(k.children):
                try:
                    if os.getpgid(child) == os.getpgrp():
                        os.kill(child, signo)
                except OSError:
                    pass
        return 0
    if pid == -1:
        k.warn("kill(-1) is not forwarded to the host")
        return 0
    os.kill(pid, signo)          # another host process, as qemu-user does
    return 0


def sys_tkill(k, tid, signo):
    tid, signo = s32(tid), _check_signal(signo)
    if tid <= 0:
        fail(errno.EINVAL)
    task = k.threads.tasks.get(tid)
    if task is None:
        fail(errno.ESRCH)
    k.signals.send_self(k, signo, SI_TKILL, task=task)
    return 0


def sys_tgkill(k, tgid, tid, signo):
    tgid, tid, signo = s32(tgid), s32(tid), _check_signal(signo)
    if tgid <= 0 or tid <= 0:
        fail(errno.EINVAL)
    task = k.threads.tasks.get(tid)
    if tgid != k.pid or task is None:
        fail(errno.ESRCH)
    k.signals.send_self(k, signo, SI_TKILL, task=task)
    return 0


def sys_sigaltstack(k, ss, old_ss):
    current = k.altstack
    on_stack = _on_altstack(k, k.state[k.stack_pointer]) if k.state is not None else False
    if ss:
        sp, flags, size = STACK_T.unpack(k.memory.read(ss, STACK_T.size))
        if old_ss and not k.memory.check(old_ss, STACK_T.size, PROT_WRITE):
            fail(errno.EFAULT)
        if on_stack:
            fail(errno.EPERM)
        mode = flags & ~SS_AUTODISARM
        if mode not in (0, SS_ONSTACK, SS_DISABLE):
            fail(errno.EINVAL)
        if mode == SS_DISABLE:
            new = (0, SS_DISABLE, 0)
        else:
            if size < MINSIGSTKSZ.get(k.abi.machine, 2048):
                fail(errno.ENOMEM)
            new = (sp, flags & SS_AUTODISARM, size)
        k.altstack = new
    if old_ss:
        sp, flags, size = current
        flags = SS_DISABLE if size == 0 else flags | (SS_ONSTACK if on_stack else 0)
        k.memory.write(old_ss, STACK_T.pack(sp, flags, size))
    return 0


def sys_setitimer(k, which, new, old):
    which = s32(which)
    if which not in (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF):
        fail(errno.EINVAL)
    host = {ITIMER_REAL: signal.ITIMER_REAL, ITIMER_VIRTUAL: signal.ITIMER_VIRTUAL,
            ITIMER_PROF: signal.ITIMER_PROF}[which]
    if old and not k.memory.check(old, 2 * TIMEVAL.size, PROT_WRITE):
        fail(errno.EFAULT)
    if new:
        i_sec, i_usec, v_sec, v_usec = struct.unpack("<qqqq", k.memory.read(new, 32))
        for usec in (i_usec, v_usec):
            if not 0 <= usec < 1_000_000:
                fail(errno.EINVAL)
        prev = signal.setitimer(host, v_sec + v_usec / 1e6, i_sec + i_usec / 1e6)
    else:
        prev = signal.getitimer(host)
    if old:
        k.memory.write(old, _itimerval(prev))
    return 0


def sys_getitimer(k, which, value):
    which = s32(which)
    if which not in (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF):
        fail(errno.EINVAL)
    k.memory.write(value, _itimerval(signal.getitimer(which)))
    return 0


def _itimerval(pair) -> bytes:
    value, interval = pair

    def split(seconds: float) -> tuple[int, int]:
        usec = round(seconds * 1e6)
        return usec // 1_000_000, usec % 1_000_000
    return struct.pack("<qqqq", *split(interval), *split(value))


# -- POSIX timers: the host's (struct sigevent and itimerspec are the same on both sides) ----------
SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID = 0, 1, 4
SIGEVENT_SIZE = 64


def sys_timer_create(k, clock, sevp, timerid):
    """SIGEV_SIGNAL, SIGEV_NONE and SIGEV_THREAD_ID (of the one thread) timers; the signal
    reaches the guest as any host signal does (make_host_handler)."""
    if not k.memory.check(timerid, 4, PROT_WRITE):
        fail(errno.EFAULT)
    event = bytearray(k.memory.read(sevp, SIGEVENT_SIZE)) if sevp else None
    if event is not None:
        signo, notify = struct.unpack_from("<ii", event, 8)
        if notify not in (SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID):
            fail(errno.EINVAL)                      # (SIGEV_THREAD is the libc's, on threads)
        if notify != SIGEV_NONE and not 1 <= signo <= NSIG:
            fail(errno.EINVAL)
        if notify == SIGEV_THREAD_ID:
            if struct.unpack_from("<i", event, 16)[0] != k.pid:
                fail(errno.EINVAL)
            struct.pack_into("<i", event, 16, os.getpid())
    out = (ctypes.c_int * 1)()
    host_syscall("timer_create", s32(clock),
                 ctypes.create_string_buffer(bytes(event), SIGEVENT_SIZE) if event else 0, out)
    k.memory.store(timerid, 4, out[0])
    return 0


def sys_timer_settime(k, timerid, flags, new, old):
    return host_settime(k, "timer_settime", s32(timerid), s32(flags), new, old)


def sys_timer_gettime(k, timerid, current):
    return host_gettime(k, "timer_gettime", s32(timerid), current)


def sys_timer_getoverrun(k, timerid):
    return host_syscall("timer_getoverrun", s32(timerid))


def sys_timer_delete(k, timerid):
    host_syscall("timer_delete", s32(timerid))
    return 0


HANDLERS = {
    "timer_create": sys_timer_create, "timer_settime": sys_timer_settime,
    "timer_gettime": sys_timer_gettime, "timer_getoverrun": sys_timer_getoverrun,
    "timer_delete": sys_timer_delete,
    "rt_sigaction": sys_rt_sigaction, "rt_sigprocmask": sys_rt_sigprocmask,
    "rt_sigreturn": sys_rt_sigreturn, "rt_sigpending": sys_rt_sigpending,
    "rt_sigsuspend": sys_rt_sigsuspend, "rt_sigtimedwait": sys_rt_sigtimedwait,
    "kill": sys_kill, "tkill": sys_tkill, "tgkill": sys_tgkill, "signalfd4": sys_signalfd4,
    "sigaltstack": sys_sigaltstack, "setitimer": sys_setitimer, "getitimer": sys_getitimer,
}

__all__ = ["HANDLERS", "SignalState", "deliver_fault", "deliver_pending", "siginfo",
           "signal_name"]
