"""Lowering of the lane-wise FP ops (`vfbin`, `vfma`): LLVM vector arithmetic in the common case,
the scalar helpers lane by lane otherwise; results and flags bit-exact with `dbt.fp` per lane.

The scalar lowering (lower_fp.py) decides when the host's round-to-nearest result is the answer:
the control says RNE without FZ (DN only changes NaN results), NX is already set (it is sticky),
and the result is normal (or an exact zero, for a product or a quotient). Then no flag but NX
can arise, which is set. The same tests hold lane by lane, so a vector op is one host vector
instruction on `<4 x float>` or `<2 x double>` (SSE/AVX) and a vectorised test of its lanes'
results, ANDed into one i1:

* hot code, control RNE statically or invariant in the region: the op joins the region's
  speculative segment as a scalar rounded op does (RegionLowerer._speculate): its i1 joins the
  segment's check, and the segment's slow path redoes it lane by lane (`exact`);
* other hot code: the same test inline, the lanes' helpers when it fails;
* tier 1: every lane's helper (`exact`), as the scalar op's.

The slow path is each lane's scalar helper, `dbt_fp_<op>_f<width>[_x]` with the op's mode (the
control with its static rule bits), exactly what the scalar op of that lane calls; the lanes'
flags are ORed and accrued once. Lanes from `count` on are 0 and never computed (a 64-bit Arm
vector is `count` 2 of f32: `<2 x float>`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbt.ir.block import Op
from dbt.ir.ops import FLAG_NX

from .fp_text import DOUBLE, SINGLE, Emit, Format
from .lower_fp import FLAGS_PTR, Control, accrue, call_helper, control_speculative
from .optable import lowers

if TYPE_CHECKING:
    from .lower import RegionLowerer

VECTOR_FP = frozenset({"vfbin", "vfma"})


class _Shape:
    """The op's lanes: format F, `n` lanes computed of `full`, their LLVM vector types."""

    def __init__(self, op: Op):
        lane = op.attrs["lane"]
        self.F: Format = DOUBLE if lane == 64 else SINGLE
        self.n, self.full = op.attrs["count"], 128 // lane
        self.vt = f"<{self.n} x {self.F.ft}>"            # the lanes computed, as floats
        self.vi = f"<{self.n} x {self.F.it}>"            # ... and their bits
        self.kind = "fma" if op.name == "vfma" else op.attrs["kind"]

    def splat(self, value: int) -> str:
        """A constant `vi` with the integer value in every lane."""
        lit = self.F.lit(value)
        return "<" + ", ".join(f"{self.F.it} {lit}" for _ in range(self.n)) + ">"


def _setup(r: RegionLowerer, op: Op):
    s = _Shape(op)
    em = Emit(r.fb, s.F)
    return s, em, Control(em, op, r.v(op.args[-1]))


def _operands(r: RegionLowerer, op: Op, s: _Shape) -> list[str]:
    """The vector operands as `vt` (lanes 0..n-1)."""
    fb, full = r.fb, f"<{s.full} x {s.F.ft}>"
    out = []
    for x in op.args[:-1]:
        v = fb.assign(f"bitcast i128 {r.v(x)} to {full}")
        if s.n < s.full:
            mask = ", ".join(f"i32 {i}" for i in range(s.n))
            v = fb.assign(f"shufflevector {full} {v}, {full} poison, <{s.n} x i32> <{mask}>")
        out.append(v)
    return out


def _v128(r: RegionLowerer, s: _Shape, bits: str) -> str:
    """The `vi` lanes as an i128 whose lanes from n on are 0."""
    fb, full = r.fb, f"<{s.full} x {s.F.it}>"
    if s.n < s.full:
        mask = ", ".join(f"i32 {i}" for i in range(s.full))       # n.. pick the zero vector's
        bits = fb.assign(f"shufflevector {s.vi} {bits}, {s.vi} zeroinitializer, "
                         f"<{s.full} x i32> <{mask}>")
    return fb.assign(f"bitcast {full} {bits} to i128")


# -- the common case: one vector instruction and a vector test -------------------------------------
def _host(r: RegionLowerer, s: _Shape, xs: list) -> tuple[str, str]:
    """(the host's RNE result as `vi` bits, i1: every lane's result is one the scalar
    lowering's fast path takes as it is: lower_fp's `normal_or_zero` of the lane's kernel)."""
    fb, F, vt, vi = r.fb, s.F, s.vt, s.vi
    if s.kind == "fma":
        res = fb.assign(f"call {vt} @llvm.fma.v{s.n}f{F.width}("
                        + ", ".join(f"{vt} {x}" for x in xs) + ")")
    else:
        res = fb.assign(f"{s.kind} {vt} {xs[0]}, {xs[1]}")
    rb = fb.assign(f"bitcast {vt} {res} to {vi}")
    mag2 = _mag2(fb, s, rb)
    shift = F.fbits + 1
    if s.kind in ("fadd", "fsub"):       # a sum below the normal range is exact too
        ok = fb.assign(f"icmp ult {vi} {mag2}, {s.splat(F.emax << shift)}")
    else:                                # exponent field 2..emax-1: no UF, no OF
        off = fb.assign(f"sub {vi} {mag2}, {s.splat(2 << shift)}")
        ok = fb.assign(f"icmp ult {vi} {off}, {s.splat((F.emax - 2) << shift)}")
        zero = _exact_zero(r, s, xs, mag2)
        if zero is not None:
            ok = fb.assign(f"or <{s.n} x i1> {ok}, {zero}")
    every = fb.assign(f"bitcast <{s.n} x i1> {ok} to i{s.n}")
    return rb, fb.assign(f"icmp eq i{s.n} {every}, -1")


