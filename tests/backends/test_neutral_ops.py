"""The ISA-neutral ops that no RISC-V instruction needs alone -- the carry and signed overflow of
an addition with carry-in (Arm's C and V flags), 128-bit vectors (AdvSIMD) -- and `atomic_rmw`
(RISC-V's AMOs, Arm's LSE atomics), in both backends, against a reference written from the op
table's documentation (dbt/ir/ops.py) with Python's unbounded integers:

- add_carry(a, b, c) is 1 exactly when a + b + c (unsigned) is 2**bits or more;
- add_overflow(a, b, c) is 1 exactly when a + b + c, with a and b read as signed numbers, is
  outside [-2**(bits-1), 2**(bits-1));
- atomic_rmw stores kind(old, value) and returns old: swap gives value, add wraps, min/max
  compare as signed (_s) or unsigned (_u) numbers;
- a v128 is 128/lane lanes, lane 0 in the low bits (the reference unpacks them with `struct`):
  vbin applies its kind to each pair of lanes (compares: all ones or zero), vdup repeats the
  low lane bits, vextract/vinsert read and replace one lane; 128-bit loads and stores move 16
  little-endian bytes.

The interpreter runs each block as tier 0 compiles it; the LLVM backend as tier 1 (-O0, state in
place) and as hot code (-O2, state promoted to registers).
"""

from __future__ import annotations

import ctypes
import random
import struct
from functools import lru_cache

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dbt.backends.interp.codegen import compile_block
from dbt.backends.interp.helpers import make_namespace
from dbt.frontends.aarch64.layout import LAYOUT
from dbt.ir.builder import IRBuilder
from dbt.ir.ops import RMW_KINDS, VEC_KINDS
from dbt.ir.types import I1, I8, I16, I32, I64, V128
from dbt.memory import PROT_READ, PROT_WRITE, GuestMemory
from dbt.state import GuestState

PC = 0x1000
TYPES = {8: I8, 16: I16, 32: I32, 64: I64}
ADDR = 0x100                            # the atomic's address: in the first page either way
EDGES = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000,
         0xFFFFFFFF, (1 << 63) - 1, 1 << 63, (1 << 64) - 1]
VALUES = st.one_of(st.sampled_from(EDGES), st.integers(0, (1 << 64) - 1))


def signed(v: int, bits: int) -> int:
    return v - (1 << bits) if v >> (bits - 1) else v


def ref_flags(a: int, b: int, c: int, bits: int) -> tuple[int, int]:
    carry = int(a + b + c >= 1 << bits)
    total = signed(a, bits) + signed(b, bits) + c
    overflow = int(not -(1 << (bits - 1)) <= total < 1 << (bits - 1))
    return carry, overflow


def ref_rmw(kind: str, old: int, value: int, bits: int) -> int:
    so, sv = signed(old, bits), signed(value, bits)
    return {"swap": value, "add": (old + value) % (1 << bits), "and": old & value,
            "or": old | value, "xor": old ^ value,
            "min_s": old if so <= sv else value, "max_s": old if so >= sv else value,
            "min_u": min(old, value), "max_u": max(old, value)}[kind]


# -- the blocks -----------------------------------------------------------------------------------
def _operand(b, field: str, t):
    value = b.get(field)
    return value if t is I64 else b.trunc(value, type=t)


def vector_block(kind: str, lane: int, index: int):
    """v = M[x1] (v128), w = M[x1 + 16]; M[x1 + 32] = vbin.kind(v, w); x4 = lane `index` of
    v; M[x1 + 48] = vinsert(vdup(x2), x3 at `index`) (lanes of `lane` bits)."""
    b = IRBuilder(PC, LAYOUT)
    b.insn(PC, 4)
    base = b.get("x1")
    v = b.load(base, type=V128)
    w = b.load(b.add(base, 16), type=V128)
    b.store(b.add(base, 32), b.vbin(v, w, kind=kind, lane=lane))
    b.set(b.vextract(v, type=I64, lane=lane, index=index), field="x4")
    b.store(b.add(base, 48), b.vinsert(b.vdup(b.get("x2"), lane=lane), b.get("x3"), lane=lane,
                                       index=index))
    b.jump(target=PC + 4)
    return b.finish()


