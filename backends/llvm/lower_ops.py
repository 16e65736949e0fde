"""Lowering of the IR's integer, state, memory and control-flow ops: one function per op,
registered in optable.LOWER (floating point is in lower_fp.py).

Where LLVM has undefined behaviour the IR has a defined result (division by zero and overflow,
shift amounts of the width or more): the lowering guards it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbt.ir.block import Const, Op

from .irtext import LLTYPES, int_literal
from .optable import REASON_CODES, REASON_INTERRUPT, lowers

if TYPE_CHECKING:
    from .lower import RegionLowerer

_BINARY = {"add": "add", "sub": "sub", "mul": "mul", "and": "and", "or": "or", "xor": "xor"}
_CMP = {"eq": "eq", "ne": "ne", "lt_s": "slt", "lt_u": "ult", "le_s": "sle", "le_u": "ule"}


def _ty(op: Op) -> str:
    return LLTYPES[op.result.type]


@lowers(*_BINARY)
def lower_binary(r: RegionLowerer, op: Op) -> None:
    a, b = r.v(op.args[0]), r.v(op.args[1])
    r.define(op, f"{_BINARY[op.name]} {_ty(op)} {a}, {b}")


@lowers(*_CMP)
def lower_compare(r: RegionLowerer, op: Op) -> None:
    a, b = r.v(op.args[0]), r.v(op.args[1])
    r.define(op, f"icmp {_CMP[op.name]} {LLTYPES[op.args[0].type]} {a}, {b}")


@lowers("shl", "shr_u", "shr_s")
def lower_shift(r: RegionLowerer, op: Op) -> None:
    t, bits = _ty(op), op.result.type.bits
    a = r.v(op.args[0])
    n = r.fb.assign(f"and {t} {r.v(op.args[1])}, {bits - 1}")    # the IR's amount modulo width
    inst = {"shl": "shl", "shr_u": "lshr", "shr_s": "ashr"}[op.name]
    r.define(op, f"{inst} {t} {a}, {n}")


@lowers("rotl", "rotr")
def lower_rotate(r: RegionLowerer, op: Op) -> None:
    t = _ty(op)
    a, n = r.v(op.args[0]), r.v(op.args[1])
    fn = "fshl" if op.name == "rotl" else "fshr"
    r.define(op, f"call {t} @llvm.{fn}.{t}({t} {a}, {t} {a}, {t} {n})")


@lowers("div_u", "rem_u")
def lower_div_u(r: RegionLowerer, op: Op) -> None:
    fb, t = r.fb, _ty(op)
    a, b = r.v(op.args[0]), r.v(op.args[1])
    zero = fb.assign(f"icmp eq {t} {b}, 0")
    safe = fb.assign(f"select i1 {zero}, {t} 1, {t} {b}")
    inst = "udiv" if op.name == "div_u" else "urem"
    q = fb.assign(f"{inst} {t} {a}, {safe}")
    by_zero = "-1" if op.name == "div_u" else a                  # x/0 = all ones, x%0 = x
    r.define(op, f"select i1 {zero}, {t} {by_zero}, {t} {q}")


@lowers("div_s", "rem_s")
def lower_div_s(r: RegionLowerer, op: Op) -> None:
    fb, t, bits = r.fb, _ty(op), op.result.type.bits
    a, b = r.v(op.args[0]), r.v(op.args[1])
    int_min = int_literal(1 << (bits - 1), bits)
    zero = fb.assign(f"icmp eq {t} {b}, 0")
    overflow = fb.assign(f"and i1 {fb.assign(f'icmp eq {t} {a}, {int_min}')}, "
                         f"{fb.assign(f'icmp eq {t} {b}, -1')}")
    bad = fb.assign(f"or i1 {zero}, {overflow}")
    safe = fb.assign(f"select i1 {bad}, {t} 1, {t} {b}")
    inst = "sdiv" if op.name == "div_s" else "srem"
    q = fb.assign(f"{inst} {t} {a}, {safe}")
    if op.name == "div_s":      # x/0 = -1; INT_MIN/-1 = INT_MIN
        q = fb.assign(f"select i1 {overflow}, {t} {int_min}, {t} {q}")
        r.define(op, f"select i1 {zero}, {t} -1, {t} {q}")
    else:                       # x%0 = x; INT_MIN%-1 = 0
        q = fb.assign(f"select i1 {overflow}, {t} 0, {t} {q}")
        r.define(op, f"select i1 {zero}, {t} {a}, {t} {q}")


@lowers("neg")
def lower_neg(r: RegionLowerer, op: Op) -> None:
    r.define(op, f"sub {_ty(op)} 0, {r.v(op.args[0])}")


@lowers("not")
def lower_not(r: RegionLowerer, op: Op) -> None:
    t = _ty(op)
    r.define(op, f"xor {t} {r.v(op.args[0])}, {int_literal(-1, op.result.type.bits)}")


@lowers("clz", "ctz", "popcnt")
def lower_bitcount(r: RegionLowerer, op: Op) -> None:
    t = _ty(op)
    a = r.v(op.args[0])
    if op.name == "popcnt":
        r.define(op, f"call {t} @llvm.ctpop.{t}({t} {a})")
    else:
        fn = "ctlz" if op.name == "clz" else "cttz"
        r.define(op, f"call {t} @llvm.{fn}.{t}({t} {a}, i1 false)")


@lowers("select")
def lower_select(r: RegionLowerer, op: Op) -> None:
    t = _ty(op)
    c, a, b = (r.v(x) for x in op.args)
    r.define(op, f"select i1 {c}, {t} {a}, {t} {b}")


@lowers("sext", "zext", "trunc", "bitcast")
def lower_convert(r: RegionLowerer, op: Op) -> None:
    src, dst = op.args[0].type, op.result.type
    a = r.v(op.args[0])
    if src.bits == dst.bits and op.name != "bitcast":
        r.define(op, f"bitcast {LLTYPES[src]} {a} to {LLTYPES[dst]}")
        return
    r.define(op, f"{op.name} {LLTYPES[src]} {a} to {LLTYPES[dst]}")


# -- 128-bit vectors: an i128 in the region, a <lanes x iN> vector for a lane-wise op ----------
_VBIN = {"add": "add", "sub": "sub", "mul": "mul", "and": "and", "or": "or", "xor": "xor"}
_VMINMAX = {"min_s": "smin", "max_s": "smax", "min_u": "umin", "max_u": "umax"}
_VCMP = {"eq": "eq", "gt_s": "sgt", "gt_u": "ugt"}


def _vty(op: Op) -> str:
    lane = op.attrs["lane"]
    return f"<{128 // lane} x i{lane}>"


@lowers("vbin")
def lower_vbin(r: RegionLowerer, op: Op) -> None:
    fb, vt, kind = r.fb, _vty(op), op.attrs["kind"]
    a, b = (_as_vector(r, x, vt) for x in op.args)
    if kind in _VBIN:
        out = fb.assign(f"{_VBIN[kind]} {vt} {a}, {b}")
    elif kind in _VMINMAX:
        lane = op.attrs["lane"]
        out = fb.assign(f"call {vt} @llvm.{_VMINMAX[kind]}.v{128 // lane}i{lane}({vt} {a}, "
                        f"{vt} {b})")
    else:
        mask = fb.assign(f"icmp {_VCMP[kind]} {vt} {a}, {b}")
        out = fb.assign(f"sext <{128 // op.attrs['lane']} x i1> {mask} to {vt}")
    r.define(op, f"bitcast {vt} {out} to i128")


def _as_vector(r: RegionLowerer, value, vt: str) -> str:
    return r.fb.assign(f"bitcast i128 {r.v(value)} to {vt}")


@lowers("vshift")
def lower_vshift(r: RegionLowerer, op: Op) -> None:
    """A splat amount; LLVM's shift by the width or more is poison: shr_s shifts by at most
    lane - 1 (the sign in every bit), shl/shr_u select 0."""
    fb, vt, lane, kind = r.fb, _vty(op), op.attrs["lane"], op.attrs["kind"]
    v = _as_vector(r, op.args[0], vt)
    amount = r.v(op.args[1])
    big = fb.assign(f"icmp uge i64 {amount}, {lane}")
    safe = lane - 1 if kind == "shr_s" else 0          # (shl, shr_u: the result is 0 anyway)
    amount = fb.assign(f"select i1 {big}, i64 {safe}, i64 {amount}")
    lane_amount = fb.assign(f"trunc i64 {amount} to i{lane}") if lane < 64 else amount
    splat = _splat(fb, vt, lane, lane_amount)
    inst = {"shl": "shl", "shr_u": "lshr", "shr_s": "ashr"}[kind]
    out = fb.assign(f"{inst} {vt} {v}, {splat}")
    if kind != "shr_s":
        out = fb.assign(f"select i1 {big}, {vt} zeroinitializer, {vt} {out}")
    r.define(op, f"bitcast {vt} {out} to i128")


@lowers("vshuffle")
def lower_vshuffle(r: RegionLowerer, op: Op) -> None:
    a, b = (_as_vector(r, x, "<16 x i8>") for x in op.args)
    mask = ", ".join(f"i32 {i}" for i in op.attrs["select"])
    out = r.fb.assign(f"shufflevector <16 x i8> {a}, <16 x i8> {b}, <16 x i32> <{mask}>")
    r.define(op, f"bitcast <16 x i8> {out} to i128")


@lowers("vtbl")
def lower_vtbl(r: RegionLowerer, op: Op) -> None:
    """Byte by byte: an extract at a dynamic index (masked to 0-15: in range) and a select."""
    fb = r.fb
    table, index = (_as_vector(r, x, "<16 x i8>") for x in op.args)
    out = "zeroinitializer"
    for i in range(16):
        idx = fb.assign(f"extractelement <16 x i8> {index}, i32 {i}")
        inside = fb.assign(f"icmp ult i8 {idx}, 16")
        byte = fb.assign(f"extractelement <16 x i8> {table}, i8 {fb.assign(f'and i8 {idx}, 15')}")
        byte = fb.assign(f"select i1 {inside}, i8 {byte}, i8 0")
        out = fb.assign(f"insertelement <16 x i8> {out}, i8 {byte}, i32 {i}")
    r.define(op, f"bitcast <16 x i8> {out} to i128")


_REDUCE = {"add": "add", **_VMINMAX}


@lowers("vreduce")
def lower_vreduce(r: RegionLowerer, op: Op) -> None:
    vt, lane = _vty(op), op.attrs["lane"]
    fn = f"llvm.vector.reduce.{_REDUCE[op.attrs['kind']]}.v{128 // lane}i{lane}"
    _define_lane(r, op, r.fb.assign(f"call i{lane} @{fn}({vt} {_as_vector(r, op.args[0], vt)})"))


def _define_lane(r: RegionLowerer, op: Op, x: str) -> None:
    """Define op's result as the i<lane> value x, zero-extended to its type."""
    lane = op.attrs["lane"]
    if op.result.type.bits == lane:
        r.define(op, f"bitcast i{lane} {x} to {_ty(op)}")
    else:
        r.define(op, f"zext i{lane} {x} to {_ty(op)}")


