"""The translations of one guest file, as kept in the persistent cache: an image.

An image holds regions (linked blobs, objlink.Blob) made from the code of one file, whatever
address the file was mapped at: every guest pc in them is an offset from the file's load bias
(`pc - bias`, the file offset of the instruction's page plus its page offset, for an ELF file
mapped the usual way), and a region computes a guest pc from its `<name>.bias` cell, which is
written when the image is loaded. So `libc.so.6` translated for one program serves every
program that maps it, at any address.

Layout (little-endian), all offsets in bytes:

    header    magic, format version, counts, size of the code
    regions   per region: kind, where its blob is in the code, its size, the offsets of its
              function, bias cell, counter and "seen" bytes in the blob, its blocks, its name
    blocks    (pc offset, end offset, guest instructions) of each region's blocks, in order
    fixups    (offset in the code, what to write there): a region's bias cell, or an import
              slot of a blob (the name of the symbol, from `names`)
    index     sorted 64-bit entries (pc offset << 32 | function offset in the code), one per
              block a region enters at, the best region for it (hot over static over tier 1):
              what the dispatcher searches (native.py)
    names     NUL-terminated strings (region names, imported symbols)
    code      the blobs, each at its own alignment, with their bias cells, import slots and
              writable data zeroed

Loading: one copy of the code into executable memory, the fixups, the index beside the code:
no LLVM, no linking. A region's counter and "seen" bytes are zero again in every process.
"""

from __future__ import annotations

import bisect
import ctypes
import mmap
import struct
from array import array
from dataclasses import dataclass, field

from .codestore import BlockSpan

MAGIC = b"DBTIMG\x00\x01"
KIND_TIER1, KIND_STATIC, KIND_HOT = 0, 1, 2            # the best one for a pc wins
_PRIORITY = {KIND_TIER1: 0, KIND_STATIC: 1, KIND_HOT: 2}
BIAS = 0xFFFFFFFF                                       # fixup: the load bias, not a symbol
NONE = 0xFFFFFFFF                                       # no counter / no "seen" bytes
_HEAD = struct.Struct("<8sIIIIII")    # magic, nregions, nblocks, nfixups, nindex, names, code
_REGION = struct.Struct("<BBxxIIIIIIIII")  # kind, log2 align, at, size, fn, bias, counter,
                                            # seen, first block, blocks, name
_BLOCK = struct.Struct("<IIH")
_FIXUP = struct.Struct("<II")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_RWX = mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC


class ImageError(Exception):
    """An image that does not hold together (the disk cache's checksum passed: a bug)."""


@dataclass
class ImageRegion:
    """One region of an image, as written and as read back."""
    kind: int
    name: str
    code: bytes                     # the blob's bytes (cells, slots and data zeroed)
    align: int
    fn: int                         # offsets in the blob
    bias: int
    counter: int                    # NONE: no counter
    seen: int                       # NONE: no "seen" bytes
    imports: list[tuple[int, str]]  # (slot offset in the blob, symbol)
    blocks: list[tuple[int, int, int]]   # (pc offset, end offset, guest instructions)
    at: int = 0                     # where the blob is in the image's code


