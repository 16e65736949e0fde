"""The block lifter every frontend shares: decode guest instructions from a pc, emit one IR block.

A block ends at the first control transfer, syscall or trap, or after MAX_INSNS instructions.
An instruction that cannot be fetched (unmapped or non-executable page) or decoded ends the
block with a trap, which only fires if execution really reaches it.

Lifting is on the start-up path of every program (tens of thousands of distinct blocks), so it
is done in two stages that cost little per instruction and can be timed apart:

- `decode_block`: the block's bytes are fetched a chunk at a time (never across a page) and
  each instruction word is looked up in a memo of what the lifter made of it before (its
  `trans_` function and fields: a `Decoded`); a word seen for the first time goes through the
  decode tables. Decoding stops after an instruction that always ends a block (`ends_block`).
- `lift_decoded`: each instruction's `trans_` function emits its IR through the builder.

(Replaying a recorded template of each word's IR instead of running its `trans_` again was
tried and measured slower: the cost is in making the IR objects, which a replay makes too.)

What differs between ISAs is a parameter of `BlockLifter`: the decoder, the `trans_` table,
the per-instruction context, whether 2-byte (compressed) instructions exist, and the trap of a
misaligned pc where the ISA has one.
"""

from __future__ import annotations

import struct
from typing import Callable, Iterable, NamedTuple

from dbt.ir.block import Block
from dbt.ir.builder import IRBuilder
from dbt.ir.ops import TRAP_FETCH, TRAP_ILLEGAL

MAX_INSNS = 64
Fetch = Callable[[int, int], "bytes | None"]

_PAGE = 4096              # a chunk of code is fetched within one page: the next may be unmapped
_CHUNK = 64               # bytes fetched at a time (a block is 4-5 instructions on average)
_MEMO_LIMIT = 1 << 17     # words remembered before the memo starts over
_WORD = struct.Struct("<I").unpack_from


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
UNFETCHABLE = Decoded(None, None, 0, True)


def trans_table(modules: Iterable, semantic_names: Iterable[str], isa: str) -> dict:
    """name -> the trans_<name> of the modules (ImportError for two different functions of one
    name, or for a name of the decoder without its trans_)."""
    table = {}
    for module in modules:
        for attr, fn in vars(module).items():
            if attr.startswith("trans_") and callable(fn):
                name = attr[len("trans_"):]
                if table.setdefault(name, fn) is not fn:
                    raise ImportError(f"trans_{name} is defined twice ({module.__name__})")
    missing = sorted(set(semantic_names) - set(table))
    if missing:
        raise ImportError(f"{isa} instructions without a trans_ function: {missing}")
    return table


def _decoder(decode_fields, trans: dict, ends_block: frozenset, memo: dict, compressed: bool):
    """decoded(word): the Decoded of a word not in the memo yet (bits above its length
    clear), remembered. (A closure: every instruction word a run meets goes through it once.)"""
    def decoded(word: int) -> Decoded:
        length = 4 if not compressed or word & 3 == 3 else 2
        hit = decode_fields(word, length)
        if hit is None:
            entry = _ILLEGAL[length]
        else:
            entry = Decoded(trans[hit[0]], hit[2], length, hit[0] in ends_block)
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[word] = entry
        return entry
    return decoded


class BlockLifter:
    """The two stages of one ISA.

    decode_fields   decode_fields(word, length) -> (name, mnemonic, args) | None: the decoder
    trans           name -> trans_ function (`trans_table`)
    ends_block      names whose trans_ always ends the block: decoding stops after them (others
                    may end it too, e.g. an access to a CSR that does not exist: the lifter
                    stops there and the rest of what was decoded goes unused; one named here
                    that did not would be decoded on)
    layout          the GuestState layout blocks are built for
    make_ctx        the per-instruction context of the trans_ functions, from the builder
    compressed      a word whose low two bits are not 0b11 is a 2-byte instruction (RISC-V C);
                    without, every instruction is 4 bytes
    pc_align_trap   the trap of a pc that is not 4-byte aligned (None: no such check)
    """

    def __init__(self, *, decode_fields, trans: dict, ends_block: frozenset, layout, make_ctx,
                 compressed: bool, pc_align_trap: str | None = None):
        self.decode_fields, self.trans, self.ends_block = decode_fields, trans, ends_block
        self.layout, self.make_ctx, self.compressed = layout, make_ctx, compressed
        self.pc_align_trap = pc_align_trap
        self.pc_mask = 3 if pc_align_trap else 0
        self.unit = 2 if compressed else 4          # the length of an unfetchable one
        self.memo: dict[int, Decoded] = {}          # instruction word -> its Decoded
        self._decoded = _decoder(decode_fields, trans, ends_block, self.memo, compressed)

    def reset_caches(self) -> None:
        """Forget every word's decoding (as a new process starts)."""
        self.memo.clear()

    def decode_one(self, fetch: Fetch, pc: int) -> Decoded:
        """The instruction at pc fetched on its own (at the end of a page or of what the fetch
        function gives)."""
        raw = fetch(pc, 4)
        if raw is None and self.compressed:
            raw = fetch(pc, 2)              # a compressed instruction may end the code
        if raw is None:
            return UNFETCHABLE
        word = int.from_bytes(raw, "little")
        if self.compressed and word & 3 != 3:
            word &= 0xFFFF
        elif len(raw) < 4:
            return UNFETCHABLE
        else:
            word &= 0xFFFFFFFF
        return self.memo.get(word) or self._decoded(word)

    def decode_block(self, fetch: Fetch, pc: int, max_insns: int = MAX_INSNS) -> DecodedBlock:
        """The instructions of the block at pc, up to one that ends a block (or one that cannot
        be fetched or decoded), at most max_insns."""
        insns: list[Decoded] = []
        if pc & self.pc_mask:
            return DecodedBlock(pc, insns, max_insns)      # (lift_decoded makes the fault)
        memo, decoded, compressed = self.memo, self._decoded, self.compressed
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
                if compressed and word & 3 != 3:
                    word &= 0xFFFF
                entry = memo.get(word) or decoded(word)
            else:
                entry = self.decode_one(fetch, cur)
                code = b""
            insns.append(entry)
            if entry.ends:
                break
            cur += entry.length
        return DecodedBlock(pc, insns, max_insns)

    def lift_decoded(self, fetch: Fetch, decoded: DecodedBlock) -> Block:
        """The IR block of decoded instructions (`fetch` decodes on if their last instruction
        did not end the block after all)."""
        pc, insns, max_insns = decoded
        b = IRBuilder(pc, self.layout)
        if pc & self.pc_mask:               # a branch to it was the PC alignment fault
            b.insn(pc, 4)
            b.trap(kind=self.pc_align_trap, pc=pc)
            return b.finish()
        ctx = self.make_ctx(b)
        unit = self.unit
        cur = pc
        count, i = len(insns), 0
        while True:
            if i < count:
                entry = insns[i]
                i += 1
            else:
                entry = self.decode_one(fetch, cur)
            length = entry.length
            if length == 0 and b.ninsns:
                b.jump(target=cur)          # let the fetch fault happen in its own block
                break
            b.insn(cur, length or unit)
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

    def lift_block(self, fetch: Fetch, pc: int, max_insns: int = MAX_INSNS) -> Block:
        return self.lift_decoded(fetch, self.decode_block(fetch, pc, max_insns))
