"""Other ISAs' FP rules in the FP helpers, and the binary16 conversions: LLVM text, bit-exact
with `dbt.fp` (whose rules tests/test_fp_arm.py checks against Arm's FPU).

A helper that serves an op with rules other than RISC-V's (the `_x` helpers of fp_kernels)
takes one i64 that says everything: dbt.fp's mode, the rounding mode | DN | FZ (the control
operand of a control=full op) | PROPAGATE | TINY_BEFORE (the op's static nan and tiny rules).
It hands that same mode to dbt.fp on its exact path, and natively (`Rules` takes it apart):

* FZ: subnormal operands become zeros of their sign first (`flush`, flag ID); the kernel and its
  completion then run on the flushed operands exactly as under RISC-V's rules;
* `finish`: a NaN result is, under PROPAGATE without DN, the first signalling NaN operand
  quietened, else the first quiet one (`arith_nan`; fma puts the addend first), or for a
  conversion the operand's NaN with its sign and the top of its payload (`convert_nan`); else
  the default (canonical) NaN. Under FZ a subnormal result becomes a zero of its sign with UF
  alone: natively only an exact sum can be one, every other tiny result takes the exact path;
* tininess before rounding matters only for an inexact tiny result, which is always dbt.fp's.

binary16 has no arithmetic, only conversions to and from binary32/64, native in every mode
(`to_half`, `from_half`: integer rounding of the significand, tininess after or before, no FZ
on the binary16 side, as Arm's FPUnpackCV/FPRoundCV and dbt.fp).
"""

from __future__ import annotations

from functools import cached_property

from dbt.fp_convert import DN, FZ, PROPAGATE, RM_BITS, TINY_BEFORE
from dbt.ir.ops import FLAG_ID, FLAG_NV, FLAG_NX, FLAG_OF, FLAG_UF, RM_RDN, RM_RMM, RM_RNE, RM_RUP

from .fp_text import HALF, SINGLE, Emit, Format, Mode, round_up
from .irtext import int_literal


class Rules:
    """dbt.fp's mode (i64 text `mode`) taken apart: `rm` the rounding mode, and i1 values."""

    def __init__(self, em: Emit, mode: str):
        self.em, self.mode = em, mode

    def _test(self, mask: int, value: int) -> str:
        return self.em(f"icmp eq i64 {self.em(f'and i64 {self.mode}, {mask}')}, {value}")

    @cached_property
    def rm(self) -> Mode:
        return Mode(self.em, self.em(f"and i64 {self.mode}, {RM_BITS}"))

    @cached_property
    def fz(self) -> str:
        return self._test(FZ, FZ)

    @cached_property
    def before(self) -> str:
        return self._test(TINY_BEFORE, TINY_BEFORE)

    @cached_property
    def propagate(self) -> str:
        """A NaN result is an operand's (PROPAGATE, and not DN)."""
        return self._test(PROPAGATE | DN, PROPAGATE)


def flush(em: Emit, fz: str, bits: list) -> tuple[list, str]:
    """FZ on operands' bits: (the bits, subnormals made zeros of their sign; i1 any was)."""
    if fz == "false":
        return bits, "false"
    out, hits = [], []
    for b in bits:
        hit = em.and_(fz, em.subnormal(b))
        hits.append(hit)
        out.append(em.select(hit, em.F.it, em.sign_of(b), b))
    return out, em.or_(*hits)


def flush_values(em: Emit, fz: str, xs: list) -> tuple[list, str]:
    """`flush` on float values."""
    if fz == "false":
        return xs, "false"
    bits, hit = flush(em, fz, [em.bits(x) for x in xs])
    return [x if hit == "false" else em.value(b) for x, b in zip(xs, bits)], hit


def canonical_nan(F: Format) -> str:
    return F.lit(F.inf | F.quiet)


def arith_nan(em: Emit, bits: list) -> str:
    """The NaN an arithmetic op propagates from its operands' bits (in order of precedence):
    the first signalling one quietened, else the first quiet one, else the default NaN."""
    pick = canonical_nan(em.F)
    for b in reversed(bits):
        pick = em.select(em.is_nan(b), em.F.it, b, pick)
    for b in reversed(bits):
        pick = em.select(em.is_snan(b), em.F.it, em.quiet(b), pick)
    return pick


def convert_nan(es: Emit, T: Format, b: str) -> str:
    """The NaN of format T that a conversion propagates from the NaN bits b of es's format: its
    sign, the top of its payload (or the payload shifted up), the quiet bit set."""
    S = es.F
    w = b if S.width == 64 else es(f"zext {S.it} {b} to i64")
    frac = es(f"and i64 {w}, {(1 << S.fbits) - 1}")
    shift = T.fbits - S.fbits
    frac = es(f"shl i64 {frac}, {shift}") if shift > 0 else es(f"lshr i64 {frac}, {-shift}")
    sign = es(f"shl i64 {es(f'lshr i64 {w}, {S.width - 1}')}, {T.width - 1}")
    out = es(f"or i64 {es(f'or i64 {sign}, {frac}')}, {int_literal(T.inf | T.quiet, 64)}")
    return out if T.width == 64 else es(f"trunc i64 {out} to {T.it}")


