"""IRBuilder: how frontends emit IR.

Every op of the op table is a method: `b.add(x, y)`, `b.sext(v, type=I64)`, `b.load(addr,
type=I32)`, `b.jump(target=pc)`. Python keywords take a trailing underscore (`b.and_`, `b.or_`,
`b.not_`). Plain Python ints are accepted wherever the operand's type is implied by another
operand or by the signature, and become constants of that type. Pure ops are folded as they
are emitted (`dbt.ir.fold`): `b.add(x, 0)` returns x itself.
"""

from __future__ import annotations

import keyword

from .block import Block, Const, Op, Temp, Value, temp
from .fold import fold_rule
from .ops import FP_DEFAULTS, FPENV, OPS, PURE, OpDef, TERMINATORS
from .types import I64, Type, by_name

TYPE_CHECKING = False                  # (typing.TYPE_CHECKING without importing typing)
if TYPE_CHECKING:
    from ..state import Layout


class IRError(Exception):
    """Malformed IR (a frontend bug)."""


_EXPLICIT = {name: by_name(name) for name in ("i1", "i8", "i16", "i32", "i64", "i128",
                                              "f16", "f32", "f64", "v128")}


class IRBuilder:
    """Builds the block at `pc`, whose `get`/`set` ops name fields of `layout` (a
    dbt.state.Layout, the guest's)."""

    def __init__(self, pc: int, layout: Layout):
        self.pc = pc
        self.layout = layout
        self.fields = layout.fields
        self.get_attrs = _GET_ATTRS.setdefault(layout, {})
        self.ops: list[Op] = []
        self.ntemps = 0
        self.ninsns = 0
        self.end_pc = pc
        self.closed = False

    # -- structure ------------------------------------------------------------------------------
    def insn(self, pc: int, length: int) -> None:
        """Open a guest instruction: every op until the next marker belongs to it."""
        if self.closed:
            raise IRError(f"op insn after the terminator of block {self.pc:#x}")
        self.ops.append(Op("insn", (), {"pc": pc, "length": length}, None))
        self.ninsns += 1
        self.end_pc = pc + length

    def const(self, value: int, type: Type = I64) -> Const:
        return Const(value, type)

    def get(self, field: str) -> Temp:
        """Read a state field (the most frequent op, so it skips the generic checks; the ops
        of a field share one attribute dict, as ops never change theirs)."""
        attrs = self.get_attrs.get(field)
        if attrs is None:
            attrs = self.get_attrs[field] = {"field": field, "type": self.fields[field].type}
        if self.closed:
            raise IRError(f"op get after the terminator of block {self.pc:#x}")
        result = temp(self.ntemps, attrs["type"])
        self.ops.append(Op("get", (), attrs, result))
        self.ntemps += 1
        return result

    def set(self, value: Value, *, field: str) -> None:
        """Write a state field (frequent, so a Value operand skips the generic checks)."""
        if not isinstance(value, Value) or field not in self.fields:
            return self._emit(_SIGNATURES["set"], (value,), {"field": field})   # (an error)
        attrs = _SET_ATTRS.get(field)
        if attrs is None:
            attrs = _SET_ATTRS[field] = {"field": field}
        if self.closed:
            raise IRError(f"op set after the terminator of block {self.pc:#x}")
        self.ops.append(Op("set", (value,), attrs, None))

    def finish(self) -> Block:
        if not self.closed:
            raise IRError(f"block at {self.pc:#x} has no terminator")
        return Block(self.pc, self.ops, self.ninsns, self.end_pc, self.ntemps, self.layout)

    # -- generic emission ----------------------------------------------------------------------
    def emit(self, name: str, *args, **attrs) -> Temp | None:
        sig = _SIGNATURES.get(name)
        if sig is None:
            raise IRError(f"unknown op {name}")
        return self._emit(sig, args, attrs)

    def _emit(self, sig: _Signature, args: tuple, attrs: dict) -> Temp | None:
        if len(args) != sig.nargs:
            raise IRError(f"{sig.name} takes {sig.nargs} operands, got {len(args)}")
        for key in sig.attrs:
            if key not in attrs:
                default = _DEFAULT_ATTRS.get(key, _MISSING)
                if default is _MISSING:
                    raise IRError(f"{sig.name} needs attribute {key}")
                attrs[key] = default
        values = args
        for arg in args:
            if not isinstance(arg, Value):
                values = sig.coerce(args)
                break
        if sig.result_from is not None:
            rtype = values[sig.result_from].type
        elif sig.result_is_attr:
            rtype = attrs["type"]
        else:
            rtype = sig.result            # a fixed type, or None (no result)
        op = Op(sig.name, values, attrs, None if rtype is None else temp(self.ntemps, rtype))
        if sig.fold is not None:
            value = sig.fold(op)
            if value is not None and value.type is rtype:
                return value
        if self.closed:
            raise IRError(f"op {op.name} after the terminator of block {self.pc:#x}")
        self.ops.append(op)
        if rtype is not None:
            self.ntemps += 1
        elif sig.terminates:
            self.closed = True
        return op.result


