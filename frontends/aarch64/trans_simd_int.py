"""A64 Advanced SIMD integer three same (Arm ARM C4.1.91), as IR vector ops wherever the IR has
them, and the integer emitters that the other SIMD modules share (saturation, absolute
difference, per-lane register shifts, saturating doubling multiplies)."""

from __future__ import annotations

from dbt.ir.block import Const
from dbt.ir.types import I1, I8, I128

from .regs import Ctx
from .trans_simd import (LANE_TYPES, V_ZERO, gen_pairwise, lane_min, lanewise, nlanes, read,
                         set_qc, splat, vand, vbin, vnot, vor, vselect, vshift, vxor, write)


def _3(ctx: Ctx, a, fn) -> None:
    """Vd = fn(Vn, Vm) over the q-sized vector."""
    write(ctx, a.rd, fn(read(ctx, a.rn, a.q), read(ctx, a.rm, a.q)), a.q)


def _3acc(ctx: Ctx, a, fn) -> None:
    """Vd = fn(Vd, Vn, Vm)."""
    d = read(ctx, a.rd, a.q)
    write(ctx, a.rd, fn(d, read(ctx, a.rn, a.q), read(ctx, a.rm, a.q)), a.q)


def _bin(ctx: Ctx, a, kind: str) -> None:
    _3(ctx, a, lambda x, y: vbin(ctx, kind, a.esz, x, y))


# -- shared emitters (also used by the long, shift and scalar forms) ------------------------------
def gen_abd(ctx: Ctx, esz: int, x, y, signed: bool):
    s = "s" if signed else "u"
    return vbin(ctx, "sub", esz, vbin(ctx, f"max_{s}", esz, x, y), vbin(ctx, f"min_{s}", esz, x, y))


def gen_abs(ctx: Ctx, esz: int, x):
    return vbin(ctx, "max_s", esz, x, vbin(ctx, "sub", esz, V_ZERO, x))


def gen_sat_add(ctx: Ctx, esz: int, x, y, signed: bool, sub: bool):
    """SQADD, UQADD, SQSUB, UQSUB of the lanes; QC on saturation."""
    if not signed:
        if sub:                         # x - min(x, y); saturated where y > x
            sat = vbin(ctx, "gt_u", esz, y, x)
            out = vbin(ctx, "sub", esz, x, vbin(ctx, "min_u", esz, x, y))
        else:                           # x + min(y, ~x); saturated where y > ~x
            room = vnot(ctx, x)
            sat = vbin(ctx, "gt_u", esz, y, room)
            out = vbin(ctx, "add", esz, x, vbin(ctx, "min_u", esz, y, room))
        set_qc(ctx, sat)
        return out
    bits = 8 << esz
    out = vbin(ctx, "sub" if sub else "add", esz, x, y)
    # overflow: the operands' signs agree (add) / differ (sub), and the result's differs from x's
    agree = vxor(ctx, x, y) if sub else vnot(ctx, vxor(ctx, x, y))
    sat = vshift(ctx, "shr_s", esz, vand(ctx, agree, vxor(ctx, out, x)), bits - 1)
    limit = vxor(ctx, vshift(ctx, "shr_s", esz, x, bits - 1), splat(lane_min(esz) - 1, esz))
    set_qc(ctx, sat)
    return vselect(ctx, sat, limit, out)


def gen_sat_narrow(ctx: Ctx, esz: int, x, signed_in: bool, signed_out: bool):
    """The lanes of x (2 * esize bits) saturated to esize bits and narrowed; QC."""
    wide = esz + 1
    bits = 8 << esz
    if signed_in:
        high = (1 << (bits - 1)) - 1 if signed_out else (1 << bits) - 1
        low = -(1 << (bits - 1)) if signed_out else 0
        clamped = vbin(ctx, "min_s", wide, vbin(ctx, "max_s", wide, x, splat(low, wide)),
                       splat(high, wide))
    else:
        clamped = vbin(ctx, "min_u", wide, x, splat((1 << bits) - 1, wide))
    set_qc(ctx, vnot(ctx, vbin(ctx, "eq", wide, clamped, x)))
    return ctx.b.vnarrow(clamped, lane=16 << esz)


