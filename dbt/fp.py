"""Bit-exact IEEE-754 binary32/binary64 arithmetic for the IR's floating-point ops.

Values are raw bit patterns (Python ints); every op is a pure function returning
``(result, flags)``.  With a bare rounding mode the behaviour is the RISC-V F/D
extensions' (SoftFloat's RISC-V ``specialize``): any NaN result is the canonical NaN, a
signalling NaN operand raises NV, tininess is detected after rounding, and UF needs a tiny
AND inexact result. A mode may carry the bits of :mod:`dbt.fp_convert` above the rounding
mode (DN, FZ, PROPAGATE, TINY_BEFORE, NAN_TO_ZERO: Arm's rules); such a mode takes the slow
path. min/max take a mode of their own: 0 is minimumNumber (RISC-V), PROPAGATE a NaN
operand's NaN (Arm FMIN/FMAX), MIN_NUM a quiet NaN losing to a number (Arm FMINNM/FMAXNM).

Each arithmetic op has two paths:

* a fast path for the common case (RNE, finite operands, normal result) on host floats:
  binary64 ops are the host's (correctly rounded, round-to-nearest-even) with an exact
  test for NX; binary32 ops are computed in double and rounded to single by ``struct``
  (correct for + - * / sqrt since 53 >= 2*24 + 2);
* an exact slow path (``*_slow``, also in :data:`SLOW_OPS`) on integer significands that
  hands the exact value (or a truncated one with a sticky bit) to
  :func:`dbt.fp_convert.round_pack`.  The fast path falls back to it whenever it cannot
  be sure of the result.

Formats are the ints ``F32 = 0`` and ``F64 = 1`` (RISC-V's ``fmt``; the code tests
``if fmt:``), and ``F16 = 2`` for ``convert`` alone; rounding modes ``RNE RTZ RDN RUP RMM``
= 0..4; flags ``NV DZ OF UF NX`` = 16 8 4 2 1; all as RISC-V encodes them.  Operands must be
``width``-bit patterns (NaN-boxing is the frontend's business).  The ops, also in
:data:`OPS` by name:

    add(fmt, a, b, rm)  sub  mul  div      -> (bits, flags)
    sqrt(fmt, a, rm)                       -> (bits, flags)
    fma(fmt, a, b, c, rm)                  -> (bits, flags)    a*b + c, one rounding
    fmin(fmt, a, b, mode=0)  fmax          -> (bits, flags)    OPS 'min' / 'max'
    eq(fmt, a, b, mode=0)  lt  le          -> (0 or 1, flags)
    classify(fmt, a)                       -> (10-bit one-hot mask, 0)
    to_int(fmt, a, rm, width, signed)      -> (unsigned width-bit pattern, flags)
    from_int(fmt, value, width, signed, rm) -> (bits, flags)
    convert(from_fmt, to_fmt, a, rm)       -> (bits, flags)
"""

import math
import struct

from dbt.fp_convert import (
    F32, F64, F16, FORMATS, Format, RNE, RTZ, RDN, RUP, RMM, ROUNDING_MODES,
    NV, DZ, OF, UF, NX, ID, FINITE, INF, QNAN, SNAN,
    RM_BITS, DN, FZ, PROPAGATE, TINY_BEFORE, NAN_TO_ZERO,
    decode, flush, nan_of, nan_result, round_pack, convert, from_int, to_int,
)

__all__ = [
    'F32', 'F64', 'F16', 'FORMATS', 'Format', 'RNE', 'RTZ', 'RDN', 'RUP', 'RMM',
    'ROUNDING_MODES',
    'NV', 'DZ', 'OF', 'UF', 'NX', 'ID', 'FINITE', 'INF', 'QNAN', 'SNAN',
    'RM_BITS', 'DN', 'FZ', 'PROPAGATE', 'TINY_BEFORE', 'NAN_TO_ZERO', 'MIN_NUM',
    'decode', 'round_pack', 'OPS', 'SLOW_OPS',
    'add', 'sub', 'mul', 'div', 'sqrt', 'fma', 'fmin', 'fmax', 'eq', 'lt', 'le', 'classify',
    'to_int', 'from_int', 'convert',
    'add_slow', 'sub_slow', 'mul_slow', 'div_slow', 'sqrt_slow', 'fma_slow',
]

