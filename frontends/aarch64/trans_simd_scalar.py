"""A64 Advanced SIMD scalar integer forms (01 U 11110 ..., 01 U 111110 ...; Arm ARM C4.1.91):
ADD/SUB/CMxx/shifts of a D register, the saturating ops of any element size (SQDMULH and the
saturating doubling long multiplies also by element), ADDP (scalar).

The element is read into lane 0 of a v128 whose other lanes are zero (`read_scalar`), runs
through the vector emitters of the vector forms, and lane 0 is written back as the scalar
(zeroing the rest of the register), so each instruction has one definition for both forms.
"""

from __future__ import annotations

from dbt.ir.types import I64

from .regs import Ctx
from .trans_simd import (V_ZERO, gen_element, read, read_scalar, set_qc, vbin, vnot, vshift,
                         write_scalar)
from .trans_simd_int import (gen_abs, gen_doubling_mulh, gen_lanes_sat, gen_sat_add,
                             gen_sat_narrow, gen_shift_reg)
from .trans_simd_long import (gen_insert_shift, gen_qshl_imm, gen_rshr, gen_shift_narrow,
                              gen_sqdmull)
from .trans_simd_misc import gen_sat_abs_neg, gen_sat_accumulate


def _s3(ctx: Ctx, a, fn) -> None:
    x, y = read_scalar(ctx, a.rn, a.esz), read_scalar(ctx, a.rm, a.esz)
    write_scalar(ctx, a.rd, fn(x, y), a.esz)


def _s2(ctx: Ctx, a, fn) -> None:
    write_scalar(ctx, a.rd, fn(read_scalar(ctx, a.rn, a.esz)), a.esz)


# -- three same -----------------------------------------------------------------------------------
def trans_add_s(ctx, a):
    _s3(ctx, a, lambda x, y: vbin(ctx, "add", 3, x, y))


def trans_sub_s(ctx, a):
    _s3(ctx, a, lambda x, y: vbin(ctx, "sub", 3, x, y))


def trans_cmeq_s(ctx, a):
    _s3(ctx, a, lambda x, y: vbin(ctx, "eq", 3, x, y))


def trans_cmgt_s(ctx, a):
    _s3(ctx, a, lambda x, y: vbin(ctx, "gt_s", 3, x, y))


def trans_cmhi_s(ctx, a):
    _s3(ctx, a, lambda x, y: vbin(ctx, "gt_u", 3, x, y))


def trans_cmge_s(ctx, a):
    _s3(ctx, a, lambda x, y: vnot(ctx, vbin(ctx, "gt_s", 3, y, x)))


def trans_cmhs_s(ctx, a):
    _s3(ctx, a, lambda x, y: vnot(ctx, vbin(ctx, "gt_u", 3, y, x)))


def trans_cmtst_s(ctx, a):
    _s3(ctx, a, lambda x, y: vnot(ctx, vbin(ctx, "eq", 3, vbin(ctx, "and", 3, x, y), V_ZERO)))


def _shift_reg(ctx: Ctx, a, signed: bool, rounding: bool = False,
               saturating: bool = False) -> None:
    x, amount = ctx.vscalar(a.rn, a.esz), ctx.vscalar(a.rm, a.esz)
    value, sat = gen_shift_reg(ctx, a.esz, x, amount, signed, rounding, saturating)
    if sat is not None:
        set_qc(ctx, sat)
    ctx.set_vscalar(a.rd, value)


def trans_sshl_s(ctx, a):
    _shift_reg(ctx, a, True)


def trans_ushl_s(ctx, a):
    _shift_reg(ctx, a, False)


def trans_srshl_s(ctx, a):
    _shift_reg(ctx, a, True, rounding=True)


def trans_urshl_s(ctx, a):
    _shift_reg(ctx, a, False, rounding=True)


def trans_sqshl_s(ctx, a):
    _shift_reg(ctx, a, True, saturating=True)


def trans_uqshl_s(ctx, a):
    _shift_reg(ctx, a, False, saturating=True)


def trans_sqrshl_s(ctx, a):
    _shift_reg(ctx, a, True, rounding=True, saturating=True)


def trans_uqrshl_s(ctx, a):
    _shift_reg(ctx, a, False, rounding=True, saturating=True)


def trans_sqadd_s(ctx, a):
    _s3(ctx, a, lambda x, y: gen_sat_add(ctx, a.esz, x, y, True, False))


def trans_uqadd_s(ctx, a):
    _s3(ctx, a, lambda x, y: gen_sat_add(ctx, a.esz, x, y, False, False))


