"""An independent, slow, exact model of IEEE-754 binary32/binary64 as RISC-V F/D use it.

Written from the definitions, not from dbt/fp.py: a finite operand becomes an exact
``Fraction``; the exact result (a rational, or the square root of one) is rounded by
comparing it with the two neighbouring representable values and their midpoint; flags come
from the definitions (NX: result != exact; tiny: the result rounded with an unbounded
exponent range is below 2**emin; UF: tiny and inexact; OF: that unbounded result exceeds
the largest finite number).  Every function returns ``(bits, flags)``.
"""

from fractions import Fraction
from math import isqrt

RNE, RTZ, RDN, RUP, RMM = range(5)
NV, DZ, OF, UF, NX = 16, 8, 4, 2, 1


class Fmt:
    def __init__(self, ebits, fbits):
        self.ebits, self.fbits = ebits, fbits
        self.width = 1 + ebits + fbits
        self.p = fbits + 1
        self.bias = 2 ** (ebits - 1) - 1
        self.emin, self.emax = 1 - self.bias, self.bias
        self.max_finite = (2 - Fraction(2) ** (1 - self.p)) * Fraction(2) ** self.emax
        self.default_nan = ((2 ** ebits - 1) << fbits) | (1 << (fbits - 1))


FMTS = {0: Fmt(8, 23), 1: Fmt(11, 52)}


# ---- decoding ---------------------------------------------------------------------------

class Val:
    """kind in 'num' (mag may be 0), 'inf', 'qnan', 'snan'; sign 0/1; mag a Fraction."""

    def __init__(self, kind, sign=0, mag=Fraction(0)):
        self.kind, self.sign, self.mag = kind, sign, mag

    @property
    def nan(self):
        return self.kind in ('qnan', 'snan')

    @property
    def signed(self):
        return -self.mag if self.sign else self.mag


def val(fmt, bits):
    F = FMTS[fmt]
    sign = bits >> (F.width - 1)
    biased = (bits >> F.fbits) % 2 ** F.ebits
    frac = bits % 2 ** F.fbits
    if biased == 2 ** F.ebits - 1:
        if frac == 0:
            return Val('inf', sign)
        return Val('qnan' if frac >> (F.fbits - 1) else 'snan', sign)
    if biased == 0:
        mag = Fraction(frac) * Fraction(2) ** (F.emin - F.fbits)
    else:
        mag = (1 + Fraction(frac, 2 ** F.fbits)) * Fraction(2) ** (biased - F.bias)
    return Val('num', sign, mag)


def nv_if_snan(*vals):
    return NV if any(v.kind == 'snan' for v in vals) else 0


# ---- exact magnitudes and rounding -------------------------------------------------------

def ilog2(r):
    """floor(log2(r)) for a positive Fraction."""
    k = r.numerator.bit_length() - r.denominator.bit_length()
    while Fraction(2) ** k > r:
        k -= 1
    while Fraction(2) ** (k + 1) <= r:
        k += 1
    return k


class Rational:
    def __init__(self, r):
        self.r = r

    def floor_div(self, q):
        return (self.r / q).__floor__()

    def cmp(self, t):
        return (self.r > t) - (self.r < t)

    def ilog2(self):
        return ilog2(self.r)


class SqrtOf:
    """The (irrational, in general) square root of a positive Fraction."""

    def __init__(self, r):
        self.r = r

    def floor_div(self, q):
        return isqrt((self.r / (q * q)).__floor__())

    def cmp(self, t):
        return (self.r > t * t) - (self.r < t * t)

    def ilog2(self):
        return ilog2(self.r) // 2


def _to_grid(X, sign, qexp, rm):
    """Round the magnitude X to a multiple of 2**qexp: (Fraction, inexact)."""
    q = Fraction(2) ** qexp
    n = X.floor_div(q)
    lo = n * q
    if X.cmp(lo) == 0:
        return lo, False
    c = X.cmp(lo + q / 2)
    up = {RNE: c > 0 or (c == 0 and n % 2 == 1),
          RTZ: False,
          RDN: bool(sign),
          RUP: not sign,
          RMM: c >= 0}[rm]
    return (lo + q if up else lo), True


def encode(fmt, sign, mag):
    """Bits of a representable magnitude (or of infinity if mag is None)."""
    F = FMTS[fmt]
    s = sign << (F.width - 1)
    if mag is None:
        return s | ((2 ** F.ebits - 1) << F.fbits)
    if mag == 0:
        return s
    if mag < Fraction(2) ** F.emin:
        frac = mag / Fraction(2) ** (F.emin - F.fbits)
        assert frac.denominator == 1
        return s | int(frac)
    k = ilog2(mag)
    sig = mag / Fraction(2) ** (k - F.fbits)
    assert sig.denominator == 1 and 2 ** F.fbits <= sig < 2 ** F.p
    return s | ((k + F.bias) << F.fbits) | (int(sig) - 2 ** F.fbits)


