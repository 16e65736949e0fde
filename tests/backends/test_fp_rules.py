"""The FP rule attributes of the IR (dbt/ir/ops.py: nan, tiny, nan_to, minmax, control) and
binary16 conversions in the backends: the interpreter runs an op with them exactly as dbt.fp
does in the mode they stand for (the control operand ORed with PROPAGATE, TINY_BEFORE,
NAN_TO_ZERO; min/max with PROPAGATE or MIN_NUM), dbt.fp's Arm rules being checked against
Unicorn in tests/test_fp_arm.py; the LLVM backend lowers every rule, and agrees with the
interpreter bit for bit (result and flags) at -O0 (tier 1) and -O2 (hot code) on operands of
every class, in every rounding mode, with and without DN and FZ. FP_RULE_EXAMPLES sets the
number of hypothesis examples (fixed seed).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbt import fp
from dbt.backends.interp.codegen import compile_block
from dbt.backends.interp.helpers import make_namespace
from dbt.backends.llvm.lower import lower_region
from dbt.frontends.aarch64.layout import LAYOUT
from dbt.ir.builder import IRBuilder, IRError
from dbt.ir.ops import FP_DEFAULTS, FP_DN, FP_FZ
from dbt.ir.printer import format_op
from dbt.ir.types import F16, F32, F64, I16, I32, I64
from dbt.ir.verify import verify
from dbt.memory import GuestMemory
from dbt.state import GuestState

PC = 0x1000
FMT = {F32: fp.F32, F64: fp.F64}
ROUNDED = {"fadd": 2, "fsub": 2, "fmul": 2, "fdiv": 2, "fsqrt": 1, "fma": 3}
REFERENCE = {"fadd": "add", "fsub": "sub", "fmul": "mul", "fdiv": "div", "fsqrt": "sqrt",
             "fma": "fma"}
ARM = {"nan": "propagate", "tiny": "before", "control": "full"}
SPECIAL = [0, 1, 0x7FF0000000000000, 0x7FF8000000000001, 0x7FF0000000000002,
           0x000FFFFFFFFFFFFF, 0x8000000000000001, 0x3FF0000000000001, 0x7FEFFFFFFFFFFFFF,
           0x7F800001, 0x7FC00002, 0x007FFFFF, 0x00800001, 0x3F800001, 0x80000001]
VALUES = st.one_of(st.sampled_from(SPECIAL), st.integers(0, (1 << 64) - 1))


def _get(b, field, t):
    raw = b.get(field)
    return b.bitcast(raw, type=F64) if t is F64 else b.bitcast(b.trunc(raw, type=I32), type=F32)


def _put(b, value, field="f0"):
    t = value.type
    if t is F64:
        b.set(b.bitcast(value, type=I64), field=field)
    elif t is F32:
        b.set(b.zext(b.bitcast(value, type=I32), type=I64), field=field)
    else:
        b.set(value if t is I64 else b.zext(value, type=I64), field=field)


def block(emit):
    b = IRBuilder(PC, LAYOUT)
    b.insn(PC, 4)
    emit(b)
    b.jump(target=PC + 4)
    return b.finish()


class Interp:
    def __init__(self):
        self.state = GuestState(LAYOUT)
        self.ns = make_namespace(self.state.regs, GuestMemory(window_bits=16), engine=None)

    def run(self, blk, regs: dict) -> dict:
        verify(blk)
        for field, value in regs.items():
            self.state[field] = value
        self.state["fpflags"] = 0
        fn, _, _ = compile_block(blk, self.ns)
        assert fn(self.state.regs) == PC + 4
        return {f: self.state[f] for f in ("f0", "x10", "fpflags")}


@pytest.fixture(scope="module")
def interp():
    return Interp()


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(ROUNDED)), t=st.sampled_from([F32, F64]),
       a=VALUES, b=VALUES, c=VALUES, rm=st.integers(0, 4), dn=st.booleans(),
       fz=st.booleans(), dynamic=st.booleans())
def test_rounded_ops_with_arm_rules_are_dbt_fp(interp, name, t, a, b, c, rm, dn, fz, dynamic):
    mask = (1 << t.bits) - 1
    args = [v & mask for v in (a, b, c)][:ROUNDED[name]]
    control = rm | (FP_DN if dn else 0) | (FP_FZ if fz else 0)

    def emit(bld):
        operands = [_get(bld, f"f{i + 1}", t) for i in range(len(args))]
        ctl = bld.get("x5") if dynamic else bld.const(control, I64)
        _put(bld, bld.emit(name, *operands, ctl, **ARM))
    regs = {"f1": 0, "f2": 0, "f3": 0, "x5": control}
    regs.update({f"f{i + 1}": v for i, v in enumerate(args)})
    got = interp.run(block(emit), regs)
    bits, flags = fp.OPS[REFERENCE[name]](FMT[t], *args, control | fp.PROPAGATE | fp.TINY_BEFORE)
    assert (got["f0"], got["fpflags"]) == (bits & mask, flags)


@pytest.mark.parametrize("minmax, bits", [("number", 0), ("propagate", fp.PROPAGATE),
                                          ("quiet_number", fp.MIN_NUM)])
@pytest.mark.parametrize("a, b", [(0x7FF8000000000001, 0x3FF0000000000000),
                                  (0x7FF0000000000001, 0x3FF0000000000000),
                                  (0x8000000000000000, 0)])
def test_min_max_rules(interp, minmax, bits, a, b):
    for name, ref in (("fmin", fp.fmin), ("fmax", fp.fmax)):
        got = interp.run(block(lambda bld: _put(bld, bld.emit(
            name, _get(bld, "f1", F64), _get(bld, "f2", F64), minmax=minmax))),
            {"f1": a, "f2": b})
        assert (got["f0"], got["fpflags"]) == ref(fp.F64, a, b, bits)


@pytest.mark.parametrize("nan_to", ["max", "zero"])
def test_float_to_int_nan(interp, nan_to):
    got = interp.run(block(lambda bld: _put(bld, bld.fcvt_to_si(
        _get(bld, "f1", F64), bld.const(1, I64), type=I64, nan_to=nan_to), "x10")),
        {"f1": 0x7FF8000000000000})
    assert (got["x10"], got["fpflags"]) == ((1 << 63) - 1 if nan_to == "max" else 0, fp.NV)


def test_convert_propagates_a_nan_payload(interp):
    """binary64 sNaN 0xfff4000012345678 to binary32 under nan=propagate: its sign, the
    all-ones exponent, the quiet bit set and the top of its payload (0x4000012345678 >> 29 =
    0x200000): 0xffe00000, NV for the signalling NaN (Arm's FPConvertNaN)."""
    got = interp.run(block(lambda bld: _put(bld, bld.fcvt_f(
        _get(bld, "f1", F64), bld.const(0, I64), type=F32, nan="propagate"))),
        {"f1": 0xFFF4000012345678})
    assert (got["f0"], got["fpflags"]) == (0xFFE00000, fp.NV)


def test_default_rules_are_invisible_and_bad_ones_rejected():
    blk = block(lambda bld: _put(bld, bld.fadd(_get(bld, "f1", F64), _get(bld, "f2", F64),
                                               bld.const(0, I64))))
    fadd = next(op for op in blk.ops if op.name == "fadd")
    assert "nan=" not in format_op(fadd) and "control=" not in format_op(fadd)
    arm = block(lambda bld: _put(bld, bld.fadd(_get(bld, "f1", F64), _get(bld, "f2", F64),
                                               bld.const(0, I64), nan="propagate")))
    assert "nan=propagate" in format_op(next(op for op in arm.ops if op.name == "fadd"))
    bad = block(lambda bld: _put(bld, bld.fadd(_get(bld, "f1", F64), _get(bld, "f2", F64),
                                               bld.const(0, I64), nan="quiet")))
    with pytest.raises(IRError):
        verify(bad)


# -- the LLVM backend against the interpreter, under every rule ----------------------------------
# A variant is one op in a one-instruction block: (name, operand type, result type, rules,
# control, extra). rules: the non-default attributes; control: where the control operand comes
# from -- "field" (x5: hot code speculates on it), "written" (x5 copied to x7 first, so it may
# change in the region: hot code tests each op inline), "fpcr" (computed from FPCR as an Arm
# frontend does: speculated) or a constant. Each variant runs in the interpreter (the
# reference; the tests above hold it to dbt.fp) and as LLVM code, hot (-O2, state promoted,
# speculation) and tier 1 (-O0, every rounded op a helper call); result and flags must agree.
RULE_SETS = [tuple((rule, value) for rule, value in (("nan", nan), ("tiny", tiny),
                                                      ("control", control))
                   if value != FP_DEFAULTS[rule])
             for nan in ("canonical", "propagate") for tiny in ("after", "before")
             for control in ("rm", "full")]
ARM_RULES = tuple(ARM.items())
ARM_CONTROLS = ("written", "fpcr", 0, FP_DN, FP_FZ, fp.RUP | FP_DN | FP_FZ, fp.RMM)
CONVERSIONS = [(F32, F64), (F64, F32), (F32, F16), (F64, F16), (F16, F32), (F16, F64)]
INT_OUT = ("fcvt_to_si", "fcvt_to_ui")
FPCR_RMODE = {fp.RNE: 0, fp.RUP: 1, fp.RDN: 2, fp.RTZ: 3}     # IR mode -> FPCR.RMode


def _variants():
    out = []
    for t in (F32, F64):
        for name in ROUNDED:
            out += [(name, t, t, rules, "field", None) for rules in RULE_SETS]
            out += [(name, t, t, ARM_RULES, c, None) for c in ARM_CONTROLS]
        for name in INT_OUT:
            out += [(name, t, it, rules + extra, "field", None) for it in (I32, I64)
                    for rules in ((), (("control", "full"),))
                    for extra in ((), (("nan_to", "zero"),))]
        for name in ("fcvt_from_si", "fcvt_from_ui"):
            out += [(name, it, t, rules, "field", None) for it in (I32, I64)
                    for rules in ((), (("control", "full"),))]
        for name in ("fmin", "fmax"):
            out += [(name, t, t, (("minmax", kind),), None, None)
                    for kind in ("number", "propagate", "quiet_number")]
    for src, dst in CONVERSIONS:
        rule_sets = [tuple(r for r in rules if r[0] != "tiny" or dst.bits < src.bits)
                     for rules in RULE_SETS]          # (tininess: of narrowing conversions)
        out += [("fcvt_f", src, dst, rules, "field", None) for rules in dict.fromkeys(rule_sets)]
        out += [("fcvt_f", src, dst, ARM_RULES, c, None) for c in ("written", FP_FZ)]
    return out


VARIANTS = _variants()
TIER1 = [v for v in VARIANTS if v[4] in ("field", None)]


def _operand(b, field, t):
    raw = b.get(field)
    if t is F64 or t is I64:
        return raw if t is I64 else b.bitcast(raw, type=F64)
    small = b.trunc(raw, type=I32 if t.bits == 32 else I16)
    return small if t.is_int else b.bitcast(small, type=t)


def _control(b, kind):
    if kind == "field":
        return b.get("x5")
    if kind == "written":
        b.set(b.get("x5"), field="x7")
        return b.get("x7")
    if kind == "fpcr":                  # as frontends/aarch64/fpsr.py's control_from_fpcr
        fpcr = b.get("fpcr")
        mode = b.and_(b.mul(b.and_(b.shr_u(fpcr, 22), 3), 3), 3)
        dn = b.and_(b.shr_u(fpcr, 22), FP_DN)
        return b.or_(b.or_(mode, dn), b.and_(b.shr_u(fpcr, 20), FP_FZ))
    return b.const(kind, I64)


def variant_block(variant):
    name, t, result, rules, kind, _ = variant
    rules = dict(rules)

    def emit(b):
        if name in ("fmin", "fmax"):
            out = b.emit(name, _operand(b, "f1", t), _operand(b, "f2", t), **rules)
        else:
            n = ROUNDED.get(name, 1)
            fields = ("x6",) if t.is_int else ("f1", "f2", "f3")[:n]
            operands = [_operand(b, f, t) for f in fields]
            ctl = _control(b, kind)
            attrs = {"type": result} if name not in ROUNDED else {}
            out = b.emit(name, *operands, ctl, **attrs, **rules)
        if out.type.is_float:
            out = b.bitcast(out, type={16: I16, 32: I32, 64: I64}[out.type.bits])
        b.set(out if out.type is I64 else b.zext(out, type=I64),
              field="x10" if name in INT_OUT else "f0")
    return block(emit)


@pytest.fixture(scope="module")
def native():
    """opt -> variant -> ctypes function, compiled on first use (one module per level)."""
    pytest.importorskip("llvmlite")
    import ctypes

    from dbt.backends.llvm import fp_runtime
    from dbt.backends.llvm.compiler import LLVMJit
    from dbt.backends.llvm.fp_kernels import helpers_called
    from dbt.backends.llvm.lower import DECLARATIONS

    fn_type = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64)
    cache, jits = {}, []

    def compiled(opt):
        if opt not in cache:
            variants = TIER1 if opt == 0 else VARIANTS
            names = {v: f"rule{i}" for i, v in enumerate(variants)}
            texts = [lower_region(names[v], [variant_block(v)], 12, 1 << 62, promote=False)
                     if opt == 0 else lower_region(names[v], [variant_block(v)], 12)
                     for v in variants]
            jit = LLVMJit(opt_level=opt)
            module = f'target triple = "{jit.triple}"\n' + "\n".join(texts) + "\n" + DECLARATIONS
            fp_runtime.link_helpers(helpers_called(module))
            addresses = jit.compile(module, list(names.values()), hot=opt > 0)
            jits.append(jit)
            cache[opt] = {v: fn_type(addresses[n]) for v, n in names.items()}
        return cache[opt]
    return compiled


