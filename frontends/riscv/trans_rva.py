"""RV64A: load-reserved/store-conditional and the AMOs (.W results sign-extended).

Every access is naturally aligned or faults (SIGBUS, as under qemu-user). The reservation is
(address, loaded value); SC succeeds when the address matches and memory still holds the value
(a compare-and-swap, as qemu does), and always clears the reservation.
"""

from __future__ import annotations

from dbt.ir.types import I32, I64
from dbt.state import NO_RESERVATION

from .regs import Ctx

_TYPES = {"w": I32, "d": I64}


def _src2(ctx: Ctx, a, t):
    value = ctx.x(a.rs2)
    return ctx.b.trunc(value, type=I32) if t is I32 else value


def _result(ctx: Ctx, a, t, value) -> None:
    if t is I32:
        ctx.set_x_w(a.rd, value)
    else:
        ctx.set_x(a.rd, value)


def gen_lr(ctx: Ctx, a, t) -> None:
    b = ctx.b
    addr = ctx.x(a.rs1)
    value = b.load(addr, type=t, align=True)
    b.set(addr, field="res_addr")
    b.set(b.zext(value, type=I64) if t is I32 else value, field="res_val")
    _result(ctx, a, t, value)


def gen_sc(ctx: Ctx, a, t) -> None:
    b = ctx.b
    addr = ctx.x(a.rs1)
    new = _src2(ctx, a, t)
    expected = b.get("res_val")
    if t is I32:
        expected = b.trunc(expected, type=I32)
    hit = b.eq(b.get("res_addr"), addr)
    old = b.cmpxchg(addr, expected, new, hit, align=True)
    b.set(b.const(NO_RESERVATION, I64), field="res_addr")
    ctx.set_x(a.rd, b.zext(b.ne(old, expected), type=I64))


def gen_amo(ctx: Ctx, a, t, kind: str) -> None:
    """rd = M[rs1]; M[rs1] = kind(M[rs1], rs2), atomically, naturally aligned."""
    old = ctx.b.atomic_rmw(ctx.x(a.rs1), _src2(ctx, a, t), kind=kind, align=True)
    _result(ctx, a, t, old)


# AMO name -> atomic_rmw kind
_KINDS = {"swap": "swap", "add": "add", "xor": "xor", "and": "and", "or": "or",
          "min": "min_s", "max": "max_s", "minu": "min_u", "maxu": "max_u"}


def _define() -> dict:
    handlers = {}
    for suffix, t in _TYPES.items():
        handlers[f"trans_lr_{suffix}"] = lambda ctx, a, t=t: gen_lr(ctx, a, t)
        handlers[f"trans_sc_{suffix}"] = lambda ctx, a, t=t: gen_sc(ctx, a, t)
        for name, kind in _KINDS.items():
            handlers[f"trans_amo{name}_{suffix}"] = (
                lambda ctx, a, t=t, k=kind: gen_amo(ctx, a, t, k))
    return handlers


globals().update(_define())
