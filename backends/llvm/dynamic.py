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
"""

from __future__ import annotations

import ctypes
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from dbt.backends.interp.engine import InterpEngine
from dbt.cache.code_cache import CodeCache
from dbt.ir.block import Block
from dbt.memory import GuestFault
from dbt.region import (HOT_REGION_BLOCKS, HOT_REGION_INSNS, MAX_REGION_BLOCKS, form_region,
                        region_exits)
from dbt.state import NSLOTS, GuestState, slot
from dbt.traps import GuestTrap

from . import fp_runtime, lower as llvm_lower
from .engine import LLVMJit, disassemble, note_for_perf
from .fp_kernels import helpers_called
from .native import NativeRuntime
from .optable import (REASON_HOST_FAULT, REASON_HOST_FAULT_WRITE, REASON_HOT, REASON_INTERP,
                      REASON_MISALIGNED, REASON_NAMES, REASON_READ_FAULT, REASON_WRITE_FAULT,
                      Unsupported)
from .speculate import BlockSpan, Speculated, Speculator

HOT_THRESHOLD = 400_000                # tier-1 counts (entries and backward branches,
                                       # weighted by FP ops) before the hot tier
HOT_POLL = HOT_THRESHOLD // 8          # while the helper compiles a hot region, tier 1 leaves
                                       # after this many counts to see whether it is done
DEFAULT_CODE_CACHE = 64 << 20          # bytes of host code before the cache is flushed
RECYCLE_BYTES = 1 << 20                # a flush makes new LLVM engines when the old ones hold
                                       # this much code (MCJIT frees code only with its engine)
_PC, _REASON, _FAULT_ADDR = slot("pc"), slot("exit_reason"), slot("fault_addr")
_ICOUNT = slot("icount")

_FAULTS = {
    REASON_READ_FAULT: ("read", "SIGSEGV"),
    REASON_WRITE_FAULT: ("write", "SIGSEGV"),
    REASON_HOST_FAULT: ("read", "SIGSEGV"),
    REASON_HOST_FAULT_WRITE: ("write", "SIGSEGV"),
    REASON_MISALIGNED: ("misaligned", "SIGBUS"),
}


@dataclass
class DynamicStats:
    regions: int = 0
    hot_regions: int = 0
    blocks_translated: int = 0
    insns_translated: int = 0
    compile_seconds: float = 0.0
    lift_seconds: float = 0.0          # decoding, lifting, lowering to LLVM IR (Python)
    flushes: int = 0
    exits: Counter = field(default_factory=Counter)     # dispatcher exits to Python by reason
    interp_blocks: int = 0                              # blocks run by the interpreter
    speculated: int = 0                # regions translated ahead by the helper process
    speculated_used: int = 0           # ... and adopted
    hot_ahead: int = 0                 # hot regions the helper process compiled


class DynamicEngine:
    name = "dynamic"

    def __init__(self, state: GuestState, memory, lift: Callable[[int], Block],
                 on_block=None, code_cache_size: int = DEFAULT_CODE_CACHE,
                 on_llvm: Callable[[str], None] | None = None,
                 on_asm: Callable[[str, list], None] | None = None, speculate: str = "off"):
        self.state = state
        self.memory = memory
        self.lift = lift
        self.on_block = on_block
        self.on_llvm = on_llvm
        self.on_asm = on_asm              # trace hook: (function name, host instructions)
        self.code_cache_size = code_cache_size
        self.threshold = HOT_THRESHOLD             # tier-1 counts before the hot tier
        self.jit = LLVMJit(opt_level=0)            # tier 1: cheap code for everything run
        self.hot_jit = LLVMJit(opt_level=2)        # tier 2: -O2 for regions that run a lot
        self.native = NativeRuntime(self.jit, memory.base, memory.size)
        self.buffer = (ctypes.c_uint64 * NSLOTS)()
        self.code = CodeCache()              # block pc -> (region id, function address)
        self.regions: dict[int, list[Block]] = {}   # region id -> its blocks
        self.block_regions: dict[int, set[int]] = {}  # block pc -> regions that inline it
        self.hot: set[int] = set()                    # ids of regions compiled at -O2
        self.counters: dict[int, ctypes.c_uint64] = {}  # region id -> tier-1 counter
        self.seen: dict[int, ctypes.Array] = {}  # region id -> a byte per block: it has run
        self.interp_only: set[int] = set()
        self.interp = InterpEngine(state, memory, lift, on_block)
        self.stats = DynamicStats()
        self.next_region = 0
        memory.write_listeners.append(self._on_memory_change)
        # a helper process translating ahead (started at the first miss, once the guest's
        # code is loaded); not with trace hooks, which show each translation as it is made
        # ("sync": wait for the helper whenever it is busy, for deterministic tests)
        traced = on_block is not None or on_llvm is not None or on_asm is not None
        self.speculate = "off" if traced else speculate
        self.spec: Speculator | None = None
        self.pending: dict[str, tuple] = {}     # hot regions the helper compiles:
        self.pending_blocks: set[int] = set()   # name -> (region id, blocks, text); their pcs

    # -- figures the runtime reports ---------------------------------------------------------------
    @property
    def icount(self) -> int:
        """Guest instructions run (natively counted per block; a fault's block counts whole)."""
        return self.interp.icount + self.state.regs[slot("icount")]

    @property
    def blocks_lifted(self) -> int:
        return self.stats.blocks_translated + self.interp.blocks_lifted

    @property
    def lift_seconds(self) -> float:
        return self.stats.lift_seconds + self.stats.compile_seconds + self.interp.lift_seconds

    # -- running --------------------------------------------------------------------------------------
    def run(self, pc: int) -> tuple[str, int]:
        regs = self.state.regs
        self.native.install_handler()
        try:
            while True:
                if pc in self.interp_only:
                    reason, pc = self._interpret(pc)
                    if reason != "jump":
                        return reason, pc
                    continue
                self.buffer[:] = regs
                self.buffer[_PC] = pc
                left = self.native.run(self.buffer, self.memory.base)
                regs[:] = self.buffer
                pc = regs[_PC]
                if left == 0:
                    self.stats.exits["miss"] += 1
                    self._miss(pc)
                    continue
                if regs[_REASON] == REASON_HOT:
                    self.stats.exits["hot"] += 1
                    self._promote(pc)
                    continue
                if regs[_REASON] == REASON_INTERP:
                    self.stats.exits["deopt"] += 1
                    reason, pc = self._interpret(pc)
                    if reason != "jump":
                        return reason, pc
                    continue
                return self._left(regs, pc)
        finally:
            self.native.restore_handler()

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
            raise GuestFault(regs[_FAULT_ADDR], access, signal=signal, pc=pc)
        reason = REASON_NAMES[code]
        self.stats.exits[reason] += 1
        if reason in ("illegal", "breakpoint", "fetch"):
            raise GuestTrap(reason, pc)
        return reason, pc

    # -- translation ------------------------------------------------------------------------------
    def _miss(self, pc: int) -> None:
        entry = self.code.get(pc)
        if entry is None:
            if self.speculate != "off" and self.spec is None:
                try:
                    self.spec = Speculator(self, sync=self.speculate == "sync")
                except OSError:                 # no process to spare: translate alone
                    self.speculate = "off"
            if self.pending:
                self._adopt_hot()
            got = None
            if self.spec is not None:           # (waiting for it counts as translating)
                start = time.perf_counter()
                got = self.spec.take(pc)
                self.stats.lift_seconds += time.perf_counter() - start
            if got is None or not self._adopt(got):
                self._translate(pc)
            entry = self.code.get(pc)
        if entry is not None:
            self.native.set_entry(pc, entry[1])

    def close(self) -> None:
        """Stop the helper process, if any (the runtime calls this when the guest is done)."""
        if self.spec is not None:
            self.stats.speculated = self.spec.made
            self.stats.hot_ahead = self.spec.hot_compiled
            self.spec.close()
            self.spec = None

    def _translate(self, pc: int) -> None:
        if self.jit.object_bytes + self.hot_jit.object_bytes > self.code_cache_size:
            self.flush()
        blocks = self._form_region(pc)
        if self.spec is not None:         # the helper starts on what follows while we compile
            self.spec.hint(region_exits(blocks), [(b.pc, b.end_pc) for b in blocks])
        region = self.next_region
        counter = ctypes.c_uint64(0)
        while blocks:
            name = f"r{region}_{pc:x}"
            seen = (ctypes.c_uint8 * len(blocks))()
            try:
                text = self._lower(name, blocks, ctypes.addressof(counter), self.threshold,
                                   promote=False, seen=ctypes.addressof(seen))
            except Unsupported as exc:
                self.interp_only.add(exc.block_pc)
                blocks = [b for b in blocks if b.pc != exc.block_pc]
                continue
            self.counters[region] = counter
            self.seen[region] = seen
            self._compile(name, text, blocks, self.jit)
            return

    def _lower(self, name: str, blocks: list[Block], *args, **kwargs) -> str:
        """The region's LLVM IR text (its time counts as translation, as lifting does)."""
        start = time.perf_counter()
        try:
            return llvm_lower.lower_region(name, blocks, self.window_bits(), *args, **kwargs)
        finally:
            self.stats.lift_seconds += time.perf_counter() - start

    def window_bits(self) -> int:
        return self.memory.size.bit_length() - 1

    def _promote(self, pc: int) -> None:
        """Compile a region around the hot `pc` at -O2, without counters: it takes in the blocks
        that follow, translated already or not, so a loop that spans tier-1 regions becomes
        one function.

        A tier-1 region past its threshold leaves at every pc it reaches; a pc that is hot
        already just continues there (through the dispatcher)."""
        entry = self.code.get(pc)
        if entry is not None and entry[0] not in self.hot and self.spec is not None:
            self._adopt_hot()
            entry = self.code.get(pc)
        if entry is None or entry[0] in self.hot:
            return
        if pc in self.pending_blocks:           # the helper is compiling it: run on in tier 1
            self._snooze(entry[0])
            return
        known, ran = {}, set()
        for region, blocks in self.regions.items():
            seen = self.seen.get(region)           # (a hot region's blocks all ran)
            for i, block in enumerate(blocks):
                if not isinstance(block, BlockSpan):    # (adopted: lifted again if needed)
                    known[block.pc] = block
                if seen is None or seen[i]:
                    ran.add(block.pc)
        blocks = self._form_region(pc, HOT_REGION_BLOCKS, known, ran)
        region = self.next_region
        self.next_region += 1
        name = f"h{region}_{pc:x}"
        try:
            text = self._lower(name, blocks)
        except Unsupported:          # stays in tier 1, counting from zero again
            counter = self.counters.get(entry[0])
            if counter is not None:
                counter.value = 0
            return
        if self.spec is not None and self.spec.compile_hot(
                name, self.module_text(text, self.hot_jit.triple)):
            self.pending[name] = (region, blocks, text)
            self.pending_blocks.update(b.pc for b in blocks)
            self._adopt_hot()                   # (done already when the helper is in sync)
            if name in self.pending:
                self._snooze(entry[0])
            return
        self._install_hot(region, blocks, self._emit(name, text, self.hot_jit, hot=True))

    def _install_hot(self, region: int, blocks: list[Block], address: int) -> None:
        self._install(region, blocks, address)
        self.hot.add(region)
        self.stats.hot_regions += 1

    def _snooze(self, region: int) -> None:
        """Let a tier-1 region past its threshold run on for HOT_POLL counts."""
        counter = self.counters.get(region)
        if counter is not None:
            counter.value = HOT_THRESHOLD - HOT_POLL

    def _adopt_hot(self) -> None:
        """Install the hot regions the helper has compiled (it could not: compile here)."""
        for name, obj in self.spec.finished_hot():
            job = self.pending.pop(name, None)
            if job is None:
                continue
            region, blocks, text = job
            self.pending_blocks.difference_update(b.pc for b in blocks)
            address = (self._emit(name, text, self.hot_jit, hot=True) if obj is None else
                       self._load(self.hot_jit, name, obj, helpers_called(text)))
            self._install_hot(region, blocks, address)

    def _form_region(self, pc: int, limit: int = MAX_REGION_BLOCKS,
                     known: dict | None = None, ran: set | None = None) -> list[Block]:
        """A region from `pc` (dbt.region.form_region). A tier-1 region stops at blocks
        translated already; a hot one (`known`: blocks lifted before) does not, but takes only
        blocks that have run (`ran`), as Dynamo's traces do: a path not taken in tier 1 is left
        to the dispatcher, which keeps hot regions small (short compiles)."""
        start = time.perf_counter()
        code, hot = self.code, self.hot
        if known is None:
            def stop(p):
                return p in self.interp_only or code.get(p) is not None
            lift, budget = self._lift_traced, None
        else:
            def stop(p):        # a block that never ran: if it ever does, the dispatcher finds
                entry = code.get(p)         # it in tier 1 (or in a hot region being compiled);
                return (p in self.interp_only or p not in ran or p in self.pending_blocks
                        or entry is not None and entry[0] in hot)   # a hot block is reached
                # through the dispatcher (measured: compiling hot blocks again into every
                # hot region that reaches them costs more)

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

    def _lift_traced(self, pc: int) -> Block:
        block = self.lift(pc)
        if self.on_block is not None:
            self.on_block(block)
        return block

    @staticmethod
    def module_text(text: str, triple: str) -> str:
        """A region's function text as a whole LLVM module."""
        return f'target triple = "{triple}"\n{text}\n{llvm_lower.declarations_for(text)}\n'

    def _emit(self, name: str, text: str, jit: LLVMJit, hot: bool = False) -> int:
        module = self.module_text(text, jit.triple)
        if self.on_llvm is not None:
            self.on_llvm(module)
        start = time.perf_counter()
        fp_runtime.link(helpers_called(text))
        address = jit.compile(module, [name], hot=hot)[name]
        self.stats.compile_seconds += time.perf_counter() - start
        if self.on_asm is not None:
            self.on_asm(name, disassemble(jit.last_object(), name, address))
        note_for_perf(jit, name, address)
        return address

    def _load(self, jit: LLVMJit, name: str, obj: bytes, helpers) -> int:
        """Load an object file the helper process compiled (its time counts as compiling)."""
        start = time.perf_counter()
        fp_runtime.link(helpers)
        address = jit.load_object(obj, name)
        self.stats.compile_seconds += time.perf_counter() - start
        note_for_perf(jit, name, address)
        return address

    def _compile(self, name: str, text: str, blocks: list[Block], jit: LLVMJit) -> None:
        address = self._emit(name, text, jit)
        region = self.next_region
        self.next_region += 1
        self._install(region, blocks, address)
        self._count_region(blocks)

    def _adopt(self, got: Speculated) -> bool:
        """Install a region the helper translated, if its guest bytes are still the same."""
        fetch = self.memory.fetch
        if any(fetch(pc, end - pc) != raw for pc, end, _, raw in got.blocks):
            return False
        if self.jit.object_bytes + self.hot_jit.object_bytes > self.code_cache_size:
            return False                        # (translating it flushes the cache first)
        address = self._load(self.jit, got.name, got.obj, got.helpers)
        blocks = [BlockSpan(pc, end, n) for pc, end, n, _ in got.blocks]
        region = self.next_region
        self.next_region += 1
        self.counters[region] = ctypes.c_uint64.from_address(got.counter)
        self.seen[region] = (ctypes.c_uint8 * len(blocks)).from_address(got.seen)
        self._install(region, blocks, address)
        self._count_region(blocks)
        self.stats.speculated_used += 1
        self.spec.hint(got.exits, [])
        return True

    def _count_region(self, blocks: list) -> None:
        self.stats.regions += 1
        self.stats.blocks_translated += len(blocks)
        self.stats.insns_translated += sum(b.ninsns for b in blocks)

    def _install(self, region: int, blocks: list[Block], address: int) -> None:
        self.regions[region] = blocks
        for block in blocks:
            self.code.insert(block.pc, block.pc, block.end_pc, (region, address))
            self.native.set_entry(block.pc, address)
            self.block_regions.setdefault(block.pc, set()).add(region)

    # -- invalidation ---------------------------------------------------------------------------
    def flush(self) -> None:
        """Drop every translation (fence.i, or the code cache is full)."""
        self.native.clear_jump_cache()
        self.code.flush()
        self.regions.clear()
        self.block_regions.clear()
        self.hot.clear()
        self.counters.clear()
        self.seen.clear()
        self.interp.flush()
        self.interp_only.clear()
        if self.jit.held_bytes + self.hot_jit.held_bytes > RECYCLE_BYTES:
            old = (self.jit, self.hot_jit)          # new engines: the old ones free their code
            self.jit, self.hot_jit = LLVMJit(opt_level=0), LLVMJit(opt_level=2)
            self.native.rebind(self.jit)
            for jit in old:
                jit.close()
        else:                                       # a few modules: cheaper to keep the engines
            self.jit.remove_all(keep=(self.native.base_module,))
            self.hot_jit.remove_all()
        self.jit.object_bytes = self.hot_jit.object_bytes = 0
        self.stats.flushes += 1
        self._forget_pending()

    def _forget_pending(self) -> None:
        """Hot regions being compiled and regions translated ahead may hold dropped code."""
        self.pending.clear()
        self.pending_blocks.clear()
        if self.spec is not None:
            self.spec.reset()

    def _on_memory_change(self, addr: int, length: int) -> None:
        """Drop translations of code on remapped/reprotected pages. A region inlines all its
        blocks, so every block of a region that lost one goes too."""
        dropped = self.code.invalidate(addr, length)
        if dropped and self.pending:
            self._forget_pending()
        regions = set().union(*(self.block_regions.get(pc, ()) for pc, _ in dropped))
        for region in regions:
            self.hot.discard(region)
            for block in self.regions.pop(region, ()):
                self.block_regions.get(block.pc, set()).discard(region)
                entry = self.code.get(block.pc)
                if entry is not None and entry[0] == region:
                    self.code.discard(block.pc)
                self.native.forget(block.pc)
            self.counters.pop(region, None)
            self.seen.pop(region, None)
        for pc, _ in dropped:
            self.native.forget(pc)



def make_engine(state: GuestState, memory, lift: Callable[[int], Block], options) -> DynamicEngine:
    """The runtime's entry point (dbt.runtime.ENGINES)."""
    return DynamicEngine(state, memory, lift, options.on_block,
                         code_cache_size=options.code_cache_size or DEFAULT_CODE_CACHE,
                         on_llvm=options.on_llvm, on_asm=options.on_asm,
                         speculate=options.speculate)
