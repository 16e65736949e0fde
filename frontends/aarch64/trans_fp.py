"""A64 scalar floating point (Arm ARM C4.1.91, the classes of patterns/a64_fp.dec).

IEEE arithmetic, rounding, exception flags and Arm's rules are the IR's FP ops, emitted with
the attributes that make them Arm's: NaN propagation (the first signalling NaN quietened, else
the first quiet NaN; fma's addend first), tininess before rounding, float -> int NaN -> 0 with
saturation, and control=full so that FPCR.DN and FPCR.FZ reach them through the control
operand (`Ctx.fp_control`). Exception flags accrue into the IR's flags field, which MRS FPSR
reads (fpsr.py). Scalar results zero the rest of the V register (`Ctx.set_fp`).

What the IR cannot say yet is built here from other ops (until the IR has an op for it):

* fmin/fmax and the compares (feq, flt) take no control operand, so FPCR.FZ and FPCR.DN do not
  reach them: their operands are flushed here (`gen_flush`: a subnormal becomes the zero of its
  sign, flag IDC) and a NaN result of FMIN/FMAX/FMINNM/FMAXNM becomes the default NaN here
  (`gen_default_nan`);
* there is no round-to-integral op: FRINT* goes through a 64-bit integer and back
  (`trans_frint_s`).
"""

from __future__ import annotations

from dbt.ir.block import Const
from dbt.ir.ops import FLAG_ID, FP_DN, FP_FLAGS_FIELD, FP_FZ, RM_RTZ
from dbt.ir.types import F16, F32, F64, I1, I16, I32, I64

from .regs import Ctx

#: The `rm` of a pattern that rounds as FPCR.RMode says (the others are IR rounding modes).
FPCR_RM = 5
FLOATS = {16: F16, 32: F32, 64: F64}
INTS = {16: I16, 32: I32, 64: I64}
_SIZE = {16: 1, 32: 2, 64: 3}                  # log2 bytes (Ctx.vscalar)
_MANT = {16: 10, 32: 23, 64: 52}               # fraction bits
#: Rounded arithmetic and conversions between formats, as Arm does them.
ARM = {"nan": "propagate", "tiny": "before", "control": "full"}
#: float -> integer, as Arm does it (FPToFixed: NaN gives 0).
TO_INT = {"nan_to": "zero", "control": "full"}
_ONE = {32: 0x3F800000, 64: 0x3FF0000000000000}
_DEFAULT_NAN = {32: 0x7FC00000, 64: 0x7FF8000000000000}


def _sign(width: int) -> int:
    return 1 << (width - 1)


def _inf(width: int) -> int:
    """The bits of +infinity (also the exponent mask)."""
    return ((1 << (width - _MANT[width] - 1)) - 1) << _MANT[width]


def _pow2(width: int, e: int) -> int:
    """The bits of 2**e (a normal number of the format)."""
    return (e + (1 << (width - _MANT[width] - 2)) - 1) << _MANT[width]


# -- shared emitters ----------------------------------------------------------------------------
def gen_control(ctx: Ctx, rm: int):
    """The control operand of an op rounding by `rm` (FPCR_RM: FPCR's mode), with FPCR's DN
    and FZ."""
    control = ctx.fp_control()
    if rm == FPCR_RM:
        return control
    return ctx.b.or_(ctx.b.and_(control, FP_DN | FP_FZ), rm)


def gen_flush(ctx: Ctx, width: int, values: list) -> list:
    """The integer bit patterns `values` with FPCR.FZ applied (a subnormal is the zero of its
    sign, and sets IDC), for the ops without a control operand (fmin/fmax, compares)."""
    b = ctx.b
    fz = b.ne(b.and_(ctx.fp_control(), FP_FZ), 0)
    out, hits = [], None
    for v in values:
        if isinstance(v, Const):
            out.append(v)
            continue
        subnormal = b.and_(b.eq(b.and_(v, _inf(width)), 0),
                           b.ne(b.and_(v, _sign(width) - 1), 0))
        hit = b.and_(fz, subnormal)
        out.append(b.select(hit, b.and_(v, _sign(width)), v))
        hits = hit if hits is None else b.or_(hits, hit)
    if hits is not None:
        flag = b.select(hits, Const(FLAG_ID, I64), Const(0, I64))
        b.set(b.or_(b.get(FP_FLAGS_FIELD), flag), field=FP_FLAGS_FIELD)
    return out


def gen_is_nan(ctx: Ctx, width: int, v):
    return ctx.b.lt_u(_inf(width), ctx.b.and_(v, _sign(width) - 1))


