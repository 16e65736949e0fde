"""The lane-wise FP ops `vfbin` (fadd, fsub, fmul, fdiv) and `vfma` (dbt/ir/ops.py) in both
backends, under Arm's rules (nan=propagate, tiny=before, control=full) with every control, and
under the default rules (RISC-V's: the control is the rounding mode).

The reference is dbt.fp lane by lane: lane i of the result is dbt.fp's scalar op on lane i of
the operands in the mode the op stands for (the control, under Arm's rules ORed with PROPAGATE |
TINY_BEFORE), the
lanes from `count` on are 0, and the flags are the lanes' ORed into the flags field. Besides the
reference, every case runs the lowering that the AArch64 frontend used before these ops (each
lane extracted, bitcast, computed by the scalar op and inserted back: `lanes_block`), in the
interpreter and as hot code: the new op must agree with it bit for bit, result and flags.

The interpreter runs each block as tier 0 compiles it; the LLVM backend as tier 1 (-O0, a helper
call per lane) and as hot code (-O2: the vector instruction and its lanes' check, speculated for
a control read from a field ("field", "fpcr"), inline for one the region writes ("written") or a
constant). Operands are of every class (zeros, subnormals, normals near the ends, infinities,
quiet and signalling NaNs), biased to results that cancel, turn tiny or overflow; initial flags
with and without NX (the hot path needs NX already set). VFP_EXAMPLES sets the number of
hypothesis examples (fixed seed).
"""

from __future__ import annotations

import ctypes
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbt import fp
from dbt.backends.interp.codegen import compile_block
from dbt.backends.interp.helpers import make_namespace
from dbt.ir.block import Const
from dbt.ir.builder import IRBuilder, IRError
from dbt.ir.ops import FP_DN, FP_FZ
from dbt.ir.types import F32, F64, I32, I64, V128
from dbt.ir.verify import verify
from dbt.memory import PROT_READ, PROT_WRITE, GuestMemory
from dbt.frontends.aarch64.layout import LAYOUT
from dbt.state import GuestState
from test_fp_rules import FPCR_RMODE, float_bits

PC = 0x1000
ADDR = 0x100                    # operands at ADDR, +16, +32; the result at +48
ARM = {"nan": "propagate", "tiny": "before", "control": "full"}
KINDS = ("fadd", "fsub", "fmul", "fdiv", "fma")
REFERENCE = {"fadd": fp.add, "fsub": fp.sub, "fmul": fp.mul, "fdiv": fp.div, "fma": fp.fma}
SHAPES = ((32, 4), (32, 2), (64, 2))                 # (lane bits, lanes computed)
CONTROLS = ("field", "written", "fpcr", 0, FP_DN, FP_FZ, fp.RUP | FP_DN | FP_FZ, fp.RMM)
VARIANTS = ([(kind, lane, count, control, "arm") for kind in KINDS for lane, count in SHAPES
             for control in CONTROLS]
            + [(kind, lane, count, control, "default") for kind in KINDS
               for lane, count in SHAPES for control in ("field", fp.RDN)])   # (RISC-V's)
TIER1 = [v for v in VARIANTS if v[3] in ("field", FP_FZ)]
FLOAT = {32: F32, 64: F64}


def _control(b, kind):
    """The control operand: x5 ("field"), x5 through x7 written in the block ("written"),
    FPCR's as the Arm frontend computes it ("fpcr"), or a constant."""
    if kind == "field":
        return b.get("x5")
    if kind == "written":
        b.set(b.get("x5"), field="x7")
        return b.get("x7")
    if kind == "fpcr":
        fpcr = b.get("fpcr")
        mode = b.and_(b.mul(b.and_(b.shr_u(fpcr, 22), 3), 3), 3)
        dn = b.and_(b.shr_u(fpcr, 22), FP_DN)
        return b.or_(b.or_(mode, dn), b.and_(b.shr_u(fpcr, 20), FP_FZ))
    return b.const(kind, I64)


def _block(variant, compute):
    """M[x1 + 48] = compute(b, the three v128 operands M[x1], M[x1 + 16], M[x1 + 32], control)."""
    b = IRBuilder(PC, LAYOUT)
    b.insn(PC, 4)
    base = b.get("x1")
    vectors = [b.load(b.add(base, 16 * i), type=V128) for i in range(3)]
    b.store(b.add(base, 48), compute(b, vectors, _control(b, variant[3])))
    b.jump(target=PC + 4)
    return b.finish()