class Runner:
    """Runs a variant in the interpreter and natively on the same state."""

    def __init__(self, native):
        import ctypes

        self.native, self.ctypes = native, ctypes
        self.slot, self.nslots = LAYOUT.slot, LAYOUT.nslots
        self.interp = Interp()
        self.blocks = {}
        self.memory = ctypes.create_string_buffer(1 << 12)

    def state(self, variant, operands, control, flags):
        regs = {f: 0 for f in ("f1", "f2", "f3", "x6")}
        if variant[1].is_int:
            regs["x6"] = operands[0]
        else:
            regs.update(zip(("f1", "f2", "f3"), operands))
        rm = control & 7
        regs.update(x5=control, x7=0, fpcr=(FPCR_RMODE.get(rm, 0) << 22)
                    | (control & FP_DN) << 22 | (control & FP_FZ) << 20)
        return regs, flags

    def reference(self, variant, regs, flags):
        if variant not in self.blocks:
            verify(blk := variant_block(variant))
            self.blocks[variant] = compile_block(blk, self.interp.ns)[0]
        st = self.interp.state
        for field, value in regs.items():
            st[field] = value
        st["fpflags"] = flags
        assert self.blocks[variant](st.regs) == PC + 4
        return st[self.out(variant)], st["fpflags"]

    def out(self, variant) -> str:
        return "x10" if variant[0] in INT_OUT else "f0"

    def run(self, variant, opt, regs, flags):
        state = (self.ctypes.c_uint64 * self.nslots)()
        for field, value in regs.items():
            state[self.slot(field)] = value
        state[self.slot("fpflags")] = flags
        fn = self.native(opt)[variant]
        assert fn(self.ctypes.addressof(state), self.ctypes.addressof(self.memory), PC) == PC + 4
        return state[self.slot(self.out(variant))], state[self.slot("fpflags")]

    def check(self, variant, operands, control, flags=0):
        regs, flags = self.state(variant, operands, control, flags)
        want = self.reference(variant, regs, flags)
        for opt in (0, 2) if variant in TIER1_SET else (2,):
            got = self.run(variant, opt, regs, flags)
            assert (hex(got[0]), hex(got[1])) == (hex(want[0]), hex(want[1])), (
                variant, f"-O{opt}", [hex(x) for x in operands], hex(control), hex(flags))


