"""IEEE-754 kernel shared by the FP ops, and the conversions.

This module is the lower half of :mod:`dbt.fp` (which is the public entry point and
re-exports everything here).  It owns

* the two formats and their derived constants (:data:`F32`, :data:`F64`, :data:`FORMATS`),
* the rounding-mode and flag encodings (the IR's: RISC-V's ``frm`` and ``fflags``), and the
  mode bits above the rounding mode that select the rules other ISAs follow (below),
* :func:`decode` (bits -> sign, integer significand, exponent, kind),
* :func:`round_pack`, the single exact rounding routine used by every op in every mode:
  it takes an exact value ``(-1)**sign * m * 2**e`` and returns ``(bits, flags)``,
* the conversions ``to_int``, ``from_int`` and ``convert``.

Values are raw bit patterns (Python ints); every function returns ``(bits, flags)``.
With a bare rounding mode the behaviour is RISC-V's (Berkeley SoftFloat's RISC-V
``specialize``): NaN results are the canonical NaN, tininess is detected after rounding,
float->int conversions saturate and NaN converts to the largest integer. A mode is the
rounding mode ORed with these bits (Arm's rules, from its pseudocode FPProcessNaN(s),
FPUnpack, FPRound and FPToFixed):

* ``DN`` (FPCR.DN) any NaN result is the canonical ("default") NaN, even under PROPAGATE;
* ``FZ`` (FPCR.FZ) a subnormal operand counts as a zero of its sign (flag ``ID``), and a
  result below 2**emin before rounding becomes a zero of its sign (flag ``UF`` alone);
* ``PROPAGATE`` a NaN result is the first signalling NaN operand, quietened, else the first
  quiet NaN operand (fma: the addend first), else (an invalid operation) the canonical NaN;
* ``TINY_BEFORE`` tininess is detected before rounding;
* ``NAN_TO_ZERO`` float -> int converts a NaN to 0.
"""

import math
import struct

# Formats are small ints (RISC-V's ``fmt`` field: 0 = S, 1 = D); FORMATS[fmt] holds
# the parameters.  Code tests ``if fmt:`` for binary64.
F32 = 0
F64 = 1
F16 = 2            # binary16: conversions only (`convert`), no arithmetic

# Rounding modes (RISC-V ``frm``).
RNE, RTZ, RDN, RUP, RMM = 0, 1, 2, 3, 4
ROUNDING_MODES = (RNE, RTZ, RDN, RUP, RMM)

# Exception flags (RISC-V ``fflags``), and Arm's input-denormal flag (FPSR.IDC) above them.
NV, DZ, OF, UF, NX = 16, 8, 4, 2, 1
ID = 32

# Mode bits above the rounding mode (see the module doc).
RM_BITS = 7
DN, FZ, PROPAGATE, TINY_BEFORE, NAN_TO_ZERO = 8, 16, 32, 64, 128

# Kinds returned by decode().
FINITE, INF, QNAN, SNAN = 0, 1, 2, 3


class Format:
    """Constants of one binary interchange format."""

    __slots__ = ('name', 'width', 'ebits', 'fbits', 'prec', 'bias', 'emin', 'emax',
                 'qmin', 'qmax', 'sign', 'mag', 'emask', 'fmask', 'hidden', 'inf',
                 'qnan', 'quiet', 'max_finite')

    def __init__(self, name, ebits, fbits):
        self.name = name
        self.ebits, self.fbits = ebits, fbits
        self.width = 1 + ebits + fbits
        self.prec = fbits + 1                  # p, hidden bit included
        self.bias = (1 << (ebits - 1)) - 1
        self.emin, self.emax = 1 - self.bias, self.bias
        self.qmin = self.emin - fbits          # exponent of the lsb of a subnormal
        self.qmax = self.emax - fbits          # exponent of the lsb of the largest binade
        self.sign = 1 << (self.width - 1)
        self.mag = self.sign - 1               # every bit but the sign
        self.emask = (1 << ebits) - 1          # exponent field, unshifted
        self.fmask = (1 << fbits) - 1
        self.hidden = 1 << fbits
        self.inf = self.emask << fbits
        self.quiet = 1 << (fbits - 1)
        self.qnan = self.inf | self.quiet      # RISC-V canonical NaN
        self.max_finite = self.inf - 1

    def __repr__(self):
        return f'Format({self.name})'


FORMATS = (Format('f32', 8, 23), Format('f64', 11, 52), Format('f16', 5, 10))


def decode(F, a):
    """Split bits ``a`` of format ``F`` into ``(sign, m, e, kind)``.

    For FINITE values the magnitude is ``m * 2**e`` (``m == 0`` for zeros); for the other
    kinds ``m`` and ``e`` are meaningless.
    """
    sign = a >> (F.width - 1)
    ef = (a >> F.fbits) & F.emask
    frac = a & F.fmask
    if ef == F.emask:
        if not frac:
            return sign, 0, 0, INF
        return sign, 0, 0, (QNAN if frac & F.quiet else SNAN)
    if ef:
        return sign, frac | F.hidden, ef - F.bias - F.fbits, FINITE
    return sign, frac, F.qmin, FINITE