def gen_default_nan(ctx: Ctx, width: int, v):
    """The bit pattern v, or the default NaN if v is a NaN and FPCR.DN is set."""
    b = ctx.b
    dn = b.ne(b.and_(ctx.fp_control(), FP_DN), 0)
    return b.select(b.and_(dn, gen_is_nan(ctx, width, v)), _DEFAULT_NAN[width], v)


def gen_compare(ctx: Ctx, width: int, x, y, signal: bool) -> tuple:
    """NZCV of FPCompare(x, y) for integer bit patterns: less 1000, equal 0110, greater 0010,
    unordered 0011. The quiet compare (signal=False) raises IOC for a signalling NaN only,
    the signalling one (FCMPE) for any NaN."""
    b = ctx.b
    t = FLOATS[width]
    x, y = gen_flush(ctx, width, [x, y])
    unordered = b.or_(gen_is_nan(ctx, width, x), gen_is_nan(ctx, width, y))
    fx, fy = b.bitcast(x, type=t), b.bitcast(y, type=t)
    equal = b.feq(fx, fy)
    if not signal:              # flt raises IOC for any NaN: keep NaNs away from it
        zero = Const(0, t)
        fx, fy = b.select(unordered, zero, fx), b.select(unordered, zero, fy)
    less = b.flt(fx, fy)
    return less, equal, b.xor(less, 1), unordered


def _bits(ctx: Ctx, r: int, width: int):
    return ctx.vscalar(r, _SIZE[width])


def _negate(ctx: Ctx, value, width: int):
    """FPNeg: the sign bit flipped (NaNs included)."""
    b = ctx.b
    flipped = b.xor(b.bitcast(value, type=INTS[width]), _sign(width))
    return b.bitcast(flipped, type=FLOATS[width])


# -- data processing ---------------------------------------------------------------------------
def gen_arith(ctx: Ctx, a, op: str):
    t = FLOATS[a.t]
    return ctx.b.emit(op, ctx.fp(a.rn, t), ctx.fp(a.rm, t), ctx.fp_control(), **ARM)


def trans_fadd_s(ctx, a):
    ctx.set_fp(a.rd, gen_arith(ctx, a, "fadd"))


def trans_fsub_s(ctx, a):
    ctx.set_fp(a.rd, gen_arith(ctx, a, "fsub"))


def trans_fmul_s(ctx, a):
    ctx.set_fp(a.rd, gen_arith(ctx, a, "fmul"))


def trans_fdiv_s(ctx, a):
    ctx.set_fp(a.rd, gen_arith(ctx, a, "fdiv"))


def trans_fnmul_s(ctx, a):
    ctx.set_fp(a.rd, _negate(ctx, gen_arith(ctx, a, "fmul"), a.t))


def gen_minmax(ctx: Ctx, a, op: str, minmax: str) -> None:
    """FMIN/FMAX (a NaN operand gives a NaN) and FMINNM/FMAXNM (a quiet NaN loses to a
    number), with FPCR.FZ and DN applied around the op (which takes no control operand)."""
    b = ctx.b
    t = FLOATS[a.t]
    x, y = gen_flush(ctx, a.t, [_bits(ctx, a.rn, a.t), _bits(ctx, a.rm, a.t)])
    result = b.emit(op, b.bitcast(x, type=t), b.bitcast(y, type=t), minmax=minmax)
    ctx.set_vscalar(a.rd, gen_default_nan(ctx, a.t, b.bitcast(result, type=INTS[a.t])))


def trans_fmax_s(ctx, a):
    gen_minmax(ctx, a, "fmax", "propagate")


def trans_fmin_s(ctx, a):
    gen_minmax(ctx, a, "fmin", "propagate")


def trans_fmaxnm_s(ctx, a):
    gen_minmax(ctx, a, "fmax", "quiet_number")


def trans_fminnm_s(ctx, a):
    gen_minmax(ctx, a, "fmin", "quiet_number")


def gen_fused(ctx: Ctx, a, negate_product: bool, negate_addend: bool) -> None:
    """Ra ± Rn·Rm rounded once; the negations are FPNeg of the inputs (a negated NaN input
    comes out with its sign flipped), as the Arm ARM's FMSUB/FNMADD/FNMSUB do."""
    t = FLOATS[a.t]
    x, y, z = ctx.fp(a.rn, t), ctx.fp(a.rm, t), ctx.fp(a.ra, t)
    if negate_product:
        x = _negate(ctx, x, a.t)
    if negate_addend:
        z = _negate(ctx, z, a.t)
    ctx.set_fp(a.rd, ctx.b.fma(x, y, z, ctx.fp_control(), **ARM))


