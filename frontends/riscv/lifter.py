"""The RISC-V block lifter: decode guest instructions from a pc and emit one IR block.

A block ends at the first control transfer, syscall or trap, or after MAX_INSNS instructions.
An instruction that cannot be fetched (unmapped or non-executable page) or decoded ends the
block with a trap, which only fires if execution really reaches it.
"""

from __future__ import annotations

from typing import Callable

from dbt.ir.block import Block
from dbt.ir.builder import IRBuilder
from dbt.ir.ops import TRAP_FETCH, TRAP_ILLEGAL

from . import trans_rva, trans_rvd, trans_rvf, trans_rvi, trans_rvm, trans_zicsr
from .decode import DEFAULT, SEMANTIC_NAMES, insn_length
from .regs import Ctx

MAX_INSNS = 64
Fetch = Callable[[int, int], "bytes | None"]


def _handlers() -> dict:
    table = {}
    for module in (trans_rvi, trans_rvm, trans_rva, trans_rvf, trans_rvd, trans_zicsr):
        for attr, fn in vars(module).items():
            if attr.startswith("trans_") and callable(fn):
                table[attr[len("trans_"):]] = fn
    missing = sorted(set(SEMANTIC_NAMES) - set(table))
    if missing:
        raise ImportError(f"RISC-V instructions without a trans_ function: {missing}")
    return table


TRANS = _handlers()
_decode = DEFAULT.decode          # all of RV64GC (the same as `decode.decode`)


def fetch_insn(fetch: Fetch, pc: int):
    """Decode the instruction at pc: (Insn or None, length), or (None, 0) if it can't be fetched."""
    raw = fetch(pc, 4)                  # one fetch for the common case of 4 fetchable bytes
    if raw is None:
        raw = fetch(pc, 2)              # a compressed instruction may end the code
        if raw is None:
            return None, 0
    word = int.from_bytes(raw, "little")
    length = insn_length(word & 0xFFFF)
    if length == 2:
        return _decode(word & 0xFFFF, 2, pc), 2
    if length != 4:
        return None, 2
    if len(raw) < 4:
        return None, 0
    return _decode(word, 4, pc), 4


def lift_block(fetch: Fetch, pc: int, max_insns: int = MAX_INSNS) -> Block:
    b = IRBuilder(pc)
    ctx = Ctx(b)
    cur = pc
    while True:
        insn, length = fetch_insn(fetch, cur)
        if length == 0 and b.ninsns:
            b.jump(target=cur)          # let the fetch fault happen in its own block
            break
        b.insn(cur, length or 2)
        if insn is None:
            b.trap(kind=TRAP_FETCH if length == 0 else TRAP_ILLEGAL, pc=cur)
            break
        ctx.pc, ctx.next_pc = cur, cur + length
        TRANS[insn.name](ctx, insn.args)
        if b.closed:
            break
        cur += length
        if b.ninsns >= max_insns:
            b.jump(target=cur)
            break
    return b.finish()
