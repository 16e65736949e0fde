"""The LLVM backend's tables: the lowering function of each IR op, and the codes with which
generated code tells the runtime why it left.

A lowering function is `fn(r, op)`: `r` is the RegionLowerer writing the region's text (its
`fb` FnBuilder, `v(value)`, `define(op, expr)`, and the exits: `goto`, `leave`, `guard`,
`deopt_if`, `address`). lower_ops.py (integer, state, memory and control ops), lower_fp.py
(floating point) and lower_vfp.py (lane-wise floating point) register theirs here with
`@lowers(...)`; lower.py imports them.
"""

from __future__ import annotations

from dbt.ir.block import Op
from dbt.ir.ops import EXIT_ICACHE_FLUSH, EXIT_SYSCALL, TRAP_KINDS

EXIT_SENTINEL = 1
# The dispatcher's jump cache (native.py): 1 << JC_BITS entries {pc, function} of 16 bytes,
# entry jc_index(pc); its address is in the `jcache` state slot while guest code runs.
JC_BITS = 16
JC_MASK = (1 << JC_BITS) - 1


def jc_shift(insn_align: int) -> int:
    """The jump cache's shift for a guest whose instructions are `insn_align`-byte aligned
    (Arch.insn_align: 2 for RISC-V with C, 4 for Arm)."""
    return insn_align.bit_length() - 1


def jc_index(pc: int, shift: int) -> int:
    """The jump-cache entry of a pc: pc >> shift, masked, so that any 2**JC_BITS consecutive
    instructions of an aligned window get entries of their own. (A hash that assumed no
    alignment, the Gray code (pc >> 1) ^ (pc >> 2), cost 10% on dispatch-bound kernels:
    brainfuck 0.97 -> 1.07 s, bytecode 1.45 -> 1.62 s, interleaved runs.) Generated code
    computes the same: jc_index_text, and the dispatcher (native.py)."""
    return (pc >> shift) & JC_MASK


def jc_index_text(fb, pc: str, shift: int) -> str:
    """jc_index in LLVM IR: the i64 entry index of the i64 value `pc` (`fb` a FnBuilder)."""
    return fb.assign(f"and i64 {fb.assign(f'lshr i64 {pc}, {shift}')}, {JC_MASK}")


# exit_reason slot values
REASON_CODES = {EXIT_SYSCALL: 1, EXIT_ICACHE_FLUSH: 2}
for _i, _kind in enumerate(TRAP_KINDS):
    REASON_CODES[_kind] = 3 + _i
REASON_READ_FAULT = 16          # guest address outside the window, read
REASON_WRITE_FAULT = 17         # ... write
REASON_MISALIGNED = 18          # an aligned-only access was misaligned (SIGBUS)
REASON_HOST_FAULT = 19          # the host's SIGSEGV handler caught a read (dispatcher)
REASON_HOST_FAULT_WRITE = 21    # ... a write (REASON_HOST_FAULT + the page-fault write bit)
REASON_HOT = 22                 # a tier-1 region's counter reached the threshold: recompile
REASON_INTERP = 23              # deoptimise: the interpreter runs the block at the pc
REASON_INTERRUPT = 24           # the `interrupt` slot was set: signals to deliver (runtime)
REASON_CODES["interrupt"] = REASON_INTERRUPT
REASON_NAMES = {code: name for name, code in REASON_CODES.items()}

# The symbol the FP helpers import from the runtime (fp_kernels writes it, fp_runtime defines
# it): the exact-path callback, i64 (i64 op index, i64 a, i64 b, i64 c, i64 rm, ptr flags),
# which leaves the flags of its result in the cell `flags` points to.
EXACT_CALLBACK = "dbt_fp_exact"


class Unsupported(Exception):
    """The region uses an op this backend cannot lower (the runtime interprets that block)."""

    def __init__(self, op: Op, block_pc: int):
        super().__init__(f"{op.name} in block {block_pc:#x}")
        self.op = op
        self.block_pc = block_pc


LOWER: dict = {}                # IR op name -> fn(r, op)


def lowers(*names):
    """Register the decorated function as the lowering of the IR ops `names`."""
    def register(fn):
        for name in names:
            LOWER[name] = fn
        return fn
    return register
