"""Readable text for IR objects (used by `--trace ir`, error messages and tests)."""

from __future__ import annotations

from .ops import FP_DEFAULTS
from .types import Type


def _attr(value) -> str:
    if isinstance(value, Type):
        return value.name
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:#x}"
    return str(value)


def format_op(op) -> str:
    parts = [repr(a) for a in op.args]
    parts += [f"{k}={_attr(v)}" for k, v in op.attrs.items()      # (FP rules: when not
              if not (k == "type" and op.result) and FP_DEFAULTS.get(k) != v]   # the default)
    text = f"{op.name} {', '.join(parts)}".rstrip()
    if op.result is not None:
        return f"%{op.result.id}:{op.result.type.name} = {text}"
    return text


def format_block(block) -> str:
    lines = [f"block {block.pc:#x} ({block.ninsns} insns, ends {block.end_pc:#x}):"]
    for op in block.ops:
        indent = "  " if op.name == "insn" else "    "
        lines.append(indent + format_op(op))
    return "\n".join(lines)
