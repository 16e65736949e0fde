"""The jump cache's hash (backends/llvm/optable.py jc_index): pc shifted by the guest's
instruction alignment (Arch.insn_align).

Within a window of 2**JC_BITS instructions that starts on a multiple of its size, every pc
gets an entry of its own; the generated code's version of the hash (jc_index_text, in every
region's chaining) computes the same as the Python side (which fills the cache).
"""

from __future__ import annotations

import ctypes
import random

from dbt.backends.llvm.compiler import LLVMJit
from dbt.backends.llvm.irtext import FnBuilder
from dbt.backends.llvm.optable import JC_BITS, jc_index, jc_index_text, jc_shift
from dbt.frontends.riscv.arch import ARCH as RISCV


def test_every_instruction_of_an_aligned_window_has_its_own_entry():
    """For 2-byte (RISC-V with C) and 4-byte (Arm) aligned code, by the guest's alignment."""
    assert jc_shift(RISCV.insn_align) == 1
    for align in (2, 4):
        for base in (0, 0x10000 * align, 0x7FFF_F000_0000):
            window = range(base, base + align * (1 << JC_BITS), align)
            entries = {jc_index(pc, jc_shift(align)) for pc in window}
            assert len(entries) == 1 << JC_BITS, (align, hex(base))


def test_generated_code_hashes_as_python_does():
    fb = FnBuilder()
    fb.start("entry")
    index = jc_index_text(fb, "%pc", 2)
    fb.emit(f"ret i64 {index}")
    jit = LLVMJit(opt_level=0)
    text = "\n".join([f'target triple = "{jit.triple}"', "define i64 @jc(i64 %pc) {",
                      *fb.lines, "}"])
    fn = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_uint64)(jit.compile(text, ["jc"])["jc"])
    rng = random.Random(7)
    for pc in [0, 2, 4, (1 << 64) - 2] + [rng.getrandbits(64) & ~1 for _ in range(200)]:
        assert fn(pc) == jc_index(pc, 2), hex(pc)


def test_a_guest_with_another_alignment_runs_the_same(tmp_path):
    """The shift reaches the dispatcher, the regions' chaining and the cache key: the sample
    program run as if RISC-V's instructions were 4-byte aligned (its 2-byte aligned pcs then
    share entries pairwise: more misses, the same behaviour) prints what it prints."""
    import subprocess
    import sys
    from pathlib import Path
    hello = Path(__file__).resolve().parents[2] / "examples" / "hello-rv64"
    run = ("import sys, dbt.frontends.riscv.arch as a\n"
           "a.ARCH = a.ARCH._replace(insn_align=int(sys.argv[1]))\n"
           "from dbt import cli\n"
           "sys.exit(cli.main(['run', '--mode', 'dynamic', '--cache-dir', sys.argv[2], "
           "sys.argv[3]]))\n")
    results = [subprocess.run([sys.executable, "-c", run, str(align), str(tmp_path / "cache"),
                               str(hello)], capture_output=True, timeout=300)
               for align in (2, 4)]
    assert results[0].returncode == results[1].returncode
    assert results[0].stdout == results[1].stdout and b"Hello" in results[0].stdout
