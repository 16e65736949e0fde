"""Lowering of the IR's floating-point ops: results and flags bit-exact with `dbt.fp`, natively.

How each rounded op is computed exactly (error-free transformations, the helpers and their
exact path) is in fp_kernels.py. Tier-1 code calls a helper for every rounded op. Hot code
speculates (`speculate`, in segments that RegionLowerer._speculate forms and checks once): in
RNE with NX already set, a result that is normal (or an exact zero) is the host's and raises
nothing new; a segment where that fails redoes its ops with the helpers. Hot rounded ops it
does not take (the mode is not RNE statically, or is read from a state field the region
writes) test that common case per op and otherwise call the helper. The rounding-mode operand
is always a valid IR mode (0-4): a frontend whose ISA has reserved modes traps before the op.

Other ISAs' rules (`Control`): an op with nan=propagate, tiny=before or control=full calls the
`_x` helper of its op, which takes dbt.fp's whole mode (the control operand, DN and FZ
included, ORed with the static rule bits) and does NaN propagation, default NaN, FZ on operands
and results and tininess before rounding (fp_rules.py). The fast paths above hold for them as
they are when the control says RNE without FZ (DN alone changes NaN results only, never normal
ones): the speculation's check and the inline test compare the control with FP_DN masked out
against 0, once per segment or op, so a hot loop pays one `and` for the flexibility. FZ set
means the helper for every rounded op. A control computed from fields the region does not write
(Arm's, from FPCR) is invariant, as a field read is (lower.py).

Conversions from integers are inline when exact (|n| <= 2**prec) and otherwise round the
integer in integer arithmetic (helper); float -> int rounds to an integral value with the LLVM
intrinsic of the mode (RMM is `llvm.round`) and saturates in float, inline, with FZ on the
operand and nan_to=zero a select; f32 -> f64 is exact (inline; under other rules the helper
takes NaNs and subnormals); binary16 conversions are helpers, inline for a normal binary16
operand. min/max under the `minmax` rules are inline selects. No FP op deopts: what native code
cannot do exactly, the helper's exact path does. Flags are ORed into the region's copy of the
flags field, FP_FLAGS_FIELD.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbt.fp_convert import NAN_TO_ZERO, PROPAGATE, RM_BITS, TINY_BEFORE
from dbt.ir.block import Const, Op
from dbt.ir.ops import (FLAG_ID, FLAG_NV, FLAG_NX, FP_DN, FP_FLAGS_FIELD, FP_FZ, RM_RDN, RM_RMM,
                        RM_RNE, RM_RTZ, RM_RUP)
from dbt.ir.types import F16

from .fp_kernels import (HELPER_DECLARATIONS, HELPERS, INTEGRAL, INTRINSICS, KERNELS, Kernel,
                         k_narrow, normal_or_zero)
from .fp_rules import flush_values
from .fp_text import FORMATS, HALF, SINGLE, Emit, Mode, float_literal
from .irtext import int_literal
from .optable import lowers

if TYPE_CHECKING:
    from .lower import RegionLowerer

FLAGS_PTR = f"%f.{FP_FLAGS_FIELD}"      # the region's copy of the accrued-flags field


# The static FP rules (ops.FP_DEFAULTS: RISC-V's, no bits) as dbt.fp's mode bits, which an op's
# helper takes ORed into its control operand (as the interpreter's dbt.fp calls do).
RULE_BITS = {("nan", "propagate"): PROPAGATE, ("tiny", "before"): TINY_BEFORE,
             ("nan_to", "zero"): NAN_TO_ZERO}


class Control:
    """An FP op's control operand under its static rules. RISC-V's rules (`ruled` False): the
    operand is the rounding mode. Otherwise, with control=full, it carries FP_DN and FP_FZ above
    the mode, and the op's helper is the `_x` one, which takes dbt.fp's whole mode (`mode`)."""

    def __init__(self, em: Emit, op: Op, text: str):
        arg = op.args[-1]
        self.em, self.text = em, text
        self.const = arg.value if isinstance(arg, Const) else None
        self.full = op.attrs.get("control") == "full"
        self.bits = sum(bit for (rule, value), bit in RULE_BITS.items()
                        if op.attrs.get(rule) == value)
        self.ruled = self.full or bool(self.bits)
        self.suffix = "_x" if self.ruled else ""
        self._rm = None

    @property
    def rm(self) -> Mode:
        """The rounding mode."""
        if self._rm is None:
            if not self.full:
                self._rm = Mode(self.em, self.text, self.const)
            elif self.const is not None:
                self._rm = Mode(self.em, str(self.const & RM_BITS), self.const & RM_BITS)
            else:
                self._rm = Mode(self.em, self.em(f"and i64 {self.text}, {RM_BITS}"))
        return self._rm

    def plain(self) -> str:
        """i1: round to nearest even, no FZ (DN only changes NaN results): a normal result is
        then the host's, as under RISC-V's rules."""
        if not self.full:
            return self.rm.is_(RM_RNE)
        if self.const is not None:
            return "true" if self.const & ~FP_DN == RM_RNE else "false"
        return self.em(f"icmp eq i64 {self.em(f'and i64 {self.text}, {~FP_DN}')}, {RM_RNE}")

    def fz(self) -> str:
        """i1: flush subnormal operands (and results) to zero."""
        if not self.full:
            return "false"
        if self.const is not None:
            return "true" if self.const & FP_FZ else "false"
        return self.em(f"icmp ne i64 {self.em(f'and i64 {self.text}, {FP_FZ}')}, 0")

    def mode(self) -> str:
        """The i64 a helper takes: the control operand, with the static rule bits."""
        if not self.bits:
            return self.text
        if self.const is not None:
            return str(self.const | self.bits)
        return self.em(f"or i64 {self.text}, {self.bits}")


def _setup(r: RegionLowerer, op: Op, t=None):
    """The emitter of the op's format (the result's, or t's) and its control operand."""
    em = Emit(r.fb, FORMATS[t or op.result.type])
    ctl = Control(em, op, r.v(op.args[-1]))
    return em, em.F, ctl


