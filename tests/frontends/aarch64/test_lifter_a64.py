"""The AArch64 lifter on real encodings (assembled by keystone): what a block's IR holds, and
the flags rule of issue 11 -- `cmp x0, x1; b.lt` in a hot loop is a compare and a branch."""

from __future__ import annotations

import pytest

from dbt.frontends.aarch64.lifter import lift_block

keystone = pytest.importorskip("keystone")

PC = 0x10000


def assemble(text: str, pc: int = PC) -> bytes:
    ks = keystone.Ks(keystone.KS_ARCH_ARM64, keystone.KS_MODE_LITTLE_ENDIAN)
    encoding, _ = ks.asm(text, pc)
    return bytes(encoding)


def lift(text: str):
    code = assemble(text)

    def fetch(addr, size):
        off = addr - PC
        return code[off:off + size] if 0 <= off < len(code) else None
    return lift_block(fetch, PC)


def ops_of(block) -> list[str]:
    return [op.name for op in block.ops]


def test_a_conditional_branch_after_cmp_tests_the_operands():
    """b.lt after cmp is lt_s of the compared registers, not a function of the flag fields
    (which are still written for whoever reads them later)."""
    block = lift(f"cmp x0, x1; b.lt {PC:#x}")
    term = block.ops[-1]
    assert term.name == "branch" and term.attrs["taken"] == PC and \
        term.attrs["fallthrough"] == PC + 8
    cond = next(op for op in block.ops if op.result is term.args[0])
    assert cond.name == "lt_s"
    fields = [op.attrs["field"] for op in block.ops if op.name == "set"]
    assert fields == ["n", "z", "c", "v"]
    assert not [op for op in block.ops if op.name == "get" and op.attrs["field"] in "nzcv"]


def test_a_condition_without_a_compare_in_the_block_reads_the_flags():
    block = lift(f"b.hi {PC + 8:#x}")
    read = [op.attrs["field"] for op in block.ops if op.name == "get"]
    assert set(read) <= set("nzcv") and {"c", "z"} <= set(read)


@pytest.mark.parametrize("text, expect", [
    ("mov x0, #5; ret", ["x0"]),
    ("mov w0, #5; ret", ["x0"]),          # a W write is a 64-bit field write (zero-extended)
    ("add sp, sp, #16; ret", ["x31"]),    # register 31 as SP
    ("add xzr, x1, x2; ret", []),         # register 31 as XZR: the write goes nowhere
])
def test_register_31_and_w_writes(text, expect):
    block = lift(text)
    assert [op.attrs["field"] for op in block.ops if op.name == "set"] == expect


def test_a_w_write_zero_extends():
    block = lift("add w0, w1, w2; ret")
    value = next(op for op in block.ops if op.name == "set").args[0]
    producer = next(op for op in block.ops if op.result is value)
    assert producer.name == "zext"


def test_cmp_b_lt_hot_loop_is_a_compare_and_a_branch():
    """`add x0, x0, #1; cmp x0, x1; b.lt` lifted from its encoding and compiled as hot code:
    the loop has no set*/adc (the four flags are made after it): it is the x0 increment, the
    instruction counter's, the compare (LLVM makes it a cmp, or a sub whose flags it uses)
    and the branch -- at most 6 instructions (measured: add, inc, mov, sub, jl)."""
    from hot_loop import hot_loop_x86, listing
    block = lift(f"add x0, x0, #1; cmp x0, x1; b.lt {PC:#x}")
    assert block.ops[-1].attrs["taken"] == PC
    loop = hot_loop_x86(block, PC)
    assert not any(i.mnemonic.startswith(("set", "adc")) for i in loop), listing(loop)
    assert len(loop) <= 6, listing(loop)


@pytest.mark.parametrize("text, vector", [("fadd v0.4s, v0.4s, v1.4s", "vaddps"),
                                          ("fmul v0.2d, v0.2d, v1.2d", "vmulpd"),
                                          ("fmla v0.4s, v1.4s, v2.4s", "vfmadd")])
def test_vector_fp_hot_loop_is_a_host_vector_instruction(text, vector):
    """AdvSIMD FP arithmetic is a lane-wise IR op (vfbin, vfma): in a hot loop, one SSE/AVX
    instruction and a vectorised check of its lanes' results (no extract, insert or helper
    call on the loop's path; the lanes' helpers are out of line)."""
    from hot_loop import hot_loop_x86, listing
    block = lift(f"{text}; subs x2, x2, #1; b.ne {PC:#x}")
    assert not [op for op in block.ops if op.name in ("fadd", "fmul", "fma", "vextract")]
    loop = hot_loop_x86(block, PC)
    assert [i for i in loop if i.mnemonic.startswith(vector)], listing(loop)
    assert not [i for i in loop if i.mnemonic == "call"], listing(loop)
