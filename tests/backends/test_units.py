"""Which image a translated region joins (backends/llvm/units.py): that of the guest file its
code was mapped from, whether or not that file's image is loaded in the run now.

A guest that installs a signal handler has every loaded image taken out (Units.require), and
an image is opened again only when the dispatcher misses in its code. Code that ran in tier 0
before then is not missed again, so its unit stays closed; its regions (compiled later, or by
the background translation at the end) once went nowhere, and every run lifted that code
again (busybox sh's calls into ld.so: 158 blocks a run).
"""
from __future__ import annotations

import ctypes
from collections import namedtuple
from types import SimpleNamespace

import pytest

pytest.importorskip("llvmlite")

from dbt.backends.llvm.cachekey import image_key  # noqa: E402
from dbt.backends.llvm.image import POLLS, Image  # noqa: E402
from dbt.backends.llvm.units import Units  # noqa: E402

DIGEST = "ab" * 32
GuestFile = namedtuple("GuestFile", "path dev ino size mtime_ns ctime_ns")   # (hashable)
FILE = GuestFile(b"/lib/libx.so", 1, 2, 0x3000, 3, 4)
MAPPING = SimpleNamespace(file=FILE, start=0x7000_0000, end=0x7000_3000, offset=0,
                          written=False)


class Memory:
    def mapping_at(self, pc: int):
        return MAPPING if MAPPING.start <= pc < MAPPING.end else None


class Cache:
    """What Units asks of the disk cache: a file's digest, images read and updated."""

    def __init__(self):
        self.images: dict[str, bytes] = {}

    def file_digest(self, path, ident):
        return DIGEST if path == FILE.path else None

    def read(self, kind, key):
        return self.images.get(key) if kind == "img" else None

    def identity(self, kind, key):
        return None                     # (which file an entry is: not known here)

    def update(self, kind, key, merge, label=None):
        self.images[key] = merge(self.images.get(key))
        return True


def _blob(name: str) -> SimpleNamespace:
    """A linked region as objlink makes it: 16 bytes of code, its bias word, no imports."""
    return SimpleNamespace(symbols={name: 0, f"{name}.bias": 16}, split=16,
                           text=b"\x90" * 16, data=bytes(8), align=16, data_align=8,
                           imports=[], cross=[])


def _block(pc: int) -> SimpleNamespace:
    return SimpleNamespace(pc=pc, end_pc=pc + 8, ninsns=2)


@pytest.mark.parametrize("taken_out", [False, True], ids=["open", "taken-out"])
def test_a_region_joins_its_files_image_open_or_not(taken_out):
    cache = Cache()
    units = Units(Memory(), native=None, cache=cache, config="config", symbols=None)
    if taken_out:
        units.require(POLLS)            # (the guest installed a handler: nothing open now)
    else:
        units._open(MAPPING)
    assert bool(units.units) is not taken_out
    units.record([_block(0x7000_1000), _block(0x7000_1008)], _blob("r1"), "r1", "tier1")
    units.record([_block(0x9000_0000)], _blob("r2"), "r2", "tier1")   # (no file: no image)
    units.save()
    key = image_key("config", DIGEST)
    assert list(cache.images) == [key]
    regions = Image.parse(cache.images[key]).regions()
    assert [r.name for r in regions] == ["r1"]
    # its blocks relative to the file's mapping (the bias: start - offset)
    assert [b[:2] for b in regions[0].blocks] == [(0x1000, 0x1008), (0x1008, 0x1010)]


class VersionedCache(Cache):
    """... and which file an entry is: an update writes a new one."""

    def __init__(self):
        super().__init__()
        self.versions: dict[str, int] = {}

    def update(self, kind, key, merge, label=None):
        self.versions[key] = self.versions.get(key, 0) + 1
        return super().update(kind, key, merge, label)

    def identity(self, kind, key):
        return (key, self.versions[key]) if key in self.images else None


def _counted_blob(name: str) -> SimpleNamespace:
    """... with a tier-1 counter after its bias word."""
    return SimpleNamespace(symbols={name: 0, f"{name}.bias": 16, f"{name}.counter": 24},
                           split=16, text=b"\x90" * 16, data=bytes(16), align=16,
                           data_align=8, imports=[], cross=[])


def test_an_image_kept_from_an_ended_run_serves_the_next_at_its_own_bias(monkeypatch):
    """An execve's new image runs in the same process: the images of the run that ended stay
    in memory (units._KEPT), and the next run takes one for the same file instead of
    reading it again, at the bias of its own mapping and with its counters at zero (a new
    load's). Once the cache entry has changed, it is read again."""
    from dbt.backends.llvm import units as units_module
    monkeypatch.setattr(units_module, "_KEPT", {})
    cache = VersionedCache()
    first = Units(Memory(), native=None, cache=cache, config="config", symbols=None)
    first.record([_block(0x7000_1000)], _counted_blob("r1"), "r1", "tier1")
    first.save()
    unit = first._open(MAPPING)
    loaded = unit.loaded
    (region,) = loaded.image.regions()
    counter = ctypes.c_uint64.from_address(loaded.cell(region, region.counter))
    bias = ctypes.c_uint64.from_address(loaded.cell(region, region.bias))
    assert (bias.value, first.stats.images_kept) == (0x7000_0000, 0)
    counter.value = 77                              # (the run counted its way up)
    first.close()

    elsewhere = SimpleNamespace(file=FILE, start=0x5000_0000, end=0x5000_3000, offset=0,
                                written=False)
    memory = SimpleNamespace(mapping_at=lambda pc: elsewhere if 0x5000_0000 <= pc < 0x5000_3000
                             else None)
    second = Units(memory, native=None, cache=cache, config="config", symbols=None)
    assert second._open(elsewhere).loaded is loaded and second.stats.images_kept == 1
    assert (bias.value, counter.value) == (0x5000_0000, 0)
    assert loaded.function(0x5000_1000) == loaded.base + region.fn
    assert loaded.function(0x7000_1000) is None

    second.record([_block(0x5000_2000)], _blob("r2"), "r2", "tier1")
    second.save()                                   # (the entry changes)
    second.close()
    third = Units(Memory(), native=None, cache=cache, config="config", symbols=None)
    again = third._open(MAPPING).loaded
    assert again is not loaded and third.stats.images_kept == 0
    assert again.function(0x7000_2000) is not None   # (the new region is there)
    third.close()
    for kept in units_module._KEPT.values():
        kept[1].close()
