"""IR construction, verification and printing."""

import pytest

from dbt.frontends.riscv.layout import LAYOUT
from dbt.ir.block import Const, Op, Temp
from dbt.ir.builder import IRBuilder, IRError
from dbt.ir.ops import OPS, TERMINATORS
from dbt.ir.types import F64, I1, I32, I64, I128
from dbt.ir.verify import verify


def _block(emit):
    b = IRBuilder(0x1000, LAYOUT)
    b.insn(0x1000, 4)
    emit(b)
    if not b.closed:
        b.jump(target=0x1004)
    return b.finish()


def test_builder_infers_constant_types_from_other_operands():
    def emit(b):
        x = b.trunc(b.get("x5"), type=I32)
        y = b.add(x, 7)
        assert y.type is I32
        assert b.ops[-1].args[1] == Const(7, I32)
    verify(_block(emit))


def test_builder_rejects_untyped_constant_pairs():
    b = IRBuilder(0, LAYOUT)
    b.insn(0, 4)
    with pytest.raises(IRError, match="cannot infer"):
        b.add(1, 2)


def test_builder_rejects_ops_after_terminator():
    b = IRBuilder(0, LAYOUT)
    b.insn(0, 4)
    b.jump(target=4)
    with pytest.raises(IRError, match="after the terminator"):
        b.get("x1")


def test_verify_accepts_a_lifted_style_block():
    def emit(b):
        v = b.get("x10")
        w = b.mul(b.sext(v, type=I128), b.zext(v, type=I128))
        b.set(b.trunc(b.shr_u(w, 64), type=I64), field="x11")
        b.branch(b.lt_s(v, 0), taken=0x2000, fallthrough=0x1004)
    verify(_block(emit))


@pytest.mark.parametrize("mutate, message", [
    (lambda ops: ops.pop(), "must end with a terminator"),
    (lambda ops: ops.pop(0), "must start with an insn marker"),
    (lambda ops: ops.insert(1, ops[-1]), "terminator before the end"),
    (lambda ops: ops.insert(1, Op("add", (Temp(99, I64), Const(1, I64)), {}, Temp(100, I64))),
     "used before it is defined"),
    (lambda ops: ops.insert(1, Op("add", (Const(1, I32), Const(1, I64)), {}, Temp(100, I64))),
     "disagree in type"),
    (lambda ops: ops.insert(1, Op("fadd", (Const(1, I64), Const(1, I64), Const(0, I64)), {},
                                  Temp(100, I64))), "does not fit F"),
    (lambda ops: ops.insert(1, Op("sext", (Const(1, I64),), {"type": I32}, Temp(100, I32))),
     "narrower"),
    (lambda ops: ops.insert(1, Op("get", (), {"field": "x99", "type": I64}, Temp(100, I64))),
     "unknown state field"),
])
def test_verify_rejects_malformed_blocks(mutate, message):
    block = _block(lambda b: b.set(b.get("x1"), field="x2"))
    mutate(block.ops)
    with pytest.raises(IRError, match=message):
        verify(block)


def test_printer_shows_types_and_attributes():
    block = _block(lambda b: b.set(b.add(b.get("x10"), 1), field="x10"))
    text = repr(block)
    assert "block 0x1000 (1 insns" in text
    assert "%0:i64 = get field=x10" in text
    assert "%1:i64 = add %0, 1:i64" in text
    assert "jump target=0x1004" in text


def test_op_table_is_consistent():
    for name, opdef in OPS.items():
        assert opdef.name == name
        if opdef.result == "@":
            assert "type" in opdef.attrs, name
        for spec in opdef.operands:
            assert spec in ("T", "F", "A", "I") or spec[0] in "ifv", (name, spec)
    assert TERMINATORS == {"jump", "branch", "jump_ind", "exit", "trap"}


def test_constants_are_normalised_to_their_width():
    assert Const(-1, I32).value == 0xFFFFFFFF
    assert Const(-1, I32).signed() == -1
    assert Const(1 << 64, I64).value == 0
    assert Const(1, I1) == Const(3, I1)
    assert Const(0x3FF0000000000000, F64).value == 0x3FF0000000000000



@pytest.mark.parametrize("name,a,b,t,want", [
    # shift amounts are modulo the width (the op table's rule): 65 on i64 is 1, 33 on i32 is 1
    ("shl", 5, 12, I64, 0x5000), ("shl", 1, 65, I64, 2), ("shl", 0x8000_0001, 1, I32, 2),
    ("shl", 1, 33, I32, 2), ("shr_u", 1 << 63, 63, I64, 1), ("shr_u", 0xF0, 68, I64, 0xF),
    # products wrap at the width
    ("mul", 1 << 63, 2, I64, 0), ("mul", 0x1_0000, 0x1_0001, I32, 0x1_0000),
    ("mul", (1 << 64) - 1, 3, I64, (1 << 64) - 3),
])
def test_constant_shifts_and_products_fold_as_the_op_table_defines(name, a, b, t, want):
    builder = IRBuilder(0x1000, LAYOUT)
    builder.insn(0x1000, 4)
    value = builder.emit(name, Const(a, t), Const(b, t))
    assert isinstance(value, Const) and value.type is t and value.value == want
    assert not [op for op in builder.ops if op.name == name]     # no op was emitted

