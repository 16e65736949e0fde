"""The floating-point kernels: LLVM text that rounds exactly like `dbt.fp`, natively, shared by the
inline lowering of FP ops (lower_fp.py) and the out-of-line helpers defined here.

The generated code stays in LLVM's default FP environment (round to nearest even, flags never
read). A rounded op computes its round-to-nearest result with one host instruction and the
exact error of that result with an error-free transformation:

    fadd/fsub  TwoSum                  e = (a - (s - b')) + (b - b'),  b' = s - a  (always exact)
    fmul       TwoProduct              e = fma(a, b, -p)
    fdiv       remainder               e = fma(-q, b, a)  (the error has the sign of e * b)
    fsqrt      remainder               e = fma(-r, r, a)
    fma        f64: Boldo-Muller ErrFma (TwoProduct and two TwoSums); f32: in binary64
    fcvt_f     f64 -> f32: e = a - (double)r

NX is `e != 0`. binary32 products, quotients and roots take their error in binary64, where it is
exact for every operand; in binary64 the transformations are exact away from the subnormal range
and from overflow, which the `fast` conditions below check.

Tier-1 code calls a helper for every rounded op. Hot code speculates (`speculate`, in segments
that RegionLowerer._speculate forms and checks once): in RNE with NX already set, a result that
is normal (or an exact zero) is the host's and raises nothing new; a segment where that fails
redoes its ops with the helpers. Hot rounded ops it does not take (the mode is not RNE
statically, or is read from a field the region writes) test that common case per op and
otherwise call the helper. The helper, `dbt_fp_<op>_f<width>(operands, rm) -> {bits, flags}`,
is compiled once per process (on first use) and resolved by name; it handles the rest natively:
the directed modes move the RNE result one ulp (+-1 on its bits) towards the exact value when
`e` points that way (a step onto infinity is an overflow, OF); special operands (NaN, infinities,
zeros) take the host's exact result, the canonical NaN and NV/DZ from the operand bits. What
it cannot do natively -- a tiny (subnormal-range) result or operand where the error would
underflow, an overflow, RMM -- it hands to `dbt.fp`'s exact code through a callback into Python
(rare, and it never leaves the region, so a hot region has no exit per FP op). The mode is
always one of the IR's five (a frontend traps on its ISA's reserved ones before the op).

Other ISAs' rules (nan=propagate, tiny=before, control=full) have helpers of their own,
`dbt_fp_<op>_f<width>_x(operands, mode)`, that take dbt.fp's whole mode (the rounding mode, DN,
FZ, PROPAGATE, TINY_BEFORE) and wrap the same kernels in fp_rules' FZ, NaN-propagation and
default-NaN steps (`_ruled`); their exact path hands the mode to dbt.fp as it is. RISC-V's
helpers are unchanged by them. binary32 -> binary64 under those rules and the binary16
conversions (every rule) are native helpers without an exact path.

Conversions from integers are inline when exact (|n| <= 2**prec) and otherwise round the
integer in integer arithmetic (helper); float -> int rounds to an integral value with the LLVM
intrinsic of the mode (RMM is `llvm.round`) and saturates in float, inline; f32 -> f64 is exact.
No FP op deopts. Flags are ORed into the region's copy of the flags field (FP_FLAGS_FIELD).
"""

from __future__ import annotations

import re
from typing import Callable, NamedTuple

from dbt.ir.ops import (FLAG_DZ, FLAG_ID, FLAG_NV, FLAG_NX, FLAG_OF, RM_RDN, RM_RMM, RM_RNE, RM_RTZ,
                        RM_RUP)

from .fp_rules import (Rules, arith_nan, canonical_nan, convert_nan, finish, flush,
                       from_half, to_half, widen)
from .fp_text import DOUBLE, HALF, SINGLE, Emit, Mode, round_up
from .irtext import FnBuilder, int_literal
from .optable import EXACT_CALLBACK