def nan_result(*kinds):
    """Flags of an op whose result is the canonical NaN: NV iff an operand is a sNaN."""
    return NV if SNAN in kinds else 0


def nan_of(F, mode, *operands):
    """(bits, flags) of an op whose result is a NaN: `operands` are its ``(bits, kind)`` in
    the order of precedence; the canonical NaN unless the mode PROPAGATEs (and not DN)."""
    flags = 0
    for _, kind in operands:
        if kind == SNAN:
            flags = NV
    if mode & (PROPAGATE | DN) == PROPAGATE:
        for bits, kind in operands:
            if kind == SNAN:
                return bits | F.quiet, flags
        for bits, kind in operands:
            if kind == QNAN:
                return bits, flags
    return F.qnan, flags


def flush(F, a):
    """FZ on an operand: (a subnormal becomes a zero of its sign, flags: ID if it did)."""
    if a & F.mag < F.hidden and a & F.mag:
        return a & F.sign, ID
    return a, 0


def round_up(rm, sign, odd, rem, half):
    """Whether a magnitude with nonzero discarded part ``rem`` (``half`` = one half ulp)
    rounds away from zero in mode ``rm``; ``odd`` is the lsb of the kept part."""
    if rm == RNE:
        return rem > half or (rem == half and odd)
    if rm == RTZ:
        return False
    if rm == RDN:
        return sign
    if rm == RUP:
        return not sign
    if rm == RMM:
        return rem >= half
    raise ValueError(f'invalid rounding mode {rm}')


def overflow(F, sign, rm):
    """Result of an overflow: infinity or the largest finite value, by mode and sign."""
    to_inf = rm == RNE or rm == RMM or (rm == RUP and not sign) or (rm == RDN and sign)
    return (sign << (F.width - 1)) | (F.inf if to_inf else F.max_finite), OF | NX


def round_pack(F, sign, m, e, rm):
    """Round ``(-1)**sign * m * 2**e`` (``m > 0``) to format ``F``: ``(bits, flags)``.

    An inexact caller (division, square root) may pass a truncated significand with a
    sticky 1 ORed into its lsb, provided ``m`` has at least ``F.prec + 2`` bits. ``rm`` is
    a mode: the rounding mode, and the FZ and TINY_BEFORE bits apply here.
    """
    top = e + m.bit_length() - 1              # floor(log2(magnitude))
    if rm > RM_BITS:
        if top < F.emin and rm & FZ:
            return sign << (F.width - 1), UF  # flushed before rounding: UF alone
        before = rm & TINY_BEFORE
        rm &= RM_BITS
    else:
        before = 0
    q = top - F.fbits                         # exponent of the result's lsb ...
    if q < F.qmin:
        q = F.qmin                            # ... which is fixed for subnormals
    sh = q - e
    flags = 0
    if sh > 0:
        mr = m >> sh
        rem = m - (mr << sh)
        if rem:
            flags = NX
            if round_up(rm, sign, mr & 1, rem, 1 << (sh - 1)):
                mr += 1
            if top < F.emin and (before or _tiny_after_rounding(F, sign, m, e, top, rm)):
                flags = NX | UF
        if mr >> F.prec:                      # rounding carried into a new binade
            mr >>= 1
            q += 1
    else:
        mr = m << -sh
    if q > F.qmax:
        return overflow(F, sign, rm)
    # Normal: the hidden bit of mr adds the 1 that makes (q - qmin + 1) the biased
    # exponent; subnormal (q == qmin, no hidden bit): the exponent field stays 0.
    return (sign << (F.width - 1)) | (((q - F.qmin) << F.fbits) + mr), flags


def _tiny_after_rounding(F, sign, m, e, top, rm):
    """Tininess after rounding: the value rounded to ``F.prec`` bits with an unbounded
    exponent is below 2**emin.  Only a value in the binade just below can round up."""
    if top < F.emin - 1:
        return True
    sh = top - F.fbits - e                    # >= 2 for any inexact value here
    if sh <= 0:
        return True
    mr = m >> sh
    rem = m - (mr << sh)
    if not rem or mr + 1 != 1 << F.prec:
        return True
    return not round_up(rm, sign, mr & 1, rem, 1 << (sh - 1))


# ---------------------------------------------------------------------------------------
# Conversions
# ---------------------------------------------------------------------------------------

_pack_I = struct.Struct('<I').pack
_pack_Q = struct.Struct('<Q').pack
_pack_f, _unpack_f = struct.Struct('<f').pack, struct.Struct('<f').unpack
_pack_d, _unpack_d = struct.Struct('<d').pack, struct.Struct('<d').unpack
_from_bytes = int.from_bytes
_floor, _ceil = math.floor, math.ceil
_FLT_MAX = 3.4028234663852886e38
_FLT_MIN = 1.1754943508222875e-38             # 2**-126
_TWO64 = 18446744073709551616.0


def _int_range(width, signed):
    if signed:
        return -(1 << (width - 1)), (1 << (width - 1)) - 1
    return 0, (1 << width) - 1


