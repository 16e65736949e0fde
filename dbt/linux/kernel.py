"""LinuxKernel: the guest's view of Linux. One nr -> handler table, built from the handler
modules' `HANDLERS` (name -> function) and the guest architecture's syscall numbers.

A handler is `fn(kernel, *args)` with as many parameters as the syscall has arguments, each the
raw unsigned 64-bit register value. It returns the result (>= 0, or -errno), or raises
SyscallError / OSError (-> -errno), GuestFault (-> -EFAULT) or MemError (-> its errno). It must
check every guest pointer before any host effect, so that a fault leaves nothing done.
"""

from __future__ import annotations

import errno
import os
import resource
import sys
import time
from collections import Counter, namedtuple

from ..memory import GuestFault, GuestMemory, MemError
from ..state import GuestState, Layout
from . import files, mm, net, paths, poll, process, signals, spawn, threads
from . import time as time_handlers
from .abi import MASK64, FatalSignal, ProcessExit, SyscallABI, SyscallError
from .numbers import syscall_names, syscall_table


# The syscalls qemu-user makes through its safe_syscall (linux-user/syscall.c). When a signal
# interrupts one that the host kernel restarts (signals.RESTARTABLE: qemu's host handlers
# have SA_RESTART), the restart lands in safe_syscall's critical section, which then returns
# ERESTARTSYS: its --strace prints "errno=512 (To be restarted)" before the guest's handler
# runs, whether the call is then restarted or fails with EINTR. (The others show EINTR.)
QEMU_SAFE = frozenset("""read write openat wait4 waitid execve pselect6 ppoll epoll_pwait
    futex rt_sigsuspend kill tkill tgkill readv writev preadv pwritev connect sendto recvfrom
    sendmsg recvmsg flock rt_sigtimedwait accept4 nanosleep clock_nanosleep msgsnd msgrcv
    semtimedop mq_timedsend mq_timedreceive copy_file_range ioctl fcntl""".split())
SHOWN_RESTARTED = QEMU_SAFE & signals.RESTARTABLE
ERESTARTSYS = 512


def _strace():
    """The strace formatting module, imported by the first traced run only (~7 ms)."""
    from . import strace
    return strace

__all__ = ["FatalSignal", "LinuxKernel", "ProcessExit", "SyscallStats", "build_dispatch"]


# The syscalls that manage guest memory: their time is the "guest memory" cost of --stats.
MEMORY_SYSCALLS = frozenset(mm.HANDLERS)


class SyscallStats:
    __slots__ = ("counts", "seconds", "memory_seconds")

    def __init__(self):
        self.counts = Counter()         # syscall name -> calls
        self.seconds = 0.0              # total time inside syscall()
        self.memory_seconds = 0.0       # ... of it in MEMORY_SYSCALLS

    @property
    def calls(self) -> int:
        return sum(self.counts.values())


_Entry = namedtuple("_Entry", "name fn nargs")       # a syscall's handler and its arity


def _handlers() -> dict:
    table = {}
    for module in (files, mm, net, poll, process, signals, spawn, threads, time_handlers):
        table.update(module.HANDLERS)
    return table


def build_dispatch(machine: str) -> dict[int, _Entry]:
    """nr -> handler for one guest architecture (names without a handler are left out)."""
    numbers, handlers = syscall_table(machine), _handlers()
    return {numbers[name]: _Entry(name, fn, fn.__code__.co_argcount - 1)
            for name, fn in handlers.items() if name in numbers}