# -- the rounded ops: one kernel each --------------------------------------------------------------
class Kernel(NamedTuple):
    res: str                 # the host's RNE result
    normal: str              # i1: res is normal, away from both ends (or, where there is
                             # no `zero` test, an exact zero): in RNE it is the result, and
                             # NX the only flag it can raise
    fast: Callable           # -> i1: normal, and error() is exact
    error: Callable          # -> (e, its emitter, flip): e = exact - res, negated when flip
    rare: Callable           # (res bits, inexact) -> (native?, bits, flags) when not fast
    zero: Callable | None = None    # -> i1: res is an exact zero, which `normal` leaves out:
                                    # tested only where `normal` fails (normal_or_zero)


def normal_or_zero(em: Emit, k: Kernel) -> str:
    return k.normal if k.zero is None else em.or_(k.normal, k.zero())


def _k_add(em: Emit, rm: Mode, a: str, b: str) -> Kernel:
    """TwoSum is always exact, and so is a sum below 2**(emin+1): only overflow deopts."""
    F = em.F
    s = em.fop("fadd", a, b)
    e_s = em.expo(em.bits(s))
    fast = em.in_range(e_s, 1, F.emax)

    def rare(sb, nx):
        ab, bb = em.bits(a), em.bits(b)
        overflow = em.and_(em.finite(ab), em.finite(bb), em.not_(em.finite(sb)))
        nonplus = em.icmp("ne", em(f"or {F.it} {ab}, {bb}"), 0)
        out = _minus_zero(em, rm, em.canonical(sb), sb, nonplus)
        return em.not_(overflow), out, em.flags((_invalid(em, sb, ab, bb), FLAG_NV))

    return Kernel(s, em.expo_in(em.bits(s), 0, F.emax), lambda: fast,
                   lambda: (em.two_sum(a, b, s)[1], em, "false"), rare)


def _special_rare(em: Emit, operands: tuple, dz=None):
    """The rare path of an op whose only native rare case is a special operand (NaN, infinite
    or zero); dz(operand bits) gives DZ."""
    def rare(rb, nx):
        bits = [em.bits(x) for x in operands]
        special = em.not_(em.and_(*(em.finite_nonzero(b) for b in bits)))
        flags = em.flags((_invalid(em, rb, *bits), FLAG_NV), (dz(*bits) if dz else "false",
                                                                 FLAG_DZ))
        return special, em.canonical(rb), flags
    return rare


def _k_mul(em: Emit, rm: Mode, a: str, b: str) -> Kernel:
    """TwoProduct. In binary64 it is exact when the product's last bit is a multiple of the
    smallest subnormal, which a result of at least 2**(emin+prec+1) guarantees."""
    F, d = em.F, em.d
    p = em.fop("fmul", a, b)
    e_p = em.expo(em.bits(p))
    normal = em.expo_in(em.bits(p), 2, F.emax)
    fast = (lambda: em.in_range(e_p, F.prec + 2, F.emax)) if F is DOUBLE else (lambda: normal)
    error = lambda: (d.call("fma", em.wide(a), em.wide(b), d.fneg(em.wide(p))), d,  # noqa: E731
                     "false")
    def exact_zero():
        """A zero operand and a zero product: exact, no flag (0 * inf is a NaN, no zero)."""
        smaller = em(f"call {F.it} @llvm.umin.{F.it}({F.it} {em.mag2(em.bits(a))}, "
                     f"{F.it} {em.mag2(em.bits(b))})")
        return em.icmp("eq", em(f"or {F.it} {em.mag2(em.bits(p))}, {smaller}"), 0)

    return Kernel(p, normal, fast, error, _special_rare(em, (a, b)), exact_zero)


def _k_div(em: Emit, rm: Mode, a: str, b: str) -> Kernel:
    """The remainder a - q*b; the error has the sign of remainder * b. In binary64 it is exact
    for a normal b and an a of at least 2**(emin+prec+1)."""
    F, d = em.F, em.d
    q = em.fop("fdiv", a, b)
    normal = em.expo_in(em.bits(q), 2, F.emax)

    def fast():
        if F is not DOUBLE:
            return normal
        return em.and_(em.icmp("uge", em.expo(em.bits(a)), F.prec + 2),
                       em.icmp("ne", em.expo(em.bits(b)), 0), normal)

    def error():
        rem = d.call("fma", d.fneg(em.wide(q)), em.wide(b), em.wide(a))
        return rem, d, em.neg(em.bits(b))

    dz = lambda x, y: em.and_(em.finite_nonzero(x), em.zero(y))       # noqa: E731
    exact_zero = lambda: em.icmp(                            # 0 / x (0 / 0 is a NaN)  # noqa: E731
        "eq", em(f"or {F.it} {em.mag2(em.bits(q))}, {em.mag2(em.bits(a))}"), 0)
    return Kernel(q, normal, fast, error, _special_rare(em, (a, b), dz), exact_zero)


