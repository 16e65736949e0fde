"""A64 integer data processing: immediate and register forms (Arm ARM C4.1.86, C4.1.89).

Every instruction has a 32-bit (sf = 0) and a 64-bit form; the 32-bit form computes on i32
values and writes its result zero-extended (`Ctx.set_reg`).
"""

from __future__ import annotations

from dbt.ir.block import Const
from dbt.ir.types import I1, I8, I16, I32, I64, I128

from .regs import Ctx

_MASK64 = (1 << 64) - 1


def _type(sf: int):
    return I64 if sf else I32


def _width(sf: int) -> int:
    return 64 if sf else 32


def _ones(n: int) -> int:
    return (1 << n) - 1


# -- shared emitters ----------------------------------------------------------------------------
def gen_shift(ctx: Ctx, value, shift: int, amount: int):
    """A shifted-register operand: LSL, LSR, ASR or ROR by a constant."""
    if amount == 0:
        return value
    op = ("shl", "shr_u", "shr_s", "rotr")[shift]
    return ctx.b.emit(op, value, Const(amount, value.type))


def gen_extend(ctx: Ctx, r: int, option: int, amount: int, sf: int):
    """An extended-register operand: Wr/Xr extended by `option` (UXTB .. SXTX), shifted left."""
    b = ctx.b
    t = _type(sf)
    size = option & 3
    src = ctx.x(r)
    if size < 3:
        narrow = b.trunc(src, type=(I8, I16, I32)[size])
        src = b.sext(narrow, type=I64) if option & 4 else b.zext(narrow, type=I64)
    if t is I32:
        src = b.trunc(src, type=I32)
    return b.shl(src, Const(amount, t)) if amount else src


def gen_addsub(ctx: Ctx, x, y, sub: bool, setflags: bool):
    """x + y or x - y; with setflags also NZCV."""
    b = ctx.b
    result = b.sub(x, y) if sub else b.add(x, y)
    if setflags:
        zero = Const(0, x.type)
        n, z = b.lt_s(result, zero), b.eq(result, zero)
        if sub:
            c = b.le_u(y, x)
            v = b.add_overflow(x, b.not_(y), Const(1, I1))
            ctx.set_flags(n, z, c, v, ("sub", x, y))
        else:
            c = b.add_carry(x, y, Const(0, I1))
            v = b.add_overflow(x, y, Const(0, I1))
            ctx.set_flags(n, z, c, v)
    return result


def gen_logic_flags(ctx: Ctx, result) -> None:
    b = ctx.b
    zero = Const(0, result.type)
    false = Const(0, I1)
    ctx.set_flags(b.lt_s(result, zero), b.eq(result, zero), false, false,
                  ("logic", result, None))


# -- add/sub --------------------------------------------------------------------------------------
def _addsub_i(ctx: Ctx, a, sub: bool) -> None:
    imm = a.imm << 12 if a.sh else a.imm
    x = ctx.reg_sp(a.rn, a.sf)
    result = gen_addsub(ctx, x, Const(imm, x.type), sub, a.s)
    (ctx.set_reg if a.s else ctx.set_reg_sp)(a.rd, a.sf, result)


def trans_add_i(ctx, a):
    _addsub_i(ctx, a, False)


def trans_sub_i(ctx, a):
    _addsub_i(ctx, a, True)


def _addsub_r(ctx: Ctx, a, sub: bool) -> None:
    y = gen_shift(ctx, ctx.reg(a.rm, a.sf), a.shift, a.amount)
    ctx.set_reg(a.rd, a.sf, gen_addsub(ctx, ctx.reg(a.rn, a.sf), y, sub, a.s))


def trans_add_r(ctx, a):
    _addsub_r(ctx, a, False)


def trans_sub_r(ctx, a):
    _addsub_r(ctx, a, True)


def _addsub_x(ctx: Ctx, a, sub: bool) -> None:
    y = gen_extend(ctx, a.rm, a.option, a.amount, a.sf)
    result = gen_addsub(ctx, ctx.reg_sp(a.rn, a.sf), y, sub, a.s)
    (ctx.set_reg if a.s else ctx.set_reg_sp)(a.rd, a.sf, result)


def trans_add_x(ctx, a):
    _addsub_x(ctx, a, False)


def trans_sub_x(ctx, a):
    _addsub_x(ctx, a, True)


