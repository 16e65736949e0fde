"""The RISC-V RV64GC descriptor the core works through."""

from __future__ import annotations

from dbt.arch import EM_RISCV, Arch
from dbt.linux.abi import SyscallABI

from .layout import STATE_FIELDS


# The decoder and lifter are imported when first used: a run whose code is all in the
# persistent cache decodes nothing, and building the decode tables costs milliseconds.
def lift_block(fetch, pc):
    from .lifter import lift_block
    return lift_block(fetch, pc)


def decode_block(fetch, pc):
    from .lifter import decode_block
    return decode_block(fetch, pc)


def lift_decoded(fetch, decoded):
    from .lifter import lift_decoded
    return lift_decoded(fetch, decoded)


def fetch_insn(fetch, pc):
    from .lifter import fetch_insn
    return fetch_insn(fetch, pc)


def format_insn_line(insn) -> str:
    from .disasm import format_insn_line
    return format_insn_line(insn)


def _hwcap(extensions: str) -> int:
    """AT_HWCAP on RISC-V Linux: bit (letter - 'a') per single-letter extension."""
    return sum(1 << (ord(letter) - ord("a")) for letter in extensions)


ARCH = Arch(
    name="riscv64",
    elf_machine=EM_RISCV,
    lift=lift_block,
    decode_at=fetch_insn,
    disasm_line=format_insn_line,
    syscall_abi=SyscallABI(nr="x17", args=("x10", "x11", "x12", "x13", "x14", "x15"),
                           ret="x10", machine="riscv64"),
    stack_pointer="x2",
    hwcap=_hwcap("imafdc"),
    sysroot="/usr/riscv64-linux-gnu",       # Debian's libc6-riscv64-cross (gcc-riscv64-linux-gnu)
    multiarch="riscv64-linux-gnu",
    decode_block=decode_block,
    lift_decoded=lift_decoded,
    insn_align=2,                           # (the C extension)
    state_fields=STATE_FIELDS,
)
