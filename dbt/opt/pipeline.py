"""The default pipeline run on every lifted block, as one walk over its ops.

`optimize(block)` gives what `fold_block(forward_state(block))` gives, op for op (a test holds
it to that): state forwarding (`get`s of known fields replaced, overwritten `set`s dropped)
then folding (constants and identities, `pc_addr` arithmetic, exits on constants). Every block
of a program goes through it, so the two passes are fused: one walk substitutes, forwards and
folds, a second (over `set`s only, with nothing to do in most blocks) drops dead stores.

Fusing them is sound because folding never removes or makes an op that forwarding looks at
(`get`, `set`, memory accesses, traps, ops that accrue FP flags): what reaches `fold_block`
after forwarding is the fused walk's output, and a forwarded value is the one folding would
have put in its place.
"""

from __future__ import annotations

from ..ir.block import Block, Temp, substitute
from ..ir.fold import fold_address, fold_exit, fold_rule
from ..ir.ops import OPS
from .state_forwarding import _ACCRUES_FLAGS, _FLAGS_FIELD, drop_dead_sets

_RULES = {name: rule for name in OPS if (rule := fold_rule(name)) is not None}
_EXITS = frozenset({"jump_ind", "branch"})


def optimize(block: Block) -> Block:
    known: dict[str, object] = {}         # state field -> the value it holds
    replace: dict[int, object] = {}       # temp id -> the value that replaces it
    addrs: dict[int, int] = {}            # temp id -> the guest code address it holds
    written: set[str] = set()             # fields set so far
    out = []
    overwritten = False                   # a field set twice: only then can a set be dead
    rules = _RULES
    for op in block.ops:
        name = op.name
        if name == "insn":
            out.append(op)
            continue
        args = op.args
        if args and replace:
            for arg in args:
                if arg.__class__ is Temp and arg.id in replace:
                    op = substitute(op, replace)
                    args = op.args
                    break
        if name == "get":
            field = op.attrs["field"]
            value = known.get(field)
            if value is not None:
                replace[op.result.id] = value
                continue
            known[field] = op.result
        elif name == "set":
            field = op.attrs["field"]
            known[field] = args[0]
            if field in written:
                overwritten = True
            written.add(field)
        else:
            if name in _ACCRUES_FLAGS:
                known.pop(_FLAGS_FIELD, None)
            if addrs:
                op = fold_address(op, addrs)
                name = op.name
            if name in _EXITS:
                op = fold_exit(op)
            result = op.result
            if result is not None:
                if name == "pc_addr":
                    addrs[result.id] = op.attrs["addr"]
                rule = rules.get(name)
                if rule is not None:
                    value = rule(op)
                    if value is not None and value.type is result.type:
                        replace[result.id] = value
                        continue
        out.append(op)
    if overwritten:
        out = drop_dead_sets(out)
    return block.with_ops(out)
