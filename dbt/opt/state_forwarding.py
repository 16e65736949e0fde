"""Guest-state forwarding inside a block.

* A `get` of a field whose value the block already knows (it was set or read earlier, and
  nothing in between may have changed it) is replaced by that value.
* A `set` that a later `set` of the same field overwrites is dropped, unless an op between
  them may leave the block early (a memory access, a trap): the state stays precise at every
  point where a guest fault or trap can be observed.

FP ops accrue exception flags into FP_FLAGS_FIELD, so they count as a read and a write of it.
"""

from __future__ import annotations

from ..ir.block import Block, Op, substitute
from ..ir.ops import FP_FLAGS_FIELD as _FLAGS_FIELD
from ..ir.ops import FPENV, MEM, OPS, TRAPS


def forward_state(block: Block) -> Block:
    ops = _forward_gets(block.ops)
    ops = drop_dead_sets(ops)
    return block.with_ops(ops)


_MAY_LEAVE = frozenset(name for name, d in OPS.items() if d.has(MEM) or d.has(TRAPS))
_ACCRUES_FLAGS = frozenset(name for name, d in OPS.items() if d.has(FPENV))


def _forward_gets(ops: list[Op]) -> list[Op]:
    known: dict[str, object] = {}
    replace: dict[int, object] = {}
    out: list[Op] = []
    for op in ops:
        if replace and op.args:
            op = substitute(op, replace)
        name = op.name
        if name == "get":
            field = op.attrs["field"]
            if field in known:
                replace[op.result.id] = known[field]
                continue
            known[field] = op.result
        elif name == "set":
            known[op.attrs["field"]] = op.args[0]
        elif name in _ACCRUES_FLAGS:
            known.pop(_FLAGS_FIELD, None)
        out.append(op)
    return out


def drop_dead_sets(ops: list[Op]) -> list[Op]:
    dead: set[int] = set()
    pending: dict[str, int] = {}          # field -> index of its last set not yet read
    for index, op in enumerate(ops):
        name = op.name
        if name in _MAY_LEAVE:
            pending.clear()
        if name == "get":
            pending.pop(op.attrs["field"], None)
        elif name in _ACCRUES_FLAGS:
            pending.pop(_FLAGS_FIELD, None)
        elif name == "set":
            field = op.attrs["field"]
            if field in pending:
                dead.add(pending[field])
            pending[field] = index
    if not dead:
        return ops
    return [op for index, op in enumerate(ops) if index not in dead]
