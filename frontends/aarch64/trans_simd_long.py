"""A64 Advanced SIMD: three different (long, wide and narrowing), shift by immediate and the
integer vector x indexed element classes (Arm ARM C4.1.91).

The long forms (SADDL, SMULL, ... and their "2" forms, q = 1, which read the upper halves) widen
with vwiden and compute in 2 * esize lanes; the narrowing ones (ADDHN, SHRN, SQXTN, ...) compute
in the wide lanes and write the narrowed half (`write_high`).
"""

from __future__ import annotations

from dbt.ir.block import Const
from dbt.ir.types import I128

from .regs import Ctx
from .trans_simd import (gen_element, lane_min, nlanes, read, set_qc, splat, vand, vbin, vor,
                         vshift, vxor, write, write_high)
from .trans_simd_int import (gen_abd, gen_clamp, gen_doubling_mulh, gen_lanes_sat, gen_pmul,
                             gen_sat_add, gen_sat_narrow)


def _widen(ctx: Ctx, x, esz: int, q: int, signed: bool):
    return ctx.b.vwiden(x, lane=8 << esz, signed=signed, high=bool(q))


# -- three different ------------------------------------------------------------------------------
def _long(ctx: Ctx, a, signed: bool, fn, wide_n: bool = False, acc: bool = False) -> None:
    """Vd (2 * esize lanes) = fn([Vd,] N, M): N, M the widened halves (N the whole Vn for
    the wide forms)."""
    n = read(ctx, a.rn) if wide_n else _widen(ctx, read(ctx, a.rn), a.esz, a.q, signed)
    m = _widen(ctx, read(ctx, a.rm), a.esz, a.q, signed)
    args = (read(ctx, a.rd), n, m) if acc else (n, m)
    write(ctx, a.rd, fn(*args))


def _add_long(ctx: Ctx, a, signed: bool, kind: str, wide_n: bool = False) -> None:
    _long(ctx, a, signed, lambda n, m: vbin(ctx, kind, a.esz + 1, n, m), wide_n)


def trans_saddl_v(ctx, a):
    _add_long(ctx, a, True, "add")


def trans_uaddl_v(ctx, a):
    _add_long(ctx, a, False, "add")


def trans_ssubl_v(ctx, a):
    _add_long(ctx, a, True, "sub")


def trans_usubl_v(ctx, a):
    _add_long(ctx, a, False, "sub")


def trans_saddw_v(ctx, a):
    _add_long(ctx, a, True, "add", wide_n=True)


def trans_uaddw_v(ctx, a):
    _add_long(ctx, a, False, "add", wide_n=True)


def trans_ssubw_v(ctx, a):
    _add_long(ctx, a, True, "sub", wide_n=True)


def trans_usubw_v(ctx, a):
    _add_long(ctx, a, False, "sub", wide_n=True)


def trans_smull_v(ctx, a):
    _long(ctx, a, True, lambda n, m: vbin(ctx, "mul", a.esz + 1, n, m))


def trans_umull_v(ctx, a):
    _long(ctx, a, False, lambda n, m: vbin(ctx, "mul", a.esz + 1, n, m))


def _mla_long(ctx: Ctx, a, signed: bool, kind: str) -> None:
    w = a.esz + 1
    _long(ctx, a, signed, lambda d, n, m: vbin(ctx, kind, w, d, vbin(ctx, "mul", w, n, m)),
          acc=True)


def trans_smlal_v(ctx, a):
    _mla_long(ctx, a, True, "add")


def trans_umlal_v(ctx, a):
    _mla_long(ctx, a, False, "add")


def trans_smlsl_v(ctx, a):
    _mla_long(ctx, a, True, "sub")


def trans_umlsl_v(ctx, a):
    _mla_long(ctx, a, False, "sub")


def trans_sabdl_v(ctx, a):
    _long(ctx, a, True, lambda n, m: gen_abd(ctx, a.esz + 1, n, m, True))


def trans_uabdl_v(ctx, a):
    _long(ctx, a, False, lambda n, m: gen_abd(ctx, a.esz + 1, n, m, False))


def trans_sabal_v(ctx, a):
    w = a.esz + 1
    _long(ctx, a, True, lambda d, n, m: vbin(ctx, "add", w, d, gen_abd(ctx, w, n, m, True)),
          acc=True)


