"""The interpreter's op templates against a reference model of the op table's semantics.

The reference below is written from the op table's documentation (dbt/ir/ops.py), with Python's
unbounded integers: wrap modulo 2**bits, shift amounts modulo the width, total division with the
RISC-V results for /0 and INT_MIN/-1.
"""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dbt.backends.interp.codegen import compile_block
from dbt.backends.interp.helpers import make_namespace
from dbt.frontends.riscv.layout import LAYOUT
from dbt.ir.builder import IRBuilder
from dbt.ir.types import I1, I8, I16, I32, I64, I128
from dbt.memory import PROT_READ, PROT_WRITE, GuestFault, GuestMemory
from dbt.state import GuestState

TYPES = [I8, I16, I32, I64, I128]


def signed(v, bits):
    return v - (1 << bits) if v >> (bits - 1) else v


def ref_binary(name, a, b, bits):
    m = (1 << bits) - 1
    sa, sb = signed(a, bits), signed(b, bits)
    n = b % bits
    if name == "div_s":
        if b == 0:
            return m
        if sa == -(1 << (bits - 1)) and sb == -1:
            return a
        q = abs(sa) // abs(sb)
        return (q if (sa < 0) == (sb < 0) else -q) & m
    if name == "rem_s":
        if b == 0:
            return a
        if sa == -(1 << (bits - 1)) and sb == -1:
            return 0
        r = abs(sa) % abs(sb)
        return (-r if sa < 0 else r) & m
    table = {
        "add": a + b, "sub": a - b, "mul": a * b, "and": a & b, "or": a | b, "xor": a ^ b,
        "div_u": a // b if b else m, "rem_u": a % b if b else a,
        "shl": a << n, "shr_u": a >> n, "shr_s": sa >> n,
        "rotl": (a << n) | (a >> (bits - n)), "rotr": (a >> n) | (a << (bits - n)),
        "eq": a == b, "ne": a != b, "lt_u": a < b, "le_u": a <= b, "lt_s": sa < sb,
        "le_s": sa <= sb,
    }
    return int(table[name]) & m


class Harness:
    def __init__(self):
        self.memory = GuestMemory(window_bits=24)
        self.state = GuestState(LAYOUT)
        self.ns = make_namespace(self.state.regs, self.memory, engine=None)

    def run(self, emit):
        b = IRBuilder(0x1000, LAYOUT)
        b.insn(0x1000, 4)
        emit(b)
        if not b.closed:
            b.jump(target=0x1004)
        fn, source, _ = compile_block(b.finish(), self.ns)
        return fn(self.state.regs), source


@pytest.fixture(scope="module")
def harness():
    return Harness()


EDGE = st.sampled_from([0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0x7FFFFFFF, 0x80000000,
                        0xFFFFFFFF, (1 << 63) - 1, 1 << 63, (1 << 64) - 1, 1 << 127,
                        (1 << 128) - 1, 0x5555555555555555, 0xAAAAAAAAAAAAAAAA])
VALUES = st.one_of(EDGE, st.integers(min_value=0, max_value=(1 << 128) - 1))
BINARY = ["add", "sub", "mul", "and", "or", "xor", "div_s", "div_u", "rem_s", "rem_u",
          "shl", "shr_u", "shr_s", "rotl", "rotr", "eq", "ne", "lt_s", "lt_u", "le_s", "le_u"]


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(BINARY), t=st.sampled_from(TYPES), a=VALUES, b=VALUES,
       const_b=st.booleans())
@example(name="div_s", t=I64, a=1 << 63, b=(1 << 64) - 1, const_b=False)
@example(name="rem_s", t=I32, a=1 << 31, b=0xFFFFFFFF, const_b=True)
@example(name="shr_s", t=I64, a=1 << 63, b=65, const_b=True)
def test_binary_ops_match_reference(harness, name, t, a, b, const_b):
    a &= t.mask
    b &= t.mask
    harness.state["x1"] = a & ((1 << 64) - 1)
    harness.state["x3"] = 0

    def emit(bld):
        x = bld.const(a, t) if t is I128 else bld.trunc(bld.get("x1"), type=t) if t is not I64 else bld.get("x1")
        y = bld.const(b, t)
        if not const_b:                      # make y a run-time value too
            y = bld.xor(bld.xor(y, x), x)
        r = bld.emit(name, x, y)
        if r.type is I1:
            r = bld.zext(r, type=I64)
        elif r.type is I128:
            bld.set(bld.trunc(bld.shr_u(r, 64), type=I64), field="x3")
            r = bld.trunc(r, type=I64)
        elif r.type is not I64:
            r = bld.zext(r, type=I64)
        bld.set(r, field="x2")
    _, source = harness.run(emit)
    got = harness.state["x2"] | (harness.state["x3"] << 64 if t is I128 else 0)
    assert got == ref_binary(name, a, b, t.bits), source


