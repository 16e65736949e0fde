"""The AArch64 block lifter: decode A64 instructions from a pc and emit one IR block.

The same two stages as the RISC-V lifter (frontends/riscv/lifter.py), simpler because every
instruction is one aligned 32-bit word: `decode_block` looks each word up in a memo of what the
lifter made of it (its `trans_` function and fields), `lift_decoded` runs the `trans_`
functions through the builder. A block ends at the first control transfer, SVC or trap, or
after MAX_INSNS instructions; a word that cannot be fetched or decoded ends it with a trap that
only fires if execution reaches it.
"""

from __future__ import annotations

import importlib
import pkgutil
import struct
from pathlib import Path
from typing import Callable, NamedTuple

from dbt.ir.block import Block
from dbt.ir.builder import IRBuilder
from dbt.ir.ops import TRAP_FETCH, TRAP_ILLEGAL, TRAP_PC_ALIGN

from .decode import SEMANTIC_NAMES, decode, decode_fields
from .layout import LAYOUT
from .regs import Ctx

MAX_INSNS = 64
Fetch = Callable[[int, int], "bytes | None"]

#: Instructions whose `trans_` always ends the block (decoding stops after them).
ENDS_BLOCK = frozenset({"b", "bl", "br", "blr", "ret", "b_cond", "cbz", "cbnz", "tbz", "tbnz",
                        "svc", "brk", "isb"})
_PAGE = 4096
_CHUNK = 64
_MEMO_LIMIT = 1 << 17


def _handlers() -> dict:
    """Every trans_<name> of the package's trans_*.py modules."""
    table = {}
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("trans_"):
            module = importlib.import_module(f"{__package__}.{info.name}")
            for attr, fn in vars(module).items():
                if attr.startswith("trans_") and callable(fn) and fn.__module__ == module.__name__:
                    name = attr[len("trans_"):]
                    if name in table:
                        raise ImportError(f"trans_{name} is defined twice ({info.name})")
                    table[name] = fn
    missing = sorted(set(SEMANTIC_NAMES) - set(table))
    if missing:
        raise ImportError(f"AArch64 instructions without a trans_ function: {missing}")
    return table


TRANS = _handlers()


class Decoded:
    """What the lifter makes of one instruction word: its `trans_` function (None: illegal,
    or unfetchable when length is 0) and fields, and whether it always ends a block."""

    __slots__ = ("trans", "args", "length", "ends")

    def __init__(self, trans, args, length: int, ends: bool):
        self.trans, self.args, self.length, self.ends = trans, args, length, ends


class DecodedBlock(NamedTuple):
    pc: int
    insns: list
    max_insns: int


_ILLEGAL = Decoded(None, None, 4, True)
_UNFETCHABLE = Decoded(None, None, 0, True)
_MEMO: dict[int, Decoded] = {}
_WORD = struct.Struct("<I").unpack_from


def reset_caches() -> None:
    _MEMO.clear()


def _decoded(word: int) -> Decoded:
    hit = decode_fields(word)
    entry = _ILLEGAL if hit is None else Decoded(TRANS[hit[0]], hit[2], 4, hit[0] in ENDS_BLOCK)
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()
    _MEMO[word] = entry
    return entry


def decode_block(fetch: Fetch, pc: int, max_insns: int = MAX_INSNS) -> DecodedBlock:
    if pc & 3:
        return DecodedBlock(pc, [], max_insns)      # (lift_decoded makes the fault)
    insns: list[Decoded] = []
    memo = _MEMO
    cur = base = pc
    code = b""
    while len(insns) < max_insns:
        off = cur - base
        if off + 4 > len(code):
            base, off = cur, 0
            size = min(_CHUNK, _PAGE - (cur & (_PAGE - 1)))
            code = fetch(cur, size) or b""
        if len(code) >= off + 4:
            word = _WORD(code, off)[0]
            entry = memo.get(word) or _decoded(word)
        else:
            entry = _UNFETCHABLE
        insns.append(entry)
        if entry.ends:
            break
        cur += 4
    return DecodedBlock(pc, insns, max_insns)


def lift_decoded(fetch: Fetch, decoded: DecodedBlock) -> Block:
    pc, insns, max_insns = decoded
    b = IRBuilder(pc, LAYOUT)
    if pc & 3:                          # a branch to it was the PC alignment fault: SIGBUS
        b.insn(pc, 4)
        b.trap(kind=TRAP_PC_ALIGN, pc=pc)
        return b.finish()
    ctx = Ctx(b)
    cur = pc
    for entry in insns:
        length = entry.length
        if length == 0 and b.ninsns:
            b.jump(target=cur)          # let the fetch fault happen in its own block
            break
        b.insn(cur, 4)
        if entry.trans is None:
            b.trap(kind=TRAP_FETCH if length == 0 else TRAP_ILLEGAL, pc=cur)
            break
        ctx.pc, ctx.next_pc = cur, cur + 4
        entry.trans(ctx, entry.args)
        if b.closed:
            break
        cur += 4
    if not b.closed:
        b.jump(target=cur)
    return b.finish()


def lift_block(fetch: Fetch, pc: int, max_insns: int = MAX_INSNS) -> Block:
    return lift_decoded(fetch, decode_block(fetch, pc, max_insns))


def fetch_insn(fetch: Fetch, pc: int):
    """Decode the instruction at pc: (Insn or None, 4), or (None, 0) if it can't be fetched."""
    raw = fetch(pc, 4)
    if raw is None or len(raw) < 4:
        return None, 0
    return decode(int.from_bytes(raw, "little"), pc), 4