_GET_ATTRS: dict = {}                # layout -> field -> the attrs of its `get`s
_SET_ATTRS: dict[str, dict] = {}     # field -> the attrs of its `set`s
_MISSING = object()
_DEFAULT_ATTRS = {"align": False, **FP_DEFAULTS}


class _Signature:
    """What `emit` needs to know about one op, worked out once from its op table row."""

    __slots__ = ("name", "nargs", "attrs", "explicit", "peers", "result", "result_is_attr",
                 "result_from", "fold", "terminates")

    def __init__(self, opdef: OpDef):
        specs = opdef.operands
        self.name = opdef.name
        self.nargs = len(specs)
        self.attrs = opdef.attrs
        # per operand: the type an int operand becomes, given by the signature itself ...
        self.explicit = tuple(_EXPLICIT.get(spec) for spec in specs)
        # ... or by the first Value among the operands that share its T/F/A spec
        self.peers = tuple(tuple(j for j, other in enumerate(specs) if other == spec)
                           if spec in ("T", "F", "A") else () for spec in specs)
        # the result type: the `type` attribute's, an operand's, or fixed (None: no result)
        spec = opdef.result
        self.result_is_attr = spec == "@"
        self.result = _EXPLICIT.get(spec)
        self.result_from = (specs.index(spec) if spec in specs and self.result is None
                            and not self.result_is_attr else None)
        if spec is not None and not (self.result_is_attr or self.result_from is not None
                                     or self.result is not None):
            raise IRError(f"{self.name}: no operand gives the result type {spec}")
        self.terminates = opdef.name in TERMINATORS
        self.fold = (fold_rule(opdef.name) if opdef.has(PURE) and not opdef.has(FPENV)
                     else None)

    def coerce(self, args: tuple) -> tuple[Value, ...]:
        """Turn int operands into constants of the type their signature implies."""
        out = list(args)
        for i, arg in enumerate(args):
            if isinstance(arg, Value):
                continue
            if not isinstance(arg, int):
                raise IRError(f"{self.name}: operand {arg!r} is neither a Value nor an int")
            t = self.explicit[i]
            if t is None:
                t = next((args[j].type for j in self.peers[i] if isinstance(args[j], Value)),
                         None)
            if t is None:
                raise IRError(f"{self.name}: cannot infer the type of constant {arg}")
            out[i] = Const(arg, t)
        return tuple(out)

_SIGNATURES = {name: _Signature(opdef) for name, opdef in OPS.items()}


def _op_method(name: str):
    sig = _SIGNATURES[name]

    def method(self, *args, **attrs):
        return self._emit(sig, args, attrs)
    method.__name__ = name
    method.__doc__ = OPS[name].doc
    return method


for _name in OPS:
    _attr = _name + "_" if keyword.iskeyword(_name) else _name
    if not hasattr(IRBuilder, _attr):      # insn(), get() and set() are written out above
        setattr(IRBuilder, _attr, _op_method(_name))
