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
"""

from __future__ import annotations

from collections.abc import Callable

from .ir.block import Block

MAX_REGION_BLOCKS = 8           # a tier-1 region: blocks reachable from a pc with no translation
STATIC_REGION_BLOCKS = 32       # a region of static translation (compile time per block is
                                # lowest from about 32 blocks on: measured 0.30 ms at 8,
                                # 0.20 at 32, 0.21 at 64)
HOT_REGION_BLOCKS = 32          # a hot region is re-formed around its hot entry,
HOT_REGION_INSNS = 96           # up to this many guest instructions (-O2 time grows fast)


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
