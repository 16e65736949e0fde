"""Guest code grouped by the file it comes from: what translations can be kept on disk, and
the images of the persistent cache (image.py) that already hold some.

A unit is a guest file mapped at one load bias (`mapping.start - mapping.offset`). Code in a
mapping of a file that no byte of has changed since it was mapped (never writable: see
`Mapping.written`) is the file's own code: its translations are kept in the file's image,
keyed by the file's bytes (cache/disk.py remembers the digest of each file by its identity)
and by everything else code depends on (cachekey.py). Any other code (anonymous memory, a
written page) is translated as before and never kept.

- `prepare(pc)`: the first time code of a unit runs, its image (if any) is loaded and its
  mappings are given to the dispatcher's unit tables, so that the native code finds every
  block the image holds without Python.
- `key_of(pc)`: a region keeps to code of one unit (a region is kept whole or not at all).
- `record(...)`: a region translated now from a unit's code joins the unit's image when the
  run ends (`save`): the old image's regions and the new ones, written atomically.
- `invalidate`: a mapping of a unit that goes away or changes takes the unit's image out of
  the dispatcher, and its memory with it.
"""

from __future__ import annotations

import time

from dbt.memory import Mapping

from .image import (KIND_HOT, KIND_STATIC, KIND_TIER1, Image, ImageError, ImageRegion,
                    LoadedImage, merged)

_KINDS = {"tier1": KIND_TIER1, "static": KIND_STATIC, "hot": KIND_HOT}


# Images placed in memory by a run that has ended in this process (the image an execve
# replaced: linux.spawn.ExecImage; in a shell's forked child, those of the shell itself):
# image key -> (the cache entry's identity when it was read, the LoadedImage). The next run
# here takes one instead of reading, checking and placing it again, while the entry is the
# one it was read from (an update writes a new file: a new inode).
_KEPT: dict[str, tuple[tuple, LoadedImage]] = {}


class Unit:
    """A guest file mapped at one bias, whose code ran."""
    __slots__ = ("file", "bias", "key", "loaded", "ranges", "entry")

    def __init__(self, file, bias: int):
        self.file = file                 # FileRef
        self.bias = bias
        self.key: str | None = None      # the image's cache key (None: not cacheable)
        self.loaded: LoadedImage | None = None
        self.ranges: list = []           # guest ranges given to the dispatcher
        self.entry: tuple | None = None  # identity of the cache entry `loaded` was read from


class UnitStats:
    __slots__ = ("units", "images_loaded", "images_kept", "regions_loaded", "blocks_loaded",
                 "regions_saved", "load_seconds", "save_seconds")

    def __init__(self):
        self.units = 0                   # files whose code ran
        self.images_loaded = 0           # ... with an image in the cache
        self.images_kept = 0             # ... of them in memory already (_KEPT)
        self.regions_loaded = 0          # regions those images held
        self.blocks_loaded = 0           # block entries in their tables
        self.regions_saved = 0           # regions added to images at the end
        self.load_seconds = 0.0          # reading, checking and placing images
        self.save_seconds = 0.0


