"""RV64I base integer instructions, Zifencei, ecall/ebreak."""

from __future__ import annotations

from dbt.ir.ops import EXIT_ICACHE_FLUSH, EXIT_SYSCALL, TRAP_BREAKPOINT
from dbt.ir.types import I8, I16, I32, I64

from .regs import Ctx

_MASK = (1 << 64) - 1


# -- shared emitters ----------------------------------------------------------------------------
def gen_arith(ctx: Ctx, a, op: str, src2) -> None:
    ctx.set_x(a.rd, ctx.b.emit(op, ctx.x(a.rs1), src2))


def gen_arith_w(ctx: Ctx, a, op: str, src2_32) -> None:
    """A `*W` op: 32-bit operation, result sign-extended."""
    ctx.set_x_w(a.rd, ctx.b.emit(op, ctx.x_w(a.rs1), src2_32))


def gen_set_cmp(ctx: Ctx, a, cmp: str, src2) -> None:
    b = ctx.b
    ctx.set_x(a.rd, b.zext(b.emit(cmp, ctx.x(a.rs1), src2), type=I64))


def gen_branch(ctx: Ctx, a, cmp: str, swap: bool = False) -> None:
    b = ctx.b
    x, y = ctx.x(a.rs1), ctx.x(a.rs2)
    cond = b.emit(cmp, y, x) if swap else b.emit(cmp, x, y)
    b.branch(cond, taken=(ctx.pc + a.imm) & _MASK, fallthrough=ctx.next_pc)


def gen_address(ctx: Ctx, a):
    return ctx.b.add(ctx.x(a.rs1), ctx.imm(a.imm))


def gen_load(ctx: Ctx, a, type, signed: bool) -> None:
    b = ctx.b
    value = b.load(gen_address(ctx, a), type=type)
    if type is not I64:
        value = b.sext(value, type=I64) if signed else b.zext(value, type=I64)
    ctx.set_x(a.rd, value)


def gen_store(ctx: Ctx, a, type) -> None:
    b = ctx.b
    value = ctx.x(a.rs2)
    if type is not I64:
        value = b.trunc(value, type=type)
    b.store(gen_address(ctx, a), value)


# -- upper immediates and jumps -------------------------------------------------------------------
def trans_lui(ctx, a):
    ctx.set_x(a.rd, ctx.imm(a.imm))


def trans_auipc(ctx, a):
    ctx.set_x(a.rd, ctx.b.pc_addr(addr=(ctx.pc + a.imm) & _MASK))


def trans_jal(ctx, a):
    ctx.set_x(a.rd, ctx.b.pc_addr(addr=ctx.next_pc))
    ctx.b.jump(target=(ctx.pc + a.imm) & _MASK)


def trans_jalr(ctx, a):
    b = ctx.b
    target = b.and_(b.add(ctx.x(a.rs1), ctx.imm(a.imm)), ~1 & _MASK)
    ctx.set_x(a.rd, b.pc_addr(addr=ctx.next_pc))
    b.jump_ind(target)


# -- branches -----------------------------------------------------------------------------------
def trans_beq(ctx, a):
    gen_branch(ctx, a, "eq")


def trans_bne(ctx, a):
    gen_branch(ctx, a, "ne")


def trans_blt(ctx, a):
    gen_branch(ctx, a, "lt_s")


def trans_bge(ctx, a):
    gen_branch(ctx, a, "le_s", swap=True)


def trans_bltu(ctx, a):
    gen_branch(ctx, a, "lt_u")


def trans_bgeu(ctx, a):
    gen_branch(ctx, a, "le_u", swap=True)


# -- loads and stores ---------------------------------------------------------------------------
def trans_lb(ctx, a):
    gen_load(ctx, a, I8, True)


def trans_lh(ctx, a):
    gen_load(ctx, a, I16, True)


def trans_lw(ctx, a):
    gen_load(ctx, a, I32, True)


def trans_ld(ctx, a):
    gen_load(ctx, a, I64, True)


