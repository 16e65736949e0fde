"""A64 Advanced SIMD floating point, the rest: the fixed-point conversions (shift by immediate
class), the FP across-lanes reductions, FP by element (vector and scalar), and the AdvSIMD
scalar FP forms (bit 30 = 1: FCMxx, FABD, FMULX, SCVTF/FCVTxx on SIMD&FP registers, FADDP and
friends). Lane functions come from trans_simd_fp.py.
"""

from __future__ import annotations

from dbt.ir import ops
from dbt.ir.types import F32, F64, I32

from .regs import Ctx
from .trans_simd import gen_element, nlanes, read, write
from .trans_simd_fp import (FP_TYPES, f_abd, f_arith, f_compare, f_compare_zero, f_fma,
                            f_minmax, f_mulx, f_narrow_odd, f_to_int, fp_lanes, gen_fp2,
                            gen_int_to_float, i_to_float, vf_arith, vf_fma)


def _s(ctx: Ctx, a, fn, *regs) -> None:
    """A scalar form: fn of the S/D values of regs, written as the scalar Vd."""
    b = ctx.b
    it, ft = FP_TYPES[a.esz]
    result = fn(*[ctx.fp(r, ft) for r in regs])
    ctx.set_vscalar(a.rd, b.bitcast(result, type=it) if result.type is ft else result)


# -- fixed-point conversions (shift by immediate class) -------------------------------------------
def trans_scvtf_vfix(ctx, a):
    gen_int_to_float(ctx, a, True, a.imm)


def trans_ucvtf_vfix(ctx, a):
    gen_int_to_float(ctx, a, False, a.imm)


def trans_fcvtzs_vfix(ctx, a):
    gen_fp2(ctx, a, f_to_int(ctx, ops.RM_RTZ, True, a.imm))


def trans_fcvtzu_vfix(ctx, a):
    gen_fp2(ctx, a, f_to_int(ctx, ops.RM_RTZ, False, a.imm))


# -- across lanes (4S): the Arm ARM's Reduce, halves first ----------------------------------------
def _reduce(ctx: Ctx, a, fn) -> None:
    b = ctx.b
    src = read(ctx, a.rn)
    lanes = [b.bitcast(b.vextract(src, type=I32, lane=32, index=i), type=F32) for i in range(4)]
    ctx.set_fp(a.rd, fn(fn(lanes[0], lanes[1]), fn(lanes[2], lanes[3])))


def trans_fmaxv(ctx, a):
    _reduce(ctx, a, f_minmax(ctx, "fmax", False))


def trans_fminv(ctx, a):
    _reduce(ctx, a, f_minmax(ctx, "fmin", False))


def trans_fmaxnmv(ctx, a):
    _reduce(ctx, a, f_minmax(ctx, "fmax", True))


def trans_fminnmv(ctx, a):
    _reduce(ctx, a, f_minmax(ctx, "fmin", True))


# -- by element -----------------------------------------------------------------------------------
def _element(ctx: Ctx, a):
    return gen_element(ctx, a.rm, a.esz, a.idx)


def trans_fmul_vx(ctx, a):
    n = read(ctx, a.rn, a.q)
    write(ctx, a.rd, vf_arith(ctx, "fmul", a.esz, nlanes(a.q, a.esz), n, _element(ctx, a)), a.q)


def trans_fmulx_vx(ctx, a):
    n = read(ctx, a.rn, a.q)
    write(ctx, a.rd, fp_lanes(ctx, a.esz, nlanes(a.q, a.esz), f_mulx(ctx), n,
                              _element(ctx, a)), a.q)


def _fma_vx(ctx: Ctx, a, negate: bool) -> None:
    n, d = read(ctx, a.rn, a.q), read(ctx, a.rd, a.q)
    write(ctx, a.rd, vf_fma(ctx, a.esz, nlanes(a.q, a.esz), n, _element(ctx, a), d, negate), a.q)


def trans_fmla_vx(ctx, a):
    _fma_vx(ctx, a, False)


def trans_fmls_vx(ctx, a):
    _fma_vx(ctx, a, True)


def _scalar_element(ctx: Ctx, a):
    b = ctx.b
    it, ft = FP_TYPES[a.esz]
    return b.bitcast(b.vextract(read(ctx, a.rm), type=it, lane=8 << a.esz, index=a.idx), type=ft)


def trans_fmul_sx(ctx, a):
    _s(ctx, a, lambda x: f_arith(ctx, "fmul")(x, _scalar_element(ctx, a)), a.rn)


def trans_fmulx_sx(ctx, a):
    _s(ctx, a, lambda x: f_mulx(ctx)(x, _scalar_element(ctx, a)), a.rn)


def trans_fmla_sx(ctx, a):
    _s(ctx, a, lambda x, d: f_fma(ctx, False)(x, _scalar_element(ctx, a), d), a.rn, a.rd)


def trans_fmls_sx(ctx, a):
    _s(ctx, a, lambda x, d: f_fma(ctx, True)(x, _scalar_element(ctx, a), d), a.rn, a.rd)


# -- scalar three same, two-register miscellaneous, pairwise --------------------------------------
def trans_fabd_s(ctx, a):
    _s(ctx, a, f_abd(ctx), a.rn, a.rm)