def vector_block(variant):
    """The op itself."""
    kind, lane, count, _, rules = variant
    attrs = ARM if rules == "arm" else {}

    def compute(b, vs, control):
        if kind == "fma":
            return b.vfma(*vs, control, lane=lane, count=count, **attrs)
        return b.vfbin(vs[0], vs[1], control, kind=kind, lane=lane, count=count, **attrs)
    return _block(variant, compute)


def lanes_block(variant):
    """The frontend's lowering before the op: every lane extracted, bitcast, computed by the
    scalar op with the same rules and control, and inserted back."""
    kind, lane, count, _, rules = variant
    it, ft = (I32, F32) if lane == 32 else (I64, F64)
    attrs = ARM if rules == "arm" else {}

    def compute(b, vs, control):
        out = Const(0, V128)
        n = 3 if kind == "fma" else 2
        for i in range(count):
            xs = [b.bitcast(b.vextract(v, type=it, lane=lane, index=i), type=ft) for v in vs[:n]]
            r = b.emit(kind, *xs, control, **attrs)
            out = b.vinsert(out, b.bitcast(r, type=it), lane=lane, index=i)
        return out
    return _block(variant, compute)


def reference(variant, vectors, control):
    """dbt.fp lane by lane: (result, flags)."""
    kind, lane, count, _, rules = variant
    fmt, mask = (fp.F32 if lane == 32 else fp.F64), (1 << lane) - 1
    mode = control | (fp.PROPAGATE | fp.TINY_BEFORE if rules == "arm" else 0)
    n = 3 if kind == "fma" else 2
    out, flags = 0, 0
    for i in range(count):
        bits, more = REFERENCE[kind](fmt, *[v >> (i * lane) & mask for v in vectors[:n]],
                                     mode)
        out |= bits << (i * lane)
        flags |= more
    return out, flags


# -- running blocks -------------------------------------------------------------------------------
def _regs(control):
    rm = control & 7
    return {"x1": ADDR, "x5": control, "x7": 0,
            "fpcr": (FPCR_RMODE.get(rm, 0) << 22) | (control & FP_DN) << 22
            | (control & FP_FZ) << 20}


def _memory(vectors) -> bytes:
    return b"".join(v.to_bytes(16, "little") for v in vectors) + bytes(16)


class Interp:
    def __init__(self):
        self.memory = GuestMemory(window_bits=24)
        self.memory.map_anonymous(0, 0x1000, PROT_READ | PROT_WRITE)
        self.state = GuestState(LAYOUT)
        self.ns = make_namespace(self.state.regs, self.memory, engine=None)
        self.fns = {}

    def run(self, make, variant, vectors, control, flags):
        key = (make, variant)
        if key not in self.fns:
            verify(blk := make(variant))
            self.fns[key] = compile_block(blk, self.ns)[0]
        self.memory.view[ADDR:ADDR + 64] = _memory(vectors)
        for field, value in _regs(control).items():
            self.state[field] = value
        self.state["fpflags"] = flags
        assert self.fns[key](self.state.regs) == PC + 4
        return (int.from_bytes(self.memory.view[ADDR + 48:ADDR + 64], "little"),
                self.state["fpflags"])


_FN = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64)