TIER1_SET = frozenset(TIER1)


@pytest.fixture(scope="module")
def runner(native):
    return Runner(native)


def _format(t):
    return fp.FORMATS[{F16: fp.F16, F32: fp.F32, F64: fp.F64}[t]]


def _classes(t):
    """One value of each class, both signs: zero, the smallest and largest subnormals, the
    smallest normal, one, a normal with a long fraction, the largest finite value, infinity,
    quiet NaNs (the default one and one with a payload), signalling NaNs (two payloads)."""
    F = _format(t)
    mags = [0, 1, F.hidden - 1, F.hidden, (F.bias << F.fbits), (F.bias << F.fbits) | 0x2B5,
            F.max_finite, F.inf, F.qnan, F.qnan | 0x15, F.inf | 1, F.inf | (F.quiet >> 1) | 3]
    return [m | s for m in mags for s in (0, F.sign)]


@st.composite
def float_bits(draw, t):
    """Bit patterns of every class, biased to exponents where results turn tiny, overflow,
    round to binary16's range or cancel."""
    F = _format(t)
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(_classes(t)))
    edges = {0, 1, 2, 3, F.bias - 1, F.bias, F.bias + 1, F.emask - 2, F.emask - 1, F.emask,
             (F.bias + 1) // 2, (F.bias + 1) // 2 + 1, (F.bias + 1) // 2 - 1,
             F.bias - 14, F.bias - 15, F.bias - 24, F.bias - 25, F.bias + 15, F.bias + 16}
    edges = sorted(e for e in edges if 0 <= e <= F.emask)
    e = draw(st.one_of(st.sampled_from(edges), st.integers(0, F.emask)))
    frac = draw(st.one_of(st.sampled_from([0, 1, F.fmask, F.quiet, F.quiet | 1, F.quiet - 1,
                                           F.fmask ^ 1]),
                          st.integers(0, F.fmask)))
    return (draw(st.integers(0, 1)) << (F.width - 1)) | (e << F.fbits) | frac


