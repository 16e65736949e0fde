"""Differential harness for AArch64: run a few A64 instructions in our backends and in Unicorn.

The AArch64 counterpart of ``harness.py`` (RISC-V), with the same guest address space and the
same runners; this module holds what is AArch64's (the state, the stop instruction, Unicorn's
ARM64 target) and imports the rest.

Use::

    from a64_harness import asm, make_setup, run_all, check, DATA_BASE, RO_BASE, UNMAPPED

    s = make_setup("fadd d0, d1, d2", v1=0x3FF0000000000000, v2=1 << 63, fpcr=0x00C00000)
    got = check(s)                 # every backend == Unicorn, else AssertionError with a diff
    got.v[0], got.fpsr, got.nzcv  # the Outcome (Unicorn's): x, sp, nzcv, v, fpcr, fpsr, ...
    outcomes = run_all(s)          # {"interp", "dynamic1", "dynamic2", "unicorn"} -> Outcome
    check(s, fix=lambda o: o.replace(fpsr=o.fpsr | 0x10))   # where Unicorn is known wrong

* ``asm(text)`` assembles with keystone (ARMv8.0 + FP/AdvSIMD; no LSE, no FEAT_* extensions:
  for those pass bytes, e.g. ``word(0x...)`` or ``decode.DECODER.encode``). ``.inst N`` is
  read as ``.word N``. Branch targets in keystone text are absolute addresses.
* ``make_setup(code, **regs)``: code is asm text or bytes; registers by name: ``x0``..``x30``,
  ``sp``, ``v0``..``v31`` (128-bit ints: the state fields f<n> = low 64 bits, vhi<n> = high 64),
  ``nzcv`` (4 bits, N = 8 as in CCMP's immediate), ``fpcr``, ``fpsr`` (Arm's layout: our state
  keeps the cumulative bits in ``fpflags``, IR order, and converts with frontends/aarch64/
  fpsr.py), ``tpidr``; ``mem=((address, bytes), ...)`` overlays the data region; ``pc=``.
  Registers not named keep distinct fill values (X_FILL, V_FILL, SP_INIT).
* An :class:`Outcome` is the final state, the next pc (the faulting pc on a fault), the data
  region's bytes and the signal ("SIGSEGV", "SIGBUS", "SIGILL", "SIGTRAP", "syscall" for SVC
  with pc after it) or None. Outcomes compare with ``==``; ``a.diff(b)`` lists differences.
* ISB and IC IVAU exit to the runtime, which ends a run of our backends: write them last.
* A failing check prints the code (capstone) and ``repr(setup)``, a make_setup call that
  rebuilds the setup: paste it into a pinned regression.

Where Unicorn (QEMU 5.0) is known to differ from the Arm ARM, pass ``fix=``; found so far (see
tests/frontends/aarch64/test_int_semantics.py FIXES): no alignment check on LDAR/STLR/LDAPR,
STXR/STXP test the monitor before alignment, LDSMAX/LDSMIN on B/H/W compare unsigned, FPCR
keeps the AArch32-only Len/Stride fields. Being at EL1, it also reads EL1 system registers.

Guest address space (as harness.py): CODE_BASE 0x10000 one R+X page (the code, then BRK #0
which ends the run); DATA_BASE 0x20000 R+W; RO_BASE 0x21000 R only; UNMAPPED 0x22000.
Runners execute the ``count`` instructions of the code (straight line; a branch ends the run at
its target, which need not be mapped). Unicorn runs at EL1 (FP/SIMD enabled through
CPACR_EL1.FPEN, the "max" CPU model for LSE/FP16); its faults come back as memory errors
(SIGSEGV), alignment data aborts (SIGBUS), UDEF (SIGILL: also HVC/SMC), BKPT (SIGTRAP), SVC.
The dynamic backend is run on both tiers (dynamic1: -O0 with the state in place; dynamic2: -O2
with fields promoted), the block under test forced hot at once; a block the LLVM backend
declines runs on the engine's interpreter fallback.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import struct
from dataclasses import dataclass, field

import harness
from harness import (CODE_BASE, DATA_BASE, MASK64, PAGE, REGION_SIZE, RO_BASE, SIGBUS, SIGILL,
                     SIGSEGV, SIGTRAP, UNMAPPED, diff_outcomes, unicorn_available)

from dbt.frontends.aarch64.fpsr import FPSR_FLAGS, FPSR_KEEP, flags_to_fpsr
from dbt.frontends.aarch64.layout import LAYOUT
from dbt.frontends.aarch64.lifter import lift_block
from dbt.ir.ops import EXIT_ICACHE_FLUSH
from dbt.memory import GuestMemory
from dbt.state import GuestState

__all__ = ["Setup", "Outcome", "asm", "word", "disasm", "make_setup", "run_all", "check",
           "BACKENDS", "ORACLE", "InterpBackend", "DynamicBackend", "A64UnicornOracle", "CODE_BASE",
           "DATA_BASE", "RO_BASE", "UNMAPPED", "PAGE", "REGION_SIZE", "MASK64", "MASK128",
           "X_FILL", "V_FILL", "SP_INIT", "SIGSEGV", "SIGBUS", "SIGILL", "SIGTRAP",
           "unicorn_available"]

MASK128 = (1 << 128) - 1
BRK0 = 0xD4200000
BRK_MASK = 0xFFE0001F
STOP = BRK0.to_bytes(4, "little")
#: Register background: x0..x30 hold distinct values (harness.X_FILL's x1..x31).
X_FILL = tuple(harness.X_FILL[1:])
#: V registers: distinct doubles in both halves (low: 1.0 + i/8 .. ; high: -2.0 - i/8 ..).
V_FILL = tuple(((0xC000000000000000 + (i << 45)) << 64) | (0x3FF0000000000000 + (i << 45))
               for i in range(32))
SP_INIT = DATA_BASE + 0x800          # 16-byte aligned, in the data page


@dataclass(frozen=True)
class Setup:
    """The input of one run: ``code`` placed at ``pc``, the registers, and ``mem`` overlaid on
    the data region's deterministic background (harness.REGION_FILL)."""
    code: bytes
    x: tuple[int, ...] = X_FILL        # x0..x30
    sp: int = SP_INIT
    nzcv: int = 0                         # N Z C V = bits 3 2 1 0
    v: tuple[int, ...] = V_FILL           # V0..V31, 128 bits each
    fpcr: int = 0
    fpsr: int = 0
    tpidr: int = 0
    mem: tuple[tuple[int, bytes], ...] = ()
    pc: int = CODE_BASE

    region = harness.Setup.region
    end = harness.Setup.end

    def __repr__(self) -> str:
        """The make_setup call that makes this Setup (registers that differ from the fill)."""
        regs = [f"x{i}={v:#x}" for i, v in enumerate(self.x) if v != X_FILL[i]]
        regs += [f"v{i}={v:#x}" for i, v in enumerate(self.v) if v != V_FILL[i]]
        regs += [f"{name}={getattr(self, name):#x}" for name, default in (
            ("sp", SP_INIT), ("nzcv", 0), ("fpcr", 0), ("fpsr", 0), ("tpidr", 0),
            ("pc", CODE_BASE)) if getattr(self, name) != default]
        regs += [f"mem={self.mem!r}"] if self.mem else []
        return f"make_setup(bytes.fromhex({self.code.hex()!r}), {', '.join(regs)})"

    def count(self) -> int:
        return len(self.code) // 4

    def initial(self, pc: int | None = None) -> "Outcome":
        """The state before the run, as an Outcome."""
        return Outcome(x=tuple(v & MASK64 for v in self.x), sp=self.sp & MASK64,
                       nzcv=self.nzcv, v=tuple(v & MASK128 for v in self.v), fpcr=self.fpcr,
                       fpsr=self.fpsr, tpidr=self.tpidr & MASK64,
                       pc=self.pc if pc is None else pc, mem=self.region(), fault=None)