def accrue(r: RegionLowerer, flags: str) -> None:
    if flags == "0":
        return
    fb = r.fb
    old = fb.assign(f"load i64, ptr {FLAGS_PTR}")
    fb.emit(f"store i64 {fb.assign(f'or i64 {old}, {flags}')}, ptr {FLAGS_PTR}")
    if r.precise:
        r.dirty.add(FP_FLAGS_FIELD)


def call_helper(r: RegionLowerer, op: Op, em: Emit, name: str, args: list, mode: str):
    """Call a helper with the i64 `mode`: (result bits, flags). The process that loads the
    region links the helper (fp_runtime); lowering does not, so that a process that only
    makes object files does not compile them in vain."""
    types = HELPERS[name][1]
    params = ", ".join(f"{t} {a}" for t, a in zip(types, args))
    pair = em(f"call {{i64, i64}} @{name}({params}, i64 {mode})")
    flags = em(f"extractvalue {{i64, i64}} {pair}, 1")
    bits = em(f"extractvalue {{i64, i64}} {pair}, 0")
    if em.F.width < 64:
        bits = em(f"trunc i64 {bits} to {em.F.it}")
    return bits, flags


def _inline(r: RegionLowerer, op: Op, em: Emit, ctl: Control, name: str, k: Kernel,
            args: list):
    """A rounded op in the region. In RNE (without FZ) with a normal result, once NX is set
    (as almost always: it is sticky), it is the host's result and nothing else, as in QEMU's
    hardfloat, under any rules. The helper `name` (of operands `args`) does the rest, NX by
    the error transformation included: one cold call keeps the region small, which halves its
    compile time."""
    rne = ctl.plain()
    nx_set = "false"
    if rne != "false":
        flags = em(f"and i64 {r.fb.assign(f'load i64, ptr {FLAGS_PTR}')}, {FLAG_NX}")
        nx_set = em(f"icmp ne i64 {flags}, 0")
    _paths(r, op, em, ctl.mode(), [(em.and_(rne, normal_or_zero(em, k), nx_set),
                                    lambda: (em.bits(k.res), "0"))],
           name, args)


