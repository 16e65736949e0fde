"""The RISC-V block lifter: decode guest instructions from a pc and emit one IR block.

A block ends at the first control transfer, syscall or trap, or after MAX_INSNS instructions.
An instruction that cannot be fetched (unmapped or non-executable page) or decoded ends the
block with a trap, which only fires if execution really reaches it.

Lifting is on the start-up path of every program (tens of thousands of distinct blocks), so it
is done in two stages that cost little per instruction and can be timed apart:

- `decode_block`: the block's bytes are fetched a chunk at a time (never across a page) and
  each instruction word is looked up in a memo of what the lifter made of it before (its
  `trans_` function and fields: a `Decoded`); a word seen for the first time goes through the
  decode tables. Decoding stops after an instruction that always ends a block (ENDS_BLOCK).
- `lift_decoded`: each instruction's `trans_` function emits its IR through the builder.

(Replaying a recorded template of each word's IR instead of running its `trans_` again was
tried and measured slower: the cost is in making the IR objects, which a replay makes too.)
"""

from __future__ import annotations

import struct
from typing import Callable, NamedTuple

from dbt.ir.block import Block
from dbt.ir.builder import IRBuilder
from dbt.ir.ops import TRAP_FETCH, TRAP_ILLEGAL

from . import trans_rva, trans_rvd, trans_rvf, trans_rvi, trans_rvm, trans_zicsr
from .decode import DEFAULT, SEMANTIC_NAMES, insn_length
from .layout import LAYOUT
from .regs import Ctx

MAX_INSNS = 64
Fetch = Callable[[int, int], "bytes | None"]

#: Instructions whose `trans_` always ends the block: decoding stops after them. (Others may
#: end it too, e.g. an access to a CSR that does not exist: the lifter stops there and the
#: rest of what was decoded goes unused; one named here that did not would be decoded on.)
ENDS_BLOCK = frozenset({"jal", "jalr", "beq", "bne", "blt", "bge", "bltu", "bgeu",
                        "ecall", "ebreak", "fence_i"})
_PAGE = 4096              # a chunk of code is fetched within one page: the next may be unmapped
_CHUNK = 64               # bytes fetched at a time (a block is 4-5 instructions on average)
_MEMO_LIMIT = 1 << 17     # words remembered before the memo starts over


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


class Decoded:
    """What the lifter makes of one instruction word: its `trans_` function (None: illegal,
    or unfetchable when length is 0) and fields, and whether it always ends a block."""

    __slots__ = ("trans", "args", "length", "ends")

    def __init__(self, trans, args, length: int, ends: bool):
        self.trans, self.args, self.length, self.ends = trans, args, length, ends


class DecodedBlock(NamedTuple):
    pc: int
    insns: list           # Decoded, one per instruction from pc on
    max_insns: int


_ILLEGAL = {2: Decoded(None, None, 2, True), 4: Decoded(None, None, 4, True)}
_UNFETCHABLE = Decoded(None, None, 0, True)
_MEMO: dict[int, Decoded] = {}    # instruction word (2 or 4 bytes, told by its low bits) -> it
_WORD = struct.Struct("<I").unpack_from


def reset_caches() -> None:
    """Forget every word's decoding (as a new process starts)."""
    _MEMO.clear()


def _decoded(word: int) -> Decoded:
    """The Decoded of a word not in the memo yet (bits above its length clear)."""
    length = 4 if word & 3 == 3 else 2
    hit = DEFAULT.decode_fields(word, length)
    if hit is None:
        entry = _ILLEGAL[length]
    else:
        entry = Decoded(TRANS[hit[0]], hit[2], length, hit[0] in ENDS_BLOCK)
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()
    _MEMO[word] = entry
    return entry


def _decode_one(fetch: Fetch, pc: int) -> Decoded:
    """The instruction at pc fetched on its own (at the end of a page or of what the fetch
    function gives): the rules of `fetch_insn`."""
    raw = fetch(pc, 4)
    if raw is None:
        raw = fetch(pc, 2)              # a compressed instruction may end the code
        if raw is None:
            return _UNFETCHABLE
    word = int.from_bytes(raw, "little")
    if insn_length(word & 0xFFFF) == 2:
        word &= 0xFFFF
    elif len(raw) < 4:
        return _UNFETCHABLE
    else:
        word &= 0xFFFFFFFF
    return _MEMO.get(word) or _decoded(word)


def decode_block(fetch: Fetch, pc: int, max_insns: int = MAX_INSNS) -> DecodedBlock:
    """The instructions of the block at pc, up to one that ends a block (or one that cannot
    be fetched or decoded), at most max_insns."""
    insns: list[Decoded] = []
    memo = _MEMO
    cur = base = pc
    code = b""
    while len(insns) < max_insns:
        off = cur - base
        if off + 4 > len(code):          # a new chunk, up to the end of the page
            base, off = cur, 0
            size = min(_CHUNK, _PAGE - (cur & (_PAGE - 1)))
            code = (fetch(cur, size) or b"") if size >= 4 else b""
        if len(code) >= off + 4:
            word = _WORD(code, off)[0]
            if word & 3 != 3:
                word &= 0xFFFF
            entry = memo.get(word) or _decoded(word)
        else:
            entry = _decode_one(fetch, cur)
            code = b""
        insns.append(entry)
        if entry.ends:
            break
        cur += entry.length
    return DecodedBlock(pc, insns, max_insns)


def lift_decoded(fetch: Fetch, decoded: DecodedBlock) -> Block:
    """The IR block of decoded instructions (`fetch` decodes on if their last instruction
    did not end the block after all)."""
    pc, insns, max_insns = decoded
    b = IRBuilder(pc, LAYOUT)
    ctx = Ctx(b)
    cur = pc
    count, i = len(insns), 0
    while True:
        if i < count:
            entry = insns[i]
            i += 1
        else:
            entry = _decode_one(fetch, cur)
        length = entry.length
        if length == 0 and b.ninsns:
            b.jump(target=cur)          # let the fetch fault happen in its own block
            break
        b.insn(cur, length or 2)
        if entry.trans is None:
            b.trap(kind=TRAP_FETCH if length == 0 else TRAP_ILLEGAL, pc=cur)
            break
        ctx.pc, ctx.next_pc = cur, cur + length
        entry.trans(ctx, entry.args)
        if b.closed:
            break
        cur += length
        if b.ninsns >= max_insns:
            b.jump(target=cur)
            break
    return b.finish()


def lift_block(fetch: Fetch, pc: int, max_insns: int = MAX_INSNS) -> Block:
    return lift_decoded(fetch, decode_block(fetch, pc, max_insns))


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