def trans_uabal_v(ctx, a):
    w = a.esz + 1
    _long(ctx, a, False, lambda d, n, m: vbin(ctx, "add", w, d, gen_abd(ctx, w, n, m, False)),
          acc=True)


def trans_pmull_v(ctx, a):      # PMULL, PMULL2 (8B -> 8H)
    _long(ctx, a, False, lambda n, m: gen_pmul(ctx, 1, n, m, 8))


def gen_sqdmull(ctx: Ctx, esz: int, n, m):
    """2 * n * m of widened lanes, saturated: only INT_MIN * INT_MIN overflows, to INT_MIN of
    the wide lane, which becomes INT_MAX (QC)."""
    w = esz + 1
    product = vbin(ctx, "mul", w, n, m)
    doubled = vbin(ctx, "add", w, product, product)
    sat = vbin(ctx, "eq", w, doubled, splat(lane_min(w), w))
    set_qc(ctx, sat)
    return vxor(ctx, doubled, sat)


def trans_sqdmull_v(ctx, a):
    _long(ctx, a, True, lambda n, m: gen_sqdmull(ctx, a.esz, n, m))


def trans_sqdmlal_v(ctx, a):
    _long(ctx, a, True, lambda d, n, m: gen_sat_add(ctx, a.esz + 1, d, gen_sqdmull(
        ctx, a.esz, n, m), True, False), acc=True)


def trans_sqdmlsl_v(ctx, a):
    _long(ctx, a, True, lambda d, n, m: gen_sat_add(ctx, a.esz + 1, d, gen_sqdmull(
        ctx, a.esz, n, m), True, True), acc=True)


def gen_rshr(ctx: Ctx, esz: int, x, n: int, signed: bool):
    """x >> n rounded (n >= 1): (x >> n) + bit n - 1 of x, which cannot overflow."""
    shr = "shr_s" if signed else "shr_u"
    return vbin(ctx, "add", esz, vshift(ctx, shr, esz, x, n),
                vand(ctx, vshift(ctx, shr, esz, x, n - 1), splat(1, esz)))


def _high_narrow(ctx: Ctx, a, kind: str, rounding: bool) -> None:
    """ADDHN, RADDHN, SUBHN, RSUBHN: the high halves of the 2 * esize sums."""
    w, bits = a.esz + 1, 8 << a.esz
    total = vbin(ctx, kind, w, read(ctx, a.rn), read(ctx, a.rm))
    if rounding:
        total = vbin(ctx, "add", w, total, splat(1 << (bits - 1), w))
    high = vshift(ctx, "shr_u", w, total, bits)
    write_high(ctx, a.rd, ctx.b.vnarrow(high, lane=2 * bits), a.q)


def trans_addhn_v(ctx, a):
    _high_narrow(ctx, a, "add", False)


def trans_raddhn_v(ctx, a):
    _high_narrow(ctx, a, "add", True)


def trans_subhn_v(ctx, a):
    _high_narrow(ctx, a, "sub", False)


def trans_rsubhn_v(ctx, a):
    _high_narrow(ctx, a, "sub", True)


# -- shift by immediate ---------------------------------------------------------------------------
def _2(ctx: Ctx, a, fn) -> None:
    write(ctx, a.rd, fn(read(ctx, a.rn, a.q)), a.q)


def _acc(ctx: Ctx, a, fn) -> None:
    d = read(ctx, a.rd, a.q)
    write(ctx, a.rd, vbin(ctx, "add", a.esz, d, fn(read(ctx, a.rn, a.q))), a.q)


def trans_sshr_v(ctx, a):
    _2(ctx, a, lambda x: vshift(ctx, "shr_s", a.esz, x, a.imm))


def trans_ushr_v(ctx, a):
    _2(ctx, a, lambda x: vshift(ctx, "shr_u", a.esz, x, a.imm))


def trans_ssra_v(ctx, a):
    _acc(ctx, a, lambda x: vshift(ctx, "shr_s", a.esz, x, a.imm))


def trans_usra_v(ctx, a):
    _acc(ctx, a, lambda x: vshift(ctx, "shr_u", a.esz, x, a.imm))


