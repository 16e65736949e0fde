"""Differential harness: run a few RISC-V instructions in our backends and in Unicorn.

A :class:`Setup` is the input (instruction bytes, integer and FP registers, fflags/frm, memory
contents); every runner returns an :class:`Outcome` (x0..x31, f0..f31, fflags, frm, the next pc,
the final contents of the data region, and the signal the instructions raised, if any), so the
results of any two runners compare with ``==`` and explain themselves with :meth:`Outcome.diff`.

Guest address space (the same for every runner)::

    CODE_BASE  0x10000  one page, R+X: the instructions under test, then an ebreak
    DATA_BASE  0x20000  one page, R+W
    RO_BASE    0x21000  one page, R only (loads work, stores fault)
    UNMAPPED   0x22000  nothing mapped from here on

Runners execute exactly the instructions of ``Setup.code`` (``count`` of them, straight line;
a control transfer ends the run at its target): Unicorn with ``count=``, our backends by
stopping at the first block after the one under test (see :class:`InterpBackend` and
:class:`DynamicBackend`).

Backends are listed in :data:`BACKENDS`: the interpreter (the semantic reference) and the
dynamic translator (LLVM-compiled regions run by the native dispatcher, with its interpreter
fallback for what the LLVM backend cannot lower yet). The runners are the same for every guest
ISA: what is the ISA's (its lifter, layout, and how a Setup becomes a state and a state an
Outcome) is an :class:`Isa` (:data:`RV64` here; a64_harness.py has AArch64's).
"""

from __future__ import annotations

import importlib.util
import signal
import zlib
from dataclasses import dataclass, field
from typing import Callable

from dbt.backends.interp.engine import InterpEngine
from dbt.backends.llvm.lower import count_weight, lower_region
from dbt.backends.llvm.dynamic import HOT_THRESHOLD, DynamicEngine
from dbt.frontends.riscv.decode import insn_length
from dbt.frontends.riscv.layout import LAYOUT
from dbt.frontends.riscv.lifter import lift_block
from dbt.ir.builder import IRBuilder
from dbt.ir.ops import TRAP_BREAKPOINT
from dbt.ir.verify import verify
from dbt.memory import PROT_EXEC, PROT_READ, PROT_WRITE, GuestFault, GuestMemory
from dbt.opt import optimize
from dbt.state import GuestState
from dbt.traps import TRAP_SIGNALS, GuestTrap

PAGE = 0x1000
CODE_BASE = 0x10000
DATA_BASE = 0x20000
RO_BASE = DATA_BASE + PAGE
UNMAPPED = RO_BASE + PAGE
REGION_SIZE = UNMAPPED - DATA_BASE          # data page + read-only page
WINDOW_BITS = 24                             # our guest window: 16 MiB is plenty here
EBREAK = (0x00100073).to_bytes(4, "little")
MASK64 = (1 << 64) - 1

#: Deterministic background of the data region, so that every load reads non-zero bytes and a
#: wrong store address shows up as a difference.
REGION_FILL = bytes((i * 0x9D + (i >> 8) * 0x35 + 0x5B) & 0xFF for i in range(REGION_SIZE))
#: Register background: every register holds a distinct value (x0 is always 0).
X_FILL = tuple(0 if i == 0 else (0x0101010101010101 * i) ^ 0x8040201008040201 for i in range(32))
F_FILL = tuple(0xFFFFFFFF_00000000 | (0x3F800000 + (i << 16)) for i in range(32))

SIGSEGV, SIGBUS, SIGILL, SIGTRAP = "SIGSEGV", "SIGBUS", "SIGILL", "SIGTRAP"


