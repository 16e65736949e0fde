"""RV64F single precision, and the emitters that RV64D shares (`fmt` is F32 or F64).

IEEE arithmetic, rounding, flags and canonical NaNs are the IR's FP ops; what is RISC-V here is
NaN-boxing (in the register accessors), the sign-injection and transfer instructions, the
sign-extension of 32-bit integer results, and the static/dynamic rounding-mode operand.
"""

from __future__ import annotations

from dbt.ir.types import F32, F64, I32, I64

from .regs import Ctx

_INT = {F32: I32, F64: I64}
_SIGN = {F32: 1 << 31, F64: 1 << 63}


def gen_fp_arith(ctx: Ctx, a, fmt, op: str) -> None:
    b = ctx.b
    x, y = ctx.get_f(a.rs1, fmt), ctx.get_f(a.rs2, fmt)
    ctx.set_f(a.rd, b.emit(op, x, y, ctx.rm(a.rm)))


def gen_fsqrt(ctx: Ctx, a, fmt) -> None:
    ctx.set_f(a.rd, ctx.b.fsqrt(ctx.get_f(a.rs1, fmt), ctx.rm(a.rm)))


def _negate(ctx: Ctx, value, fmt):
    b = ctx.b
    flipped = b.xor(b.bitcast(value, type=_INT[fmt]), _SIGN[fmt])
    return b.bitcast(flipped, type=fmt)


def gen_fused(ctx: Ctx, a, fmt, negate_product: bool, negate_addend: bool) -> None:
    """fmadd/fmsub/fnmsub/fnmadd: (±rs1·rs2) ± rs3 with one rounding."""
    x = ctx.get_f(a.rs1, fmt)
    y = ctx.get_f(a.rs2, fmt)
    z = ctx.get_f(a.rs3, fmt)
    if negate_product:
        x = _negate(ctx, x, fmt)
    if negate_addend:
        z = _negate(ctx, z, fmt)
    ctx.set_f(a.rd, ctx.b.fma(x, y, z, ctx.rm(a.rm)))


def gen_sign_inject(ctx: Ctx, a, fmt, mode: str) -> None:
    """fsgnj (sign of rs2), fsgnjn (its inverse), fsgnjx (xor of both signs)."""
    b = ctx.b
    t, sign = _INT[fmt], _SIGN[fmt]
    x = b.bitcast(ctx.get_f(a.rs1, fmt), type=t)
    y = b.bitcast(ctx.get_f(a.rs2, fmt), type=t)
    if mode == "x":
        result = b.xor(x, b.and_(y, sign))
    else:
        s = b.and_(y, sign) if mode == "j" else b.and_(b.not_(y), sign)
        result = b.or_(b.and_(x, sign - 1), s)
    ctx.set_f(a.rd, b.bitcast(result, type=fmt))


def gen_minmax(ctx: Ctx, a, fmt, op: str) -> None:
    ctx.set_f(a.rd, ctx.b.emit(op, ctx.get_f(a.rs1, fmt), ctx.get_f(a.rs2, fmt)))


def gen_compare(ctx: Ctx, a, fmt, op: str) -> None:
    b = ctx.b
    cond = b.emit(op, ctx.get_f(a.rs1, fmt), ctx.get_f(a.rs2, fmt))
    ctx.set_x(a.rd, b.zext(cond, type=I64))


def gen_fclass(ctx: Ctx, a, fmt) -> None:
    ctx.set_x(a.rd, ctx.b.fclass(ctx.get_f(a.rs1, fmt)))


def gen_to_int(ctx: Ctx, a, fmt, int_type, signed: bool) -> None:
    """fcvt.{w,wu,l,lu}.fmt: saturating conversion; 32-bit results are sign-extended."""
    b = ctx.b
    op = "fcvt_to_si" if signed else "fcvt_to_ui"
    value = b.emit(op, ctx.get_f(a.rs1, fmt), ctx.rm(a.rm), type=int_type)
    if int_type is I32:
        ctx.set_x_w(a.rd, value)
    else:
        ctx.set_x(a.rd, value)