def _adc(ctx: Ctx, a, sub: bool) -> None:
    b = ctx.b
    x, y = ctx.reg(a.rn, a.sf), ctx.reg(a.rm, a.sf)
    if sub:
        y = b.not_(y)
    carry = ctx.get_flags()[2]
    result = b.add(b.add(x, y), b.zext(carry, type=x.type))
    if a.s:
        zero = Const(0, x.type)
        ctx.set_flags(b.lt_s(result, zero), b.eq(result, zero),
                      b.add_carry(x, y, carry), b.add_overflow(x, y, carry))
    ctx.set_reg(a.rd, a.sf, result)


def trans_adc(ctx, a):
    _adc(ctx, a, False)


def trans_sbc(ctx, a):
    _adc(ctx, a, True)


# -- logical --------------------------------------------------------------------------------------
def _logic_i(ctx: Ctx, a, op: str, setflags: bool = False) -> None:
    x = ctx.reg(a.rn, a.sf)
    result = ctx.b.emit(op, x, Const(a.imm, x.type))
    if setflags:
        gen_logic_flags(ctx, result)
        ctx.set_reg(a.rd, a.sf, result)
    else:
        ctx.set_reg_sp(a.rd, a.sf, result)


def trans_and_i(ctx, a):
    _logic_i(ctx, a, "and")


def trans_orr_i(ctx, a):
    _logic_i(ctx, a, "or")


def trans_eor_i(ctx, a):
    _logic_i(ctx, a, "xor")


def trans_ands_i(ctx, a):
    _logic_i(ctx, a, "and", True)


def _logic_r(ctx: Ctx, a, op: str, setflags: bool = False) -> None:
    b = ctx.b
    y = gen_shift(ctx, ctx.reg(a.rm, a.sf), a.shift, a.amount)
    if a.n:
        y = b.not_(y)
    result = b.emit(op, ctx.reg(a.rn, a.sf), y)
    if setflags:
        gen_logic_flags(ctx, result)
    ctx.set_reg(a.rd, a.sf, result)


def trans_and_r(ctx, a):        # AND, BIC (n)
    _logic_r(ctx, a, "and")


def trans_orr_r(ctx, a):        # ORR, ORN (n); MOV (register) is ORR with XZR
    _logic_r(ctx, a, "or")


def trans_eor_r(ctx, a):        # EOR, EON (n)
    _logic_r(ctx, a, "xor")


def trans_ands_r(ctx, a):       # ANDS, BICS (n); TST
    _logic_r(ctx, a, "and", True)


# -- move wide ------------------------------------------------------------------------------------
def trans_movz(ctx, a):
    ctx.set_reg(a.rd, a.sf, Const(a.imm << a.shift, _type(a.sf)))


def trans_movn(ctx, a):
    ctx.set_reg(a.rd, a.sf, Const(~(a.imm << a.shift), _type(a.sf)))


def trans_movk(ctx, a):
    b = ctx.b
    old = ctx.reg(a.rd, a.sf)
    keep = ~(0xFFFF << a.shift) & _ones(_width(a.sf))
    ctx.set_reg(a.rd, a.sf, b.or_(b.and_(old, keep), a.imm << a.shift))


# -- pc-relative ----------------------------------------------------------------------------------
def trans_adr(ctx, a):
    ctx.set_x(a.rd, ctx.b.pc_addr(addr=(ctx.pc + a.imm) & _MASK64))


def trans_adrp(ctx, a):
    ctx.set_x(a.rd, ctx.b.pc_addr(addr=((ctx.pc & ~0xFFF) + a.imm) & _MASK64))


# -- bitfield moves and extract -------------------------------------------------------------------
def _bitfield(ctx: Ctx, a, kind: str) -> None:
    """SBFM/UBFM/BFM with immr = r, imms = s (Arm ARM C6.2: the aliases ASR, LSL, LSR,
    SBFX/UBFX/BFXIL when s >= r: field src<s:r> to bit 0; SBFIZ/UBFIZ/BFI when s < r: the low
    s+1 bits to bit width-r)."""
    b = ctx.b
    width = _width(a.sf)
    r, s = a.pos >> 6, a.pos & 0x3F
    src = ctx.reg(a.rn, a.sf)
    t = src.type
    if s >= r:
        length, pos = s - r + 1, 0
        if kind == "s":
            field = b.shr_s(b.shl(src, Const(width - 1 - s, t)), Const(width - 1 - s + r, t))
        else:
            field = b.and_(b.shr_u(src, Const(r, t)), _ones(length))
    else:
        length, pos = s + 1, width - r
        if kind == "s":
            low = b.shr_s(b.shl(src, Const(width - 1 - s, t)), Const(width - 1 - s, t))
        else:
            low = b.and_(src, _ones(length))
        field = b.shl(low, Const(pos, t))
    if kind == "b":
        mask = (_ones(length) << pos) & _ones(width)
        if s >= r:
            field = b.and_(field, mask)
        field = b.or_(b.and_(ctx.reg(a.rd, a.sf), ~mask & _ones(width)), field)
    ctx.set_reg(a.rd, a.sf, field)