@dataclass(frozen=True)
class Setup:
    """The input of one run. ``mem`` overlays ``(address, bytes)`` on REGION_FILL; the code is
    placed at ``pc`` (in the code page) and runs from there."""
    code: bytes
    x: tuple[int, ...] = X_FILL
    f: tuple[int, ...] = F_FILL
    fflags: int = 0
    frm: int = 0
    mem: tuple[tuple[int, bytes], ...] = ()
    pc: int = CODE_BASE

    def region(self) -> bytes:
        data = bytearray(REGION_FILL)
        for addr, chunk in self.mem:
            offset = addr - DATA_BASE
            if offset < 0 or offset + len(chunk) > REGION_SIZE:
                raise ValueError(f"memory overlay {addr:#x}+{len(chunk)} outside the region")
            data[offset:offset + len(chunk)] = chunk
        return bytes(data)

    def count(self) -> int:
        """The number of instructions in ``code``."""
        n = offset = 0
        while offset < len(self.code):
            offset += insn_length(int.from_bytes(self.code[offset:offset + 2], "little"))
            n += 1
        return n

    def initial(self, pc: int | None = None) -> "Outcome":
        """The state before the run, as an Outcome (a fault at ``pc`` changes nothing)."""
        return Outcome(x=(0,) + tuple(v & MASK64 for v in self.x[1:]),
                       f=tuple(v & MASK64 for v in self.f), fflags=self.fflags,
                       frm=self.frm, pc=self.pc if pc is None else pc, mem=self.region(),
                       fault=None)

    def end(self) -> int:
        """The address after the code."""
        return self.pc + len(self.code)

    @staticmethod
    def after(outcome: "Outcome", code: bytes, pc: int) -> "Setup":
        """The setup that continues from ``outcome`` with ``code`` at ``pc``."""
        return Setup(code, outcome.x, outcome.f, outcome.fflags, outcome.frm,
                     ((DATA_BASE, outcome.mem),), pc)


@dataclass(frozen=True)
class Outcome:
    """The result of a run: final state, next pc (or faulting pc), and the fault if any."""
    x: tuple[int, ...]
    f: tuple[int, ...]
    fflags: int
    frm: int
    pc: int
    mem: bytes = field(repr=False)
    fault: str | None

    def replace(self, **changes) -> "Outcome":
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update(changes)
        return Outcome(**values)

    def diff(self, other: "Outcome", names: tuple[str, str] = ("got", "want")) -> list[str]:
        """Human-readable differences (empty when equal)."""
        return diff_outcomes(self, other, names, ("fault", "pc", "fflags", "frm"),
                             (("x", 18), ("f", 18)))


def diff_outcomes(mine, theirs, names: tuple[str, str], scalars: tuple, banks: tuple) -> list[str]:
    """Human-readable differences of two Outcomes (empty when equal): the fields named in
    ``scalars``, then each register of the (bank, hex digits) of ``banks``, then memory."""
    a, b = names
    out = [f"{attr}: {a}={_hex(getattr(mine, attr))} {b}={_hex(getattr(theirs, attr))}"
           for attr in scalars if getattr(mine, attr) != getattr(theirs, attr)]
    for bank, digits in banks:
        for i, (x, y) in enumerate(zip(getattr(mine, bank), getattr(theirs, bank))):
            if x != y:
                out.append(f"{bank}{i}: {a}={x:#0{digits}x} {b}={y:#0{digits}x}")
    for start, end in differing_ranges(mine.mem, theirs.mem):
        out.append(f"mem[{DATA_BASE + start:#x}:{DATA_BASE + end:#x}]: "
                   f"{a}={mine.mem[start:end].hex()} {b}={theirs.mem[start:end].hex()}")
    return out


def _hex(value):
    return hex(value) if isinstance(value, int) else repr(value)


def differing_ranges(x: bytes, y: bytes) -> list[tuple[int, int]]:
    if x == y:
        return []
    ranges, start = [], None
    for i in range(len(x)):
        if x[i] != y[i]:
            start = i if start is None else start
        elif start is not None:
            ranges.append((start, i))
            start = None
    if start is not None:
        ranges.append((start, len(x)))
    return ranges


# ---------------------------------------------------------------------------------- backends

class _SingleUseEngine(InterpEngine):
    """An InterpEngine that never reuses a translation: a branch back to its own block (an
    offset of 0) must reach the stop block instead of looping forever."""

    def translate(self, pc: int) -> tuple:
        entry = super().translate(pc)
        self.code.discard(pc)
        return entry


def stop_block(pc: int, layout):
    """The block every pc after the one under test gets: a breakpoint trap at that pc (for a
    guest whose GuestState has `layout`)."""
    b = IRBuilder(pc, layout)
    b.insn(pc, 2)
    b.trap(kind=TRAP_BREAKPOINT, pc=pc)
    return b.finish()


