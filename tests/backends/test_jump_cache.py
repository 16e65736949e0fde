"""The jump cache's hash (backends/llvm/optable.py jc_index).

Within a window of 2**JC_BITS instructions that starts on a multiple of its size, every
2-byte aligned pc gets an entry of its own; the generated code's version of the hash
(jc_index_text, in every region's chaining) computes the same as the Python side (which fills
the cache) and the dispatcher.
"""

from __future__ import annotations

import ctypes
import random

from dbt.backends.llvm.compiler import LLVMJit
from dbt.backends.llvm.irtext import FnBuilder
from dbt.backends.llvm.optable import JC_BITS, jc_index, jc_index_text


def test_every_instruction_of_an_aligned_window_has_its_own_entry():
    for stride in (2,):
        for base in (0, 0x10000 * stride, 0x7FFF_F000_0000):
            window = range(base, base + stride * (1 << JC_BITS), stride)
            assert len({jc_index(pc) for pc in window}) == 1 << JC_BITS, (stride, hex(base))


def test_generated_code_hashes_as_python_does():
    fb = FnBuilder()
    fb.start("entry")
    index = jc_index_text(fb, "%pc")
    fb.emit(f"ret i64 {index}")
    jit = LLVMJit(opt_level=0)
    text = "\n".join([f'target triple = "{jit.triple}"', "define i64 @jc(i64 %pc) {",
                      *fb.lines, "}"])
    fn = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_uint64)(jit.compile(text, ["jc"])["jc"])
    rng = random.Random(7)
    for pc in [0, 2, 4, (1 << 64) - 2] + [rng.getrandbits(64) & ~1 for _ in range(200)]:
        assert fn(pc) == jc_index(pc), hex(pc)