@lowers("vwiden")
def lower_vwiden(r: RegionLowerer, op: Op) -> None:
    fb, vt, lane = r.fb, _vty(op), op.attrs["lane"]
    n = 64 // lane                                    # lanes of a half
    first = n if op.attrs["high"] else 0
    v = _as_vector(r, op.args[0], vt)
    half = fb.assign(f"shufflevector {vt} {v}, {vt} undef, <{n} x i32> <"
                     + ", ".join(f"i32 {first + i}" for i in range(n)) + ">")
    ext = "sext" if op.attrs["signed"] else "zext"
    wide = fb.assign(f"{ext} <{n} x i{lane}> {half} to <{n} x i{2 * lane}>")
    r.define(op, f"bitcast <{n} x i{2 * lane}> {wide} to i128")


@lowers("vnarrow")
def lower_vnarrow(r: RegionLowerer, op: Op) -> None:
    fb, vt, lane = r.fb, _vty(op), op.attrs["lane"]
    n = 128 // lane
    narrow = fb.assign(f"trunc {vt} {_as_vector(r, op.args[0], vt)} to <{n} x i{lane // 2}>")
    both = fb.assign(f"shufflevector <{n} x i{lane // 2}> {narrow}, <{n} x i{lane // 2}> "
                     f"zeroinitializer, <{2 * n} x i32> <"
                     + ", ".join(f"i32 {i}" for i in range(2 * n)) + ">")
    r.define(op, f"bitcast <{2 * n} x i{lane // 2}> {both} to i128")


