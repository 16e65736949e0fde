"""A64 Advanced SIMD floating point: the vector three-same and two-register classes, and the
lane functions that the other FP modules (trans_simd_fps.py, trans_simd_est.py) share.

FADD, FSUB, FMUL, FDIV, FMLA and FMLS (and FADDP, FABD, which build on them) are the IR's
lane-wise FP ops (`vfbin`, `vfma`) under Arm's rules (NaN propagation, tininess before rounding,
FPCR's control: rounding mode, DN, FZ). For the others every lane is extracted, bitcast to
f32/f64, computed with the scalar FP ops under the same rules and inserted back. FABS and FNEG
are bit operations on whole vectors.
"""

from __future__ import annotations

from dbt.ir import ops
from dbt.ir.block import Const
from dbt.ir.types import F16, F32, F64, I1, I16, I32, I64

from .regs import Ctx
from .trans_fp import FPCR_RM, gen_control, gen_default_nan, gen_flush
from .trans_simd import (V_ZERO, gen_pairwise, lanewise, nlanes, read, splat, vand, vxor, write,
                         write_high)

ARM = {"nan": "propagate", "tiny": "before", "control": "full"}
FP_TYPES = {2: (I32, F32), 3: (I64, F64)}
_ONE = {2: 0x3F800000, 3: 0x3FF0000000000000}
_TWO = {2: 0x40000000, 3: 0x4000000000000000}
_BIG = {2: 0x5F800000, 3: 0x43F0000000000000}          # 2**64: saturates every conversion
_MASK64 = (1 << 64) - 1


def _sign(esz: int) -> int:
    return 1 << ((8 << esz) - 1)


def control_rm(ctx: Ctx, rm: int):
    """FPCR's control (DN, FZ) with the rounding mode replaced by rm."""
    b = ctx.b
    return b.or_(b.and_(ctx.fp_control(), Const(_MASK64 ^ 7, I64)), Const(rm, I64))


def fp_lanes(ctx: Ctx, esz: int, count: int, fn, *vectors, out=None):
    """lanewise over FP lanes: fn takes floats and returns a float or an integer lane."""
    b = ctx.b
    it, ft = FP_TYPES[esz]

    def lane(*xs):
        result = fn(*[b.bitcast(x, type=ft) for x in xs])
        return b.bitcast(result, type=it) if result.type is ft else result
    if out is None:
        return lanewise(ctx, esz, count, lane, *vectors)
    return lanewise(ctx, esz, count, lane, *vectors, out=out)


def vf_arith(ctx: Ctx, kind: str, esz: int, count: int, x, y):
    """The lane-wise FP op `kind` (fadd, fsub, fmul, fdiv) of v128 x, y: `count` lanes."""
    return ctx.b.vfbin(x, y, ctx.fp_control(), kind=kind, lane=8 << esz, count=count, **ARM)


def vf_fma(ctx: Ctx, esz: int, count: int, n, m, d, negate: bool):
    """FMLA d + n * m, fused, lane-wise; FMLS d + (-n) * m."""
    if negate:
        n = vxor(ctx, n, splat(_sign(esz), esz))
    return ctx.b.vfma(n, m, d, ctx.fp_control(), lane=8 << esz, count=count, **ARM)


def _v3_arith(ctx: Ctx, a, kind: str) -> None:
    n, m = read(ctx, a.rn, a.q), read(ctx, a.rm, a.q)
    write(ctx, a.rd, vf_arith(ctx, kind, a.esz, nlanes(a.q, a.esz), n, m), a.q)


def _v3(ctx: Ctx, a, fn) -> None:
    n, m = read(ctx, a.rn, a.q), read(ctx, a.rm, a.q)
    write(ctx, a.rd, fp_lanes(ctx, a.esz, nlanes(a.q, a.esz), fn, n, m), a.q)