def vector_op_block(name: str, attrs: tuple):
    """v = M[x1], w = M[x1 + 16] (v128); M[x1 + 32] = name(v[, w | x2]) with `attrs` (a
    tuple of pairs), or x4 = it for vreduce."""
    b = IRBuilder(PC, LAYOUT)
    b.insn(PC, 4)
    base = b.get("x1")
    v = b.load(base, type=V128)
    w = b.load(b.add(base, 16), type=V128)
    operands = {"vshift": (v, b.get("x2")), "vshuffle": (v, w), "vtbl": (v, w)}.get(name, (v,))
    out = b.emit(name, *operands, **dict(attrs))
    if name == "vreduce":
        b.set(out, field="x4")
    else:
        b.store(b.add(base, 32), out)
    b.jump(target=PC + 4)
    return b.finish()


def flags_block(bits: int, const_b: bool, b_value: int = 0, carry_in: int | None = None):
    """x4 = add_carry(x1, x2 or a constant, x3 or the constant carry_in), x5 =
    add_overflow(...)."""
    t = TYPES[bits]
    b = IRBuilder(PC, LAYOUT)
    b.insn(PC, 4)
    x = _operand(b, "x1", t)
    y = b.const(b_value & t.mask, t) if const_b else _operand(b, "x2", t)
    c = b.trunc(b.get("x3"), type=I1) if carry_in is None else b.const(carry_in, I1)
    b.set(b.zext(b.add_carry(x, y, c), type=I64), field="x4")
    b.set(b.zext(b.add_overflow(x, y, c), type=I64), field="x5")
    b.jump(target=PC + 4)
    return b.finish()


def rmw_block(kind: str, bits: int):
    """x4 = atomic_rmw.kind(x1, x2) (an aligned atomic of `bits`)."""
    t = TYPES[bits]
    b = IRBuilder(PC, LAYOUT)
    b.insn(PC, 4)
    old = b.atomic_rmw(b.get("x1"), _operand(b, "x2", t), kind=kind, align=True)
    b.set(old if t is I64 else b.zext(old, type=I64), field="x4")
    b.jump(target=PC + 4)
    return b.finish()


# -- running them ---------------------------------------------------------------------------------
class Interp:
    def __init__(self):
        self.memory = GuestMemory(window_bits=24)
        self.memory.map_anonymous(0, 0x1000, PROT_READ | PROT_WRITE)
        self.state = GuestState(LAYOUT)
        self.ns = make_namespace(self.state.regs, self.memory, engine=None)

    def run(self, block, regs: dict, memory: bytes = b"") -> tuple[dict, bytes]:
        self.memory.view[ADDR:ADDR + len(memory)] = memory
        for field, value in regs.items():
            self.state[field] = value
        fn, _, _ = compile_block(block, self.ns)
        assert fn(self.state.regs) == PC + 4
        return ({f: self.state[f] for f in ("x4", "x5")},
                bytes(self.memory.view[ADDR:ADDR + len(memory)]))


_FN = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64)


@lru_cache(maxsize=None)
def llvm_function(key: tuple, opt: int):
    """The block `key` names (("flags", bits, const_b, b) or ("rmw", kind, bits)), lowered
    as tier 1 (opt 0) or hot code (opt 2) compiles it."""
    from dbt.backends.llvm.compiler import LLVMJit
    from dbt.backends.llvm.lower import DECLARATIONS, lower_region
    block = {"flags": flags_block, "rmw": rmw_block, "vector": vector_block,
             "vector_op": vector_op_block}[key[0]](*key[1:])
    if opt == 0:
        text = lower_region("f", [block], 12, 1 << 62, promote=False)
    else:
        text = lower_region("f", [block], 12)
    jit = LLVMJit(opt_level=opt)
    module = f'target triple = "{jit.triple}"\n{text}\n{DECLARATIONS}'
    address = jit.compile(module, ["f"], hot=opt > 0)["f"]
    llvm_function.jits.append(jit)             # keep the code alive
    return _FN(address)


llvm_function.jits = []


def run_llvm(key: tuple, opt: int, regs: dict, memory: bytes = b"") -> tuple[dict, bytes]:
    state = (ctypes.c_uint64 * LAYOUT.nslots)()
    for field, value in regs.items():
        state[LAYOUT.slot(field)] = value
    mem = ctypes.create_string_buffer(1 << 12)
    mem[ADDR:ADDR + len(memory)] = memory
    assert llvm_function(key, opt)(ctypes.addressof(state), ctypes.addressof(mem), PC) == PC + 4
    return {f: state[LAYOUT.slot(f)] for f in ("x4", "x5")}, mem.raw[ADDR:ADDR + len(memory)]