_pack_2Q, _unpack_2d = struct.Struct('<2Q').pack, struct.Struct('<2d').unpack
_pack_3Q, _unpack_3d = struct.Struct('<3Q').pack, struct.Struct('<3d').unpack
_pack_2I, _unpack_2f = struct.Struct('<2I').pack, struct.Struct('<2f').unpack
_pack_3I, _unpack_3f = struct.Struct('<3I').pack, struct.Struct('<3f').unpack
_pack_Q, _unpack_d = struct.Struct('<Q').pack, struct.Struct('<d').unpack
_pack_I, _unpack_f = struct.Struct('<I').pack, struct.Struct('<f').unpack
_pack_d, _pack_f = struct.Struct('<d').pack, struct.Struct('<f').pack
_from_bytes = int.from_bytes
_sqrt, _isqrt, _fsum = math.sqrt, math.isqrt, math.fsum

_DBL_MAX = 1.7976931348623157e308
_DBL_MIN = 2.2250738585072014e-308           # 2**-1022, smallest normal
_FLT_MAX = 3.4028234663852886e38
_FLT_MIN = 1.1754943508222875e-38            # 2**-126
_EXP64 = 0x7FF0000000000000
_FRAC64 = (1 << 52) - 1
_HID64 = 1 << 52
_LOW52, _LOW53 = (1 << 52) - 1, (1 << 53) - 1
_SPLIT = 134217729.0                         # 2**27 + 1, Veltkamp's splitter


# ---------------------------------------------------------------------------------------
# add / sub
# ---------------------------------------------------------------------------------------

def add(fmt, a, b, rm):
    """a + b."""
    if rm == RNE:
        if fmt:
            x, y = _unpack_2d(_pack_2Q(a, b))
            r = x + y
            if -_DBL_MAX <= r <= _DBL_MAX:    # finite (a subnormal sum is exact)
                # Exact iff both error-free differences hold (Fast2Sum on the larger).
                return (_from_bytes(_pack_d(r), 'little'),
                        0 if r - x == y and r - y == x else NX)
        else:
            x, y = _unpack_2f(_pack_2I(a, b))
            r = x + y
            if -_FLT_MAX <= r <= _FLT_MAX:
                p = _pack_f(r)
                return (_from_bytes(p, 'little'),
                        0 if _unpack_f(p)[0] == r and r - x == y and r - y == x else NX)
    return add_slow(fmt, a, b, rm)


def sub(fmt, a, b, rm):
    """a - b."""
    if rm == RNE:
        if fmt:
            x, y = _unpack_2d(_pack_2Q(a, b))
            r = x - y
            if -_DBL_MAX <= r <= _DBL_MAX:
                return (_from_bytes(_pack_d(r), 'little'),
                        0 if x - r == y and r + y == x else NX)
        else:
            x, y = _unpack_2f(_pack_2I(a, b))
            r = x - y
            if -_FLT_MAX <= r <= _FLT_MAX:
                p = _pack_f(r)
                return (_from_bytes(p, 'little'),
                        0 if _unpack_f(p)[0] == r and x - r == y and r + y == x else NX)
    return sub_slow(fmt, a, b, rm)


def _flushing(slow):
    """A slow path that flushes subnormal operands first under FZ (flag ID)."""
    def op(fmt, *args):
        rm = args[-1]
        if rm <= RM_BITS or not rm & FZ:
            return slow(fmt, *args)
        F, flags, operands = FORMATS[fmt], 0, []
        for a in args[:-1]:
            a, more = flush(F, a)
            operands.append(a)
            flags |= more
        bits, more = slow(fmt, *operands, rm)
        return bits, flags | more
    op.__name__, op.__doc__ = slow.__name__, slow.__doc__
    return op


@_flushing
def add_slow(fmt, a, b, rm):
    F = FORMATS[fmt]
    sa, ma, ea, ka = decode(F, a)
    sb, mb, eb, kb = decode(F, b)
    if ka or kb:
        if ka >= QNAN or kb >= QNAN:
            return nan_of(F, rm, (a, ka), (b, kb))
        if ka == kb == INF and sa != sb:
            return F.qnan, NV                 # inf - inf
        return ((sa if ka == INF else sb) << (F.width - 1)) | F.inf, 0
    return _exact_sum(F, sa, ma, ea, sb, mb, eb, rm)


