"""A64 Advanced SIMD reciprocal estimates and steps: FRECPE, FRSQRTE, URECPE, URSQRTE,
FRECPX, FRECPS, FRSQRTS (vector and scalar; Arm ARM pseudocode FPRecipEstimate,
FPRSqrtEstimate, RecipEstimate, RecipSqrtEstimate, FPRecipStepFused, FPRSqrtStepFused).

The estimates are integer algorithms on the operand's bits: RecipEstimate is one division;
RecipSqrtEstimate's search for the smallest b with a * b * b >= 2**28 is an integer square root
by an unrolled Newton iteration (exact for every input, checked exhaustively). Their special
cases (NaN, zero, infinity, tiny and huge operands, FZ) are selects, and the exception flags
they raise are ORed into the IR's flags field. The steps are one fused multiply-add.
"""

from __future__ import annotations

from dbt.ir import ops
from dbt.ir.block import Const
from dbt.ir.types import F32, F64, I1, I32, I64

from .regs import Ctx
from .trans_fp import gen_flush
from .trans_simd import lanewise, nlanes, read, write
from .trans_simd_fp import ARM, f_neg

_FORMAT = {2: (I32, F32, 23), 3: (I64, F64, 52)}          # int type, float type, fraction bits


class _Lane:
    """The fields of one FP lane's bits (after FZ) and small helpers for building results."""

    def __init__(self, ctx: Ctx, esz: int, x):
        self.ctx, self.b = ctx, ctx.b
        self.t, self.ft, self.f = _FORMAT[esz]
        self.n = 8 << esz
        self.x = gen_flush(ctx, self.n, [x])[0]
        b = self.b
        self.sign = b.and_(self.x, self.c(1 << (self.n - 1)))
        self.abs = b.and_(self.x, self.c((1 << (self.n - 1)) - 1))
        self.exp = b.shr_u(self.abs, self.c(self.f))
        self.frac = b.and_(self.x, self.c((1 << self.f) - 1))
        self.inf_bits = ((1 << (self.n - self.f - 1)) - 1) << self.f
        self.is_nan = b.lt_u(self.c(self.inf_bits), self.abs)
        self.is_inf = b.eq(self.abs, self.c(self.inf_bits))
        self.is_zero = b.eq(self.abs, self.c(0))

    def c(self, value: int):
        return Const(value, self.t)

    def nan_result(self):
        """FPProcessNaN: the quietened NaN (IOC for a signalling one; DN: the default NaN),
        as x * 1.0 makes it (only a NaN goes into the multiply)."""
        b = self.b
        one = self.c(0x3F800000 if self.n == 32 else 0x3FF0000000000000)
        operand = b.bitcast(b.select(self.is_nan, self.x, one), type=self.ft)
        product = b.fmul(operand, b.bitcast(one, type=self.ft), self.ctx.fp_control(), **ARM)
        return b.bitcast(product, type=self.t)


def _raise(ctx: Ctx, cond, flags: int) -> None:
    """The IR flags `flags` accrued where cond (i1) holds."""
    b = ctx.b
    bit = b.select(cond, Const(flags, I64), Const(0, I64))
    b.set(b.or_(b.get(ops.FP_FLAGS_FIELD), bit), field=ops.FP_FLAGS_FIELD)


def _not(b, x):
    return b.xor(x, Const(1, I1))


def recip_estimate(b, a, t):
    """RecipEstimate: a (9 bits, 256..511) -> 9 bits."""
    a = b.add(b.shl(a, Const(1, t)), Const(1, t))
    q = b.div_u(Const(1 << 19, t), a)
    return b.shr_u(b.add(q, Const(1, t)), Const(1, t))


