"""Guest threads: tasks, the lock that keeps Python's side of the guest one thread at a time,
clone of a thread, thread exit, and futexes.

A process (the kernel: memory, fds, signal handlers, the engine's code cache) holds tasks.
A `Task` is one guest thread: its GuestState, tid, signal mask, sigaltstack, pending signals
and the clear_child_tid address (no robust list: set_robust_list is ENOSYS, as qemu-user's). Each guest thread is a host thread (its tid is
the host thread's, as under qemu-user).

The big lock (`Threads.lock`, a fair ticket lock): a guest thread holds it whenever it runs
Python for the guest (the interpreter, translation, a syscall), and lets go of it while its
translated code runs natively (the engine's `gate`), while a syscall blocks (read, wait4,
poll, ... : `BLOCKING`) and while it waits on a futex. So native code of several threads runs
in parallel (ctypes releases the GIL), and the engine, the code cache and the syscall layer
see one thread at a time. A thread that takes the lock re-binds the engine to its own state
(`on_switch`). A thread that waits for the lock sets the holder's `interrupt` slot, so that a
holder looping in the interpreter lets go at its next backward branch (`yield_`).

Until the guest makes its first thread, none of this runs: the single thread never takes the
lock. At the first clone the main thread takes it, and hands the main task over to a host
thread of its own (`handover`): the host's main thread then only waits for the process to
end (an exit_group, a fatal signal, or the last thread's exit), which any thread can bring
about; the lock passes to it as it is, so every other thread stops at its next step.
"""

from __future__ import annotations

import errno
import os
import signal
import threading
import time

from ..state import NO_RESERVATION
from .abi import ProcessExit, fail, u32
from .spawn import (CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_DETACHED, CLONE_FILES,
                    CLONE_FS, CLONE_PARENT_SETTID, CLONE_SETTLS, CLONE_SIGHAND, CLONE_SYSVSEM,
                    CLONE_THREAD, CLONE_VM)
from .structs import NSEC
from .time import read_timespec

THREAD_FLAGS = (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD
                | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID
                | CLONE_CHILD_SETTID | CLONE_DETACHED | 0xFF)   # (low byte: exit signal)

# syscalls that may wait for another thread or the outside: made without the big lock
BLOCKING = frozenset([
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
    "nanosleep", "clock_nanosleep", "wait4", "waitid", "ppoll", "pselect6", "epoll_pwait",
    "accept", "accept4", "connect", "recvfrom", "recvmsg", "sendto", "sendmsg", "sendfile",
    "splice", "copy_file_range", "flock", "openat", "sched_yield", "rt_sigtimedwait",
    "rt_sigsuspend"])

FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP = 0, 1, 3, 4, 5
FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI = 6, 7, 8
FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET = 9, 10
FUTEX_LOCK_PI2 = 13
FUTEX_CMD_MASK = 0x7F
FUTEX_CLOCK_REALTIME = 0x100
FUTEX_BITSET_MATCH_ANY = 0xFFFFFFFF
FUTEX_WAITERS, FUTEX_OWNER_DIED, FUTEX_TID_MASK = 0x80000000, 0x40000000, 0x3FFFFFFF
WAIT_SLICE = 0.05          # a futex waiter looks for a signal to take this often (seconds)


class ThreadExit(Exception):
    """The calling thread ends (exit, not exit_group, while other threads live)."""


class Task:
    """One guest thread."""
    __slots__ = ("tid", "state", "blocked", "altstack", "saved_mask", "tid_address",
                 "exited", "pending")

    def __init__(self, tid: int, state, blocked: int = 0):
        self.tid = tid
        self.state = state                      # its GuestState
        self.blocked = blocked                  # signal mask (bit signo - 1)
        self.altstack = (0, 2, 0)               # stack_t: sp, flags (SS_DISABLE), size
        self.saved_mask: int | None = None      # sigsuspend's mask to restore
        self.tid_address = 0                    # clear_child_tid
        self.exited = False
        self.pending: dict[int, bytes] = {}     # signals sent to this thread: signo -> info


class TicketLock:
    """A lock that goes to its waiters in the order they came (a thread that lets go and
    takes it again at once does not starve the others)."""

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._next = self._serving = 0

    def acquire(self, on_wait=None) -> None:
        with self._cond:
            ticket = self._next
            self._next += 1
            if ticket != self._serving and on_wait is not None:
                on_wait()
            while ticket != self._serving:
                self._cond.wait()

    def release(self) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()

    @property
    def waiting(self) -> int:
        """Threads waiting for the lock (besides its holder)."""
        return self._next - self._serving - 1


