"""The RISC-V block lifter: frontends/common/lifter.py's two stages (decode_block, lift_decoded)
over the RV64GC decoder, with 2-byte compressed instructions, and the trans_ functions of this
package; and `fetch_insn`, one instruction decoded for the disassembler.
"""

from __future__ import annotations

from dbt.frontends.common.lifter import MAX_INSNS, BlockLifter, Fetch, trans_table

from . import trans_rva, trans_rvd, trans_rvf, trans_rvi, trans_rvm, trans_zicsr
from .decode import DEFAULT, SEMANTIC_NAMES, insn_length
from .layout import LAYOUT
from .regs import Ctx

__all__ = ["MAX_INSNS", "ENDS_BLOCK", "TRANS", "decode_block", "lift_decoded", "lift_block",
           "fetch_insn", "reset_caches"]

#: Instructions whose `trans_` always ends the block: decoding stops after them.
ENDS_BLOCK = frozenset({"jal", "jalr", "beq", "bne", "blt", "bge", "bltu", "bgeu",
                        "ecall", "ebreak", "fence_i"})

TRANS = trans_table((trans_rvi, trans_rvm, trans_rva, trans_rvf, trans_rvd, trans_zicsr),
                    SEMANTIC_NAMES, "RISC-V")
LIFTER = BlockLifter(decode_fields=DEFAULT.decode_fields, trans=TRANS, ends_block=ENDS_BLOCK,
                     layout=LAYOUT, make_ctx=Ctx, compressed=True)
decode_block = LIFTER.decode_block
lift_decoded = LIFTER.lift_decoded
lift_block = LIFTER.lift_block
reset_caches = LIFTER.reset_caches
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