def _signal_name(kind: str) -> str:
    return signal.Signals(TRAP_SIGNALS[kind]).name if kind in TRAP_SIGNALS else kind


def prepare_memory(memory: GuestMemory, setup: Setup) -> None:
    """Fresh code, data and read-only pages holding the setup (remapping them also tells the
    code caches that listen to the memory)."""
    memory.map_anonymous(CODE_BASE, PAGE, PROT_READ | PROT_EXEC)
    memory.map_anonymous(DATA_BASE, PAGE, PROT_READ | PROT_WRITE)
    memory.map_anonymous(RO_BASE, PAGE, PROT_READ)
    memory.write(setup.pc, setup.code + EBREAK, force=True)
    memory.write(DATA_BASE, setup.region(), force=True)


def prepare_state(state: GuestState, setup: Setup) -> None:
    state.reset()
    for i in range(1, 32):
        state[f"x{i}"] = setup.x[i]
    for i in range(32):
        state[f"f{i}"] = setup.f[i]
    state["fpflags"], state["frm"] = setup.fflags, setup.frm


def finish(state: GuestState, memory: GuestMemory, setup: Setup, pc: int,
           fault: str | None) -> Outcome:
    return Outcome(x=tuple(state[f"x{i}"] for i in range(32)),
                   f=tuple(state[f"f{i}"] for i in range(32)),
                   fflags=state["fpflags"], frm=state["frm"], pc=pc,
                   mem=memory.read(DATA_BASE, REGION_SIZE), fault=fault)


@dataclass(frozen=True)
class Isa:
    """What the runners need of a guest ISA."""
    layout: object              # its GuestState layout
    lift_block: Callable        # lift_block(fetch, pc) -> Block
    prepare_memory: Callable    # prepare_memory(memory, setup): the pages, code and data
    prepare_state: Callable     # prepare_state(state, setup): the registers
    finish: Callable            # finish(state, memory, setup, pc, fault) -> Outcome


RV64 = Isa(LAYOUT, lift_block, prepare_memory, prepare_state, finish)


def lift_under_test(isa: Isa, memory: GuestMemory, pc: int, opt: bool):
    """The block at pc through the runtime's pipeline (lift, verify, optimize)."""
    block = isa.lift_block(memory.fetch, pc)
    verify(block)
    if opt:
        block = optimize(block)
        verify(block)
    return block


def run_engine(engine, pc: int) -> tuple[int, str | None]:
    """(next or faulting pc, signal name or None) of one run from pc."""
    try:
        reason, pc = engine.run(pc)
        # The ebreak after the code or the stop block end a run that did not fault; an
        # illegal encoding ends its block in a trap; syscall/icache_flush exits stay names.
        return pc, None if reason == TRAP_BREAKPOINT else _signal_name(reason)
    except GuestFault as exc:
        return exc.pc, exc.signal
    except GuestTrap as exc:
        return exc.pc, None if exc.kind == TRAP_BREAKPOINT else _signal_name(exc.kind)


class InterpBackend:
    """Our interpreter, with the lift -> optimize pipeline the runtime uses (``opt=False``
    runs the lifted IR as it is: handy to tell a frontend bug from an optimizer bug), on the
    code of ``isa``."""

    name = "interp"

    def __init__(self, opt: bool = True, isa: Isa = RV64):
        self.opt, self.isa = opt, isa

    def run(self, setup) -> Outcome:
        isa = self.isa
        memory = GuestMemory(window_bits=WINDOW_BITS)
        try:
            isa.prepare_memory(memory, setup)
            state = GuestState(isa.layout)
            isa.prepare_state(state, setup)
            engine = _SingleUseEngine(state, memory, self._lifter(memory))
            pc, fault = run_engine(engine, setup.pc)
            return isa.finish(state, memory, setup, pc, fault)
        finally:
            memory.close()

    def _lifter(self, memory: GuestMemory):
        lifted = []

        def lift(pc: int):
            if lifted:
                return stop_block(pc, self.isa.layout)
            lifted.append(pc)
            return lift_under_test(self.isa, memory, pc, self.opt)
        return lift