class Waiter:
    __slots__ = ("task", "bitset", "event")

    def __init__(self, task: Task, bitset: int):
        self.task, self.bitset, self.event = task, bitset, threading.Event()


class Threads:
    """The tasks of a process, the big lock and the futex queues."""

    def __init__(self, kernel, main: Task):
        self.kernel = kernel
        self.main = main
        self.tasks: dict[int, Task] = {main.tid: main}
        self.multi = False                      # a second thread was ever made
        self.lock = TicketLock()
        self._local = threading.local()
        self.holder: Task | None = None         # the task whose thread holds the lock
        self.bound: Task | None = main          # the task the engine is bound to
        self.on_switch: list = []               # fn(task): the engine follows the lock
        self.on_multi: list = []                # fn(): the first thread is being made
        self.runner = None                      # fn(task): a new thread's life (runtime.py)
        self.futexes: dict[int, list[Waiter]] = {}
        self.exit = None                        # how the process ended (runtime.Exit)
        self.ended = threading.Event()
        self.handover = False                   # the main task moves to a thread of its own
        self.forked = False                     # a fork's child: its only thread ends it
        self.forked_end = None                  # fn(ended): how (the runtime's)

    # -- the calling thread's task -------------------------------------------------------------
    @property
    def current(self) -> Task:
        return getattr(self._local, "task", None) or self.main

    def adopt(self, task: Task) -> None:
        """The calling host thread runs `task` from now on."""
        self._local.task = task

    # -- the big lock ------------------------------------------------------------------------
    def enter(self) -> None:
        """Take the lock for the calling thread's task, and bind the engine to it."""
        task = self.current
        self.lock.acquire(self._nudge)
        self.holder = task
        if self.bound is not task:
            self.bound = task
            for hook in self.on_switch:
                hook(task)

    def leave(self) -> None:
        self.holder = None
        self.lock.release()

    def _nudge(self) -> None:
        """A thread waits for the lock: the holder lets go at its next backward branch."""
        holder = self.holder
        if holder is not None and holder.state is not None:
            holder.state["interrupt"] = 1

    def yield_(self) -> None:
        """Let threads waiting for the lock run Python (the holder was nudged)."""
        if self.multi and self.lock.waiting > 0:
            self.leave()
            self.enter()

    def unlocked(self, fn, *args):
        """fn(*args) without the lock (native code: the engine's gate)."""
        self.leave()
        try:
            return fn(*args)
        finally:
            self.enter()

    def blocking(self, fn, *args):
        """fn(*args) without the lock (a syscall that may wait for another thread; the time
        is noted: take_waited)."""
        start = time.perf_counter()
        try:
            return self.unlocked(fn, *args)
        finally:
            self._note_waited(start)

    def _note_waited(self, start: float) -> None:
        self._local.waited = self.waited() + time.perf_counter() - start

    def waited(self) -> float:
        """Seconds the calling thread spent without the lock in syscalls (blocking, futex
        waits) since take_waited last asked."""
        return getattr(self._local, "waited", 0.0)

    def take_waited(self) -> float:
        waited = self.waited()
        self._local.waited = 0.0
        return waited

    # -- making and ending threads -------------------------------------------------------------
    def clone(self, flags: int, newsp: int, parent_tid: int, tls: int, child_tid: int) -> int:
        """clone with CLONE_VM | CLONE_THREAD: a new task that starts where the caller returns,
        with 0 in its return register, `newsp` and (CLONE_SETTLS) `tls`. Returns its tid."""
        k = self.kernel
        if flags & ~THREAD_FLAGS or not flags & CLONE_SIGHAND or not flags & CLONE_VM:
            fail(errno.EINVAL)
        if self.runner is None:
            fail(errno.ENOSYS)
        parent = self.current
        if not self.multi:
            self.multi = True
            self.adopt(parent)
            self.lock.acquire()
            self.holder = parent
            for hook in self.on_multi:
                hook()
            self.handover = True
        state = type(parent.state)(parent.state.layout)
        state.regs[:] = list(parent.state.regs)
        abi = k.abi
        state[abi.ret] = 0
        if newsp:
            state[abi.sp] = newsp
        if flags & CLONE_SETTLS:
            state[abi.tls] = tls
        state["interrupt"] = 0
        state["res_addr"] = NO_RESERVATION
        task = Task(0, state, parent.blocked)
        self.start(task, own_tid=True)
        self.tasks[task.tid] = task
        if flags & CLONE_PARENT_SETTID:
            k.memory.store(parent_tid, 4, task.tid)
        if flags & CLONE_CHILD_SETTID:
            k.memory.store(child_tid, 4, task.tid)
        if flags & CLONE_CHILD_CLEARTID:
            task.tid_address = child_tid
        return task.tid

    def start(self, task: Task, own_tid: bool = False) -> None:
        """Run `task` on a new host thread (`own_tid`: its tid is that thread's)."""
        started = threading.Event()
        host = threading.Thread(target=self._thread_main, args=(task, started, own_tid),
                                daemon=True, name=f"guest-{task.tid}")
        host.start()
        started.wait()

    def _thread_main(self, task: Task, started: threading.Event, own_tid: bool) -> None:
        if own_tid:
            task.tid = threading.get_native_id()
        self.adopt(task)
        signal.pthread_sigmask(signal.SIG_BLOCK, _HOST_ASYNC)   # (the main thread takes them)
        started.set()
        self.enter()
        self.run_task(task)

    def run_task(self, task: Task) -> None:
        """Run a task to its end, holding the lock (the runner's loop lets go of it around
        native code and blocking calls). The process's end keeps the lock: it passes to the
        host's main thread, which ends the process."""
        try:
            ended = self.runner(task)
        except ThreadExit:
            self.leave()
            return
        except BaseException as exc:            # (dbt-vm's own failure: the main thread
            ended = exc                         # raises it again)
        self.end_process(ended)

    def after_fork(self) -> None:
        """In the child of a fork by a guest thread: that thread is the only one, its tid
        the child's pid; no host thread waits for the end (the parent's main thread is not
        here), so the thread that ends the child ends it itself (`forked_end`)."""
        if not self.multi:
            return
        task = self.current
        task.tid = os.getpid()
        self.tasks = {task.tid: task}
        self.main = task
        self.futexes.clear()
        self.lock = TicketLock()                # (the parent's may hold tickets of threads
        self.lock.acquire()                     # that are not here: this one holds it)
        self.holder = self.bound = task
        self.forked = True

    def end_process(self, ended) -> None:
        """The process is over (`ended`: a runtime.Exit, or an exception of dbt-vm's own): the
        host's main thread takes it from here (the lock stays held: every other thread stops
        at its next step)."""
        if self.forked:
            self.forked_end(ended)
        if self.exit is None:
            self.exit = ended
        self.kernel.interrupt()
        self.ended.set()

    def exit_thread(self, status: int) -> None:
        """exit: the calling thread ends (the process with it when it was the last)."""
        task = self.current
        if not self.multi:
            raise ProcessExit(status)
        self._clear_child_tid(task)
        task.exited = True
        self.tasks.pop(task.tid, None)
        if not self.tasks:
            raise ProcessExit(status)
        raise ThreadExit()

    def _clear_child_tid(self, task: Task) -> None:
        if task.tid_address:
            try:
                self.kernel.memory.store(task.tid_address, 4, 0)
            except Exception:             # (an unmapped address: nothing to clear)
                return
            self.wake(task.tid_address, 1, FUTEX_BITSET_MATCH_ANY)

    def wait_end(self):
        """The host's main thread, after the handover: wait until the process ends; its
        exit (runtime.Exit). Python's signal handlers run here meanwhile."""
        self.leave()
        while not self.ended.wait(0.5):
            pass
        return self.exit

    # -- futexes ---------------------------------------------------------------------------------
    def wait(self, uaddr: int, val: int, deadline: float | None, bitset: int) -> int:
        """FUTEX_WAIT: 0 when woken, -EAGAIN if *uaddr != val, -ETIMEDOUT, -EINTR (a signal
        for this thread arrived)."""
        k, signals = self.kernel, self.kernel.signals
        if k.memory.load(uaddr, 4) != val:
            return -errno.EAGAIN
        task = self.current
        waiter = Waiter(task, bitset)
        self.futexes.setdefault(uaddr, []).append(waiter)
        start = time.perf_counter()
        self.leave()
        try:
            while True:
                slice_ = WAIT_SLICE
                if deadline is not None:
                    slice_ = min(slice_, deadline - time.monotonic())
                    if slice_ <= 0:
                        break
                if waiter.event.wait(slice_):
                    break
                if self.ended.is_set() or signals.deliverable(task):
                    break
        finally:
            self.enter()
            self._note_waited(start)
        if waiter.event.is_set():
            return 0
        self._drop(uaddr, waiter)
        if self.ended.is_set() or signals.deliverable(task):
            return -errno.EINTR
        return -errno.ETIMEDOUT

    def _drop(self, uaddr: int, waiter: Waiter) -> None:
        queue = self.futexes.get(uaddr)
        if queue and waiter in queue:
            queue.remove(waiter)
            if not queue:
                del self.futexes[uaddr]

    def wake(self, uaddr: int, count: int, bitset: int) -> int:
        queue = self.futexes.get(uaddr)
        woken = 0
        if not queue:
            return 0
        for waiter in list(queue):
            if woken >= count:
                break
            if waiter.bitset & bitset:
                queue.remove(waiter)
                waiter.event.set()
                woken += 1
        if not queue:
            del self.futexes[uaddr]
        return woken

    def requeue(self, uaddr: int, wake: int, uaddr2: int, move: int) -> int:
        woken = self.wake(uaddr, wake, FUTEX_BITSET_MATCH_ANY)
        queue = self.futexes.get(uaddr)
        moved = 0
        while queue and moved < move:
            self.futexes.setdefault(uaddr2, []).append(queue.pop(0))
            moved += 1
        if queue is not None and not queue:
            del self.futexes[uaddr]
        return woken + moved