def _k_sqrt(em: Emit, rm: Mode, a: str) -> Kernel:
    """The remainder a - r*r. In binary64 it is exact for an a of at least 2**(emin+prec+1)."""
    F, d = em.F, em.d
    s = em.call("sqrt", a)
    ab = em.bits(a)
    positive = em.in_range(ab, 1, F.inf)                     # finite, nonzero, sign clear
    fast = ((lambda: em.in_range(ab, (F.prec + 2) << F.fbits, F.inf)) if F is DOUBLE
            else (lambda: positive))
    error = lambda: (d.call("fma", d.fneg(em.wide(s)), em.wide(s), em.wide(a)), d,  # noqa: E731
                     "false")

    def rare(rb, nx):
        return em.not_(positive), em.canonical(rb), em.flags((_invalid(em, rb, ab), FLAG_NV))

    return Kernel(s, em.or_(positive, em.zero(ab)), fast, error, rare)      # sqrt(+-0): exact


def _k_fma(em: Emit, rm: Mode, a: str, b: str, c: str) -> Kernel:
    """Exact cancellation (a zero result) is native too: +0, or -0 in RDN."""
    F = em.F
    res = em.call("fma", a, b, c)
    normal = em.expo_in(em.bits(res), 2, F.emax)
    exact_ok = (lambda: _fma64_ok(em, a, b, c)) if F is DOUBLE else (lambda: "true")
    error = ((lambda: (_fma64_error(em, a, b, c, res), em, "false")) if F is DOUBLE
             else (lambda: (_fma32_error(em, a, b, c, res), em.d, "false")))

    def rare(rb, nx):
        ab, bb, cb = (em.bits(x) for x in (a, b, c))
        special = em.or_(em.not_(em.finite_nonzero(ab)), em.not_(em.finite_nonzero(bb)),
                         em.not_(em.finite(cb)))
        cancelled = em.and_(exact_ok(), em.zero(rb), em.not_(nx))
        both_plus = em.and_(em.icmp("eq", cb, 0), em.not_(em.neg(em(f"xor {F.it} {ab}, {bb}"))))
        out = _minus_zero(em, rm, em.canonical(rb), rb, em.not_(both_plus))
        inf_zero = em.or_(em.and_(em.not_(em.finite(ab)), em.zero(bb)),
                          em.and_(em.zero(ab), em.not_(em.finite(bb))))
        nv = em.or_(_invalid(em, rb, ab, bb, cb),
                    em.and_(inf_zero, em.not_(em.is_nan(ab)), em.not_(em.is_nan(bb))))
        return em.or_(special, cancelled), out, em.flags((nv, FLAG_NV))

    return Kernel(res, normal, lambda: em.and_(exact_ok(), normal), error, rare)


def _fma64_ok(em: Emit, a: str, b: str, c: str) -> str:
    """ErrFma is exact: a, b normal with the product's error representable, c not huge."""
    F = em.F
    ea, eb = em.expo(em.bits(a)), em.expo(em.bits(b))
    return em.and_(em.icmp("ne", ea, 0), em.icmp("ne", eb, 0),
                   em.in_range(em(f"add i64 {ea}, {eb}"), F.bias + F.prec + 2, 3 * F.bias - 3),
                   em.icmp("ule", em.expo(em.bits(c)), 2 * F.bias - 2))


def _fma64_error(em: Emit, a, b, c, res):
    """Boldo & Muller's ErrFma: a*b + c = res + r2 + r3 exactly, |r3| <= ulp(r2)/2; r2."""
    u1 = em.fop("fmul", a, b)
    u2 = em.call("fma", a, b, em.fneg(u1))
    alpha1, alpha2 = em.two_sum(c, u2)
    beta1, beta2 = em.two_sum(u1, alpha1)
    gamma = em.fop("fadd", em.fop("fsub", beta1, res), beta2)
    return em.fop("fadd", gamma, alpha2)


