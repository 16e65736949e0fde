"""A64 loads and stores (Arm ARM C4.1.88): single registers, pairs, literals, SIMD&FP
registers, exclusives, load-acquire/store-release and the LSE atomics.

Ordinary accesses may be misaligned (Linux runs user code with alignment checking off);
exclusives, acquire/release and atomics fault (SIGBUS) unless naturally aligned. The exclusive
monitor is (address, loaded value) in res_addr/res_val, as for RISC-V's LR/SC: a store-exclusive
succeeds when the address matches and memory still holds the value, and always clears it.
"""

from __future__ import annotations

from dbt.ir.block import Const
from dbt.ir.types import I1, I32, I64, I128
from dbt.state import NO_RESERVATION

from .regs import INT_TYPES, Ctx

_MASK64 = (1 << 64) - 1


# -- addressing -----------------------------------------------------------------------------------
def gen_address(ctx: Ctx, a):
    """The access address of an immediate-offset form, writing the base back if indexed.
    Returns (address, writeback) where writeback() is called after the access."""
    b = ctx.b
    base = ctx.xsp(a.rn)
    moved = b.add(base, a.imm & _MASK64) if a.imm else base
    addr = base if a.post else moved
    if a.wb:
        return addr, lambda: ctx.set_xsp(a.rn, moved)
    return addr, lambda: None


def gen_reg_address(ctx: Ctx, a):
    """Base plus the index register extended by `option` and scaled by the size if `s`."""
    b = ctx.b
    if a.option == 0b011 or a.option == 0b111:
        index = ctx.x(a.rm)
    elif a.option == 0b010:
        index = b.zext(ctx.w(a.rm), type=I64)
    else:
        index = b.sext(ctx.w(a.rm), type=I64)
    if a.s and a.size:
        index = b.shl(index, a.size)
    return b.add(ctx.xsp(a.rn), index)


def _load_x(ctx: Ctx, rt: int, addr, size: int, signed_to=None, align=False) -> None:
    """Load 1 << size bytes into Xt/Wt: zero-extended, or sign-extended to `signed_to`."""
    b = ctx.b
    value = b.load(addr, type=INT_TYPES[size], align=align)
    if signed_to is not None and size < 3:
        value = b.sext(value, type=signed_to)
    if value.type is not I64:
        value = b.zext(value, type=I64)
    ctx.set_x(rt, value)


def _store_x(ctx: Ctx, rt: int, addr, size: int, align=False) -> None:
    b = ctx.b
    value = ctx.x(rt)
    if size < 3:
        value = b.trunc(value, type=INT_TYPES[size])
    b.store(addr, value, align=align)


def _load_v(ctx: Ctx, rt: int, addr, size: int) -> None:
    ctx.set_vscalar(rt, ctx.b.load(addr, type=INT_TYPES[size]))


def _store_v(ctx: Ctx, rt: int, addr, size: int) -> None:
    ctx.b.store(addr, ctx.vscalar(rt, size))


# -- single registers -----------------------------------------------------------------------------
def trans_str_i(ctx, a):
    addr, writeback = gen_address(ctx, a)
    _store_x(ctx, a.rt, addr, a.size)
    writeback()


def trans_ldr_i(ctx, a):
    addr, writeback = gen_address(ctx, a)
    _load_x(ctx, a.rt, addr, a.size)
    writeback()


def trans_ldrs_i(ctx, a):
    addr, writeback = gen_address(ctx, a)
    _load_x(ctx, a.rt, addr, a.size, I32 if a.w else I64)
    writeback()


def trans_str_v(ctx, a):
    addr, writeback = gen_address(ctx, a)
    _store_v(ctx, a.rt, addr, a.size)
    writeback()


def trans_ldr_v(ctx, a):
    addr, writeback = gen_address(ctx, a)
    _load_v(ctx, a.rt, addr, a.size)
    writeback()


def trans_prfm_i(ctx, a):
    """PRFM/PRFUM: a hint; never faults."""


def trans_str_r(ctx, a):
    _store_x(ctx, a.rt, gen_reg_address(ctx, a), a.size)


def trans_ldr_r(ctx, a):
    _load_x(ctx, a.rt, gen_reg_address(ctx, a), a.size)


def trans_ldrs_r(ctx, a):
    _load_x(ctx, a.rt, gen_reg_address(ctx, a), a.size, I32 if a.w else I64)