class DynamicBackend:
    """The dynamic translator: the block under test compiled by LLVM (with the stop blocks of
    its static successors, in one region) and run by the native dispatcher; faults inside the
    window come back through the native SIGSEGV handler; a block the LLVM backend cannot lower
    yet runs on the engine's interpreter fallback, and an instruction it deoptimises (counter
    reads) continues there.

    Both tiers are tested, each on half of the setups (picked by a CRC of the setup, so a
    failing setup always runs on the same tier; ``run(setup, tier=N)`` forces one, and so
    does ``DynamicBackend(tier=N)`` for every run, named "dynamic<N>"): tier 1
    (the state used in place, no IR passes, -O0 code generation) and tier 2 (fields promoted
    to SSA, the -O2 pipeline; with the tier-1 counter kept, see SingleRunDynamicEngine).

    One engine and one guest window serve every run (an LLVM JIT costs far more to create than
    a run): each run remaps the pages and flushes every translation first."""

    name = "dynamic"

    def __init__(self, opt: bool = True, isa: Isa = RV64, tier: int | None = None):
        self.opt, self.isa, self.tier = opt, isa, tier
        if tier is not None:
            self.name = f"dynamic{tier}"
        self.engine = None
        self.last_run = ""               # which tier ran last (for failure messages)

    def run(self, setup, tier: int | None = None) -> Outcome:
        isa = self.isa
        engine = self.engine or self._make_engine()
        tier = tier or self.tier or 1 + zlib.crc32(repr(setup).encode()) % 2
        self.last_run = f"dynamic tier {tier}" + (" (-O2)" if tier == 2 else " (-O0)")
        isa.prepare_memory(engine.memory, setup)
        isa.prepare_state(engine.state, setup)
        engine.begin(setup, tier)
        pc, fault = run_engine(engine, setup.pc)
        return isa.finish(engine.state, engine.memory, setup, pc, fault)


    def _make_engine(self) -> "SingleRunDynamicEngine":
        self.engine = SingleRunDynamicEngine(GuestState(self.isa.layout),
                                             GuestMemory(WINDOW_BITS), self.opt, self.isa)
        return self.engine


class SingleRunDynamicEngine(DynamicEngine):
    """The DynamicEngine the harness runs: the code under test runs once, and whatever comes
    next is a stop block, even when the code branches or jumps back into itself:

    - the lift function gives the real code for the first lift of a run only; every later
      lift (the successors the region follows, any missed pc) gives a stop block. Except
      that the first time the engine hands a pc to its interpreter (an op the LLVM backend
      cannot lower, or a deoptimised instruction), the code under test at that pc is
      lifted again, for the interpreter to run (once: its translation is dropped after);
    - every region's counter starts one below the hot threshold less one entry's weight, so
      the second time a region is entered or branches inside itself it leaves with
      REASON_HOT: a branch back to the block under test (a plain LLVM branch inside the
      region) or a jump back to it through the dispatcher comes back to Python instead of
      looping;
    - on REASON_HOT at the block under test, its translation is dropped instead of compiled
      hot, so the dispatcher misses there and the next lift gives a stop block; at any other
      pc (a stop block already) the region's counter restarts from zero, and the stop block
      runs and ends the run.

    Tier 2 is the -O2 lowering (fields promoted to SSA, written through to the state before
    each guest access: the precise mode of a guest with a SIGSEGV handler, whose state the
    harness compares after a fault) compiled by the hot JIT with the -O2 pipeline, but with
    the counter of tier 1, which the real tier 2 does not have: the only
    difference, and the only way to stop a loop inside the region.
    """

    def __init__(self, state: GuestState, memory: GuestMemory, opt: bool, isa: Isa = RV64):
        super().__init__(state, memory, self._lift_once)
        self.make_precise()              # (the harness compares the state after a fault,
        self.opt, self.isa = opt, isa    # as a guest's SIGSEGV handler sees it)
        self.setup: Setup | None = None
        self.fresh = self.replay = self.interpreted = False
        self.tier = 1
        self.last_reason: int | None = None        # exit_reason of the last exit to Python

    def begin(self, setup: Setup, tier: int) -> None:
        self.flush()
        self.setup, self.tier = setup, tier
        self.fresh, self.replay, self.interpreted = True, False, False
        self.last_reason = None

    def _left(self, regs: list, pc: int):
        self.last_reason = regs[self.state.layout.slot("exit_reason")]
        return super()._left(regs, pc)

    def _lift_once(self, pc: int):
        under_test = self.setup.pc <= pc < self.setup.end()
        if self.fresh or self.replay and under_test:
            self.fresh = False
            return lift_under_test(self.isa, self.memory, pc, self.opt)
        return stop_block(pc, self.state.layout)

    def _compile_tier1(self, region_id, name, text, blocks):
        if self.tier == 2:
            text = lower_region(name, blocks, self.window_bits(), HOT_THRESHOLD, promote=True,
                                **self._hot_options())
            region = self._place(region_id, name, self._emit(name, text, 2, hot=True), blocks)
        else:
            region = super()._compile_tier1(region_id, name, text, blocks)
        # hot on the second entry (an entry adds the weight)
        region.count = HOT_THRESHOLD - 1 - count_weight(blocks)
        return region

    def _promote(self, pc: int) -> tuple[str, int]:
        entry = self.code.get(pc)
        if entry is not None and entry.counter and pc != self.setup.pc:
            entry.count = 0                    # a stop block: let it run, it ends the run
        else:
            self.code.discard(pc)
            self.native.forget(pc)
        return "jump", pc

    def _interpret(self, pc: int):
        self.replay, self.interpreted = not self.interpreted, True
        try:
            return super()._interpret(pc)
        finally:
            self.replay = False
            self.interp.code.discard(pc)