def gen_fp2(ctx: Ctx, a, fn) -> None:
    write(ctx, a.rd, fp_lanes(ctx, a.esz, nlanes(a.q, a.esz), fn, read(ctx, a.rn, a.q)), a.q)


# -- lane functions -------------------------------------------------------------------------------
def f_arith(ctx: Ctx, kind: str):
    control = ctx.fp_control()
    return lambda x, y: ctx.b.emit(kind, x, y, control, **ARM)


def f_minmax(ctx: Ctx, kind: str, numbers: bool):
    """FMAX/FMIN (a NaN operand gives a NaN), FMAXNM/FMINNM (a quiet NaN loses to a number),
    with FPCR.FZ applied to the operands and DN to the result around the op (which has no
    control operand)."""
    minmax = "quiet_number" if numbers else "propagate"

    def fn(x, y):
        width = x.type.bits
        x, y = (_float(ctx, v) for v in gen_flush(ctx, width, [_bits(ctx, x), _bits(ctx, y)]))
        result = ctx.b.emit(kind, x, y, minmax=minmax)
        return _float(ctx, gen_default_nan(ctx, width, _bits(ctx, result)))
    return fn


def _flushed(ctx: Ctx, *xs):
    """Float values with FPCR.FZ applied (for the ops without a control operand)."""
    bits = gen_flush(ctx, xs[0].type.bits, [_bits(ctx, x) for x in xs])
    return [_float(ctx, v) for v in bits]


def _mask(ctx: Ctx, cond, ft):
    t = I32 if ft is F32 else I64
    return ctx.b.select(cond, Const(t.mask, t), Const(0, t))


def _bits(ctx: Ctx, x):
    return ctx.b.bitcast(x, type=I32 if x.type is F32 else I64)


def _float(ctx: Ctx, bits):
    return ctx.b.bitcast(bits, type=F32 if bits.type is I32 else F64)


def f_neg(ctx: Ctx, x):
    return _float(ctx, ctx.b.xor(_bits(ctx, x), Const(_sign(2 if x.type is F32 else 3),
                                                      _bits(ctx, x).type)))


def f_abs_bits(ctx: Ctx, x):
    bits = _bits(ctx, x)
    return ctx.b.and_(bits, Const(_sign(2 if x.type is F32 else 3) - 1, bits.type))


def f_compare(ctx: Ctx, kind: str, swap: bool = False, absolute: bool = False):
    """FCMEQ (feq), FCMGE (fle swapped), FCMGT (flt swapped), FACGE/FACGT (on |x|)."""
    def fn(x, y):
        x, y = _flushed(ctx, x, y)
        if absolute:
            x, y = _float(ctx, f_abs_bits(ctx, x)), _float(ctx, f_abs_bits(ctx, y))
        cond = ctx.b.emit(kind, y, x) if swap else ctx.b.emit(kind, x, y)
        return _mask(ctx, cond, x.type)
    return fn


def f_compare_zero(ctx: Ctx, kind: str, zero_first: bool):
    def fn(x):
        x, = _flushed(ctx, x)
        zero = Const(0, x.type)
        cond = ctx.b.emit(kind, zero, x) if zero_first else ctx.b.emit(kind, x, zero)
        return _mask(ctx, cond, x.type)
    return fn


def f_abd(ctx: Ctx):
    sub = f_arith(ctx, "fsub")
    return lambda x, y: f_abs_bits(ctx, sub(x, y))