def trans_str_v_r(ctx, a):
    _store_v(ctx, a.rt, gen_reg_address(ctx, a), a.size)


def trans_ldr_v_r(ctx, a):
    _load_v(ctx, a.rt, gen_reg_address(ctx, a), a.size)


def _literal(ctx: Ctx, a):
    return ctx.b.pc_addr(addr=(ctx.pc + a.imm) & _MASK64)


def trans_ldr_lit(ctx, a):
    _load_x(ctx, a.rt, _literal(ctx, a), a.size)


def trans_ldrsw_lit(ctx, a):
    _load_x(ctx, a.rt, _literal(ctx, a), 2, I64)


def trans_ldr_v_lit(ctx, a):
    _load_v(ctx, a.rt, _literal(ctx, a), a.size)


# -- pairs ------------------------------------------------------------------------------------------
def _pair(ctx: Ctx, a, access) -> None:
    b = ctx.b
    addr, writeback = gen_address(ctx, a)
    access(a.rt, addr)
    access(a.rt2, b.add(addr, 1 << a.size))
    writeback()


def trans_stp(ctx, a):
    _pair(ctx, a, lambda rt, addr: _store_x(ctx, rt, addr, a.size))


def trans_ldp(ctx, a):
    _pair(ctx, a, lambda rt, addr: _load_x(ctx, rt, addr, a.size))


def trans_ldpsw(ctx, a):
    _pair(ctx, a, lambda rt, addr: _load_x(ctx, rt, addr, 2, I64))


def trans_stp_v(ctx, a):
    _pair(ctx, a, lambda rt, addr: _store_v(ctx, rt, addr, a.size))


def trans_ldp_v(ctx, a):
    _pair(ctx, a, lambda rt, addr: _load_v(ctx, rt, addr, a.size))


# -- exclusives and ordered accesses ----------------------------------------------------------------
def _value(ctx: Ctx, r: int, size: int):
    value = ctx.x(r)
    return value if size == 3 else ctx.b.trunc(value, type=INT_TYPES[size])


def _set_result(ctx: Ctx, r: int, value) -> None:
    ctx.set_x(r, value if value.type is I64 else ctx.b.zext(value, type=I64))


def _reserve(ctx: Ctx, addr, value) -> None:
    b = ctx.b
    b.set(addr, field="res_addr")
    b.set(value if value.type is I64 else b.zext(value, type=I64), field="res_val")


def _release(ctx: Ctx) -> None:
    ctx.b.set(Const(NO_RESERVATION, I64), field="res_addr")


def trans_ldxr(ctx, a):
    b = ctx.b
    addr = ctx.xsp(a.rn)
    value = b.load(addr, type=INT_TYPES[a.size], align=True)
    _reserve(ctx, addr, value)
    _set_result(ctx, a.rt, value)


def trans_stxr(ctx, a):
    b = ctx.b
    addr = ctx.xsp(a.rn)
    t = INT_TYPES[a.size]
    expected = b.get("res_val")
    if t is not I64:
        expected = b.trunc(expected, type=t)
    hit = b.eq(b.get("res_addr"), addr)
    old = b.cmpxchg(addr, expected, _value(ctx, a.rt, a.size), hit, align=True)
    _release(ctx)
    ctx.set_x(a.rs, b.zext(b.ne(old, expected), type=I64))


def trans_ldxp(ctx, a):
    """LDXP: two 32-bit registers are one 64-bit access; two 64-bit registers one 128-bit
    access (16-byte aligned)."""
    b = ctx.b
    addr = ctx.xsp(a.rn)
    if a.size == 0:
        value = b.load(addr, type=I64, align=True)
        _reserve(ctx, addr, value)
        ctx.set_x(a.rt, b.and_(value, 0xFFFFFFFF))
        ctx.set_x(a.rt2, b.shr_u(value, 32))
    else:
        value = b.load(addr, type=I128, align=True)
        lo, hi = b.trunc(value, type=I64), b.trunc(b.shr_u(value, 64), type=I64)
        _reserve(ctx, addr, lo)
        b.set(hi, field="res_hi")
        ctx.set_x(a.rt, lo)
        ctx.set_x(a.rt2, hi)


