"""RISC-V Linux signal frames (arch/riscv/kernel/signal.c): what a guest handler is entered
with and what rt_sigreturn restores. The generic side (dbt/linux/signals.py) decides when and
where a frame goes; this module knows the registers and the layout only.

    struct rt_sigframe { siginfo_t info; struct ucontext uc; }            (1088 bytes)
    struct ucontext    { flags, link, stack_t stack, sigset_t mask, 120 unused bytes,
                         struct sigcontext mcontext (16-aligned: at 176) }
    struct sigcontext  { u64 pc; u64 x1..x31; union { f0..f31 (u64) then fcsr (u32) } (528) }

The handler runs with a0 = signo, a1 = &info, a2 = &uc, sp = the frame, and ra = the return
address: the trampoline `li a7, 139; ecall` (rt_sigreturn), which RISC-V Linux keeps in its
vDSO and dbt-vm on a page of its own, as qemu-user does.
"""

from __future__ import annotations

import struct

FRAME_SIZE = 1088
INFO, UC = 0, 128
UC_STACK, UC_SIGMASK = UC + 16, UC + 40
MCONTEXT = UC + 176
FPREGS = MCONTEXT + 256
FCSR = FPREGS + 32 * 8
SIGRETURN_CODE = struct.pack("<II", 0x08B00893, 0x00000073)     # li a7, 139; ecall
SYSCALL_INSN_SIZE = 4                                           # ecall (no compressed form)
ILLEGAL_CODE = 1                        # si_code of SIGILL for an illegal instruction: ILL_ILLOPC


def write_frame(state, memory, frame: int, signo: int, info: bytes, uc_head: bytes,
                handler: int, return_addr: int, fault_addr: int = 0) -> None:
    """Save the state in a frame at `frame` and enter `handler`. `uc_head`: the ucontext's
    flags, link, stack_t and sigmask (48 bytes), as the generic side made them."""
    regs = [state.pc] + [state[f"x{i}"] for i in range(1, 32)]
    fregs = [state[f"f{i}"] for i in range(32)]
    fcsr = (state["frm"] << 5) | (state["fpflags"] & 0x1F)
    data = bytearray(FRAME_SIZE)
    data[INFO:INFO + 128] = info
    data[UC:UC + len(uc_head)] = uc_head
    struct.pack_into("<32Q", data, MCONTEXT, *regs)
    struct.pack_into("<32QI", data, FPREGS, *fregs, fcsr)
    memory.write(frame, bytes(data))
    state.pc = handler
    state["x10"] = signo
    state["x11"] = frame + INFO
    state["x12"] = frame + UC
    state["x2"] = frame
    state["x1"] = return_addr


def read_frame(state, memory) -> tuple[int, bytes]:
    """rt_sigreturn: restore the state saved in the frame at sp; returns the saved sigmask and
    the stack_t (24 bytes) to restore."""
    frame = state["x2"]
    data = memory.read(frame, FRAME_SIZE)
    regs = struct.unpack_from("<32Q", data, MCONTEXT)
    *fregs, fcsr = struct.unpack_from("<32QI", data, FPREGS)
    state.pc = regs[0]
    for i in range(1, 32):
        state[f"x{i}"] = regs[i]
    for i in range(32):
        state[f"f{i}"] = fregs[i]
    state["fpflags"] = fcsr & 0x1F
    state["frm"] = (fcsr >> 5) & 7
    mask = struct.unpack_from("<Q", data, UC_SIGMASK)[0]
    return mask, bytes(data[UC_STACK:UC_STACK + 24])