@dataclass(frozen=True)
class Outcome:
    """The result of a run: final registers, next pc (or faulting pc), data region, fault."""
    x: tuple[int, ...]
    sp: int
    nzcv: int
    v: tuple[int, ...]
    fpcr: int
    fpsr: int
    tpidr: int
    pc: int
    mem: bytes = field(repr=False)
    fault: str | None

    def replace(self, **changes) -> "Outcome":
        return dataclasses.replace(self, **changes)

    def diff(self, other: "Outcome", names: tuple[str, str] = ("got", "want")) -> list[str]:
        """Human-readable differences (empty when equal)."""
        return diff_outcomes(self, other, names,
                             ("fault", "pc", "sp", "nzcv", "fpcr", "fpsr", "tpidr"),
                             (("x", 18), ("v", 34)))


# ---------------------------------------------------------------------------------- input

@functools.cache
def _keystone():
    import keystone
    return keystone.Ks(keystone.KS_ARCH_ARM64, keystone.KS_MODE_LITTLE_ENDIAN)


def asm(text: str, pc: int = CODE_BASE) -> bytes:
    """Assemble A64 text (``;`` or newlines between instructions) placed at ``pc``."""
    text = re.sub(r"\.inst\b", ".word", text)
    encoding, _ = _keystone().asm(text, pc)
    if not encoding:
        raise ValueError(f"keystone assembled nothing from {text!r}")
    return bytes(encoding)