@settings(max_examples=200, deadline=None)
@given(t=st.sampled_from(TYPES[:-1]), a=VALUES)
def test_unary_and_conversion_ops(harness, t, a):
    a &= t.mask
    harness.state["x1"] = a

    def emit(bld):
        x = bld.trunc(bld.get("x1"), type=t) if t is not I64 else bld.get("x1")
        for field, v in (("x2", bld.neg(x)), ("x3", bld.not_(x)), ("x4", bld.clz(x)),
                         ("x5", bld.ctz(x)), ("x6", bld.popcnt(x))):
            bld.set(v if t is I64 else bld.zext(v, type=I64), field=field)
        bld.set(bld.sext(x, type=I64) if t is not I64 else x, field="x7")
        bld.set(bld.zext(bld.trunc(x, type=I1), type=I64), field="x8")
        bld.set(bld.sext(bld.trunc(x, type=I1), type=I64), field="x9")
    harness.run(emit)
    bits, m = t.bits, t.mask
    s = harness.state
    assert s["x2"] == -a & m
    assert s["x3"] == ~a & m
    assert s["x4"] == bits - a.bit_length()
    assert s["x5"] == (bits if a == 0 else (a & -a).bit_length() - 1)
    assert s["x6"] == bin(a).count("1")
    assert s["x7"] == signed(a, bits) & ((1 << 64) - 1)
    assert s["x8"] == a & 1
    assert s["x9"] == ((1 << 64) - 1 if a & 1 else 0)


def test_select_and_terminators(harness):
    harness.state["x1"] = 5
    target, _ = harness.run(lambda b: b.branch(b.lt_u(b.get("x1"), 6), taken=0x40, fallthrough=0x44))
    assert target == 0x40
    target, _ = harness.run(lambda b: b.jump_ind(b.select(b.eq(b.get("x1"), 4), b.const(0x10), b.const(0x20))))
    assert target == 0x20


def test_memory_fast_and_slow_paths(harness):
    mem = harness.memory
    mem.map_anonymous(0x10000, 0x2000, PROT_READ | PROT_WRITE)
    for addr in (0x10000, 0x10ffd, 0x10ff9):      # aligned, cross-page, unaligned
        harness.state["x1"] = addr
        harness.state["x2"] = 0x1122334455667788

        def emit(b):
            a = b.get("x1")
            b.store(a, b.get("x2"))
            b.set(b.zext(b.load(a, type=I32), type=I64), field="x3")
            b.set(b.load(a, type=I64), field="x4")
        harness.run(emit)
        assert mem.read(addr, 8) == (0x1122334455667788).to_bytes(8, "little")
        assert harness.state["x3"] == 0x55667788
        assert harness.state["x4"] == 0x1122334455667788


def test_memory_fault_on_unmapped_and_readonly(harness):
    mem = harness.memory
    mem.map_anonymous(0x20000, 0x1000, PROT_READ)
    harness.state["x1"] = 0x20008
    with pytest.raises(GuestFault) as info:
        harness.run(lambda b: b.store(b.get("x1"), b.get("x1")))
    assert info.value.access == "write" and info.value.addr == 0x20008
    harness.state["x1"] = 0x30000
    with pytest.raises(GuestFault) as info:
        harness.run(lambda b: b.set(b.load(b.get("x1"), type=I64), field="x2"))
    assert info.value.access == "read" and info.value.addr == 0x30000


def test_misaligned_atomic_access_is_sigbus(harness):
    harness.memory.map_anonymous(0x40000, 0x1000, PROT_READ | PROT_WRITE)
    harness.state["x1"] = 0x40002
    with pytest.raises(GuestFault) as info:
        harness.run(lambda b: b.set(b.load(b.get("x1"), type=I64, align=True), field="x2"))
    assert info.value.signal == "SIGBUS"