@pytest.fixture(scope="module")
def interp():
    return Interp()


OPTS = [0, 2]


# -- tests ----------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(bits=st.sampled_from(sorted(TYPES)), a=VALUES, b=VALUES, c=st.integers(0, 1),
       const_b=st.booleans())
@example(bits=64, a=(1 << 63) - 1, b=0, c=1, const_b=False)        # overflow from the carry-in
@example(bits=32, a=0xFFFFFFFF, b=0, c=1, const_b=True)            # carry from the carry-in
@example(bits=8, a=0x80, b=0x7F, c=1, const_b=False)               # -128 + 127 + 1 = 0: none
def test_add_carry_and_overflow(interp, bits, a, b, c, const_b):
    t = TYPES[bits]
    a, b = a & t.mask, b & t.mask
    carry, overflow = ref_flags(a, b, c, bits)
    want = {"x4": carry, "x5": overflow}
    regs = {"x1": a, "x2": b, "x3": c}
    key = ("flags", bits, const_b, b if const_b else 0)
    got, _ = interp.run(flags_block(*key[1:]), regs)
    assert got == want, "interp"
    if const_b:                        # (compiling a region per constant costs too much here)
        return
    for opt in OPTS:                   # a run-time carry-in, and the constant one
        for key in (("flags", bits, False, 0), ("flags", bits, False, 0, c)):
            got, _ = run_llvm(key, opt, regs)
            assert got == want, (f"llvm -O{opt}", key)


def test_flags_of_a_compare_cost_nothing_in_a_hot_loop():
    """`add x0, x0, #1; cmp x0, x1; b.lt` as an Arm frontend with lazy flags lifts it (the
    branch tests x0 <s x1 itself; N, Z, C, V are set from the subtraction, for whoever reads
    them later): in hot code the loop is the compare and the branch, and the four flags are
    made once, after it (no set*/adc in the loop)."""
    from hot_loop import hot_loop_x86, listing
    b = IRBuilder(PC, LAYOUT)
    b.insn(PC, 4)
    b.set(b.add(b.get("x0"), 1), field="x0")
    b.insn(PC + 4, 4)
    x, y = b.get("x0"), b.get("x1")
    difference = b.sub(x, y)
    b.set(b.trunc(b.shr_u(difference, 63), type=I1), field="n")
    b.set(b.eq(difference, 0), field="z")
    b.set(b.add_carry(x, b.not_(y), b.const(1, I1)), field="c")
    b.set(b.add_overflow(x, b.not_(y), b.const(1, I1)), field="v")
    b.insn(PC + 8, 4)
    b.branch(b.lt_s(x, y), taken=PC, fallthrough=PC + 12)
    loop = hot_loop_x86(b.finish(), PC)
    assert not any(i.mnemonic.startswith(("set", "adc")) for i in loop), listing(loop)
    assert len(loop) <= 8, listing(loop)


def test_subtraction_flags_are_arms():
    """a - b as a + not(b) + 1: C is 'no borrow' (a >= b unsigned), V the signed overflow; the
    conditions Arm derives from them after `cmp a, b` (here: 32-bit lt and hs)."""
    interp = Interp()
    for a, b in [(0, 0), (0, 1), (1, 0), (0x80000000, 1), (0x7FFFFFFF, 0xFFFFFFFF),
                 (5, 0xFFFFFFFB)]:
        got, _ = interp.run(flags_block(32, False), {"x1": a, "x2": b ^ 0xFFFFFFFF, "x3": 1})
        n = (a - b) >> 31 & 1
        assert got["x4"] == int(a >= b)                                   # hs
        assert (n != got["x5"]) == (signed(a, 32) < signed(b, 32))        # lt


def test_carry_and_overflow_of_constants_fold():
    b = IRBuilder(PC, LAYOUT)
    assert b.add_carry(b.const(0xFF, I8), b.const(1, I8), b.const(0, I1)).value == 1
    assert b.add_overflow(b.const(0x7F, I8), b.const(0, I8), b.const(1, I1)).value == 1
    assert b.add_overflow(b.const(0x80, I8), b.const(0x7F, I8), b.const(1, I1)).value == 0
    assert b.ops == []


