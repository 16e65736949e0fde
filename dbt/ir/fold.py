"""Folding: the algebraic identities that guest idioms produce (li, mv, nop, `addi x0`).

Only rules whose result is obvious from the op table's definitions: an op with an identity
operand becomes that operand, and add/sub/mul/and/or/xor/shl/shr_u/extensions of constants
become constants, as do the carry and overflow of an addition of constants.
`fold_block` also folds arithmetic on guest code addresses (`pc_addr`), which stay addresses.
The builder applies `fold` to every op it emits; `fold_block` reapplies it after passes such
as state forwarding have exposed new constants.
"""

from __future__ import annotations

from .block import Block, Const, Op, Temp, substitute

_IDENTITY_RIGHT = {"add": 0, "sub": 0, "or": 0, "xor": 0, "shl": 0, "shr_u": 0, "shr_s": 0}
_IDENTITY_LEFT = {"add": 0, "or": 0, "xor": 0}
_FOLD = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "and": lambda a, b: a & b,
    "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b, "mul": lambda a, b: a * b,
}
_SHIFTS = {"shl": lambda a, n: a << n, "shr_u": lambda a, n: a >> n}   # n: modulo the width


def fold(op: Op):
    """A Value equal to op's result, or None when no rule applies."""
    rule = _RULES.get(op.name)
    return None if rule is None else rule(op)


def _fold_binary(op: Op):
    a, b = op.args
    if isinstance(b, Const):
        if isinstance(a, Const) and op.name in _FOLD:
            return Const(_FOLD[op.name](a.value, b.value), op.result.type)
        if isinstance(a, Const) and op.name in _SHIFTS:
            t = op.result.type
            return Const(_SHIFTS[op.name](a.value, b.value & (t.bits - 1)), t)
        if _IDENTITY_RIGHT.get(op.name) == b.value:
            return a
        if op.name == "and" and b.value == op.result.type.mask:
            return a
    if isinstance(a, Const) and _IDENTITY_LEFT.get(op.name) == a.value:
        return b
    return None


def _fold_extension(op: Op):
    a = op.args[0]
    if not isinstance(a, Const):
        return None
    return Const(a.signed() if op.name == "sext" else a.value, op.result.type)


def _fold_select(op: Op):
    cond, if_true, if_false = op.args
    if not isinstance(cond, Const):
        return None
    return if_true if cond.value else if_false


def _fold_carry(op: Op):
    a, b, carry = op.args
    if not (isinstance(a, Const) and isinstance(b, Const) and isinstance(carry, Const)):
        return None
    bits = a.type.bits
    if op.name == "add_carry":
        out = (a.value + b.value + carry.value) >> bits
    else:
        total = a.signed() + b.signed() + carry.value
        out = not -(1 << (bits - 1)) <= total < 1 << (bits - 1)
    return Const(int(out), op.result.type)


_RULES = {**{name: _fold_binary for name in (*_IDENTITY_RIGHT, *_IDENTITY_LEFT, *_FOLD)},
          "zext": _fold_extension, "trunc": _fold_extension, "sext": _fold_extension,
          "select": _fold_select, "add_carry": _fold_carry, "add_overflow": _fold_carry}


def fold_rule(name: str):
    """The folding function of an op (`fold` for ops of that name), or None if it has none."""
    return _RULES.get(name)


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
    addrs: dict[int, int] = {}            # temp id -> the guest code address it holds
    out: list[Op] = []
    for op in block.ops:
        if replace and op.args:
            op = substitute(op, replace)
        if addrs:
            op = fold_address(op, addrs)
        if op.name in ("jump_ind", "branch"):
            op = fold_exit(op)
        if op.result is not None:
            if op.name == "pc_addr":
                addrs[op.result.id] = op.attrs["addr"]
            value = fold(op)
            if value is not None and value.type is op.result.type:
                replace[op.result.id] = value
                continue
        out.append(op)
    return block.with_ops(out)


# A code address moves with the code by a page multiple: adding a constant to it, or masking
# bits below the page size off it (jalr's `& ~1`), gives a code address again.
_PAGE_BITS = 12


def fold_address(op: Op, addrs: dict[int, int]) -> Op:
    """`pc_addr` arithmetic (auipc + addi, a return address + offset, jalr's mask) as one
    `pc_addr`, and a computed jump to one as a jump: the idioms of pc-relative code."""
    args = op.args
    if op.name == "jump_ind" and isinstance(args[0], Temp) and args[0].id in addrs:
        return Op("jump", (), {"target": addrs[args[0].id]}, None)
    if op.name not in ("add", "sub", "and") or len(args) != 2:
        return op
    a, b = args
    if op.name == "add" and isinstance(a, Const):
        a, b = b, a
    if not (isinstance(a, Temp) and a.id in addrs and isinstance(b, Const)):
        return op
    mask = op.result.type.mask
    if op.name == "add":
        addr = (addrs[a.id] + b.value) & mask
    elif op.name == "sub":
        addr = (addrs[a.id] - b.value) & mask
    elif b.value | ((1 << _PAGE_BITS) - 1) == mask:
        addr = addrs[a.id] & b.value
    else:
        return op
    return Op("pc_addr", (), {"addr": addr}, op.result)