def trans_sbfm(ctx, a):
    _bitfield(ctx, a, "s")


def trans_ubfm(ctx, a):
    _bitfield(ctx, a, "u")


def trans_bfm(ctx, a):
    _bitfield(ctx, a, "b")


def trans_extr(ctx, a):         # EXTR; ROR (immediate) when rn == rm
    b = ctx.b
    lo = ctx.reg(a.rm, a.sf)
    if a.lsb == 0:
        ctx.set_reg(a.rd, a.sf, lo)
        return
    t = lo.type
    hi = ctx.reg(a.rn, a.sf)
    result = b.or_(b.shr_u(lo, Const(a.lsb, t)), b.shl(hi, Const(_width(a.sf) - a.lsb, t)))
    ctx.set_reg(a.rd, a.sf, result)


# -- conditional compare and select ---------------------------------------------------------------
def _ccmp(ctx: Ctx, a, sub: bool, imm: bool) -> None:
    b = ctx.b
    cond = ctx.cond(a.cond)
    x = ctx.reg(a.rn, a.sf)
    y = Const(a.imm, x.type) if imm else ctx.reg(a.rm, a.sf)
    result = b.sub(x, y) if sub else b.add(x, y)
    zero = Const(0, x.type)
    n, z = b.lt_s(result, zero), b.eq(result, zero)
    if sub:
        c, v = b.le_u(y, x), b.add_overflow(x, b.not_(y), Const(1, I1))
    else:
        c, v = b.add_carry(x, y, Const(0, I1)), b.add_overflow(x, y, Const(0, I1))
    bits = [Const((a.nzcv >> i) & 1, I1) for i in (3, 2, 1, 0)]
    ctx.set_flags(*(b.select(cond, f, k) for f, k in zip((n, z, c, v), bits)))


def trans_ccmp_r(ctx, a):
    _ccmp(ctx, a, True, False)


def trans_ccmp_i(ctx, a):
    _ccmp(ctx, a, True, True)


def trans_ccmn_r(ctx, a):
    _ccmp(ctx, a, False, False)


def trans_ccmn_i(ctx, a):
    _ccmp(ctx, a, False, True)


def _csel(ctx: Ctx, a, op: str | None) -> None:
    b = ctx.b
    cond = ctx.cond(a.cond)
    y = ctx.reg(a.rm, a.sf)
    if op == "inc":
        y = b.add(y, 1)
    elif op == "inv":
        y = b.not_(y)
    elif op == "neg":
        y = b.neg(y)
    ctx.set_reg(a.rd, a.sf, b.select(cond, ctx.reg(a.rn, a.sf), y))


def trans_csel(ctx, a):
    _csel(ctx, a, None)


def trans_csinc(ctx, a):        # CSINC; CSET, CINC
    _csel(ctx, a, "inc")


def trans_csinv(ctx, a):        # CSINV; CSETM, CINV
    _csel(ctx, a, "inv")


def trans_csneg(ctx, a):        # CSNEG; CNEG
    _csel(ctx, a, "neg")


# -- 2-source: division, variable shifts ---------------------------------------------------------
def _div(ctx: Ctx, a, op: str) -> None:
    """Arm's division by zero gives 0 (the IR's gives all ones); INT_MIN / -1 is INT_MIN in
    both."""
    b = ctx.b
    x, y = ctx.reg(a.rn, a.sf), ctx.reg(a.rm, a.sf)
    zero = Const(0, x.type)
    ctx.set_reg(a.rd, a.sf, b.select(b.eq(y, zero), zero, b.emit(op, x, y)))


def trans_udiv(ctx, a):
    _div(ctx, a, "div_u")


def trans_sdiv(ctx, a):
    _div(ctx, a, "div_s")


def _shiftv(ctx: Ctx, a, op: str) -> None:
    # the amount is taken modulo the width, as the IR's shifts do
    ctx.set_reg(a.rd, a.sf, ctx.b.emit(op, ctx.reg(a.rn, a.sf), ctx.reg(a.rm, a.sf)))


