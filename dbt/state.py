"""GuestState: one fixed layout of named 64-bit slots shared by every backend and every ISA.

Every field occupies one 8-byte slot at `offset = 8 * slot`; native code addresses the state as
an array of 64-bit words, the interpreter as a Python list indexed by the same slot numbers, so a
run can move between them at any block boundary (`to_bytes` / `load_bytes`). Fields never
overlap: a 128-bit AArch64 vector register is the pair (f<n>, vhi<n>).
"""

from __future__ import annotations

from collections import namedtuple

from .ir.types import I1, I64, Type

SLOT_BYTES = 8


class Field(namedtuple("Field", "name slot type")):
    """A named 64-bit slot of the state, and the IR type of what it holds."""
    __slots__ = ()

    @property
    def offset(self) -> int:
        return self.slot * SLOT_BYTES


def _build_layout() -> dict[str, Field]:
    names: list[tuple[str, Type]] = []
    names += [(f"x{i}", I64) for i in range(32)]          # integer registers
    names += [("pc", I64)]
    names += [(f"f{i}", I64) for i in range(32)]          # FP registers / low half of V regs
    names += [(f"vhi{i}", I64) for i in range(32)]        # high half of 128-bit V regs
    names += [("fpflags", I64), ("frm", I64)]             # IR flag bits, IR rounding mode
    names += [("n", I1), ("z", I1), ("c", I1), ("v", I1)]  # AArch64 NZCV
    names += [("fpcr", I64), ("fpsr", I64), ("tpidr", I64)]  # AArch64 system registers
    names += [("res_addr", I64), ("res_val", I64)]        # load-reserved reservation
    names += [("exit_reason", I64), ("fault_addr", I64)]   # why native code left, and where
    names += [("icount", I64)]                            # guest instructions run natively
    names += [("jcache", I64)]                            # native code's jump cache, or 0
    return {name: Field(name, slot, t) for slot, (name, t) in enumerate(names)}


LAYOUT: dict[str, Field] = _build_layout()
NSLOTS = len(LAYOUT)
NO_RESERVATION = (1 << 64) - 1


def slot(name: str) -> int:
    return LAYOUT[name].slot


class GuestState:
    """The guest CPU state. `regs` is the slot array: a list of Python ints (unsigned), or,
    once a native engine runs the state in place, a memoryview of its 64-bit slots (indexed
    the same way)."""

    __slots__ = ("regs",)

    def __init__(self):
        self.regs = [0] * NSLOTS
        self.reset()

    def reset(self) -> None:
        """Every slot as a new state has it (in place: an engine may hold the slots)."""
        for i in range(NSLOTS):
            self.regs[i] = 0
        self.regs[slot("res_addr")] = NO_RESERVATION

    def __getitem__(self, name: str) -> int:
        return self.regs[LAYOUT[name].slot]

    def __setitem__(self, name: str, value: int) -> None:
        field = LAYOUT[name]
        self.regs[field.slot] = value & field.type.mask

    @property
    def pc(self) -> int:
        return self.regs[LAYOUT["pc"].slot]

    @pc.setter
    def pc(self, value: int) -> None:
        self.regs[LAYOUT["pc"].slot] = value

    def to_bytes(self) -> bytes:
        return b"".join(v.to_bytes(SLOT_BYTES, "little") for v in self.regs)

    def load_bytes(self, data: bytes) -> None:
        for i in range(NSLOTS):
            self.regs[i] = int.from_bytes(data[i * SLOT_BYTES:(i + 1) * SLOT_BYTES], "little")