def finish(em: Emit, rules: Rules, bits: str, flags: str, nan: str, flushed: str):
    """A native result under the rules: (bits, flags). `nan` is the NaN to propagate (for a NaN
    result), `flushed` whether FZ flushed an operand."""
    F = em.F
    bits = em.select(em.and_(rules.propagate, em.is_nan(bits)), F.it, nan, bits)
    out = em.and_(rules.fz, em.subnormal(bits))
    bits = em.select(out, F.it, em.sign_of(bits), bits)
    flags = em.select(out, "i64", str(FLAG_UF), flags)
    return bits, _or_flag(em, flags, flushed, FLAG_ID)


def widen(em: Emit, rules: Rules, x: str):
    """binary32 -> binary64 (em's format) under the rules: exact; FZ on the operand, a NaN
    propagated or the default one. (bits, flags)."""
    es = Emit(em.fb, SINGLE)
    (b,), flushed = flush(es, rules.fz, [es.bits(x)])
    nan = em.select(rules.propagate, em.F.it, convert_nan(es, em.F, b), canonical_nan(em.F))
    out = em.select(es.is_nan(b), em.F.it, nan,
                    em.bits(em(f"fpext float {es.value(b)} to {em.F.ft}")))
    return out, em.flags((es.is_snan(b), FLAG_NV), (flushed, FLAG_ID))


# -- binary16 -------------------------------------------------------------------------------------
def to_half(es: Emit, rules: Rules, x: str):
    """binary32/64 (es's format) -> binary16 in the mode: (i16 bits, flags). FZ flushes the
    operand, not the result (Arm's FPRoundCV)."""
    S, H = es.F, HALF
    (b,), flushed = flush(es, rules.fz, [es.bits(x)])
    w = b if S.width == 64 else es(f"zext {S.it} {b} to i64")
    neg = es.neg(b)
    field = es(f"and i64 {es(f'lshr i64 {w}, {S.fbits}')}, {S.emax}")
    frac = es(f"and i64 {w}, {(1 << S.fbits) - 1}")
    normal = es(f"icmp ne i64 {field}, 0")
    m = es.select(normal, "i64", es(f"or i64 {frac}, {1 << S.fbits}"), frac)
    lsb = es(f"sub i64 {es.select(normal, 'i64', field, '1')}, {S.bias + S.fbits}")
    rounded, flags = _round_half(es, rules, neg, m, lsb)
    nan = es.select(rules.propagate, "i16", convert_nan(es, H, b), canonical_nan(H))
    zero_or_inf = es.select(es.zero(b), "i16", "0", H.lit(H.inf))
    special = es.select(neg, "i16", es(f"or i16 {zero_or_inf}, {H.lit(H.sign)}"), zero_or_inf)
    finite_nonzero = es.finite_nonzero(b)
    out = es.select(finite_nonzero, "i16", es(f"trunc i64 {rounded} to i16"),
                    es.select(es.is_nan(b), "i16", nan, special))
    flags = es.select(finite_nonzero, "i64", flags, es.flags((es.is_snan(b), FLAG_NV)))
    return out, _or_flag(es, flags, flushed, FLAG_ID)


def _or_flag(em: Emit, flags: str, cond: str, bit: int) -> str:
    more = em.flags((cond, bit))
    return flags if more == "0" else em(f"or i64 {flags}, {more}")