def f_mulx(ctx: Ctx):
    """FMULX: FMUL, except that 0 * infinity is 2.0 with the product's sign (no exception)."""
    b = ctx.b
    mul = f_arith(ctx, "fmul")

    def fn(x, y):
        x, y = _flushed(ctx, x, y)
        esz = 2 if x.type is F32 else 3
        t = I32 if esz == 2 else I64
        inf = Const((_sign(esz) - 1) ^ ((1 << (23 if esz == 2 else 52)) - 1), t)
        ax, ay = f_abs_bits(ctx, x), f_abs_bits(ctx, y)
        zero = Const(0, t)
        special = b.or_(b.and_(b.eq(ax, zero), b.eq(ay, inf)),
                        b.and_(b.eq(ax, inf), b.eq(ay, zero)))
        sign = b.and_(b.xor(_bits(ctx, x), _bits(ctx, y)), Const(_sign(esz), t))
        x2 = b.select(special, b.or_(sign, Const(_TWO[esz], t)), _bits(ctx, x))
        y2 = b.select(special, Const(_ONE[esz], t), _bits(ctx, y))
        return mul(_float(ctx, x2), _float(ctx, y2))
    return fn


def f_fma(ctx: Ctx, negate: bool):
    """FMLA (d + n * m, fused) and FMLS (d + (-n) * m): fn(n, m, d)."""
    control = ctx.fp_control()
    return lambda n, m, d: ctx.b.fma(f_neg(ctx, n) if negate else n, m, d, control, **ARM)


def f_to_int(ctx: Ctx, rm: int | None, signed: bool, fbits: int = 0):
    """FCVT[NMPZA][SU]: to an integer of the lane's width in rounding mode rm (None: FPCR's),
    NaN to 0, saturating; fbits > 0: to fixed point (x * 2**fbits first, which is exact
    below 2**64; larger values saturate anyway and are left alone)."""
    b = ctx.b
    control = ctx.fp_control() if rm is None else control_rm(ctx, rm)

    def fn(x):
        t = I32 if x.type is F32 else I64
        if fbits:
            esz = 2 if t is I32 else 3
            scale = Const(((127 if esz == 2 else 1023) + fbits) << (23 if esz == 2 else 52), t)
            big = b.le_u(Const(_BIG[esz], t), f_abs_bits(ctx, x))
            x = b.fmul(x, _float(ctx, b.select(big, Const(_ONE[esz], t), scale)), control, **ARM)
        op = "fcvt_to_si" if signed else "fcvt_to_ui"
        return b.emit(op, x, control, type=t, nan_to="zero", control="full")
    return fn


def f_round(ctx: Ctx, rm: int, exact: bool):
    """FRINT[NPMZAXI] of a lane (as trans_fp.trans_frint_s, lacking a round-to-integral op):
    x * 1.0 gives Arm's NaN result, IOC for a signalling NaN and the FZ flush; below 2**fraction
    bits the value goes to a 64-bit integer by rm and back, keeping its sign; larger ones are
    integral. Only FRINTX (exact) raises IXC: the flags are restored around the others'."""
    b = ctx.b
    control = ctx.fp_control()

    def fn(x):
        t = x.type
        it, width = (I32, 32) if t is F32 else (I64, 64)
        one, mant = (_ONE[2], 23) if t is F32 else (_ONE[3], 52)
        m_bits = _bits(ctx, b.fmul(x, Const(one, t), control, **ARM))
        bias = (1 << (width - mant - 2)) - 1
        small = b.lt_u(b.and_(m_bits, Const((1 << (width - 1)) - 1, it)),
                       Const((bias + mant) << mant, it))
        saved = None if exact else b.get(ops.FP_FLAGS_FIELD)
        n = b.fcvt_to_si(b.select(small, _float(ctx, m_bits), Const(0, t)),
                         gen_control(ctx, rm), type=I64, nan_to="zero", control="full")
        if saved is not None:
            b.set(saved, field=ops.FP_FLAGS_FIELD)
        r = _bits(ctx, b.fcvt_from_si(n, control, type=t, control="full"))
        r = b.or_(r, b.and_(m_bits, Const(1 << (width - 1), it)))
        return b.select(small, r, m_bits)
    return fn