def _paths(r: RegionLowerer, op: Op, em: Emit, mode: str, cases: list, name: str,
           args: list) -> None:
    """The first of `cases` (condition or a function emitting it, path() -> (bits, flags))
    whose condition holds, else the helper `name`; each path accrues its own flags (the fast
    one usually none), the result joins in a phi (when there was a choice)."""
    fb, F = r.fb, em.F
    paths, join = [], fb.label("join")

    def finish(bits, flags):
        accrue(r, flags)
        paths.append((bits, fb.current))
        if branched:
            fb.emit(f"br label %{join}")

    branched = False

    for cond, path in cases:
        cond = cond() if callable(cond) else cond
        if cond == "false":
            continue
        if cond != "true":
            yes, no = fb.label("fast"), fb.label("else")
            fb.emit(f"br i1 {cond}, label %{yes}, label %{no}, !prof !0")
            fb.start(yes)
            branched = True
        finish(*path())
        if cond == "true":
            break
        fb.start(no)
    else:
        finish(*call_helper(r, op, em, name, args, mode))
    if branched:
        fb.start(join)
        out = em(f"phi {F.it} " + ", ".join(f"[ {b}, %{label} ]" for b, label in paths))
    else:                           # one path, no branch: no join either
        out = paths[0][0]
    r.define(op, f"bitcast {F.it} {out} to {F.ft}")


_ROUNDED = frozenset({"fadd", "fsub", "fmul", "fdiv", "fsqrt", "fma"})


@lowers(*_ROUNDED)
def lower_rounded(r: RegionLowerer, op: Op) -> None:
    if not r.promote:                 # tier 1: the helper call alone, for a short compile
        exact(r, op)
        return
    em, F, ctl = _setup(r, op)
    name, args, helper, helper_args = _operands(r, op, em, ctl)
    _inline(r, op, em, ctl, helper, KERNELS[name][0](em, ctl.rm, *args), helper_args)


# -- speculation in hot code (RegionLowerer._speculate) --------------------------------------------
def speculative(r: RegionLowerer, op: Op) -> bool:
    """A rounded op whose control is RNE (without FZ), or dynamic and the same throughout the
    region (the segment's check tests that it is RNE without FZ)."""
    return op.name in _ROUNDED and control_speculative(r, op)


def control_speculative(r: RegionLowerer, op: Op) -> bool:
    """The op's control operand (its last) is RNE without FZ (DN allowed), or dynamic and
    the same throughout the region."""
    arg = op.args[-1]
    if not isinstance(arg, Const):
        return r.rm_invariant
    return arg.value & ~(FP_DN if op.attrs.get("control") == "full" else 0) == RM_RNE


def speculate(r: RegionLowerer, op: Op) -> None:
    """The host's RNE result alone; the segment's check learns whether it is not normal."""
    em, F, ctl = _setup(r, op)
    name, args, _, _ = _operands(r, op, em, ctl)
    k = KERNELS[name][0](em, ctl.rm, *args)
    ok = k.normal
    if k.zero is not None:      # an exact zero is tested off the path of normal results: the
        fb = r.fb               # operands' bits and the test cost more than the rest together
        normal_label, test, join = fb.current, fb.label("zero"), fb.label("nz")
        fb.emit(f"br i1 {k.normal}, label %{join}, label %{test}, !prof !0")
        fb.start(test)
        zero = k.zero()
        test_label = fb.current
        fb.emit(f"br label %{join}")
        fb.start(join)
        ok = fb.assign(f"phi i1 [ true, %{normal_label} ], [ {zero}, %{test_label} ]")
    r.spec_bad = em.or_(r.spec_bad, em.not_(ok))           # accumulated as it goes: one i1 live
    if ctl.const is None:
        r.spec_rms.add((ctl.text, ctl.full))
    r.define(op, f"bitcast {F.ft} {k.res} to {F.ft}")