def sub_slow(fmt, a, b, rm):
    F = FORMATS[fmt]
    if a & F.mag > F.inf or b & F.mag > F.inf:
        return add_slow(fmt, a, b, rm)        # a NaN result: of the operands as they are
    return add_slow(fmt, a, b ^ F.sign, rm)


def _exact_sum(F, sa, ma, ea, sb, mb, eb, rm):
    """Round (-1)**sa*ma*2**ea + (-1)**sb*mb*2**eb, with IEEE's signs of zero sums."""
    if not ma or not mb:
        if ma:
            return round_pack(F, sa, ma, ea, rm)
        if mb:
            return round_pack(F, sb, mb, eb, rm)
        sign = sa if sa == sb else int(rm & RM_BITS == RDN)
        return sign << (F.width - 1), 0
    if ea > eb:
        ma <<= ea - eb
        ea = eb
    else:
        mb <<= eb - ea
    v = (-ma if sa else ma) + (-mb if sb else mb)
    if not v:                                 # exact cancellation: +0, or -0 in RDN
        return int(rm & RM_BITS == RDN) << (F.width - 1), 0
    return round_pack(F, v < 0, abs(v), ea, rm)


# ---------------------------------------------------------------------------------------
# mul / div / sqrt
# ---------------------------------------------------------------------------------------

def mul(fmt, a, b, rm):
    """a * b."""
    if rm == RNE:
        if fmt:
            x, y = _unpack_2d(_pack_2Q(a, b))
            r = x * y
            if _DBL_MIN < abs(r) <= _DBL_MAX and a & _EXP64 and b & _EXP64:
                # Normal operands: exact iff the bits of ma*mb below its top 53 are 0.
                # The low 52 bits of ma*mb are those of fa*fb (the hidden bits drop
                # out): a cheap test that settles the common, inexact case.
                if (a & _FRAC64) * (b & _FRAC64) & _LOW52:
                    return _from_bytes(_pack_d(r), 'little'), NX
                p = ((a & _FRAC64) | _HID64) * ((b & _FRAC64) | _HID64)
                return (_from_bytes(_pack_d(r), 'little'),
                        NX if p >> 105 and p & _LOW53 else 0)
        else:
            x, y = _unpack_2f(_pack_2I(a, b))
            r = x * y                         # exact: 24 + 24 bits, no under/overflow
            if _FLT_MIN < abs(r) <= _FLT_MAX or r == 0.0:
                p = _pack_f(r)
                return _from_bytes(p, 'little'), (0 if _unpack_f(p)[0] == r else NX)
    return mul_slow(fmt, a, b, rm)


@_flushing
def mul_slow(fmt, a, b, rm):
    F = FORMATS[fmt]
    sa, ma, ea, ka = decode(F, a)
    sb, mb, eb, kb = decode(F, b)
    sign = sa ^ sb
    if ka or kb:
        if ka >= QNAN or kb >= QNAN:
            return nan_of(F, rm, (a, ka), (b, kb))
        if (ka == FINITE and not ma) or (kb == FINITE and not mb):
            return F.qnan, NV                 # inf * 0
        return (sign << (F.width - 1)) | F.inf, 0
    if not ma or not mb:
        return sign << (F.width - 1), 0
    return round_pack(F, sign, ma * mb, ea + eb, rm)


def div(fmt, a, b, rm):
    """a / b."""
    if rm == RNE:
        if fmt:
            if a & _EXP64 and b & _EXP64:     # no zero or subnormal operand
                x, y = _unpack_2d(_pack_2Q(a, b))
                r = x / y
                if _DBL_MIN < abs(r) <= _DBL_MAX:
                    # ma/mb (53-bit significands) is exact iff mb's odd part divides ma,
                    # i.e. divides ma * 2**52; an odd mb can only divide ma == mb.
                    if b & 1:
                        nx = NX if (a ^ b) & _FRAC64 else 0
                    else:
                        ma = (a & _FRAC64) | _HID64
                        nx = NX if (ma << 52) % ((b & _FRAC64) | _HID64) else 0
                    return _from_bytes(_pack_d(r), 'little'), nx
        else:
            x, y = _unpack_2f(_pack_2I(a, b))
            if y:
                r = x / y
                if _FLT_MIN < abs(r) <= _FLT_MAX:
                    p = _pack_f(r)
                    r = _unpack_f(p)[0]
                    return _from_bytes(p, 'little'), (0 if r * y == x else NX)
    return div_slow(fmt, a, b, rm)