def i_to_float(ctx: Ctx, esz: int, signed: bool, fbits: int = 0):
    """[SU]CVTF of an integer lane (fixed point: divided by 2**fbits, exact after the
    rounded conversion)."""
    b = ctx.b
    it, ft = FP_TYPES[esz]
    control = ctx.fp_control()

    def fn(x_bits):
        op = "fcvt_from_si" if signed else "fcvt_from_ui"
        value = b.emit(op, x_bits, control, type=ft, control="full")
        if fbits:
            scale = ((127 if esz == 2 else 1023) - fbits) << (23 if esz == 2 else 52)
            value = b.fmul(value, _float(ctx, Const(scale, it)), control, **ARM)
        return b.bitcast(value, type=it)
    return fn


# -- three same -----------------------------------------------------------------------------------
def trans_fadd_v(ctx, a):
    _v3_arith(ctx, a, "fadd")


def trans_fsub_v(ctx, a):
    _v3_arith(ctx, a, "fsub")


def trans_fmul_v(ctx, a):
    _v3_arith(ctx, a, "fmul")


def trans_fdiv_v(ctx, a):
    _v3_arith(ctx, a, "fdiv")


def trans_fmax_v(ctx, a):
    _v3(ctx, a, f_minmax(ctx, "fmax", False))


def trans_fmin_v(ctx, a):
    _v3(ctx, a, f_minmax(ctx, "fmin", False))


def trans_fmaxnm_v(ctx, a):
    _v3(ctx, a, f_minmax(ctx, "fmax", True))


def trans_fminnm_v(ctx, a):
    _v3(ctx, a, f_minmax(ctx, "fmin", True))


def trans_fabd_v(ctx, a):
    n, m = read(ctx, a.rn, a.q), read(ctx, a.rm, a.q)
    diff = vf_arith(ctx, "fsub", a.esz, nlanes(a.q, a.esz), n, m)
    write(ctx, a.rd, vand(ctx, diff, splat(_sign(a.esz) - 1, a.esz)), a.q)


def trans_fmulx_v(ctx, a):
    _v3(ctx, a, f_mulx(ctx))


def trans_fcmeq_v(ctx, a):
    _v3(ctx, a, f_compare(ctx, "feq"))


def trans_fcmge_v(ctx, a):
    _v3(ctx, a, f_compare(ctx, "fle", swap=True))


def trans_fcmgt_v(ctx, a):
    _v3(ctx, a, f_compare(ctx, "flt", swap=True))


def trans_facge_v(ctx, a):
    _v3(ctx, a, f_compare(ctx, "fle", swap=True, absolute=True))


def trans_facgt_v(ctx, a):
    _v3(ctx, a, f_compare(ctx, "flt", swap=True, absolute=True))


def _fma_v(ctx: Ctx, a, negate: bool) -> None:
    n, m, d = read(ctx, a.rn, a.q), read(ctx, a.rm, a.q), read(ctx, a.rd, a.q)
    write(ctx, a.rd, vf_fma(ctx, a.esz, nlanes(a.q, a.esz), n, m, d, negate), a.q)


def trans_fmla_v(ctx, a):
    _fma_v(ctx, a, False)


def trans_fmls_v(ctx, a):
    _fma_v(ctx, a, True)


def _pairwise(ctx: Ctx, a, fn) -> None:
    evens, odds = gen_pairwise(ctx, a.q, a.esz, read(ctx, a.rn, a.q), read(ctx, a.rm, a.q))
    write(ctx, a.rd, fp_lanes(ctx, a.esz, nlanes(a.q, a.esz), fn, evens, odds), a.q)


def trans_faddp_v(ctx, a):
    evens, odds = gen_pairwise(ctx, a.q, a.esz, read(ctx, a.rn, a.q), read(ctx, a.rm, a.q))
    write(ctx, a.rd, vf_arith(ctx, "fadd", a.esz, nlanes(a.q, a.esz), evens, odds), a.q)


def trans_fmaxp_v(ctx, a):
    _pairwise(ctx, a, f_minmax(ctx, "fmax", False))


def trans_fminp_v(ctx, a):
    _pairwise(ctx, a, f_minmax(ctx, "fmin", False))