def spec_mode_ok(fb, text: str, full: bool) -> str:
    """The segment's check of a dynamic control operand: RNE (and no FZ, when it is full)."""
    if full:
        text = fb.assign(f"and i64 {text}, {~FP_DN}")
    return fb.assign(f"icmp eq i64 {text}, {RM_RNE}")


def exact(r: RegionLowerer, op: Op) -> None:
    """A rounded op as the helper call alone, flags accrued: every one in tier 1, and a
    speculated one again on its segment's slow path."""
    em, F, ctl = _setup(r, op)
    _, _, helper, helper_args = _operands(r, op, em, ctl)
    _paths(r, op, em, ctl.mode(), [], helper, helper_args)


def _operands(r: RegionLowerer, op: Op, em: Emit, ctl: Control) -> tuple:
    """(kernel name, its operand texts, helper name, the helper's operand texts): a - b is
    a + -b, except for the helper of other rules, which negates b itself (a NaN b it
    propagates keeps its sign)."""
    args = [r.v(x) for x in op.args[:-1]]
    helper = f"dbt_fp_{op.name}_f{em.F.width}{ctl.suffix}"
    if op.name != "fsub":
        return op.name, args, helper, args
    negated = [args[0], em.fneg(args[1])]
    if ctl.ruled:
        return "fadd", negated, helper, args
    return "fadd", negated, f"dbt_fp_fadd_f{em.F.width}", negated


@lowers("fcvt_f")
def lower_fcvt_f(r: RegionLowerer, op: Op) -> None:
    if F16 in (op.result.type, op.args[0].type):
        _convert_half(r, op)
        return
    em, F, ctl = _setup(r, op)
    a = r.v(op.args[0])
    if F is SINGLE:
        _inline(r, op, em, ctl, "dbt_fp_narrow_f32" + ctl.suffix, k_narrow(em, ctl.rm, a), [a])
        return
    narrow = Emit(r.fb, SINGLE)    # binary32 -> binary64: exact
    if ctl.ruled:                  # a normal operand or a zero: fpext; else the helper
        _paths(r, op, em, ctl.mode(),
               [(_normal_or_zero_operand(narrow, a),
                 lambda: (em.bits(em(f"fpext float {a} to double")), "0"))],
               "dbt_fp_widen_f64_x", [a])
        return
    accrue(r, em.flags((narrow.is_snan(narrow.bits(a)), FLAG_NV)))   # NaNs become canonical
    out = em.canonical(em.bits(em(f"fpext float {a} to double")))
    r.define(op, f"bitcast i64 {out} to double")


def _normal_or_zero_operand(em: Emit, x: str) -> str:
    """i1: x (of em's format) is normal or a zero: no FZ, no NaN."""
    b = em.bits(x)
    return em.or_(em.expo_in(b, 1, em.F.emax), em.zero(b))


def _convert_half(r: RegionLowerer, op: Op) -> None:
    """To or from binary16: the helper (native in every mode), after an inline widening of a
    normal binary16 value (exact: the exponent rebiased, the fraction shifted)."""
    src, dst = FORMATS[op.args[0].type], FORMATS[op.result.type]
    em, F, ctl = _setup(r, op)
    a = r.v(op.args[0])
    cases = []
    if src is HALF:
        a = em(f"bitcast half {a} to i16")
        eh = Emit(r.fb, HALF)

        def widened():
            w = em(f"zext i16 {a} to {F.it}")
            mag = em(f"shl {F.it} {em(f'and {F.it} {w}, {HALF.sign - 1}')}, "
                     f"{F.fbits - HALF.fbits}")
            mag = em(f"add {F.it} {mag}, {F.lit((F.bias - HALF.bias) << F.fbits)}")
            sign = em(f"shl {F.it} {em(f'and {F.it} {w}, {HALF.sign}')}, {F.width - 16}")
            return em(f"or {F.it} {mag}, {sign}"), "0"
        cases.append((eh.expo_in(a, 1, HALF.emax), widened))
    _paths(r, op, em, ctl.mode(), cases, f"dbt_fp_cvt_f{src.width}_f{dst.width}", [a])