def build(regions: list[ImageRegion]) -> bytes:
    """The bytes of an image of `regions` (later ones win a pc over earlier ones of the
    same kind)."""
    names: dict[str, int] = {}
    blob_names = bytearray()

    def name_at(name: str) -> int:
        if name not in names:
            names[name] = len(blob_names)
            blob_names.extend(name.encode() + b"\0")
        return names[name]

    code = bytearray()
    records, blocks, fixups, best = [], [], [], {}
    for index, r in enumerate(regions):
        r.at = -(-len(code) // r.align) * r.align
        code.extend(bytes(r.at - len(code)))
        code.extend(r.code)
        records.append(_REGION.pack(r.kind, r.align.bit_length() - 1, r.at, len(r.code), r.fn,
                                    r.bias, r.counter, r.seen, len(blocks), len(r.blocks),
                                    name_at(r.name)))
        blocks.extend(r.blocks)
        fixups.append((r.at + r.bias, BIAS))
        fixups.extend((r.at + slot, name_at(symbol)) for slot, symbol in r.imports)
        for pc, _end, _n in r.blocks:
            old = best.get(pc)
            if old is None or _PRIORITY[regions[old].kind] <= _PRIORITY[r.kind]:
                best[pc] = index
    code.extend(bytes(-len(code) % 16))              # (the index follows it when loaded)
    index = sorted((pc << 32) | (regions[i].at + regions[i].fn) for pc, i in best.items())
    if code and len(code) >= 1 << 32:
        raise ImageError("image code past 4 GiB")
    head = _HEAD.pack(MAGIC, len(records), len(blocks), len(fixups), len(index),
                      len(blob_names), len(code))
    return b"".join([head, *records, *(_BLOCK.pack(*b) for b in blocks),
                     *(_FIXUP.pack(*f) for f in fixups), array("Q", index).tobytes(),
                     bytes(blob_names), bytes(code)])


@dataclass
class Image:
    """An image read back (nothing loaded yet)."""
    data: bytes
    nregions: int
    nblocks: int
    nfixups: int
    index: array                    # the sorted index entries
    names_at: int
    code_at: int
    code_size: int
    _regions: list | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, data: bytes) -> "Image":
        if len(data) < _HEAD.size:
            raise ImageError("image too short")
        magic, nregions, nblocks, nfixups, nindex, names, code = _HEAD.unpack_from(data)
        if magic != MAGIC:
            raise ImageError("not an image of this format")
        at = _HEAD.size + nregions * _REGION.size + nblocks * _BLOCK.size
        at += nfixups * _FIXUP.size
        index = array("Q")
        index.frombytes(data[at:at + 8 * nindex])
        names_at = at + 8 * nindex
        code_at = names_at + names
        if code_at + code != len(data):
            raise ImageError("image sizes do not add up")
        return cls(data, nregions, nblocks, nfixups, index, names_at, code_at, code)

    def _name(self, offset: int) -> str:
        start = self.names_at + offset
        return self.data[start:self.data.index(b"\0", start)].decode()

    def fixups(self):
        """(offset in the code, symbol name or None for the bias) of every cell to fill."""
        at = _HEAD.size + self.nregions * _REGION.size + self.nblocks * _BLOCK.size
        names: dict[int, str] = {}
        for offset, what in _FIXUP.iter_unpack(self.data[at:at + self.nfixups * _FIXUP.size]):
            if what == BIAS:
                yield offset, None
            else:
                if what not in names:
                    names[what] = self._name(what)
                yield offset, names[what]

    def regions(self) -> list[ImageRegion]:
        """Every region, with its blocks and code (parsed on first use: a cold path)."""
        if self._regions is None:
            at = _HEAD.size
            raw = list(_REGION.iter_unpack(self.data[at:at + self.nregions * _REGION.size]))
            at += self.nregions * _REGION.size
            blocks = list(_BLOCK.iter_unpack(self.data[at:at + self.nblocks * _BLOCK.size]))
            imports: dict[int, list] = {}
            starts = [r[2] for r in raw]
            for offset, name in self.fixups():
                if name is not None:
                    i = bisect.bisect_right(starts, offset) - 1
                    imports.setdefault(i, []).append((offset - starts[i], name))
            code = self.data[self.code_at:]
            self._regions = [
                ImageRegion(kind, self._name(name), code[at_:at_ + size], 1 << align, fn, bias,
                            counter, seen, imports.get(i, []), blocks[first:first + n], at_)
                for i, (kind, align, at_, size, fn, bias, counter, seen, first, n, name)
                in enumerate(raw)]
        return self._regions


class LoadedImage:
    """An image placed in executable memory of its own, for one load bias."""

    def __init__(self, image: Image, bias: int, symbols):
        self.image = image
        self.bias = bias
        values = {}
        for _offset, name in image.fixups():            # every import resolvable first
            if name is not None and name not in values:
                values[name] = symbols.address(name)
        size = max(mmap.PAGESIZE, -(-(image.code_size + 8 * len(image.index))
                                      // mmap.PAGESIZE) * mmap.PAGESIZE)
        base = _libc.mmap(None, size, _RWX, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
        if base in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "cannot map memory for an image")
        self.base, self.size = base, size
        ctypes.memmove(base, image.data[image.code_at:], image.code_size)
        cells = (ctypes.c_uint64 * (image.code_size // 8)).from_address(base)
        for offset, name in image.fixups():
            cells[offset >> 3] = bias if name is None else values[name]
        self.table = base + image.code_size          # (code_size is 8-aligned: see build)
        ctypes.memmove(self.table, image.index.tobytes(), 8 * len(image.index))
        self.keys = array("Q", (e >> 32 for e in image.index))   # for Python's lookups
        self._by_function: dict[int, ImageRegion] | None = None

    @property
    def count(self) -> int:
        return len(self.image.index)

    def function(self, pc: int) -> int | None:
        """The address of the function that enters at guest `pc`, or None."""
        off = pc - self.bias
        i = bisect.bisect_left(self.keys, off)
        if i < len(self.keys) and self.keys[i] == off:
            return self.base + (self.image.index[i] & 0xFFFFFFFF)
        return None

    def region_at(self, pc: int):
        """(ImageRegion, its address) of the region the index names for `pc`, or None."""
        fn = self.function(pc)
        if fn is None:
            return None
        if self._by_function is None:
            self._by_function = {self.base + r.at + r.fn: r for r in self.image.regions()}
        region = self._by_function[fn]
        return region, self.base + region.at

    def spans(self, region: ImageRegion) -> list[BlockSpan]:
        return [BlockSpan(self.bias + pc, self.bias + end, n) for pc, end, n in region.blocks]

    def close(self) -> None:
        if self.base:
            _libc.munmap(self.base, self.size)
            self.base = 0