def _lane_value(r: RegionLowerer, value, lane: int) -> str:
    """An integer operand as an i<lane>: its low bits, or zero-extended."""
    src, x = value.type, r.v(value)
    if src.bits > lane:
        return r.fb.assign(f"trunc {LLTYPES[src]} {x} to i{lane}")
    if src.bits < lane:
        return r.fb.assign(f"zext {LLTYPES[src]} {x} to i{lane}")
    return x


@lowers("vdup")
def lower_vdup(r: RegionLowerer, op: Op) -> None:
    fb, vt, lane = r.fb, _vty(op), op.attrs["lane"]
    splat = _splat(fb, vt, lane, _lane_value(r, op.args[0], lane))
    r.define(op, f"bitcast {vt} {splat} to i128")


def _splat(fb, vt: str, lane: int, x: str) -> str:
    """The vector `vt` with the i<lane> value x in every lane."""
    one = fb.assign(f"insertelement {vt} undef, i{lane} {x}, i32 0")
    return fb.assign(f"shufflevector {vt} {one}, {vt} undef, "
                     f"<{128 // lane} x i32> zeroinitializer")


@lowers("vextract")
def lower_vextract(r: RegionLowerer, op: Op) -> None:
    vt = _vty(op)
    v = _as_vector(r, op.args[0], vt)
    _define_lane(r, op, r.fb.assign(f"extractelement {vt} {v}, i32 {op.attrs['index']}"))


