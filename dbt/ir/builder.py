"""IRBuilder: how frontends emit IR.

Every op of the op table is a method: `b.add(x, y)`, `b.sext(v, type=I64)`, `b.load(addr,
type=I32)`, `b.jump(target=pc)`. Python keywords take a trailing underscore (`b.and_`, `b.or_`,
`b.not_`). Plain Python ints are accepted wherever the operand's type is implied by another
operand or by the signature, and become constants of that type. Pure ops are folded as they
are emitted (`dbt.ir.fold`): `b.add(x, 0)` returns x itself.
"""

from __future__ import annotations

import keyword
from typing import NamedTuple

from ..state import LAYOUT
from .block import Block, Const, Op, Temp, Value, temp
from .fold import fold_rule
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
        attrs = _GET_ATTRS.get(field)
        if attrs is None:
            attrs = _GET_ATTRS[field] = {"field": field, "type": LAYOUT[field].type}
        if self.closed:
            raise IRError(f"op get after the terminator of block {self.pc:#x}")
        result = temp(self.ntemps, attrs["type"])
        self.ops.append(Op("get", (), attrs, result))
        self.ntemps += 1
        return result

    def set(self, value: Value, *, field: str) -> None:
        """Write a state field (frequent, so a Value operand skips the generic checks)."""
        if not isinstance(value, Value) or field not in LAYOUT:
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
        return Block(self.pc, self.ops, self.ninsns, self.end_pc, self.ntemps)

    # -- templates: the ops of one guest instruction, made once, replayed -----------------------
    def mark(self) -> tuple[int, int]:
        """Where the ops of what is emitted next start (for `record`)."""
        return len(self.ops), self.ntemps

    def settle(self, mark: tuple[int, int]) -> dict[int, tuple]:
        """Turn the `PcRelative` attribute values of the ops emitted since `mark` into plain
        ints; returns, by op index from `mark`, the (attribute, offset, masked) of each, for
        `record`. A pc-relative value in a constant is a frontend bug (use `pc_addr`)."""
        start = mark[0]
        patches: dict[int, tuple] = {}
        for index, op in enumerate(self.ops[start:]):
            for arg in op.args:
                if arg.__class__ is Const and arg.value.__class__ is PcRelative:
                    raise IRError(f"{op.name}: a pc-relative value in a constant")
            attrs = op.attrs
            found = [(key, v.offset, v.masked) for key, v in attrs.items()
                     if v.__class__ is PcRelative]
            if found:
                for key, _, _ in found:
                    attrs[key] = _plain(attrs[key])
                patches[index] = tuple(found)
        return patches

    def record(self, mark: tuple[int, int], patches: dict | None = None) -> Template | None:
        """The ops emitted since `mark` as a template that `replay` emits again in another
        block (its temporaries renumbered, the attributes in `patches` (from `settle`)
        computed from the pc it is replayed at), or None when they use a temporary made
        before `mark` (they are not self-contained)."""
        start, first = mark
        ops, results = [], first
        for index, op in enumerate(self.ops[start:]):
            if op.result is not None:
                if op.result.id != results:
                    return None                  # (results are numbered in order: never)
                results += 1
            args, remap = op.args, False
            for arg in args:
                if arg.__class__ is Temp:
                    if arg.id < first:
                        return None
                    remap = True
            if remap:       # a temporary as its index among the template's results
                args = tuple([a.id - first if a.__class__ is Temp else a for a in args])
            ops.append((op.name, args, op.attrs, None if op.result is None else op.result.type,
                        remap, patches.get(index) if patches else None))
        return Template(tuple(ops), self.closed)

    def replay(self, template: Template, pc: int = 0) -> None:
        """Emit a template's ops (sharing its constants and attribute dicts, which no one
        changes): what emitting them one by one gives, without the checks and the folding
        that were done when it was recorded. Its pc-relative attributes are computed from
        `pc`, the address of the instruction it is replayed for."""
        if self.closed:
            raise IRError(f"ops after the terminator of block {self.pc:#x}")
        ops, first = self.ops, self.ntemps
        temps: list[Temp] = []
        for name, args, attrs, rtype, remap, patches in template.ops:
            if remap:
                args = tuple([temps[a] if a.__class__ is int else a for a in args])
            if patches is not None:
                attrs = dict(attrs)
                for key, offset, masked in patches:
                    attrs[key] = (pc + offset) & _MASK64 if masked else pc + offset
            if rtype is None:
                ops.append(Op(name, args, attrs, None))
            else:
                result = temp(first + len(temps), rtype)
                temps.append(result)
                ops.append(Op(name, args, attrs, result))
        self.ntemps = first + len(temps)
        self.closed = template.closes

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


class Template(NamedTuple):
    """Ops recorded by `IRBuilder.record`: (name, args, attrs, result type or None, remap,
    patches) each, where a temporary argument is the index of the template op result it is
    (remap says the args hold one) and patches are the pc-relative attributes
    ((name, offset, masked), ...) or None; and whether the last op ends the block."""
    ops: tuple
    closes: bool


_MASK64 = (1 << 64) - 1


class PcRelative(int):
    """An attribute value that is a guest instruction's pc plus a constant (a branch target,
    a return address), as a frontend gives it its pc: then the instruction's IR can be
    recorded once and replayed at any pc (`settle`, `record`, `replay`). Adding or
    subtracting an int and masking to 64 bits keep it one; any other use raises TypeError,
    as a value that is some other function of the pc could not be replayed (a frontend
    that needs one reads the pc as a plain int, and the instruction gets no template)."""

    def __new__(cls, value: int, offset: int, masked: bool = False):
        self = super().__new__(cls, value)
        self.offset, self.masked = offset, masked
        return self

    def __add__(self, other):
        if other.__class__ is not int:
            return _opaque(self)
        return PcRelative(_plain(self) + other, self.offset + other, False)

    __radd__ = __add__

    def __sub__(self, other):
        if other.__class__ is not int:
            return _opaque(self)
        return PcRelative(_plain(self) - other, self.offset - other, False)

    def __and__(self, other):
        if other.__class__ is not int or other != _MASK64:
            return _opaque(self)
        return PcRelative(_plain(self) & _MASK64, self.offset & _MASK64, True)

    __rand__ = __and__


_plain = int.__int__                    # the int a PcRelative is (its own __int__ raises)


def _opaque(value: PcRelative, *args):
    raise TypeError(f"a pc-relative value ({_plain(value):#x}) can only be offset by an int "
                    f"or masked to 64 bits (read the pc as an int for anything else)")


for _dunder in ("__rsub__", "__or__", "__ror__", "__xor__", "__rxor__", "__lshift__",
                "__rlshift__", "__rshift__", "__rrshift__", "__mul__", "__rmul__",
                "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__truediv__",
                "__rtruediv__", "__pow__", "__rpow__", "__neg__", "__pos__", "__invert__",
                "__abs__", "__lt__", "__le__", "__gt__", "__ge__", "__divmod__",
                "__rdivmod__", "__eq__", "__ne__", "__hash__", "__bool__", "__int__",
                "__index__", "__float__", "__format__", "__str__", "__round__", "__trunc__",
                "__floor__", "__ceil__"):
    setattr(PcRelative, _dunder, _opaque)



_GET_ATTRS: dict[str, dict] = {}     # field -> the attrs of its `get`s
_SET_ATTRS: dict[str, dict] = {}     # field -> the attrs of its `set`s
_MISSING = object()
_DEFAULT_ATTRS = {"align": False}


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
