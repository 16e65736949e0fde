"""Dynamic translation: regions of guest blocks compiled by LLVM, run by a native dispatcher.

`DynamicEngine.run(pc)` has the interpreter engine's contract (run until a syscall, icache
flush or trap; raise guest faults), so the runtime drives either the same way. Python is entered
only for a pc without a translation, a syscall, a fault, a flush, or a block the LLVM backend
cannot lower yet, which the interpreter runs (both share the GuestState layout: the slot list
is copied into the native state array and back at each switch).

A region is formed at a missing pc by following the static successors of its blocks (branch
targets, fall-throughs, the return point of a syscall; dbt/region.py), up to MAX_REGION_BLOCKS,
and compiled as one LLVM function in which branches between its blocks are plain LLVM branches.

With `speculate`, a helper process (speculate.py) translates the exits of each new region
ahead, and compiles hot regions while tier 1 runs on; the engine adopts what the helper made
when the guest gets there (regions only if their guest bytes are unchanged).

The `auto` mode is this engine with a tier below LLVM (`tier_up`): a block that has no
native code yet runs in tier 0, the interpreter (backends/interp), which counts how often
each block ran there; a block that ran `tier_up` times is warm and gets a tier-1 region
(compiled by the helper process while tier 0 goes on, or here), and tier 1's own counters
lead on to the hot tier as in the dynamic mode. Most blocks of a real program run a few times
(start-up code): they never cost an LLVM compile in this process. As in the dynamic mode, the
helper also translates the exits of each tier-1 region ahead, on the second CPU: a block it
has made by the time the guest first gets there runs natively from its first run (two
interleaved runs of 9-10 code-heavy, kernel and real programs, cold: 0.82 and 0.93 of the time
without it, geometric mean; chess was 1.25-1.35 times slower, fib 0.4-0.6). Code in the
persistent cache runs natively at once, whatever its counts.
"""

from __future__ import annotations

import ctypes
import os
import re
import time
from collections import Counter
from collections.abc import Callable

from dbt.ir.block import Block
from dbt.memory import GuestFault
from dbt.region import (HOT_REGION_BLOCKS, HOT_REGION_INSNS, MAX_REGION_BLOCKS, form_region,
                        record_trace, region_exits)
from dbt.state import COMMON_SLOTS, GuestState
from dbt.traps import GuestTrap

from . import fp_runtime, rtcache
from .cachekey import config_key, tier0_key
from .codemem import PERF_MAP, SYMBOLS, runtime_arena
from .codestore import BlockSpan, CodeStore, Region
from .image import HOT_KINDS, KIND_STATIC, NONE, POLLS, PRECISE
from .native import NativeRuntime
from .optable import (REASON_HOST_FAULT, REASON_HOST_FAULT_WRITE, REASON_HOT, REASON_INTERP,
                      REASON_MISALIGNED, REASON_NAMES, REASON_READ_FAULT, REASON_WRITE_FAULT,
                      Unsupported, jc_shift)
from .units import Units

TYPE_CHECKING = False                  # (typing.TYPE_CHECKING without importing typing)
if TYPE_CHECKING:
    from .speculate import Speculated, Speculator

# A run whose code is all in the persistent cache translates nothing: what only translating
# needs (lowering, the helper process, the interpreter for deopts, LLVM) is imported when
# first needed, not here.

TIER_UP = 50                           # tier-0 runs of a block before tier 1 (auto mode)
TIER_UP_ALONE = 4                      # ... and this many times as many (counted from when the
                                       # helper was asked) before a block that the helper has
                                       # not compiled yet is compiled here
POLL_RUNS = 8                          # a warm block looks for the helper's results every
                                       # this many runs
JIT_START = 200                        # LLVM (and the helper process) start once tier 0 has
                                       # run this many times TIER_UP blocks in all: starting
                                       # them costs 0.1-0.2 s, what tier 0 runs in that time
FINISH_SECONDS = 300                   # a background translation after the run stops then
FINISH_WAIT, FINISH_POLL = 60.0, 0.05  # it compiles only while no guest runs with the cache:
                                       # it waits up to this long in all for that (a long
                                       # script's would pile up), looking every FINISH_POLL s
HOT_THRESHOLD = 400_000                # tier-1 counts (entries and backward branches,
                                       # weighted by FP ops) before the hot tier
HOT_POLL = HOT_THRESHOLD // 8          # while the helper compiles a hot region, tier 1 leaves
                                       # after this many counts to see whether it is done
END_WAIT, END_WAIT_SHARE = 0.5, 0.1    # at the end of a run, wait this long (at most, and at most
                                       # this share of the run) for a hot region being compiled
DEFAULT_CODE_CACHE = 64 << 20          # bytes of host code before the cache is flushed
TIER0_LIMIT = 64 << 20                 # bytes of a file's stored tier-0 translations
ARENA_SLACK = 16 << 20                 # room past the limit for the region being placed
_PC, _REASON = COMMON_SLOTS["pc"], COMMON_SLOTS["exit_reason"]
_FAULT_ADDR, _ICOUNT = COMMON_SLOTS["fault_addr"], COMMON_SLOTS["icount"]

_FAULTS = {
    REASON_READ_FAULT: ("read", "SIGSEGV"),
    REASON_WRITE_FAULT: ("write", "SIGSEGV"),
    REASON_HOST_FAULT: ("read", "SIGSEGV"),
    REASON_HOST_FAULT_WRITE: ("write", "SIGSEGV"),
    REASON_MISALIGNED: ("misaligned", "SIGBUS"),
}


