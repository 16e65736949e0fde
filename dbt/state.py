"""GuestState and its Layout: named 64-bit slots, laid out per guest ISA, shared by the backends.

Every field occupies one 8-byte slot at `offset = 8 * slot`; native code addresses the state as
an array of 64-bit words, the interpreter as a Python list indexed by the same slot numbers, so a
run can move between them at any block boundary (`to_bytes` / `load_bytes`). Fields never
overlap: a 128-bit AArch64 vector register is the pair (f<n>, vhi<n>).

A `Layout` is made from the fields an `Arch` declares (`Arch.state_fields`), after the COMMON
fields that the IR, the runtime and native code need for every ISA: those come first, at the
same slots in every layout (`COMMON_SLOTS`), so the native dispatcher addresses them at constant
offsets. Nothing here knows an ISA: a layout exists once a frontend asks for one (`layout_of`).
IR blocks carry the layout they were lifted for, and backends compile them against it; its
`digest` goes into the keys of translations kept on disk.
"""

from __future__ import annotations

import functools
import _sha256
from collections import namedtuple

from .ir.ops import FP_FLAGS_FIELD
from .ir.types import I64, Type

SLOT_BYTES = 8
NO_RESERVATION = (1 << 64) - 1

# Fields of every layout, in this order from slot 0.
COMMON_FIELDS: tuple[tuple[str, Type], ...] = (
    ("pc", I64),
    ("exit_reason", I64),             # why native code left, and where
    ("fault_addr", I64),
    ("icount", I64),                  # guest instructions run natively
    ("jcache", I64),                  # native code's jump cache, or 0
    ("res_addr", I64),                # the load-reserved / exclusive reservation
    ("res_val", I64),
    (FP_FLAGS_FIELD, I64),            # FP exception flags, in the IR's bit order (ir/ops.py)
    ("interrupt", I64),               # nonzero: a signal for a guest handler is pending, and
                                      # native code leaves at its next backward branch
)
COMMON_SLOTS: dict[str, int] = {name: i for i, (name, _) in enumerate(COMMON_FIELDS)}


class Field(namedtuple("Field", "name slot type")):
    """A named 64-bit slot of the state, and the IR type of what it holds."""
    __slots__ = ()

    @property
    def offset(self) -> int:
        return self.slot * SLOT_BYTES


class Layout:
    """The fields of one guest's state: name -> Field. `layout[name]` is the Field,
    `layout.slot(name)` its slot, `nslots` the size of the slot array, `digest` a SHA-256
    (hex) of every field's name, slot and type. Layouts with the same fields are equal."""

    __slots__ = ("fields", "nslots", "digest", "arch_fields")

    def __init__(self, arch_fields: tuple[tuple[str, Type], ...] = ()):
        self.arch_fields = tuple(arch_fields)
        names = COMMON_FIELDS + self.arch_fields
        self.fields: dict[str, Field] = {}
        for slot, (name, t) in enumerate(names):
            if name in self.fields:
                raise ValueError(f"state field {name!r} declared twice")
            self.fields[name] = Field(name, slot, t)
        self.nslots = len(names)
        text = ",".join(f"{f.name}:{f.slot}:{f.type.name}" for f in self.fields.values())
        self.digest = _sha256.sha256(text.encode()).hexdigest()

    def __getitem__(self, name: str) -> Field:
        return self.fields[name]

    def __contains__(self, name: str) -> bool:
        return name in self.fields

    def __iter__(self):
        return iter(self.fields.values())

    def __len__(self) -> int:
        return self.nslots

    def slot(self, name: str) -> int:
        return self.fields[name].slot

    def __eq__(self, other) -> bool:
        return self is other or isinstance(other, Layout) and self.digest == other.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __reduce__(self):
        return (layout_of, (self.arch_fields,))

    def __repr__(self) -> str:
        return f"<Layout {self.nslots} slots {self.digest[:12]}>"


@functools.cache
def layout_of(arch_fields: tuple[tuple[str, Type], ...]) -> Layout:
    """The layout of the common fields followed by `arch_fields` (one object per field list)."""
    return Layout(arch_fields)


class GuestState:
    """The guest CPU state. `regs` is the slot array of `layout`: a list of Python ints
    (unsigned), or, once a native engine runs the state in place, a memoryview of its 64-bit
    slots (indexed the same way)."""

    __slots__ = ("regs", "layout")

    def __init__(self, layout: Layout):
        self.layout = layout
        self.regs = [0] * layout.nslots
        self.reset()

    def reset(self) -> None:
        """Every slot as a new state has it (in place: an engine may hold the slots)."""
        for i in range(self.layout.nslots):
            self.regs[i] = 0
        self.regs[COMMON_SLOTS["res_addr"]] = NO_RESERVATION

    def __getitem__(self, name: str) -> int:
        return self.regs[self.layout.fields[name].slot]

    def __setitem__(self, name: str, value: int) -> None:
        field = self.layout.fields[name]
        self.regs[field.slot] = value & field.type.mask

    @property
    def pc(self) -> int:
        return self.regs[_PC]

    @pc.setter
    def pc(self, value: int) -> None:
        self.regs[_PC] = value

    def to_bytes(self) -> bytes:
        return b"".join(v.to_bytes(SLOT_BYTES, "little") for v in self.regs)

    def load_bytes(self, data: bytes) -> None:
        for i in range(self.layout.nslots):
            self.regs[i] = int.from_bytes(data[i * SLOT_BYTES:(i + 1) * SLOT_BYTES], "little")


_PC = COMMON_SLOTS["pc"]