def disasm(code: bytes, pc: int = CODE_BASE) -> str:
    """Capstone's text of the code, one line an instruction (for failure messages)."""
    import capstone
    cs = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    lines = []
    for offset in range(0, len(code) - 3, 4):
        raw = code[offset:offset + 4]
        text = next((f"{m} {o}" for _, _, m, o in cs.disasm_lite(raw, pc + offset)), "(invalid)")
        lines.append(f"{pc + offset:#x}: {raw[::-1].hex()}  {text}")
    return "\n".join(lines)


def word(*words: int) -> bytes:
    """Instruction words as code bytes."""
    return b"".join(struct.pack("<I", w) for w in words)


def make_setup(code: str | bytes, mem=(), pc: int = CODE_BASE, **regs) -> Setup:
    """A Setup from asm text or bytes and registers by name (see the module docstring)."""
    code = asm(code, pc) if isinstance(code, str) else bytes(code)
    x, v, other = list(X_FILL), list(V_FILL), {}
    for name, value in regs.items():
        m = re.fullmatch(r"([xv])(\d+)", name)
        if m and int(m[2]) < (31 if m[1] == "x" else 32):
            (x if m[1] == "x" else v)[int(m[2])] = value & (MASK64 if m[1] == "x" else MASK128)
        elif name in ("sp", "nzcv", "fpcr", "fpsr", "tpidr"):
            other[name] = value
        else:
            raise TypeError(f"make_setup: unknown register {name!r}")
    return Setup(code, tuple(x), v=tuple(v), mem=tuple(mem), pc=pc, **other)


# ---------------------------------------------------------------------------------- our backends

def prepare_memory(memory: GuestMemory, setup: Setup) -> None:
    """harness.prepare_memory's pages, with BRK #0 (not ebreak) after the code."""
    harness.prepare_memory(memory, setup)
    memory.write(setup.end(), STOP, force=True)


def fpsr_to_flags(fpsr: int) -> int:
    """The IR flag bits (state field fpflags) of FPSR's cumulative exception bits."""
    return sum(ir for arm, ir in FPSR_FLAGS if fpsr & arm)


def prepare_state(state: GuestState, setup: Setup) -> None:
    state.reset()
    for i in range(31):
        state[f"x{i}"] = setup.x[i]
    state["x31"] = setup.sp
    for i, value in enumerate(setup.v):
        state[f"f{i}"], state[f"vhi{i}"] = value & MASK64, value >> 64
    for bit, name in zip((8, 4, 2, 1), "nzcv"):
        state[name] = 1 if setup.nzcv & bit else 0
    state["fpcr"], state["tpidr"] = setup.fpcr, setup.tpidr
    state["fpflags"], state["fpsr"] = fpsr_to_flags(setup.fpsr), setup.fpsr & FPSR_KEEP