@st.composite
def controls(draw, variant):
    """A control operand the variant may take: a rounding mode (0-4), and under control=full
    DN and FZ too; the constant of a constant variant; FPCR's modes (no RMM) from fpcr."""
    kind, full = variant[4], dict(variant[3]).get("control") == "full"
    if isinstance(kind, int):
        return kind
    rm = draw(st.integers(0, 3 if kind == "fpcr" else 4))
    if full:
        rm |= draw(st.sampled_from([0, FP_DN, FP_FZ, FP_DN | FP_FZ]))
    return rm


EXAMPLES = settings(max_examples=int(os.environ.get("FP_RULE_EXAMPLES", 1500)), deadline=None,
                    derandomize=True, suppress_health_check=[HealthCheck.too_slow])
FLAGS = st.sampled_from([0, 0, fp.NX, fp.NX, 0x3F])


@EXAMPLES
@given(data=st.data(), variant=st.sampled_from([v for v in VARIANTS if v[0] in ROUNDED]),
       flags=FLAGS)
def test_llvm_rounded_ops_every_rule(runner, data, variant, flags):
    t, n = variant[1], ROUNDED[variant[0]]
    operands = [data.draw(float_bits(t)) for _ in range(n)]
    if n == 3 and data.draw(st.booleans()):         # an addend close to -(a*b): cancellation
        F = _format(t)
        p = fp.mul(FMT[t], operands[0], operands[1], fp.RNE)[0] ^ F.sign
        operands[2] = (p + data.draw(st.integers(-2, 2))) & ((1 << t.bits) - 1)
    runner.check(variant, operands, data.draw(controls(variant)), flags)


