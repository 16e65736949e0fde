"""GuestState layouts (dbt/state.py): each Arch has its own, the common fields sit at the same
slots in every one of them, and what is compiled for one layout is never taken for another."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from dbt.arch import EM_AARCH64, EM_RISCV, arch_for_machine
from dbt.ir.builder import IRBuilder
from dbt.ir.types import I1, I64
from dbt.state import COMMON_FIELDS, COMMON_SLOTS, NO_RESERVATION, GuestState, Layout, layout_of

RISCV = arch_for_machine(EM_RISCV)
AARCH64 = arch_for_machine(EM_AARCH64)


def test_each_isa_has_its_own_layout_with_the_common_fields_at_the_same_slots():
    rv, a64 = RISCV.layout, AARCH64.layout
    assert rv != a64 and rv.digest != a64.digest
    assert "frm" in rv and "frm" not in a64                   # each ISA's own registers ...
    assert {"n", "z", "c", "v", "vhi31", "fpcr", "tpidr"} <= a64.fields.keys()
    assert not {"n", "vhi0", "fpcr", "tpidr"} & rv.fields.keys()
    assert a64["n"].type is I1 and rv["x5"].type is I64
    for layout in (rv, a64):                                  # ... after the common ones
        for slot, (name, t) in enumerate(COMMON_FIELDS):
            assert layout[name].slot == slot == COMMON_SLOTS[name] and layout[name].type is t
        assert sorted(f.slot for f in layout) == list(range(layout.nslots))
    assert rv.nslots == len(COMMON_FIELDS) + 65
    assert a64.nslots == len(COMMON_FIELDS) + 32 * 3 + 4 + 4     # + fpcr fpsr tpidr res_hi


def test_a_layout_is_one_object_per_field_list_and_equal_by_its_fields():
    assert RISCV.layout is RISCV.layout is layout_of(RISCV.state_fields)
    assert Layout(RISCV.state_fields) == RISCV.layout
    assert pickle.loads(pickle.dumps(RISCV.layout)) is RISCV.layout
    other = layout_of((("x0", I64), ("x1", I64)))
    assert other != RISCV.layout and other.nslots == len(COMMON_FIELDS) + 2
    with pytest.raises(ValueError, match="twice"):
        Layout((("pc", I64),))


def test_guest_state_follows_its_layout():
    state = GuestState(AARCH64.layout)
    assert len(state.regs) == AARCH64.layout.nslots
    assert state["res_addr"] == NO_RESERVATION
    state["n"] = 3                                            # an i1 field keeps its bit
    state["x31"] = -1
    state.pc = 0x1000
    assert state["n"] == 1 and state["x31"] == (1 << 64) - 1
    assert state.regs[COMMON_SLOTS["pc"]] == state["pc"] == 0x1000
    with pytest.raises(KeyError):
        GuestState(RISCV.layout)["tpidr"]


def test_a_block_carries_the_layout_it_was_lifted_for():
    b = IRBuilder(0x1000, AARCH64.layout)
    b.insn(0x1000, 4)
    b.set(b.get("n"), field="z")
    b.jump(target=0x1004)
    assert b.finish().layout is AARCH64.layout
    b = IRBuilder(0x1000, RISCV.layout)
    with pytest.raises(KeyError):
        b.get("n")                                            # not a RISC-V field


def test_the_interpreter_refuses_a_block_lifted_for_another_layout():
    from dbt.backends.interp.engine import InterpEngine
    from dbt.memory import GuestMemory

    def lift(pc):
        b = IRBuilder(pc, AARCH64.layout)
        b.insn(pc, 4)
        b.jump(target=pc + 4)
        return b.finish()
    engine = InterpEngine(GuestState(RISCV.layout), GuestMemory(window_bits=16), lift)
    with pytest.raises(ValueError, match="another GuestState layout"):
        engine.translate(0x1000)


def test_the_persistent_cache_key_depends_on_the_layout():
    from dbt.backends.llvm.cachekey import config_key
    keys = {config_key(32, 400_000, layout) for layout in (RISCV.layout, AARCH64.layout)}
    assert len(keys) == 2


def test_no_layout_exists_at_import():
    """Importing the core and both backends makes no layout: only an Arch (a frontend) does."""
    code = ("import sys, dbt.state, dbt.runtime, dbt.backends.interp.engine,"
            " dbt.backends.llvm.dynamic, dbt.backends.llvm.lower\n"
            "assert dbt.state.layout_of.cache_info().currsize == 0\n"
            "assert not [m for m in sys.modules if m.startswith('dbt.frontends')], 'frontend'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
