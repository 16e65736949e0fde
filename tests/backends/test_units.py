"""Which image a translated region joins (backends/llvm/units.py): that of the guest file its
code was mapped from, whether or not that file's image is loaded in the run now.

A guest that installs a signal handler has every loaded image taken out (Units.require), and
an image is opened again only when the dispatcher misses in its code. Code that ran in tier 0
before then is not missed again, so its unit stays closed; its regions (compiled later, or by
the background translation at the end) once went nowhere, and every run lifted that code
again (busybox sh's calls into ld.so: 158 blocks a run).
"""
from __future__ import annotations

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