_HOST_ASYNC = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGALRM,
               signal.SIGCHLD, signal.SIGUSR1, signal.SIGUSR2, signal.SIGPIPE, signal.SIGVTALRM,
               signal.SIGPROF, signal.SIGWINCH, signal.SIGIO, signal.SIGURG}


# -- futex ---------------------------------------------------------------------------------------
def sys_futex(k, uaddr, op, val, timeout, uaddr2, val3):
    op = u32(op)
    cmd = op & FUTEX_CMD_MASK
    if uaddr & 3:
        fail(errno.EINVAL)
    threads = k.threads
    if cmd in (FUTEX_WAIT, FUTEX_WAIT_BITSET):
        bitset = FUTEX_BITSET_MATCH_ANY if cmd == FUTEX_WAIT else u32(val3)
        if bitset == 0:
            fail(errno.EINVAL)
        deadline = _deadline(k, timeout, absolute=cmd == FUTEX_WAIT_BITSET,
                             realtime=bool(op & FUTEX_CLOCK_REALTIME))
        if not threads.multi:
            return _wait_alone(k, uaddr, u32(val), deadline)
        return threads.wait(uaddr, u32(val), deadline, bitset)
    if cmd in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
        bitset = FUTEX_BITSET_MATCH_ANY if cmd == FUTEX_WAKE else u32(val3)
        if bitset == 0:
            fail(errno.EINVAL)
        return threads.wake(uaddr, u32(val), bitset)
    if cmd in (FUTEX_REQUEUE, FUTEX_CMP_REQUEUE):
        if uaddr2 & 3:
            fail(errno.EINVAL)
        if cmd == FUTEX_CMP_REQUEUE and k.memory.load(uaddr, 4) != u32(val3):
            fail(errno.EAGAIN)
        return threads.requeue(uaddr, u32(val), uaddr2, u32(timeout))   # (val2 in `timeout`)
    if cmd == FUTEX_WAKE_OP:
        return _wake_op(k, uaddr, u32(val), uaddr2, u32(timeout), u32(val3))
    if cmd in (FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_TRYLOCK_PI):
        return _lock_pi(k, uaddr, timeout, cmd == FUTEX_TRYLOCK_PI, cmd == FUTEX_LOCK_PI2,
                        bool(op & FUTEX_CLOCK_REALTIME))
    if cmd == FUTEX_UNLOCK_PI:
        return _unlock_pi(k, uaddr)
    fail(errno.ENOSYS)


