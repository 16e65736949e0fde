"""Compile an IR block into one small Python function.

The interpreter executes IR, and it does so fast by turning each op into a line (or an
expression) of Python with one `exec_<op>` function per op, then compiling the block's lines once
with `compile()`; the block cache keeps the resulting function. It knows no guest ISA: it reads
the op table and the GuestState layout the block was lifted for (`Block.layout`) only.

Values at run time: integers are unsigned Python ints of their type's width, i1 is a bool, and
f32/f64 are their IEEE bit patterns (so bitcasts cost nothing). The generated function is
`blk(R)`, where R is the GuestState slot list; it returns the next guest pc, or for an `exit` or
`trap` terminator `pc | code << 64` (see EXIT_CODES). Memory goes through the software page table
`P`: a fast inline path for aligned in-page accesses, the `LD`/`ST` helpers otherwise. Faults and
traps raise; the engine maps the raising source line back to the guest instruction (`linemap`).
"""

from __future__ import annotations

import re
from collections import namedtuple
from itertools import repeat
from types import CodeType, FunctionType

from dbt import fp
from dbt.ir.block import Block, Const, Op, Temp
from dbt.ir.ops import EXIT_ICACHE_FLUSH, EXIT_SYSCALL, OPS, PURE, FPENV, TRAP_KINDS
from dbt.ir.types import F16, F64

from .stitch import ENABLED as STITCH, SENTINEL, stitch

EXIT_SHIFT = 64
EXIT_CODES = {EXIT_SYSCALL: 1, EXIT_ICACHE_FLUSH: 2}
for _i, _kind in enumerate(TRAP_KINDS):
    EXIT_CODES[_kind] = 3 + _i
CODE_NAMES = {code: name for name, code in EXIT_CODES.items()}

_VIEW = {1: "MB", 2: "MH", 4: "MI", 8: "MQ"}   # memoryviews of guest memory by access size
_SHIFT = {1: 0, 2: 1, 4: 2, 8: 3}


class Gen:
    """Source being generated for one block."""

    def __init__(self, block: Block):
        self.block = block
        self.lines: list[str] = []
        self.linemap: dict[int, tuple] = {}   # source line -> (guest pc, address, access)
        self.pc = block.pc
        self.fields = block.layout.fields     # state field -> Field (its slot)
        self.nfresh = 0
        self.uses = _count_uses(block)

    def stmt(self, line: str, addr: str | None = None, access: str | None = None) -> None:
        """Add a line; `addr`/`access` name the memory access it makes, for fault reports."""
        self.lines.append("    " + line)
        self.linemap[len(self.lines) + 1] = (self.pc, addr, access)   # +1: the `def` line

    def simple(self, expr: str) -> str:
        """An expression safe to repeat: a name or a literal, else a fresh local holding it."""
        if expr.isidentifier() or expr.isdigit() or expr.startswith(("0x", "0X")):
            return expr
        self.nfresh += 1
        name = f"a{self.nfresh}"
        self.stmt(f"{name} = {expr}")
        return name


def _count_uses(block: Block) -> dict[int, int]:
    uses: dict[int, int] = {}
    get = uses.get
    for op in block.ops:
        for arg in op.args:
            if arg.__class__ is Temp:
                uses[arg.id] = get(arg.id, 0) + 1
    return uses


def compile_block(block: Block, namespace: dict) -> tuple:
    """Return (function, source, linemap) for `block`, its globals being `namespace`."""
    return translate_block(block, namespace)[:3]