def trans_fmaxnmp_v(ctx, a):
    _pairwise(ctx, a, f_minmax(ctx, "fmax", True))


def trans_fminnmp_v(ctx, a):
    _pairwise(ctx, a, f_minmax(ctx, "fmin", True))


# -- two-register miscellaneous -------------------------------------------------------------------
def trans_fabs_v(ctx, a):
    write(ctx, a.rd, vand(ctx, read(ctx, a.rn, a.q), splat(_sign(a.esz) - 1, a.esz)), a.q)


def trans_fneg_v(ctx, a):
    write(ctx, a.rd, vxor(ctx, read(ctx, a.rn, a.q), splat(_sign(a.esz), a.esz)), a.q)


def trans_fsqrt_v(ctx, a):
    control = ctx.fp_control()
    gen_fp2(ctx, a, lambda x: ctx.b.fsqrt(x, control, **ARM))


def trans_fcmgt0_v(ctx, a):
    gen_fp2(ctx, a, f_compare_zero(ctx, "flt", True))


def trans_fcmge0_v(ctx, a):
    gen_fp2(ctx, a, f_compare_zero(ctx, "fle", True))


def trans_fcmeq0_v(ctx, a):
    gen_fp2(ctx, a, f_compare_zero(ctx, "feq", False))


def trans_fcmle0_v(ctx, a):
    gen_fp2(ctx, a, f_compare_zero(ctx, "fle", False))


def trans_fcmlt0_v(ctx, a):
    gen_fp2(ctx, a, f_compare_zero(ctx, "flt", False))


def trans_frintn_v(ctx, a):
    gen_fp2(ctx, a, f_round(ctx, ops.RM_RNE, False))


def trans_frintp_v(ctx, a):
    gen_fp2(ctx, a, f_round(ctx, ops.RM_RUP, False))


def trans_frintm_v(ctx, a):
    gen_fp2(ctx, a, f_round(ctx, ops.RM_RDN, False))


def trans_frintz_v(ctx, a):
    gen_fp2(ctx, a, f_round(ctx, ops.RM_RTZ, False))


def trans_frinta_v(ctx, a):
    gen_fp2(ctx, a, f_round(ctx, ops.RM_RMM, False))


def trans_frintx_v(ctx, a):
    gen_fp2(ctx, a, f_round(ctx, FPCR_RM, True))


def trans_frinti_v(ctx, a):
    gen_fp2(ctx, a, f_round(ctx, FPCR_RM, False))


def trans_fcvtns_v(ctx, a):
    gen_fp2(ctx, a, f_to_int(ctx, ops.RM_RNE, True))


def trans_fcvtnu_v(ctx, a):
    gen_fp2(ctx, a, f_to_int(ctx, ops.RM_RNE, False))


def trans_fcvtms_v(ctx, a):
    gen_fp2(ctx, a, f_to_int(ctx, ops.RM_RDN, True))


def trans_fcvtmu_v(ctx, a):
    gen_fp2(ctx, a, f_to_int(ctx, ops.RM_RDN, False))


def trans_fcvtps_v(ctx, a):
    gen_fp2(ctx, a, f_to_int(ctx, ops.RM_RUP, True))


def trans_fcvtpu_v(ctx, a):
    gen_fp2(ctx, a, f_to_int(ctx, ops.RM_RUP, False))


def trans_fcvtzs_v(ctx, a):
    gen_fp2(ctx, a, f_to_int(ctx, ops.RM_RTZ, True))


def trans_fcvtzu_v(ctx, a):
    gen_fp2(ctx, a, f_to_int(ctx, ops.RM_RTZ, False))


def trans_fcvtas_v(ctx, a):
    gen_fp2(ctx, a, f_to_int(ctx, ops.RM_RMM, True))


def trans_fcvtau_v(ctx, a):
    gen_fp2(ctx, a, f_to_int(ctx, ops.RM_RMM, False))