def gen_shift_reg(ctx: Ctx, esz: int, x, amount, signed: bool, rounding: bool = False,
                  saturating: bool = False):
    """One lane of SSHL, USHL, SRSHL, URSHL, SQSHL, UQSHL, SQRSHL, UQRSHL: shift x left by the
    signed low byte of amount (right when negative), computed in 128 bits; returns (lane,
    saturated i1 or None)."""
    b = ctx.b
    bits = 8 << esz
    t = LANE_TYPES[esz]
    wide = b.sext(x, type=I128) if signed else b.zext(x, type=I128)
    s = b.sext(b.trunc(amount, type=I8) if t is not I8 else amount, type=I128)
    neg = b.lt_s(s, Const(0, I128))
    left = b.shl(wide, b.select(b.lt_s(Const(bits, I128), s), Const(bits, I128), s))
    n = b.sub(Const(0, I128), s)
    n = b.select(b.lt_s(Const(127, I128), n), Const(127, I128), n)
    if rounding:
        n1 = b.sub(n, Const(1, I128))
        wide = b.add(wide, b.select(b.lt_s(n1, Const(0, I128)), Const(0, I128),
                                    b.shl(Const(1, I128), n1)))
    right = b.shr_s(wide, n) if signed else b.shr_u(wide, n)
    value = b.select(neg, right, left)
    if not saturating:
        return b.trunc(value, type=t), None
    return gen_clamp(ctx, value, bits, signed, signed)


def gen_clamp(ctx: Ctx, value, bits: int, signed_in: bool, signed_out: bool):
    """An i128 clamped to the range of a `bits`-bit integer: (lane, saturated i1)."""
    b = ctx.b
    high = (1 << (bits - 1)) - 1 if signed_out else (1 << bits) - 1
    low = -(1 << (bits - 1)) if signed_out else 0
    hi, lo = Const(high, I128), Const(low, I128)
    if signed_in:
        over, under = b.lt_s(hi, value), b.lt_s(value, lo)
    else:
        over, under = b.lt_u(hi, value), Const(0, I1)
    out = b.select(over, hi, b.select(under, lo, value))
    return b.trunc(out, type=LANE_TYPES[bits.bit_length() - 4]), b.or_(over, under)


def gen_lanes_sat(ctx: Ctx, esz: int, count: int, fn, *vectors):
    """lanewise with fn returning (lane, saturated or None): the vector, QC set."""
    flags = []

    def lane(*xs):
        value, sat = fn(*xs)
        if sat is not None:
            flags.append(sat)
        return value
    out = lanewise(ctx, esz, count, lane, *vectors)
    if flags:
        b = ctx.b
        any_sat = flags[0]
        for f in flags[1:]:
            any_sat = b.or_(any_sat, f)
        set_qc(ctx, any_sat)
    return out


def _shift_reg(ctx: Ctx, a, signed: bool, rounding: bool = False, saturating: bool = False):
    _3(ctx, a, lambda x, y: gen_lanes_sat(
        ctx, a.esz, nlanes(a.q, a.esz),
        lambda u, v: gen_shift_reg(ctx, a.esz, u, v, signed, rounding, saturating), x, y))


def gen_doubling_mulh(ctx: Ctx, esz: int, x, y, rounding: bool):
    """One lane of SQDMULH / SQRDMULH: (2 * x * y (+ rounding)) >> esize, saturated."""
    b = ctx.b
    bits = 8 << esz
    product = b.mul(b.sext(x, type=I128), b.sext(y, type=I128))
    product = b.shl(product, Const(1, I128))
    if rounding:
        product = b.add(product, Const(1 << (bits - 1), I128))
    return gen_clamp(ctx, b.shr_s(product, Const(bits, I128)), bits, True, True)


def gen_pmul(ctx: Ctx, esz: int, x, y, count: int):
    """Carry-less products of the lanes of x and y (their low `count` bits), in esz lanes."""
    out = V_ZERO
    for i in range(count):
        bit = splat(1 << i, esz)
        chosen = vbin(ctx, "eq", esz, vand(ctx, y, bit), bit)
        out = vxor(ctx, out, vand(ctx, vshift(ctx, "shl", esz, x, i), chosen))
    return out