def translate_block(block: Block, namespace: dict) -> tuple:
    """`compile_block`'s (function, source, linemap), and the block's function as a Movable
    (None when its code is not one constant per number: see _shape)."""
    g = Gen(block)
    exprs: dict[int, str] = {}
    uses, stmt, inlinable = g.uses, g.stmt, _INLINABLE
    for op in block.ops:                      # (every block of tier 0 comes here: kept lean)
        name = op.name
        if name == "insn":
            g.pc = op.attrs["pc"]
            continue
        args = [exprs[a.id] if a.__class__ is Temp else _operand(a, exprs) for a in op.args]
        code = EXEC[name](g, op, args)
        result = op.result
        if result is None:
            if code:
                stmt(code)
            continue
        rid = result.id
        if code is None:                      # the template assigned t<id> itself
            exprs[rid] = f"t{rid}"
        elif name in inlinable and uses.get(rid, 0) == 1:
            exprs[rid] = f"({code})"
        else:
            local = f"t{rid}"
            stmt(f"{local} = {code}")
            exprs[rid] = local
    body = "\n".join(g.lines)
    name = f"blk_{block.pc:x}"
    fn, movable = _function(name, body, namespace)
    return fn, f"def {name}(R):\n{body}\n", g.linemap, movable


# -- compiling block functions by shape ------------------------------------------------------------
# Python's compile() costs about 100-200 us for a block's few lines, and most blocks of a real
# program are made of the same lines with other numbers (pcs, offsets, immediates): measured on
# python3 -c 'print(1)', 31,438 blocks have 9,284 shapes. So a block's function is compiled once
# per shape, with each nonzero number literal replaced by a unique sentinel constant (stitch's
# SENTINEL + i: what compile() folds from two of them is out of range), and each
# block of the shape gets that code object with its own numbers in their constant slots. A new
# shape's code object is stitched from the bytecode of its lines, each compiled once
# (stitch.py: ~30 us a block instead of compile()'s ~190 us on those of python3's start-up);
# what stitching does not cover is compiled from source.
_LITERAL = re.compile(r"\b(0[xX][0-9a-f]+|[1-9][0-9]*)\b")
_SHAPES: dict[str, tuple | None] = {}   # body with "#" for each literal -> (code, slots, tail)
_BASE = repeat(0)                       # int(literal, 0): decimal or hex
_M64 = (1 << 64) - 1


# Guest code addresses (the pcs of exits, `pc_addr`) are the literals written `0X...`, other
# numbers `0x...` or decimal: a block's function moves to code of the same bytes at another
# address by adding the distance to those literals alone (`move`). IR passes keep every
# value computed from a pc a `pc_addr` (dbt.ir.fold), as the LLVM backend's relocatable code
# needs too.
def _pc(value: int) -> str:
    return f"0X{value:x}"


class Movable(namedtuple("Movable", "shape values pcs")):
    """A block's function as its shape (_SHAPES' value), its literals' values in order, and
    the indices of those that are guest code addresses: the same function for the same code
    at an address `delta` away is `move(movable, delta, ...)`, without lifting or generating
    anything."""
    __slots__ = ()


def _function(name: str, body: str, namespace: dict) -> tuple:
    """The function `name(R)` of a block's `body` (see above), and it as a Movable (None
    when its shape is not one constant per number)."""
    parts = _LITERAL.split(body)                # text, literal, text, ..., text
    values = parts[1::2]
    key = "#".join(parts[::2])
    shape = _SHAPES.get(key, False)
    if shape is False:
        stitched = STITCH and stitch(key, len(values))
        shape = _SHAPES[key] = (stitched[0], None, stitched[1]) if stitched else _shape(parts)
    if shape is None:                           # (a shape whose numbers compile() folds)
        local: dict = {}
        exec(compile(f"def {name}(R):\n{body}\n", f"<{name}>", "exec"), namespace, local)
        return local[name], None
    numbers = tuple(map(int, values, _BASE))
    pcs = tuple([i for i, text in enumerate(values) if text[1:2] == "X"])
    return _instance(shape, numbers, name, namespace), Movable(shape, numbers, pcs)


