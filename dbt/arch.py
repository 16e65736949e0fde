"""What the core needs to know about a guest ISA, provided by its frontend as an `Arch`.

The core (loader, runtime, syscall layer) works through this descriptor only; backends never see
it. Frontends are found by ELF machine number and imported lazily.
"""

from __future__ import annotations

import importlib
from collections import namedtuple

from .memory import MMAP_BASE
from .state import Layout, layout_of

EM_RISCV = 243
EM_AARCH64 = 183

# ELF machine -> frontend module providing ARCH
_FRONTENDS = {EM_RISCV: "dbt.frontends.riscv.arch", EM_AARCH64: "dbt.frontends.aarch64.arch"}
MACHINE_NAMES = {3: "x86 (EM_386)", 8: "MIPS", 20: "PowerPC", 40: "ARM (EM_ARM)",
                 62: "x86-64 (EM_X86_64)", EM_AARCH64: "AArch64 (EM_AARCH64)",
                 EM_RISCV: "RISC-V (EM_RISCV)"}


class Arch(namedtuple("Arch", "name elf_machine lift decode_at disasm_line syscall_abi "
                             "stack_pointer hwcap initial_fields sysroot multiarch "
                             "decode_block lift_decoded insn_align platform hwcap2 state_fields "
                             "signal_frames reg_aliases mmap_base",
                       defaults=((), None, "", None, None, 4, "", None, (), None, None,
                                 MMAP_BASE))):
    """A guest ISA:

    name             e.g. "riscv64"
    elf_machine      its ELF machine number
    lift             lift(fetch, pc) -> Block
    decode_at        decode_at(fetch, pc) -> (Insn | None, length)
    disasm_line      disasm_line(fetch, pc) -> the line qemu-user's `-d in_asm` log has for the
                     instruction at pc (None if pc cannot be fetched)
    syscall_abi      a linux.abi.SyscallABI
    stack_pointer    the GuestState field of the stack pointer
    hwcap            AT_HWCAP
    initial_fields   (field, value) pairs set before the first instruction
    sysroot          the Debian cross sysroot of dynamically linked programs
    multiarch        Debian's multiarch triplet (library folders of a sysroot)
    decode_block     decode_block(fetch, pc) -> the decoded instructions of the block at pc
    lift_decoded     lift_decoded(fetch, decoded) -> Block: `lift` in two stages, which the
                     runtime times apart (--stats); None: `lift` in one
    insn_align       the alignment every instruction address has (2 with compressed
                     instructions): native code hashes pcs by it (the jump cache)
    platform         AT_PLATFORM's string ("" where Linux gives none)
    hwcap2           AT_HWCAP2 (None where Linux gives none)
    state_fields     (name, IR type) of each GuestState field of the ISA's own (registers,
                     flags, FP control and status), which its `layout` places after the
                     fields every layout has (dbt.state.COMMON_FIELDS)
    signal_frames    the module that builds and reads its Linux signal frames
                     (write_context, read_context, FRAME_SIZE, SIGRETURN_CODE,
                     SYSCALL_INSN_SIZE: see frontends/riscv/signal.py)
    reg_aliases      register names of the ISA's assembly language (ABI names) -> fields
    mmap_base        where the guest's mmap area starts: qemu-user's TASK_UNMAPPED_BASE for
                     the target (2^38 for 64-bit guests, AArch64's own 0x55_0000_0000), so
                     that programs are placed where qemu-user places them
    """
    __slots__ = ()

    @property
    def layout(self) -> Layout:
        """The GuestState layout of this ISA (one object per ISA)."""
        return layout_of(self.state_fields)


def lazy(module: str, name: str):
    """A function that calls `module`.`name`, importing the module on its first call: a
    frontend's Arch names its decoder, lifter and disassembler this way, so that importing the
    Arch stays cheap (a run whose code is all in the persistent cache decodes nothing, and
    building the decode tables costs milliseconds)."""
    target = None

    def call(*args):
        nonlocal target
        if target is None:
            target = getattr(importlib.import_module(module), name)
        return target(*args)
    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"{module}.{name}, imported on the first call."
    return call


def frontend_functions(package: str) -> dict:
    """The Arch fields a frontend package provides by its conventional module names (lift,
    decode_at, decode_block, lift_decoded from `<package>.lifter`, disasm_line from
    `<package>.disasm`), each imported on its first call (`lazy`)."""
    lifter, disasm = f"{package}.lifter", f"{package}.disasm"
    return dict(lift=lazy(lifter, "lift_block"), decode_at=lazy(lifter, "fetch_insn"),
                disasm_line=lazy(disasm, "in_asm_line"),
                decode_block=lazy(lifter, "decode_block"),
                lift_decoded=lazy(lifter, "lift_decoded"))


def arch_for_machine(machine: int) -> Arch | None:
    module = _FRONTENDS.get(machine)
    if module is None:
        return None
    return importlib.import_module(module).ARCH


def supported_machines() -> list[int]:
    return list(_FRONTENDS)