def rnd(fmt, sign, X, rm):
    """Round a positive exact magnitude X with sign into fmt: (bits, flags)."""
    F = FMTS[fmt]
    k = X.ilog2()
    unbounded, _ = _to_grid(X, sign, k - F.p + 1, rm)
    if unbounded > F.max_finite:
        to_inf = {RNE: True, RMM: True, RTZ: False, RDN: bool(sign), RUP: not sign}[rm]
        return encode(fmt, sign, None if to_inf else F.max_finite), OF | NX
    result, inexact = _to_grid(X, sign, max(k, F.emin) - F.p + 1, rm)
    flags = 0
    if inexact:
        flags = NX
        if unbounded < Fraction(2) ** F.emin:
            flags |= UF
    return encode(fmt, sign, result), flags


def rnd_signed(fmt, v, rm):
    """Round a nonzero signed Fraction."""
    return rnd(fmt, int(v < 0), Rational(abs(v)), rm)


def zero(fmt, sign):
    return sign << (FMTS[fmt].width - 1)


def inf(fmt, sign):
    return encode(fmt, sign, None)


# ---- arithmetic -------------------------------------------------------------------------

def _sum(fmt, x, y, rm):
    """x + y of two 'num' Vals (IEEE's zero-sign rules)."""
    s = x.signed + y.signed
    if s != 0:
        return rnd_signed(fmt, s, rm)
    if x.mag == 0 and y.mag == 0 and x.sign == y.sign:
        return zero(fmt, x.sign), 0
    return zero(fmt, 1 if rm == RDN else 0), 0


def add(fmt, a, b, rm):
    x, y = val(fmt, a), val(fmt, b)
    if x.nan or y.nan:
        return FMTS[fmt].default_nan, nv_if_snan(x, y)
    if x.kind == 'inf' and y.kind == 'inf':
        if x.sign != y.sign:
            return FMTS[fmt].default_nan, NV
        return inf(fmt, x.sign), 0
    if x.kind == 'inf' or y.kind == 'inf':
        return inf(fmt, x.sign if x.kind == 'inf' else y.sign), 0
    return _sum(fmt, x, y, rm)


def sub(fmt, a, b, rm):
    return add(fmt, a, b ^ (1 << (FMTS[fmt].width - 1)), rm)


def mul(fmt, a, b, rm):
    x, y = val(fmt, a), val(fmt, b)
    sign = x.sign ^ y.sign
    if x.nan or y.nan:
        return FMTS[fmt].default_nan, nv_if_snan(x, y)
    if 'inf' in (x.kind, y.kind):
        if (x.kind == 'num' and x.mag == 0) or (y.kind == 'num' and y.mag == 0):
            return FMTS[fmt].default_nan, NV
        return inf(fmt, sign), 0
    prod = x.mag * y.mag
    if prod == 0:
        return zero(fmt, sign), 0
    return rnd(fmt, sign, Rational(prod), rm)


def div(fmt, a, b, rm):
    x, y = val(fmt, a), val(fmt, b)
    sign = x.sign ^ y.sign
    if x.nan or y.nan:
        return FMTS[fmt].default_nan, nv_if_snan(x, y)
    if x.kind == 'inf':
        return (FMTS[fmt].default_nan, NV) if y.kind == 'inf' else (inf(fmt, sign), 0)
    if y.kind == 'inf':
        return zero(fmt, sign), 0
    if y.mag == 0:
        return (FMTS[fmt].default_nan, NV) if x.mag == 0 else (inf(fmt, sign), DZ)
    if x.mag == 0:
        return zero(fmt, sign), 0
    return rnd(fmt, sign, Rational(x.mag / y.mag), rm)


def sqrt(fmt, a, rm):
    x = val(fmt, a)
    if x.nan:
        return FMTS[fmt].default_nan, nv_if_snan(x)
    if x.kind == 'num' and x.mag == 0:
        return a, 0
    if x.sign:
        return FMTS[fmt].default_nan, NV
    if x.kind == 'inf':
        return a, 0
    return rnd(fmt, 0, SqrtOf(x.mag), rm)


def fma(fmt, a, b, c, rm):
    x, y, z = val(fmt, a), val(fmt, b), val(fmt, c)
    psign = x.sign ^ y.sign
    nan = FMTS[fmt].default_nan
    zero_times_inf = ((x.kind == 'inf' and y.kind == 'num' and y.mag == 0)
                      or (y.kind == 'inf' and x.kind == 'num' and x.mag == 0))
    if zero_times_inf:                        # RISC-V: NV even if c is a quiet NaN
        return nan, NV
    if x.nan or y.nan or z.nan:
        return nan, nv_if_snan(x, y, z)
    if 'inf' in (x.kind, y.kind):
        if z.kind == 'inf' and z.sign != psign:
            return nan, NV
        return inf(fmt, psign), 0
    if z.kind == 'inf':
        return inf(fmt, z.sign), 0
    return _sum(fmt, Val('num', psign, x.mag * y.mag), z, rm)


