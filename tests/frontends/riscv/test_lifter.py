"""The lifter: every RV64GC pattern lifts to IR the verifier accepts, before and after the
default passes; blocks end where control leaves; undecodable and unfetchable code traps."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dbt.frontends.riscv import decode as rv
from dbt.frontends.riscv.lifter import (ENDS_BLOCK, MAX_INSNS, decode_block, lift_block,
                                        reset_caches)
from dbt.ir.fold import fold_block
from dbt.ir.ops import TERMINATORS, TRAP_FETCH, TRAP_ILLEGAL
from dbt.ir.verify import verify
from dbt.opt import forward_state, optimize

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


# --- the two stages and the word memo -----------------------------------------------------------
# What the lifter makes of each instruction word is remembered (lifter.py): the oracle of the
# tests below is the same block lifted with the memo emptied first, every word decoded anew.

HELLO = Path(__file__).resolve().parents[3] / "examples" / "hello-rv64"


def _fresh(fetch, pc: int) -> str:
    reset_caches()
    return repr(lift_block(fetch, pc))


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
def test_a_remembered_word_lifts_as_a_new_one(pattern):
    # the same instruction twice in a block, then in another block at another pc
    word, _ = _decode_tests().canonical_encoding(pattern)
    length = 2 if pattern in rv.DEFAULT.dec16.patterns.values() else 4
    code = word.to_bytes(length, "little") * 2 + (0x13).to_bytes(4, "little") * 2
    fetch = _fetcher(code)
    first = _fresh(fetch, PC)
    assert repr(lift_block(fetch, PC)) == first
    later = repr(lift_block(fetch, PC + length))
    assert later == _fresh(fetch, PC + length)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, (1 << 32) - 1), min_size=1, max_size=12))
def test_random_code_lifts_the_same_with_a_warm_memo(words):
    code = b"".join(w.to_bytes(4, "little") for w in words)
    fetch = _fetcher(code)
    want = [_fresh(fetch, PC + off) for off in range(0, len(code), 2)]
    reset_caches()
    for off in range(0, len(code), 2):      # (every word seen before it is lifted here)
        lift_block(fetch, PC + off)
    assert [repr(lift_block(fetch, PC + off)) for off in range(0, len(code), 2)] == want
    for off in range(0, len(code), 2):     # the fused passes: as the two passes one by one
        block = lift_block(fetch, PC + off)
        assert repr(optimize(block)) == repr(fold_block(forward_state(block)))


def test_a_word_twice_in_a_block_numbers_its_temporaries_on():
    # addi a0,a0,1 twice (the second from the memo): its temporaries numbered after the
    # first's, and each reads a0 afresh (forwarding is the passes' job)
    code = bytes.fromhex("13051500") * 2 + bytes.fromhex("67800000")      # ... ; ret
    reset_caches()
    text = repr(lift_block(_fetcher(code), PC))
    assert text.splitlines()[1:6] == [
        "  insn pc=0x10000, length=0x4", "    %0:i64 = get field=x10",
        "    %1:i64 = add %0, 1:i64", "    set %1, field=x10",
        "  insn pc=0x10004, length=0x4"]
    assert text.splitlines()[6:8] == ["    %2:i64 = get field=x10",
                                      "    %3:i64 = add %2, 1:i64"]


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
def test_decoding_stops_after_an_instruction_that_ends_blocks(pattern):
    word, _ = _decode_tests().canonical_encoding(pattern)
    length = 2 if pattern in rv.DEFAULT.dec16.patterns.values() else 4
    code = word.to_bytes(length, "little") + (0x13).to_bytes(4, "little") * 3
    decoded = decode_block(_fetcher(code), PC)
    block = lift_block(_fetcher(code), PC)
    if pattern.trans in ENDS_BLOCK:
        assert len(decoded.insns) == 1 and block.ninsns == 1
    elif block.ninsns == 1:          # ended all the same: a CSR that does not exist traps
        assert block.exit.name == "trap" and pattern.trans.startswith("csr")
    else:                            # (and a fifth, unfetchable: the end of the code)
        assert len(decoded.insns) == 5 and decoded.insns[-1].length == 0
        assert block.ninsns == 4 and block.exit.name == "jump"


def test_an_instruction_across_the_end_of_mapped_code():
    # a 4-byte addi whose second half is on an unmapped page: the block before it ends
    # with a jump there, and the block there traps (as the fetch of each instruction would)
    page = 0x20000
    code = bytes.fromhex("13051500") * 1023 + bytes.fromhex("1305")
    fetch = _fetcher(code, base=page)
    block = lift_block(fetch, page + 4 * 1000)
    assert block.ninsns == 23 and block.exit.name == "jump"
    assert block.exit.attrs["target"] == page + 4 * 1023
    block = lift_block(fetch, page + 4 * 1023)
    assert block.exit.name == "trap" and block.exit.attrs["kind"] == TRAP_FETCH


def test_real_code_lifts_the_same_with_a_warm_memo_and_through_the_fused_passes():
    # every block static discovery finds in the example program (musl, real code)
    from dbt.arch import arch_for_machine, EM_RISCV
    from dbt.discover import Discovery, read_elf
    from dbt.loader import map_elf
    from dbt.memory import GuestMemory

    arch = arch_for_machine(EM_RISCV)
    memory = GuestMemory()
    code = read_elf(str(HELLO))
    bias, _ = map_elf(str(HELLO), memory, arch)
    ranges = [(lo + bias, hi + bias) for lo, hi in code.ranges]
    reset_caches()
    found = Discovery(lambda pc: lift_block(memory.fetch, pc), lambda a, n: None, ranges)
    blocks = found.run([code.entry + bias], ranges)
    assert len(blocks) > 100
    warm = {pc: repr(lift_block(memory.fetch, pc)) for pc in blocks}
    for pc in list(blocks)[::7]:
        assert warm[pc] == _fresh(memory.fetch, pc)
    for block in blocks.values():
        want = fold_block(forward_state(block))
        got = optimize(block)
        verify(got)
        assert repr(got) == repr(want) and got.ntemps == want.ntemps