def trans_sqsub_s(ctx, a):
    _s3(ctx, a, lambda x, y: gen_sat_add(ctx, a.esz, x, y, True, True))


def trans_uqsub_s(ctx, a):
    _s3(ctx, a, lambda x, y: gen_sat_add(ctx, a.esz, x, y, False, True))


def _doubling_mulh(ctx: Ctx, a, rounding: bool, y=None) -> None:
    """SQDMULH, SQRDMULH (scalar; y: the by-element operand)."""
    x = read_scalar(ctx, a.rn, a.esz)
    y = read_scalar(ctx, a.rm, a.esz) if y is None else y
    value = gen_lanes_sat(ctx, a.esz, 1,
                          lambda u, v: gen_doubling_mulh(ctx, a.esz, u, v, rounding), x, y)
    write_scalar(ctx, a.rd, value, a.esz)


def trans_sqdmulh_s(ctx, a):
    _doubling_mulh(ctx, a, False)


def trans_sqrdmulh_s(ctx, a):
    _doubling_mulh(ctx, a, True)


def trans_sqdmulh_sx(ctx, a):
    _doubling_mulh(ctx, a, False, gen_element(ctx, a.rm, a.esz, a.idx))


def trans_sqrdmulh_sx(ctx, a):
    _doubling_mulh(ctx, a, True, gen_element(ctx, a.rm, a.esz, a.idx))


def _sqdmull(ctx: Ctx, a, kind: str | None, y=None) -> None:
    """SQDMULL, SQDMLAL (add), SQDMLSL (sub), scalar: a 2 * esize result."""
    b = ctx.b
    lane = 8 << a.esz
    y = read_scalar(ctx, a.rm, a.esz) if y is None else y
    n, m = (b.vwiden(v, lane=lane, signed=True, high=False)
            for v in (read_scalar(ctx, a.rn, a.esz), y))
    product = gen_sqdmull(ctx, a.esz, n, m)
    if kind is not None:
        d = read_scalar(ctx, a.rd, a.esz + 1)
        product = gen_sat_add(ctx, a.esz + 1, d, product, True, kind == "sub")
    write_scalar(ctx, a.rd, product, a.esz + 1)


def trans_sqdmull_s(ctx, a):
    _sqdmull(ctx, a, None)


def trans_sqdmlal_s(ctx, a):
    _sqdmull(ctx, a, "add")


def trans_sqdmlsl_s(ctx, a):
    _sqdmull(ctx, a, "sub")


def trans_sqdmull_sx(ctx, a):
    _sqdmull(ctx, a, None, gen_element(ctx, a.rm, a.esz, a.idx))


def trans_sqdmlal_sx(ctx, a):
    _sqdmull(ctx, a, "add", gen_element(ctx, a.rm, a.esz, a.idx))


def trans_sqdmlsl_sx(ctx, a):
    _sqdmull(ctx, a, "sub", gen_element(ctx, a.rm, a.esz, a.idx))


# -- two-register miscellaneous, pairwise ---------------------------------------------------------
def trans_cmgt0_s(ctx, a):
    _s2(ctx, a, lambda x: vbin(ctx, "gt_s", 3, x, V_ZERO))


def trans_cmge0_s(ctx, a):
    _s2(ctx, a, lambda x: vnot(ctx, vbin(ctx, "gt_s", 3, V_ZERO, x)))


def trans_cmeq0_s(ctx, a):
    _s2(ctx, a, lambda x: vbin(ctx, "eq", 3, x, V_ZERO))


def trans_cmle0_s(ctx, a):
    _s2(ctx, a, lambda x: vnot(ctx, vbin(ctx, "gt_s", 3, x, V_ZERO)))


def trans_cmlt0_s(ctx, a):
    _s2(ctx, a, lambda x: vbin(ctx, "gt_s", 3, V_ZERO, x))


def trans_abs_s(ctx, a):
    _s2(ctx, a, lambda x: gen_abs(ctx, 3, x))


def trans_neg_s(ctx, a):
    _s2(ctx, a, lambda x: vbin(ctx, "sub", 3, V_ZERO, x))


def trans_sqabs_s(ctx, a):
    _s2(ctx, a, lambda x: gen_sat_abs_neg(ctx, a.esz, x, False))


def trans_sqneg_s(ctx, a):
    _s2(ctx, a, lambda x: gen_sat_abs_neg(ctx, a.esz, x, True))


def trans_suqadd_s(ctx, a):
    d = read_scalar(ctx, a.rd, a.esz)
    _s2(ctx, a, lambda x: gen_sat_accumulate(ctx, a.esz, 1, d, x, True))