def finish(state: GuestState, memory: GuestMemory, setup: Setup, pc: int,
           fault: str | None) -> Outcome:
    if fault == EXIT_ICACHE_FLUSH:
        fault = None                  # ISB, IC IVAU: the run ends there, nothing is wrong
    if fault is None and setup.pc <= pc < setup.end():
        # run_engine reads every breakpoint trap as the end of the run; a BRK of the code
        # under test (not the stop block of a branch back into the code) is a SIGTRAP
        raw = int.from_bytes(setup.code[pc - setup.pc:pc - setup.pc + 4], "little")
        fault = SIGTRAP if raw & BRK_MASK == BRK0 else None
    return Outcome(x=tuple(state[f"x{i}"] for i in range(31)), sp=state["x31"],
                   nzcv=sum(bit for bit, name in zip((8, 4, 2, 1), "nzcv") if state[name]),
                   v=tuple(state[f"f{i}"] | state[f"vhi{i}"] << 64 for i in range(32)),
                   fpcr=state["fpcr"], fpsr=flags_to_fpsr(state["fpflags"]) | state["fpsr"],
                   tpidr=state["tpidr"], pc=pc, mem=memory.read(DATA_BASE, REGION_SIZE),
                   fault=fault)


#: The runners of harness.py on A64 code.
A64 = harness.Isa(LAYOUT, lift_block, prepare_memory, prepare_state, finish)


class InterpBackend(harness.InterpBackend):
    """Our interpreter (see harness.InterpBackend), on A64 code."""

    def __init__(self, opt: bool = True):
        super().__init__(opt, A64)


class DynamicBackend(harness.DynamicBackend):
    """The dynamic translator (see harness.DynamicBackend) on A64 code; ``tier`` fixes the tier
    of every run (None: picked by a CRC of the setup, as harness.DynamicBackend)."""

    def __init__(self, tier: int | None = None, opt: bool = True):
        super().__init__(opt, A64, tier)


#: Every backend of ours, by name: the interpreter (the semantic reference) and both tiers of
#: the dynamic translator.
BACKENDS = {"interp": InterpBackend(), "dynamic1": DynamicBackend(1),
            "dynamic2": DynamicBackend(2)}


# ---------------------------------------------------------------------------------- unicorn

class A64UnicornOracle(harness.UnicornOracle):
    """Unicorn 2.1 (QEMU 5.0's AArch64 target, "max" CPU) at EL1 with FP/SIMD enabled; its
    memory errors are mapped to signals by harness.UnicornOracle's table."""

    #: QEMU's exception numbers (target/arm/cpu.h EXCP_*) -> the signal Linux delivers.
    CAUSE_SIGNALS = {1: SIGILL, 2: "syscall", 3: SIGSEGV, 4: SIGBUS, 7: SIGTRAP}
    CAUSE = "exception"

    def __init__(self):
        super().__init__()
        from unicorn import arm64_const as ac
        self.ac = ac
        self.x_regs = [ac.UC_ARM64_REG_X0 + i for i in range(29)] + [ac.UC_ARM64_REG_X29,
                                                                    ac.UC_ARM64_REG_X30]
        self.v_regs = [ac.UC_ARM64_REG_V0 + i for i in range(32)]
        self.sys_regs = [ac.UC_ARM64_REG_SP, ac.UC_ARM64_REG_NZCV, ac.UC_ARM64_REG_FPCR,
                         ac.UC_ARM64_REG_FPSR, ac.UC_ARM64_REG_TPIDR_EL0]

    def run(self, setup: Setup) -> Outcome:
        count = setup.count()
        mu, fault, started = self._execute(setup, count)
        xs = [mu.reg_read(r) for r in self.x_regs]
        vs = [mu.reg_read(r) for r in self.v_regs]
        sp, nzcv, fpcr, fpsr, tpidr = (mu.reg_read(r) for r in self.sys_regs)
        pc = mu.reg_read(self.ac.UC_ARM64_REG_PC)
        if fault not in (None, "syscall"):          # SVC leaves pc after it, as our exit
            pc = started[-1] if started else setup.pc
        return Outcome(x=tuple(xs), sp=sp, nzcv=nzcv >> 28, v=tuple(vs), fpcr=fpcr, fpsr=fpsr,
                       tpidr=tpidr, pc=pc, mem=bytes(mu.mem_read(DATA_BASE, REGION_SIZE)),
                       fault=fault)

    def _new_uc(self):
        uc, ac = self.uc, self.ac
        mu = uc.Uc(uc.UC_ARCH_ARM64, uc.UC_MODE_ARM)
        mu.ctl_set_cpu_model(ac.UC_CPU_ARM64_MAX)
        mu.reg_write(ac.UC_ARM64_REG_CPACR_EL1,
                     mu.reg_read(ac.UC_ARM64_REG_CPACR_EL1) | 3 << 20)   # FPEN = 0b11
        return mu

    def _load(self, mu, setup: Setup) -> None:
        mu.mem_write(CODE_BASE, bytes(PAGE))
        mu.mem_write(setup.pc, setup.code + STOP)
        mu.ctl_remove_cache(CODE_BASE, CODE_BASE + PAGE)      # drop the last run's blocks
        mu.mem_write(DATA_BASE, setup.region())
        regs = list(zip(self.x_regs, setup.x)) + list(zip(self.v_regs, setup.v)) + list(zip(
            self.sys_regs, (setup.sp, setup.nzcv << 28, setup.fpcr, setup.fpsr, setup.tpidr)))
        for reg, value in regs:
            mu.reg_write(reg, value)