class Native:
    """(block maker, opt) -> variant -> ctypes function, one module per pair (on first use)."""

    def __init__(self):
        self.cache, self.jits = {}, []

    def function(self, make, opt, variant):
        if (make, opt) not in self.cache:
            self.cache[make, opt] = self._compile(make, opt)
        return self.cache[make, opt][variant]

    def _compile(self, make, opt):
        from dbt.backends.llvm import fp_runtime
        from dbt.backends.llvm.compiler import LLVMJit
        from dbt.backends.llvm.fp_kernels import helpers_called
        from dbt.backends.llvm.lower import DECLARATIONS, lower_region
        variants = TIER1 if opt == 0 else VARIANTS
        names = {v: f"vfp{i}" for i, v in enumerate(variants)}
        texts = [lower_region(names[v], [make(v)], 12, 1 << 62, promote=False) if opt == 0
                 else lower_region(names[v], [make(v)], 12) for v in variants]
        jit = LLVMJit(opt_level=opt)
        module = f'target triple = "{jit.triple}"\n' + "\n".join(texts) + "\n" + DECLARATIONS
        fp_runtime.link_helpers(helpers_called(module))
        addresses = jit.compile(module, list(names.values()), hot=opt > 0)
        self.jits.append(jit)
        return {v: _FN(addresses[n]) for v, n in names.items()}

    def run(self, make, opt, variant, vectors, control, flags):
        state = (ctypes.c_uint64 * LAYOUT.nslots)()
        for field, value in _regs(control).items():
            state[LAYOUT.slot(field)] = value
        state[LAYOUT.slot("fpflags")] = flags
        mem = ctypes.create_string_buffer(1 << 12)
        mem[ADDR:ADDR + 64] = _memory(vectors)
        fn = self.function(make, opt, variant)
        assert fn(ctypes.addressof(state), ctypes.addressof(mem), PC) == PC + 4
        return int.from_bytes(mem.raw[ADDR + 48:ADDR + 64], "little"), state[LAYOUT.slot("fpflags")]


@pytest.fixture(scope="module")
def interp():
    return Interp()


@pytest.fixture(scope="module")
def native():
    pytest.importorskip("llvmlite")
    return Native()


def check(interp, native, variant, vectors, control, flags):
    bits, more = reference(variant, vectors, control)
    want = bits, flags | more
    show = (variant, [hex(v) for v in vectors], hex(control), hex(flags))

    def same(got, what):
        assert (hex(got[0]), hex(got[1])) == (hex(want[0]), hex(want[1])), (what, *show)
    same(interp.run(vector_block, variant, vectors, control, flags), "interp")
    same(interp.run(lanes_block, variant, vectors, control, flags), "interp, lane by lane")
    for opt in (0, 2) if variant in TIER1 else (2,):
        same(native.run(vector_block, opt, variant, vectors, control, flags), f"llvm -O{opt}")
    same(native.run(lanes_block, 2, variant, vectors, control, flags), "llvm -O2 lane by lane")


