"""LLVM IR text for IEEE-754 arithmetic on bit patterns: the vocabulary of the FP lowering.

`Emit` writes instructions on values of one binary format (its `d` is the same in binary64) into
a function builder and folds i1 literals, so that a static rounding mode emits only its own
code; `Mode` is an FP op's rounding-mode operand, a constant or an i64 value.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from dbt.ir.ops import RM_RDN, RM_RMM, RM_RNE, RM_RTZ, RM_RUP
from dbt.ir.types import F16, F32, F64

from .irtext import int_literal


@dataclass(frozen=True)
class Format:
    """An IEEE binary format as the lowering spells it."""

    ft: str          # LLVM float type
    it: str          # LLVM integer type of the same width
    width: int
    fbits: int       # fraction bits

    @property
    def prec(self) -> int:
        return self.fbits + 1

    @property
    def emax(self) -> int:
        """The all-ones exponent field (infinities and NaNs)."""
        return (1 << (self.width - 1 - self.fbits)) - 1

    @property
    def bias(self) -> int:
        return self.emax >> 1

    @property
    def inf(self) -> int:
        return self.emax << self.fbits

    @property
    def quiet(self) -> int:
        return 1 << (self.fbits - 1)

    @property
    def sign(self) -> int:
        return 1 << (self.width - 1)

    def lit(self, value: int) -> str:
        return int_literal(value, self.width)


FORMATS = {F16: Format("half", "i16", 16, 10), F32: Format("float", "i32", 32, 23),
           F64: Format("double", "i64", 64, 52)}
HALF, SINGLE, DOUBLE = FORMATS[F16], FORMATS[F32], FORMATS[F64]    # (binary16: converted only)


def float_literal(value: float) -> str:
    """A float literal as LLVM IR text writes it (binary64 hex; exact for float too)."""
    return f"0x{struct.unpack('<Q', struct.pack('<d', value))[0]:016X}"


class Emit:
    """LLVM instructions on values of one format (`d`: the same in binary64), with i1
    literals folded so that a static rounding mode emits only its own code."""

    def __init__(self, fb, F: Format):
        self.fb, self.F = fb, F
        self.d = self if F is DOUBLE else Emit(fb, DOUBLE)

    def __call__(self, expr: str) -> str:
        return self.fb.assign(expr, "fp")

    # -- i1 logic and flags ------------------------------------------------------------------------
    def and_(self, *xs: str) -> str:
        return self._chain("and", "false", "true", xs)

    def or_(self, *xs: str) -> str:
        return self._chain("or", "true", "false", xs)

    def _chain(self, op: str, absorbing: str, identity: str, xs: tuple) -> str:
        """x1 op x2 op ...: an `absorbing` literal decides it, `identity` literals drop out."""
        if absorbing in xs:
            return absorbing
        xs = [x for x in xs if x != identity] or [identity]
        out = xs[0]
        for x in xs[1:]:
            out = self(f"{op} i1 {out}, {x}")
        return out

    def not_(self, x: str) -> str:
        return {"true": "false", "false": "true"}.get(x) or self(f"xor i1 {x}, true")

    def eq1(self, x: str, y: str) -> str:
        if y in ("true", "false"):
            return x if y == "true" else self.not_(x)
        return self(f"icmp eq i1 {x}, {y}")

    def select(self, c: str, t: str, a: str, b: str) -> str:
        if c in ("true", "false") or a == b:
            return a if c != "false" else b
        return self(f"select i1 {c}, {t} {a}, {t} {b}")

    def flags(self, *pairs) -> str:
        """An i64 of FLAG bits from (condition, bit) pairs."""
        parts = [self.select(c, "i64", str(bit), "0") for c, bit in pairs]
        parts = [p for p in parts if p != "0"] or ["0"]
        out = parts[0]
        for p in parts[1:]:
            out = self(f"or i64 {out}, {p}")
        return out

    # -- the bits of a value -----------------------------------------------------------------------
    def bits(self, x: str) -> str:
        return self(f"bitcast {self.F.ft} {x} to {self.F.it}")

    def icmp(self, pred: str, a: str, b) -> str:
        return self(f"icmp {pred} {self.F.it} {a}, {b}")

    def expo(self, b: str) -> str:
        """The biased exponent field."""
        return self(f"and {self.F.it} {self(f'lshr {self.F.it} {b}, {self.F.fbits}')}, "
                    f"{self.F.emax}")

    def expo_in(self, b: str, lo: int, hi: int) -> str:
        """lo <= the exponent field of bits b < hi, tested on the magnitude shifted left (no
        shift right and mask: two instructions fewer in every hot FP op's check)."""
        shift = self.F.fbits + 1
        if lo == 0:
            return self.icmp("ult", self.mag2(b), self.F.lit(hi << shift))
        return self.in_range(self.mag2(b), lo << shift, hi << shift)

    def in_range(self, x: str, lo: int, hi: int) -> str:
        """lo <= x < hi, unsigned."""
        return self.icmp("ult", self(f"sub {self.F.it} {x}, {self.F.lit(lo)}"),
                         self.F.lit(hi - lo))

    def neg(self, b: str) -> str:
        return self.icmp("slt", b, 0)

    def mag2(self, b: str) -> str:
        return self(f"shl {self.F.it} {b}, 1")          # the magnitude, shifted left

    def zero(self, b: str) -> str:
        return self.icmp("eq", self.mag2(b), 0)

    def finite(self, b: str) -> str:
        return self.icmp("ult", self.mag2(b), self.F.lit(2 * self.F.inf))

    def is_inf(self, b: str) -> str:
        return self.icmp("eq", self.mag2(b), self.F.lit(2 * self.F.inf))

    def finite_nonzero(self, b: str) -> str:
        return self.in_range(self.mag2(b), 1, 2 * self.F.inf)

    def is_nan(self, b: str) -> str:
        return self.icmp("ugt", self.mag2(b), self.F.lit(2 * self.F.inf))

    def is_snan(self, b: str) -> str:
        F = self.F
        return self.in_range(self.mag2(b), 2 * F.inf + 2, 2 * (F.inf | F.quiet))

    def subnormal(self, b: str) -> str:
        return self.in_range(self.mag2(b), 1, 2 << self.F.fbits)

    def quiet(self, b: str) -> str:
        """b with its quiet bit set (a signalling NaN quietened)."""
        return self(f"or {self.F.it} {b}, {self.F.lit(self.F.quiet)}")

    def sign_of(self, b: str) -> str:
        """The zero of b's sign (what FZ makes of a subnormal)."""
        return self(f"and {self.F.it} {b}, {self.F.lit(self.F.sign)}")

    def value(self, b: str) -> str:
        return self(f"bitcast {self.F.it} {b} to {self.F.ft}")

    def canonical(self, b: str) -> str:
        """b, or the canonical NaN if b is a NaN."""
        return self.select(self.is_nan(b), self.F.it, self.F.lit(self.F.inf | self.F.quiet), b)

    # -- float arithmetic --------------------------------------------------------------------------
    def fop(self, name: str, a: str, b: str) -> str:
        return self(f"{name} {self.F.ft} {a}, {b}")

    def fneg(self, a: str) -> str:
        return self(f"fneg {self.F.ft} {a}")

    def call(self, fn: str, *args: str) -> str:
        ft = self.F.ft
        return self(f"call {ft} @llvm.{fn}.f{self.F.width}({', '.join(f'{ft} {a}' for a in args)})")

    def wide(self, x: str) -> str:
        """x in binary64, where binary32 products, remainders and roots are exact."""
        return x if self.F is DOUBLE else self(f"fpext float {x} to double")

    def two_sum(self, a: str, b: str, s: str | None = None) -> tuple[str, str]:
        """s = a + b rounded (unless given), and its exact error (TwoSum, no precondition)."""
        s = s or self.fop("fadd", a, b)
        bv = self.fop("fsub", s, a)
        av = self.fop("fsub", s, bv)
        return s, self.fop("fadd", self.fop("fsub", a, av), self.fop("fsub", b, bv))

    def err(self, e: str) -> tuple[str, str]:
        """(inexact, exact value below the result) from an error e = exact - result."""
        return self(f"fcmp une {self.F.ft} {e}, 0.0"), self.neg(self.bits(e))


class Mode:
    """The rounding-mode operand: a constant (a static mode) or an i64 value (a dynamic one)."""

    def __init__(self, em: Emit, text: str, const: int | None = None):
        self.em, self.text, self.const = em, text, const

    def is_(self, mode: int) -> str:
        if self.const is not None:
            return "true" if self.const == mode else "false"
        return self.em(f"icmp eq i64 {self.text}, {mode}")


def round_up(em: Emit, rm: Mode, neg: str, keep: str, rest: str) -> str:
    """Whether a significand `keep` rounds away from zero: `rest` (i64) holds the discarded
    bits, left-aligned (half an ulp is bit 63); neg is the sign."""
    half = int_literal(1 << 63, 64)
    inexact = em(f"icmp ne i64 {rest}, 0")
    choices = {
        RM_RNE: lambda: em.or_(em(f"icmp ugt i64 {rest}, {half}"),
                               em.and_(em(f"icmp eq i64 {rest}, {half}"),
                                       em(f"trunc i64 {keep} to i1"))),
        RM_RTZ: lambda: "false",
        RM_RDN: lambda: em.and_(neg, inexact),
        RM_RUP: lambda: em.and_(em.not_(neg), inexact),
        RM_RMM: lambda: em(f"icmp uge i64 {rest}, {half}"),
    }
    if rm.const is not None:
        return choices.get(rm.const, choices[RM_RNE])()
    out = choices[RM_RNE]()
    for mode in (RM_RTZ, RM_RDN, RM_RUP, RM_RMM):
        out = em.select(rm.is_(mode), "i1", choices[mode](), out)
    return out
