"""What the core needs to know about a guest ISA, provided by its frontend as an `Arch`.

The core (loader, runtime, syscall layer) works through this descriptor only; backends never see
it. Frontends are found by ELF machine number and imported lazily.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from .linux.abi import SyscallABI

EM_RISCV = 243
EM_AARCH64 = 183

# ELF machine -> frontend module providing ARCH
_FRONTENDS = {EM_RISCV: "dbt.frontends.riscv.arch"}
MACHINE_NAMES = {3: "x86 (EM_386)", 8: "MIPS", 20: "PowerPC", 40: "ARM (EM_ARM)",
                 62: "x86-64 (EM_X86_64)", EM_AARCH64: "AArch64 (EM_AARCH64)",
                 EM_RISCV: "RISC-V (EM_RISCV)"}


@dataclass(frozen=True)
class Arch:
    name: str                      # e.g. "riscv64"
    elf_machine: int
    lift: Callable                 # lift(fetch, pc) -> Block
    decode_at: Callable            # decode_at(fetch, pc) -> (Insn | None, length)
    disasm_line: Callable          # disasm_line(insn) -> str (qemu -d in_asm style)
    syscall_abi: SyscallABI
    stack_pointer: str             # GuestState field of the stack pointer
    hwcap: int
    initial_fields: tuple = ()     # (field, value) pairs set before the first instruction
    sysroot: str | None = None     # the Debian cross sysroot of dynamically linked programs
    multiarch: str = ""            # Debian's multiarch triplet (library folders of a sysroot)


def arch_for_machine(machine: int) -> Arch | None:
    module = _FRONTENDS.get(machine)
    if module is None:
        return None
    return importlib.import_module(module).ARCH


def supported_machines() -> list[int]:
    return list(_FRONTENDS)