def rsqrt_estimate(b, a, t):
    """RecipSqrtEstimate: a (128..511) -> 9 bits: (c + 1) // 2 for the smallest c >= 513 with
    a' * c * c >= 2**28 (a' = a in 1/512 units rounded), by an integer square root of
    ceil(2**28 / a')."""
    c = lambda v: Const(v, t)                                     # noqa: E731
    low = b.lt_u(a, c(256))
    a2 = b.select(low, b.add(b.shl(a, c(1)), c(1)),
                  b.shl(b.add(b.and_(a, c(~1 & t.mask)), c(1)), c(1)))
    m = b.div_u(b.add(c(1 << 28), b.sub(a2, c(1))), a2)
    x = c(1024)
    for _ in range(6):
        step = b.shr_u(b.add(x, b.div_u(m, x)), c(1))
        x = b.select(b.lt_u(step, x), step, x)
    x = b.select(b.lt_u(m, b.mul(x, x)), b.sub(x, c(1)), x)
    x = b.select(b.lt_u(b.mul(x, x), m), b.add(x, c(1)), x)
    x = b.select(b.lt_u(x, c(513)), c(513), x)
    return b.shr_u(x, c(1))


def _rounding(ctx: Ctx):
    return ctx.b.and_(ctx.fp_control(), Const(7, I64))


def gen_recpe(ctx: Ctx, esz: int, x):
    """FPRecipEstimate of one lane's bits."""
    L = _Lane(ctx, esz, x)
    b, c, f = L.b, L.c, L.f
    rm = _rounding(ctx)
    tiny = b.and_(b.lt_u(L.abs, c(1 << (f - 2))), _not(b, L.is_zero))
    to_inf = b.or_(b.eq(rm, Const(ops.RM_RNE, I64)), b.select(
        b.eq(L.sign, c(0)), b.eq(rm, Const(ops.RM_RUP, I64)), b.eq(rm, Const(ops.RM_RDN, I64))))
    max_normal = L.inf_bits - 1
    overflow = b.or_(L.sign, b.select(to_inf, c(L.inf_bits), c(max_normal)))
    fz = b.ne(b.and_(ctx.fp_control(), Const(ops.FP_FZ, I64)), Const(0, I64))
    big = b.and_(fz, b.le_u(c((253 if L.n == 32 else 2045) << f), L.abs))
    # the estimate: the significand of a normal or subnormal operand scaled to 1.fraction
    sub = b.eq(L.exp, c(0))
    top = b.ne(b.and_(L.frac, c(1 << (f - 1))), c(0))
    frac = b.select(sub, b.shl(L.frac, b.select(top, c(1), c(2))), L.frac)
    exp = b.select(b.and_(sub, _not(b, top)), c(L.t.mask), L.exp)          # -1
    scaled = b.or_(c(256), b.shr_u(b.and_(frac, c((1 << f) - 1)), c(f - 8)))
    est = b.shl(b.and_(recip_estimate(b, scaled, L.t), c(0xFF)), c(f - 8))
    rexp = b.sub(c(253 if L.n == 32 else 2045), exp)
    zero_exp, minus_one = b.eq(rexp, c(0)), b.eq(rexp, c(L.t.mask))
    est = b.select(zero_exp, b.or_(c(1 << (f - 1)), b.shr_u(est, c(1))),
                   b.select(minus_one, b.or_(c(1 << (f - 2)), b.shr_u(est, c(2))), est))
    rexp = b.select(minus_one, c(0), rexp)
    value = b.or_(L.sign, b.or_(b.shl(rexp, c(f)), est))
    special = b.or_(b.or_(L.is_nan, L.is_inf), L.is_zero)
    _raise(ctx, b.and_(L.is_zero, _not(b, L.is_nan)), ops.FLAG_DZ)
    _raise(ctx, b.and_(tiny, _not(b, special)), ops.FLAG_OF | ops.FLAG_NX)
    _raise(ctx, b.and_(big, _not(b, b.or_(special, tiny))), ops.FLAG_UF)
    out = b.select(big, L.sign, value)
    out = b.select(tiny, overflow, out)
    out = b.select(L.is_zero, b.or_(L.sign, c(L.inf_bits)), out)
    out = b.select(L.is_inf, L.sign, out)
    return b.select(L.is_nan, L.nan_result(), out)