def _deadline(k, timeout: int, absolute: bool, realtime: bool) -> float | None:
    """The monotonic time a wait ends at (None: never)."""
    if not timeout:
        return None
    delay = read_timespec(k, timeout)
    if absolute:
        clock = time.CLOCK_REALTIME if realtime else time.CLOCK_MONOTONIC
        delay -= time.clock_gettime_ns(clock)
    return time.monotonic() + delay / NSEC


def _wait_alone(k, uaddr: int, val: int, deadline: float | None) -> int:
    """A wait with one thread: nobody can wake it, only its timeout ends it."""
    if k.memory.load(uaddr, 4) != val:
        fail(errno.EAGAIN)
    if deadline is None:
        k.warn("futex wait with no timeout would block forever (single-threaded guest)")
        fail(errno.EINVAL)
    delay = deadline - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    fail(errno.ETIMEDOUT)


def _wake_op(k, uaddr: int, count: int, uaddr2: int, count2: int, encoded: int) -> int:
    """*uaddr2 = oldval OP oparg; wake `count` on uaddr, and `count2` on uaddr2 if oldval CMP
    cmparg (the read-modify-write is atomic with respect to other syscalls, not to native
    code running at the same time: glibc and musl no longer use this op)."""
    op, cmp_op = (encoded >> 28) & 0xF, (encoded >> 24) & 0xF
    oparg, cmparg = (encoded >> 12) & 0xFFF, encoded & 0xFFF
    if op & 8:
        op, oparg = op & 7, 1 << (oparg & 31)
    if op > 4 or cmp_op > 5:
        fail(errno.ENOSYS)
    if uaddr2 & 3:
        fail(errno.EINVAL)
    old = k.memory.load(uaddr2, 4)
    new = (oparg, old + oparg, old | oparg, old & ~oparg, old ^ oparg)[op]
    k.memory.store(uaddr2, 4, new & 0xFFFFFFFF)
    woken = k.threads.wake(uaddr, count, FUTEX_BITSET_MATCH_ANY)
    signed_old = old - (1 << 32) if old & 0x80000000 else old
    if (signed_old == cmparg, signed_old != cmparg, signed_old < cmparg,
            signed_old <= cmparg, signed_old > cmparg, signed_old >= cmparg)[cmp_op]:
        woken += k.threads.wake(uaddr2, count2, FUTEX_BITSET_MATCH_ANY)
    return woken


