"""The x86 instructions of the one loop in a block compiled as hot (-O2) native code: what the
flags tests of the IR (tests/backends/test_neutral_ops.py) and of the AArch64 frontend
(tests/frontends/aarch64/test_lifter_a64.py) look at."""

from __future__ import annotations

import ctypes


def hot_loop_x86(block, base: int) -> list:
    """capstone instructions from the target of the block's backward jump to the jump (the FP
    helpers that the code calls off the loop's path linked first)."""
    import capstone
    from dbt.backends.llvm import fp_runtime
    from dbt.backends.llvm.codemem import SYMBOLS, CodeArena
    from dbt.backends.llvm.compiler import Compiler
    from dbt.backends.llvm.dynamic import DynamicEngine
    from dbt.backends.llvm.fp_kernels import helpers_called
    from dbt.backends.llvm.lower import lower_region
    from dbt.backends.llvm.objlink import link
    from dbt.memory import WINDOW_BITS
    from dbt.opt import optimize
    text = lower_region("r", [optimize(block)], WINDOW_BITS, base=base)
    compiler = Compiler(2)
    module = DynamicEngine.module_text(text, compiler.triple)
    fp_runtime.link_helpers(helpers_called(module))
    blob = link(compiler.object(module, hot=True))
    at = CodeArena(1 << 20).place(blob, SYMBOLS)
    insns = list(capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64).disasm(
        ctypes.string_at(at.text, blob.code_size), 0))
    back = [i for i in insns if i.mnemonic.startswith("j") and i.op_str.startswith("0x")
            and int(i.op_str, 16) < i.address]
    assert back, "a loop"
    # the loop's own jump goes back furthest (an out-of-line slow path jumps back into it)
    head = min(int(i.op_str, 16) for i in back)
    end = next(i for i in back if int(i.op_str, 16) == head)
    return [i for i in insns if head <= i.address <= end.address]


def listing(insns) -> str:
    return "\n".join(f"{i.mnemonic} {i.op_str}" for i in insns)