_RANGES = {(w, s): _int_range(w, s) for w in (32, 64) for s in (False, True)}


def to_int(fmt, a, rm, width, signed):
    """Float -> integer of ``width`` bits (32/64), saturating as RISC-V ``fcvt.[w|l][u]``.

    Returns ``(value as an unsigned width-bit pattern, flags)``: NaN gives the maximum and
    +/-inf or an out-of-range rounded value the bound, all with NV only; an in-range
    inexact result raises NX.
    """
    if rm > RM_BITS:
        F, flags = FORMATS[fmt], 0
        if rm & FZ:
            a, flags = flush(F, a)
        if rm & NAN_TO_ZERO and a & F.mag > F.inf:
            return 0, NV
        n, more = to_int(fmt, a, rm & RM_BITS, width, signed)
        return n, flags | more
    lo, hi = _RANGES[width, bool(signed)]
    x = _unpack_d(_pack_Q(a))[0] if fmt else _unpack_f(_pack_I(a))[0]
    if not -_TWO64 < x < _TWO64:              # +/-inf, NaN, or far out of range
        n = hi if x != x or x > 0 else lo
        return n & ((1 << width) - 1), NV
    if rm == RTZ:
        n = int(x)
    elif rm == RNE:
        n = round(x)                          # ties to even, exactly
    elif rm == RDN:
        n = _floor(x)
    elif rm == RUP:
        n = _ceil(x)
    elif rm == RMM:
        t = abs(x)
        n = _floor(t)
        if t - n >= 0.5:                      # exact: t < 1 or t and floor(t) are close
            n += 1
        if x < 0:
            n = -n
    else:
        raise ValueError(f'invalid rounding mode {rm}')
    if n < lo:
        return lo & ((1 << width) - 1), NV
    if n > hi:
        return hi, NV
    return n & ((1 << width) - 1), (0 if n == x else NX)


def from_int(fmt, value, width, signed, rm):
    """Integer (an unsigned ``width``-bit pattern) -> float, rounded by ``rm``."""
    rm &= RM_BITS                             # (no integer rounds to a tiny value)
    n = value & ((1 << width) - 1)
    if signed and n >> (width - 1):
        n -= 1 << width
    if -9007199254740992 <= n <= 9007199254740992:   # |n| <= 2**53: exact as a double
        if fmt:
            return _from_bytes(_pack_d(n), 'little'), 0
        if rm == RNE:
            p = _pack_f(float(n))             # exact double, rounded once to single
            return _from_bytes(p, 'little'), (0 if _unpack_f(p)[0] == n else NX)
    if not n:
        return 0, 0
    return round_pack(FORMATS[fmt], n < 0, abs(n), 0, rm)


def convert(from_fmt, to_fmt, a, rm):
    """Float -> float of another (or the same) format."""
    if rm > RM_BITS:
        return _convert_mode(from_fmt, to_fmt, a, rm)
    if from_fmt == F32 and to_fmt == F64:     # widening: exact
        ef = (a >> 23) & 0xFF
        if 0 < ef < 0xFF:
            return ((a & 0x80000000) << 32) | ((ef + 896) << 52) | ((a & 0x7FFFFF) << 29), 0
    elif from_fmt == F64 and to_fmt == F32 and rm == RNE:
        x = _unpack_d(_pack_Q(a))[0]
        if _FLT_MIN < abs(x) <= _FLT_MAX:
            p = _pack_f(x)
            return _from_bytes(p, 'little'), (0 if _unpack_f(p)[0] == x else NX)
    S, T = FORMATS[from_fmt], FORMATS[to_fmt]
    sign, m, e, kind = decode(S, a)
    if kind == FINITE:
        if not m:
            return sign << (T.width - 1), 0
        return round_pack(T, sign, m, e, rm)
    if kind == INF:
        return (sign << (T.width - 1)) | T.inf, 0
    return T.qnan, nan_result(kind)


def _convert_mode(from_fmt, to_fmt, a, mode):
    """`convert` with mode bits: FZ on the operand and the result, but not on a binary16 one
    (Arm's FPUnpackCV and FPRoundCV ignore it there), a propagated NaN keeps its sign and
    the top of its payload (quietened)."""
    S, T = FORMATS[from_fmt], FORMATS[to_fmt]
    flags = 0
    if mode & FZ and from_fmt != F16:
        a, flags = flush(S, a)
    if to_fmt == F16:
        mode &= ~FZ
    sign, m, e, kind = decode(S, a)
    if kind >= QNAN:
        if mode & (PROPAGATE | DN) != PROPAGATE:
            return T.qnan, flags | nan_result(kind)
        frac = a & S.fmask
        frac = frac << (T.fbits - S.fbits) if T.fbits > S.fbits else frac >> (S.fbits - T.fbits)
        return ((sign << (T.width - 1)) | T.inf | T.quiet | frac,
                flags | nan_result(kind))
    if kind == INF:
        return (sign << (T.width - 1)) | T.inf, flags
    if not m:
        return sign << (T.width - 1), flags
    bits, more = round_pack(T, sign, m, e, mode)
    return bits, flags | more