# -- conversions with integers ---------------------------------------------------------------------
def _integral(em: Emit, x: str, rm: Mode) -> str:
    """x rounded to an integral value in the mode."""
    if rm.const is not None:
        return em.call(INTEGRAL.get(rm.const, "roundeven"), x)
    out = em.call("roundeven", x)
    for mode in (RM_RTZ, RM_RDN, RM_RUP, RM_RMM):
        out = em.select(rm.is_(mode), em.F.ft, em.call(INTEGRAL[mode], x), out)
    return out


@lowers("fcvt_to_si", "fcvt_to_ui")
def lower_fcvt_to_int(r: RegionLowerer, op: Op) -> None:
    """Round to integral, then saturate in float: NaN (or 0, nan_to=zero) and too large give
    the maximum, too small the minimum, all with NV alone; an in-range inexact value raises
    NX. Under FZ a subnormal operand is a zero first (flag ID)."""
    em, F, ctl = _setup(r, op, op.args[0].type)
    bits = op.result.type.bits
    it = f"i{bits}"
    signed = op.name == "fcvt_to_si"
    (x,), flushed = flush_values(em, ctl.fz(), [r.v(op.args[0])])
    t = _integral(em, x, ctl.rm)
    lo, hi = (-(2.0 ** (bits - 1)), 2.0 ** (bits - 1)) if signed else (0.0, 2.0 ** bits)
    low = em(f"fcmp olt {F.ft} {t}, {float_literal(lo)}")
    high = em(f"fcmp uge {F.ft} {t}, {float_literal(hi)}")              # NaN too
    n = em(f"{'fptosi' if signed else 'fptoui'} {F.ft} {t} to {it}")
    nx = em(f"fcmp une {F.ft} {t}, {x}")
    flags = em.select(em.or_(low, high), "i64", str(FLAG_NV), em.flags((nx, FLAG_NX)))
    if flushed != "false":
        flags = em(f"or i64 {flags}, {em.flags((flushed, FLAG_ID))}")
    accrue(r, flags)
    top = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    bottom = 1 << (bits - 1) if signed else 0
    sat = em.select(low, it, int_literal(bottom, bits), n)
    out = f"select i1 {high}, {it} {int_literal(top, bits)}, {it} {sat}"
    if op.attrs.get("nan_to") == "zero":
        out = f"select i1 {em(f'fcmp uno {F.ft} {x}, 0.0')}, {it} 0, {it} {em(out)}"
    r.define(op, out)


@lowers("fcvt_from_si", "fcvt_from_ui")
def lower_fcvt_from_int(r: RegionLowerer, op: Op) -> None:
    """Exact (|n| <= 2**prec): the host's conversion, inline; otherwise the helper (no integer
    rounds to a tiny value: the rounding mode is all that matters)."""
    em, F, ctl = _setup(r, op)
    signed = op.name == "fcvt_from_si"
    src = op.args[0].type.bits
    n = r.v(op.args[0])
    if src < 64:
        n = em(f"{'sext' if signed else 'zext'} i{src} {n} to i64")
    limit = 1 << F.prec
    if src <= F.prec:                                    # always exact
        small = "true"
    elif signed:
        small = em(f"icmp ule i64 {em(f'add i64 {n}, {limit}')}, {2 * limit}")
    else:
        small = em(f"icmp ule i64 {n}, {limit}")

    def exact():
        return em.bits(em(f"{'sitofp' if signed else 'uitofp'} i64 {n} to {F.ft}")), "0"

    _paths(r, op, em, ctl.rm.text, [(small, exact)],
           f"dbt_fp_from_{'si' if signed else 'ui'}_f{F.width}", [n])