#: Every backend the semantics tests run, by name.
BACKENDS = {"interp": InterpBackend(), "dynamic": DynamicBackend()}


# ---------------------------------------------------------------------------------- unicorn

class UnicornOracle:
    """Unicorn 2.1 (QEMU 5.0's RISC-V target) in user mode (priv 0), FPU on (mstatus.FS)."""

    name = "unicorn"
    MSTATUS_FS_DIRTY = 3 << 13
    #: RISC-V exception causes -> the signal Linux delivers for them.
    CAUSE_SIGNALS = {0: SIGBUS, 1: SIGSEGV, 2: SIGILL, 3: SIGTRAP, 4: SIGBUS, 5: SIGSEGV,
                     6: SIGBUS, 7: SIGSEGV, 8: "syscall", 9: "syscall", 11: "syscall",
                     12: SIGSEGV, 13: SIGSEGV, 15: SIGSEGV}
    CAUSE = "cause"                  # (what an unknown one is called in the fault's name)

    def __init__(self):
        import unicorn
        from unicorn import riscv_const as rc
        self.uc, self.rc = unicorn, rc
        err = unicorn.unicorn_const
        self.error_signals = {
            err.UC_ERR_READ_UNMAPPED: SIGSEGV, err.UC_ERR_WRITE_UNMAPPED: SIGSEGV,
            err.UC_ERR_FETCH_UNMAPPED: SIGSEGV, err.UC_ERR_READ_PROT: SIGSEGV,
            err.UC_ERR_WRITE_PROT: SIGSEGV, err.UC_ERR_FETCH_PROT: SIGSEGV,
            err.UC_ERR_READ_UNALIGNED: SIGBUS, err.UC_ERR_WRITE_UNALIGNED: SIGBUS,
            err.UC_ERR_FETCH_UNALIGNED: SIGBUS, err.UC_ERR_INSN_INVALID: SIGILL,
        }
        self.fetch_errors = {err.UC_ERR_FETCH_UNMAPPED, err.UC_ERR_FETCH_PROT,
                             err.UC_ERR_FETCH_UNALIGNED}
        self._mu = self._clean = None
        self._started: list[int] = []
        self._causes: list[int] = []

    def run(self, setup: Setup) -> Outcome:
        rc = self.rc
        count = setup.count()
        mu, fault, started = self._execute(setup, count)
        state = mu.reg_read_batch([rc.UC_RISCV_REG_X0 + i for i in range(32)]
                                  + [rc.UC_RISCV_REG_F0 + i for i in range(32)]
                                  + [rc.UC_RISCV_REG_FFLAGS, rc.UC_RISCV_REG_FRM,
                                     rc.UC_RISCV_REG_PC])
        pc = self._fault_pc(setup, count, fault, started) if fault else state[66]
        return Outcome(x=tuple(state[:32]), f=tuple(state[32:64]), fflags=state[64],
                       frm=state[65], pc=pc, mem=bytes(mu.mem_read(DATA_BASE, REGION_SIZE)),
                       fault=fault)

    def _machine(self):
        """One Uc for every run: mapped once, reset by restoring a saved CPU context (which
        also drops any LR reservation or exclusive monitor) and by rewriting code and data."""
        if self._mu is None:
            uc = self.uc
            mu = self._new_uc()
            mu.mem_map(CODE_BASE, PAGE, uc.UC_PROT_READ | uc.UC_PROT_EXEC)
            mu.mem_map(DATA_BASE, PAGE, uc.UC_PROT_READ | uc.UC_PROT_WRITE)
            mu.mem_map(RO_BASE, PAGE, uc.UC_PROT_READ)
            mu.hook_add(uc.UC_HOOK_CODE, lambda m, addr, size, _: self._started.append(addr))
            mu.hook_add(uc.UC_HOOK_INTR, self._on_exception)
            self._mu, self._clean = mu, mu.context_save()
        return self._mu

    def _new_uc(self):
        """The ISA's Uc, configured as a Linux process sees the CPU."""
        uc = self.uc
        mu = uc.Uc(uc.UC_ARCH_RISCV, uc.UC_MODE_RISCV64)
        mu.reg_write(self.rc.UC_RISCV_REG_MSTATUS, self.MSTATUS_FS_DIRTY)
        mu.reg_write(self.rc.UC_RISCV_REG_PRIV, 0)      # U-mode, as a Linux process
        return mu

    def _on_exception(self, mu, cause: int, _) -> None:
        self._causes.append(cause)
        mu.emu_stop()

    def _execute(self, setup, count: int):
        """Run ``count`` instructions: (the Uc, the fault or None, start addresses seen)."""
        mu = self._machine()
        mu.context_restore(self._clean)
        self._load(mu, setup)
        self._started, self._causes = started, causes = [], []
        fault = None
        try:
            mu.emu_start(setup.pc, 0, count=count)
        except self.uc.UcError as exc:
            # Unicorn fetches the next block before it stops at `count`: a jump to an unmapped
            # target fails after the last instruction completed, which is no fault of ours.
            if not (exc.errno in self.fetch_errors and len(started) == count):
                fault = self.error_signals.get(exc.errno, f"unicorn error {exc}")
        if causes:
            fault = self.CAUSE_SIGNALS.get(causes[0], f"{self.CAUSE} {causes[0]}")
        return mu, fault, started

    def _load(self, mu, setup: Setup) -> None:
        """The setup's code (and the stop after it), data and registers into the Uc."""
        rc = self.rc
        mu.mem_write(setup.pc, setup.code + EBREAK)
        mu.ctl_remove_cache(CODE_BASE, CODE_BASE + PAGE)      # drop the last run's blocks
        mu.mem_write(DATA_BASE, setup.region())
        mu.reg_write_batch([(rc.UC_RISCV_REG_X0 + i, setup.x[i] & MASK64) for i in range(1, 32)]
                           + [(rc.UC_RISCV_REG_F0 + i, setup.f[i] & MASK64) for i in range(32)]
                           + [(rc.UC_RISCV_REG_FRM, setup.frm),
                              (rc.UC_RISCV_REG_FFLAGS, setup.fflags)])

    def _fault_pc(self, setup: Setup, count: int, fault: str, started: list) -> int:
        """The address of the faulting instruction.  The code hook sees every instruction
        start that accesses memory; an illegal one is not always seen (QEMU may reject it
        before the hook), so for SIGILL find the first prefix of the code that faults."""
        if fault != SIGILL:
            return started[-1] if started else setup.pc
        for n in range(1, count + 1):
            if n == count or self._execute(setup, n)[1]:
                return setup.pc + _code_offset(setup.code, n - 1)


def _code_offset(code: bytes, index: int) -> int:
    """Byte offset of instruction ``index`` in straight-line code."""
    offset = 0
    for _ in range(index):
        offset += insn_length(int.from_bytes(code[offset:offset + 2], "little"))
    return offset


def unicorn_available() -> bool:
    return importlib.util.find_spec("unicorn") is not None
