"""The runtime: load a guest, pick an execution engine, and run it to its end.

`Machine` is also the public Python API (`from dbt import Machine`): load a program, run it,
read registers and memory, hook syscalls.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time
from collections import namedtuple

from .ir.ops import EXIT_ICACHE_FLUSH, EXIT_SYSCALL
from .linux import FatalSignal, LinuxKernel, ProcessExit, signals
from .linux.spawn import ExecImage
from .loader import load
from .memory import GuestFault, GuestMemory
from .state import GuestState
from .symbols import Symbols
from .traps import TRAP_SIGNALS, GuestTrap

# Execution modes (best last) and the backend module that provides each one's engine: its
# `make_engine(state, memory, lift, options)` is found by name on first use, so that the core
# imports no backend.
# (`static` is the dynamic engine on code translated ahead of time: dbt/static.py.)
# (`auto` is the dynamic engine with the interpreter as its first tier.)
ENGINES = {"interp": "dbt.backends.interp.engine", "static": "dbt.backends.llvm.dynamic",
           "dynamic": "dbt.backends.llvm.dynamic", "auto": "dbt.backends.llvm.dynamic"}
MODES = tuple(ENGINES)
DEFAULT_MODE = "auto"
PLANNED_MODES: tuple = ()


class EngineOptions(namedtuple("EngineOptions", "on_block on_llvm on_asm code_cache_size "
                                               "speculate cache label mode tier_up "
                                               "hot_threshold background hot insn_align",
                               defaults=(None, None, None, None, "off", None, "", "", None,
                                         None, False, None, 4))):
    """What an engine is told besides the guest's state, memory and lifter: trace hooks
    (on_block sees each block as it is lifted, on_llvm the LLVM IR of each compiled module,
    on_asm (function name, host instructions)); the bytes of host code kept before a flush;
    whether a helper process translates ahead (on, off, sync); the persistent cache
    (cache.disk.DiskCache) and the program's name for its run log; the mode of the run (an
    engine may serve several); the tiers' thresholds (None: the engine's defaults): runs of a
    block in the auto mode's first tier before tier 1, counts in tier 1 before the hot
    tier; whether the auto mode translates what ran only in its first tier into the cache in
    a background process after the run; how hot code is formed ("regions" around a hot pc, or
    recorded "traces"; None: the engine's default); the guest's instruction alignment
    (Arch.insn_align)."""
    __slots__ = ()


class Exit(namedtuple("Exit", "status signal message image", defaults=(0, 0, "", None))):
    """How the guest ended: an exit status, or death by a signal (with a diagnostic line), or
    (`image`, a linux.spawn.ExecImage) an execve that replaces its image in this process."""
    __slots__ = ()

    @property
    def shell_status(self) -> int:
        return 128 + self.signal if self.signal else self.status


def die_by_signal(signo: int, message: str = "") -> None:
    """End this process by `signo`, as qemu-user does for a guest's fatal signal (no core),
    after dbt-vm's diagnostic line `message`, if any."""
    import resource
    if message:
        print(f"dbt-vm: {message}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signo, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signo])
    os.kill(os.getpid(), signo)
    os._exit(128 + signo)                      # not reached unless the signal is not fatal


class HostStderr:
    """Where qemu-user's log goes without -D: the host's fd 2 as it is at each write. The
    guest may close or replace its fd 2 (its fd 2 is that host fd); the --strace and --trace
    lines then go where the guest's stderr goes, or nowhere, as qemu's do (a coreutils
    program's trace ends at `close(2)`). dbt-vm's own messages keep a private copy of the
    stream (cli.hold_standard_fds)."""

    def write(self, text: str) -> int:
        try:
            os.write(2, text.encode("utf-8", "backslashreplace"))
        except OSError:
            pass
        return len(text)

    def flush(self) -> None:
        pass


class Stats:
    """Where a run's time went, as the runtime measures it (stats.py reports it)."""
    __slots__ = ("load_seconds", "total_seconds", "translate_seconds", "setup_seconds",
                 "decode_seconds", "lift_seconds", "pass_seconds", "lifted_blocks",
                 "lifted_insns", "cpu_model")

    def __init__(self):
        self.load_seconds = 0.0
        self.total_seconds = 0.0
        self.translate_seconds = 0.0    # static translation done before the run (--mode static)
        # the frontend's stages and the IR passes, over every block lifted in this process
        # (decode_seconds stays 0 for an Arch that lifts in one stage: lift_seconds has it),
        # and what making them ready took (imports, decode tables)
        self.setup_seconds = 0.0
        self.decode_seconds = 0.0
        self.lift_seconds = 0.0
        self.pass_seconds = 0.0
        self.lifted_blocks = 0
        self.lifted_insns = 0
        self.cpu_model: str | None = None   # -cpu, as asked for (qemu-user's command lines)


class GuestFiles:
    """Python file objects as the guest's fds 0-2: each is a host pipe, with a thread that
    copies between its other end and the file object, so that every fd operation (dup,
    poll, fork, execve) works on it as on any pipe. Output is complete once the guest's
    run is over (`finish`)."""

    def __init__(self, stdin, stdout, stderr):
        import threading
        self.threads, self.ends = [], {}
        for fd, obj in ((0, stdin), (1, stdout), (2, stderr)):
            if obj is None:
                continue
            read_end, write_end = os.pipe()
            if fd == 0:
                self.ends[fd] = read_end
                worker = threading.Thread(target=self._feed, args=(obj, write_end), daemon=True)
            else:
                self.ends[fd] = write_end
                worker = threading.Thread(target=self._drain, args=(read_end, obj), daemon=True)
            worker.start()
            self.threads.append(worker)

    def fd_map(self, given: dict | None) -> dict:
        fds = dict(given) if given is not None else {fd: fd for fd in (0, 1, 2)}
        fds.update(self.ends)
        return fds

    @staticmethod
    def _feed(obj, fd: int) -> None:
        try:
            while True:
                data = obj.read(65536)
                if not data:
                    break
                os.write(fd, data.encode() if isinstance(data, str) else data)
        except OSError:
            pass
        finally:
            os.close(fd)

    @staticmethod
    def _drain(fd: int, obj) -> None:
        binary = not hasattr(obj, "encoding")
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            while True:
                data = pipe.read(65536)
                if not data:
                    break
                obj.write(data if binary else data.decode("utf-8", "replace"))

    def finish(self, kernel) -> None:
        """The guest is done: close its fds (as its exit would: so the pipes end) and wait
        for the output."""
        for entry in list(kernel.fds.entries.values()):
            if entry.host > 2:
                try:
                    os.close(entry.host)
                except OSError:
                    pass
        kernel.fds.entries.clear()
        for worker in self.threads:
            worker.join(timeout=5)


class Machine:
    """One guest process."""

    def __init__(self, path: str, argv: list[str | bytes] | None = None,
                 env: dict | None = None, *, mode: str = "interp", sysroot: str | None = None,
                 strace: bool = False, trace: tuple = (), err=None,
                 code_cache_size: int | None = None, speculate: str = "off", cache=None,
                 closed_fds: frozenset = frozenset(), ignored_signals: int = 0,
                 blocked_signals: int = 0, tier_up: int | None = None,
                 hot_threshold: int | None = None, background: bool = False,
                 hot: str | None = None, execfn: bytes | None = None,
                 fd_map: dict[int, int] | None = None, relaunch: list[str] | None = None,
                 host_env: dict | None = None, host_signals: bool = False,
                 stack_size: int | None = None, uname_release: str | None = None,
                 stdin=None, stdout=None, stderr=None, precise_faults: bool = False,
                 exec_here: bool = False):
        """`env`: a dict, or the guest's envp as a list of b"NAME=value" strings. `execfn`:
        the path the program was started by (AT_EXECFN; default `path`). `fd_map`,
        `host_env`: see LinuxKernel. `relaunch`: the `dbt-vm run` options an execve of a
        guest program starts it with (default: this machine's mode and sysroot).
        `host_signals`: the host process takes the guest's signal dispositions (the command
        line's machine: host signals reach guest handlers). `stack_size`: the guest stack's
        size (qemu-user's -s), `uname_release`: what uname reports as the release (-r).
        `stdin`, `stdout`, `stderr`: Python file objects for the guest's fds 0, 1 and 2
        instead of this process's (binary ones get the bytes, text ones their UTF-8 text;
        see GuestFiles). `precise_faults`: the registers are precise after a guest fault in
        every tier from the start (as they are once the guest installs a handler of SIGSEGV
        or SIGBUS; without one, hot code may leave registers written before a faulting
        access in a region with their values from its entry: only a handler could see them,
        or a caller of this API after a crash). `exec_here`: a guest's execve of a guest
        program ends `run` with an Exit whose `image` (linux.spawn.ExecImage) says what to
        run next in this process (the command line's machine), instead of replacing the
        process with a new dbt-vm."""
        start = time.perf_counter()
        self.stats = Stats()
        self.err = err or sys.stderr
        self.mode = mode
        self.memory = GuestMemory()
        argv_b = [os.fsencode(a) for a in (argv if argv is not None else [path])]
        if isinstance(env, list):
            env_b = [os.fsencode(item) for item in env]
        else:
            env_b = [os.fsencode(k) + b"=" + os.fsencode(v) for k, v in (env or {}).items()]
        self.program = load(path, self.memory, argv_b, env_b,
                            execfn=execfn or os.fsencode(path), sysroot=sysroot,
                            **({"stack_size": stack_size} if stack_size else {}))
        self.arch = self.program.arch
        self._symbol_tables: Symbols | None = None
        self.files = GuestFiles(stdin, stdout, stderr) if (stdin or stdout or stderr) else None
        if self.files is not None:
            fd_map = self.files.fd_map(fd_map)
        self.state = GuestState(self.arch.layout)
        self.state.pc = self.program.start_pc
        self.state[self.arch.stack_pointer] = self.program.sp
        for name, value in self.arch.initial_fields:
            self.state[name] = value
        self.kernel = LinuxKernel(self.memory, self.arch.syscall_abi,
                                  exe_path=os.path.abspath(path),
                                  sysroot=self.program.sysroot, strace=strace, err=self.err,
                                  argv=argv_b, auxv=self.program.auxv,
                                  closed_fds=closed_fds, ignored_signals=ignored_signals,
                                  blocked_signals=blocked_signals, fd_map=fd_map,
                                  relaunch=relaunch if relaunch is not None else
                                  ["--mode", mode, *(["-L", sysroot] if sysroot else [])],
                                  host_env=host_env,
                                  signal_frames=self.arch.signal_frames,
                                  stack_pointer=self.arch.stack_pointer,
                                  host_signals=host_signals)
        self.kernel.uname_release = uname_release
        self.kernel.exec_here = exec_here
        self.kernel.signals.trampoline = self.program.trampoline
        self.syscall_hooks: dict[int, object] = {}
        self.engine = self._make_engine(mode, trace, code_cache_size, speculate, cache, path,
                                        tier_up, hot_threshold, background, hot)
        threads = self.kernel.threads           # the guest's threads (linux/threads.py)
        threads.main.state = self.state
        threads.runner = self._run_task
        threads.forked_end = self._end_forked_child
        if hasattr(self.engine, "bind"):
            threads.on_switch.append(self.engine.bind)
        threads.on_multi.append(self._threads_start)
        self.kernel.on_handler.append(self._handler_installed)
        if precise_faults and hasattr(self.engine, "make_precise"):
            self.engine.make_precise()
        after_fork = getattr(self.engine, "after_fork", None)
        if after_fork is not None:
            self.kernel.on_fork.append(after_fork)
        before_exec = getattr(self.engine, "before_exec", None)
        if before_exec is not None:
            self.kernel.on_exec.append(before_exec)
        self.stats.load_seconds = time.perf_counter() - start

    def _make_engine(self, mode: str, trace: tuple, code_cache_size: int | None,
                     speculate: str, cache, path: str, tier_up: int | None,
                     hot_threshold: int | None, background: bool, hot: str | None):
        """The engine of `mode`. `cache` is the persistent translation cache (a
        cache.disk.DiskCache) or None; tracing runs without it (it shows each translation
        as it is made)."""
        if mode not in MODES:
            raise ValueError(f"mode {mode!r} does not exist yet")
        self.trace = set(trace)
        lift = self._lift_function()
        options = EngineOptions(
            on_block=self._trace_block if self.trace & {"in_asm", "ir"} else None,
            on_llvm=self._trace_llvm if "llvm" in self.trace else None,
            on_asm=self._trace_asm if "asm" in self.trace else None,
            code_cache_size=code_cache_size, speculate=speculate,
            cache=None if self.trace else cache, label=os.path.basename(path), mode=mode,
            tier_up=tier_up, hot_threshold=hot_threshold, background=background, hot=hot,
            insn_align=self.arch.insn_align)
        backend = importlib.import_module(ENGINES[mode])
        return backend.make_engine(self.state, self.memory, lift, options)

    def _lift_function(self):
        """lift(pc) -> the optimized IR block at pc, timing its stages into self.stats (a
        clock pair per block and stage: well under a microsecond against tens)."""
        fetch, arch, stats = self.memory.fetch, self.arch, self.stats
        clock = time.perf_counter
        passes = None

        def setup(pc):
            """The passes, and the frontend's first decode, which imports it and builds its
            decode tables: a cost of the process, not of the block (stats.setup_seconds).
            Both are imported when first used: a run that translates nothing needs neither."""
            start = clock()
            from .opt import optimize
            if arch.decode_block is not None:
                arch.decode_block(fetch, pc)
            stats.setup_seconds = clock() - start
            return optimize

        def lift(pc):
            nonlocal passes
            if passes is None:
                passes = setup(pc)
            start = clock()
            if arch.decode_block is None:
                block = arch.lift(fetch, pc)
                decoded = start
            else:
                insns = arch.decode_block(fetch, pc)
                decoded = clock()
                block = arch.lift_decoded(fetch, insns)
            lifted = clock()
            block = passes(block)
            stats.decode_seconds += decoded - start
            stats.lift_seconds += lifted - decoded
            stats.pass_seconds += clock() - lifted
            stats.lifted_blocks += 1
            stats.lifted_insns += block.ninsns
            return block
        lift.identity = arch.name         # what the blocks are lifted for: the same bytes at
        return lift                       # the same page offset give the same block

    # -- running ---------------------------------------------------------------------------------
    def run(self) -> Exit:
        """Run the guest until it exits or dies; never raises for guest behaviour."""
        start = time.perf_counter()
        try:
            return self._loop(self.state)
        finally:
            close = getattr(self.engine, "close", None)
            if close is not None:
                close()
            if self.files is not None:
                self.files.finish(self.kernel)
            self.stats.total_seconds = time.perf_counter() - start

    def _loop(self, state) -> Exit:
        """Run one guest thread (`state`: the main thread's, or another's on its own host
        thread) until the process ends (its Exit) or the thread does (threads.ThreadExit)."""
        engine = self.engine
        pc = state.pc
        kernel = self.kernel
        threads = kernel.threads
        while True:
            try:
                try:
                    reason, pc = engine.run(pc)
                    if reason == EXIT_SYSCALL:
                        self._syscall(state)
                        if threads.handover:         # the first thread was made
                            return self._hand_over()
                    elif reason == EXIT_ICACHE_FLUSH:
                        engine.flush()
                    elif reason == "interrupt":          # (native code saw the slot set)
                        state["interrupt"] = 0
                        threads.yield_()                 # (a thread waits for the lock)
                    else:
                        raise GuestTrap(reason, pc)
                    if kernel.signals.any_pending():
                        kernel.deliver_pending(state)
                except GuestFault as exc:
                    if not self._fault_to_handler(state, exc):
                        return self._fault_exit(exc)
                except GuestTrap as exc:
                    if not self._trap_to_handler(state, exc):
                        return self._trap_exit(exc)
            except ProcessExit as exc:
                return Exit(status=exc.status)
            except ExecImage as exc:
                return Exit(image=exc)
            except FatalSignal as exc:
                return Exit(signal=exc.signo)
            pc = state.pc

    def _handler_installed(self, signo: int) -> None:
        """The guest handles `signo` from now on: a handler of a fault (SIGSEGV, SIGBUS)
        reads the registers at the fault, which hot code must then keep exact; one of a
        signal that may come at any time must run while hot loops run too. (What it costs
        hot code is paid only from then on: lower.flush_dirty, lower.polls.)"""
        if signo in (signal.SIGSEGV, signal.SIGBUS):
            need = getattr(self.engine, "make_precise", None)
        elif signo in TRAP_SIGNALS.values() or signo == signal.SIGFPE:
            need = None                   # (raised by the instruction itself: exact already)
        else:
            need = getattr(self.engine, "make_interruptible", None)
        if need is not None:
            need()

    # -- threads --------------------------------------------------------------------------------
    def _threads_start(self) -> None:
        """The guest makes its first thread: the engine lets go of the big lock while native
        code runs, from now on."""
        start = getattr(self.engine, "start_threads", None)
        if start is not None:
            start(self.kernel.threads)

    def _run_task(self, task) -> Exit:
        """A guest thread's life on its host thread (threads.Threads.runner)."""
        return self._loop(task.state)

    def _end_forked_child(self, ended) -> None:
        """The end of a process forked by a guest thread (no other host thread is there to
        return it from run): finish as run would, then exit with the guest's status or die
        of its signal, as the command line does."""
        close = getattr(self.engine, "close", None)
        try:
            if close is not None:
                close()
            if self.files is not None:
                self.files.finish(self.kernel)
            for stream in (sys.stdout, sys.stderr, self.err):
                stream.flush()
        except Exception:                 # (nothing to report it to: the guest's status wins)
            pass
        if isinstance(ended, Exit) and ended.signal:
            die_by_signal(ended.signal, ended.message)
        os._exit(ended.status if isinstance(ended, Exit) else 70)

    def _hand_over(self) -> Exit:
        """The main thread's task goes on in a host thread of its own; this (the host's main)
        thread waits for the process to end, and returns how it did."""
        threads = self.kernel.threads
        threads.handover = False
        threads.start(threads.main)
        ended = threads.wait_end()
        if isinstance(ended, BaseException):    # (dbt-vm's own failure in a thread)
            raise ended
        return ended

    def _syscall(self, state) -> None:
        nr = state[self.arch.syscall_abi.nr]
        hook = self.syscall_hooks.get(nr)
        if hook is not None and hook(self) is not None:
            return
        self.kernel.syscall(state)

    def _fault_to_handler(self, state, exc: GuestFault) -> bool:
        """Enter the guest's handler of a fault's signal (True), if it has one."""
        bus = exc.signal == "SIGBUS"
        signo = signal.SIGBUS if bus else signal.SIGSEGV
        code = signals.BUS_ADRALN if bus else (
            signals.SEGV_ACCERR if self.memory.mapping_at(exc.addr) is not None
            else signals.SEGV_MAPERR)
        return self._to_handler(state, exc.pc, signo, code, exc.addr)

    def _trap_to_handler(self, state, exc: GuestTrap) -> bool:
        signo = TRAP_SIGNALS[exc.kind]
        code = {"fetch": signals.SEGV_MAPERR, "pc_align": signals.BUS_ADRALN,
                "illegal": signals.frames(self.kernel).ILLEGAL_CODE,
                "breakpoint": signals.TRAP_BRKPT}.get(exc.kind, 0)
        return self._to_handler(state, exc.pc, signo, code, exc.pc)

    def _to_handler(self, state, pc: int, signo: int, code: int, addr: int) -> bool:
        """Deliver a fault's signal to the guest's handler (True), if it has one (--strace
        shows it either way)."""
        state.pc = pc
        return signals.deliver_fault(self.kernel, state, signo, code, addr)

    def _fault_exit(self, exc: GuestFault) -> Exit:
        signo = signal.SIGBUS if exc.signal == "SIGBUS" else signal.SIGSEGV
        what = {"read": "read from", "write": "write to", "exec": "execute at",
                "misaligned": "misaligned atomic access at"}.get(exc.access, "access to")
        message = (f"guest {signal.Signals(signo).name}: pc {exc.pc:#x}: "
                   f"{what} address {exc.addr:#x}")
        return Exit(signal=signo, message=message)

    def _trap_exit(self, exc: GuestTrap) -> Exit:
        signo = TRAP_SIGNALS[exc.kind]
        if exc.kind == "fetch":
            message = f"guest SIGSEGV: pc {exc.pc:#x}: execute at address {exc.pc:#x}"
        elif exc.kind == "pc_align":
            message = f"guest SIGBUS: pc {exc.pc:#x}: misaligned instruction address"
        else:
            what = {"illegal": "illegal instruction", "breakpoint": "breakpoint"}[exc.kind]
            message = f"guest {signal.Signals(signo).name}: pc {exc.pc:#x}: {what}"
        return Exit(signal=signo, message=message)

    # -- inspection (the Python API) ------------------------------------------------------
    def _field(self, name: str) -> str:
        if name == "pc" or name in self.state.layout:
            return name
        alias = (self.arch.reg_aliases or {}).get(name)
        if alias is None:
            raise KeyError(f"no register {name!r} in {self.arch.name}")
        return alias

    def reg(self, name: str) -> int:
        """A register by its state field (`x10`) or its assembly name (`a0`, `sp`, `lr`)."""
        return self.state[self._field(name)]

    def set_reg(self, name: str, value: int) -> None:
        self.state[self._field(name)] = value

    def read(self, addr: int, length: int) -> bytes:
        """Guest memory (GuestFault where it is not readable)."""
        return self.memory.read(addr, length)

    def write(self, addr: int, data: bytes) -> None:
        """Write guest memory as the guest would (GuestFault where it is not writable);
        translations of code it overwrites are dropped."""
        self.memory.write(addr, data)

    def on_syscall(self, syscall: int | str, hook) -> None:
        """Handle a syscall (its number, or its name on this ISA) in Python instead of the
        kernel: `hook(machine, args)` gets the six raw argument registers; an int it returns
        is the syscall's result (a negative errno for an error), None lets the kernel handle
        the call. The registers and memory are the machine's to read and change."""
        nr = syscall if isinstance(syscall, int) else self.kernel.syscall_number(syscall)
        abi = self.arch.syscall_abi

        def call(machine):
            result = hook(machine, [machine.state[r] for r in abi.args])
            if result is None:
                return None
            machine.state[abi.ret] = result & ((1 << 64) - 1)
            return True
        self.syscall_hooks[nr] = call

    def _trace_llvm(self, text: str) -> None:
        print(text, file=self.err)

    def _trace_asm(self, name: str, lines: list) -> None:
        print(f"----------------\nOUT: {name}\n" + "\n".join(lines) + "\n", file=self.err)

    def _symbols(self) -> Symbols:
        """The function names of the program and its interpreter (`IN:` lines), read once."""
        if self._symbol_tables is None:
            images = [(self.program.path, self.program.bias)]
            if self.program.interp:
                images.append((self.program.interp, self.program.interp_bias))
            self._symbol_tables = Symbols(images)
        return self._symbol_tables

    def _trace_block(self, block) -> None:
        if "in_asm" in self.trace:
            pcs = block.insn_pcs()
            lines = ["----------------", f"IN: {self._symbols().lookup(pcs[0]) if pcs else ''}"]
            for pc in pcs:
                line = self.arch.disasm_line(self.memory.fetch, pc)
                lines.append(line if line is not None else f"0x{pc:08x}: unable to read memory")
            print("\n".join(lines) + "\n", file=self.err)
        if "ir" in self.trace:
            print(repr(block) + "\n", file=self.err)
