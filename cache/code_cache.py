"""The translation cache: guest pc -> translation, with the guest pages each one was made from.

Backends keep whatever they execute in `entries` (the interpreter a compiled Python function,
a JIT a native entry point) and look it up directly in their dispatch loop. The cache knows
which guest pages every translation read, so that a remap or reprotection of a range drops
exactly the translations it touches, and it counts what happened for `--stats`.
"""

from __future__ import annotations


PAGE_SHIFT = 12


class CacheStats:
    __slots__ = ("translations", "invalidated", "flushes")

    def __init__(self):
        self.translations = 0      # entries ever inserted
        self.invalidated = 0       # entries dropped because their guest code changed
        self.flushes = 0           # whole-cache flushes (fence.i)


class CodeCache:
    def __init__(self):
        self.entries: dict[int, object] = {}     # guest pc -> translation (backend's object)
        self.extents: dict[int, tuple[int, int]] = {}   # guest pc -> [start, end) of its code
        self.pages: dict[int, set[int]] = {}     # guest page -> pcs with code on it
        self.stats = CacheStats()

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, pc: int):
        return self.entries.get(pc)

    def insert(self, pc: int, start: int, end: int, entry) -> None:
        """Remember `entry`, translated from the guest bytes [start, end)."""
        self.entries[pc] = entry
        self.extents[pc] = (start, end)
        for page in range(start >> PAGE_SHIFT, ((end - 1) >> PAGE_SHIFT) + 1):
            self.pages.setdefault(page, set()).add(pc)
        self.stats.translations += 1

    def discard(self, pc: int) -> None:
        """Forget the translation at pc (its page index entries go stale, harmlessly)."""
        if self.entries.pop(pc, None) is not None:
            del self.extents[pc]

    def invalidate(self, addr: int, length: int) -> list[tuple[int, object]]:
        """Drop every translation made from a page of [addr, addr+length); return the
        dropped (pc, entry) pairs."""
        first, last = addr >> PAGE_SHIFT, (addr + length - 1) >> PAGE_SHIFT
        if last - first > len(self.pages):
            pages = [p for p in self.pages if first <= p <= last]
        else:
            pages = [p for p in range(first, last + 1) if p in self.pages]
        dropped = []
        for page in pages:
            for pc in self.pages.pop(page):
                entry = self.entries.pop(pc, None)
                if entry is not None:
                    del self.extents[pc]
                    self.stats.invalidated += 1
                    dropped.append((pc, entry))
        return dropped

    def flush(self) -> None:
        self.entries.clear()
        self.extents.clear()
        self.pages.clear()
        self.stats.flushes += 1
