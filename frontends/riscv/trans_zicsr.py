"""Zicsr: the CSRs a user-mode program can reach (fflags, frm, fcsr, cycle, time, instret).

Any other CSR, and a write to a read-only one, is an illegal instruction, as under qemu-user.
Reads happen before writes; csrrs/csrrc with x0 (or a zero immediate) do not write, and csrrw
with rd = x0 does not read.
"""

from __future__ import annotations

from dbt.ir.ops import TRAP_ILLEGAL
from dbt.ir.types import I64

from .regs import Ctx


def _read_fcsr(ctx: Ctx):
    b = ctx.b
    return b.or_(b.shl(b.get("frm"), 5), b.get("fpflags"))


def _write_fflags(ctx: Ctx, value) -> None:
    ctx.b.set(ctx.b.and_(value, 0x1F), field="fpflags")


def _write_frm(ctx: Ctx, value) -> None:
    ctx.b.set(ctx.b.and_(value, 0x7), field="frm")
    ctx.frm_checked = False             # (the next dynamic-mode FP instruction tests it)


def _write_fcsr(ctx: Ctx, value) -> None:
    _write_fflags(ctx, value)
    _write_frm(ctx, ctx.b.shr_u(value, 5))


def _counter(kind: str):
    return lambda ctx: ctx.b.counter(kind=kind)


# csr number -> (name, reader, writer or None for read-only)
CSRS = {
    0x001: ("fflags", lambda ctx: ctx.b.get("fpflags"), _write_fflags),
    0x002: ("frm", lambda ctx: ctx.b.get("frm"), _write_frm),
    0x003: ("fcsr", _read_fcsr, _write_fcsr),
    0xC00: ("cycle", _counter("cycle"), None),
    0xC01: ("time", _counter("time"), None),
    0xC02: ("instret", _counter("instret"), None),
}


def gen_csr(ctx: Ctx, a, combine, source, writes: bool, reads: bool = True) -> None:
    """Shared body: `combine(b, old, src)` is the new value; `source` the rs1/zimm operand."""
    b = ctx.b
    entry = CSRS.get(a.csr)
    if entry is None or (writes and entry[2] is None):
        b.trap(kind=TRAP_ILLEGAL, pc=ctx.pc)
        return
    _, read, write = entry
    old = read(ctx) if reads or combine is not None else None
    if writes:
        write(ctx, combine(b, old, source) if combine else source)
    if reads:
        ctx.set_x(a.rd, old)


def _set(b, old, src):
    return b.or_(old, src)


def _clear(b, old, src):
    return b.and_(old, b.not_(src))


def trans_csrrw(ctx, a):
    gen_csr(ctx, a, None, ctx.x(a.rs1), writes=True, reads=a.rd != 0)


def trans_csrrs(ctx, a):
    gen_csr(ctx, a, _set, ctx.x(a.rs1), writes=a.rs1 != 0)


def trans_csrrc(ctx, a):
    gen_csr(ctx, a, _clear, ctx.x(a.rs1), writes=a.rs1 != 0)


def trans_csrrwi(ctx, a):
    gen_csr(ctx, a, None, ctx.b.const(a.rs1, I64), writes=True, reads=a.rd != 0)


def trans_csrrsi(ctx, a):
    gen_csr(ctx, a, _set, ctx.b.const(a.rs1, I64), writes=a.rs1 != 0)


def trans_csrrci(ctx, a):
    gen_csr(ctx, a, _clear, ctx.b.const(a.rs1, I64), writes=a.rs1 != 0)