# -- min/max, comparisons, classification ----------------------------------------------------------
@lowers("fmin", "fmax")
def lower_fminmax(r: RegionLowerer, op: Op) -> None:
    """minimumNumber/maximumNumber on a signed-integer key that orders -0 below +0; minmax
    propagate: a NaN operand gives a NaN as nan=propagate does (the first signalling one
    quietened, else the first quiet one); quiet_number: so does a signalling NaN and two
    quiet ones, a single quiet NaN loses to a number."""
    F = FORMATS[op.result.type]
    em = Emit(r.fb, F)
    a, b = r.v(op.args[0]), r.v(op.args[1])
    ab, bb = em.bits(a), em.bits(b)
    keys = []
    for x in (ab, bb):
        flip = em(f"lshr {F.it} {em(f'ashr {F.it} {x}, {F.width - 1}')}, 1")
        keys.append(em(f"xor {F.it} {x}, {flip}"))
    a_first = em.icmp("slt" if op.name == "fmin" else "sgt", *keys)
    a_nan, b_nan = em.is_nan(ab), em.is_nan(bb)
    out = em.select(em.or_(em.and_(a_first, em.not_(a_nan)), b_nan), F.it, ab, bb)
    out = em.select(em.and_(a_nan, b_nan), F.it, F.lit(F.inf | F.quiet), out)
    a_snan, b_snan = em.is_snan(ab), em.is_snan(bb)
    kind = op.attrs.get("minmax", "number")
    if kind != "number":
        pick = em.select(a_snan, F.it, em.quiet(ab),
                         em.select(b_snan, F.it, em.quiet(bb), em.select(a_nan, F.it, ab, bb)))
        nan = em.or_(a_nan, b_nan) if kind == "propagate" else \
            em.or_(a_snan, b_snan, em.and_(a_nan, b_nan))
        out = em.select(nan, F.it, pick, out)
    accrue(r, em.flags((em.or_(a_snan, b_snan), FLAG_NV)))
    r.define(op, f"bitcast {F.it} {out} to {F.ft}")


@lowers("feq", "flt", "fle")
def lower_fcompare(r: RegionLowerer, op: Op) -> None:
    """feq is quiet (NV on a signalling NaN only), flt and fle signal on any NaN."""
    F = FORMATS[op.args[0].type]
    em = Emit(r.fb, F)
    a, b = r.v(op.args[0]), r.v(op.args[1])
    if op.name == "feq":
        nv = em.or_(em.is_snan(em.bits(a)), em.is_snan(em.bits(b)))
    else:
        nv = em(f"fcmp uno {F.ft} {a}, {b}")
    accrue(r, em.flags((nv, FLAG_NV)))
    pred = {"feq": "oeq", "flt": "olt", "fle": "ole"}[op.name]
    r.define(op, f"fcmp {pred} {F.ft} {a}, {b}")


@lowers("fclass")
def lower_fclass(r: RegionLowerer, op: Op) -> None:
    """Class k from the magnitude (inf 0, normal 1, subnormal 2, zero 3): bit k when negative,
    7 - k when positive; NaNs are bits 8 (signalling) and 9 (quiet)."""
    F = FORMATS[op.args[0].type]
    em = Emit(r.fb, F)
    ab = em.bits(r.v(op.args[0]))
    mag2 = em.mag2(ab)
    k = em.select(em.icmp("eq", mag2, 0), "i64", "3", "2")
    k = em.select(em.icmp("uge", mag2, F.lit(2 << F.fbits)), "i64", "1", k)
    k = em.select(em.icmp("eq", mag2, F.lit(2 * F.inf)), "i64", "0", k)
    k = em.select(em.neg(ab), "i64", k, em(f"sub i64 7, {k}"))
    k = em.select(em.is_nan(ab), "i64", em.select(em.is_snan(ab), "i64", "8", "9"), k)
    r.define(op, f"shl i64 1, {k}")


# What a region's module may call from FP code (lower.py declares what it uses).
DECLARATIONS = "\n".join([*INTRINSICS, HELPER_DECLARATIONS])