def move(movable: Movable, delta: int, name: str, namespace: dict):
    """The function of `movable`'s code found `delta` bytes (a multiple of the page size)
    further: its guest code addresses moved by delta (an exit's code above bit 64 kept)."""
    numbers = list(movable.values)
    for i in movable.pcs:
        value = numbers[i]
        numbers[i] = value & ~_M64 | (value + delta) & _M64
    return _instance(movable.shape, numbers, name, namespace)


def _instance(shape: tuple, numbers, name: str, namespace: dict):
    code, slots, tail = shape
    if slots is None:                           # stitched: the literals first, in order
        consts = (*numbers, *tail)
    else:
        consts = tuple(c if i < 0 else numbers[i] for c, i in zip(code.co_consts, slots))
    return FunctionType(code.replace(co_consts=consts, co_name=name, co_qualname=name),
                        namespace, name)


def _shape(parts: list[str]) -> tuple | None:
    """(code object, for each of its constants the index of the literal it holds or -1, None) of a
    body compiled with sentinels, or None when the code is not one constant per literal: the
    compiler folded one (`-5`, `3 >> 1`, a constant condition), which no sentinel can stand
    in for. Zero is never replaced: its truth value decides what the compiler makes of it."""
    count = len(parts) // 2
    source = "".join(part if i % 2 == 0 else str(SENTINEL + i // 2)
                     for i, part in enumerate(parts))
    module = compile(f"def blk(R):\n{source}\n", "<block>", "exec")
    code = next(c for c in module.co_consts if isinstance(c, CodeType))
    slots, seen = [], set()
    for c in code.co_consts:
        if type(c) is int and SENTINEL <= c < SENTINEL + count:
            slots.append(c - SENTINEL)
            seen.add(c - SENTINEL)
        elif c is None or type(c) in (bool, str) or type(c) is int and c == 0:
            slots.append(-1)
        else:
            return None
    return (code, slots, None) if len(seen) == count else None


_INLINABLE = frozenset(name for name, opdef in OPS.items()
                       if opdef.has(PURE) and not opdef.has(FPENV))


def _operand(value, exprs: dict[int, str]) -> str:
    if isinstance(value, Const):
        if value.type.bits == 1:
            return "True" if value.value else "False"
        return _literal(value.value)
    return exprs[value.id]


# -- op templates -----------------------------------------------------------------------------
EXEC = {}


def _exec(*names):
    def register(fn):
        for name in names:
            EXEC[name] = fn
        return fn
    return register


def _mask(op: Op) -> str:
    return hex(op.result.type.mask)


def _sign(t) -> str:
    return hex(1 << (t.bits - 1))


def _signed(expr: str, t) -> str:
    s = _sign(t)
    return f"(({expr} ^ {s}) - {s})"


@_exec("add", "sub", "mul")
def exec_arith(g, op, a):
    sym = {"add": "+", "sub": "-", "mul": "*"}[op.name]
    return f"({a[0]} {sym} {a[1]}) & {_mask(op)}"


@_exec("and", "or", "xor")
def exec_logic(g, op, a):
    sym = {"and": "&", "or": "|", "xor": "^"}[op.name]
    if op.result.type.bits == 1:
        sym = {"and": "and", "or": "or", "xor": "!="}[op.name]
    return f"{a[0]} {sym} {a[1]}"


def _amount(op: Op, expr: str) -> str:
    bits = op.result.type.bits
    amount = op.args[1]
    if isinstance(amount, Const):
        return str(amount.value & (bits - 1))
    return f"({expr} & {bits - 1})"


@_exec("shl")
def exec_shl(g, op, a):
    return f"({a[0]} << {_amount(op, a[1])}) & {_mask(op)}"


@_exec("shr_u")
def exec_shr_u(g, op, a):
    return f"{a[0]} >> {_amount(op, a[1])}"


@_exec("shr_s")
def exec_shr_s(g, op, a):
    t = op.result.type
    return f"({_signed(a[0], t)} >> {_amount(op, a[1])}) & {_mask(op)}"


@_exec("rotl", "rotr")
def exec_rot(g, op, a):
    return f"{op.name.upper()}({a[0]}, {a[1]}, {op.result.type.bits})"


@_exec("div_u")
def exec_div_u(g, op, a):
    b = g.simple(a[1])
    return f"({a[0]} // {b} if {b} else {_mask(op)})"


@_exec("rem_u")
def exec_rem_u(g, op, a):
    x, b = g.simple(a[0]), g.simple(a[1])
    return f"({x} % {b} if {b} else {x})"


@_exec("div_s", "rem_s")
def exec_div_s(g, op, a):
    return f"{op.name.upper()}({a[0]}, {a[1]}, {op.result.type.bits})"


@_exec("neg")
def exec_neg(g, op, a):
    return f"(-{a[0]}) & {_mask(op)}"


@_exec("not")
def exec_not(g, op, a):
    if op.result.type.bits == 1:
        return f"not {a[0]}"
    return f"{a[0]} ^ {_mask(op)}"


@_exec("clz")
def exec_clz(g, op, a):
    return f"{op.result.type.bits} - ({a[0]}).bit_length()"


@_exec("ctz")
def exec_ctz(g, op, a):
    x = g.simple(a[0])
    return f"(({x} & -{x}).bit_length() - 1 if {x} else {op.result.type.bits})"


@_exec("popcnt")
def exec_popcnt(g, op, a):
    return f"({a[0]}).bit_count()"


@_exec("eq", "ne", "lt_u", "le_u")
def exec_cmp_u(g, op, a):
    sym = {"eq": "==", "ne": "!=", "lt_u": "<", "le_u": "<="}[op.name]
    return f"{a[0]} {sym} {a[1]}"


@_exec("lt_s", "le_s")
def exec_cmp_s(g, op, a):
    sym = {"lt_s": "<", "le_s": "<="}[op.name]
    sign = 1 << (op.args[0].type.bits - 1)
    x, y = (_literal(arg.value ^ sign) if isinstance(arg, Const) else f"({text} ^ {sign:#x})"
            for arg, text in zip(op.args, a))
    return f"{x} {sym} {y}"


@_exec("add_carry")
def exec_add_carry(g, op, a):
    return f"({a[0]} + {a[1]} + {a[2]}) >> {op.args[0].type.bits} != 0"


@_exec("add_overflow")
def exec_add_overflow(g, op, a):
    # a + b + c overflows iff its signed value (a^S) - S + (b^S) - S + c is outside [-S, S),
    # that is iff (a^S) + (b^S) + c - S is outside [0, 2S)
    t = op.args[0].type
    s = _sign(t)
    return f"(({a[0]} ^ {s}) + ({a[1]} ^ {s}) + {a[2]} - {s}) >> {t.bits} != 0"


def _literal(value: int) -> str:
    """A number as `_operand` writes it (small ones, zero above all, stay decimal: the shape
    cache leaves 0 in the code)."""
    return str(value) if value < 10 else hex(value)


@_exec("select")
def exec_select(g, op, a):
    return f"{a[1]} if {a[0]} else {a[2]}"


@_exec("sext")
def exec_sext(g, op, a):
    src = op.args[0].type
    if src.bits == 1:
        return f"-{a[0]} & {_mask(op)}"
    return f"{_signed(a[0], src)} & {_mask(op)}"


@_exec("zext")
def exec_zext(g, op, a):
    return f"+{a[0]}" if op.args[0].type.bits == 1 else a[0]


@_exec("trunc")
def exec_trunc(g, op, a):
    if op.result.type.bits == 1:
        return f"{a[0]} & 1 == 1"
    return f"{a[0]} & {_mask(op)}"


@_exec("bitcast")
def exec_bitcast(g, op, a):
    return a[0]


# -- floating point: helpers from dbt.fp, flags accrued by the wrappers in helpers.py -----------
def _fmt(t) -> int:
    """dbt.fp's format number of an IR float type."""
    return fp.F64 if t is F64 else fp.F16 if t is F16 else fp.F32


# The static FP rules of an op (ops.FP_DEFAULTS: RISC-V's, no bits) as dbt.fp's mode bits,
# ORed into the control operand (the IR's control bits are dbt.fp's: FP_DN/FP_FZ = DN/FZ).
_RULE_BITS = {("nan", "propagate"): fp.PROPAGATE, ("tiny", "before"): fp.TINY_BEFORE,
              ("nan_to", "zero"): fp.NAN_TO_ZERO}
_MINMAX_BITS = {"number": 0, "propagate": fp.PROPAGATE, "quiet_number": fp.MIN_NUM}


def _control(op, text: str) -> str:
    """The mode dbt.fp takes: the control operand with the op's static rule bits."""
    bits = sum(bit for (rule, value), bit in _RULE_BITS.items() if op.attrs.get(rule) == value)
    if not bits:
        return text
    control = op.args[-1]
    if isinstance(control, Const):
        return _literal(control.value | bits)
    return f"({text} | {bits:#x})"


@_exec("fadd", "fsub", "fmul", "fdiv", "fsqrt", "fma")
def exec_fp_rounded(g, op, a):
    operands = ", ".join(a[:-1])
    return f"{op.name.upper()}({_fmt(op.args[0].type)}, {operands}, {_control(op, a[-1])})"


@_exec("fmin", "fmax")
def exec_fp_min_max(g, op, a):
    mode = _MINMAX_BITS[op.attrs.get("minmax", "number")]
    extra = f", {mode:#x}" if mode else ""
    return f"{op.name.upper()}({_fmt(op.args[0].type)}, {', '.join(a)}{extra})"


@_exec("feq", "flt", "fle", "fclass")
def exec_fp(g, op, a):
    return f"{op.name.upper()}({_fmt(op.args[0].type)}, {', '.join(a)})"


@_exec("fcvt_to_si", "fcvt_to_ui")
def exec_fcvt_to_int(g, op, a):
    signed = op.name == "fcvt_to_si"
    return (f"FCVT_TO_INT({_fmt(op.args[0].type)}, {a[0]}, {_control(op, a[1])}, "
            f"{op.result.type.bits}, {signed})")


@_exec("fcvt_from_si", "fcvt_from_ui")
def exec_fcvt_from_int(g, op, a):
    signed = op.name == "fcvt_from_si"
    return (f"FCVT_FROM_INT({_fmt(op.result.type)}, {a[0]}, {op.args[0].type.bits}, "
            f"{signed}, {_control(op, a[1])})")


@_exec("fcvt_f")
def exec_fcvt_f(g, op, a):
    return (f"FCVT_F({_fmt(op.args[0].type)}, {_fmt(op.result.type)}, {a[0]}, "
            f"{_control(op, a[1])})")


_VFP_NAMES = {"fadd": "add", "fsub": "sub", "fmul": "mul", "fdiv": "div"}   # -> dbt.fp.OPS


@_exec("vfbin", "vfma")
def exec_vfp(g, op, a):
    """Lane by lane with dbt.fp's scalar op (helpers.py: VFP)."""
    name = "fma" if op.name == "vfma" else _VFP_NAMES[op.attrs["kind"]]
    lane = op.attrs["lane"]
    fmt = fp.F64 if lane == 64 else fp.F32
    return (f"VFP({name!r}, {fmt}, {lane}, {op.attrs['count']}, {_control(op, a[-1])}, "
            f"{', '.join(a[:-1])})")


@_exec("vbin")
def exec_vbin(g, op, a):
    return f"VBIN({op.attrs['kind']!r}, {op.attrs['lane']}, {a[0]}, {a[1]})"


@_exec("vshift")
def exec_vshift(g, op, a):
    return f"VSHIFT({op.attrs['kind']!r}, {op.attrs['lane']}, {a[0]}, {a[1]})"


@_exec("vshuffle")
def exec_vshuffle(g, op, a):
    packed = sum(index << (8 * i) for i, index in enumerate(op.attrs["select"]))
    return f"VSHUFFLE({a[0]}, {a[1]}, {packed:#x})"      # (one literal: shapes share code)


@_exec("vtbl")
def exec_vtbl(g, op, a):
    return f"VTBL({a[0]}, {a[1]})"


@_exec("vreduce")
def exec_vreduce(g, op, a):
    return f"VREDUCE({op.attrs['kind']!r}, {op.attrs['lane']}, {a[0]})"


@_exec("vwiden")
def exec_vwiden(g, op, a):
    half = f"{a[0]} >> 64" if op.attrs["high"] else a[0]
    return f"VWIDEN({op.attrs['lane']}, {bool(op.attrs['signed'])}, {half})"


@_exec("vnarrow")
def exec_vnarrow(g, op, a):
    return f"VNARROW({op.attrs['lane']}, {a[0]})"


@_exec("vdup")
def exec_vdup(g, op, a):
    lane = op.attrs["lane"]
    return f"({a[0]} & {(1 << lane) - 1:#x}) * {sum(1 << i for i in range(0, 128, lane)):#x}"


@_exec("vextract")
def exec_vextract(g, op, a):
    lane = op.attrs["lane"]
    return f"{a[0]} >> {op.attrs['index'] * lane} & {(1 << lane) - 1:#x}"


@_exec("vinsert")
def exec_vinsert(g, op, a):
    lane, shift = op.attrs["lane"], op.attrs["index"] * op.attrs["lane"]
    keep = ((1 << 128) - 1) ^ ((1 << lane) - 1) << shift
    return f"{a[0]} & {keep:#x} | ({a[1]} & {(1 << lane) - 1:#x}) << {shift}"


@_exec("pc_addr")
def exec_pc_addr(g, op, a):
    return _pc(op.attrs["addr"])


# -- state and memory ---------------------------------------------------------------------------
@_exec("get")
def exec_get(g, op, a):
    return f"R[{g.fields[op.attrs['field']].slot}]"


@_exec("set")
def exec_set(g, op, a):
    return f"R[{g.fields[op.attrs['field']].slot}] = {a[0]}"


def _check_align(g, op, addr: str, size: int) -> None:
    if op.attrs.get("align") and size > 1:
        g.stmt(f"if {addr} & {size - 1}: MISALIGNED({addr})")


def _fixed_access(g, op, addr: str, size: int, access: str) -> tuple[str, str] | None:
    """For an access at a constant address: the checks made here (a misaligned atomic
    access traps; a misaligned one never takes the fast path), and the view index and page
    as literals, or None when the fast path is out; the code holds no constant expression
    (Python would fold it, and the shape and stitching caches could not share the code)."""
    value = op.args[0].value
    misaligned = size > 1 and value & (size - 1)
    if misaligned and op.attrs.get("align"):
        g.stmt(f"MISALIGNED({addr})", addr, access)
    if misaligned:
        return None
    return f"{_VIEW[size]}[{_literal(value >> _SHIFT[size])}]", _literal(value >> 12)


@_exec("load")
def exec_load(g, op, a):
    size = op.result.type.bits // 8
    if size not in _VIEW:                        # (i128, v128: the helper alone)
        addr = g.simple(a[0])
        _check_align(g, op, addr, size)
        g.stmt(f"t{op.result.id} = LD({addr}, {size})", addr, "read")
        return None
    if isinstance(op.args[0], Const):
        name, addr = f"t{op.result.id}", a[0]
        fast = _fixed_access(g, op, addr, size, "read")
        if fast is None:
            g.stmt(f"{name} = LD({addr}, {size})", addr, "read")
        else:
            g.stmt(f"{name} = {fast[0]} if P[{fast[1]}] & 1 else LD({addr}, {size})",
                   addr, "read")
        return None
    addr = g.simple(a[0])
    _check_align(g, op, addr, size)
    view, shift = _VIEW[size], _SHIFT[size]
    name = f"t{op.result.id}"
    aligned = f"not {addr} & {size - 1} and " if size > 1 else ""
    g.stmt(f"{name} = {view}[{addr} >> {shift}] if {aligned}P[{addr} >> 12] & 1 "
           f"else LD({addr}, {size})", addr, "read")
    return None


@_exec("store")
def exec_store(g, op, a):
    size = op.args[1].type.bits // 8
    if size not in _VIEW:                        # (i128, v128: the helper alone)
        addr = g.simple(a[0])
        _check_align(g, op, addr, size)
        g.stmt(f"ST({addr}, {size}, {a[1]})", addr, "write")
        return None
    if isinstance(op.args[0], Const):
        addr = a[0]
        fast = _fixed_access(g, op, addr, size, "write")
        if fast is None:
            g.stmt(f"ST({addr}, {size}, {a[1]})", addr, "write")
        else:
            g.stmt(f"if P[{fast[1]}] & 2: {fast[0]} = {a[1]}", addr, "write")
            g.stmt(f"else: ST({addr}, {size}, {a[1]})", addr, "write")
        return None
    addr = g.simple(a[0])
    _check_align(g, op, addr, size)
    view, shift = _VIEW[size], _SHIFT[size]
    aligned = f"not {addr} & {size - 1} and " if size > 1 else ""
    g.stmt(f"if {aligned}P[{addr} >> 12] & 2: {view}[{addr} >> {shift}] = {a[1]}",
           addr, "write")
    g.stmt(f"else: ST({addr}, {size}, {a[1]})", addr, "write")
    return None


@_exec("cmpxchg")
def exec_cmpxchg(g, op, a):
    size = op.result.type.bits // 8
    addr = g.simple(a[0])
    return f"CMPXCHG({addr}, {a[1]}, {a[2]}, {a[3]}, {size}, {bool(op.attrs.get('align'))})"


@_exec("atomic_rmw")
def exec_atomic_rmw(g, op, a):
    size = op.result.type.bits // 8
    return (f"RMW({op.attrs['kind']!r}, {g.simple(a[0])}, {a[1]}, {size}, "
            f"{bool(op.attrs.get('align'))})")


@_exec("fence")
def exec_fence(g, op, a):
    return None


@_exec("counter")
def exec_counter(g, op, a):
    index = g.block.insn_pcs().index(g.pc)
    return f"COUNTER({op.attrs['kind']!r}, {index})"


@_exec("trap_if")
def exec_trap_if(g, op, a):
    return f"if {a[0]}: TRAP({op.attrs['kind']!r})"


# -- terminators -----------------------------------------------------------------------------------
@_exec("jump")
def exec_jump(g, op, a):
    return f"return {_pc(op.attrs['target'])}"


@_exec("branch")
def exec_branch(g, op, a):
    return f"return {_pc(op.attrs['taken'])} if {a[0]} else {_pc(op.attrs['fallthrough'])}"


@_exec("jump_ind")
def exec_jump_ind(g, op, a):
    return f"return {a[0]}"


@_exec("exit")
def exec_exit(g, op, a):
    code = EXIT_CODES[op.attrs["reason"]] << EXIT_SHIFT
    return f"return {_pc(op.attrs['next_pc'] | code)}"


@_exec("trap")
def exec_trap(g, op, a):
    code = EXIT_CODES[op.attrs["kind"]] << EXIT_SHIFT
    return f"return {_pc(op.attrs['pc'] | code)}"


MISSING = sorted(set(OPS) - set(EXEC) - {"insn"})
assert not MISSING, f"interpreter lacks ops: {MISSING}"