@_flushing
def div_slow(fmt, a, b, rm):
    F = FORMATS[fmt]
    sa, ma, ea, ka = decode(F, a)
    sb, mb, eb, kb = decode(F, b)
    sign = sa ^ sb
    if ka or kb:
        if ka >= QNAN or kb >= QNAN:
            return nan_of(F, rm, (a, ka), (b, kb))
        if ka == INF:
            if kb == INF:
                return F.qnan, NV             # inf / inf
            return (sign << (F.width - 1)) | F.inf, 0
        return sign << (F.width - 1), 0       # finite / inf
    if not mb:
        if not ma:
            return F.qnan, NV                 # 0 / 0
        return (sign << (F.width - 1)) | F.inf, DZ
    if not ma:
        return sign << (F.width - 1), 0
    # Quotient with at least prec + 2 bits, and a sticky lsb for a nonzero remainder.
    k = F.prec + 2 + mb.bit_length() - ma.bit_length()
    if k < 0:
        k = 0
    q, r = divmod(ma << k, mb)
    return round_pack(F, sign, (q << 1) | (r != 0), ea - eb - k - 1, rm)


def sqrt(fmt, a, rm):
    """Square root of a."""
    if rm == RNE:
        if fmt:
            if 0 < (a >> 52) < 0x7FF:         # positive normal
                rb = _from_bytes(_pack_d(_sqrt(_unpack_d(_pack_Q(a))[0])), 'little')
                # Exact iff mr**2 == ma * 2**s; s is 52 or 53 for 53-bit significands.
                mr = (rb & _FRAC64) | _HID64
                ma = (a & _FRAC64) | _HID64
                sq = mr * mr
                return rb, (0 if sq == ma << 52 or sq == ma << 53 else NX)
        elif 0 < a < 0x7F800000:              # positive finite nonzero
            x = _unpack_f(_pack_I(a))[0]
            p = _pack_f(_sqrt(x))
            r = _unpack_f(p)[0]
            return _from_bytes(p, 'little'), (0 if r * r == x else NX)
    return sqrt_slow(fmt, a, rm)


@_flushing
def sqrt_slow(fmt, a, rm):
    F = FORMATS[fmt]
    sign, m, e, kind = decode(F, a)
    if kind >= QNAN:
        return nan_of(F, rm, (a, kind))
    if kind == FINITE and not m:
        return a, 0                           # sqrt(-0) = -0
    if sign:
        return F.qnan, NV
    if kind == INF:
        return a, 0
    if e & 1:
        m <<= 1
        e -= 1
    sh = 2 * (F.prec + 3) - m.bit_length()    # root with at least prec + 2 bits
    if sh < 0:
        sh = 0
    sh += sh & 1                              # keep the exponent even
    m <<= sh
    e -= sh
    r = _isqrt(m)
    return round_pack(F, 0, (r << 1) | (m != r * r), (e >> 1) - 1, rm)


# ---------------------------------------------------------------------------------------
# fused multiply-add
# ---------------------------------------------------------------------------------------

def fma(fmt, a, b, c, rm):
    """a * b + c with a single rounding.  (fmsub/fnmadd/fnmsub: flip the signs first.)"""
    if rm == RNE:
        r = _fma64_rne(a, b, c) if fmt else _fma32_rne(a, b, c)
        if r is not None:
            return r
    return fma_slow(fmt, a, b, c, rm)


def _fma32_rne(a, b, c):
    x, y, z = _unpack_3f(_pack_3I(a, b, c))
    p = x * y                                 # exact in double
    r = p + z
    if _FLT_MIN < abs(r) <= _FLT_MAX:
        if r - p == z and r - z == p:         # the double sum is exact
            exact = True
        elif _from_bytes(_pack_d(r), 'little') & 0x1FFFFFFF == 0x10000000:
            return None                       # r is a binary32 tie: double rounding
        else:
            exact = False
        q = _pack_f(r)
        return _from_bytes(q, 'little'), (0 if exact and _unpack_f(q)[0] == r else NX)
    return None