@EXAMPLES
@given(data=st.data(), variant=st.sampled_from([v for v in VARIANTS if v[0] not in ROUNDED]),
       flags=FLAGS)
def test_llvm_conversions_and_min_max_every_rule(runner, data, variant, flags):
    name, t = variant[0], variant[1]
    if t.is_int:
        mask = t.mask
        operands = [data.draw(st.one_of(
            st.integers(0, mask),
            st.sampled_from([0, 1, mask, mask >> 1, (mask >> 1) + 1, (1 << 24) + 1,
                             (1 << 53) + 1, 3 << 52]).map(lambda v: v & mask)))]
    else:
        operands = [data.draw(float_bits(t)) for _ in range(2 if name in ("fmin", "fmax") else 1)]
    control = 0 if variant[4] is None else data.draw(controls(variant))
    runner.check(variant, operands, control, flags)


@pytest.mark.parametrize("t", [F32, F64])
@pytest.mark.parametrize("name", sorted(ROUNDED))
def test_llvm_arm_rules_on_every_class(runner, name, t):
    """Every class against every class (fma: the addend of every class, the product of a
    few), in every rounding mode with and without DN and FZ, Arm's rules: hot code, with the
    control read from a field and computed from FPCR, and tier 1."""
    classes = _classes(t)
    n = ROUNDED[name]
    pairs = [(a, b) for a in classes for b in classes] if n > 1 else [(a,) for a in classes]
    if n == 3:
        few = classes[::5]
        pairs = [(a, b, c) for a in few for b in few for c in classes]
    for kind in ("field", "fpcr"):
        variant = (name, t, t, ARM_RULES, kind, None)
        for rm in range(5 if kind == "field" else 4):
            for bits in (0, FP_DN, FP_FZ, FP_DN | FP_FZ):
                for operands in pairs[(rm + bits) % 3::3 if kind == "fpcr" else 1]:
                    runner.check(variant, list(operands), rm | bits, fp.NX)