def trans_fmulx_s(ctx, a):
    _s(ctx, a, f_mulx(ctx), a.rn, a.rm)


def trans_fcmeq_s(ctx, a):
    _s(ctx, a, f_compare(ctx, "feq"), a.rn, a.rm)


def trans_fcmge_s(ctx, a):
    _s(ctx, a, f_compare(ctx, "fle", swap=True), a.rn, a.rm)


def trans_fcmgt_s(ctx, a):
    _s(ctx, a, f_compare(ctx, "flt", swap=True), a.rn, a.rm)


def trans_facge_s(ctx, a):
    _s(ctx, a, f_compare(ctx, "fle", swap=True, absolute=True), a.rn, a.rm)


def trans_facgt_s(ctx, a):
    _s(ctx, a, f_compare(ctx, "flt", swap=True, absolute=True), a.rn, a.rm)


def trans_fcmgt0_s(ctx, a):
    _s(ctx, a, f_compare_zero(ctx, "flt", True), a.rn)


def trans_fcmge0_s(ctx, a):
    _s(ctx, a, f_compare_zero(ctx, "fle", True), a.rn)


def trans_fcmeq0_s(ctx, a):
    _s(ctx, a, f_compare_zero(ctx, "feq", False), a.rn)


def trans_fcmle0_s(ctx, a):
    _s(ctx, a, f_compare_zero(ctx, "fle", False), a.rn)


def trans_fcmlt0_s(ctx, a):
    _s(ctx, a, f_compare_zero(ctx, "flt", False), a.rn)


def _cvt_s(ctx: Ctx, a, rm, signed: bool, fbits: int = 0) -> None:
    _s(ctx, a, f_to_int(ctx, rm, signed, fbits), a.rn)


def trans_fcvtns_s(ctx, a):
    _cvt_s(ctx, a, ops.RM_RNE, True)


def trans_fcvtnu_s(ctx, a):
    _cvt_s(ctx, a, ops.RM_RNE, False)


def trans_fcvtms_s(ctx, a):
    _cvt_s(ctx, a, ops.RM_RDN, True)


def trans_fcvtmu_s(ctx, a):
    _cvt_s(ctx, a, ops.RM_RDN, False)


def trans_fcvtps_s(ctx, a):
    _cvt_s(ctx, a, ops.RM_RUP, True)


def trans_fcvtpu_s(ctx, a):
    _cvt_s(ctx, a, ops.RM_RUP, False)


def trans_fcvtzs_s(ctx, a):
    _cvt_s(ctx, a, ops.RM_RTZ, True)


def trans_fcvtzu_s(ctx, a):
    _cvt_s(ctx, a, ops.RM_RTZ, False)


def trans_fcvtas_s(ctx, a):
    _cvt_s(ctx, a, ops.RM_RMM, True)


def trans_fcvtau_s(ctx, a):
    _cvt_s(ctx, a, ops.RM_RMM, False)


def trans_fcvtzs_sfix(ctx, a):
    _cvt_s(ctx, a, ops.RM_RTZ, True, a.imm)


def trans_fcvtzu_sfix(ctx, a):
    _cvt_s(ctx, a, ops.RM_RTZ, False, a.imm)


def gen_int_to_float_s(ctx: Ctx, a, signed: bool, fbits: int = 0) -> None:
    value = i_to_float(ctx, a.esz, signed, fbits)(ctx.vscalar(a.rn, a.esz))
    ctx.set_vscalar(a.rd, value)


def trans_fcvtxn_s(ctx, a):     # FCVTXN Sd, Dn
    ctx.set_fp(a.rd, f_narrow_odd(ctx)(ctx.fp(a.rn, F64)))


def trans_scvtf_s(ctx, a):
    gen_int_to_float_s(ctx, a, True)


def trans_ucvtf_s(ctx, a):
    gen_int_to_float_s(ctx, a, False)


def trans_scvtf_sfix(ctx, a):
    gen_int_to_float_s(ctx, a, True, a.imm)


def trans_ucvtf_sfix(ctx, a):
    gen_int_to_float_s(ctx, a, False, a.imm)


def _pair_s(ctx: Ctx, a, fn) -> None:
    """FADDP, FMAXP, ... (scalar): the two elements of Vn (2S of the low half, or 2D)."""
    b = ctx.b
    it, ft = FP_TYPES[a.esz]
    src = read(ctx, a.rn)
    x, y = (b.bitcast(b.vextract(src, type=it, lane=8 << a.esz, index=i), type=ft)
            for i in range(2))
    ctx.set_fp(a.rd, fn(x, y))


def trans_faddp_s(ctx, a):
    _pair_s(ctx, a, f_arith(ctx, "fadd"))


def trans_fmaxp_s(ctx, a):
    _pair_s(ctx, a, f_minmax(ctx, "fmax", False))


def trans_fminp_s(ctx, a):
    _pair_s(ctx, a, f_minmax(ctx, "fmin", False))


def trans_fmaxnmp_s(ctx, a):
    _pair_s(ctx, a, f_minmax(ctx, "fmax", True))


def trans_fminnmp_s(ctx, a):
    _pair_s(ctx, a, f_minmax(ctx, "fmin", True))
