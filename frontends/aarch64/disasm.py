"""AArch64 disassembly for `--trace in_asm`: capstone's text (qemu-aarch64 prints A64 through
capstone too), one line per instruction in qemu's `-d in_asm` layout."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _capstone():
    import capstone
    return capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)


def disasm(word: int, pc: int = 0) -> str:
    for insn in _capstone().disasm(word.to_bytes(4, "little"), pc):
        return f"{insn.mnemonic} {insn.op_str}".strip()
    return f".word 0x{word:08x}"


def format_insn_line(insn) -> str:
    return f"0x{insn.pc:08x}:  {insn.raw:08x}          {disasm(insn.raw, insn.pc)}"
