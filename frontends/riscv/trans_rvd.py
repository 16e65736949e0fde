"""RV64D double precision: the F emitters at F64, plus the conversions between precisions."""

from __future__ import annotations

from dbt.ir.types import F32, F64

from .trans_rvf import define, gen_fp_load, gen_fp_store

globals().update(define(F64, "d"))


def trans_fld(ctx, a):
    gen_fp_load(ctx, a, F64)


def trans_fsd(ctx, a):
    gen_fp_store(ctx, a, F64)


def trans_fcvt_s_d(ctx, a):
    ctx.set_f(a.rd, ctx.b.fcvt_f(ctx.get_f(a.rs1, F64), ctx.rm(a.rm), type=F32))


def trans_fcvt_d_s(ctx, a):
    ctx.set_f(a.rd, ctx.b.fcvt_f(ctx.get_f(a.rs1, F32), ctx.rm(a.rm), type=F64))


def trans_fmv_x_d(ctx, a):
    ctx.set_x(a.rd, ctx.get_f_raw(a.rs1))


def trans_fmv_d_x(ctx, a):
    ctx.set_f_raw(a.rd, ctx.x(a.rs1))