class Units:
    def __init__(self, memory, native, cache, config: str, symbols):
        self.memory = memory
        self.native = native
        self.cache = cache                 # cache.disk.DiskCache
        self.config = config
        self.symbols = symbols
        self.units: dict[tuple, Unit] = {}
        self.image_keys: dict = {}         # guest file -> its image's key (None: unreadable)
        self.pending: dict[str, tuple[str, list]] = {}   # image key -> (label, new regions)
        self.stats = UnitStats()
        self.need = 0                      # images load only hot code with these guarantees
        self.keep_memory = False           # (other threads may run an image's code)
        self.keep_loaded = True            # close leaves the images to the next run (_KEPT)

    # -- which unit -------------------------------------------------------------------------------
    def key_of(self, pc: int) -> tuple | None:
        """(file, bias) of the unit whose unchanged code holds `pc`, or None."""
        m = self.memory.mapping_at(pc)
        if m is None or m.file is None or m.written:
            return None
        return m.file, m.start - m.offset

    def base(self, pc: int) -> int:
        """What a translation of code at `pc` computes guest pcs from: the unit's bias (0 for
        code that is not a unit's)."""
        key = self.key_of(pc)
        return 0 if key is None else key[1]

    def prepare(self, pc: int) -> bool:
        """Make the unit of `pc` ready (its image loaded, its mapping in the dispatcher's
        tables); True if that gave the dispatcher something new."""
        m = self.memory.mapping_at(pc)
        if m is None or m.file is None or m.written:
            return False
        unit = self.units.get((m.file, m.start - m.offset))
        if unit is None:
            unit = self._open(m)
        if unit.loaded is None or (m.start, m.end) in unit.ranges:
            return False
        unit.ranges.append((m.start, m.end))
        return self.native.add_unit(m.start, m.end, unit.bias, unit.loaded.table,
                                    unit.loaded.count, unit.loaded.base)

    def _open(self, m: Mapping) -> Unit:
        unit = Unit(m.file, m.start - m.offset)
        self.units[(m.file, unit.bias)] = unit
        self.stats.units += 1
        unit.key = self.image_key(m.file)
        if unit.key is None:
            return unit
        start = time.perf_counter()
        unit.entry = self.cache.identity("img", unit.key)
        kept = _KEPT.pop(unit.key, None)
        if kept is not None and kept[0] == unit.entry and kept[1].need & self.need == self.need:
            unit.loaded = kept[1]                # (its hot code has these guarantees or more)
            unit.loaded.fresh()
            unit.loaded.rebase(unit.bias)
            self.stats.images_kept += 1
            self._count(unit.loaded)
            self.stats.load_seconds += time.perf_counter() - start
            return unit
        if kept is not None:
            kept[1].close()
        data = self.cache.read("img", unit.key)
        if data is not None:
            try:
                unit.loaded = LoadedImage(Image.parse(data), unit.bias, self.symbols,
                                          self.need)
            except (ImageError, OSError):
                unit.loaded = None               # (a hole in our format: translate again)
            else:
                self._count(unit.loaded)
        self.stats.load_seconds += time.perf_counter() - start
        return unit

    def _count(self, loaded: LoadedImage) -> None:
        self.stats.images_loaded += 1
        self.stats.regions_loaded += loaded.image.nregions
        self.stats.blocks_loaded += loaded.count

    def image_key(self, f) -> str | None:
        """The cache key of the image of file `f` (a mapping's file), or None if it cannot be
        read (worked out once per file: a unit taken out asks again for every region)."""
        if f not in self.image_keys:
            ident = (f.dev, f.ino, f.size, f.mtime_ns, f.ctime_ns)
            digest = self.cache.file_digest(f.path, ident)
            from .cachekey import image_key
            self.image_keys[f] = None if digest is None else image_key(self.config, digest)
        return self.image_keys[f]

    # -- what the images hold -------------------------------------------------------------------
    def on_disk(self, pcs: list[int]) -> set[int]:
        """Those of `pcs` that the images in the cache enter now, where an image changed
        since this process read it (another process's background translation saved it)."""
        by_unit: dict = {}
        for pc in pcs:
            found = self.key_of(pc)
            unit = None if found is None else self.units.get(found)
            if unit is not None and unit.key is not None:
                by_unit.setdefault(id(unit), (unit, []))[1].append(pc)
        covered: set[int] = set()
        for unit, unit_pcs in by_unit.values():
            if self.cache.identity("img", unit.key) == unit.entry:
                continue
            data = self.cache.read("img", unit.key)
            try:
                index = Image.parse(data).index if data is not None else ()
            except ImageError:
                continue
            offsets = {entry >> 32 for entry in index}
            covered.update(pc for pc in unit_pcs if pc - unit.bias in offsets)
        return covered

    def function(self, pc: int) -> int | None:
        """The function a loaded image has for guest `pc`, or None."""
        unit = self._unit(pc)
        return None if unit is None else unit.loaded.function(pc)

    def region_at(self, pc: int):
        """(ImageRegion, the LoadedImage it is in) of the region for `pc`, or None."""
        unit = self._unit(pc)
        found = None if unit is None else unit.loaded.region_at(pc)
        return None if found is None else (found, unit.loaded)

    def image_regions(self):
        """(ImageRegion, the LoadedImage it is in) of every region of the loaded images."""
        for unit in self.units.values():
            if unit.loaded is not None:
                for region in unit.loaded.image.regions():
                    yield region, unit.loaded

    def fault_pc(self, host_pc: int) -> int | None:
        """The guest pc of the access at `host_pc` if it is in a loaded image's code."""
        for unit in self.units.values():
            if unit.loaded is not None:
                found = unit.loaded.fault_pc(host_pc)
                if found is not None:
                    return found
        return None

    def _unit(self, pc: int) -> Unit | None:
        key = self.key_of(pc)
        unit = None if key is None else self.units.get(key)
        if unit is None or unit.loaded is None:
            return None
        return unit

    # -- keeping new translations ---------------------------------------------------------------
    def record(self, blocks: list, blob, name: str, kind: str, guarantees: int = 0) -> None:
        """Keep a region translated now for its unit's image (if every block of it is code
        of one unit, and the unit's image can be kept); hot code with its `guarantees`."""
        key = self.key_of(blocks[0].pc)
        if key is None or any(self.key_of(b.pc) != key or self.key_of(b.end_pc - 1) != key
                              for b in blocks):
            return
        unit = self.units.get(key)
        # (a unit taken out -- the guest installed a signal handler -- and not opened again
        # since: its image gains the region all the same)
        image = unit.key if unit is not None else self.image_key(key[0])
        if image is None:
            return
        bias = key[1]
        region = ImageRegion.of(blob, _KINDS[kind] + (guarantees if kind == "hot" else 0), name,
                                [(b.pc - bias, b.end_pc - bias, b.ninsns) for b in blocks])
        label = key[0].path.decode(errors="replace")
        self.pending.setdefault(image, (label, []))[1].append(region)

    def save(self) -> None:
        """Write the images that gained regions: what is on disk now, plus the new ones (under
        the cache's update lock: runs saving the same image together all keep theirs)."""
        start = time.perf_counter()
        for key, (label, new) in self.pending.items():
            if self.cache.update("img", key, lambda old, new=new: merged(old, new),
                                 label=label):
                self.stats.regions_saved += len(new)
        self.pending.clear()
        self.stats.save_seconds += time.perf_counter() - start

    # -- invalidation -------------------------------------------------------------------------------
    def invalidate(self, addr: int, length: int) -> bool:
        """Take out the images of units with code in the dispatcher's tables in [addr,
        addr+length) (the unit is opened again when its code next runs); True if any."""
        end, hit = addr + length, False
        for key, unit in list(self.units.items()):
            if any(lo < end and addr < hi for lo, hi in unit.ranges):
                self._take_out(unit)
                del self.units[key]
                hit = True
        return hit

    def _take_out(self, unit: Unit) -> None:
        """A unit's image leaves the dispatcher's tables (and memory, unless other threads
        may be running its code)."""
        for lo, hi in unit.ranges:
            self.native.remove_units(lo, hi)
        if unit.loaded is not None and not self.keep_memory:
            self._let_go(unit)

    def require(self, need: int) -> None:
        """From now on, images load only hot code with the guarantees `need` (image.PRECISE,
        POLLS): the loaded ones are taken out, to be opened again so when their code runs."""
        self.need = need
        for unit in self.units.values():
            self._take_out(unit)
        self.units.clear()

    def close(self) -> None:
        """The run has ended: its images go, or stay in memory for the next run in this
        process (`keep_loaded`; the process's end frees them all the same)."""
        for unit in self.units.values():
            if unit.loaded is not None:
                self._let_go(unit)

    def _let_go(self, unit: Unit) -> None:
        """A unit's image leaves this run: into _KEPT (an image taken out when the guest
        installed a handler may serve the next image of the process, which has none), or
        out of memory."""
        if self.keep_loaded and unit.entry is not None and unit.key not in _KEPT:
            _KEPT[unit.key] = (unit.entry, unit.loaded)
        else:
            unit.loaded.close()
        unit.loaded = None