# -- three same -----------------------------------------------------------------------------------
def trans_add_v(ctx, a):
    _bin(ctx, a, "add")


def trans_sub_v(ctx, a):
    _bin(ctx, a, "sub")


def trans_mul_v(ctx, a):
    _bin(ctx, a, "mul")


def trans_mla_v(ctx, a):
    _3acc(ctx, a, lambda d, x, y: vbin(ctx, "add", a.esz, d, vbin(ctx, "mul", a.esz, x, y)))


def trans_mls_v(ctx, a):
    _3acc(ctx, a, lambda d, x, y: vbin(ctx, "sub", a.esz, d, vbin(ctx, "mul", a.esz, x, y)))


def trans_pmul_v(ctx, a):
    _3(ctx, a, lambda x, y: gen_pmul(ctx, 0, x, y, 8))


def trans_and_v(ctx, a):
    _3(ctx, a, lambda x, y: vand(ctx, x, y))


def trans_bic_v(ctx, a):
    _3(ctx, a, lambda x, y: vand(ctx, x, vnot(ctx, y)))


def trans_orr_v(ctx, a):        # ORR; MOV (vector) is ORR Vd, Vn, Vn
    _3(ctx, a, lambda x, y: vor(ctx, x, y))


def trans_orn_v(ctx, a):
    _3(ctx, a, lambda x, y: vor(ctx, x, vnot(ctx, y)))


def trans_eor_v(ctx, a):
    _3(ctx, a, lambda x, y: vxor(ctx, x, y))


def trans_bsl_v(ctx, a):        # Vd selects: Vn where set, Vm where clear
    _3acc(ctx, a, lambda d, x, y: vselect(ctx, d, x, y))


def trans_bit_v(ctx, a):        # Vn inserted where Vm is set
    _3acc(ctx, a, lambda d, x, y: vselect(ctx, y, x, d))


def trans_bif_v(ctx, a):        # Vn inserted where Vm is clear
    _3acc(ctx, a, lambda d, x, y: vselect(ctx, y, d, x))


def trans_cmeq_v(ctx, a):
    _bin(ctx, a, "eq")


def trans_cmgt_v(ctx, a):
    _bin(ctx, a, "gt_s")


def trans_cmhi_v(ctx, a):
    _bin(ctx, a, "gt_u")


def trans_cmge_v(ctx, a):
    _3(ctx, a, lambda x, y: vnot(ctx, vbin(ctx, "gt_s", a.esz, y, x)))


def trans_cmhs_v(ctx, a):
    _3(ctx, a, lambda x, y: vnot(ctx, vbin(ctx, "gt_u", a.esz, y, x)))


def trans_cmtst_v(ctx, a):
    _3(ctx, a, lambda x, y: vnot(ctx, vbin(ctx, "eq", a.esz, vand(ctx, x, y), V_ZERO)))


def trans_smax_v(ctx, a):
    _bin(ctx, a, "max_s")


def trans_umax_v(ctx, a):
    _bin(ctx, a, "max_u")


def trans_smin_v(ctx, a):
    _bin(ctx, a, "min_s")


def trans_umin_v(ctx, a):
    _bin(ctx, a, "min_u")


def trans_sabd_v(ctx, a):
    _3(ctx, a, lambda x, y: gen_abd(ctx, a.esz, x, y, True))


def trans_uabd_v(ctx, a):
    _3(ctx, a, lambda x, y: gen_abd(ctx, a.esz, x, y, False))


def trans_saba_v(ctx, a):
    _3acc(ctx, a, lambda d, x, y: vbin(ctx, "add", a.esz, d, gen_abd(ctx, a.esz, x, y, True)))


def trans_uaba_v(ctx, a):
    _3acc(ctx, a, lambda d, x, y: vbin(ctx, "add", a.esz, d, gen_abd(ctx, a.esz, x, y, False)))