def _fma32_error(em: Emit, a, b, c, res):
    """In binary64: p = a*b is exact, p + c = s + e exactly (TwoSum), and s - res is exact and,
    when nonzero, larger than |e|: (s - res) + e has the sign of the error."""
    d = em.d
    s, e = d.two_sum(d.fop("fmul", em.wide(a), em.wide(b)), em.wide(c))
    return d.fop("fadd", d.fop("fsub", s, em.wide(res)), e)


def k_narrow(em: Emit, rm: Mode, a: str) -> Kernel:
    """binary64 -> binary32: the error a - r is exact in binary64."""
    d = em.d
    res = em(f"fptrunc double {a} to float")
    normal = em.expo_in(em.bits(res), 2, em.F.emax)

    def rare(rb, nx):
        ab = d.bits(a)
        return d.not_(d.finite_nonzero(ab)), em.canonical(rb), em.flags((d.is_snan(ab), FLAG_NV))

    return Kernel(res, normal, lambda: normal,
                   lambda: (d.fop("fsub", a, em.wide(res)), d, "false"), rare)


def _invalid(em: Emit, res: str, *operands: str) -> str:
    """NV of an op whose result is `res`: a signalling operand, or a NaN made from non-NaNs."""
    return em.or_(*(em.is_snan(b) for b in operands),
                  em.and_(em.is_nan(res), *(em.not_(em.is_nan(b)) for b in operands)))


def _minus_zero(em: Emit, rm: Mode, out: str, rb: str, nonplus: str) -> str:
    """RDN's exact zero sum is -0 unless both addends are +0 (the host gave +0)."""
    fix = em.and_(rm.is_(RM_RDN), em.zero(rb), nonplus)
    return em.select(fix, em.F.it, em.F.lit(1 << (em.F.width - 1)), out)


def _directed(em: Emit, rb: str, nx: str, below: str, rm: Mode) -> str:
    """The RNE result's bits rb moved one ulp (+-1 on the bits) towards the exact value when
    the mode says so: RUP when it is above, RDN below, RTZ nearer to zero."""
    if rm.const == RM_RNE:
        return rb
    neg = em.neg(rb)
    wants_below = em.select(rm.is_(RM_RTZ), "i1", em.not_(neg), rm.is_(RM_RDN))
    move = em.and_(nx, em.not_(rm.is_(RM_RNE)), em.eq1(below, wants_below))
    if move == "false":
        return rb
    step = em.select(em.eq1(below, neg), em.F.it, "1", "-1")      # away from or towards 0
    return em(f"add {em.F.it} {rb}, {em.select(move, em.F.it, step, '0')}")


def _complete(em: Emit, rm: Mode, k: Kernel):
    """Every case of a rounded op: (result bits, flags, slow: the exact path must do it)."""
    return _complete_fast(em, rm, k)[:3]


def _complete_fast(em: Emit, rm: Mode, k: Kernel):
    """_complete, and the i1 `fast`: the result is normal, so that no rule changes it."""
    F = em.F
    rb = em.bits(k.res)
    e, ee, flip = k.error()
    nx, below = ee.err(e)
    if flip != "false":
        below = em(f"xor i1 {below}, {flip}")
    adj = _directed(em, rb, nx, below, rm)
    of = "false" if adj == rb else em.icmp("eq", em.mag2(adj), F.lit(2 * F.inf))
    fast = k.fast()
    native, bits, flags = k.rare(rb, nx)
    bits = em.select(fast, F.it, adj, bits)
    flags = em.select(fast, "i64", em.flags((nx, FLAG_NX), (of, FLAG_OF)), flags)
    return bits, flags, em.or_(rm.is_(RM_RMM), em.and_(em.not_(fast), em.not_(native))), fast


