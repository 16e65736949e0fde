"""The AArch64 (ARMv8-A, Linux user mode) descriptor the core works through."""

from __future__ import annotations

from dbt.arch import EM_AARCH64, Arch
from dbt.linux.abi import AARCH64

from .layout import STATE_FIELDS


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


# AT_HWCAP bits (arch/arm64/include/uapi/asm/hwcap.h) of what the frontend implements
HWCAP_FP = 1 << 0
HWCAP_ASIMD = 1 << 1
HWCAP_CRC32 = 1 << 7
HWCAP_ATOMICS = 1 << 8

ARCH = Arch(
    name="aarch64",
    elf_machine=EM_AARCH64,
    lift=lift_block,
    decode_at=fetch_insn,
    disasm_line=format_insn_line,
    syscall_abi=AARCH64,
    stack_pointer="x31",
    hwcap=HWCAP_FP | HWCAP_ASIMD | HWCAP_CRC32 | HWCAP_ATOMICS,
    sysroot="/usr/aarch64-linux-gnu",       # Debian's libc6-arm64-cross (gcc-aarch64-linux-gnu)
    multiarch="aarch64-linux-gnu",
    decode_block=decode_block,
    lift_decoded=lift_decoded,
    insn_align=4,
    platform="aarch64",
    hwcap2=0,
    state_fields=STATE_FIELDS,
)