def gen_rsqrte(ctx: Ctx, esz: int, x):
    """FPRSqrtEstimate of one lane's bits."""
    L = _Lane(ctx, esz, x)
    b, c, f, t = L.b, L.c, L.f, L.t
    sub = b.eq(L.exp, c(0))
    lz = b.clz(b.shl(L.frac, c(L.n - f)))                      # leading zeros of the fraction
    frac = b.select(sub, b.shl(L.frac, b.add(lz, c(1))), L.frac)
    exp = b.select(sub, b.sub(c(0), lz), L.exp)
    frac = b.and_(frac, c((1 << f) - 1))
    even = b.eq(b.and_(exp, c(1)), c(0))
    scaled = b.select(even, b.or_(c(256), b.shr_u(frac, c(f - 8))),
                      b.or_(c(128), b.shr_u(frac, c(f - 7))))
    base = 380 if L.n == 32 else 3068
    rexp = b.shr_s(b.sub(c(base), exp), c(1))
    est = b.and_(rsqrt_estimate(b, scaled, t), c(0xFF))
    value = b.or_(b.shl(b.and_(rexp, c((1 << (L.n - f - 1)) - 1)), c(f)), b.shl(est, c(f - 8)))
    negative = b.and_(b.ne(L.sign, c(0)), _not(b, b.or_(L.is_nan, L.is_zero)))
    _raise(ctx, b.and_(L.is_zero, _not(b, L.is_nan)), ops.FLAG_DZ)
    _raise(ctx, negative, ops.FLAG_NV)
    default_nan = c(0x7FC00000 if L.n == 32 else 0x7FF8000000000000)
    out = b.select(L.is_inf, c(0), value)
    out = b.select(negative, default_nan, out)
    out = b.select(L.is_zero, b.or_(L.sign, c(L.inf_bits)), out)
    return b.select(L.is_nan, L.nan_result(), out)


def gen_recpx(ctx: Ctx, esz: int, x):
    """FRECPX: the exponent inverted (a zero or subnormal exponent gives the largest), no
    fraction."""
    L = _Lane(ctx, esz, x)
    b, c, f = L.b, L.c, L.f
    ones = L.inf_bits >> f
    exp = b.select(b.eq(L.exp, c(0)), c(ones - 1), b.xor(L.exp, c(ones)))
    value = b.or_(L.sign, b.shl(exp, c(f)))
    return b.select(L.is_nan, L.nan_result(), value)


def _u_estimate(ctx: Ctx, x, sqrt: bool):
    """URECPE / URSQRTE of a 32-bit lane."""
    b = ctx.b
    c = lambda v: Const(v, I32)                                    # noqa: E731
    a = b.shr_u(x, c(23))
    if sqrt:
        small = b.lt_u(x, c(1 << 30))
        est = rsqrt_estimate(b, a, I32)
    else:
        small = b.lt_u(x, c(1 << 31))
        est = recip_estimate(b, a, I32)
    return b.select(small, c(0xFFFFFFFF), b.shl(est, c(23)))