# -- out-of-line helpers ---------------------------------------------------------------------------
KERNELS = {"fadd": (_k_add, 2), "fmul": (_k_mul, 2), "fdiv": (_k_div, 2),
            "fsqrt": (_k_sqrt, 1), "fma": (_k_fma, 3)}
HELPERS: dict[str, tuple] = {}          # name -> (format, parameter types, body)
for _F in (SINGLE, DOUBLE):
    for _op, (_kernel, _n) in KERNELS.items():
        HELPERS[f"dbt_fp_{_op}_f{_F.width}"] = (
            _F, (_F.ft,) * _n, lambda em, rm, *xs, k=_kernel: _complete(em, rm, k(em, rm, *xs)))
    for _signed in (True, False):
        HELPERS[f"dbt_fp_from_{'si' if _signed else 'ui'}_f{_F.width}"] = (
            _F, ("i64",), lambda em, rm, n, s=_signed: from_int(em, rm, n, s))
HELPERS["dbt_fp_narrow_f32"] = (SINGLE, ("double",),
                                 lambda em, rm, a: _complete(em, rm, k_narrow(em, rm, a)))


# -- the helpers of ops with other rules (fp_rules): `_x`, taking dbt.fp's whole mode -------------
def _ruled(kernel: Callable, source: Callable, pick: Callable, negate: bool = False):
    """The body of an `_x` helper: the operands flushed under FZ (`source(em)` is their
    format's emitter), the kernel completed as under RISC-V's rules, then, for a result that
    is not normal, the NaN it propagates (`pick(em, source emitter, flushed operand bits)`)
    and FZ on the result. The two steps are blocks of their own, which a normal result with
    FZ clear skips. `negate`: b is negated for the kernel (fsub is a + -b; its NaN keeps b's
    sign)."""
    def body(em: Emit, rm: Mode, *xs: str):
        rules = Rules(em, rm.text)
        es = source(em)
        operands = [es.bits(x) for x in xs]
        *bits, flushed = _branch(em, rules.fz, lambda: _flat(flush(es, "true", operands)),
                                 lambda: [*operands, "false"], [es.F.it] * len(xs) + ["i1"])
        ys = [x if b == o else es.value(b) for x, b, o in zip(xs, bits, operands)]
        if negate:
            ys[1] = es.fneg(ys[1])
        out, flags, slow, fast = _complete_fast(em, rules.rm, kernel(em, rules.rm, *ys))
        out, flags = _branch(em, em.not_(fast), lambda: finish(em, rules, out, flags,
                                                               pick(em, es, bits), "false"),
                             lambda: (out, flags), [em.F.it, "i64"])
        return out, em(f"or i64 {flags}, {em.flags((flushed, FLAG_ID))}"), slow
    return body


def _flat(pair: tuple) -> list:
    return [*pair[0], pair[1]]


def _branch(em: Emit, cond: str, taken: Callable, other: Callable, types: list) -> list:
    """The values taken() emits where cond holds, other() where not, joined in phis."""
    fb = em.fb
    yes, join = fb.label("rule"), fb.label("ruled")
    values = [other()]
    labels = [fb.current]
    fb.emit(f"br i1 {cond}, label %{yes}, label %{join}")
    fb.start(yes)
    values.append(taken())
    labels.append(fb.current)
    fb.emit(f"br label %{join}")
    fb.start(join)
    return [v[0] if v[0] == v[1] else
            em(f"phi {t} [ {v[0]}, %{labels[0]} ], [ {v[1]}, %{labels[1]} ]")
            for t, v in zip(types, zip(*values))]


def _fma_nan(em: Emit, es: Emit, bits: list) -> str:
    """The addend first; inf * 0 + a quiet NaN is invalid: the default NaN (Arm's FPMulAdd)."""
    a, b, c = bits
    inf_zero = em.or_(em.and_(em.is_inf(a), em.zero(b)), em.and_(em.zero(a), em.is_inf(b)))
    quiet_c = em.and_(em.is_nan(c), em.not_(em.is_snan(c)))
    return em.select(em.and_(inf_zero, quiet_c), em.F.it, canonical_nan(em.F),
                     arith_nan(em, [c, a, b]))


