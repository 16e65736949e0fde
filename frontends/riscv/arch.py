"""The RISC-V RV64GC descriptor the core works through."""

from __future__ import annotations

from dbt.arch import EM_RISCV, Arch, frontend_functions
from dbt.linux.abi import RISCV64

from .layout import REG_ALIASES, STATE_FIELDS


def _hwcap(extensions: str) -> int:
    """AT_HWCAP on RISC-V Linux: bit (letter - 'a') per single-letter extension."""
    return sum(1 << (ord(letter) - ord("a")) for letter in extensions)


ARCH = Arch(
    name="riscv64",
    **frontend_functions(__package__),     # lift, decode_at, disasm_line, ... (lazily imported)
    elf_machine=EM_RISCV,
    syscall_abi=RISCV64,
    stack_pointer="x2",
    hwcap=_hwcap("imafdc"),
    sysroot="/usr/riscv64-linux-gnu",       # Debian's libc6-riscv64-cross (gcc-riscv64-linux-gnu)
    multiarch="riscv64-linux-gnu",
    insn_align=2,                           # (the C extension)
    state_fields=STATE_FIELDS,
    signal_frames=f"{__package__}.signal",
    reg_aliases=REG_ALIASES,
)
