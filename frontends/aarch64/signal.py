"""AArch64 Linux signal frames (arch/arm64/kernel/signal.c): the machine context a guest
handler's frame holds and rt_sigreturn restores. The generic side (dbt/linux/signals.py)
decides when and where a frame goes, writes its head (siginfo, the ucontext up to its
mcontext) and enters the handler: x0 = signo, x1 = &info, x2 = &uc, sp = the frame.

    struct rt_sigframe { siginfo_t info; struct ucontext uc; }  then a frame record {fp, lr}
    struct ucontext    { flags, link, stack_t stack, sigset_t mask, 120 unused bytes,
                         struct sigcontext mcontext (16-aligned: at 176) }
    struct sigcontext  { u64 fault_address; u64 regs[31]; u64 sp, pc, pstate;
                         u8 __reserved[4096] (16-aligned: records) }
    records: fpsimd_context { magic 0x46508001, size 528, fpsr, fpcr, __uint128 vregs[32] },
             then a terminator {0, 0}

The handler has x29 = the frame record and returns to x30: sa_restorer with SA_RESTORER
(glibc's and musl's `mov x8, #139; svc #0`), else dbt-vm's trampoline of the same two
instructions.
"""

from __future__ import annotations

import struct

from dbt.linux.signals import MCONTEXT

from .fpsr import FPCR_MASK, FPSR_FLAGS, FPSR_KEEP, flags_to_fpsr

RESERVED = MCONTEXT + 288
SIGFRAME_SIZE = RESERVED + 4096                 # sizeof(struct rt_sigframe)
FRAME_SIZE = SIGFRAME_SIZE + 16                 # and the frame record
FPSIMD_MAGIC, FPSIMD_SIZE = 0x46508001, 528
SIGRETURN_CODE = struct.pack("<II", 0xD2801168, 0xD4000001)     # mov x8, #139; svc #0
SYSCALL_INSN_SIZE = 4                                           # svc
# si_code of SIGILL for an unallocated encoding: qemu-aarch64's ILL_ILLOPN (Linux gives
# ILL_ILLOPC; the reference here is qemu-user)
ILLEGAL_CODE = 2


def _pstate(state) -> int:
    return (state["n"] << 31) | (state["z"] << 30) | (state["c"] << 29) | (state["v"] << 28)


def write_context(state, memory, frame: int, return_addr: int, fault_addr: int = 0) -> None:
    """Save the registers in the frame at `frame`, and the frame record; the handler will
    return to `return_addr`."""
    data = bytearray(FRAME_SIZE - MCONTEXT)
    struct.pack_into("<Q31QQQQ", data, 0, fault_addr,
                     *(state[f"x{i}"] for i in range(31)), state["x31"], state.pc,
                     _pstate(state))
    fpsr = flags_to_fpsr(state["fpflags"]) | state["fpsr"]
    at = RESERVED - MCONTEXT
    struct.pack_into("<IIII", data, at, FPSIMD_MAGIC, FPSIMD_SIZE, fpsr, state["fpcr"])
    for i in range(32):
        struct.pack_into("<QQ", data, at + 16 + 16 * i, state[f"f{i}"], state[f"vhi{i}"])
    record = SIGFRAME_SIZE
    struct.pack_into("<QQ", data, record - MCONTEXT, state["x29"], state["x30"])
    memory.write(frame + MCONTEXT, bytes(data))
    state["x29"] = frame + record
    state["x30"] = return_addr


def read_context(state, memory, frame: int) -> None:
    """rt_sigreturn: restore the registers saved in the frame at `frame`."""
    data = memory.read(frame + MCONTEXT, SIGFRAME_SIZE - MCONTEXT)
    _fault, *regs = struct.unpack_from("<Q31QQQQ", data, 0)
    for i in range(31):
        state[f"x{i}"] = regs[i]
    state["x31"], state.pc, pstate = regs[31], regs[32], regs[33]
    for name, bit in (("n", 31), ("z", 30), ("c", 29), ("v", 28)):
        state[name] = pstate >> bit & 1
    at, end = RESERVED - MCONTEXT, len(data)        # the records: find fpsimd_context
    while at + 8 <= end:
        magic, size = struct.unpack_from("<II", data, at)
        if magic == 0 or size < 8:
            break
        if magic == FPSIMD_MAGIC and size >= FPSIMD_SIZE:
            fpsr, fpcr = struct.unpack_from("<II", data, at + 8)
            flags = 0
            for arm, ir in FPSR_FLAGS:
                if fpsr & arm:
                    flags |= ir
            state["fpflags"] = flags
            state["fpsr"] = fpsr & FPSR_KEEP
            state["fpcr"] = fpcr & FPCR_MASK
            for i in range(32):
                lo, hi = struct.unpack_from("<QQ", data, at + 16 + 16 * i)
                state[f"f{i}"], state[f"vhi{i}"] = lo, hi
        at += size