def _fma64_rne(a, b, c):
    # |a|, |b| in [2**-480, 2**481) and |c| < 2**1023: Dekker's product is exact (no
    # overflow in the split, no underflow in the low parts) and fsum cannot overflow.
    if (543 <= (a >> 52) & 0x7FF < 1504 and 543 <= (b >> 52) & 0x7FF < 1504
            and (c >> 52) & 0x7FF < 0x7FE):
        x, y, z = _unpack_3d(_pack_3Q(a, b, c))
        p = x * y
        t = x * _SPLIT
        xh = t - (t - x)
        xl = x - xh
        t = y * _SPLIT
        yh = t - (t - y)
        yl = y - yh
        pe = ((xh * yh - p) + xh * yl + xl * yh) + xl * yl    # p + pe == x * y
        r = _fsum((p, pe, z))                 # exact sum rounded once (half-even)
        if _DBL_MIN < abs(r):
            return (_from_bytes(_pack_d(r), 'little'),
                    NX if _fsum((p, pe, z, -r)) else 0)
    return None


@_flushing
def fma_slow(fmt, a, b, c, rm):
    F = FORMATS[fmt]
    sa, ma, ea, ka = decode(F, a)
    sb, mb, eb, kb = decode(F, b)
    sc, mc, ec, kc = decode(F, c)
    sp = sa ^ sb
    if rm & PROPAGATE and (ka >= QNAN or kb >= QNAN or kc >= QNAN):
        if kc == QNAN and ka < QNAN and kb < QNAN and (
                ka == INF and kb == FINITE and not mb or kb == INF and ka == FINITE and not ma):
            return F.qnan, NV                 # inf * 0 + a quiet NaN: invalid
        return nan_of(F, rm, (c, kc), (a, ka), (b, kb))
    if ka or kb or kc:
        if ka >= QNAN or kb >= QNAN:
            return F.qnan, nan_result(ka, kb, kc)
        if ka == INF or kb == INF:
            if (ka == FINITE and not ma) or (kb == FINITE and not mb):
                return F.qnan, NV             # inf * 0, even when c is a quiet NaN
            if kc >= QNAN:
                return F.qnan, nan_result(kc)
            if kc == INF and sc != sp:
                return F.qnan, NV             # inf - inf
            return (sp << (F.width - 1)) | F.inf, 0
        if kc >= QNAN:
            return F.qnan, nan_result(kc)
        return c, 0                           # finite * finite + inf
    return _exact_sum(F, sp, ma * mb, ea + eb, sc, mc, ec, rm)


# ---------------------------------------------------------------------------------------
# min / max, comparisons, classify
# ---------------------------------------------------------------------------------------

def _is_snan(F, a):
    return (a & F.mag) > F.inf and not a & F.quiet


def _before(F, a, b):
    """a < b for non-NaN bit patterns, with -0 < +0."""
    sa = a >> (F.width - 1)
    if sa != b >> (F.width - 1):
        return sa == 1
    return a > b if sa else a < b


MIN_NUM = 256                                # min/max mode: Arm's FMINNM/FMAXNM (see above)


def fmin(fmt, a, b, mode=0):
    """minimum: by `mode` (module doc), minimumNumber (RISC-V fmin) by default."""
    return _min_max(FORMATS[fmt], a, b, mode, True)


def fmax(fmt, a, b, mode=0):
    """maximum: by `mode` (module doc), maximumNumber (RISC-V fmax) by default."""
    return _min_max(FORMATS[fmt], a, b, mode, False)


def _min_max(F, a, b, mode, is_min):
    a, b, flags = _flush2(F, a, b) if mode & FZ else (a, b, 0)
    if (a & F.mag) > F.inf or (b & F.mag) > F.inf:
        bits, more = _nan_min_max(F, a, b, mode, F.inf if is_min else F.sign | F.inf)
        return bits, flags | more
    return (a if _before(F, a, b) == is_min else b), flags


