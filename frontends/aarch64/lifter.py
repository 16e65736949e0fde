"""The AArch64 block lifter: frontends/common/lifter.py's two stages (decode_block, lift_decoded)
over the A64 decoder (every instruction one aligned 32-bit word; a branch to a misaligned pc
lifts to the PC alignment fault, SIGBUS) and the trans_ functions of this package's
trans_*.py modules; and `fetch_insn`, one instruction decoded for the disassembler.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from dbt.frontends.common.lifter import MAX_INSNS, BlockLifter, Fetch, trans_table
from dbt.ir.ops import TRAP_PC_ALIGN

from .decode import SEMANTIC_NAMES, decode, decode_fields
from .layout import LAYOUT
from .regs import Ctx

__all__ = ["MAX_INSNS", "ENDS_BLOCK", "TRANS", "decode_block", "lift_decoded", "lift_block",
           "fetch_insn", "reset_caches"]

#: Instructions whose `trans_` always ends the block (decoding stops after them).
ENDS_BLOCK = frozenset({"b", "bl", "br", "blr", "ret", "b_cond", "cbz", "cbnz", "tbz", "tbnz",
                        "svc", "brk", "isb"})

TRANS = trans_table([importlib.import_module(f"{__package__}.{info.name}")
                     for info in pkgutil.iter_modules([str(Path(__file__).parent)])
                     if info.name.startswith("trans_")], SEMANTIC_NAMES, "AArch64")
LIFTER = BlockLifter(decode_fields=decode_fields, trans=TRANS,
                     ends_block=ENDS_BLOCK, layout=LAYOUT, make_ctx=Ctx, compressed=False,
                     pc_align_trap=TRAP_PC_ALIGN)
decode_block = LIFTER.decode_block
lift_decoded = LIFTER.lift_decoded
lift_block = LIFTER.lift_block
reset_caches = LIFTER.reset_caches


def fetch_insn(fetch: Fetch, pc: int):
    """Decode the instruction at pc: (Insn or None, 4), or (None, 0) if it can't be fetched."""
    raw = fetch(pc, 4)
    if raw is None or len(raw) < 4:
        return None, 0
    return decode(int.from_bytes(raw, "little"), pc), 4
