"""A64 Advanced SIMD integer two-register miscellaneous and across-lanes classes (Arm ARM
C4.1.91), as IR vector ops wherever the IR has them."""

from __future__ import annotations

from dbt.ir.block import Const
from dbt.ir.types import I128

from .regs import Ctx
from .trans_simd import (LANE_TYPES, V_ZERO, lane_min, lanewise, nlanes, read, set_qc, shuffle,
                         splat, vand, vbin, vnot, vor, vshift, vxor, write, write_high)
from .trans_simd_int import gen_abs, gen_clamp, gen_lanes_sat, gen_sat_narrow


# -- two-register miscellaneous -------------------------------------------------------------------
def _2(ctx: Ctx, a, fn) -> None:
    write(ctx, a.rd, fn(read(ctx, a.rn, a.q)), a.q)


def _rev(ctx: Ctx, a, container: int) -> None:
    """REV16/32/64: the esz elements reversed inside each container of 2**container bytes."""
    size, per = 1 << a.esz, (1 << container) >> a.esz
    select = []
    for lane in range(16 >> a.esz):
        base, pos = lane - lane % per, lane % per
        src = base + per - 1 - pos
        select += [src * size + k for k in range(size)]
    _2(ctx, a, lambda x: shuffle(ctx, x, x, select))


def trans_rev16_v(ctx, a):
    _rev(ctx, a, 1)


def trans_rev32_v(ctx, a):
    _rev(ctx, a, 2)


def trans_rev64_v(ctx, a):
    _rev(ctx, a, 3)


def trans_cmgt0_v(ctx, a):
    _2(ctx, a, lambda x: vbin(ctx, "gt_s", a.esz, x, V_ZERO))


def trans_cmge0_v(ctx, a):
    _2(ctx, a, lambda x: vnot(ctx, vbin(ctx, "gt_s", a.esz, V_ZERO, x)))


def trans_cmeq0_v(ctx, a):
    _2(ctx, a, lambda x: vbin(ctx, "eq", a.esz, x, V_ZERO))


def trans_cmle0_v(ctx, a):
    _2(ctx, a, lambda x: vnot(ctx, vbin(ctx, "gt_s", a.esz, x, V_ZERO)))


def trans_cmlt0_v(ctx, a):
    _2(ctx, a, lambda x: vbin(ctx, "gt_s", a.esz, V_ZERO, x))


def trans_abs_v(ctx, a):
    _2(ctx, a, lambda x: gen_abs(ctx, a.esz, x))


def trans_neg_v(ctx, a):
    _2(ctx, a, lambda x: vbin(ctx, "sub", a.esz, V_ZERO, x))


def gen_sat_abs_neg(ctx: Ctx, esz: int, x, neg: bool):
    """SQABS, SQNEG: INT_MIN saturates to INT_MAX (QC)."""
    sat = vbin(ctx, "eq", esz, x, splat(lane_min(esz), esz))
    set_qc(ctx, sat)
    value = vbin(ctx, "sub", esz, V_ZERO, x) if neg else gen_abs(ctx, esz, x)
    return vxor(ctx, value, sat)


def trans_sqabs_v(ctx, a):
    _2(ctx, a, lambda x: gen_sat_abs_neg(ctx, a.esz, x, False))


def trans_sqneg_v(ctx, a):
    _2(ctx, a, lambda x: gen_sat_abs_neg(ctx, a.esz, x, True))


def gen_sat_accumulate(ctx: Ctx, esz: int, count: int, d, x, signed_acc: bool):
    """SUQADD (signed accumulator + unsigned x), USQADD (unsigned + signed x), saturated."""
    b = ctx.b

    def lane(acc, value):
        ext_acc = b.sext(acc, type=I128) if signed_acc else b.zext(acc, type=I128)
        ext_x = b.zext(value, type=I128) if signed_acc else b.sext(value, type=I128)
        return gen_clamp(ctx, b.add(ext_acc, ext_x), 8 << esz, True, signed_acc)
    return gen_lanes_sat(ctx, esz, count, lane, d, x)


def trans_suqadd_v(ctx, a):
    d = read(ctx, a.rd, a.q)
    write(ctx, a.rd, gen_sat_accumulate(ctx, a.esz, nlanes(a.q, a.esz), d,
                                        read(ctx, a.rn, a.q), True), a.q)


def trans_usqadd_v(ctx, a):
    d = read(ctx, a.rd, a.q)
    write(ctx, a.rd, gen_sat_accumulate(ctx, a.esz, nlanes(a.q, a.esz), d,
                                        read(ctx, a.rn, a.q), False), a.q)


def gen_popcount8(ctx: Ctx, x):
    """The number of set bits of every byte."""
    x = vbin(ctx, "sub", 0, x, vand(ctx, vshift(ctx, "shr_u", 0, x, 1), splat(0x55, 0)))
    x = vbin(ctx, "add", 0, vand(ctx, x, splat(0x33, 0)),
             vand(ctx, vshift(ctx, "shr_u", 0, x, 2), splat(0x33, 0)))
    return vand(ctx, vbin(ctx, "add", 0, x, vshift(ctx, "shr_u", 0, x, 4)), splat(0x0F, 0))


def trans_cnt_v(ctx, a):
    _2(ctx, a, lambda x: gen_popcount8(ctx, x))