@lowers("vinsert")
def lower_vinsert(r: RegionLowerer, op: Op) -> None:
    fb, vt, lane = r.fb, _vty(op), op.attrs["lane"]
    x = _lane_value(r, op.args[1], lane)
    v = _as_vector(r, op.args[0], vt)
    out = fb.assign(f"insertelement {vt} {v}, i{lane} {x}, i32 {op.attrs['index']}")
    r.define(op, f"bitcast {vt} {out} to i128")


@lowers("pc_addr")
def lower_pc_addr(r: RegionLowerer, op: Op) -> None:
    r.define(op, f"add i64 %bias, {int_literal(op.attrs['addr'] - r.base, 64)}")


# -- state ----------------------------------------------------------------------------------------
@lowers("get")
def lower_get(r: RegionLowerer, op: Op) -> None:
    slot = f"ptr %f.{op.attrs['field']}"
    t = op.result.type
    if t.bits == 64 and not t.is_float:
        r.define(op, f"load i64, {slot}")
        return
    value = r.fb.assign(f"load i64, {slot}")
    r.define(op, f"{'bitcast' if t.bits == 64 else 'trunc'} i64 {value} to {_ty(op)}")


@lowers("set")
def lower_set(r: RegionLowerer, op: Op) -> None:
    t = op.args[0].type
    value = r.v(op.args[0])
    if t.bits < 64:
        value = r.fb.assign(f"zext {LLTYPES[t]} {value} to i64")
    elif t.is_float:
        value = r.fb.assign(f"bitcast {LLTYPES[t]} {value} to i64")
    r.fb.emit(f"store i64 {value}, ptr %f.{op.attrs['field']}")
    if r.precise:
        r.dirty.add(op.attrs["field"])