@pytest.mark.parametrize("kind", RMW_KINDS)
@pytest.mark.parametrize("bits", [32, 64])
def test_atomic_rmw(interp, kind, bits):
    mask = (1 << bits) - 1
    pairs = [(0, 0), (1, mask), (mask, 1), (1 << (bits - 1), (1 << (bits - 1)) - 1),
             (0x0123456789ABCDEF & mask, 0xFEDCBA9876543210 & mask), (5, 5)]
    for old, value in pairs:
        memory = old.to_bytes(bits // 8, "little")
        want_mem = ref_rmw(kind, old, value, bits).to_bytes(bits // 8, "little")
        regs = {"x1": ADDR, "x2": value | (0xAAAA << 48 if bits == 32 else 0)}  # (high bits: junk)
        got, mem = interp.run(rmw_block(kind, bits), regs, memory)
        assert (got["x4"], mem) == (old, want_mem), ("interp", old, value)
        for opt in OPTS:
            got, mem = run_llvm(("rmw", kind, bits), opt, regs, memory)
            assert (got["x4"], mem) == (old, want_mem), (f"llvm -O{opt}", old, value)


def test_atomic_rmw_faults_as_a_write(interp):
    """A read-only page: nothing stored, a write fault (RISC-V's store/AMO page fault)."""
    from dbt.memory import GuestFault
    interp.memory.map_anonymous(0x3000, 0x1000, PROT_READ)
    interp.state["x1"], interp.state["x2"] = 0x3008, 7
    fn, _, _ = compile_block(rmw_block("add", 64), interp.ns)
    with pytest.raises(GuestFault) as info:
        fn(interp.state.regs)
    assert (info.value.access, info.value.addr) == ("write", 0x3008)
    assert bytes(interp.memory.view[0x3008:0x3010]) == bytes(8)


# -- vectors --------------------------------------------------------------------------------------
_FORMAT = {8: "b", 16: "h", 32: "i", 64: "q"}


def lanes(data: bytes, lane: int, signed: bool) -> list[int]:
    code = _FORMAT[lane] if signed else _FORMAT[lane].upper()
    return list(struct.unpack(f"<{128 // lane}{code}", data))


def pack(values: list[int], lane: int) -> bytes:
    return struct.pack(f"<{128 // lane}{_FORMAT[lane].upper()}",
                       *(v % (1 << lane) for v in values))


def ref_vbin(kind: str, lane: int, v: bytes, w: bytes) -> bytes:
    signed = kind.endswith("_s")
    out = []
    for x, y in zip(lanes(v, lane, signed), lanes(w, lane, signed)):
        out.append({"add": x + y, "sub": x - y, "mul": x * y, "and": x & y, "or": x | y,
                    "xor": x ^ y, "min_s": min(x, y), "max_s": max(x, y), "min_u": min(x, y),
                    "max_u": max(x, y), "eq": -(x == y), "gt_s": -(x > y),
                    "gt_u": -(x > y)}[kind])
    return pack(out, lane)


@pytest.mark.parametrize("kind", VEC_KINDS)
@pytest.mark.parametrize("lane", [8, 16, 32, 64])
def test_vector_ops(interp, kind, lane):
    rng = random.Random(f"{kind}{lane}")
    index = rng.randrange(128 // lane)
    for trial in range(4):
        if trial == 0:                          # equal lanes, sign bits, zero
            v = w = bytes([0x80, 0x7F, 0xFF, 0x00] * 4)
        else:
            v, w = rng.randbytes(16), rng.randbytes(16)
            if trial == 1:
                w = v[:8] + w[8:]
        x2, x3 = rng.getrandbits(64), rng.getrandbits(64)
        memory = v + w + bytes(32)
        want_sum = ref_vbin(kind, lane, v, w)
        want_lane = lanes(v, lane, False)[index]
        dup = [x2 % (1 << lane)] * (128 // lane)
        dup[index] = x3 % (1 << lane)
        want = (want_lane, memory[:32] + want_sum + pack(dup, lane))
        regs = {"x1": ADDR, "x2": x2, "x3": x3}
        got, mem = interp.run(vector_block(kind, lane, index), regs, memory)
        assert (got["x4"], mem) == want, ("interp", v.hex(), w.hex())
        for opt in OPTS:
            got, mem = run_llvm(("vector", kind, lane, index), opt, regs, memory)
            assert (got["x4"], mem) == want, (f"llvm -O{opt}", v.hex(), w.hex())


def test_vector_ops_are_verified():
    from dbt.ir.builder import IRError
    from dbt.ir.verify import verify
    for attrs in ({"kind": "add", "lane": 12}, {"kind": "avg", "lane": 8}):
        b = IRBuilder(PC, LAYOUT)
        b.insn(PC, 4)
        v = b.load(b.get("x1"), type=V128)
        b.store(b.get("x1"), b.vbin(v, v, **attrs))
        b.jump(target=PC + 4)
        with pytest.raises(IRError):
            verify(b.finish())


def ref_vector_op(name: str, attrs: dict, v: bytes, w: bytes, x2: int):
    """What the op table says `name` makes of v, w (and the amount x2): bytes, or an int."""
    lane = attrs.get("lane")
    if name == "vshift":
        kind, n = attrs["kind"], x2
        values = lanes(v, lane, kind == "shr_s")
        if kind == "shr_s":
            return pack([x >> min(n, lane - 1) for x in values], lane)
        return pack([0 if n >= lane else x << n if kind == "shl" else x >> n
                     for x in values], lane)
    if name == "vshuffle":
        return bytes((v + w)[i] for i in attrs["select"])
    if name == "vtbl":
        return bytes(v[i] if i < 16 else 0 for i in w)
    if name == "vreduce":
        kind = attrs["kind"]
        values = lanes(v, lane, kind.endswith("_s"))
        if kind == "add":
            return sum(values) % (1 << lane)
        return (min if kind.startswith("min") else max)(values) % (1 << lane)
    if name == "vwiden":
        half = v[8:] if attrs["high"] else v[:8]
        code = _FORMAT[lane] if attrs["signed"] else _FORMAT[lane].upper()
        return pack(list(struct.unpack(f"<{64 // lane}{code}", half)), 2 * lane)
    if name == "vnarrow":
        values = lanes(v, lane, False)
        half = struct.pack(f"<{128 // lane}{_FORMAT[lane // 2].upper()}",
                           *(x % (1 << (lane // 2)) for x in values))
        return half + bytes(8)
    raise AssertionError(name)


def _vector_cases():
    rng = random.Random(11)
    cases = []
    for lane in (8, 16, 32, 64):
        for kind in ("shl", "shr_u", "shr_s"):
            cases.append(("vshift", (("kind", kind), ("lane", lane))))
        for kind in ("add", "min_s", "max_s", "min_u", "max_u"):
            cases.append(("vreduce", (("type", I64), ("kind", kind), ("lane", lane))))
        if lane < 64:
            for signed in (False, True):
                for high in (False, True):
                    cases.append(("vwiden", (("lane", lane), ("signed", signed),
                                             ("high", high))))
        if lane > 8:
            cases.append(("vnarrow", (("lane", lane),)))
    for _ in range(3):
        cases.append(("vshuffle", (("select", tuple(rng.randrange(32) for _ in range(16))),)))
    cases.append(("vshuffle", (("select", tuple(range(3, 19))),)))       # EXT #3
    cases.append(("vtbl", ()))
    return cases


VECTOR_CASES = _vector_cases()


@pytest.mark.parametrize("name, attrs", VECTOR_CASES,
                         ids=[f"{name}-{i}" for i, (name, _) in enumerate(VECTOR_CASES)])
def test_more_vector_ops(interp, name, attrs):
    rng = random.Random(repr((name, attrs)))
    lane = dict(attrs).get("lane", 8)
    for amount in ([0, 1, lane - 1, lane, lane + 3, 200] if name == "vshift" else [0, 0, 0]):
        v, w = rng.randbytes(16), rng.randbytes(16)
        if name == "vtbl":
            w = bytes(rng.choice([rng.randrange(16), rng.randrange(16, 256)]) for _ in range(16))
        want = ref_vector_op(name, dict(attrs), v, w, amount)
        memory = v + w + bytes(16)
        regs = {"x1": ADDR, "x2": amount, "x4": 0}
        runs = [("interp", lambda: interp.run(vector_op_block(name, attrs), regs, memory))]
        runs += [(f"llvm -O{opt}", lambda opt=opt: run_llvm(("vector_op", name, attrs), opt,
                                                             regs, memory)) for opt in OPTS]
        for label, run in runs:
            got, mem = run()
            result = got["x4"] if name == "vreduce" else mem[32:]
            assert result == want, (label, name, attrs, amount, v.hex(), w.hex())