def trans_lslv(ctx, a):
    _shiftv(ctx, a, "shl")


def trans_lsrv(ctx, a):
    _shiftv(ctx, a, "shr_u")


def trans_asrv(ctx, a):
    _shiftv(ctx, a, "shr_s")


def trans_rorv(ctx, a):
    _shiftv(ctx, a, "rotr")


# -- 1-source: bit and byte reversal, counts -----------------------------------------------------
def gen_swap_groups(ctx: Ctx, value, steps):
    """Swap adjacent groups of k bits for each k in steps (k = 8, 16, 32 reverse the bytes of
    a 64-bit value; 1, 2, 4 then reverse the bits within each byte)."""
    b = ctx.b
    width = value.type.bits
    for k in steps:
        mask = 0
        for i in range(0, width, 2 * k):
            mask |= _ones(k) << i
        value = b.or_(b.and_(b.shr_u(value, Const(k, value.type)), mask),
                      b.shl(b.and_(value, mask), Const(k, value.type)))
    return value


def trans_rbit(ctx, a):
    value = ctx.reg(a.rn, a.sf)
    steps = (1, 2, 4, 8, 16, 32) if a.sf else (1, 2, 4, 8, 16)
    ctx.set_reg(a.rd, a.sf, gen_swap_groups(ctx, value, steps))


def trans_rev16(ctx, a):
    ctx.set_reg(a.rd, a.sf, gen_swap_groups(ctx, ctx.reg(a.rn, a.sf), (8,)))


def trans_rev32(ctx, a):
    ctx.set_x(a.rd, gen_swap_groups(ctx, ctx.x(a.rn), (8, 16)))


def trans_rev(ctx, a):
    steps = (8, 16, 32) if a.sf else (8, 16)
    ctx.set_reg(a.rd, a.sf, gen_swap_groups(ctx, ctx.reg(a.rn, a.sf), steps))


def trans_clz(ctx, a):
    ctx.set_reg(a.rd, a.sf, ctx.b.clz(ctx.reg(a.rn, a.sf)))


def trans_cls(ctx, a):
    """Leading bits below the top one that equal it: clz(x ^ (x >> 1 arithmetic)) - 1."""
    b = ctx.b
    x = ctx.reg(a.rn, a.sf)
    ctx.set_reg(a.rd, a.sf, b.sub(b.clz(b.xor(x, b.shr_s(x, Const(1, x.type)))), 1))


# -- 3-source: multiply-add, long and high multiplies ----------------------------------------------
def trans_madd(ctx, a):
    b = ctx.b
    product = b.mul(ctx.reg(a.rn, a.sf), ctx.reg(a.rm, a.sf))
    ctx.set_reg(a.rd, a.sf, b.add(ctx.reg(a.ra, a.sf), product))


def trans_msub(ctx, a):
    b = ctx.b
    product = b.mul(ctx.reg(a.rn, a.sf), ctx.reg(a.rm, a.sf))
    ctx.set_reg(a.rd, a.sf, b.sub(ctx.reg(a.ra, a.sf), product))


def _mull(ctx: Ctx, a, ext: str, sub: bool) -> None:
    b = ctx.b
    product = b.mul(b.emit(ext, ctx.w(a.rn), type=I64), b.emit(ext, ctx.w(a.rm), type=I64))
    acc = ctx.x(a.ra)
    ctx.set_x(a.rd, b.sub(acc, product) if sub else b.add(acc, product))


def trans_smaddl(ctx, a):       # SMADDL; SMULL
    _mull(ctx, a, "sext", False)


def trans_smsubl(ctx, a):       # SMSUBL; SMNEGL
    _mull(ctx, a, "sext", True)


def trans_umaddl(ctx, a):       # UMADDL; UMULL
    _mull(ctx, a, "zext", False)


def trans_umsubl(ctx, a):       # UMSUBL; UMNEGL
    _mull(ctx, a, "zext", True)


def _mulh(ctx: Ctx, a, ext: str) -> None:
    b = ctx.b
    x = b.emit(ext, ctx.x(a.rn), type=I128)
    y = b.emit(ext, ctx.x(a.rm), type=I128)
    ctx.set_x(a.rd, b.trunc(b.shr_u(b.mul(x, y), Const(64, I128)), type=I64))


def trans_smulh(ctx, a):
    _mulh(ctx, a, "sext")


def trans_umulh(ctx, a):
    _mulh(ctx, a, "zext")
