"""IRBuilder: how frontends emit IR.

Every op of the op table is a method: `b.add(x, y)`, `b.sext(v, type=I64)`, `b.load(addr,
type=I32)`, `b.jump(target=pc)`. Python keywords take a trailing underscore (`b.and_`, `b.or_`,
`b.not_`). Plain Python ints are accepted wherever the operand's type is implied by another
operand or by the signature, and become constants of that type. Pure ops are folded as they
are emitted (`dbt.ir.fold`): `b.add(x, 0)` returns x itself.
"""

from __future__ import annotations

import keyword

from ..state import LAYOUT
from .block import Block, Const, Op, Temp, Value
from .fold import fold
from .ops import FPENV, OPS, PURE, OpDef, TERMINATORS
from .types import I64, Type, by_name


class IRError(Exception):
    """Malformed IR (a frontend bug)."""


_EXPLICIT = {name: by_name(name) for name in ("i1", "i8", "i16", "i32", "i64", "i128",
                                              "f32", "f64", "v128")}


class IRBuilder:
    def __init__(self, pc: int):
        self.pc = pc
        self.ops: list[Op] = []
        self.ntemps = 0
        self.ninsns = 0
        self.end_pc = pc
        self.closed = False

    # -- structure ------------------------------------------------------------------------------
    def insn(self, pc: int, length: int) -> None:
        """Open a guest instruction: every op until the next marker belongs to it."""
        self._append(Op("insn", (), {"pc": pc, "length": length}, None))
        self.ninsns += 1
        self.end_pc = pc + length

    def const(self, value: int, type: Type = I64) -> Const:
        return Const(value, type)

    def get(self, field: str) -> Temp:
        return self.emit("get", field=field, type=LAYOUT[field].type)

    def finish(self) -> Block:
        if not self.closed:
            raise IRError(f"block at {self.pc:#x} has no terminator")
        return Block(self.pc, self.ops, self.ninsns, self.end_pc, self.ntemps)

    # -- generic emission ----------------------------------------------------------------------
    def emit(self, name: str, *args, **attrs) -> Temp | None:
        opdef = OPS.get(name)
        if opdef is None:
            raise IRError(f"unknown op {name}")
        if len(args) != len(opdef.operands):
            raise IRError(f"{name} takes {len(opdef.operands)} operands, got {len(args)}")
        for key in opdef.attrs:
            if key not in attrs:
                attrs.setdefault(key, _DEFAULT_ATTRS.get(key, _MISSING))
                if attrs[key] is _MISSING:
                    raise IRError(f"{name} needs attribute {key}")
        values = _coerce(opdef, args)
        rtype = _result_type(opdef, values, attrs)
        if rtype is None:
            self._append(Op(name, values, attrs, None))
            return None
        op = Op(name, values, attrs, Temp(self.ntemps, rtype))
        if name in _FOLDABLE:
            value = fold(op)
            if value is not None and value.type is rtype:
                return value
        self.ntemps += 1
        self._append(op)
        return op.result

    def _append(self, op: Op) -> None:
        if self.closed:
            raise IRError(f"op {op.name} after the terminator of block {self.pc:#x}")
        self.ops.append(op)
        if op.name in TERMINATORS:
            self.closed = True


_MISSING = object()
_DEFAULT_ATTRS = {"align": False}
_FOLDABLE = frozenset(n for n, d in OPS.items() if d.has(PURE) and not d.has(FPENV))


def _op_method(name: str):
    def method(self, *args, **attrs):
        return self.emit(name, *args, **attrs)
    method.__name__ = name
    method.__doc__ = OPS[name].doc
    return method


for _name in OPS:
    _attr = _name + "_" if keyword.iskeyword(_name) else _name
    if not hasattr(IRBuilder, _attr):      # insn() and get() are written out above
        setattr(IRBuilder, _attr, _op_method(_name))


def _coerce(opdef: OpDef, args: tuple) -> tuple[Value, ...]:
    """Turn int operands into constants of the type their signature implies."""
    shared: dict[str, Type] = {}
    for spec, arg in zip(opdef.operands, args):
        if isinstance(arg, Value) and spec in ("T", "F", "A"):
            shared.setdefault(spec, arg.type)
    out = []
    for spec, arg in zip(opdef.operands, args):
        if isinstance(arg, Value):
            out.append(arg)
            continue
        if not isinstance(arg, int):
            raise IRError(f"{opdef.name}: operand {arg!r} is neither a Value nor an int")
        t = _EXPLICIT.get(spec) or shared.get(spec)
        if t is None:
            raise IRError(f"{opdef.name}: cannot infer the type of constant {arg}")
        out.append(Const(arg, t))
    return tuple(out)


def _result_type(opdef: OpDef, values: tuple[Value, ...], attrs: dict) -> Type | None:
    spec = opdef.result
    if spec is None:
        return None
    if spec == "@":
        return attrs["type"]
    if spec in _EXPLICIT:
        return _EXPLICIT[spec]
    for ospec, v in zip(opdef.operands, values):
        if ospec == spec:
            return v.type
    raise IRError(f"{opdef.name}: no operand gives the result type {spec}")