def trans_srshr_v(ctx, a):
    _2(ctx, a, lambda x: gen_rshr(ctx, a.esz, x, a.imm, True))


def trans_urshr_v(ctx, a):
    _2(ctx, a, lambda x: gen_rshr(ctx, a.esz, x, a.imm, False))


def trans_srsra_v(ctx, a):
    _acc(ctx, a, lambda x: gen_rshr(ctx, a.esz, x, a.imm, True))


def trans_ursra_v(ctx, a):
    _acc(ctx, a, lambda x: gen_rshr(ctx, a.esz, x, a.imm, False))


def trans_shl_v(ctx, a):
    _2(ctx, a, lambda x: vshift(ctx, "shl", a.esz, x, a.imm))


def gen_insert_shift(ctx: Ctx, esz: int, d, x, n: int, left: bool):
    """SLI, SRI: x shifted, the bits it does not cover kept from d."""
    ones = (1 << (8 << esz)) - 1
    covered = (ones << n) & ones if left else ones >> n
    moved = vshift(ctx, "shl" if left else "shr_u", esz, x, n)
    return vor(ctx, vand(ctx, d, splat(ones ^ covered, esz)), moved)


def trans_sli_v(ctx, a):
    d = read(ctx, a.rd, a.q)
    _2(ctx, a, lambda x: gen_insert_shift(ctx, a.esz, d, x, a.imm, True))


def trans_sri_v(ctx, a):
    d = read(ctx, a.rd, a.q)
    _2(ctx, a, lambda x: gen_insert_shift(ctx, a.esz, d, x, a.imm, False))


def gen_qshl_imm(ctx: Ctx, esz: int, count: int, x, n: int, signed_in: bool, signed_out: bool):
    """SQSHL, UQSHL, SQSHLU (immediate): x << n saturated, lane by lane in 128 bits."""
    b = ctx.b

    def lane(v):
        wide = b.sext(v, type=I128) if signed_in else b.zext(v, type=I128)
        return gen_clamp(ctx, b.shl(wide, Const(n, I128)), 8 << esz, signed_in, signed_out)
    return gen_lanes_sat(ctx, esz, count, lane, x)


def trans_sqshl_vi(ctx, a):
    _2(ctx, a, lambda x: gen_qshl_imm(ctx, a.esz, nlanes(a.q, a.esz), x, a.imm, True, True))


def trans_uqshl_vi(ctx, a):
    _2(ctx, a, lambda x: gen_qshl_imm(ctx, a.esz, nlanes(a.q, a.esz), x, a.imm, False, False))


def trans_sqshlu_vi(ctx, a):
    _2(ctx, a, lambda x: gen_qshl_imm(ctx, a.esz, nlanes(a.q, a.esz), x, a.imm, True, False))


def gen_shift_narrow(ctx: Ctx, esz: int, x, n: int, signed: bool, rounding: bool,
                     saturate: tuple | None):
    """The 2 * esize lanes of x shifted right by n (rounded), narrowed (saturate: None, or
    (signed source, signed result))."""
    w = esz + 1
    shifted = (gen_rshr(ctx, w, x, n, signed) if rounding
               else vshift(ctx, "shr_s" if signed else "shr_u", w, x, n))
    if saturate is None:
        return ctx.b.vnarrow(shifted, lane=16 << esz)
    return gen_sat_narrow(ctx, esz, shifted, *saturate)


def _shift_narrow(ctx: Ctx, a, signed: bool, rounding: bool, saturate=None) -> None:
    value = gen_shift_narrow(ctx, a.esz, read(ctx, a.rn), a.imm, signed, rounding, saturate)
    write_high(ctx, a.rd, value, a.q)


def trans_shrn_v(ctx, a):
    _shift_narrow(ctx, a, False, False)


def trans_rshrn_v(ctx, a):
    _shift_narrow(ctx, a, False, True)


def trans_sqshrn_v(ctx, a):
    _shift_narrow(ctx, a, True, False, (True, True))


def trans_sqrshrn_v(ctx, a):
    _shift_narrow(ctx, a, True, True, (True, True))


def trans_uqshrn_v(ctx, a):
    _shift_narrow(ctx, a, False, False, (False, False))