def _lock_pi(k, uaddr: int, timeout: int, try_only: bool, pi2: bool,
             clock_realtime: bool) -> int:
    """FUTEX_LOCK_PI: take the lock word (0 -> our tid), else mark it FUTEX_WAITERS and wait
    for its owner's unlock (no priority inheritance: dbt-vm does not schedule). The timeout
    is absolute: CLOCK_REALTIME for LOCK_PI, CLOCK_MONOTONIC for LOCK_PI2 unless
    FUTEX_CLOCK_REALTIME (Linux's futex_lock_pi)."""
    threads = k.threads
    tid = threads.current.tid
    deadline = _deadline(k, timeout, absolute=True, realtime=clock_realtime or not pi2)
    while True:
        word = k.memory.load(uaddr, 4)
        owner = word & FUTEX_TID_MASK
        if owner == tid:
            fail(errno.EDEADLK)
        if owner == 0:
            k.memory.store(uaddr, 4, tid | (word & FUTEX_WAITERS))
            return 0
        if owner not in threads.tasks:          # its owner is gone: ours, marked so
            k.memory.store(uaddr, 4, tid | FUTEX_OWNER_DIED | (word & FUTEX_WAITERS))
            return 0
        if try_only:
            fail(errno.EAGAIN)
        k.memory.store(uaddr, 4, word | FUTEX_WAITERS)
        ret = threads.wait(uaddr, word | FUTEX_WAITERS, deadline, FUTEX_BITSET_MATCH_ANY)
        if ret in (-errno.ETIMEDOUT, -errno.EINTR):
            return ret


def _unlock_pi(k, uaddr: int) -> int:
    word = k.memory.load(uaddr, 4)
    if word & FUTEX_TID_MASK != k.threads.current.tid:
        fail(errno.EPERM)
    k.memory.store(uaddr, 4, 0)
    k.threads.wake(uaddr, 1, FUTEX_BITSET_MATCH_ANY)
    return 0


HANDLERS = {"futex": sys_futex}

__all__ = ["BLOCKING", "HANDLERS", "Task", "ThreadExit", "Threads"]
