"""The x86 instructions of the one loop in a block compiled as hot (-O2) native code: what the
flags tests of the IR (tests/backends/test_neutral_ops.py) and of the AArch64 frontend
(tests/frontends/aarch64/test_lifter_a64.py) look at."""

from __future__ import annotations

import ctypes


def hot_loop_x86(block, base: int) -> list:
    """capstone instructions from the target of the block's one backward jump to the jump."""
    import capstone
    from dbt.backends.llvm.codemem import CodeArena, Symbols
    from dbt.backends.llvm.compiler import Compiler
    from dbt.backends.llvm.dynamic import DynamicEngine
    from dbt.backends.llvm.lower import lower_region
    from dbt.backends.llvm.objlink import link
    from dbt.memory import WINDOW_BITS
    from dbt.opt import optimize
    text = lower_region("r", [optimize(block)], WINDOW_BITS, base=base)
    compiler = Compiler(2)
    blob = link(compiler.object(DynamicEngine.module_text(text, compiler.triple), hot=True))
    at = CodeArena(1 << 20).place(blob, Symbols())
    insns = list(capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64).disasm(
        ctypes.string_at(at.text, blob.code_size), 0))
    back = [i for i in insns if i.mnemonic.startswith("j") and i.op_str.startswith("0x")
            and int(i.op_str, 16) < i.address]
    assert len(back) == 1, "one loop"
    return [i for i in insns if int(back[0].op_str, 16) <= i.address <= back[0].address]


def listing(insns) -> str:
    return "\n".join(f"{i.mnemonic} {i.op_str}" for i in insns)