# ---- comparisons, min/max, classify -------------------------------------------------------

def _key(v):
    """Ordering with -0 < +0, for min/max."""
    return (v.signed, v.sign == 0)


def _minmax(fmt, a, b, pick_max):
    x, y = val(fmt, a), val(fmt, b)
    flags = nv_if_snan(x, y)
    if x.nan and y.nan:
        return FMTS[fmt].default_nan, flags
    if x.nan or y.nan:
        return (b if x.nan else a), flags
    fx = Fraction(10) ** 400 if x.kind == 'inf' else x.mag
    fy = Fraction(10) ** 400 if y.kind == 'inf' else y.mag
    kx = (-fx if x.sign else fx, x.sign == 0)
    ky = (-fy if y.sign else fy, y.sign == 0)
    if pick_max:
        return (a if kx >= ky else b), flags
    return (a if kx <= ky else b), flags


def fmin(fmt, a, b):
    return _minmax(fmt, a, b, False)


def fmax(fmt, a, b):
    return _minmax(fmt, a, b, True)


def _real(v):
    big = Fraction(10) ** 400
    m = big if v.kind == 'inf' else v.mag
    return -m if v.sign else m


def eq(fmt, a, b):
    x, y = val(fmt, a), val(fmt, b)
    if x.nan or y.nan:
        return 0, nv_if_snan(x, y)
    return int(_real(x) == _real(y)), 0


def lt(fmt, a, b):
    x, y = val(fmt, a), val(fmt, b)
    if x.nan or y.nan:
        return 0, NV
    return int(_real(x) < _real(y)), 0


def le(fmt, a, b):
    x, y = val(fmt, a), val(fmt, b)
    if x.nan or y.nan:
        return 0, NV
    return int(_real(x) <= _real(y)), 0


def classify(fmt, a):
    F = FMTS[fmt]
    x = val(fmt, a)
    if x.kind == 'snan':
        return 1 << 8, 0
    if x.kind == 'qnan':
        return 1 << 9, 0
    if x.kind == 'inf':
        return (1 << 0 if x.sign else 1 << 7), 0
    if x.mag == 0:
        return (1 << 3 if x.sign else 1 << 4), 0
    if x.mag < Fraction(2) ** F.emin:
        return (1 << 2 if x.sign else 1 << 5), 0
    return (1 << 1 if x.sign else 1 << 6), 0


# ---- conversions ---------------------------------------------------------------------------

def _round_to_integer(v, rm):
    """Round a Fraction to an integer in mode rm."""
    lo = v.__floor__()
    if lo == v:
        return lo
    frac = v - lo
    if rm == RTZ:
        return lo if v > 0 else lo + 1
    if rm == RDN:
        return lo
    if rm == RUP:
        return lo + 1
    if frac != Fraction(1, 2):
        return lo + (frac > Fraction(1, 2))
    if rm == RNE:
        return lo + (lo % 2)
    return lo + 1 if v > 0 else lo          # RMM: ties away from zero


def to_int(fmt, a, rm, width, signed):
    lo, hi = (-(2 ** (width - 1)), 2 ** (width - 1) - 1) if signed else (0, 2 ** width - 1)
    x = val(fmt, a)
    if x.nan:
        return hi % 2 ** width, NV
    if x.kind == 'inf':
        return (lo if x.sign else hi) % 2 ** width, NV
    n = _round_to_integer(x.signed, rm)
    if n < lo:
        return lo % 2 ** width, NV
    if n > hi:
        return hi % 2 ** width, NV
    return n % 2 ** width, (NX if n != x.signed else 0)


def from_int(fmt, value, width, signed, rm):
    n = value
    if signed and n >= 2 ** (width - 1):
        n -= 2 ** width
    if n == 0:
        return 0, 0
    return rnd_signed(fmt, Fraction(n), rm)


def convert(from_fmt, to_fmt, a, rm):
    x = val(from_fmt, a)
    if x.nan:
        return FMTS[to_fmt].default_nan, nv_if_snan(x)
    if x.kind == 'inf':
        return inf(to_fmt, x.sign), 0
    if x.mag == 0:
        return zero(to_fmt, x.sign), 0
    return rnd(to_fmt, x.sign, Rational(x.mag), rm)


OPS = {
    'add': add, 'sub': sub, 'mul': mul, 'div': div, 'sqrt': sqrt, 'fma': fma,
    'min': fmin, 'max': fmax, 'eq': eq, 'lt': lt, 'le': le, 'classify': classify,
    'to_int': to_int, 'from_int': from_int, 'convert': convert,
}
