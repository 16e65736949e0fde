"""Writing LLVM IR as text: types, constants, and a function builder with fresh names.

Text is the cheapest way to hand a large module to LLVM from Python (one `parse_assembly`
instead of thousands of llvmlite.ir objects), and it is what `--trace llvm` prints.
"""

from __future__ import annotations

from dbt.ir.block import Const, Temp, Value
from dbt.ir.types import ALL_TYPES, F16, F32, F64, V128, Type


#: The LLVM spelling of each IR type.
LLTYPES = {t: {F16: "half", F32: "float", F64: "double", V128: "i128"}.get(t, f"i{t.bits}")
           for t in ALL_TYPES}


def lltype(t: Type) -> str:
    return LLTYPES[t]


def int_literal(value: int, bits: int) -> str:
    """An integer constant as LLVM spells it (signed decimal; i1 as true/false)."""
    value &= (1 << bits) - 1
    if bits == 1:
        return "true" if value else "false"
    return str(value - (1 << bits) if value >> (bits - 1) else value)


class FnBuilder:
    """Lines of one LLVM function under construction, with fresh SSA names and labels."""

    def __init__(self):
        self.lines: list[str] = []
        self.count = 0
        self.temp_prefix = "t"            # IR temps are %<prefix><id> (one prefix per block)
        self.names: dict[int, str] = {}   # temp id -> another name (a redone or joined value)
        self.current = ""                 # label of the basic block being written

    def tmp(self, hint: str = "v") -> str:
        self.count += 1
        return f"%{hint}{self.count}"

    def label(self, hint: str = "L") -> str:
        self.count += 1
        return f"{hint}{self.count}"

    def emit(self, line: str, *more: str) -> None:
        """Append instructions: one line, or several (kept as one entry of `lines`)."""
        if more:
            line = "\n  ".join((line, *more))
        self.lines.append("  " + line)

    def assign(self, expr: str, hint: str = "v") -> str:
        """Emit `<fresh name> = expr`; returns the name."""
        self.count += 1
        name = f"%{hint}{self.count}"
        self.lines.append(f"  {name} = {expr}")
        return name

    def start(self, label: str) -> None:
        self.lines.append(f"{label}:")
        self.current = label

    def value(self, v: Value) -> str:
        """The operand text of an IR value (float constants are materialised first)."""
        if isinstance(v, Temp):
            return self.names.get(v.id) or f"%{self.temp_prefix}{v.id}"
        assert isinstance(v, Const)
        t = v.type
        if t.is_float:
            return self.assign(f"bitcast i{t.bits} {int_literal(v.value, t.bits)} to {LLTYPES[t]}")
        return int_literal(v.value, t.bits)
