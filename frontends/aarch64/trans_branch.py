"""A64 branches, exception generation and system instructions (Arm ARM C4.1.87).

System registers: the ones Linux lets user mode read (C5.2 and the kernel's
Documentation/arch/arm64/cpu-feature-registers.rst); any other MRS/MSR/SYS is an undefined
instruction (SIGILL), as it is for an EL0 program.
"""

from __future__ import annotations

from dbt.ir.block import Const
from dbt.ir.ops import EXIT_ICACHE_FLUSH, EXIT_SYSCALL, TRAP_BREAKPOINT, TRAP_ILLEGAL
from dbt.ir.types import I1, I64, I128, V128
from dbt.state import NO_RESERVATION

from .fpsr import fpcr_write, fpsr_read, fpsr_write
from .regs import Ctx

_MASK64 = (1 << 64) - 1


def _target(ctx: Ctx, a) -> int:
    return (ctx.pc + a.imm) & _MASK64


# -- immediate and register branches --------------------------------------------------------------
def trans_b(ctx, a):
    ctx.b.jump(target=_target(ctx, a))


def trans_bl(ctx, a):
    ctx.set_x(30, ctx.b.pc_addr(addr=ctx.next_pc))
    ctx.b.jump(target=_target(ctx, a))


def trans_br(ctx, a):
    ctx.b.jump_ind(ctx.x(a.rn))


def trans_blr(ctx, a):
    target = ctx.x(a.rn)
    ctx.set_x(30, ctx.b.pc_addr(addr=ctx.next_pc))
    ctx.b.jump_ind(target)


def trans_ret(ctx, a):
    ctx.b.jump_ind(ctx.x(a.rn))


def trans_b_cond(ctx, a):
    if a.cond >= 14:
        ctx.b.jump(target=_target(ctx, a))
    else:
        ctx.b.branch(ctx.cond(a.cond), taken=_target(ctx, a), fallthrough=ctx.next_pc)


def _cbz(ctx: Ctx, a, cmp: str) -> None:
    b = ctx.b
    value = ctx.reg(a.rt, a.sf)
    cond = b.emit(cmp, value, Const(0, value.type))
    b.branch(cond, taken=_target(ctx, a), fallthrough=ctx.next_pc)


def trans_cbz(ctx, a):
    _cbz(ctx, a, "eq")


def trans_cbnz(ctx, a):
    _cbz(ctx, a, "ne")


def _tbz(ctx: Ctx, a, cmp: str) -> None:
    b = ctx.b
    bit = b.and_(ctx.x(a.rt), 1 << a.bit)
    b.branch(b.emit(cmp, bit, 0), taken=_target(ctx, a), fallthrough=ctx.next_pc)


def trans_tbz(ctx, a):
    _tbz(ctx, a, "eq")


def trans_tbnz(ctx, a):
    _tbz(ctx, a, "ne")


# -- exceptions -----------------------------------------------------------------------------------
def trans_svc(ctx, a):
    ctx.b.exit(reason=EXIT_SYSCALL, next_pc=ctx.next_pc)


def trans_brk(ctx, a):
    ctx.b.trap(kind=TRAP_BREAKPOINT, pc=ctx.pc)


# -- hints and barriers ---------------------------------------------------------------------------
def trans_hint(ctx, a):
    """NOP, YIELD, WFE, WFI, SEV, SEVL, BTI, and the PAC hints (PACIASP, AUTIASP, ...), which
    a CPU without pointer authentication executes as NOPs: nothing to do in user mode."""


def trans_clrex(ctx, a):
    ctx.b.set(Const(NO_RESERVATION, I64), field="res_addr")


def trans_dmb(ctx, a):
    ctx.b.fence(kind="rw")


def trans_dsb(ctx, a):
    ctx.b.fence(kind="rw")


def trans_isb(ctx, a):
    """The instruction stream is resynchronised: code written before is seen (what a JIT
    does after IC IVAU)."""
    ctx.b.exit(reason=EXIT_ICACHE_FLUSH, next_pc=ctx.next_pc)