def trans_fmadd(ctx, a):
    gen_fused(ctx, a, False, False)


def trans_fmsub(ctx, a):
    gen_fused(ctx, a, True, False)


def trans_fnmadd(ctx, a):
    gen_fused(ctx, a, True, True)


def trans_fnmsub(ctx, a):
    gen_fused(ctx, a, False, True)


def trans_fmov_s(ctx, a):
    ctx.set_vscalar(a.rd, _bits(ctx, a.rn, a.t))


def trans_fabs_s(ctx, a):
    ctx.set_vscalar(a.rd, ctx.b.and_(_bits(ctx, a.rn, a.t), _sign(a.t) - 1))


def trans_fneg_s(ctx, a):
    ctx.set_vscalar(a.rd, ctx.b.xor(_bits(ctx, a.rn, a.t), _sign(a.t)))


def trans_fsqrt_s(ctx, a):
    t = FLOATS[a.t]
    ctx.set_fp(a.rd, ctx.b.fsqrt(ctx.fp(a.rn, t), ctx.fp_control(), **ARM))


def trans_fcvt_s(ctx, a):
    """FCVT between S, D and H (FPCR.AHP's alternative half precision is not modelled: the
    IR's f16 is IEEE binary16)."""
    b = ctx.b
    value = ctx.fp(a.rn, FLOATS[a.src])
    ctx.set_fp(a.rd, b.fcvt_f(value, ctx.fp_control(), type=FLOATS[a.dst], **ARM))


def trans_frint_s(ctx, a):
    """FRINTN/P/M/Z/A/X/I: round to an integral value in the same format.

    Built from the IR's ops (it has no round-to-integral op): x * 1.0 gives Arm's NaN result,
    IOC for a signalling NaN and, under FZ, the flushed operand with IDC, and x itself
    otherwise (exactly); a value below 2**fraction_bits in magnitude then goes to a 64-bit
    integer in the instruction's rounding mode and back (exact), with x's sign (a zero result
    keeps it); anything larger (or infinite, or NaN) is integral already. Only FRINTX raises
    IXC: around the others' conversion the flags are put back as they were."""
    b = ctx.b
    t, it, width = FLOATS[a.t], INTS[a.t], a.t
    control = ctx.fp_control()
    m = b.fmul(ctx.fp(a.rn, t), Const(_ONE[width], t), control, **ARM)
    m_bits = b.bitcast(m, type=it)
    small = b.lt_u(b.and_(m_bits, _sign(width) - 1), _pow2(width, _MANT[width]))
    saved = None if a.exact else b.get(FP_FLAGS_FIELD)
    n = b.fcvt_to_si(b.select(small, m, Const(0, t)), gen_control(ctx, a.rm), type=I64,
                     **TO_INT)
    if saved is not None:
        b.set(saved, field=FP_FLAGS_FIELD)
    r = b.bitcast(b.fcvt_from_si(n, control, type=t, control="full"), type=it)
    r = b.or_(r, b.and_(m_bits, _sign(width)))
    ctx.set_vscalar(a.rd, b.select(small, r, m_bits))


# -- compare, conditional compare and select, immediate -----------------------------------------
def trans_fcmp(ctx, a):
    """FCMP, FCMPE, with a register or #0.0."""
    y = Const(0, INTS[a.t]) if a.zero else _bits(ctx, a.rm, a.t)
    ctx.set_flags(*gen_compare(ctx, a.t, _bits(ctx, a.rn, a.t), y, a.signal))


def trans_fccmp(ctx, a):
    """FCCMP, FCCMPE: the compare if the condition holds (only then can it raise flags: the
    operands are zeros otherwise), else NZCV from the immediate."""
    b = ctx.b
    cond = ctx.cond(a.cond)
    zero = Const(0, INTS[a.t])
    x = b.select(cond, _bits(ctx, a.rn, a.t), zero)
    y = b.select(cond, _bits(ctx, a.rm, a.t), zero)
    flags = gen_compare(ctx, a.t, x, y, a.signal)
    imm = [Const((a.nzcv >> i) & 1, I1) for i in (3, 2, 1, 0)]
    ctx.set_flags(*(b.select(cond, f, i) for f, i in zip(flags, imm)))


def trans_fcsel(ctx, a):
    b = ctx.b
    cond = ctx.cond(a.cond)
    ctx.set_vscalar(a.rd, b.select(cond, _bits(ctx, a.rn, a.t), _bits(ctx, a.rm, a.t)))


def trans_fmov_si(ctx, a):
    ctx.set_vscalar(a.rd, Const(a.imm, INTS[a.t]))