def trans_stxp(ctx, a):
    b = ctx.b
    addr = ctx.xsp(a.rn)
    hit = b.eq(b.get("res_addr"), addr)
    if a.size == 0:
        new = b.or_(b.zext(ctx.w(a.rt), type=I64), b.shl(b.zext(ctx.w(a.rt2), type=I64), 32))
        expected = b.get("res_val")
        old = b.cmpxchg(addr, expected, new, hit, align=True)
        failed = b.ne(old, expected)
    else:
        # the monitor holds both doublewords LDXP read; as qemu-user, no access at all
        # without the reservation (a misaligned or unmapped address then only fails). Two
        # 8-byte compare-and-swaps: a high doubleword changed since LDXP fails the pair but
        # keeps the low one stored (single-threaded guests only: a 16-byte compare-and-swap
        # needs the threads issue)
        expected = b.get("res_val")
        old = b.cmpxchg(addr, expected, ctx.x(a.rt), hit, align=True)
        failed = b.ne(old, expected)
        expected_hi = b.get("res_hi")
        old_hi = b.cmpxchg(b.add(addr, 8), expected_hi, ctx.x(a.rt2), b.xor(failed, 1),
                           align=True)
        failed = b.or_(failed, b.ne(old_hi, expected_hi))
    _release(ctx)
    ctx.set_x(a.rs, b.zext(failed, type=I64))


def trans_ldar(ctx, a):         # LDAR, LDLAR, LDAPR
    value = ctx.b.load(ctx.xsp(a.rn), type=INT_TYPES[a.size], align=True)
    _set_result(ctx, a.rt, value)


def trans_stlr(ctx, a):         # STLR, STLLR
    ctx.b.store(ctx.xsp(a.rn), _value(ctx, a.rt, a.size), align=True)


# -- compare-and-swap and the LSE atomics ----------------------------------------------------------
def trans_cas(ctx, a):
    b = ctx.b
    old = b.cmpxchg(ctx.xsp(a.rn), _value(ctx, a.rs, a.size), _value(ctx, a.rt, a.size),
                    Const(1, I1), align=True)
    _set_result(ctx, a.rs, old)


def trans_casp(ctx, a):
    """CASP: (Rs, Rs+1) compared with the pair at the address, (Rt, Rt+1) stored if equal;
    Rs, Rs+1 get the old pair. 32-bit registers are one 64-bit compare-and-swap; 64-bit ones
    compare 16 bytes and swap them as two doublewords (single-threaded guests only)."""
    b = ctx.b
    addr = ctx.xsp(a.rn)
    if a.size == 0:
        def pair(r):
            return b.or_(b.zext(ctx.w(r), type=I64), b.shl(b.zext(ctx.w(r + 1), type=I64), 32))
        old = b.cmpxchg(addr, pair(a.rs), pair(a.rt), Const(1, I1), align=True)
        ctx.set_x(a.rs, b.and_(old, 0xFFFFFFFF))
        ctx.set_x(a.rs + 1, b.shr_u(old, 32))
        return
    current = b.load(addr, type=I128, align=True)
    lo, hi = b.trunc(current, type=I64), b.trunc(b.shr_u(current, 64), type=I64)
    equal = b.and_(b.eq(lo, ctx.x(a.rs)), b.eq(hi, ctx.x(a.rs + 1)))
    # both swaps always access memory, as a write (a CASP that compares unequal still faults
    # on a read-only page, Arm ARM C6.2 CASP: WnR=1): unequal, they store what they read
    one = Const(1, I1)
    b.cmpxchg(addr, lo, b.select(equal, ctx.x(a.rt), lo), one, align=True)
    b.cmpxchg(b.add(addr, 8), hi, b.select(equal, ctx.x(a.rt + 1), hi), one, align=True)
    ctx.set_x(a.rs, lo)
    ctx.set_x(a.rs + 1, hi)


# LDADD LDCLR LDEOR LDSET LDSMAX LDSMIN LDUMAX LDUMIN -> atomic_rmw kind (LDCLR: and not)
_LDOP_KINDS = ("add", "and", "xor", "or", "max_s", "min_s", "max_u", "min_u")


def trans_ldop(ctx, a):
    b = ctx.b
    value = _value(ctx, a.rs, a.size)
    if a.op == 1:
        value = b.not_(value)
    old = b.atomic_rmw(ctx.xsp(a.rn), value, kind=_LDOP_KINDS[a.op], align=True)
    _set_result(ctx, a.rt, old)


def trans_swp(ctx, a):
    old = ctx.b.atomic_rmw(ctx.xsp(a.rn), _value(ctx, a.rs, a.size), kind="swap", align=True)
    _set_result(ctx, a.rt, old)