_SAME = lambda em: em                                                           # noqa: E731
_ARITH_NAN = lambda em, es, bits: arith_nan(em, bits)                           # noqa: E731
for _F in (SINGLE, DOUBLE):
    for _op, (_kernel, _n) in (*KERNELS.items(), ("fsub", (_k_add, 2))):
        HELPERS[f"dbt_fp_{_op}_f{_F.width}_x"] = (_F, (_F.ft,) * _n, _ruled(
            _kernel, _SAME, _fma_nan if _op == "fma" else _ARITH_NAN, negate=_op == "fsub"))
HELPERS["dbt_fp_narrow_f32_x"] = (SINGLE, ("double",), _ruled(
    k_narrow, lambda em: em.d, lambda em, es, bits: convert_nan(es, SINGLE, bits[0])))
EXACT_NAMES = sorted(HELPERS.keys() - {n for n in HELPERS if "_from_" in n})   # call back
# ... and the ones that never need to: binary32 -> binary64, the binary16 conversions
HELPERS["dbt_fp_widen_f64_x"] = (DOUBLE, ("float",),
                                 lambda em, rm, x: (*widen(em, Rules(em, rm.text), x), "false"))
for _F in (SINGLE, DOUBLE):
    HELPERS[f"dbt_fp_cvt_f{_F.width}_f16"] = (HALF, (_F.ft,), lambda em, rm, x, F=_F: (
        *to_half(Emit(em.fb, F), Rules(em, rm.text), x), "false"))
    HELPERS[f"dbt_fp_cvt_f16_f{_F.width}"] = (_F, ("i16",), lambda em, rm, h: (
        *from_half(em, Rules(em, rm.text), h), "false"))


def _helper_text(name: str) -> str:
    """The helper's function: what the native code cannot do exactly (RMM, a tiny result, an
    overflow: `slow`) goes to `dbt.fp` through the exact-path callback EXACT_CALLBACK(op
    index, a, b, c, rm, flags), which answers the result's bits and leaves the flags in the
    cell `flags` points to (on the helper's stack: each thread has its own; the callback is
    an external symbol that fp_runtime defines in each process)."""
    F, types, body = HELPERS[name]
    fb = FnBuilder()
    fb.start("entry")
    em = Emit(fb, F)
    args = [f"%x{i}" for i in range(len(types))]
    rm = Mode(em, "%rm")
    bits, flags, slow = body(em, rm, *args)
    if slow == "false":
        _ret_pair(em, bits, flags)
    else:
        fb.emit(f"br i1 {slow}, label %exact, label %done")
        fb.start("done")
        _ret_pair(em, bits, flags)
        fb.start("exact")
        wide = []                              # the operands' bits as i64, three of them
        for t, a in zip(types, args):
            x = em(f"bitcast {t} {a} to {'i64' if t == 'double' else 'i32'}")
            wide.append(x if t == "double" else em(f"zext i32 {x} to i64"))
        wide += ["0"] * (3 - len(wide))
        cell = em("alloca i64")                # (the flags: this thread's own)
        bits = em(f"call i64 @{EXACT_CALLBACK}(i64 {EXACT_NAMES.index(name)}, "
                  f"{', '.join(f'i64 {x}' for x in wide)}, i64 %rm, ptr {cell})")
        flags = em(f"load i64, ptr {cell}")
        _ret_pair(em, bits, flags, wide_bits=True)
    params = ", ".join(f"{t} {a}" for t, a in zip(types, args))
    return "\n".join([f"define {{i64, i64}} @{name}({params}, i64 %rm) nounwind {{",
                      *fb.lines, "}"])


def _ret_pair(em: Emit, bits: str, flags: str, wide_bits: bool = False) -> None:
    if em.F.width < 64 and not wide_bits:
        bits = em(f"zext {em.F.it} {bits} to i64")
    pair = em(f"insertvalue {{i64, i64}} undef, i64 {bits}, 0")
    pair = em(f"insertvalue {{i64, i64}} {pair}, i64 {flags}, 1")
    em.fb.emit(f"ret {{i64, i64}} {pair}")


