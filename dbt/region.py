"""Region formation: which lifted guest blocks are translated together.

A region is a set of guest blocks compiled as one unit, in which a branch from one block to
another is a branch inside the unit. These are pure functions over lifted blocks (`Block`): the
caller says how to lift a pc and which pcs a region must not take. The dynamic engine, the
helper process that translates ahead, and static translation form their regions here.

- `form_region`: blocks reachable from a pc through static successors (branch and jump targets,
  fall-throughs, the return point of a syscall), breadth first, up to a number of blocks and
  optionally of guest instructions.
- `successors`, `region_exits`: the edges that formation follows, and the pcs a region may
  leave to (likeliest first), which are worth translating next.
- `static_regions`: the regions of static translation, which has every block of a file
  (dbt/discover.py): runs of blocks in address order, cut where a function starts.
- `record_trace`: Dynamo's traces for hot code: the path that actually runs next from a hot
  pc (across calls, returns and indirect jumps), block after block, until it closes a loop.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable

from .ir.block import Block

MAX_REGION_BLOCKS = 8           # a tier-1 region: blocks reachable from a pc with no translation
STATIC_REGION_BLOCKS = 32       # a region of static translation (compile time per block is
                                # lowest from about 32 blocks on: measured 0.30 ms at 8,
                                # 0.20 at 32, 0.21 at 64)
HOT_REGION_BLOCKS = 32          # a hot region is re-formed around its hot entry,
HOT_REGION_INSNS = 96           # up to this many guest instructions (-O2 time grows fast)
TRACE_BLOCKS = 64               # a trace: at most this many blocks
TRACE_INSNS = 256               # ... and about this many guest instructions


def successors(block: Block) -> list[int]:
    """The pcs a block continues at that are known statically."""
    exit = block.exit
    if exit.name == "jump":
        return [exit.attrs["target"]]
    if exit.name == "branch":
        return [exit.attrs["taken"], exit.attrs["fallthrough"]]
    if exit.name == "exit":
        return [exit.attrs["next_pc"]]
    return []


def region_exits(blocks) -> list[int]:
    """The pcs a region's blocks may go to outside it, likeliest first: branch and jump
    targets, then the return points after blocks that end in a jump (where calls return)."""
    inside = {b.pc for b in blocks}
    out = [s for b in blocks for s in successors(b) if s not in inside]
    out += [b.end_pc for b in blocks if b.exit.name in ("jump", "jump_ind")
            and b.end_pc not in inside]
    return list(dict.fromkeys(out))


def form_region(pc: int, lift: Callable[[int], Block], stop: Callable[[int], bool],
                limit: int = MAX_REGION_BLOCKS, budget: int | None = None) -> list[Block]:
    """The blocks reachable from `pc` by static successors, breadth first: at most `limit`
    blocks and (with a `budget`) about that many guest instructions; a pc for which `stop`
    is true is left out (the region leaves to it), unless it is `pc` itself."""
    blocks: dict[int, Block] = {}
    work = [pc]
    left = budget if budget is not None else 1 << 62
    while work and len(blocks) < limit and left > 0:
        p = work.pop(0)
        if p in blocks or (p != pc and stop(p)):
            continue
        block = lift(p)
        left -= block.ninsns
        blocks[p] = block
        work.extend(successors(block))
    return list(blocks.values())


def static_regions(pcs: list[int], cuts: list[int],
                   limit: int = STATIC_REGION_BLOCKS) -> list[list[int]]:
    """Block pcs grouped into regions: in address order, at most `limit` blocks each, a new
    region at each pc of `cuts` (function starts), so that a region keeps to one function
    and its loops stay inside it."""
    cuts = sorted(cuts)
    regions: list[list[int]] = []
    at, next_cut = 0, None
    for pc in sorted(pcs):
        while at < len(cuts) and cuts[at] <= pc:
            at += 1
            next_cut = None             # crossed a function start
        if not regions or len(regions[-1]) >= limit or next_cut is None:
            regions.append([])
            next_cut = cuts[at] if at < len(cuts) else 1 << 64
        regions[-1].append(pc)
    return regions


class Trace(namedtuple("Trace", "blocks next_pc reason closed")):
    """A recorded path: its blocks in the order they ran (each pc once), where the guest went
    on after the last one and why recording stopped (a `step` reason: "jump", or the
    runtime's exit), and whether the path came back to its first block (a loop: compiled
    as one, it loops inside its function)."""
    __slots__ = ()


def record_trace(pc: int, step: Callable[[int], tuple], stop: Callable[[int], bool],
                 limit: int = TRACE_BLOCKS, budget: int = TRACE_INSNS) -> Trace:
    """Dynamo's trace selection (next executing tail): run the blocks from the hot `pc` with
    `step(pc) -> (reason, next pc, block)`, which really executes them (the guest goes on),
    and keep them in the order they ran, until the path

    - comes back to its head (`closed`) or to a block it holds already,
    - takes a backward direct branch (the end of some loop's body),
    - reaches a pc for which `stop` is true (code the trace must not take: another trace
      starts there, say; it is reached through the dispatcher),
    - leaves for the runtime (a syscall, a trap: `step`'s reason is not "jump"),
    - or holds `limit` blocks or about `budget` guest instructions.

    Calls, returns and indirect jumps are followed as they went: the path is a guess about
    the next runs, which the compiled trace checks at each branch (a side exit when a run
    goes another way)."""
    head, blocks, left = pc, {}, budget
    while True:
        reason, next_pc, block = step(pc)
        blocks[pc] = block
        left -= block.ninsns
        if reason != "jump":
            return Trace(list(blocks.values()), next_pc, reason, False)
        backward = block.exit.name in ("branch", "jump") and next_pc <= block.pc
        if (next_pc == head or next_pc in blocks or backward or stop(next_pc)
                or len(blocks) >= limit or left <= 0):
            return Trace(list(blocks.values()), next_pc, reason, next_pc == head)
        pc = next_pc