def _idle() -> None:
    """Let this process (a background translation) run only when a CPU has nothing else to
    run (SCHED_IDLE; else the lowest nice level). At nice 10, the background translations of
    a shell script's commands, one per command that ran, took a third of a CPU from the
    script's own processes on 2 cores: cold, 10.8 s against 7.1 s without them."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        try:
            os.nice(19)
        except OSError:
            pass


class DynamicStats:
    """What the dynamic engine did (stats.py reports it)."""
    __slots__ = ("regions", "hot_regions", "blocks_translated", "insns_translated",
                 "compile_seconds", "lift_seconds", "flushes", "exits", "interp_blocks",
                 "speculated", "speculated_used", "hot_ahead", "tier0_seconds",
                 "warm_requests", "warm_seconds", "traces", "trace_blocks", "trace_insns",
                 "traces_closed", "record_seconds")

    def __init__(self):
        self.regions = 0
        self.hot_regions = 0
        self.blocks_translated = 0
        self.insns_translated = 0
        self.compile_seconds = 0.0
        self.lift_seconds = 0.0        # decoding, lifting, lowering to LLVM IR (Python)
        self.flushes = 0
        self.exits = Counter()         # dispatcher exits to Python by reason
        self.interp_blocks = 0         # blocks run by the interpreter
        self.speculated = 0            # regions translated ahead by the helper process
        self.speculated_used = 0       # ... and adopted
        self.hot_ahead = 0             # hot regions the helper process compiled
        self.tier0_seconds = 0.0       # time in tier 0, its translations included
        self.warm_requests = 0         # warm blocks the helper was asked to compile
        self.warm_seconds = 0.0        # ... and the time tier 0 spent on warm blocks (asking,
                                       # adopting, compiling tier 1 itself)
        self.traces = 0                # traces recorded and compiled (--hot traces)
        self.trace_blocks = 0          # ... their blocks
        self.trace_insns = 0           # ... and guest instructions
        self.traces_closed = 0         # ... that loop back to their head
        self.record_seconds = 0.0      # recording them (interpreting the path)


class _Deferred:
    """Stands in for an object until it is first used: then `make()` makes it (and the
    owner rebinds its own reference; others keep going through this one)."""

    def __init__(self, make: Callable[[], object]):
        self._make = make
        self._made = None

    def __getattr__(self, name: str):
        if self._made is None:
            self._made = self._make()
        return getattr(self._made, name)


class DynamicEngine:
    name = "dynamic"

    def __init__(self, state: GuestState, memory, lift: Callable[[int], Block],
                 on_block=None, code_cache_size: int = DEFAULT_CODE_CACHE,
                 on_llvm: Callable[[str], None] | None = None,
                 on_asm: Callable[[str, list], None] | None = None, speculate: str = "off",
                 cache=None, label: str = "", static: bool = False,
                 tier_up: int | None = None, hot_threshold: int = HOT_THRESHOLD,
                 background: bool = True, traces: bool = False, jc_shift: int = 1):
        self.state = state
        self.jc_shift = jc_shift                   # the jump cache's (optable.jc_shift)
        self.memory = memory
        self.lift = lift
        self.started = time.perf_counter()
        self.on_block = on_block
        self.on_llvm = on_llvm
        self.on_asm = on_asm              # trace hook: (function name, host instructions)
        self.code_cache_size = code_cache_size
        self.threshold = hot_threshold             # tier-1 counts before the hot tier
        self.tier_up = tier_up                     # tier-0 runs before tier 1 (None: no tier 0)
        self.runs: dict[int, int] = {}             # tier 0: block pc -> runs there so far
        self.jit_started = False                   # tier 0 has run enough for LLVM (auto)
        self.warm_sent: dict[int, int] = {}        # warm pc -> its runs when the helper
                                                   # was asked for its tier-1 code
        self.forked_runs: dict | None = None       # in a forked child: `runs` at the fork
        self.background = background               # auto: translate tier 0's code after
        self.traces = traces                       # hot code: recorded traces, not regions
        self._compilers: dict[int, object] = {}    # opt level -> Compiler (made when needed)
        config = None
        if cache is not None:                        # (the runtime's code comes from it too)
            config = config_key(self.window_bits(), self.threshold, state.layout, cache,
                                jc_shift)
            rtcache.use_cache(cache, config)
        # the native dispatcher (LLVM-compiled when the cache does not hold it): in the auto
        # mode, made when the first native code is (a run that stays in tier 0 needs none)
        self.native = _Deferred(self._make_native) if tier_up is not None else NativeRuntime(
            runtime_arena(), memory.base, memory.size, jc_shift=jc_shift)
        self.store = CodeStore(self.native, code_cache_size + ARENA_SLACK)
        self.code = self.store.code              # block pc -> the Region that enters there
        # The guest state lives in one buffer that native code uses in place; the Python side
        # (syscalls, deopts to the interpreter) sees it through a memoryview of the same
        # bytes, so that an exit to Python copies no registers either way.
        self.buffer = self._in_buffer(state)
        self.buffers = {id(state): (state, self.buffer, None)}   # each thread's state's
                                                                # buffer (and its task)
        self.gate = None                 # threads.Threads, once the guest has threads: its
                                         # big lock is let go of while native code runs
        self.guarantees = 0              # of hot code (image.PRECISE, POLLS): what the guest
                                         # needs, from when it needs it
        self.interp_only: set[int] = set()
        self._interp = None                        # the interpreter, for deopts (made once)
        self.tier0_read: set = set()               # guest files whose stored tier 0 was read
        self.tier0_seen = (0, 0)                   # ... and the mapping last asked about
        self.stats = DynamicStats()
        memory.write_listeners.append(self._on_memory_change)
        # a helper process translating ahead (started at the first miss, once the guest's
        # code is loaded); not with trace hooks, which show each translation as it is made
        # ("sync": wait for the helper whenever it is busy, for deterministic tests)
        traced = on_block is not None or on_llvm is not None or on_asm is not None
        self.speculate = "off" if traced else speculate
        self.spec: Speculator | None = None
        self.pending: dict[str, tuple] = {}     # hot regions the helper compiles:
        self.pending_blocks: set[int] = set()   # name -> (region id, blocks, text); their pcs
        # the persistent cache: images of the guest files whose code runs (units.py)
        self.cache, self.label, self.static = cache, label, static
        self.units: Units | None = None
        self.image_regions: dict[int, Region] = {}   # function -> an image's region, once
        self.cache_summary: dict = {}                # what cache_figures said at the end
        if cache is not None:                        # the hot tier needed its blocks
            self.units = Units(memory, self.native, cache, config, SYMBOLS)
            self.units.keep_loaded = not static     # (static: its coverage counts)
            cache.hold_active()

    @staticmethod
    def _in_buffer(state: GuestState):
        buffer = (ctypes.c_uint64 * state.layout.nslots)(*state.regs)
        state.regs = memoryview(buffer).cast("B").cast("Q")
        return buffer

    def bind(self, task) -> None:
        """Run the state of `task` (a guest thread, threads.Task) from now on: the runtime
        binds the engine to the thread that holds the big lock."""
        state = task.state
        found = self.buffers.get(id(state))
        if found is None:
            for key, (_s, _b, other) in list(self.buffers.items()):   # (threads that ended)
                if other is not None and other.exited and other is not task:
                    del self.buffers[key]
            found = self.buffers[id(state)] = (state, self._in_buffer(state), task)
        self.state, self.buffer, _ = found
        if self._interp is not None:
            self._interp.bind(task)

    def start_threads(self, gate) -> None:
        """The guest made its first thread: let go of `gate` (threads.Threads) while native
        code runs; code memory is never given back from now on (another thread may be
        running it)."""
        self.gate = gate
        if self.units is not None:
            self.units.keep_memory = True

    def make_precise(self) -> None:
        """From now on, the guest state is precise at a guest fault in hot code too (the
        guest installed a handler of SIGSEGV or SIGBUS, which sees the registers)."""
        self._require(PRECISE)

    def make_interruptible(self) -> None:
        """From now on, hot loops stop for a pending signal too (the guest installed a
        handler of a signal that may arrive at any time)."""
        self._require(POLLS)

    def _require(self, guarantee: int) -> None:
        """Hot code gives `guarantee` from now on: the hot code made so far is dropped, and
        images load only hot code that gives it. Tier 0 and tier 1 give every guarantee
        already (the interpreter tests the `interrupt` slot after every block and maps a
        fault to its instruction; tier-1 loops poll, and tier 1 keeps the state in place),
        so their code stays: python3 installs its SIGINT handler after most of its
        start-up has run, and dropping everything made it translate ~9,000 blocks again."""
        if self.guarantees & guarantee:
            return
        self.guarantees |= guarantee
        if self.units is not None:             # (their images are closed: nothing may
            self.units.require(self.guarantees)  # lead into them any more)
            self.image_regions.clear()
        if not isinstance(self.native, _Deferred):
            self.native.clear_jump_cache()      # (what is kept is entered again at a miss)
        self.store.drop_hot()
        self._forget_hot_jobs()                  # (compiled without it)

    def _hot_options(self) -> dict:
        return {"precise": bool(self.guarantees & PRECISE),
                "polls": bool(self.guarantees & POLLS)}

    def _make_native(self) -> NativeRuntime:
        """The native runtime, made now (it replaces the _Deferred standing in for it)."""
        native = self.native = NativeRuntime(runtime_arena(), self.memory.base,
                                             self.memory.size, jc_shift=self.jc_shift)
        native.install_handler()
        return native

    def compiler(self, opt_level: int):
        """The LLVM compiler at `opt_level` (LLVM is loaded at the first translation)."""
        found = self._compilers.get(opt_level)
        if found is None:
            from .compiler import Compiler
            found = self._compilers[opt_level] = Compiler(opt_level)
        return found

    @property
    def interp(self):
        """The interpreter that runs blocks the LLVM backend leaves to it (made on first use)."""
        if self._interp is None:
            from dbt.backends.interp.engine import InterpEngine
            self._interp = InterpEngine(self.state, self.memory, self.lift, self.on_block)
            if self.units is not None and self.tier_up is not None:
                self._interp.find = self._stored_tier0
        return self._interp

    # -- tier 0's translations kept on disk ----------------------------------------------------------
    # Tier 0 is where a new process spends its first second: ~150 us a block of Python to
    # decode, lift and generate, for blocks most of which run a few times. A shell script's
    # commands run the same code again and again (ld.so, libc's start-up, the same program
    # in each iteration of a loop), each in a new process, before the background translation
    # has put it into the images. So the interpreter's translations of a file's code are kept
    # too (kind "t0", under the file's image key: dbt-vm's sources and the file's bytes), at
    # the same points as the images, and a process reads a file's at its first tier 0 miss
    # there. They are Python code objects: only this Python reads them (engine.unpack). A
    # file's stop growing at TIER0_LIMIT bytes.
    def _stored_tier0(self, pc: int) -> bool:
        """Make the stored tier-0 translations of pc's file reusable here (once per file);
        True if that found any new. (The interpreter's `find`, set while there are units:
        close() lets them go while other guest threads may still run.)"""
        units = self.units
        if units is None or self.tier0_seen[0] <= pc < self.tier0_seen[1]:
            return False                        # (the mapping asked about last)
        m = self.memory.mapping_at(pc)
        if m is not None:
            self.tier0_seen = (m.start, m.end)
        found = units.key_of(pc)
        if found is None or found[0] in self.tier0_read:
            return False
        self.tier0_read.add(found[0])
        image = units.image_key(found[0])
        data = None if image is None else self.cache.read("t0", tier0_key(image))
        if data is None:
            return False
        from dbt.backends.interp import engine
        return engine.absorb(self._interp.identity, engine.unpack(data)) > 0

    def _drop_tier0(self, pcs: list[int], kept: set) -> None:
        """Remove the stored tier-0 translations of the files of `pcs` and of `kept` (image
        keys), whose code the images hold now (another process's additions there go too:
        its own background translation puts them into the images)."""
        units = self.units
        images = {units.image_key(found[0]) for found in map(units.key_of, pcs) if found}
        for image in images | kept:
            if image:
                self.cache.remove("t0", tier0_key(image))

    def _forget_tier0(self) -> None:
        """Leave the tier-0 translations this process made to another to keep (its parent,
        at a fork; its background process)."""
        if self._interp is not None:
            from dbt.backends.interp import engine
            engine.forget_new()

    def _keep_tier0(self, wait: bool = False) -> set:
        """Add the tier-0 translations this process made of unchanged guest files to each
        file's stored ones (and return those files' image keys)."""
        if self._interp is None or self._interp.identity is None:
            return set()
        from dbt.backends.interp import engine
        units, by_image = self.units, {}
        for made in engine.take_new():
            found = units.key_of(made.pc)
            image = found and units.image_key(found[0])
            if image:
                by_image.setdefault(image, (found[0], []))[1].append(made)
        for image, (file, new) in by_image.items():
            label = f"{os.path.basename(os.fsdecode(file.path))} (tier 0)"
            self.cache.update("t0", tier0_key(image),       # (best effort: a guest's
                              lambda old, new=new: None if old is not None and len(old)
                              > TIER0_LIMIT else engine.pack(new, old), label=label,
                              wait=wait)                     # exit does not wait for it)
        return set(by_image)

    # -- figures the runtime reports ---------------------------------------------------------------
    def _interp_figure(self, name: str):
        return 0 if self._interp is None else getattr(self._interp, name)

    @property
    def icount(self) -> int:
        """Guest instructions run (natively counted per block; a fault's block counts whole)."""
        return self._interp_figure("icount") + self.state.regs[_ICOUNT]

    @property
    def blocks_lifted(self) -> int:
        return self.stats.blocks_translated + self._interp_figure("blocks_lifted")

    @property
    def insns_lifted(self) -> int:
        return self.stats.insns_translated + self._interp_figure("insns_lifted")

    @property
    def lift_seconds(self) -> float:
        return (self.stats.lift_seconds + self.stats.compile_seconds
                + self._interp_figure("lift_seconds"))

    @property
    def code_bytes(self) -> int:
        return self.store.used

    # -- running --------------------------------------------------------------------------------------
    def run(self, pc: int) -> tuple[str, int]:
        regs = self.state.regs
        if not isinstance(self.native, _Deferred):
            self.native.install_handler()      # (once: it stays until close)
        while True:
            if pc in self.interp_only:
                reason, pc = self._interpret(pc)
                if reason != "jump":
                    return reason, pc
                continue
            if isinstance(self.native, _Deferred):     # (auto: no native code yet, so
                left = 0                                # the dispatcher would miss)
            else:
                regs[_PC] = pc
                if self.gate is None:
                    left = self.native.run(self.buffer, self.memory.base)
                else:                             # (other threads run Python meanwhile)
                    left = self.gate.unlocked(self.native.run, self.buffer, self.memory.base)
                pc = regs[_PC]
                if left == 0:
                    self.stats.exits["miss"] += 1
            if left == 0:
                if self.tier_up is None:
                    self._miss(pc)
                elif pc in self.runs and self.code.get(pc) is None or not self._miss(pc):
                    reason, pc = self._tier0(pc)    # (a block tier 0 knows: straight there)
                    if reason != "jump":
                        return reason, pc
                continue
            if regs[_REASON] == REASON_HOT:
                self.stats.exits["hot"] += 1
                reason, pc = self._promote(pc)
                if reason != "jump":
                    return reason, pc
                continue
            if regs[_REASON] == REASON_INTERP or regs[_REASON] == 0:
                # (no reason: the guest jumped to an odd pc, which native code cannot tell
                # from its exit marker; the interpreter runs it, or traps as the ISA says)
                self.stats.exits["deopt"] += 1
                reason, pc = self._interpret(pc)
                if reason != "jump":
                    return reason, pc
                continue
            return self._left(regs, pc)

    def _interpret(self, pc: int) -> tuple[str, int]:
        """One block on the interpreter, which counts from the instructions retired so far
        (its instret/cycle reads must see the natively run ones too)."""
        self.stats.interp_blocks += 1
        regs, interp = self.state.regs, self.interp
        interp.icount, regs[_ICOUNT] = regs[_ICOUNT], 0
        try:
            return interp.step(pc)
        finally:
            regs[_ICOUNT], interp.icount = interp.icount, 0

    def _left(self, regs: list, pc: int) -> tuple[str, int]:
        code = regs[_REASON]
        if code in _FAULTS:
            access, signal = _FAULTS[code]
            self.stats.exits["fault"] += 1
            if code in (REASON_HOST_FAULT, REASON_HOST_FAULT_WRITE):
                pc = self._host_fault_pc(pc)
                regs[_PC] = pc
            raise GuestFault(regs[_FAULT_ADDR], access, signal=signal, pc=pc)
        reason = REASON_NAMES[code]
        self.stats.exits[reason] += 1
        if reason in ("illegal", "breakpoint", "fetch"):
            raise GuestTrap(reason, pc)
        return reason, pc

    def _host_fault_pc(self, pc: int) -> int:
        """The guest pc of the access that faulted on the host, from the pc notes of the code
        it was in (a region of this run or of a loaded image); `pc` if none names it."""
        host = self.native.fault_host_pc
        for region in self.store.regions.values():
            found = region.fault_pc(host)
            if found is not None:
                return found
        found = None if self.units is None else self.units.fault_pc(host)
        return pc if found is None else found

    # -- translation ------------------------------------------------------------------------------
    def _miss(self, pc: int, warm: bool = False) -> bool:
        """Give the dispatcher code for `pc`: a region translated already (here, in an image of
        the persistent cache, or by the helper process), else a new one. In the auto mode
        only a `warm` block is translated: False leaves `pc` to tier 0."""
        region = self.code.get(pc)
        if region is None and self.units is not None and self.units.prepare(pc):
            function = self.units.function(pc)     # an image holds it: no translation
            if function is not None:
                self.native.set_entry(pc, function)
                return True
        if region is None:
            if self.pending:
                self._adopt_hot()
            got = None
            if self.spec is not None:           # (waiting for it counts as translating)
                start = time.perf_counter()
                got = self.spec.take(pc, wait=self.tier_up is None)
                self.stats.lift_seconds += time.perf_counter() - start
            if got is None or not self._adopt(got):
                if self.tier_up is not None and not warm:
                    return False
                self._start_helper()
                self._translate(pc)
            region = self.code.get(pc)
        if region is not None:
            self.native.set_entry(pc, region.address)
            return True
        return False

    def _start_helper(self) -> None:
        """Start the helper process at the first translation (once the guest's code is
        loaded), if there is a CPU for it."""
        if self.speculate != "off" and self.spec is None:
            try:
                from .speculate import Speculator
                self.spec = Speculator(self, sync=self.speculate == "sync")
            except OSError:                 # no process to spare: translate alone
                self.speculate = "off"

    # -- tier 0 (auto mode) ---------------------------------------------------------------------
    def _tier0(self, pc: int) -> tuple[str, int]:
        """Run blocks in the interpreter from `pc`, counting each one's runs, until the guest
        reaches a block with native code (("jump", its pc): the dispatcher goes on there) or
        leaves to the runtime (syscall, flush, trap: as `run` returns them)."""
        regs, interp, runs, code = self.state.regs, self.interp, self.runs, self.code
        tier_up, interp_only, entries = self.tier_up, self.interp_only, code.entries

        def native(p: int) -> bool:             # (called after every block: kept lean)
            return p in entries or p not in runs and self._miss(p)
        interp.icount, regs[_ICOUNT] = regs[_ICOUNT], 0   # (instret reads see every tier)
        start = time.perf_counter()
        try:
            force = False
            while True:
                reason, pc = interp.run_counted(pc, runs, tier_up, native, force, POLL_RUNS)
                if reason != "jump" or code.get(pc) is not None:
                    return reason, pc
                count = runs.get(pc, 0)
                if count < tier_up:                 # (native code from an image)
                    return reason, pc
                if pc not in interp_only and self._warm_timed(pc, count):
                    return reason, pc
                force = True                        # warm, but tier 1 is not there yet
        finally:
            regs[_ICOUNT], interp.icount = interp.icount, 0
            self.stats.tier0_seconds += time.perf_counter() - start

    def _warm_timed(self, pc: int, count: int) -> bool:
        start = time.perf_counter()
        try:
            return self._warm(pc, count)
        finally:
            self.stats.warm_seconds += time.perf_counter() - start

    def _warm(self, pc: int, count: int) -> bool:
        """A block ran `tier_up` times in tier 0: have the helper process compile its tier-1
        region while tier 0 runs on (True once it is there), or compile it here when there is
        no helper, or the helper has not got to it within TIER_UP_ALONE times as many runs.
        Nothing before tier 0 has run JIT_START times `tier_up` blocks: a short program (hello)
        never pays for starting LLVM and the helper."""
        if not self.jit_started:
            if sum(self.runs.values()) < JIT_START * self.tier_up:
                return False
            self.jit_started = True
        if self.spec is None:
            self._start_helper()
        spec = self.spec
        asked = self.warm_sent.get(pc, count)      # (its count when the helper was asked)
        if (spec is not None and not spec.sync       # (sync: the same in every run)
                and count - asked < (TIER_UP_ALONE - 1) * self.tier_up):
            if pc not in self.warm_sent:
                self.warm_sent[pc] = count
                self.stats.warm_requests += 1
                spec.hint([pc], [])
            elif count % POLL_RUNS == 0:
                spec.poll()
            return pc in spec.ready and self._miss(pc)
        return self._miss(pc, warm=True)

    def after_fork(self) -> None:
        """In a forked guest child: the helper process is the parent's, so the child carries
        on without one (hot code it was compiling is compiled here when it is hot again)."""
        if self.spec is not None:
            self.spec.let_go()
            self.spec = None
        self.speculate = "off"
        self.forked_runs = dict(self.runs)      # (the parent's run fills the cache with
        self._forget_pending()                  # its own tier-0 code: see close)
        self._forget_tier0()
        if self.units is not None:              # (and saves the regions it has made: a
            self.units.pending.clear()          # child saved them all again, merging big
                                                # images at its exit or execve)

    def close(self) -> None:
        """Stop the helper process, if any, and keep what this run translated in the
        persistent cache (the runtime calls this when the guest is done). Other guest threads
        may still run native code then (the process ends without waiting for them): with
        threads, the fault handler and the images' code stay in place."""
        threads = self.gate is not None
        if not isinstance(self.native, _Deferred) and not threads:
            self.native.restore_handler()
        if self.spec is not None:
            if self.pending and self.units is not None:   # hot code the helper is making:
                self.spec.finish_hot(min(END_WAIT, END_WAIT_SHARE * (time.perf_counter()
                                                                   - self.started)))
                self._adopt_hot()                         # kept for the next run
            self.stats.speculated = self.spec.made
            self.stats.hot_ahead = self.spec.hot_compiled
            self.spec.close()
            self.spec = None
        if self.units is not None:
            self._keep_run()
            if not threads:
                self.units.close()
            self.units = None

    def before_exec(self) -> None:
        """The guest's execve is about to replace this image (the kernel's checks passed):
        keep what it translated, as the end of a run does (a forked child's side of fork is
        mostly the code between fork and execve: a shell lifted it again for every command of
        every run). Nothing is stopped and nobody waits: hot code the helper has made is
        taken, not waited for, and should the host's execve fail the run carries on."""
        if self.units is None:
            return
        if self.spec is not None and self.pending:
            self._adopt_hot()
        self._keep_run()

    def _keep_run(self) -> None:
        """Save this run's translations in the persistent cache, note the run in its log,
        and translate what ran only in tier 0 in the background."""
        self.units.save()
        left = self._left_in_tier0() if self.tier_up is not None else []
        self.cache_summary = self.cache_figures()
        self.cache_summary["tier 0 only"] = len(left)
        if self.static:
            self.cache_summary.update(self.coverage())
        self.cache.note_run(self.cache_summary)
        if left and self.background and self._finish_in_background(left):
            self._forget_tier0()                # (the background process keeps tier 0's
        else:                                   # translations: see _finish)
            self._keep_tier0()

    def _left_in_tier0(self) -> list[int]:
        """The blocks this process ran only in tier 0 that the persistent cache could keep
        and does not hold. In a forked child, those it ran since the fork:
        the child's side of fork, a shell's builtin in `$(...)`, its exit ran in no other
        process, and would be lifted again by every child of every run."""
        units, code, before = self.units, self.code, self.forked_runs
        return [pc for pc, n in self.runs.items()
                if code.get(pc) is None and pc not in self.interp_only
                and (before is None or n > before.get(pc, 0))
                and units.key_of(pc) is not None and units.function(pc) is None]

    def _finish_in_background(self, pcs: list[int]) -> bool:
        """Translate the code that ran only in tier 0 (`pcs`) into the persistent cache in a
        background process, so that the next run of the program finds it all compiled (the
        guest's exit does not wait for it: the process is detached, has no file of the
        guest's open and holds a lock that `dbt-vm cache wait` waits for). Most-run blocks
        first; at most FINISH_SECONDS of it; only while no guest runs with this cache (a
        shell script's commands would share the CPUs with the translations of those before
        them: 10 s against 4.5 s for 8 commands on 2 CPUs), waiting FINISH_WAIT at most
        for that, and one at a time, leaving out what those before it put into the images
        (each command ran ld.so's start-up: they would all compile it). Forked children take
        turns: one at a time keeps its code (a shell may fork thousands), the others carry
        on without; so a child's (its side of fork: a few hundred blocks) does not wait, or
        the next children would find the turn taken. True if the background process was
        started."""
        child = self.forked_runs is not None
        lock = self.cache.finishing(shared="forked-child" if child else None)
        if lock is None and child:
            return False
        try:
            pid = os.fork()
        except OSError:
            if lock is not None:
                self.cache.done_finishing(lock)
            return False
        if pid:
            os.waitpid(pid, 0)                  # (the middle process ends at once)
            if lock is not None:
                os.close(lock[0])               # (the finisher holds the lock on)
            return True
        try:                                    # the middle process: detach the finisher
            os.setsid()
            if os.fork():
                os._exit(0)
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            from .speculate import close_all_but    # (a pipe of the guest's must not
            close_all_but(*([lock[0]] if lock is not None else []))   # stay open here)
            if child:                           # (see _finish: done soon, and the
                os.nice(10)                     # children's turn is free again)
            else:
                _idle()
            self._finish(pcs, lock)
        finally:
            os._exit(0)

    def _finish(self, pcs: list[int], lock) -> None:
        """The background process's work (see _finish_in_background)."""
        self.spec, self.speculate, self.on_asm = None, "off", None
        kept = self._keep_tier0(wait=True)      # first: for the processes that start now
        done = False
        turn = None
        try:
            # (a forked child holds the children's turn: the next would find it taken)
            patient = self.forked_runs is None
            spent = waited = 0.0
            if patient:                 # one at a time, when no guest runs; what those
                while waited < FINISH_WAIT:     # before it compiled is not compiled again
                    if self.cache.quiet():
                        turn = self.cache.take_turn()
                        if turn is not None:
                            break
                    time.sleep(FINISH_POLL)
                    waited += FINISH_POLL
                covered = self.units.on_disk(pcs) if turn is not None else set()
                pcs = [pc for pc in pcs if pc not in covered]
            for pc in sorted(pcs, key=self.runs.__getitem__, reverse=True):   # most-run first
                while patient and waited < FINISH_WAIT and not self.cache.quiet():
                    time.sleep(FINISH_POLL)
                    waited += FINISH_POLL
                if spent > FINISH_SECONDS or waited >= FINISH_WAIT:
                    break
                if self.code.get(pc) is None and pc not in self.interp_only:
                    start = time.monotonic()
                    self._translate(pc)
                    spent += time.monotonic() - start
            else:
                done = True
        finally:
            self.units.save()
            if done:                    # the images hold it all now: a stored tier 0 of
                self._drop_tier0(pcs, kept)     # those files would only cost its reading
            if turn is not None and turn >= 0:
                os.close(turn)
            if lock is not None:
                self.cache.done_finishing(lock)

    def coverage(self) -> dict:
        """What static translation covered: blocks that ran in static code, and in code
        translated because static discovery had missed it, in this run or an earlier one
        (the hot tier's regions are made of blocks that ran already; the interpreter's
        deopts are not misses either)."""
        static = other = 0
        for region, loaded in self.units.image_regions():
            if region.kind not in HOT_KINDS and region.seen != NONE:
                ran = sum(1 for b in ctypes.string_at(loaded.cell(region, region.seen),
                                                      len(region.blocks)) if b)
                if region.kind == KIND_STATIC:
                    static += ran
                else:
                    other += ran
        for region in self.store.regions.values():
            if not region.hot:
                other += sum(ran for block, ran in zip(region.blocks, region.ran())
                             if not _fetch_fault(block))
        return {"static blocks run": static, "other blocks run": other,
                "fallback regions": self.stats.regions}

    def cache_figures(self) -> dict:
        """What this run found in and added to the persistent cache."""
        u = self.units.stats
        return {"program": self.label, "units": u.units, "images": u.images_loaded,
                "regions loaded": u.regions_loaded, "regions compiled": self.stats.regions,
                "hot compiled": self.stats.hot_regions, "regions saved": u.regions_saved,
                "entries read": self.cache.hits, "entries missing": self.cache.misses,
                "entries damaged": self.cache.discarded, "load s": round(u.load_seconds, 4),
                "save s": round(u.save_seconds, 4)}

    def _translate(self, pc: int) -> None:
        if self.store.used > self.code_cache_size:
            self.flush()
        blocks = self._form_region(pc)
        if self.spec is not None:         # the helper starts on what follows while we compile
            self.spec.hint(region_exits(blocks), [(b.pc, b.end_pc) for b in blocks])
        region_id = self.store.new_id()
        while blocks:
            name = f"r{region_id}_{pc:x}"
            try:
                text = self._lower(name, blocks, self.threshold, promote=False, seen=True,
                                   base=self.base_of(pc))
            except Unsupported as exc:
                self.interp_only.add(exc.block_pc)
                blocks = [b for b in blocks if b.pc != exc.block_pc]
                continue
            self._compile_tier1(region_id, name, text, blocks)
            return

    def _compile_tier1(self, region_id: int, name: str, text: str, blocks: list) -> Region:
        return self._place(region_id, name, self._emit(name, text, 0), blocks)

    def _lower(self, name: str, blocks: list[Block], *args, **kwargs) -> str:
        """The region's LLVM IR text (its time counts as translation, as lifting does)."""
        if blocks[0].layout != self.state.layout:
            raise ValueError(f"region {name} was lifted for another GuestState layout")
        start = time.perf_counter()
        try:
            from .lower import lower_region
            return lower_region(name, blocks, self.window_bits(), *args,
                                jc_shift=self.jc_shift, **kwargs)
        finally:
            self.stats.lift_seconds += time.perf_counter() - start

    def window_bits(self) -> int:
        return self.memory.size.bit_length() - 1

    def base_of(self, pc: int) -> int:
        """What translations of code at `pc` compute guest pcs from (units.py)."""
        return 0 if self.units is None else self.units.base(pc)

    def region_at(self, pc: int) -> Region | None:
        """The region that enters at `pc`: one translated in this run, else one from an
        image (made known to Python the first time it is asked for)."""
        region = self.code.get(pc)
        if region is not None or self.units is None:
            return region
        found = self.units.region_at(pc)
        if found is None:
            return None
        image_region, loaded = found
        address = loaded.base + image_region.at + image_region.fn
        region = self.image_regions.get(address)
        if region is None:
            region = Region(-1, image_region.name, loaded.spans(image_region), address,
                            loaded.cell(image_region, image_region.counter),
                            loaded.cell(image_region, image_region.seen),
                            image_region.kind in HOT_KINDS)
            self.image_regions[address] = region
        return region

    def tier1_stop(self, pc: int) -> Callable[[int], bool]:
        """Where a tier-1 region from `pc` stops: at code translated already (here or in an
        image), code the interpreter runs, and code of another unit."""
        code, interp_only, units = self.code, self.interp_only, self.units
        if units is None:
            return lambda p: p in interp_only or code.get(p) is not None
        key = units.key_of(pc)
        return lambda p: (p in interp_only or code.get(p) is not None
                          or units.key_of(p) != key or units.function(p) is not None)

    def _promote(self, pc: int) -> tuple[str, int]:
        """Compile hot code at `pc` at -O2, without counters: a region around it (it takes in
        the blocks that follow, translated already or not, so a loop that spans tier-1
        regions becomes one function), or with `traces` the path that runs next from it
        (`_trace`). Returns where the guest goes on, as `run` does: ("jump", pc) unless
        recording a trace ran into a syscall or trap.

        A tier-1 region past its threshold leaves at every pc it reaches; a pc that is hot
        already just continues there (through the dispatcher)."""
        entry = self.region_at(pc)
        if entry is not None and not entry.hot and self.spec is not None:
            self._adopt_hot()
            entry = self.region_at(pc)
        if entry is None:
            return "jump", pc
        if entry.hot:                           # (an image's tier-1 code may lead here)
            self.native.set_entry(pc, entry.address)
            return "jump", pc
        if pc in self.pending_blocks:           # the helper is compiling it: run on in tier 1
            self._snooze(entry)
            return "jump", pc
        if self.traces:
            return self._trace(pc, entry)
        known, ran = {}, set()
        for region in (*self.store.regions.values(), *self.image_regions.values()):
            for block, has_run in zip(region.blocks, region.ran()):
                if not isinstance(block, BlockSpan):    # (adopted: lifted again if needed)
                    known[block.pc] = block
                if has_run:
                    ran.add(block.pc)
        blocks = self._form_region(pc, HOT_REGION_BLOCKS, known, ran)
        region_id = self.store.new_id()
        name = f"h{region_id}_{pc:x}"
        try:
            text = self._lower(name, blocks, base=self.base_of(pc), **self._hot_options())
        except Unsupported:          # stays in tier 1, counting from zero again
            entry.count = 0
            return "jump", pc
        self._compile_hot(region_id, name, text, blocks, entry)
        return "jump", pc

    def _compile_hot(self, region_id: int, name: str, text: str, blocks: list,
                     entry: Region) -> None:
        """Have the helper compile hot code at -O2 (tier 1 goes on meanwhile), else compile
        it here; then place it."""
        if self.spec is not None and self.spec.compile_hot(
                name, self.module_text(text, self.compiler(2).triple)):
            self.pending[name] = (region_id, blocks, text)
            self.pending_blocks.update(b.pc for b in blocks)
            self._adopt_hot()                   # (done already when the helper is in sync)
            if name in self.pending:
                self._snooze(entry)
            return
        self._place(region_id, name, self._emit(name, text, 2, hot=True), blocks, hot=True)

    def _trace(self, pc: int, entry: Region) -> tuple[str, int]:
        """Record the path that runs next from the hot `pc` in the interpreter (the guest goes
        on meanwhile: dbt.region.record_trace) and compile it at -O2 as hot code that counts
        its entries and exits; where the guest went on is returned as `run` does. A trace
        keeps to one unit's code and stops at hot code (which it reaches through the
        dispatcher: traces link to each other there)."""
        key = None if self.units is None else self.units.key_of(pc)
        interp = self.interp

        def step(p: int) -> tuple:
            reason, next_pc = self._interpret(p)
            return reason, next_pc, interp.block_at(p)
        start = time.perf_counter()
        trace = record_trace(pc, step, lambda p: self._hot_stop(p, key))
        self.stats.record_seconds += time.perf_counter() - start
        blocks = trace.blocks
        region_id = self.store.new_id()
        name = f"t{region_id}_{pc:x}"
        try:
            text = self._lower(name, blocks, base=self.base_of(pc), tally=True,
                               **self._hot_options())
        except Unsupported:          # stays in tier 1, counting from zero again
            entry.count = 0
            return trace.reason, trace.next_pc
        self.stats.traces += 1
        self.stats.trace_blocks += len(blocks)
        self.stats.trace_insns += sum(b.ninsns for b in blocks)
        self.stats.traces_closed += trace.closed
        self._compile_hot(region_id, name, text, blocks, entry)
        return trace.reason, trace.next_pc

    def trace_tallies(self) -> tuple[int, int]:
        """Entries into the traces of this run and exits from them."""
        entries = exits = 0
        for region in self.store.regions.values():
            e, x = region.tallies()
            entries, exits = entries + e, exits + x
        return entries, exits

    def _snooze(self, region: Region) -> None:
        """Let a tier-1 region past its threshold run on for HOT_POLL counts."""
        region.count = self.threshold - self.threshold // (HOT_THRESHOLD // HOT_POLL)

    def _adopt_hot(self) -> None:
        """Install the hot regions the helper has compiled (it could not: compile here)."""
        for name, obj in self.spec.finished_hot():
            job = self.pending.pop(name, None)
            if job is None:
                continue
            region_id, blocks, text = job
            self.pending_blocks.difference_update(b.pc for b in blocks)
            if obj is None:
                obj = self._emit(name, text, 2, hot=True)
            from .fp_kernels import helpers_called
            self._place(region_id, name, obj, blocks, helpers=helpers_called(text), hot=True)

    def _form_region(self, pc: int, limit: int = MAX_REGION_BLOCKS,
                     known: dict | None = None, ran: set | None = None) -> list[Block]:
        """A region from `pc` (dbt.region.form_region). A tier-1 region stops at blocks
        translated already; a hot one (`known`: blocks lifted before) does not, but takes only
        blocks that have run (`ran`), as Dynamo's traces do: a path not taken in tier 1 is left
        to the dispatcher, which keeps hot regions small (short compiles)."""
        start = time.perf_counter()
        if known is None:
            stop, lift, budget = self.tier1_stop(pc), self._lift_traced, None
        else:
            key = None if self.units is None else self.units.key_of(pc)

            def stop(p):        # a block that never ran: if it ever does, the dispatcher finds
                return p not in ran or self._hot_stop(p, key)   # it in tier 1

            def lift(p):
                block = known.get(p)
                if block is None:
                    return self._lift_traced(p)
                if self.on_block is not None:
                    self.on_block(block)
                return block
            budget = HOT_REGION_INSNS
        try:
            return form_region(pc, lift, stop, limit, budget)
        finally:
            self.stats.lift_seconds += time.perf_counter() - start

    def _hot_stop(self, p: int, key) -> bool:
        """Whether hot code formed in the unit `key` leaves `p` to the dispatcher: a block the
        interpreter runs, one in a hot region being compiled, a hot block (measured: compiling
        hot blocks again into every hot region or trace that reaches them costs more), or
        another unit's code."""
        if p in self.interp_only or p in self.pending_blocks:
            return True
        entry = self.region_at(p)
        return (entry is not None and entry.hot
                or self.units is not None and self.units.key_of(p) != key)

    def _lift_traced(self, pc: int) -> Block:
        interp = self._interp
        if interp is not None and pc in interp.code.entries:   # lifted for tier 0 (and not
            return interp.block_at(pc)                          # changed since): the same
        block = self.lift(pc)
        if self.on_block is not None:
            self.on_block(block)
        return block

    @staticmethod
    def module_text(text: str, triple: str) -> str:
        """A region's function text as a whole LLVM module. Its data globals are
        @llvm.compiler.used: the loader finds and writes them by name, so no pass may fold
        them away as constants (the full -O2 pipeline's globalopt would, DBT_HOT_PIPELINE)."""
        from .lower import declarations_for
        data = _DATA_GLOBAL.findall(text)
        used = (f'@llvm.compiler.used = appending global [{len(data)} x ptr] '
                f'[{", ".join(f"ptr @{name}" for name in data)}], section "llvm.metadata"\n'
                if data else "")
        return f'target triple = "{triple}"\n{text}\n{used}{declarations_for(text)}\n'

    def _emit(self, name: str, text: str, opt_level: int, hot: bool = False) -> bytes:
        """Compile a region's text into an object file (the FP helpers it calls are made
        ready here too)."""
        compiler = self.compiler(opt_level)
        module = self.module_text(text, compiler.triple)
        if self.on_llvm is not None:
            self.on_llvm(module)
        start = time.perf_counter()
        try:
            from .fp_kernels import helpers_called
            fp_runtime.link_helpers(helpers_called(text))
            return compiler.object(module, hot)
        finally:
            self.stats.compile_seconds += time.perf_counter() - start

    def _place(self, region_id: int, name: str, obj: bytes, blocks: list, helpers=(),
               hot: bool = False) -> Region:
        """Link and place a region's object file (its time counts as compiling), and keep it
        for its unit's image."""
        start = time.perf_counter()
        fp_runtime.link_helpers(helpers)
        region, blob = self.store.place(region_id, name, obj, blocks,
                                        bias=self.base_of(blocks[0].pc), hot=hot)
        if self.units is not None:
            self.units.record(blocks, blob, name, "hot" if hot else "tier1", self.guarantees)
        self.stats.compile_seconds += time.perf_counter() - start
        if hot:
            self.stats.hot_regions += 1
        else:
            self._count_region(blocks)
        if self.on_asm is not None:
            from .compiler import disassemble
            self.on_asm(name, disassemble(obj, name, region.address))
        if PERF_MAP:
            from .compiler import note_for_perf
            note_for_perf(obj, name, region.address)
        return region

    def _adopt(self, got: Speculated) -> bool:
        """Install a region the helper translated, if its guest bytes are still the same."""
        fetch = self.memory.fetch
        if any(fetch(pc, end - pc) != raw for pc, end, _, raw in got.blocks):
            return False
        if got.base != self.base_of(got.pc):   # (the same bytes, mapped elsewhere now)
            return False
        if self.store.used > self.code_cache_size:
            return False                        # (translating it flushes the cache first)
        blocks = [BlockSpan(pc, end, n) for pc, end, n, _ in got.blocks]
        self._place(self.store.new_id(), got.name, got.obj, blocks, helpers=got.helpers)
        self.stats.speculated_used += 1
        self.spec.hint(got.exits, [])
        return True

    def _count_region(self, blocks: list) -> None:
        self.stats.regions += 1
        self.stats.blocks_translated += len(blocks)
        self.stats.insns_translated += sum(b.ninsns for b in blocks)

    # -- invalidation ---------------------------------------------------------------------------
    def flush(self) -> None:
        """Drop every translation (fence.i, or the code cache is full)."""
        self.store.flush(threads=self.gate is not None)
        if self._interp is not None:
            self._interp.flush()
        self.interp_only.clear()
        self.stats.flushes += 1
        self._forget_pending()

    def _forget_pending(self) -> None:
        """Hot regions being compiled and regions translated ahead may hold dropped code."""
        self._forget_hot_jobs()
        if self.spec is not None:
            self.spec.reset()

    def _forget_hot_jobs(self) -> None:
        """Hot regions being compiled are not wanted any more: their results are dropped
        when they come."""
        self.pending.clear()
        self.pending_blocks.clear()

    def _on_memory_change(self, addr: int, length: int) -> None:
        """Drop translations of code on remapped/reprotected pages (and images of files with
        a mapping there)."""
        if self.units is not None and self.units.invalidate(addr, length):
            self.image_regions.clear()
        if self.store.invalidate(addr, length) and self.pending:
            self._forget_pending()


_DATA_GLOBAL = re.compile(r"^@(\S+) = internal global", re.M)


def _fetch_fault(block) -> bool:
    """A "block" at a pc that is not code (the guest jumped to data): no code to miss."""
    exit = getattr(block, "exit", None)
    return exit is not None and exit.name == "trap" and exit.attrs.get("kind") == "fetch" \
        and block.ninsns == 1


def make_engine(state: GuestState, memory, lift: Callable[[int], Block], options) -> DynamicEngine:
    """The runtime's entry point (dbt.runtime.ENGINES)."""
    tier_up = None
    if options.mode == "auto":
        tier_up = TIER_UP if options.tier_up is None else options.tier_up
    return DynamicEngine(state, memory, lift, options.on_block,
                         code_cache_size=options.code_cache_size or DEFAULT_CODE_CACHE,
                         on_llvm=options.on_llvm, on_asm=options.on_asm,
                         speculate=options.speculate, cache=options.cache,
                         label=options.label, static=options.mode == "static",
                         tier_up=tier_up, hot_threshold=options.hot_threshold or HOT_THRESHOLD,
                         background=options.background, traces=options.hot == "traces",
                         jc_shift=jc_shift(options.insn_align))