def _halving(ctx: Ctx, a, signed: bool, kind: str) -> None:
    """SHADD, UHADD (add), SRHADD, URHADD (radd), SHSUB, UHSUB (sub): the exact result >> 1."""
    shr = "shr_s" if signed else "shr_u"
    one = splat(1, a.esz)

    def fn(x, y):
        half = vbin(ctx, "sub" if kind == "sub" else "add", a.esz,
                    vshift(ctx, shr, a.esz, x, 1), vshift(ctx, shr, a.esz, y, 1))
        if kind == "add":
            return vbin(ctx, "add", a.esz, half, vand(ctx, vand(ctx, x, y), one))
        if kind == "radd":
            return vbin(ctx, "add", a.esz, half, vand(ctx, vor(ctx, x, y), one))
        return vbin(ctx, "sub", a.esz, half, vand(ctx, vand(ctx, vnot(ctx, x), y), one))
    _3(ctx, a, fn)


def trans_shadd_v(ctx, a):
    _halving(ctx, a, True, "add")


def trans_uhadd_v(ctx, a):
    _halving(ctx, a, False, "add")


def trans_srhadd_v(ctx, a):
    _halving(ctx, a, True, "radd")


def trans_urhadd_v(ctx, a):
    _halving(ctx, a, False, "radd")


def trans_shsub_v(ctx, a):
    _halving(ctx, a, True, "sub")


def trans_uhsub_v(ctx, a):
    _halving(ctx, a, False, "sub")


def trans_sqadd_v(ctx, a):
    _3(ctx, a, lambda x, y: gen_sat_add(ctx, a.esz, x, y, True, False))


def trans_uqadd_v(ctx, a):
    _3(ctx, a, lambda x, y: gen_sat_add(ctx, a.esz, x, y, False, False))


def trans_sqsub_v(ctx, a):
    _3(ctx, a, lambda x, y: gen_sat_add(ctx, a.esz, x, y, True, True))


def trans_uqsub_v(ctx, a):
    _3(ctx, a, lambda x, y: gen_sat_add(ctx, a.esz, x, y, False, True))


def trans_sshl_v(ctx, a):
    _shift_reg(ctx, a, True)


def trans_ushl_v(ctx, a):
    _shift_reg(ctx, a, False)


def trans_srshl_v(ctx, a):
    _shift_reg(ctx, a, True, rounding=True)


def trans_urshl_v(ctx, a):
    _shift_reg(ctx, a, False, rounding=True)


def trans_sqshl_v(ctx, a):
    _shift_reg(ctx, a, True, saturating=True)


def trans_uqshl_v(ctx, a):
    _shift_reg(ctx, a, False, saturating=True)


def trans_sqrshl_v(ctx, a):
    _shift_reg(ctx, a, True, rounding=True, saturating=True)


def trans_uqrshl_v(ctx, a):
    _shift_reg(ctx, a, False, rounding=True, saturating=True)


def _doubling_mulh(ctx: Ctx, a, rounding: bool) -> None:
    _3(ctx, a, lambda x, y: gen_lanes_sat(
        ctx, a.esz, nlanes(a.q, a.esz),
        lambda u, v: gen_doubling_mulh(ctx, a.esz, u, v, rounding), x, y))


def trans_sqdmulh_v(ctx, a):
    _doubling_mulh(ctx, a, False)


def trans_sqrdmulh_v(ctx, a):
    _doubling_mulh(ctx, a, True)


def _pairwise(ctx: Ctx, a, kind: str) -> None:
    _3(ctx, a, lambda x, y: vbin(ctx, kind, a.esz, *gen_pairwise(ctx, a.q, a.esz, x, y)))


def trans_addp_v(ctx, a):
    _pairwise(ctx, a, "add")


def trans_smaxp_v(ctx, a):
    _pairwise(ctx, a, "max_s")


def trans_umaxp_v(ctx, a):
    _pairwise(ctx, a, "max_u")


def trans_sminp_v(ctx, a):
    _pairwise(ctx, a, "min_s")


def trans_uminp_v(ctx, a):
    _pairwise(ctx, a, "min_u")