def trans_uqrshrn_v(ctx, a):
    _shift_narrow(ctx, a, False, True, (False, False))


def trans_sqshrun_v(ctx, a):
    _shift_narrow(ctx, a, True, False, (True, False))


def trans_sqrshrun_v(ctx, a):
    _shift_narrow(ctx, a, True, True, (True, False))


def _shift_long(ctx: Ctx, a, signed: bool) -> None:
    """SSHLL, USHLL (SXTL, UXTL with a shift of 0) and their "2" forms."""
    wide = _widen(ctx, read(ctx, a.rn), a.esz, a.q, signed)
    write(ctx, a.rd, vshift(ctx, "shl", a.esz + 1, wide, a.imm))


def trans_sshll_v(ctx, a):
    _shift_long(ctx, a, True)


def trans_ushll_v(ctx, a):
    _shift_long(ctx, a, False)


# -- vector x indexed element (integer) -----------------------------------------------------------
def element(ctx: Ctx, a):
    """Vm[idx] in every lane."""
    return gen_element(ctx, a.rm, a.esz, a.idx)


def trans_mul_vx(ctx, a):
    _2(ctx, a, lambda x: vbin(ctx, "mul", a.esz, x, element(ctx, a)))


def trans_mla_vx(ctx, a):
    _acc(ctx, a, lambda x: vbin(ctx, "mul", a.esz, x, element(ctx, a)))


def trans_mls_vx(ctx, a):
    d = read(ctx, a.rd, a.q)
    _2(ctx, a, lambda x: vbin(ctx, "sub", a.esz, d, vbin(ctx, "mul", a.esz, x, element(ctx, a))))


def _doubling_mulh_x(ctx: Ctx, a, rounding: bool) -> None:
    _2(ctx, a, lambda x: gen_lanes_sat(
        ctx, a.esz, nlanes(a.q, a.esz),
        lambda u, v: gen_doubling_mulh(ctx, a.esz, u, v, rounding), x, element(ctx, a)))


def trans_sqdmulh_vx(ctx, a):
    _doubling_mulh_x(ctx, a, False)


def trans_sqrdmulh_vx(ctx, a):
    _doubling_mulh_x(ctx, a, True)


def _long_x(ctx: Ctx, a, signed: bool, kind: str | None) -> None:
    """SMULL, UMULL (kind None), SMLAL, UMLAL (add), SMLSL, UMLSL (sub) by element."""
    w = a.esz + 1
    n = _widen(ctx, read(ctx, a.rn), a.esz, a.q, signed)
    m = _widen(ctx, element(ctx, a), a.esz, 0, signed)
    product = vbin(ctx, "mul", w, n, m)
    if kind is not None:
        product = vbin(ctx, kind, w, read(ctx, a.rd), product)
    write(ctx, a.rd, product)


def _sqdmull_x(ctx: Ctx, a, kind: str | None) -> None:
    """SQDMULL, SQDMLAL (add), SQDMLSL (sub) by element: saturating at both steps."""
    n = _widen(ctx, read(ctx, a.rn), a.esz, a.q, True)
    m = _widen(ctx, element(ctx, a), a.esz, 0, True)
    product = gen_sqdmull(ctx, a.esz, n, m)
    if kind is not None:
        product = gen_sat_add(ctx, a.esz + 1, read(ctx, a.rd), product, True, kind == "sub")
    write(ctx, a.rd, product)


def trans_sqdmull_vx(ctx, a):
    _sqdmull_x(ctx, a, None)


def trans_sqdmlal_vx(ctx, a):
    _sqdmull_x(ctx, a, "add")


def trans_sqdmlsl_vx(ctx, a):
    _sqdmull_x(ctx, a, "sub")


def trans_smull_vx(ctx, a):
    _long_x(ctx, a, True, None)


def trans_umull_vx(ctx, a):
    _long_x(ctx, a, False, None)


def trans_smlal_vx(ctx, a):
    _long_x(ctx, a, True, "add")


def trans_umlal_vx(ctx, a):
    _long_x(ctx, a, False, "add")


def trans_smlsl_vx(ctx, a):
    _long_x(ctx, a, True, "sub")


def trans_umlsl_vx(ctx, a):
    _long_x(ctx, a, False, "sub")