def trans_not_v(ctx, a):
    _2(ctx, a, lambda x: vnot(ctx, x))


def trans_rbit_v(ctx, a):
    def fn(x):
        for shift, mask in ((1, 0x55), (2, 0x33), (4, 0x0F)):
            x = vor(ctx, vand(ctx, vshift(ctx, "shr_u", 0, x, shift), splat(mask, 0)),
                    vshift(ctx, "shl", 0, vand(ctx, x, splat(mask, 0)), shift))
        return x
    _2(ctx, a, fn)


def trans_clz_v(ctx, a):
    _2(ctx, a, lambda x: lanewise(ctx, a.esz, nlanes(a.q, a.esz), ctx.b.clz, x))


def trans_cls_v(ctx, a):
    b = ctx.b

    def lane(x):
        t = LANE_TYPES[a.esz]
        return b.sub(b.clz(b.xor(x, b.shr_s(x, Const(1, t)))), Const(1, t))
    _2(ctx, a, lambda x: lanewise(ctx, a.esz, nlanes(a.q, a.esz), lane, x))


def gen_addlp(ctx: Ctx, esz: int, x, signed: bool):
    """SADDLP/UADDLP: adjacent pairs of esz lanes added into 2 * esize lanes."""
    wide, bits = esz + 1, 8 << esz
    if signed:
        low = vshift(ctx, "shr_s", wide, vshift(ctx, "shl", wide, x, bits), bits)
        high = vshift(ctx, "shr_s", wide, x, bits)
    else:
        low = vand(ctx, x, splat((1 << bits) - 1, wide))
        high = vshift(ctx, "shr_u", wide, x, bits)
    return vbin(ctx, "add", wide, low, high)


def trans_saddlp_v(ctx, a):
    _2(ctx, a, lambda x: gen_addlp(ctx, a.esz, x, True))


def trans_uaddlp_v(ctx, a):
    _2(ctx, a, lambda x: gen_addlp(ctx, a.esz, x, False))


def trans_sadalp_v(ctx, a):
    d = read(ctx, a.rd, a.q)
    _2(ctx, a, lambda x: vbin(ctx, "add", a.esz + 1, d, gen_addlp(ctx, a.esz, x, True)))


def trans_uadalp_v(ctx, a):
    d = read(ctx, a.rd, a.q)
    _2(ctx, a, lambda x: vbin(ctx, "add", a.esz + 1, d, gen_addlp(ctx, a.esz, x, False)))


def trans_xtn_v(ctx, a):        # XTN, XTN2 (esz: the narrow elements)
    write_high(ctx, a.rd, ctx.b.vnarrow(read(ctx, a.rn), lane=16 << a.esz), a.q)


def trans_sqxtn_v(ctx, a):
    write_high(ctx, a.rd, gen_sat_narrow(ctx, a.esz, read(ctx, a.rn), True, True), a.q)


def trans_uqxtn_v(ctx, a):
    write_high(ctx, a.rd, gen_sat_narrow(ctx, a.esz, read(ctx, a.rn), False, False), a.q)


def trans_sqxtun_v(ctx, a):
    write_high(ctx, a.rd, gen_sat_narrow(ctx, a.esz, read(ctx, a.rn), True, False), a.q)


def trans_shll_v(ctx, a):       # SHLL, SHLL2: widen, shift left by esize
    wide = ctx.b.vwiden(read(ctx, a.rn), lane=8 << a.esz, signed=False, high=bool(a.q))
    write(ctx, a.rd, vshift(ctx, "shl", a.esz + 1, wide, 8 << a.esz))


# -- across lanes ---------------------------------------------------------------------------------
def _reduce(ctx: Ctx, a, kind: str) -> None:
    x = read(ctx, a.rn, a.q)
    if not a.q and kind != "add":       # min/max: the low half twice, not the zeros
        x = shuffle(ctx, x, x, list(range(8)) * 2)
    ctx.set_vscalar(a.rd, ctx.b.vreduce(x, type=LANE_TYPES[a.esz], kind=kind, lane=8 << a.esz))


def trans_addv(ctx, a):
    _reduce(ctx, a, "add")


def trans_smaxv(ctx, a):
    _reduce(ctx, a, "max_s")


def trans_umaxv(ctx, a):
    _reduce(ctx, a, "max_u")


def trans_sminv(ctx, a):
    _reduce(ctx, a, "min_s")


def trans_uminv(ctx, a):
    _reduce(ctx, a, "min_u")


def _addlv(ctx: Ctx, a, signed: bool) -> None:
    """SADDLV/UADDLV: the sum of the lanes in 2 * esize bits (which cannot overflow)."""
    b = ctx.b
    x = read(ctx, a.rn, a.q)
    lane = 8 << a.esz
    total = b.vwiden(x, lane=lane, signed=signed, high=False)
    if a.q:
        total = vbin(ctx, "add", a.esz + 1, total,
                     b.vwiden(x, lane=lane, signed=signed, high=True))
    ctx.set_vscalar(a.rd, b.vreduce(total, type=LANE_TYPES[a.esz + 1], kind="add",
                                    lane=2 * lane))


def trans_saddlv(ctx, a):
    _addlv(ctx, a, True)


def trans_uaddlv(ctx, a):
    _addlv(ctx, a, False)

