"""IR objects: values (constants and SSA temporaries), ops, and blocks.

A Block is the lifted form of a run of guest instructions starting at one pc. It is a straight
line of ops: `insn` markers open each guest instruction, and exactly one terminator (jump,
branch, jump_ind, exit or trap) ends it. Loads and stores may leave it early through a guest
fault, `trap_if` and FP ops through an illegal-instruction trap.
"""

from __future__ import annotations

from .types import Type

TYPE_CHECKING = False                  # (typing.TYPE_CHECKING without importing typing)
if TYPE_CHECKING:
    from ..state import Layout


class Value:
    __slots__ = ("type",)


class Const(Value):
    """An immediate. `value` is the unsigned bit pattern (floats as IEEE bits)."""

    __slots__ = ("value",)

    def __init__(self, value: int, type: Type):
        self.type = type
        self.value = value & type.mask

    def signed(self) -> int:
        v, bits = self.value, self.type.bits
        return v - (1 << bits) if v >> (bits - 1) else v

    def __repr__(self) -> str:
        if self.value < 10:
            return f"{self.value}:{self.type.name}"
        return f"{self.value:#x}:{self.type.name}"

    def __eq__(self, other) -> bool:
        return isinstance(other, Const) and other.value == self.value and other.type is self.type

    def __hash__(self) -> int:
        return hash((self.value, self.type.name))


class Temp(Value):
    """An SSA temporary, defined by exactly one op of its block."""

    __slots__ = ("id",)

    def __init__(self, id: int, type: Type):
        self.id = id
        self.type = type

    def __repr__(self) -> str:
        return f"%{self.id}"


def temp(id: int, type: Type) -> Temp:
    """Temporary `id` of `type`, one shared object per (id, type): a temporary is immutable
    and known by its id, so blocks can share them, which spares an allocation per op and the
    garbage collector the work of tracking it (every lifted block's IR lives on)."""
    try:
        return _TEMPS[type][id]
    except (KeyError, IndexError):
        pool = _TEMPS.setdefault(type, [])
        pool.extend(Temp(i, type) for i in range(len(pool), id + 1))
        return pool[id]


_TEMPS: dict[Type, list[Temp]] = {}


class Op:
    """One IR operation. `attrs` holds the static attributes named by the op table."""

    __slots__ = ("name", "args", "attrs", "result")

    def __init__(self, name: str, args: tuple, attrs: dict, result: Temp | None):
        self.name = name
        self.args = args
        self.attrs = attrs
        self.result = result

    def __repr__(self) -> str:
        from .printer import format_op
        return format_op(self)


def substitute(op: Op, replace: dict) -> Op:
    """op with the temporaries that `replace` maps (by id) replaced; op itself if it uses none."""
    for arg in op.args:
        if isinstance(arg, Temp) and arg.id in replace:
            return Op(op.name, tuple(replace.get(a.id, a) if isinstance(a, Temp) else a
                                     for a in op.args), op.attrs, op.result)
    return op


class Block:
    """A lifted guest block: `ops` ends with its single terminator; its `get`/`set` ops name
    fields of `layout` (a dbt.state.Layout: the guest's, which backends compile it against)."""

    __slots__ = ("pc", "ops", "ninsns", "end_pc", "ntemps", "layout")

    def __init__(self, pc: int, ops: list[Op], ninsns: int, end_pc: int, ntemps: int,
                 layout: Layout):
        self.pc = pc
        self.ops = ops
        self.ninsns = ninsns      # guest instructions in the block
        self.end_pc = end_pc      # address just past the last guest instruction
        self.ntemps = ntemps
        self.layout = layout

    def with_ops(self, ops: list[Op]) -> Block:
        """The same block with other ops (what a pass made of them)."""
        return Block(self.pc, ops, self.ninsns, self.end_pc, self.ntemps, self.layout)

    @property
    def exit(self) -> Op:
        return self.ops[-1]

    def insn_pcs(self) -> list[int]:
        return [op.attrs["pc"] for op in self.ops if op.name == "insn"]

    def __repr__(self) -> str:
        from .printer import format_block
        return format_block(self)
