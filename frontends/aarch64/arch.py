"""The AArch64 (ARMv8-A, Linux user mode) descriptor the core works through."""

from __future__ import annotations

from dbt.arch import EM_AARCH64, Arch, frontend_functions
from dbt.linux.abi import AARCH64

from .layout import REG_ALIASES, STATE_FIELDS


# AT_HWCAP bits (arch/arm64/include/uapi/asm/hwcap.h) of what the frontend implements
HWCAP_FP = 1 << 0
HWCAP_ASIMD = 1 << 1
HWCAP_CRC32 = 1 << 7
HWCAP_ATOMICS = 1 << 8

ARCH = Arch(
    name="aarch64",
    **frontend_functions(__package__),     # lift, decode_at, disasm_line, ... (lazily imported)
    elf_machine=EM_AARCH64,
    syscall_abi=AARCH64,
    stack_pointer="x31",
    hwcap=HWCAP_FP | HWCAP_ASIMD | HWCAP_CRC32 | HWCAP_ATOMICS,
    sysroot="/usr/aarch64-linux-gnu",       # Debian's libc6-arm64-cross (gcc-aarch64-linux-gnu)
    multiarch="aarch64-linux-gnu",
    insn_align=4,
    platform="aarch64",
    hwcap2=0,
    state_fields=STATE_FIELDS,
    signal_frames=f"{__package__}.signal",
    reg_aliases=REG_ALIASES,
    mmap_base=0x55_0000_0000,               # qemu-aarch64's TASK_UNMAPPED_BASE
)
