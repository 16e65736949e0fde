"""RV64M: multiplication and division. The IR's division ops already have RISC-V's results
for division by zero and overflow, so no instruction here needs a special case."""

from __future__ import annotations

from dbt.ir.types import I64, I128

from .regs import Ctx
from .trans_rvi import _rr, _rr_w


def gen_mulh(ctx: Ctx, a, ext1: str, ext2: str) -> None:
    """High 64 bits of the 128-bit product, operands extended by `ext1`/`ext2`."""
    b = ctx.b
    x = b.emit(ext1, ctx.x(a.rs1), type=I128)
    y = b.emit(ext2, ctx.x(a.rs2), type=I128)
    ctx.set_x(a.rd, b.trunc(b.shr_u(b.mul(x, y), 64), type=I64))


trans_mul = _rr("mul")
trans_div = _rr("div_s")
trans_divu = _rr("div_u")
trans_rem = _rr("rem_s")
trans_remu = _rr("rem_u")
trans_mulw = _rr_w("mul")
trans_divw = _rr_w("div_s")
trans_divuw = _rr_w("div_u")
trans_remw = _rr_w("rem_s")
trans_remuw = _rr_w("rem_u")


def trans_mulh(ctx, a):
    gen_mulh(ctx, a, "sext", "sext")


def trans_mulhu(ctx, a):
    gen_mulh(ctx, a, "zext", "zext")


def trans_mulhsu(ctx, a):
    gen_mulh(ctx, a, "sext", "zext")
