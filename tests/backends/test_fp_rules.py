"""The FP rule attributes of the IR (dbt/ir/ops.py: nan, tiny, nan_to, minmax, control) in
the backends: the interpreter runs an op with them exactly as dbt.fp does in the mode they
stand for (the control operand ORed with PROPAGATE, TINY_BEFORE, NAN_TO_ZERO; min/max with
PROPAGATE or MIN_NUM), dbt.fp's Arm rules being checked against Unicorn in
tests/test_fp_arm.py; the LLVM backend, which lowers only the default (RISC-V) rules so far,
leaves such a block to the interpreter (Unsupported), and lowers the default ones as before.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dbt import fp
from dbt.backends.interp.codegen import compile_block
from dbt.backends.interp.helpers import make_namespace
from dbt.backends.llvm.lower import lower_region
from dbt.backends.llvm.optable import Unsupported
from dbt.ir.builder import IRBuilder, IRError
from dbt.ir.ops import FP_DN, FP_FZ
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
    b = IRBuilder(PC)
    b.insn(PC, 4)
    emit(b)
    b.jump(target=PC + 4)
    return b.finish()


class Interp:
    def __init__(self):
        self.state = GuestState()
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


def test_half_precision_conversions(interp):
    """fcvt_f to and from f16 is dbt.fp.convert with F16 (checked against Unicorn's AArch64
    FCVT in tests/test_fp_arm.py); the LLVM backend leaves it to the interpreter so far."""
    def to_half(bld):
        half = bld.fcvt_f(_get(bld, "f1", F32), bld.const(fp.RNE, I64), type=F16)
        _put(bld, bld.zext(bld.bitcast(half, type=I16), type=I64))
    for value in (0x3F800000, 0x477FF000, 0x33800001, 0x7F800001, 0x80000001):
        got = interp.run(block(to_half), {"f1": value})
        assert (got["f0"], got["fpflags"]) == fp.convert(fp.F32, fp.F16, value, fp.RNE)
    with pytest.raises(Unsupported):
        lower_region("r", [block(to_half)], 16)


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


def test_llvm_leaves_other_isas_rules_to_the_interpreter():
    def fadd(**rules):
        return block(lambda bld: _put(bld, bld.fadd(_get(bld, "f1", F64), _get(bld, "f2", F64),
                                                    bld.const(0, I64), **rules)))
    assert "define" in lower_region("r", [fadd()], 16)
    for rules in ({"nan": "propagate"}, {"tiny": "before"}, {"control": "full"}):
        with pytest.raises(Unsupported):
            lower_region("r", [fadd(**rules)], 16)