def test_llvm_half_conversions_on_every_class(runner):
    """binary16 to and from binary32/64, every class and the binary16 rounding edges, in every
    rounding mode, with DN and FZ, under both NaN and both tininess rules."""
    for src, dst in CONVERSIONS:
        if F16 not in (src, dst):
            continue
        values = _classes(src)
        if dst is F16:                  # binary16's subnormal range, ties, overflow
            F = _format(src)
            for e in range(F.bias - 26, F.bias + 17):
                for frac in (0, 1, F.quiet, F.quiet | 1, F.fmask, 0x3FF << (F.fbits - 10),
                             0x3FF << (F.fbits - 10) | (1 << (F.fbits - 11))):
                    values.append((e << F.fbits) | frac)
        variants = [v for v in VARIANTS if v[:3] == ("fcvt_f", src, dst) and v[4] == "field"]
        for variant in variants:
            full = dict(variant[3]).get("control") == "full"
            for rm in range(5):
                for bits in (0, FP_DN, FP_FZ) if full else (0,):
                    for x in values:
                        runner.check(variant, [x], rm | bits, 0)


def test_llvm_lowers_every_rule():
    """No FP rule, control or binary16 conversion is left to the interpreter any more."""
    for variant in VARIANTS:
        assert "define" in lower_region("r", [variant_block(variant)], 12)


def test_llvm_other_ops_on_every_class(runner):
    """min/max of every class against every class (three NaN rules); float -> int, int ->
    float and binary32 <-> binary64 of every class, in every rounding mode, with and without DN
    and FZ (where the control is full)."""
    ints = [0, 1, 2, 3, (1 << 24) + 1, (1 << 53) + 1, 3 << 52, (1 << 63) - 1, 1 << 63,
            (1 << 63) + 1, (1 << 64) - 1, 0xFFFFFFFF, 0x80000001]
    for variant in VARIANTS:
        name, t, _, rules, kind = variant[:5]
        if name in ROUNDED or kind != "field" and kind is not None \
                or name == "fcvt_f" and F16 in variant[1:3]:
            continue
        if name in ("fmin", "fmax"):
            for a in _classes(t):
                for b in _classes(t):
                    runner.check(variant, [a, b], 0, 0)
            continue
        values = [[v & t.mask] for v in ints] if t.is_int else [[v] for v in _classes(t)]
        full = dict(rules).get("control") == "full"
        for rm in range(5):
            for bits in (0, FP_DN, FP_FZ) if full else (0,):
                for operands in values:
                    runner.check(variant, operands, rm | bits, fp.NX)


def test_llvm_arm_hot_code_speculates_as_risc_v_code_does():
    """Hot code under Arm's rules, the control computed from FPCR (which the region does not
    write), runs its rounded ops as the host's instructions in one speculative segment: one
    check that the control is RNE without FZ (DN masked out: it only changes NaN results),
    the `_x` helpers only on the segment's slow path. A region that writes the control's
    field tests each op inline instead (and still calls the helpers out of line only)."""
    def chain(kind):
        def emit(b):
            x = _operand(b, "f1", F64)
            ctl = _control(b, kind)
            for _ in range(4):
                x = b.emit("fadd", x, _operand(b, "f2", F64), ctl, **ARM)
            _put(b, x)
        return block(emit)

    text = lower_region("r", [chain("fpcr")], 12)
    body = text[text.index("define"):]
    assert "and i64" in body and f", {~FP_DN}" in body
    calls = [i for i, line in enumerate(body.splitlines()) if "@dbt_fp_fadd_f64_x(" in line]
    slow = next(i for i, line in enumerate(body.splitlines()) if line.startswith("spec_slow"))
    assert len(calls) == 4 and min(calls) > slow
    written = lower_region("r", [chain("written")], 12)
    assert "spec_slow" not in written and written.count("@dbt_fp_fadd_f64_x(") == 4