def _round_half(em: Emit, rules: Rules, neg: str, m: str, lsb: str):
    """Round (-1)**neg * m * 2**lsb (m > 0, i64) to binary16 as dbt.fp's round_pack does:
    (the bits as i64, flags)."""
    H = HALF
    qmin, emin = 1 - H.bias - H.fbits, 1 - H.bias                      # -24, -14
    lz = em(f"and i64 {em(f'call i64 @llvm.ctlz.i64(i64 {m}, i1 false)')}, 63")
    norm = em(f"shl i64 {m}, {lz}")                                    # top bit at 63
    top = em(f"sub i64 {em(f'add i64 {lsb}, 63')}, {lz}")             # floor(log2 |value|)
    q = em(f"call i64 @llvm.smax.i64(i64 {em(f'sub i64 {top}, {H.fbits}')}, i64 {qmin})")
    k = em(f"add i64 {em(f'sub i64 {top}, {q}')}, 1")                  # bits kept, <= prec
    some = em(f"icmp sgt i64 {k}, 0")
    right = em(f"and i64 {em(f'sub i64 64, {k}')}, 63")
    keep = em.select(some, "i64", em(f"lshr i64 {norm}, {right}"), "0")
    # the discarded bits, left-aligned; below half an ulp they only need to stay nonzero
    below = em(f"call i64 @llvm.umin.i64(i64 {em(f'sub i64 0, {k}')}, i64 63)")
    rest = em.select(some, "i64", em(f"shl i64 {norm}, {em(f'and i64 {k}, 63')}"),
                     em.select(em(f"icmp eq i64 {k}, 0"), "i64", norm,
                               em(f"or i64 {em(f'lshr i64 {norm}, {below}')}, 1")))
    up = round_up(em, rules.rm, neg, keep, rest)
    mant = em(f"add i64 {keep}, {em(f'zext i1 {up} to i64')}")
    biased = em(f"sub i64 {q}, {qmin}")
    out = em(f"add i64 {em(f'shl i64 {biased}, {H.fbits}')}, {mant}")
    inexact = em(f"icmp ne i64 {rest}, 0")
    # tiny after rounding: still below 2**emin when rounded to prec bits, exponent unbounded
    keep_p, rest_p = em(f"lshr i64 {norm}, {64 - H.prec}"), em(f"shl i64 {norm}, {H.prec}")
    rounds_up = em.and_(em(f"icmp eq i64 {top}, {emin - 1}"),
                        em(f"icmp eq i64 {keep_p}, {(1 << H.prec) - 1}"),
                        round_up(em, rules.rm, neg, keep_p, rest_p))
    tiny = em.and_(em(f"icmp slt i64 {top}, {emin}"), em.or_(rules.before, em.not_(rounds_up)))
    flags = em.flags((inexact, FLAG_NX), (em.and_(inexact, tiny), FLAG_UF))
    rm = rules.rm
    to_inf = em.or_(rm.is_(RM_RNE), rm.is_(RM_RMM), em.and_(rm.is_(RM_RUP), em.not_(neg)),
                    em.and_(rm.is_(RM_RDN), neg))
    sign = em.select(neg, "i64", str(H.sign), "0")
    big = em(f"or i64 {sign}, {em.select(to_inf, 'i64', str(H.inf), str(H.inf - 1))}")
    over = em(f"icmp uge i64 {out}, {H.inf}")
    out = em.select(over, "i64", big, em(f"or i64 {out}, {sign}"))
    return out, em.select(over, "i64", str(FLAG_OF | FLAG_NX), flags)


def from_half(et: Emit, rules: Rules, h: str):
    """binary16 bits (i16) -> et's format: exact (no FZ either side); (bits, flags)."""
    H, T = HALF, et.F
    eh = Emit(et.fb, H)
    w = et(f"zext i16 {h} to i64")
    field = et(f"and i64 {et(f'lshr i64 {w}, {H.fbits}')}, {H.emax}")
    frac = et(f"and i64 {w}, {(1 << H.fbits) - 1}")
    rebiased = et(f"add i64 {field}, {T.bias - H.bias}")
    normal = et(f"or i64 {et(f'shl i64 {rebiased}, {T.fbits}')}, "
                f"{et(f'shl i64 {frac}, {T.fbits - H.fbits}')}")
    msb = et(f"sub i64 63, {et(f'call i64 @llvm.ctlz.i64(i64 {frac}, i1 false)')}")
    sub_field = et(f"add i64 {msb}, {T.bias + 1 - H.bias - H.fbits}")    # frac * 2**-24
    left = et(f"and i64 {et(f'sub i64 {T.fbits}, {msb}')}, 63")
    sub_frac = et(f"and i64 {et(f'shl i64 {frac}, {left}')}, {(1 << T.fbits) - 1}")
    subnormal = et(f"or i64 {et(f'shl i64 {sub_field}, {T.fbits}')}, {sub_frac}")
    small = et.select(et(f"icmp eq i64 {frac}, 0"), "i64", "0", subnormal)
    out = et.select(et(f"icmp eq i64 {field}, 0"), "i64", small, normal)
    out = et.select(et(f"icmp eq i64 {field}, {H.emax}"), "i64", int_literal(T.inf, 64), out)
    sign = et(f"lshr i64 {w}, {H.width - 1}")
    out = et(f"or i64 {out}, {et(f'shl i64 {sign}, {T.width - 1}')}")
    if T.width < 64:
        out = et(f"trunc i64 {out} to {T.it}")
    nan = et.select(rules.propagate, T.it, convert_nan(eh, T, h), canonical_nan(T))
    return et.select(eh.is_nan(h), T.it, nan, out), et.flags((eh.is_snan(h), FLAG_NV))