def gen_from_int(ctx: Ctx, a, fmt, int_type, signed: bool) -> None:
    """fcvt.fmt.{w,wu,l,lu}."""
    b = ctx.b
    src = ctx.x_w(a.rs1) if int_type is I32 else ctx.x(a.rs1)
    op = "fcvt_from_si" if signed else "fcvt_from_ui"
    ctx.set_f(a.rd, b.emit(op, src, ctx.rm(a.rm), type=fmt))


def gen_fp_load(ctx: Ctx, a, fmt) -> None:
    b = ctx.b
    addr = b.add(ctx.x(a.rs1), ctx.imm(a.imm))
    value = b.load(addr, type=_INT[fmt])
    if fmt is F32:
        ctx.set_f(a.rd, b.bitcast(value, type=F32))
    else:
        ctx.set_f_raw(a.rd, value)


def gen_fp_store(ctx: Ctx, a, fmt) -> None:
    b = ctx.b
    addr = b.add(ctx.x(a.rs1), ctx.imm(a.imm))
    raw = ctx.get_f_raw(a.rs2)             # stores move bits: no NaN-unboxing
    b.store(addr, b.trunc(raw, type=I32) if fmt is F32 else raw)


def define(fmt, suffix: str) -> dict:
    """The trans_* functions of one precision (shared by F and D)."""
    h = {}
    for op in ("add", "sub", "mul", "div"):
        h[f"f{op}"] = lambda ctx, a, op=op: gen_fp_arith(ctx, a, fmt, "f" + op)
    h["fsqrt"] = lambda ctx, a: gen_fsqrt(ctx, a, fmt)
    h["fmadd"] = lambda ctx, a: gen_fused(ctx, a, fmt, False, False)
    h["fmsub"] = lambda ctx, a: gen_fused(ctx, a, fmt, False, True)
    h["fnmsub"] = lambda ctx, a: gen_fused(ctx, a, fmt, True, False)
    h["fnmadd"] = lambda ctx, a: gen_fused(ctx, a, fmt, True, True)
    for mode in ("j", "jn", "jx"):
        h[f"fsgn{mode}"] = lambda ctx, a, m=mode[-1]: gen_sign_inject(ctx, a, fmt, m)
    h["fmin"] = lambda ctx, a: gen_minmax(ctx, a, fmt, "fmin")
    h["fmax"] = lambda ctx, a: gen_minmax(ctx, a, fmt, "fmax")
    for op in ("eq", "lt", "le"):
        h[f"f{op}"] = lambda ctx, a, op=op: gen_compare(ctx, a, fmt, "f" + op)
    h["fclass"] = lambda ctx, a: gen_fclass(ctx, a, fmt)
    for name, t, signed in (("w", I32, True), ("wu", I32, False),
                            ("l", I64, True), ("lu", I64, False)):
        h[f"fcvt_{name}"] = lambda ctx, a, t=t, s=signed: gen_to_int(ctx, a, fmt, t, s)
        h[f"fcvt_{suffix}_{name}"] = (
            lambda ctx, a, t=t, s=signed: gen_from_int(ctx, a, fmt, t, s))
    out = {}
    for name, fn in h.items():
        if name.startswith(f"fcvt_{suffix}_"):
            out[f"trans_{name}"] = fn                 # fcvt_s_w: already fully named
        elif name.startswith("fcvt_"):
            out[f"trans_{name}_{suffix}"] = fn        # fcvt_w + _s
        else:
            out[f"trans_{name}_{suffix}"] = fn
    return out


globals().update(define(F32, "s"))


def trans_flw(ctx, a):
    gen_fp_load(ctx, a, F32)


def trans_fsw(ctx, a):
    gen_fp_store(ctx, a, F32)


def trans_fmv_x_w(ctx, a):
    ctx.set_x_w(a.rd, ctx.b.trunc(ctx.get_f_raw(a.rs1), type=I32))


def trans_fmv_w_x(ctx, a):
    from .regs import box
    ctx.set_f_raw(a.rd, box(ctx.b, ctx.x_w(a.rs1)))