class LinuxKernel:
    def __init__(self, memory: GuestMemory, abi: SyscallABI, *, exe_path: str,
                 sysroot: str | None = None, strace: bool = False, err=sys.stderr,
                 argv: list[bytes] = (), auxv: tuple[int, int] = (0, 0),
                 closed_fds: frozenset = frozenset(), ignored_signals: int = 0,
                 blocked_signals: int = 0, fd_map: dict[int, int] | None = None,
                 relaunch: list[str] = (), host_env: dict | None = None,
                 signal_frames: str | None = None, stack_pointer: str = "",
                 host_signals: bool = False):
        """`fd_map`: the guest's fds (guest number -> host fd) when an execve started this
        image, else fds 0-2 less `closed_fds`. `relaunch`: the dbt-vm `run` options that an
        execve of a guest program runs the new image with; `host_env`: dbt-vm's own
        environment, which that new dbt-vm starts with (the guest's is passed apart).
        `signal_frames`: the frontend module that builds signal frames (Arch.signal_frames),
        `stack_pointer` its stack pointer field; `host_signals`: give the host the guest's
        signal dispositions (the command line's process; not for a Machine in a test)."""
        self.memory = memory
        self.abi = abi
        self.exe_path = os.fsencode(os.path.realpath(exe_path))
        self.sysroot = paths.sysroot_prefix(sysroot)
        self.sysroot_cache: dict[bytes, bytes] = {}   # guest path -> host path (qemu's cache)
        self.argv = list(argv)                         # for /proc/self/cmdline
        self.auxv = auxv                               # (address, size) for /proc/self/auxv
        self.strace = strace
        self.err = err
        self.pid = os.getpid()
        self.stats = SyscallStats()
        self.rlimits = process.RlimitTable()
        self.fds = files.FdTable(self.rlimits.get(resource.RLIMIT_NOFILE)[0], closed_fds, fd_map)
        self.signals = signals.SignalState(ignored_signals, blocked_signals)
        # the guest's threads (threads.py): the main one now, its mask the one given
        self.threads = threads.Threads(self, threads.Task(self.pid, None,
                                                          self.signals.initial_blocked))
        self.signals.threads = self.threads
        self.signal_frames = signal_frames
        self.frames = None                       # that module, once a frame is needed
        self.stack_pointer = stack_pointer
        self.host_signals = signals.make_host_handler(self) if host_signals else None
        self.watcher = None                      # signals.InterruptWatcher, once needed
        self._dispatch = build_dispatch(abi.machine)
        self._names = syscall_names(abi.machine)
        self._layout: Layout | None = None        # the slots below are of this layout
        self._nr_slot = self._ret_slot = 0
        self._arg_slots: tuple = ()
        self._warned: set = set()
        self.children: set[int] = set()            # pids of the guest's children (spawn.py)
        self.last_child: tuple | None = None       # (pid, si_code, si_status) reaped last
        self.uname_release: str | None = None      # uname's release, when not the host's
        self.on_fork: list = [self.threads.after_fork]   # called in a forked child
        self.on_handler: list = []                 # fn(signo): the guest installed a
                                                   # handler of signo (the runtime's)
        self.on_exec: list = []                    # called before an execve replaces the
                                                   # image (its checks passed)
        self.exec_here = False                     # an execve of a guest program may run it
                                                   # in this process (spawn.ExecImage)
        self.relaunch = list(relaunch)
        self.host_env = dict(os.environ) if host_env is None else host_env

    # -- the calling thread's (threads.Task) -------------------------------------------------
    @property
    def task(self) -> threads.Task:
        return self.threads.current

    @property
    def state(self) -> GuestState | None:
        """The calling thread's guest state."""
        return self.threads.current.state

    @property
    def altstack(self) -> tuple[int, int, int]:
        return self.threads.current.altstack

    @altstack.setter
    def altstack(self, value) -> None:
        self.threads.current.altstack = value

    @property
    def saved_mask(self) -> int | None:
        return self.threads.current.saved_mask

    @saved_mask.setter
    def saved_mask(self, value) -> None:
        self.threads.current.saved_mask = value

    def interrupt(self) -> None:
        """Set every thread's `interrupt` slot: translated code and the interpreter leave at
        their next backward branch (a signal is pending, or the process ends)."""
        for task in list(self.threads.tasks.values()):
            if task.state is not None:
                task.state["interrupt"] = 1

    def _bind(self, layout: Layout) -> None:
        """Find the ABI's registers in `layout` (the guest's: the first syscall's state's)."""
        abi = self.abi
        self._nr_slot = layout.slot(abi.nr)
        self._arg_slots = tuple(layout.slot(name) for name in abi.args)
        self._ret_slot = layout.slot(abi.ret)
        self._layout = layout

    # -- entry point -------------------------------------------------------------------------
    def syscall(self, state: GuestState) -> None:
        if state.layout is not self._layout:
            self._bind(state.layout)
        self.threads.current.state = state
        regs = state.regs
        nr = regs[self._nr_slot]
        args = [regs[s] for s in self._arg_slots]
        start = time.perf_counter()
        try:
            ret = self.dispatch(nr, args)
            regs[self._ret_slot] = ret & MASK64
            if self.signals.any_pending() and self.signals.deliverable():
                restart = None
                entry = self._dispatch.get(nr)
                if ret == -errno.EINTR and entry is not None \
                        and entry.name in signals.RESTARTABLE:
                    restart = (state.pc - self.syscall_insn_size(), args[0])
                signals.deliver_pending(self, state, restart)
        finally:
            spent = time.perf_counter() - start
            if self.threads.multi:            # (a thread's wait for another is not this
                spent -= self.threads.take_waited()   # layer's time: the sum would pass
            self.stats.seconds += spent               # the wall time)
            entry = self._dispatch.get(nr)
            if entry is not None and entry.name in MEMORY_SYSCALLS:
                self.stats.memory_seconds += spent

    def dispatch(self, nr: int, args: list[int]) -> int:
        """Run syscall `nr`; returns the result (negative errno on failure)."""
        entry = self._dispatch.get(nr)
        if entry is None:
            return self._unsupported(nr)
        self.stats.counts[entry.name] += 1
        if entry.fn is process.sys_enosys_quiet:        # (what qemu 7.2 does not know)
            if self.strace:
                self._trace(f"{self.pid} Unknown syscall {nr}\n")
            return -errno.ENOSYS
        if self.strace:
            self._trace(_strace().call_text(self, entry.name, args))
        if self.threads.multi and entry.name in threads.BLOCKING:
            ret = self.threads.blocking(self._call, entry, args)
        else:
            ret = self._call(entry, args)
        if self.strace:
            shown = ret
            if ret == -errno.EINTR and entry.name in SHOWN_RESTARTED and self.signals.any_pending():
                shown = -ERESTARTSYS            # what qemu's safe_syscall returned there
            self._trace(_strace().ret_text(self, entry.name, args, shown))
        if self.signals.fatal is not None:
            self._die()
        return ret

    def syscall_insn_size(self) -> int:
        return signals.frames(self).SYSCALL_INSN_SIZE

    def deliver_pending(self, state: GuestState) -> None:
        """Deliver pending signals outside a syscall (the runtime, between engine runs)."""
        if self.signals.any_pending() and self.signals.deliverable():
            signals.deliver_pending(self, state)

    def die(self):
        self._die()

    def trace(self, text: str) -> None:
        self._trace(text)

    def _die(self):
        """A signal's default action ends the process on the way back from the syscall."""
        signo, code = self.signals.fatal
        self.signals.fatal = None
        if self.strace:
            self._trace(_strace().signal_text(self, signo, code))
        raise FatalSignal(signo)

    def _call(self, entry: _Entry, args: list[int]) -> int:
        try:
            return entry.fn(self, *args[:entry.nargs])
        except SyscallError as exc:
            return -exc.errno
        except GuestFault:
            return -errno.EFAULT
        except MemError as exc:
            return -exc.errno
        except OSError as exc:
            return -(exc.errno or errno.EIO)
        except (OverflowError, ValueError):
            return -errno.EINVAL

    def _unsupported(self, nr: int) -> int:
        name = self._names.get(nr)
        self.stats.counts[name or f"syscall_{nr}"] += 1
        if self.strace:
            self._trace(f"{self.pid} Unknown syscall {nr}\n")
        if nr not in self._warned:
            self._warned.add(nr)
            self.warn(f"unsupported syscall {nr}" + (f" ({name})" if name else ""))
        return -errno.ENOSYS

    # -- services for the handlers -------------------------------------------------------------
    def warn(self, message: str) -> None:
        self.err.write(f"dbt-vm: warning: {message}\n")
        self.err.flush()

    def warn_once(self, key, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.warn(message)

    def _trace(self, text: str) -> None:
        self.err.write(text)
        self.err.flush()

    def syscall_number(self, name: str) -> int:
        """The number of a syscall on this ISA (KeyError if it has none)."""
        return {n: nr for nr, n in self._names.items()}[name]

    def syscall_name(self, nr: int) -> str | None:
        return self._names.get(nr)
