"""Folding: the algebraic identities that guest idioms produce (li, mv, nop, `addi x0`).

Only rules whose result is obvious from the op table's definitions: an op with an identity
operand becomes that operand, and add/sub/and/or/xor/extensions of constants become constants.
The builder applies `fold` to every op it emits; `fold_block` reapplies it after passes such
as state forwarding have exposed new constants.
"""

from __future__ import annotations

from .block import Block, Const, Op, Temp

_IDENTITY_RIGHT = {"add": 0, "sub": 0, "or": 0, "xor": 0, "shl": 0, "shr_u": 0, "shr_s": 0}
_IDENTITY_LEFT = {"add": 0, "or": 0, "xor": 0}
_FOLD = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "and": lambda a, b: a & b,
    "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b,
}


def fold(op: Op):
    """A Value equal to op's result, or None when no rule applies."""
    args = op.args
    if op.name in _FOLD and all(isinstance(a, Const) for a in args):
        return Const(_FOLD[op.name](args[0].value, args[1].value), op.result.type)
    if len(args) == 2 and isinstance(args[1], Const):
        if _IDENTITY_RIGHT.get(op.name) == args[1].value:
            return args[0]
        if op.name == "and" and args[1].value == op.result.type.mask:
            return args[0]
    if len(args) == 2 and isinstance(args[0], Const):
        if _IDENTITY_LEFT.get(op.name) == args[0].value:
            return args[1]
    if op.name in ("zext", "trunc") and isinstance(args[0], Const):
        return Const(args[0].value, op.result.type)
    if op.name == "sext" and isinstance(args[0], Const):
        return Const(args[0].signed(), op.result.type)
    if op.name == "select" and isinstance(args[0], Const):
        return args[1] if args[0].value else args[2]
    return None


def fold_exit(op: Op) -> Op:
    """A computed jump to a constant is a jump; a branch on a constant is a jump."""
    if op.name == "jump_ind" and isinstance(op.args[0], Const):
        return Op("jump", (), {"target": op.args[0].value}, None)
    if op.name == "branch" and isinstance(op.args[0], Const):
        target = op.attrs["taken"] if op.args[0].value else op.attrs["fallthrough"]
        return Op("jump", (), {"target": target}, None)
    return op


def fold_block(block: Block) -> Block:
    replace: dict[int, object] = {}
    out: list[Op] = []
    for op in block.ops:
        if replace and any(isinstance(a, Temp) and a.id in replace for a in op.args):
            op = Op(op.name, tuple(replace.get(a.id, a) if isinstance(a, Temp) else a
                                   for a in op.args), op.attrs, op.result)
        if op.name in ("jump_ind", "branch"):
            op = fold_exit(op)
        if op.result is not None:
            value = fold(op)
            if value is not None and value.type is op.result.type:
                replace[op.result.id] = value
                continue
        out.append(op)
    return Block(block.pc, out, block.ninsns, block.end_pc, block.ntemps)