def gen_int_to_float(ctx: Ctx, a, signed: bool, fbits: int = 0) -> None:
    fn = i_to_float(ctx, a.esz, signed, fbits)
    write(ctx, a.rd, lanewise(ctx, a.esz, nlanes(a.q, a.esz), fn, read(ctx, a.rn, a.q)), a.q)


def trans_scvtf_v(ctx, a):
    gen_int_to_float(ctx, a, True)


def trans_ucvtf_v(ctx, a):
    gen_int_to_float(ctx, a, False)


_FLOATS = {1: (I16, F16), 2: (I32, F32), 3: (I64, F64)}


def _convert_lanes(ctx: Ctx, src, esz_in: int, esz_out: int, first: int, fn):
    """A v128 whose lanes 0.. (of esz_out) are fn(float lane first + i of src), as many as
    fit the wider of the two formats in 128 bits."""
    b = ctx.b
    (it_in, ft_in), (it_out, _) = _FLOATS[esz_in], _FLOATS[esz_out]
    out = V_ZERO
    for i in range(16 >> max(esz_in, esz_out)):
        lane = b.bitcast(b.vextract(src, type=it_in, lane=8 << esz_in, index=first + i),
                         type=ft_in)
        out = b.vinsert(out, b.bitcast(fn(lane), type=it_out), lane=8 << esz_out, index=i)
    return out


def trans_fcvtl_v(ctx, a):      # FCVTL, FCVTL2 (esz: the narrow lanes, H or S)
    b = ctx.b
    control = ctx.fp_control()
    wide = _FLOATS[a.esz + 1][1]
    fn = lambda x: b.fcvt_f(x, control, type=wide, **ARM)                 # noqa: E731
    out = _convert_lanes(ctx, read(ctx, a.rn), a.esz, a.esz + 1, a.q * (8 >> a.esz), fn)
    write(ctx, a.rd, out)


def trans_fcvtn_v(ctx, a):      # FCVTN, FCVTN2: the wide lanes narrowed into one half
    b = ctx.b
    control = ctx.fp_control()
    narrow = _FLOATS[a.esz][1]
    fn = lambda x: b.fcvt_f(x, control, type=narrow, **ARM)               # noqa: E731
    write_high(ctx, a.rd, _convert_lanes(ctx, read(ctx, a.rn), a.esz + 1, a.esz, 0, fn), a.q)


def f_narrow_odd(ctx: Ctx):
    """FCVTXN of a D lane to S rounding to odd: toward zero, then the lowest bit set if that
    was inexact (not for a NaN, nor for the zero that FZ makes of a subnormal result)."""
    b = ctx.b
    rtz = control_rm(ctx, ops.RM_RTZ)
    fz = b.ne(b.and_(ctx.fp_control(), Const(ops.FP_FZ, I64)), Const(0, I64))

    def fn(x):
        r = b.bitcast(b.fcvt_f(x, rtz, type=F32, **ARM), type=I32)
        back = b.fcvt_f(b.bitcast(r, type=F32), rtz, type=F64, **ARM)
        nan = b.lt_u(Const(0x7FF0000000000000, I64), f_abs_bits(ctx, x))
        zero = b.eq(b.and_(r, Const(0x7FFFFFFF, I32)), Const(0, I32))
        inexact = b.and_(b.xor(b.feq(back, x), Const(1, I1)), b.xor(nan, Const(1, I1)))
        odd = b.and_(inexact, b.xor(b.and_(fz, zero), Const(1, I1)))
        return b.bitcast(b.or_(r, b.zext(odd, type=I32)), type=F32)
    return fn


def trans_fcvtxn_v(ctx, a):     # FCVTXN, FCVTXN2
    write_high(ctx, a.rd, _convert_lanes(ctx, read(ctx, a.rn), 3, 2, 0, f_narrow_odd(ctx)), a.q)