def trans_usqadd_s(ctx, a):
    d = read_scalar(ctx, a.rd, a.esz)
    _s2(ctx, a, lambda x: gen_sat_accumulate(ctx, a.esz, 1, d, x, False))


def _narrow(ctx: Ctx, a, signed_in: bool, signed_out: bool) -> None:
    value = gen_sat_narrow(ctx, a.esz, read_scalar(ctx, a.rn, a.esz + 1), signed_in, signed_out)
    write_scalar(ctx, a.rd, value, a.esz)


def trans_sqxtn_s(ctx, a):
    _narrow(ctx, a, True, True)


def trans_uqxtn_s(ctx, a):
    _narrow(ctx, a, False, False)


def trans_sqxtun_s(ctx, a):
    _narrow(ctx, a, True, False)


def trans_addp_s(ctx, a):       # ADDP Dd, Vn.2D
    b = ctx.b
    src = read(ctx, a.rn)
    lanes = [b.vextract(src, type=I64, lane=64, index=i) for i in range(2)]
    ctx.set_vscalar(a.rd, b.add(lanes[0], lanes[1]))


# -- shift by immediate ---------------------------------------------------------------------------
def _acc(ctx: Ctx, a, fn) -> None:
    d = read_scalar(ctx, a.rd, 3)
    _s2(ctx, a, lambda x: vbin(ctx, "add", 3, d, fn(x)))


def trans_sshr_s(ctx, a):
    _s2(ctx, a, lambda x: vshift(ctx, "shr_s", 3, x, a.imm))


def trans_ushr_s(ctx, a):
    _s2(ctx, a, lambda x: vshift(ctx, "shr_u", 3, x, a.imm))


def trans_ssra_s(ctx, a):
    _acc(ctx, a, lambda x: vshift(ctx, "shr_s", 3, x, a.imm))


def trans_usra_s(ctx, a):
    _acc(ctx, a, lambda x: vshift(ctx, "shr_u", 3, x, a.imm))


def trans_srshr_s(ctx, a):
    _s2(ctx, a, lambda x: gen_rshr(ctx, 3, x, a.imm, True))


def trans_urshr_s(ctx, a):
    _s2(ctx, a, lambda x: gen_rshr(ctx, 3, x, a.imm, False))


def trans_srsra_s(ctx, a):
    _acc(ctx, a, lambda x: gen_rshr(ctx, 3, x, a.imm, True))


def trans_ursra_s(ctx, a):
    _acc(ctx, a, lambda x: gen_rshr(ctx, 3, x, a.imm, False))


def trans_shl_s(ctx, a):
    _s2(ctx, a, lambda x: vshift(ctx, "shl", 3, x, a.imm))


def trans_sli_s(ctx, a):
    d = read_scalar(ctx, a.rd, 3)
    _s2(ctx, a, lambda x: gen_insert_shift(ctx, 3, d, x, a.imm, True))


def trans_sri_s(ctx, a):
    d = read_scalar(ctx, a.rd, 3)
    _s2(ctx, a, lambda x: gen_insert_shift(ctx, 3, d, x, a.imm, False))


def trans_sqshl_si(ctx, a):
    _s2(ctx, a, lambda x: gen_qshl_imm(ctx, a.esz, 1, x, a.imm, True, True))


def trans_uqshl_si(ctx, a):
    _s2(ctx, a, lambda x: gen_qshl_imm(ctx, a.esz, 1, x, a.imm, False, False))


def trans_sqshlu_si(ctx, a):
    _s2(ctx, a, lambda x: gen_qshl_imm(ctx, a.esz, 1, x, a.imm, True, False))


def _shift_narrow(ctx: Ctx, a, signed: bool, rounding: bool, saturate: tuple) -> None:
    x = read_scalar(ctx, a.rn, a.esz + 1)
    write_scalar(ctx, a.rd, gen_shift_narrow(ctx, a.esz, x, a.imm, signed, rounding, saturate),
                 a.esz)


def trans_sqshrn_s(ctx, a):
    _shift_narrow(ctx, a, True, False, (True, True))


def trans_sqrshrn_s(ctx, a):
    _shift_narrow(ctx, a, True, True, (True, True))


def trans_uqshrn_s(ctx, a):
    _shift_narrow(ctx, a, False, False, (False, False))


def trans_uqrshrn_s(ctx, a):
    _shift_narrow(ctx, a, False, True, (False, False))


def trans_sqshrun_s(ctx, a):
    _shift_narrow(ctx, a, True, False, (True, False))


def trans_sqrshrun_s(ctx, a):
    _shift_narrow(ctx, a, True, True, (True, False))