# -- memory -----------------------------------------------------------------------------------------
@lowers("load")
def lower_load(r: RegionLowerer, op: Op) -> None:
    t = op.result.type
    ptr = r.address(op.args[0], t.bits // 8, write=False, align=op.attrs.get("align", False))
    # Volatile: a guest load whose value is dead (rd = x0, or overwritten later in the region)
    # still faults, in order with the other guest accesses; a plain load LLVM would delete
    # or move (even at -O0, instruction selection drops dead loads).
    r.define(op, f"load volatile {LLTYPES[t]}, ptr {ptr}, align 1{r.pc_note()}")


@lowers("store")
def lower_store(r: RegionLowerer, op: Op) -> None:
    t = op.args[1].type
    value = r.v(op.args[1])
    ptr = r.address(op.args[0], t.bits // 8, write=True, align=op.attrs.get("align", False))
    r.fb.emit(f"store volatile {LLTYPES[t]} {value}, ptr {ptr}, align 1"  # as loads: in order
              + r.pc_note())


@lowers("cmpxchg")
def lower_cmpxchg(r: RegionLowerer, op: Op) -> None:
    fb, t = r.fb, _ty(op)
    expected, new, enable = (r.v(x) for x in op.args[1:])
    do, skip, join = fb.label("cx"), fb.label("cxno"), fb.label("cxj")
    fb.emit(f"br i1 {enable}, label %{do}, label %{skip}")
    fb.start(do)
    ptr = r.address(op.args[0], op.result.type.bits // 8, write=True,
                    align=op.attrs.get("align", False), dominates=False)
    pair = fb.assign(f"cmpxchg ptr {ptr}, {t} {expected}, {t} {new} seq_cst seq_cst"
                     + r.pc_note())
    old = fb.assign(f"extractvalue {{ {t}, i1 }} {pair}, 0")
    done = fb.label("cxd")
    fb.emit(f"br label %{done}")
    fb.start(done)
    fb.emit(f"br label %{join}")
    fb.start(skip)
    failed = fb.assign(f"xor {t} {expected}, 1")            # disabled: never equals expected
    fb.emit(f"br label %{join}")
    fb.start(join)
    r.define(op, f"phi {t} [ {old}, %{done} ], [ {failed}, %{skip} ]")


_RMW = {"swap": "xchg", "add": "add", "and": "and", "or": "or", "xor": "xor",
        "min_s": "min", "max_s": "max", "min_u": "umin", "max_u": "umax"}


@lowers("atomic_rmw")
def lower_atomic_rmw(r: RegionLowerer, op: Op) -> None:
    """An atomicrmw whose operand LLVM cannot see: one it knows to be the kind's identity
    (add/or/xor 0, and -1, ...) would become a fenced plain load, which does not fault on a
    read-only page as the guest's atomic must (the operand goes through a volatile slot)."""
    fb, t = r.fb, _ty(op)
    value = r.v(op.args[1])
    if op.attrs["kind"] != "swap":            # (the slot: an i64 in the entry block)
        fb.emit(f"store volatile {t} {value}, ptr %rmw.operand")
        value = fb.assign(f"load volatile {t}, ptr %rmw.operand")
    ptr = r.address(op.args[0], op.result.type.bits // 8, write=True,
                    align=op.attrs.get("align", False))
    r.define(op, f"atomicrmw volatile {_RMW[op.attrs['kind']]} ptr {ptr}, {t} {value} seq_cst"
             + r.pc_note())


@lowers("add_carry", "add_overflow")
def lower_add_carry(r: RegionLowerer, op: Op) -> None:
    """With a constant carry-in, as LLVM's own idioms, which it folds with the compare that a
    subtraction's flags feed (a - b is a + not(b) + 1: its carry is a >=u b, its overflow
    ssub's): carry-in 0, uadd/sadd.with.overflow; 1, a >=u not(b) and the overflow of
    a - not(b), the same sum. Otherwise in a type one bit wider: the carry is its top bit; a
    signed overflow is a sum its own type cannot hold."""
    fb, bits = r.fb, op.args[0].type.bits
    t, wide = LLTYPES[op.args[0].type], f"i{bits + 1}"
    carry_in = op.args[2]
    if isinstance(carry_in, Const):
        a, b = r.v(op.args[0]), r.v(op.args[1])
        if carry_in.value:
            b = fb.assign(f"xor {t} {b}, -1")
            if op.name == "add_carry":
                r.define(op, f"icmp uge {t} {a}, {b}")
                return
            fn = "ssub"
        else:
            fn = "uadd" if op.name == "add_carry" else "sadd"
        pair = fb.assign(f"call {{{t}, i1}} @llvm.{fn}.with.overflow.{t}({t} {a}, {t} {b})")
        r.define(op, f"extractvalue {{{t}, i1}} {pair}, 1")
        return
    ext = "zext" if op.name == "add_carry" else "sext"
    a, b = (fb.assign(f"{ext} {t} {r.v(x)} to {wide}") for x in op.args[:2])
    carry_in = fb.assign(f"zext i1 {r.v(op.args[2])} to {wide}")
    total = fb.assign(f"add {wide} {fb.assign(f'add {wide} {a}, {b}')}, {carry_in}")
    if op.name == "add_carry":
        r.define(op, f"trunc {wide} {fb.assign(f'lshr {wide} {total}, {bits}')} to i1")
        return
    back = fb.assign(f"sext {t} {fb.assign(f'trunc {wide} {total} to {t}')} to {wide}")
    r.define(op, f"icmp ne {wide} {back}, {total}")


@lowers("fence")
def lower_fence(r: RegionLowerer, op: Op) -> None:
    r.fb.emit("fence seq_cst")


@lowers("counter")
def lower_counter(r: RegionLowerer, op: Op) -> None:
    """Counters are read by the interpreter (a deopt: rare, and exact there)."""
    r.deopt_if("true", op)
    r.define(op, "add i64 0, 0")                  # not reached


@lowers("trap_if")
def lower_trap_if(r: RegionLowerer, op: Op) -> None:
    ok = r.fb.assign(f"xor i1 {r.v(op.args[0])}, true")
    r.guard(ok, REASON_CODES[op.attrs["kind"]])


# -- terminators -----------------------------------------------------------------------------------
@lowers("jump")
def lower_jump(r: RegionLowerer, op: Op) -> None:
    r.goto(op.attrs["target"])


@lowers("branch")
def lower_branch(r: RegionLowerer, op: Op) -> None:
    """A conditional branch. In tier 1, one that closes a loop (one side backward in the
    region, the other out of the loop) tests the `interrupt` slot (RegionLowerer._poll)
    together with its condition."""
    fb = r.fb
    cond = r.v(op.args[0])
    taken_pc, fall_pc = op.attrs["taken"], op.attrs["fallthrough"]
    if r.polls and r.backward(taken_pc) != r.backward(fall_pc):
        back_pc, out_pc = (taken_pc, fall_pc) if r.backward(taken_pc) else (fall_pc, taken_pc)
        loops = cond if back_pc == taken_pc else fb.assign(f"xor i1 {cond}, true")
        flag = fb.assign("load volatile i64, ptr %s.interrupt")
        # one test of one value (not `loops and quiet`, which the host code would branch on
        # twice: two exit edges, and the exit's values computed in the loop again)
        leaves = fb.assign(f"zext i1 {fb.assign(f'xor i1 {loops}, true')} to i64")
        either = fb.assign(f"or i64 {flag}, {leaves}")
        stay = fb.assign(f"icmp eq i64 {either}, 0")
        again, out, intr, leave = (fb.label("loop"), fb.label("out"), fb.label("intr"),
                                   fb.label("exit"))
        fb.emit(f"br i1 {stay}, label %{again}, label %{out}")
        fb.start(again)
        r.goto(back_pc, poll=False)
        fb.start(out)
        fb.emit(f"br i1 {loops}, label %{intr}, label %{leave}, !prof !1")
        fb.start(intr)
        r.leave(REASON_INTERRUPT, r.pc_value(back_pc))
        fb.start(leave)
        r.goto(out_pc)
        return
    taken, fall = fb.label("tk"), fb.label("ft")
    fb.emit(f"br i1 {cond}, label %{taken}, label %{fall}")
    for label, target in ((taken, taken_pc), (fall, fall_pc)):
        fb.start(label)
        r.goto(target)


@lowers("jump_ind")
def lower_jump_ind(r: RegionLowerer, op: Op) -> None:
    """A computed jump (return, switch table): in hot code a switch over the region's blocks,
    so a target inside the region stays in it; any other pc, and every one in tier 1, leaves
    to the dispatcher."""
    fb = r.fb
    if isinstance(op.args[0], Const):   # (a pc as it is mapped now: computed from the bias)
        r.goto(op.args[0].value)
        return
    target = r.v(op.args[0])
    if not r.promote:                   # tier 1: through the dispatcher (short code)
        r.goto(target)
        return
    out = fb.label("ind")
    cases = [(pc, fb.label("to")) for pc in r.labels]
    r.branch_on(target, cases, out)
    for pc, label in cases:
        fb.start(label)
        r.goto(pc)
    fb.start(out)
    r.goto(target)


@lowers("exit")
def lower_exit(r: RegionLowerer, op: Op) -> None:
    r.leave(REASON_CODES[op.attrs["reason"]], op.attrs["next_pc"])


@lowers("trap")
def lower_trap(r: RegionLowerer, op: Op) -> None:
    r.leave(REASON_CODES[op.attrs["kind"]], op.attrs["pc"])



# Intrinsics these lowerings call (declared in a region's module when it calls them).
DECLARATIONS = "\n".join(
    [f"declare {t} @llvm.{fn}.{t}({t}, {t}, {t})" for fn in ("fshl", "fshr")
     for t in ("i8", "i16", "i32", "i64", "i128")]
    + [f"declare {t} @llvm.{fn}.{t}({t}, i1)" for fn in ("ctlz", "cttz")
       for t in ("i8", "i16", "i32", "i64", "i128")]
    + [f"declare {t} @llvm.ctpop.{t}({t})" for t in ("i8", "i16", "i32", "i64", "i128")]
    + [f"declare <{128 // w} x i{w}> @llvm.{fn}.v{128 // w}i{w}(<{128 // w} x i{w}>, "
       f"<{128 // w} x i{w}>)" for fn in _VMINMAX.values() for w in (8, 16, 32, 64)]
    + [f"declare i{w} @llvm.vector.reduce.{fn}.v{128 // w}i{w}(<{128 // w} x i{w}>)"
       for fn in _REDUCE.values() for w in (8, 16, 32, 64)]
    + [f"declare {{{t}, i1}} @llvm.{fn}.with.overflow.{t}({t}, {t})"
       for fn in ("uadd", "sadd", "ssub") for t in ("i8", "i16", "i32", "i64", "i128")]
)