# -- operands -------------------------------------------------------------------------------------
@st.composite
def vectors_for(draw, variant):
    """Three v128 operands: lanes of every class; for fma, some addends close to -(a*b)
    (cancellation); unused lanes random (they must not matter)."""
    kind, lane, count = variant[:3]
    t, mask = FLOAT[lane], (1 << lane) - 1
    out = [0, 0, 0]
    for i in range(128 // lane):
        xs = [draw(float_bits(t)) if i < count else draw(st.integers(0, mask)) for _ in range(3)]
        if kind == "fma" and i < count and draw(st.integers(0, 3)) == 0:
            fmt = fp.F32 if lane == 32 else fp.F64
            p = fp.mul(fmt, xs[0], xs[1], fp.RNE)[0] ^ (1 << (lane - 1))
            xs[2] = (p + draw(st.integers(-2, 2))) & mask
        for j in range(3):
            out[j] |= xs[j] << (i * lane)
    return out


@st.composite
def controls(draw, variant):
    kind = variant[3]
    if isinstance(kind, int):
        return kind
    rm = draw(st.integers(0, 3 if kind == "fpcr" else 4))
    if variant[4] != "arm":                     # (RISC-V's control: the rounding mode alone)
        return rm
    return rm | draw(st.sampled_from([0, 0, FP_DN, FP_FZ, FP_DN | FP_FZ]))


EXAMPLES = settings(max_examples=int(os.environ.get("VFP_EXAMPLES", 600)), deadline=None,
                    derandomize=True, suppress_health_check=[HealthCheck.too_slow])
FLAGS = st.sampled_from([0, fp.NX, fp.NX, fp.NX, 0x3F])


@EXAMPLES
@given(data=st.data(), variant=st.sampled_from(VARIANTS), flags=FLAGS)
def test_vfp_is_the_scalar_op_lane_by_lane(interp, native, data, variant, flags):
    check(interp, native, variant, data.draw(vectors_for(variant)),
          data.draw(controls(variant)), flags)


def _normals(rng, lane, count):
    """Normal lanes of moderate exponent: products, quotients and sums stay normal."""
    bias = 127 if lane == 32 else 1023
    fbits = 23 if lane == 32 else 52
    out = 0
    for i in range(count):
        e = bias + rng.randint(-20, 20)
        out |= (rng.getrandbits(1) << (lane - 1) | e << fbits | rng.getrandbits(fbits)) \
            << (i * lane)
    return out


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v[3] in ("field", "written", 0)])
def test_vfp_common_case(interp, native, variant):
    """Normal operands with NX set and clear, in RNE without FZ: the vector path (and the
    lanes' helpers when NX is clear) agree with the reference; exact results too (x + 0,
    x * 1, x / 1 ... by constant lanes)."""
    rng = random.Random(str(variant))
    lane, count = variant[1], variant[2]
    one = (0x3F800000 if lane == 32 else 0x3FF0000000000000)
    ones = sum(one << (i * lane) for i in range(128 // lane))
    for _ in range(20):
        vectors = [_normals(rng, lane, count) for _ in range(3)]
        for flags in (0, fp.NX):
            check(interp, native, variant, vectors, 0, flags)
            check(interp, native, variant, [vectors[0], ones, vectors[2]], 0, flags)
            check(interp, native, variant, [vectors[0], 0, 0], 0, flags)


def _edges(lane):
    """Lanes where results overflow, turn tiny, cancel or are special: the largest finite
    value, the smallest normal and subnormal, 1 and 1 + ulp, 1.5, 2**(emin/2) (a tiny product),
    zeros, infinities, NaNs (quiet, signalling, with payloads), both signs."""
    F = fp.FORMATS[fp.F32 if lane == 32 else fp.F64]
    mags = [F.max_finite, F.max_finite - 1, F.hidden, F.hidden + 1, 1, F.hidden - 1, 0,
            F.bias << F.fbits, (F.bias << F.fbits) | 1, (F.bias << F.fbits) | F.quiet,
            (F.bias // 2) << F.fbits, F.inf, F.qnan, F.qnan | 5, F.inf | 1, F.inf | 0x15]
    return [m | s for m in mags for s in (0, F.sign)]


@pytest.mark.parametrize("variant", VARIANTS)
def test_vfp_edges(interp, native, variant):
    """Every pair (and, for fma, addend) of edge lanes comes up in some lane, NX set (where
    the vector path runs) and clear, under the variant's controls."""
    lane, count = variant[1], variant[2]
    edges = _edges(lane)
    rng = random.Random(7)
    triples = [(a, b, rng.choice(edges)) for a in edges for b in edges]
    rng.shuffle(triples)
    ctls = [variant[3]] if isinstance(variant[3], int) else \
        [0, fp.RUP, FP_FZ, FP_DN] if variant[4] == "arm" else [0, fp.RUP, fp.RMM]
    for start in range(0, len(triples), count):
        chunk = triples[start:start + count]
        vectors = [sum(t[j] << (i * lane) for i, t in enumerate(chunk)) for j in range(3)]
        control = ctls[(start // count) % len(ctls)]
        check(interp, native, variant, vectors, control, fp.NX if start % 3 else 0)


def test_vfp_rejects_bad_attributes():
    def attempt(**attrs):
        b = IRBuilder(PC, LAYOUT)
        b.insn(PC, 4)
        v = b.load(b.get("x1"), type=V128)
        b.store(b.get("x1"), b.vfbin(v, v, b.const(0, I64), **attrs))
        b.jump(target=PC + 4)
        verify(b.finish())
    attempt(kind="fadd", lane=32, count=4)
    for bad in ({"kind": "fmin", "lane": 32, "count": 4}, {"kind": "fadd", "lane": 16, "count": 8},
                {"kind": "fadd", "lane": 64, "count": 4}, {"kind": "fadd", "lane": 32, "count": 0}):
        with pytest.raises(IRError):
            attempt(**bad)


def test_vfp_hot_code_is_a_host_vector_instruction():
    """At -O2 a vfbin over f32x4 with a control read from a field is one `fadd <4 x float>`
    and its check, no helper call on the path where it holds."""
    pytest.importorskip("llvmlite")
    from dbt.backends.llvm.lower import lower_region
    text = lower_region("f", [vector_block(("fadd", 32, 4, "field", "arm"))], 12)
    assert "fadd <4 x float>" in text
    fma = lower_region("f", [vector_block(("fma", 64, 2, "fpcr", "arm"))], 12)
    assert "@llvm.fma.v2f64" in fma
