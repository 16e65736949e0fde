"""RISC-V Linux signal frames (arch/riscv/kernel/signal.c): the machine context a guest
handler's frame holds and rt_sigreturn restores. The generic side (dbt/linux/signals.py)
decides when and where a frame goes, writes its head (siginfo, the ucontext up to its
mcontext) and enters the handler: a0 = signo, a1 = &info, a2 = &uc, sp = the frame.

    struct rt_sigframe { siginfo_t info; struct ucontext uc; }            (1088 bytes)
    struct ucontext    { flags, link, stack_t stack, sigset_t mask, 120 unused bytes,
                         struct sigcontext mcontext (16-aligned: at 176) }
    struct sigcontext  { u64 pc; u64 x1..x31; union { f0..f31 (u64) then fcsr (u32) } (528) }

The handler returns to ra: the trampoline `li a7, 139; ecall` (rt_sigreturn), which RISC-V
Linux keeps in its vDSO and dbt-vm on a page of its own, as qemu-user does.
"""

from __future__ import annotations

import struct

from dbt.linux.signals import MCONTEXT

FRAME_SIZE = 1088
FPREGS = MCONTEXT + 256
CONTEXT_SIZE = FRAME_SIZE - MCONTEXT
SIGRETURN_CODE = struct.pack("<II", 0x08B00893, 0x00000073)     # li a7, 139; ecall
SYSCALL_INSN_SIZE = 4                                           # ecall (no compressed form)
ILLEGAL_CODE = 1                        # si_code of SIGILL for an illegal instruction: ILL_ILLOPC


def write_context(state, memory, frame: int, return_addr: int, fault_addr: int = 0) -> None:
    """Save the registers in the frame at `frame`; the handler will return to
    `return_addr`."""
    regs = [state.pc] + [state[f"x{i}"] for i in range(1, 32)]
    fregs = [state[f"f{i}"] for i in range(32)]
    fcsr = (state["frm"] << 5) | (state["fpflags"] & 0x1F)
    data = bytearray(CONTEXT_SIZE)
    struct.pack_into("<32Q", data, 0, *regs)
    struct.pack_into("<32QI", data, FPREGS - MCONTEXT, *fregs, fcsr)
    memory.write(frame + MCONTEXT, bytes(data))
    state["x1"] = return_addr


def read_context(state, memory, frame: int) -> None:
    """rt_sigreturn: restore the registers saved in the frame at `frame`."""
    data = memory.read(frame + MCONTEXT, CONTEXT_SIZE)
    regs = struct.unpack_from("<32Q", data, 0)
    *fregs, fcsr = struct.unpack_from("<32QI", data, FPREGS - MCONTEXT)
    state.pc = regs[0]
    for i in range(1, 32):
        state[f"x{i}"] = regs[i]
    for i in range(32):
        state[f"f{i}"] = fregs[i]
    state["fpflags"] = fcsr & 0x1F
    state["frm"] = (fcsr >> 5) & 7
