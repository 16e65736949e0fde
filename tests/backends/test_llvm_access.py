"""Guest accesses in generated code: window checks and pc notes.

- A region's accesses through one register (a base temp plus constant offsets) within
  WINDOW_GUARD of each other get one window check; others (another register, an offset
  further away, an access after a check that does not dominate it) get their own.
- Every access is listed with its guest pc in the pc trailer objlink keeps with the code;
  `fault_pc` finds the pc of a host instruction there (what a fault on the host reports), and
  nothing for an instruction that is not an access. The host offsets are checked with
  capstone: each one is an instruction with a memory operand based on the guest window.
"""

from __future__ import annotations

import ctypes
import re

import pytest

pytest.importorskip("llvmlite")
capstone = pytest.importorskip("capstone")

from dbt.backends.llvm.codemem import CodeArena, Symbols  # noqa: E402
from dbt.backends.llvm.compiler import Compiler  # noqa: E402
from dbt.backends.llvm.dynamic import DynamicEngine  # noqa: E402
from dbt.backends.llvm.lower import lower_region  # noqa: E402
from dbt.backends.llvm.objlink import fault_pc, link  # noqa: E402
from dbt.frontends.riscv.layout import LAYOUT  # noqa: E402
from dbt.ir.builder import IRBuilder  # noqa: E402
from dbt.ir.types import I64  # noqa: E402
from dbt.memory import WINDOW_BITS, WINDOW_GUARD  # noqa: E402

PC = 0x10000


def block(accesses):
    """One guest instruction per access: `(register, offset)` loads `offset(register)` into
    x5 (x5 is written, so every load is live)."""
    b = IRBuilder(PC, LAYOUT)
    bases = {}
    for i, (register, offset) in enumerate(accesses):
        b.insn(PC + 4 * i, 4)
        base = bases.setdefault(register, b.get(register))
        address = b.add(base, b.const(offset, I64)) if offset else base
        b.set(b.load(address, type=I64, align=False), field="x5")
    b.jump(target=PC + 4 * len(accesses))
    return b.finish()


def checks(accesses) -> int:
    text = lower_region("r", [block(accesses)], WINDOW_BITS)
    return len(re.findall(r"icmp ule i64 [^,]+, " + str((1 << WINDOW_BITS) - 8), text))


def test_accesses_through_one_register_share_a_check():
    assert checks([("x10", 0), ("x10", 8), ("x10", -16), ("x10", 2040)]) == 1


def test_other_registers_and_far_offsets_are_checked():
    assert checks([("x10", 0), ("x11", 8)]) == 2
    assert checks([("x10", 0), ("x10", WINDOW_GUARD)]) == 2          # past the guard zone
    assert checks([("x10", 0), ("x10", WINDOW_GUARD - 16)]) == 1     # (the access: 8 bytes)


def test_each_access_is_noted_with_its_pc():
    accesses = [("x10", 0), ("x10", 8), ("x11", 0), ("x10", 16)]
    text = lower_region("r", [block(accesses)], WINDOW_BITS, base=PC)
    compiler = Compiler(2)
    obj = compiler.object(DynamicEngine.module_text(text, compiler.triple), hot=True)
    blob = link(obj)
    arena = CodeArena(1 << 20)
    try:
        at = arena.place(blob, Symbols())
        code = ctypes.string_at(at.text, blob.code_size)
        md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
        md.detail = True
        found = {}
        for insn in md.disasm(code, at.text):
            pc = fault_pc(at.text, blob.split, insn.address)
            if pc is not None:
                assert any(op.type == capstone.x86.X86_OP_MEM for op in insn.operands), insn
                found[pc] = insn.address
        # pcs are offsets from the base: instruction i is at 4 * i
        assert sorted(found) == [4 * i for i in range(len(accesses))]
        assert fault_pc(at.text, blob.split, at.text + blob.symbols["r"]) is None
        assert fault_pc(at.text, blob.split, at.text + blob.split) is None   # past the text
    finally:
        arena.close()