# -- system registers ------------------------------------------------------------------------------
def sysreg(op0: int, op1: int, crn: int, crm: int, op2: int) -> int:
    """The `sysreg` field of MRS/MSR (o0:op1:CRn:CRm:op2, op0 = 2 + o0)."""
    return ((op0 - 2) << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2


TPIDR_EL0 = sysreg(3, 3, 13, 0, 2)
TPIDRRO_EL0 = sysreg(3, 3, 13, 0, 3)
NZCV = sysreg(3, 3, 4, 2, 0)
FPCR = sysreg(3, 3, 4, 4, 0)
FPSR = sysreg(3, 3, 4, 4, 1)
CNTVCT_EL0 = sysreg(3, 3, 14, 0, 2)
CNTFRQ_EL0 = sysreg(3, 3, 14, 0, 0)
DCZID_EL0 = sysreg(3, 3, 0, 0, 7)
CTR_EL0 = sysreg(3, 3, 0, 0, 1)
MIDR_EL1 = sysreg(3, 0, 0, 0, 0)
MPIDR_EL1 = sysreg(3, 0, 0, 0, 5)
REVIDR_EL1 = sysreg(3, 0, 0, 0, 6)

# Constant registers: the values qemu-aarch64 7.2's default ("max") CPU gives user mode.
CNTFRQ = 62_500_000            # the generic timer's frequency: 1 GHz / 16 (qemu's GTIMER_SCALE)
DCZ_BLOCK = 64                 # DC ZVA zeroes 64 bytes
CONSTANT_SYSREGS = {
    CNTFRQ_EL0: CNTFRQ,
    DCZID_EL0: (DCZ_BLOCK // 4).bit_length() - 1,     # log2 of the block in words
    CTR_EL0: 0x8444C004,       # DminLine = IminLine = 64 bytes, VIPT
    MIDR_EL1: 0x000F0510,      # implementer 0, "max" (what Linux user mode sees under qemu)
    MPIDR_EL1: 0x80000000,
    REVIDR_EL1: 0,
    TPIDRRO_EL0: 0,
}


def trans_mrs(ctx, a):
    b = ctx.b
    reg = a.sysreg
    if reg == TPIDR_EL0:
        value = b.get("tpidr")
    elif reg == NZCV:
        value = Const(0, I64)
        for bit, flag in zip((31, 30, 29, 28), ctx.get_flags()):
            value = b.or_(value, b.shl(b.zext(flag, type=I64), bit))
    elif reg == FPCR:
        value = b.get("fpcr")
    elif reg == FPSR:
        value = fpsr_read(b)
    elif reg == CNTVCT_EL0:
        value = b.div_u(b.counter(kind="time"), 1_000_000_000 // CNTFRQ)
    elif reg in CONSTANT_SYSREGS:
        value = Const(CONSTANT_SYSREGS[reg], I64)
    else:
        b.trap(kind=TRAP_ILLEGAL, pc=ctx.pc)
        return
    ctx.set_x(a.rt, value)


def trans_msr(ctx, a):
    b = ctx.b
    reg = a.sysreg
    value = ctx.x(a.rt)
    if reg == TPIDR_EL0:
        b.set(value, field="tpidr")
    elif reg == NZCV:
        ctx.set_flags(*(b.trunc(b.shr_u(value, bit), type=I1) for bit in (31, 30, 29, 28)))
    elif reg == FPCR:
        fpcr_write(ctx, value)
    elif reg == FPSR:
        fpsr_write(b, value)
    else:
        b.trap(kind=TRAP_ILLEGAL, pc=ctx.pc)


# SYS op1:CRn:CRm:op2 (the `sysreg` field's low 14 bits) of the cache maintenance instructions
def _sys(op1: int, crn: int, crm: int, op2: int) -> int:
    return (op1 << 11) | (crn << 7) | (crm << 3) | op2


DC_ZVA = _sys(3, 7, 4, 1)
IC_IVAU = _sys(3, 7, 5, 1)
DC_CLEAN = frozenset({_sys(3, 7, 11, 1), _sys(3, 7, 10, 1), _sys(3, 7, 14, 1),
                      _sys(3, 7, 12, 1), _sys(3, 7, 13, 1)})     # CVAU CVAC CIVAC CVAP CVADP


def trans_sys(ctx, a):
    b = ctx.b
    op = a.sysreg
    if op == DC_ZVA:
        base = b.and_(ctx.x(a.rt), ~(DCZ_BLOCK - 1) & _MASK64)
        zero = b.bitcast(Const(0, I128), type=V128)
        for offset in range(0, DCZ_BLOCK, 16):
            b.store(b.add(base, offset), zero)
    elif op == IC_IVAU:
        b.exit(reason=EXIT_ICACHE_FLUSH, next_pc=ctx.next_pc)
    elif op in DC_CLEAN:
        pass        # the data cache is coherent with itself: nothing to clean
    else:
        b.trap(kind=TRAP_ILLEGAL, pc=ctx.pc)
