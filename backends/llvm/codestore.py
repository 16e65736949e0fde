"""Translations in executable memory: linked regions placed in an arena, found by guest pc,
entered in the dispatcher's jump cache, and dropped when the guest code they were made from
changes (or all at once, on a flush).

A region is one function (objlink.Blob) for a set of guest blocks; each of its blocks is an
entry point. Its data sits beside its code: `<name>.bias`, the address its guest pcs are
relative to (written here when it is placed), and in tier 1 `<name>.counter` and
`<name>.seen` (a byte per block, set when the block runs), which the engine reads.
"""

from __future__ import annotations

import ctypes
from collections import namedtuple

from dbt.cache.code_cache import CodeCache

from .codemem import SYMBOLS, CodeArena
from .objlink import Blob, fault_pc, link


class BlockSpan(namedtuple("BlockSpan", "pc end_pc ninsns")):
    """What is kept of a block whose IR is not at hand (translated elsewhere)."""
    __slots__ = ()


class Region:
    """A region placed in memory."""
    __slots__ = ("id", "name", "blocks", "address", "counter", "seen", "hot", "text",
                 "text_size", "bias", "tally")

    def __init__(self, id: int, name: str, blocks: list, address: int, counter: int = 0,
                 seen: int = 0, hot: bool = False, text: int = 0, text_size: int = 0,
                 bias: int = 0):
        self.id = id
        self.name = name
        self.blocks = blocks         # Block, or BlockSpan
        self.address = address       # the function
        self.counter = counter       # address of its tier-1 counter (0: it has none)
        self.seen = seen             # address of its "seen" bytes (0: none)
        self.hot = hot
        self.text = text             # its blob's text (objlink: code ... pc trailer)
        self.text_size = text_size
        self.bias = bias             # what its guest pc offsets are relative to
        self.tally = (0, 0)          # addresses of a trace's entry and exit counts (0: none)

    def fault_pc(self, host_pc: int) -> int | None:
        """The guest pc of the access at `host_pc` if it is in this region's code."""
        offset = fault_pc(self.text, self.text_size, host_pc)
        return None if offset is None else self.bias + offset

    @property
    def count(self) -> int:
        return ctypes.c_uint64.from_address(self.counter).value if self.counter else 0

    @count.setter
    def count(self, value: int) -> None:
        if self.counter:
            ctypes.c_uint64.from_address(self.counter).value = value

    def tallies(self) -> tuple[int, int]:
        """(entries, exits) of a region that counts them (a trace), else (0, 0)."""
        return tuple(ctypes.c_uint64.from_address(a).value if a else 0 for a in self.tally)

    def ran(self) -> list[bool]:
        """Whether each block has run (all of them, for a region without "seen" bytes)."""
        if not self.seen:
            return [True] * len(self.blocks)
        return [bool(b) for b in ctypes.string_at(self.seen, len(self.blocks))]


class CodeStore:
    """The regions of one engine."""

    def __init__(self, native, size: int):
        self.native = native                   # its jump cache is kept in step
        self.arena = CodeArena(size)
        self.retired: list[CodeArena] = []     # arenas flushed while threads ran (kept)
        self.code = CodeCache()                # block pc -> Region that enters there
        self.regions: dict[int, Region] = {}
        self.block_regions: dict[int, set[int]] = {}   # block pc -> regions that inline it
        self.next_id = 0

    @property
    def used(self) -> int:
        """Bytes of host code and data placed since the last flush."""
        return self.arena.used

    def get(self, pc: int) -> Region | None:
        return self.code.get(pc)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def place(self, region_id: int, name: str, obj: bytes, blocks: list, bias: int,
              hot: bool = False) -> tuple[Region, Blob]:
        """Link an object file of the region function `name`, place it, and enter its
        blocks; return the region and the blob it was placed from."""
        blob = link(obj)
        at = self.arena.place(blob, SYMBOLS)
        ctypes.c_uint64.from_address(at.address(blob.symbols[f"{name}.bias"])).value = bias
        region = Region(region_id, name, blocks, at.address(blob.symbols[name]),
                        _data(blob, at, f"{name}.counter"), _data(blob, at, f"{name}.seen"),
                        hot, at.text, blob.split, bias)
        region.tally = (_data(blob, at, f"{name}.entries"), _data(blob, at, f"{name}.exits"))
        self.install(region)
        return region, blob

    def install(self, region: Region) -> None:
        self.regions[region.id] = region
        for block in region.blocks:
            self.code.insert(block.pc, block.pc, block.end_pc, region)
            self.native.set_entry(block.pc, region.address)
            self.block_regions.setdefault(block.pc, set()).add(region.id)

    def flush(self, threads: bool = False) -> None:
        """Drop every region and the memory they used. With `threads` (other guest threads may
        be running the regions natively now), the memory is not given back: the store goes
        on in a new arena, and the old one is kept as long as the process lives."""
        self.native.clear_jump_cache()
        self.code.flush()
        self.regions.clear()
        self.block_regions.clear()
        if threads:
            self.retired.append(self.arena)
            self.arena = CodeArena(self.arena.size)
        else:
            self.arena.reset()

    def drop_hot(self) -> None:
        """Drop every hot region (hot code made without a guarantee the guest now needs). A
        block that a tier-1 region enters too is entered there again; any other block misses
        and is translated again."""
        hot = [region for region in self.regions.values() if region.hot]
        for region in hot:
            del self.regions[region.id]
        for region in hot:
            for block in region.blocks:
                ids = self.block_regions.get(block.pc, set())
                ids.discard(region.id)
                entry = self.code.get(block.pc)
                if entry is None or entry.id != region.id:
                    continue
                self.code.discard(block.pc)
                self.native.forget(block.pc)
                for other in filter(None, map(self.regions.get, ids)):
                    self.code.insert(block.pc, block.pc, block.end_pc, other)
                    self.native.set_entry(block.pc, other.address)
                    break

    def invalidate(self, addr: int, length: int) -> bool:
        """Drop the regions made from guest code in [addr, addr+length): a region inlines all
        its blocks, so every block of a region that lost one goes too. True if any went."""
        dropped = self.code.invalidate(addr, length)
        ids = set().union(*(self.block_regions.get(pc, ()) for pc, _ in dropped))
        for region_id in ids:
            for block in self.regions.pop(region_id).blocks:
                self.block_regions.get(block.pc, set()).discard(region_id)
                entry = self.code.get(block.pc)
                if entry is not None and entry.id == region_id:
                    self.code.discard(block.pc)
                self.native.forget(block.pc)
        for pc, _ in dropped:
            self.native.forget(pc)
        return bool(dropped)

    def close(self) -> None:
        self.arena.close()


def _data(blob: Blob, at, symbol: str) -> int:
    offset = blob.symbols.get(symbol)
    return 0 if offset is None else at.address(offset)