def _mag2(fb, s: _Shape, bits: str) -> str:
    return fb.assign(f"shl {s.vi} {bits}, {s.splat(1)}")


def _exact_zero(r: RegionLowerer, s: _Shape, xs: list, mag2: str) -> str | None:
    """<n x i1>: the lane's result is an exact zero (fmul: a zero operand and a zero product;
    fdiv: 0 / x), as the scalar kernels' `zero`; None for fma."""
    fb, vi = r.fb, s.vi
    if s.kind == "fma":
        return None
    a = _mag2(fb, s, fb.assign(f"bitcast {s.vt} {xs[0]} to {vi}"))
    if s.kind == "fmul":
        b = _mag2(fb, s, fb.assign(f"bitcast {s.vt} {xs[1]} to {vi}"))
        a = fb.assign(f"call {vi} @llvm.umin.v{s.n}{s.F.it}({vi} {a}, {vi} {b})")
    both = fb.assign(f"or {vi} {mag2}, {a}")
    return fb.assign(f"icmp eq {vi} {both}, zeroinitializer")


# -- every case: each lane's scalar helper ---------------------------------------------------------
def _lanes(r: RegionLowerer, op: Op, s: _Shape, em: Emit, ctl: Control, xs: list) -> str:
    """Each lane by its scalar helper (as lower_fp's op of the lane calls it), the flags
    accrued once: the i128 result."""
    F, mode = s.F, ctl.mode()
    out, flags = "zeroinitializer", []
    for i in range(s.n):
        args = [em(f"extractelement {s.vt} {x}, i32 {i}") for x in xs]
        name = f"dbt_fp_{s.kind}_f{F.width}{ctl.suffix}"
        if s.kind == "fsub" and not ctl.ruled:            # RISC-V's rules: a + -b
            name, args = f"dbt_fp_fadd_f{F.width}", [args[0], em.fneg(args[1])]
        bits, more = call_helper(r, op, em, name, args, mode)
        out = em(f"insertelement {s.vi} {out}, {F.it} {bits}, i32 {i}")
        flags.append(more)
    total = flags[0]
    for more in flags[1:]:
        total = em(f"or i64 {total}, {more}")
    accrue(r, total)
    return _v128(r, s, out)


def exact(r: RegionLowerer, op: Op) -> None:
    """Lane by lane with the helpers: tier 1, and a speculated op on its segment's slow path."""
    s, em, ctl = _setup(r, op)
    r.define(op, f"or i128 {_lanes(r, op, s, em, ctl, _operands(r, op, s))}, 0")


@lowers(*VECTOR_FP)
def lower_vfp(r: RegionLowerer, op: Op) -> None:
    """Tier 1: the helpers. Hot code the op does not speculate (lower.py's _speculate takes
    the rest): the vector result where the control is RNE without FZ, NX is set and every
    lane's result is normal (or an exact zero), else the helpers."""
    if not r.promote:
        exact(r, op)
        return
    s, em, ctl = _setup(r, op)
    xs = _operands(r, op, s)
    rne = ctl.plain()
    if rne == "false":
        r.define(op, f"or i128 {_lanes(r, op, s, em, ctl, xs)}, 0")
        return
    fb = r.fb
    nx = em(f"and i64 {fb.assign(f'load i64, ptr {FLAGS_PTR}')}, {FLAG_NX}")
    rb, ok = _host(r, s, xs)
    cond = em.and_(rne, em(f"icmp ne i64 {nx}, 0"), ok)
    fast, slow, join = fb.label("vfast"), fb.label("vslow"), fb.label("vjoin")
    fb.emit(f"br i1 {cond}, label %{fast}, label %{slow}, !prof !0")
    fb.start(fast)
    quick = _v128(r, s, rb)
    fast_end = fb.current
    fb.emit(f"br label %{join}")
    fb.start(slow)
    lanes = _lanes(r, op, s, em, ctl, xs)
    slow_end = fb.current
    fb.emit(f"br label %{join}")
    fb.start(join)
    r.define(op, f"phi i128 [ {quick}, %{fast_end} ], [ {lanes}, %{slow_end} ]")


# -- speculation in hot code (RegionLowerer._speculate) --------------------------------------------
def speculative(r: RegionLowerer, op: Op) -> bool:
    """As lower_fp.speculative: a control that is RNE without FZ, or dynamic and invariant."""
    return control_speculative(r, op)


def speculate(r: RegionLowerer, op: Op) -> None:
    """The vector result alone; the segment's check learns whether a lane was not normal."""
    s, em, ctl = _setup(r, op)
    rb, ok = _host(r, s, _operands(r, op, s))
    r.spec_bad = em.or_(r.spec_bad, em.not_(ok))
    if ctl.const is None:
        r.spec_rms.add((ctl.text, ctl.full))
    r.define(op, f"or i128 {_v128(r, s, rb)}, 0")


_SHAPES = ((1, "float", 32), (2, "float", 32), (4, "float", 32), (1, "double", 64),
           (2, "double", 64))
DECLARATIONS = "\n".join(
    [f"declare <{n} x {t}> @llvm.fma.v{n}f{w}(<{n} x {t}>, <{n} x {t}>, <{n} x {t}>)"
     for n, t, w in _SHAPES]
    + [f"declare <{n} x i{w}> @llvm.umin.v{n}i{w}(<{n} x i{w}>, <{n} x i{w}>)"
       for n, _, w in _SHAPES if n * w < 128])       # (lower_ops declares the 128-bit ones)