ORACLE = A64UnicornOracle() if unicorn_available() else None


# ---------------------------------------------------------------------------------- running

def run_all(setup: Setup, backends: dict | None = None) -> dict[str, Outcome]:
    """Every backend's Outcome and Unicorn's (key "unicorn")."""
    outcomes = {name: b.run(setup) for name, b in (backends or BACKENDS).items()}
    outcomes["unicorn"] = ORACLE.run(setup)
    return outcomes


def check(setup: Setup, fix=None, backends: dict | None = None) -> Outcome:
    """Assert that every backend's Outcome equals Unicorn's (after ``fix``, a function
    Outcome -> Outcome for what Unicorn is known to get wrong); return that Outcome."""
    want = ORACLE.run(setup)
    want = fix(want) if fix else want
    failures = []
    for name, backend in (backends or BACKENDS).items():
        got = backend.run(setup)
        diff = got.diff(want, (name, "unicorn"))
        if diff:
            failures.append(f"{getattr(backend, 'last_run', name)}:\n  " + "\n  ".join(diff))
    assert not failures, f"{disasm(setup.code, setup.pc)}\n{setup}\n" + "\n".join(failures)
    return want


# ---------------------------------------------------------------------------------- self-tests
# (collected when this file is named on pytest's command line)

def test_harness_nop_keeps_the_state():
    """Every runner reads back exactly the state it was given (fill values, V halves, NZCV,
    FPCR/FPSR, TPIDR, SP, memory overlay): a NOP changes nothing but the pc."""
    s = make_setup("nop", mem=((DATA_BASE + 8, b"\x01\x02"),), sp=DATA_BASE + 0x100,
                   nzcv=0b1010, fpcr=0x03C00000, fpsr=0x9F, tpidr=0x1234, x5=MASK64,
                   v7=MASK128)
    for name, got in run_all(s).items():
        assert not got.diff(s.initial(CODE_BASE + 4), (name, "initial"))


def test_harness_faults_and_stops():
    """The signal and pc of each way a run ends agree on every runner; the expected values
    are the Linux behaviour (a fault reports the faulting instruction, SVC the next one)."""
    cases = [("mov x3, #1; ldr x0, [x1]", dict(x1=UNMAPPED), SIGSEGV, CODE_BASE + 4),
             ("str x0, [x1]", dict(x1=RO_BASE), SIGSEGV, CODE_BASE),
             ("ldxr x0, [x1]", dict(x1=DATA_BASE + 1), SIGBUS, CODE_BASE),
             ("nop; brk #5", {}, SIGTRAP, CODE_BASE + 4),
             ("nop; svc #0", {}, "syscall", CODE_BASE + 8),
             ("nop; .inst 0xffffffff", {}, SIGILL, CODE_BASE + 4),
             ("b.eq #0x10100", dict(nzcv=4), None, CODE_BASE + 0x100),
             ("b.eq #0x10100", dict(nzcv=0), None, CODE_BASE + 4),
             ("br x3", dict(x3=0x40000), None, 0x40000),
             ("b #0x10000", {}, None, CODE_BASE)]
    for code, regs, fault, pc in cases:
        got = run_all(make_setup(code, **regs))
        assert {(o.fault, o.pc) for o in got.values()} == {(fault, pc)}, (code, got)
        check(make_setup(code, **regs))