# -- conversions between FP and integer ---------------------------------------------------------
def gen_to_int(ctx: Ctx, a, signed: bool) -> None:
    """FCVT{N,A,P,M,Z}{S,U} (general): saturating, NaN -> 0, rounding by the instruction."""
    op = "fcvt_to_si" if signed else "fcvt_to_ui"
    value = ctx.b.emit(op, ctx.fp(a.rn, FLOATS[a.t]), gen_control(ctx, a.rm),
                       type=I64 if a.sf else I32, **TO_INT)
    ctx.set_reg(a.rd, a.sf, value)


def trans_fcvt_to_si(ctx, a):
    gen_to_int(ctx, a, True)


def trans_fcvt_to_ui(ctx, a):
    gen_to_int(ctx, a, False)


def gen_from_int(ctx: Ctx, a, signed: bool):
    """[SU]CVTF of Wn/Xn, rounded by FPCR."""
    op = "fcvt_from_si" if signed else "fcvt_from_ui"
    return ctx.b.emit(op, ctx.reg(a.rn, a.sf), ctx.fp_control(), type=FLOATS[a.t],
                      control="full")


def trans_scvtf_g(ctx, a):
    ctx.set_fp(a.rd, gen_from_int(ctx, a, True))


def trans_ucvtf_g(ctx, a):
    ctx.set_fp(a.rd, gen_from_int(ctx, a, False))


def trans_fmov_ws(ctx, a):
    ctx.set_w(a.rd, ctx.vscalar(a.rn, 2))


def trans_fmov_sw(ctx, a):
    ctx.set_vscalar(a.rd, ctx.w(a.rn))


def trans_fmov_xd(ctx, a):
    ctx.set_x(a.rd, ctx.v_lo(a.rn))


def trans_fmov_dx(ctx, a):
    ctx.set_vscalar(a.rd, ctx.x(a.rn))


def trans_fmov_xv1(ctx, a):
    """FMOV Xd, Vn.D[1]."""
    ctx.set_x(a.rd, ctx.v_hi(a.rn))


def trans_fmov_v1x(ctx, a):
    """FMOV Vd.D[1], Xn: the low half of Vd is kept."""
    ctx.set_v_parts(a.rd, ctx.v_lo(a.rd), ctx.x(a.rn))


# -- conversions between FP and fixed point -----------------------------------------------------
def gen_from_fixed(ctx: Ctx, a, signed: bool) -> None:
    """[SU]CVTF #fbits: the integer converted (rounded once, by FPCR), then scaled by
    2**-fbits, which is exact: a nonzero integer is at least 1, so the quotient is at least
    2**-64, far above the subnormals."""
    t = FLOATS[a.t]
    scale = Const(_pow2(a.t, -a.fbits), t)
    value = gen_from_int(ctx, a, signed)
    ctx.set_fp(a.rd, ctx.b.fmul(value, scale, ctx.fp_control(), **ARM))


def gen_to_fixed(ctx: Ctx, a, signed: bool) -> None:
    """FCVTZ[SU] #fbits: x * 2**fbits converted toward zero. The product is exact once a
    magnitude of 2**(width - fbits) or more (an infinity included: every such value
    saturates) is replaced by exactly that, which saturates alike without overflowing the
    product (an overflow would raise OFC); the multiply also applies FZ (IDC) and gives Arm's
    NaN, which converts to 0 (IOC)."""
    b = ctx.b
    t, width = FLOATS[a.t], 64 if a.sf else 32
    x = _bits(ctx, a.rn, a.t)
    limit = _pow2(a.t, width - a.fbits)
    mag = b.and_(x, _sign(a.t) - 1)
    big = b.and_(b.le_u(limit, mag), b.le_u(mag, _inf(a.t)))
    x = b.select(big, b.or_(b.and_(x, _sign(a.t)), limit), x)
    scaled = b.fmul(b.bitcast(x, type=t), Const(_pow2(a.t, a.fbits), t), ctx.fp_control(),
                    **ARM)
    op = "fcvt_to_si" if signed else "fcvt_to_ui"
    value = b.emit(op, scaled, gen_control(ctx, RM_RTZ), type=I64 if a.sf else I32, **TO_INT)
    ctx.set_reg(a.rd, a.sf, value)


def trans_scvtf_fix(ctx, a):
    gen_from_fixed(ctx, a, True)


def trans_ucvtf_fix(ctx, a):
    gen_from_fixed(ctx, a, False)


def trans_fcvtzs_fix(ctx, a):
    gen_to_fixed(ctx, a, True)


def trans_fcvtzu_fix(ctx, a):
    gen_to_fixed(ctx, a, False)