def _flush2(F, a, b):
    """FZ on two operands: (a, b, flags)."""
    a, fa = flush(F, a)
    b, fb = flush(F, b)
    return a, b, fa | fb


def _nan_min_max(F, a, b, mode, loser):
    """min/max with a NaN operand; `loser` is the infinity a quiet NaN stands for under
    MIN_NUM (Arm's FPMinNum: +inf for min, -inf for max, so a number wins over one quiet
    NaN)."""
    ka = SNAN if _is_snan(F, a) else QNAN if (a & F.mag) > F.inf else FINITE
    kb = SNAN if _is_snan(F, b) else QNAN if (b & F.mag) > F.inf else FINITE
    if mode & MIN_NUM:
        if ka == QNAN and kb != QNAN:
            a, ka = loser, INF
        elif kb == QNAN and ka != QNAN:
            b, kb = loser, INF
        if ka < QNAN and kb < QNAN:           # (a number and the stand-in infinity)
            return (a if (loser == F.inf) == _before(F, a, b) else b), 0
    if mode & (PROPAGATE | MIN_NUM):
        return nan_of(F, mode | PROPAGATE, (a, ka), (b, kb))
    flags = NV if ka == SNAN or kb == SNAN else 0
    if ka >= QNAN and kb >= QNAN:
        return F.qnan, flags
    return (b if ka >= QNAN else a), flags


def eq(fmt, a, b, mode=0):
    """Quiet equality: (1 or 0, flags); NV only for a signalling NaN."""
    F = FORMATS[fmt]
    a, b, flags = _flush2(F, a, b) if mode & FZ else (a, b, 0)
    if (a & F.mag) > F.inf or (b & F.mag) > F.inf:
        return 0, flags | (NV if _is_snan(F, a) or _is_snan(F, b) else 0)
    return (1 if a == b or not (a | b) & F.mag else 0), flags


def lt(fmt, a, b, mode=0):
    """Signalling a < b: (1 or 0, flags); NV for any NaN."""
    F = FORMATS[fmt]
    a, b, flags = _flush2(F, a, b) if mode & FZ else (a, b, 0)
    if (a & F.mag) > F.inf or (b & F.mag) > F.inf:
        return 0, flags | NV
    if not (a | b) & F.mag:
        return 0, flags                       # +0 and -0 are equal
    return (1 if _before(F, a, b) else 0), flags


def le(fmt, a, b, mode=0):
    """Signalling a <= b: (1 or 0, flags); NV for any NaN."""
    F = FORMATS[fmt]
    a, b, flags = _flush2(F, a, b) if mode & FZ else (a, b, 0)
    if (a & F.mag) > F.inf or (b & F.mag) > F.inf:
        return 0, flags | NV
    if not (a | b) & F.mag:
        return 1, flags
    return (0 if _before(F, b, a) else 1), flags


# classify bits: 0 -inf, 1 -normal, 2 -subnormal, 3 -0, 4 +0, 5 +subnormal, 6 +normal,
# 7 +inf, 8 signalling NaN, 9 quiet NaN.
def classify(fmt, a):
    """One-hot 10-bit class mask, as RISC-V fclass: (mask, 0)."""
    F = FORMATS[fmt]
    neg = a >> (F.width - 1)
    mag = a & F.mag
    if mag > F.inf:
        return (1 << 9 if mag & F.quiet else 1 << 8), 0
    if mag == F.inf:
        return (1 if neg else 1 << 7), 0
    if mag >= F.hidden:
        return (1 << 1 if neg else 1 << 6), 0
    if mag:
        return (1 << 2 if neg else 1 << 5), 0
    return (1 << 3 if neg else 1 << 4), 0


OPS = {
    'add': add, 'sub': sub, 'mul': mul, 'div': div, 'sqrt': sqrt, 'fma': fma,
    'min': fmin, 'max': fmax, 'eq': eq, 'lt': lt, 'le': le, 'classify': classify,
    'to_int': to_int, 'from_int': from_int, 'convert': convert,
}

# The exact paths alone, same signatures (tests compare them with the fast ones).
SLOW_OPS = {
    'add': add_slow, 'sub': sub_slow, 'mul': mul_slow, 'div': div_slow,
    'sqrt': sqrt_slow, 'fma': fma_slow,
}