def from_int(em: Emit, rm: Mode, n: str, signed: bool):
    """The helper's integer rounding: normalise |n| to bit 63, keep prec bits, round on the
    rest. (bits, flags, "false": it is exact in every mode)."""
    F = em.F
    neg, m = "false", n
    if signed:
        neg = em(f"icmp slt i64 {n}, 0")
        m = em.select(neg, "i64", em(f"sub i64 0, {n}"), n)
    lz = em(f"call i64 @llvm.ctlz.i64(i64 {m}, i1 false)")
    norm = em(f"shl i64 {m}, {em(f'and i64 {lz}, 63')}")
    keep = em(f"lshr i64 {norm}, {64 - F.prec}")
    rest = em(f"shl i64 {norm}, {F.prec}")
    mant = em(f"add i64 {keep}, {em(f'zext i1 {round_up(em, rm, neg, keep, rest)} to i64')}")
    field = em(f"sub i64 {F.bias + 62}, {lz}")           # biased exponent - 1
    out = em(f"add i64 {em(f'shl i64 {field}, {F.fbits}')}, {mant}")
    out = em(f"or i64 {out}, {em.select(neg, 'i64', int_literal(1 << (F.width - 1), 64), '0')}")
    out = em.select(em(f"icmp eq i64 {m}, 0"), "i64", "0", out)
    if F.width < 64:
        out = em(f"trunc i64 {out} to {F.it}")
    return out, em.flags((em(f"icmp ne i64 {rest}, 0"), FLAG_NX)), "false"


def exact_ops() -> dict:
    """helper name -> (a, b, c, rm) -> dbt.fp's (bits, flags), for the helpers that call back."""
    from dbt import fp

    ops = {}
    for suffix in ("", "_x"):
        ops["dbt_fp_narrow_f32" + suffix] = lambda a, b, c, rm: fp.convert(fp.F64, fp.F32, a, rm)
        for F, fmt in ((SINGLE, fp.F32), (DOUBLE, fp.F64)):
            for op, (_, n) in (*KERNELS.items(), ("fsub", (None, 2))):  # dbt.fp: add, ..., fma
                fn = fp.OPS["fma" if op == "fma" else op[1:]]
                ops[f"dbt_fp_{op}_f{F.width}{suffix}"] = (lambda a, b, c, rm, fn=fn, f=fmt, n=n:
                                                          fn(f, *(a, b, c)[:n], rm))
    return {name: ops[name] for name in EXACT_NAMES}


INTEGRAL = {RM_RNE: "roundeven", RM_RTZ: "trunc", RM_RDN: "floor", RM_RUP: "ceil",
            RM_RMM: "round"}           # the LLVM intrinsic that rounds to integral in each mode

INTRINSICS = (
    [f"declare {t} @llvm.fma.{s}({t}, {t}, {t})" for t, s in (("float", "f32"), ("double", "f64"))]
    + [f"declare {t} @llvm.umin.{t}({t}, {t})" for t in ("i32", "i64")]
    + [f"declare {t} @llvm.{fn}.{s}({t})" for t, s in (("float", "f32"), ("double", "f64"))
       for fn in ("sqrt", *INTEGRAL.values())])


def helpers_called(text: str) -> list[str]:
    """The helpers a region's LLVM text calls (fp_runtime links them where it runs)."""
    return sorted(set(re.findall(r"call [^@\n]*@(dbt_fp_\w+)\(", text)) & HELPERS.keys())


def helper_module(name: str, triple: str) -> str:
    """The LLVM module of one helper (compiled at -O1 without IR passes: the helpers' text is
    lean already, and they run as fast as at -O2 with the passes, for 60% of the time)."""
    return "\n".join([f'target triple = "{triple}"', _helper_text(name), *INTRINSICS,
                      "declare i64 @llvm.ctlz.i64(i64, i1)",
                      "declare i64 @llvm.smax.i64(i64, i64)",
                      f"declare i64 @{EXACT_CALLBACK}(i64, i64, i64, i64, i64, ptr)"])


HELPER_OPT_LEVEL = 1


# What a region's module declares to call the helpers.
HELPER_DECLARATIONS = "\n".join(
    f"declare {{i64, i64}} @{name}({', '.join(types)}, i64) nounwind willreturn memory(none)"
    for name, (_, types, _) in HELPERS.items())