def trans_lbu(ctx, a):
    gen_load(ctx, a, I8, False)


def trans_lhu(ctx, a):
    gen_load(ctx, a, I16, False)


def trans_lwu(ctx, a):
    gen_load(ctx, a, I32, False)


def trans_sb(ctx, a):
    gen_store(ctx, a, I8)


def trans_sh(ctx, a):
    gen_store(ctx, a, I16)


def trans_sw(ctx, a):
    gen_store(ctx, a, I32)


def trans_sd(ctx, a):
    gen_store(ctx, a, I64)


# -- register-immediate -------------------------------------------------------------------------
def trans_addi(ctx, a):
    gen_arith(ctx, a, "add", ctx.imm(a.imm))


def trans_slti(ctx, a):
    gen_set_cmp(ctx, a, "lt_s", ctx.imm(a.imm))


def trans_sltiu(ctx, a):
    gen_set_cmp(ctx, a, "lt_u", ctx.imm(a.imm))


def trans_xori(ctx, a):
    gen_arith(ctx, a, "xor", ctx.imm(a.imm))


def trans_ori(ctx, a):
    gen_arith(ctx, a, "or", ctx.imm(a.imm))


def trans_andi(ctx, a):
    gen_arith(ctx, a, "and", ctx.imm(a.imm))


def trans_slli(ctx, a):
    gen_arith(ctx, a, "shl", ctx.imm(a.shamt))


def trans_srli(ctx, a):
    gen_arith(ctx, a, "shr_u", ctx.imm(a.shamt))


def trans_srai(ctx, a):
    gen_arith(ctx, a, "shr_s", ctx.imm(a.shamt))


def trans_addiw(ctx, a):
    gen_arith_w(ctx, a, "add", ctx.b.const(a.imm & 0xFFFFFFFF, I32))


def trans_slliw(ctx, a):
    gen_arith_w(ctx, a, "shl", ctx.b.const(a.shamt, I32))


def trans_srliw(ctx, a):
    gen_arith_w(ctx, a, "shr_u", ctx.b.const(a.shamt, I32))


def trans_sraiw(ctx, a):
    gen_arith_w(ctx, a, "shr_s", ctx.b.const(a.shamt, I32))


# -- register-register ----------------------------------------------------------------------------
def _rr(op):
    return lambda ctx, a: gen_arith(ctx, a, op, ctx.x(a.rs2))


def _rr_w(op):
    return lambda ctx, a: gen_arith_w(ctx, a, op, ctx.x_w(a.rs2))


trans_add = _rr("add")
trans_sub = _rr("sub")
trans_sll = _rr("shl")        # the IR takes shift amounts modulo 64, as RV64 does
trans_srl = _rr("shr_u")
trans_sra = _rr("shr_s")
trans_xor = _rr("xor")
trans_or = _rr("or")
trans_and = _rr("and")
trans_addw = _rr_w("add")
trans_subw = _rr_w("sub")
trans_sllw = _rr_w("shl")     # i32 shifts take the amount modulo 32
trans_srlw = _rr_w("shr_u")
trans_sraw = _rr_w("shr_s")


def trans_slt(ctx, a):
    gen_set_cmp(ctx, a, "lt_s", ctx.x(a.rs2))


def trans_sltu(ctx, a):
    gen_set_cmp(ctx, a, "lt_u", ctx.x(a.rs2))


# -- system -------------------------------------------------------------------------------------
def trans_fence(ctx, a):
    ctx.b.fence(kind="rw")


def trans_fence_i(ctx, a):
    ctx.b.exit(reason=EXIT_ICACHE_FLUSH, next_pc=ctx.next_pc)


def trans_ecall(ctx, a):
    ctx.b.exit(reason=EXIT_SYSCALL, next_pc=ctx.next_pc)


def trans_ebreak(ctx, a):
    ctx.b.trap(kind=TRAP_BREAKPOINT, pc=ctx.pc)