def gen_step(ctx: Ctx, esz: int, x, y, sqrt: bool):
    """FRECPS: 2 - x * y; FRSQRTS: (3 - x * y) / 2; fused, with infinity * 0 giving 2 (1.5)
    without an exception. For FRSQRTS the operand of the larger exponent is halved first
    (exactly, in its exponent bits), so that (3 - x * y) / 2 = 1.5 - x' * y rounds once."""
    t, ft, f = _FORMAT[esz]
    n = 8 << esz
    b = ctx.b
    c = lambda v: Const(v, t)                                      # noqa: E731
    x, y = gen_flush(ctx, n, [x, y])
    inf = ((1 << (n - f - 1)) - 1) << f
    ax, ay = (b.and_(v, c((1 << (n - 1)) - 1)) for v in (x, y))
    special = b.or_(b.and_(b.eq(ax, c(inf)), b.eq(ay, c(0))),
                    b.and_(b.eq(ax, c(0)), b.eq(ay, c(inf))))
    x, y = b.select(special, c(0), x), b.select(special, c(0), y)
    one_half = 0x3FC00000 if n == 32 else 0x3FF8000000000000
    addend = c(0x40000000 if n == 32 else 0x4000000000000000)
    if sqrt:
        addend = c(0x40400000 if n == 32 else 0x4008000000000000)
        ex, ey = b.shr_u(ax, c(f)), b.shr_u(ay, c(f))
        first = b.le_u(ey, ex)
        big = b.select(first, ex, ey)
        halve = b.and_(b.le_u(c(2), big), b.lt_u(big, c(inf >> f)))
        x = b.select(b.and_(halve, first), b.sub(x, c(1 << f)), x)
        y = b.select(b.and_(halve, _not(b, first)), b.sub(y, c(1 << f)), y)
        addend = b.select(halve, c(one_half), addend)
    xf, yf = b.bitcast(x, type=ft), b.bitcast(y, type=ft)
    r = b.bitcast(b.fma(f_neg(ctx, xf), yf, b.bitcast(addend, type=ft), ctx.fp_control(),
                        **ARM), type=t)
    if not sqrt:
        return r
    ar = b.and_(r, c((1 << (n - 1)) - 1))
    keep = b.or_(halve, b.le_u(c(inf), ar))                      # halved already, or inf/NaN
    return b.select(keep, r, b.sub(r, c(1 << f)))


# -- vector ------------------------------------------------------------------------------------
def _v2(ctx: Ctx, a, fn) -> None:
    write(ctx, a.rd, lanewise(ctx, a.esz, nlanes(a.q, a.esz), fn, read(ctx, a.rn, a.q)), a.q)


def trans_frecpe_v(ctx, a):
    _v2(ctx, a, lambda x: gen_recpe(ctx, a.esz, x))


def trans_frsqrte_v(ctx, a):
    _v2(ctx, a, lambda x: gen_rsqrte(ctx, a.esz, x))


def trans_urecpe_v(ctx, a):
    _v2(ctx, a, lambda x: _u_estimate(ctx, x, False))


def trans_ursqrte_v(ctx, a):
    _v2(ctx, a, lambda x: _u_estimate(ctx, x, True))


def _step_v(ctx: Ctx, a, sqrt: bool) -> None:
    n, m = read(ctx, a.rn, a.q), read(ctx, a.rm, a.q)
    write(ctx, a.rd, lanewise(ctx, a.esz, nlanes(a.q, a.esz),
                              lambda x, y: gen_step(ctx, a.esz, x, y, sqrt), n, m), a.q)


def trans_frecps_v(ctx, a):
    _step_v(ctx, a, False)


def trans_frsqrts_v(ctx, a):
    _step_v(ctx, a, True)


# -- scalar ------------------------------------------------------------------------------------
def trans_frecpe_s(ctx, a):
    ctx.set_vscalar(a.rd, gen_recpe(ctx, a.esz, ctx.vscalar(a.rn, a.esz)))


def trans_frsqrte_s(ctx, a):
    ctx.set_vscalar(a.rd, gen_rsqrte(ctx, a.esz, ctx.vscalar(a.rn, a.esz)))


def trans_frecpx_s(ctx, a):
    ctx.set_vscalar(a.rd, gen_recpx(ctx, a.esz, ctx.vscalar(a.rn, a.esz)))


def trans_frecps_s(ctx, a):
    x, y = ctx.vscalar(a.rn, a.esz), ctx.vscalar(a.rm, a.esz)
    ctx.set_vscalar(a.rd, gen_step(ctx, a.esz, x, y, False))


def trans_frsqrts_s(ctx, a):
    x, y = ctx.vscalar(a.rn, a.esz), ctx.vscalar(a.rm, a.esz)
    ctx.set_vscalar(a.rd, gen_step(ctx, a.esz, x, y, True))
