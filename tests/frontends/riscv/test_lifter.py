"""The lifter: every RV64GC pattern lifts to IR the verifier accepts, before and after the
default passes; blocks end where control leaves; undecodable and unfetchable code traps."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from dbt.frontends.riscv import decode as rv
from dbt.frontends.riscv.lifter import MAX_INSNS, lift_block
from dbt.ir.ops import TERMINATORS, TRAP_FETCH, TRAP_ILLEGAL
from dbt.ir.verify import verify
from dbt.opt import optimize

PC = 0x10000


def _decode_tests():
    name = "_dbt_test_riscv_decode"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("test_decode.py"))
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


PATTERNS = [p for p in _decode_tests().ALL_PATTERNS if p.trans != rv.RESERVED]


def _fetcher(code: bytes, base: int = PC):
    def fetch(pc: int, n: int):
        off = pc - base
        return code[off:off + n] if 0 <= off and off + n <= len(code) else None
    return fetch


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
def test_every_pattern_lifts_to_verified_ir(pattern):
    word, _ = _decode_tests().canonical_encoding(pattern)
    length = 2 if pattern in rv.DEFAULT.dec16.patterns.values() else 4
    nop = (0x13).to_bytes(4, "little")                     # addi x0, x0, 0
    code = word.to_bytes(length, "little") + nop
    block = lift_block(_fetcher(code), PC)
    verify(block)
    verify(optimize(block))
    assert block.ops[0].name == "insn" and block.ops[0].attrs["pc"] == PC
    assert block.exit.name in TERMINATORS


def test_block_ends_at_the_first_branch():
    # addi a0,a0,1 ; beq a0,a1,+8 ; addi a0,a0,1
    code = bytes.fromhex("13051500") + bytes.fromhex("6304b500") + bytes.fromhex("13051500")
    block = lift_block(_fetcher(code), PC)
    assert block.ninsns == 2 and block.exit.name == "branch"
    assert block.exit.attrs == {"taken": PC + 4 + 8, "fallthrough": PC + 8}


def test_straight_line_code_is_cut_at_max_insns():
    code = bytes.fromhex("13051500") * (MAX_INSNS + 5)
    block = lift_block(_fetcher(code), PC)
    assert block.ninsns == MAX_INSNS
    assert block.exit.name == "jump" and block.exit.attrs["target"] == PC + 4 * MAX_INSNS


def test_illegal_instruction_becomes_a_trap_where_it_stands():
    code = bytes.fromhex("13051500") + b"\x00\x00\x00\x00"
    block = lift_block(_fetcher(code), PC)
    assert block.exit.name == "trap"
    assert block.exit.attrs == {"kind": TRAP_ILLEGAL, "pc": PC + 4}


def test_unfetchable_code_traps_only_when_reached():
    code = bytes.fromhex("13051500")
    block = lift_block(_fetcher(code), PC)            # runs off the end of the mapping
    assert block.ninsns == 1 and block.exit.name == "jump"
    block = lift_block(_fetcher(code), PC + 4)
    assert block.exit.name == "trap" and block.exit.attrs["kind"] == TRAP_FETCH
