"""The translations of one guest file, as kept in the persistent cache: an image.

An image holds regions (linked blobs, objlink.Blob) made from the code of one file, whatever
address the file was mapped at: every guest pc in them is an offset from the file's load bias
(`pc - bias`, the file offset of the instruction's page plus its page offset, for an ELF file
mapped the usual way), and a region computes a guest pc from its `<name>.bias` cell, which is
written when the image is loaded. So `libc.so.6` translated for one program serves every
program that maps it, at any address.

Layout (little-endian), all offsets in bytes:

    header    magic, counts, size of the code
    regions   per region: kind, alignments, where its text and its writable data are in the
              code, their sizes, the offsets of its function (in its text), of its bias cell,
              counter and "seen" bytes (in its data), its blocks, its cross references, name
    blocks    (pc offset, end offset, guest instructions) of each region's blocks, in order
    crosses   offsets (in a region's text) of its references to its own data (objlink)
    fixups    (offset in the code, what to write there): a region's bias cell, or an import
              slot of a blob (the name of the symbol, from `names`)
    index     sorted 64-bit entries (pc offset << 32 | function offset in the code), one per
              block a region enters at, the best region for it (hot over static over tier 1):
              what the dispatcher searches (native.py)
    names     NUL-terminated strings (region names, imported symbols)
    code      every region's text, then (from a page boundary on: no store of running code
              may land next to code) every region's writable data; cross references point
              from the one to the other already; bias cells, slots and data are zero

Loading: one copy of the code into executable memory, the fixups, the index beside the code:
no LLVM, no linking. A region's counter and "seen" bytes are zero again in every process.
"""

from __future__ import annotations

import bisect
import ctypes
import mmap
import struct
from array import array

from .codestore import BlockSpan
from .objlink import fault_pc

MAGIC = b"DBTIMG\x00\x02"
# the best one for a pc wins. Hot code is of kind KIND_HOT + its guarantees (a mask): PRECISE
# (the guest state is precise at a host fault: lower_region's `precise`), POLLS (its loops
# stop for a pending signal: `polls`); a run that needs some loads only hot code with them.
KIND_TIER1, KIND_STATIC, KIND_HOT = 0, 1, 2
PRECISE, POLLS = 1, 2
HOT_KINDS = frozenset(KIND_HOT + g for g in range(4))
_PRIORITY = {KIND_TIER1: 0, KIND_STATIC: 1, **{kind: 2 for kind in HOT_KINDS}}
BIAS = 0xFFFFFFFF                                       # fixup: the load bias, not a symbol
NONE = 0xFFFFFFFF                                       # no counter / no "seen" bytes
PAGE = 4096
_HEAD = struct.Struct("<8sIIIIIII")   # magic, regions, blocks, crosses, fixups, index, names,
                                      # code
_REGION = struct.Struct("<BBBxIIIIIIIIIIIII")   # kind, log2 align, log2 data align, text at,
                                                 # text size, data at, data size, fn, bias,
                                                 # counter, seen, first block, blocks, first
                                                 # cross, crosses, name
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


class ImageRegion:
    """One region of an image, as written and as read back (`text` with its cross references
    as the linker left them, relative to a blob laid out in one piece)."""
    __slots__ = ("kind", "name", "text", "data", "align", "data_align", "fn", "bias", "counter",
                 "seen", "imports", "cross", "blocks", "at", "data_at")

    def __init__(self, kind: int, name: str, text: bytes, data: bytes, align: int,
                 data_align: int, fn: int, bias: int, counter: int, seen: int, imports: list,
                 cross: list, blocks: list, at: int = 0, data_at: int = 0):
        self.kind, self.name, self.text, self.data = kind, name, text, data
        self.align, self.data_align = align, data_align
        self.fn = fn                    # offset in the text
        self.bias = bias                # offsets in the data
        self.counter = counter          # NONE: no counter
        self.seen = seen                # NONE: no "seen" bytes
        self.imports = imports          # (slot offset in the text, symbol)
        self.cross = cross              # offsets in the text (objlink.Blob.cross)
        self.blocks = blocks            # (pc offset, end offset, guest instructions)
        self.at = at                    # where its text is in the image's code
        self.data_at = data_at          # where its data is

    @classmethod
    def of(cls, blob, kind: int, name: str, blocks: list) -> "ImageRegion":
        """The image region of a region function `name` linked in `blob`."""
        s, split = blob.symbols, blob.split

        def data_offset(symbol: str) -> int:
            return NONE if symbol not in s else s[symbol] - split
        return cls(kind, name, blob.text, blob.data, blob.align, blob.data_align, s[name],
                   data_offset(f"{name}.bias"), data_offset(f"{name}.counter"),
                   data_offset(f"{name}.seen"), list(blob.imports), list(blob.cross), blocks)


def _patch(text: bytearray, cross: list[int], delta: int) -> None:
    for site in cross:
        value = struct.unpack_from("<i", text, site)[0] + delta
        struct.pack_into("<i", text, site, value)


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

    text_size = 0
    for r in regions:
        r.at = -(-text_size // r.align) * r.align
        text_size = r.at + len(r.text)
    data_size = -(-text_size // PAGE) * PAGE
    for r in regions:
        r.data_at = -(-data_size // r.data_align) * r.data_align
        data_size = r.data_at + len(r.data)
    code = bytearray(-(-data_size // 16) * 16)         # (the index follows it when loaded)
    if len(code) >= 1 << 32:
        raise ImageError("image code past 4 GiB")
    records, blocks, crosses, fixups = [], [], [], []
    for r in regions:
        text = bytearray(r.text)
        _patch(text, r.cross, r.data_at - r.at - len(r.text))
        code[r.at:r.at + len(text)] = text
        code[r.data_at:r.data_at + len(r.data)] = r.data
        records.append(_REGION.pack(
            r.kind, r.align.bit_length() - 1, r.data_align.bit_length() - 1, r.at, len(r.text),
            r.data_at, len(r.data), r.fn, r.bias, r.counter, r.seen, len(blocks),
            len(r.blocks), len(crosses), len(r.cross), name_at(r.name)))
        blocks.extend(r.blocks)
        crosses.extend(r.cross)
        fixups.append((r.data_at + r.bias, BIAS))
        fixups.extend((r.at + slot, name_at(symbol)) for slot, symbol in r.imports)
    index = _index((r.kind, r.at + r.fn, r.blocks) for r in regions)
    head = _HEAD.pack(MAGIC, len(records), len(blocks), len(crosses), len(fixups),
                      len(index), len(blob_names), len(code))
    return b"".join([head, *records, *(_BLOCK.pack(*b) for b in blocks),
                     array("I", crosses).tobytes(), *(_FIXUP.pack(*f) for f in fixups),
                     index.tobytes(), bytes(blob_names), bytes(code)])


def merged(old: bytes | None, new: list[ImageRegion], drop: int | None = None) -> bytes | None:
    """The bytes of an image of the regions of `old` (an image's bytes, or None: a damaged
    one counts as empty), but those of kind `drop`, and the `new` ones; None if they cannot
    make one."""
    regions = []
    if old is not None:
        try:
            regions = [r for r in Image.parse(old).regions() if r.kind != drop]
        except ImageError:
            regions = []
    try:
        return build(regions + new)
    except ImageError:
        return None


class Image:
    """An image read back (nothing loaded yet)."""

    def __init__(self, data: bytes, nregions: int, nblocks: int, ncrosses: int, nfixups: int,
                 index: array, names_at: int, code_at: int, code_size: int):
        self.data = data
        self.nregions, self.nblocks, self.ncrosses, self.nfixups = (nregions, nblocks,
                                                                    ncrosses, nfixups)
        self.index = index              # the sorted index entries
        self.names_at, self.code_at, self.code_size = names_at, code_at, code_size
        self._regions: list | None = None

    @classmethod
    def parse(cls, data: bytes) -> "Image":
        if len(data) < _HEAD.size:
            raise ImageError("image too short")
        magic, nregions, nblocks, ncrosses, nfixups, nindex, names, code = \
            _HEAD.unpack_from(data)
        if magic != MAGIC:
            raise ImageError("not an image of this format")
        at = _HEAD.size + nregions * _REGION.size + nblocks * _BLOCK.size + 4 * ncrosses
        at += nfixups * _FIXUP.size
        index = array("Q")
        index.frombytes(data[at:at + 8 * nindex])
        names_at = at + 8 * nindex
        code_at = names_at + names
        if code_at + code != len(data):
            raise ImageError("image sizes do not add up")
        return cls(data, nregions, nblocks, ncrosses, nfixups, index, names_at, code_at, code)

    def _name(self, offset: int) -> str:
        start = self.names_at + offset
        return self.data[start:self.data.index(b"\0", start)].decode()

    def _fixups_at(self) -> int:
        return (_HEAD.size + self.nregions * _REGION.size + self.nblocks * _BLOCK.size
                + 4 * self.ncrosses)

    def fixups(self):
        """(offset in the code, symbol name or None for the bias) of every cell to fill."""
        at = self._fixups_at()
        names: dict[int, str] = {}
        for offset, what in _FIXUP.iter_unpack(self.data[at:at + self.nfixups * _FIXUP.size]):
            if what == BIAS:
                yield offset, None
            else:
                if what not in names:
                    names[what] = self._name(what)
                yield offset, names[what]

    def index_for(self, need: int) -> array:
        """The index without the hot code that lacks the guarantees `need` (a run whose guest
        has signal handlers), from the region and block tables alone: a warm run of a program
        with signal handlers (sort, a shell) does not parse its regions."""
        at = _HEAD.size
        table = self.data[at:at + self.nregions * _REGION.size]
        kinds = table[::_REGION.size]                  # each region's kind byte
        if not any(kinds.find(kind) >= 0 for kind in HOT_KINDS
                   if (kind - KIND_HOT) & need != need):
            return self.index                          # no hot region to leave out
        raw = _REGION.iter_unpack(table)
        at += self.nregions * _REGION.size
        blocks = list(_BLOCK.iter_unpack(self.data[at:at + self.nblocks * _BLOCK.size]))
        return _index(((r[0], r[3] + r[7], blocks[r[11]:r[11] + r[12]]) for r in raw), need)

    def regions(self) -> list[ImageRegion]:
        """Every region, with its blocks and code (parsed on first use: a cold path)."""
        if self._regions is None:
            self._regions = self._parse_regions()
        return self._regions

    def _parse_regions(self) -> list[ImageRegion]:
        at = _HEAD.size
        raw = list(_REGION.iter_unpack(self.data[at:at + self.nregions * _REGION.size]))
        at += self.nregions * _REGION.size
        blocks = list(_BLOCK.iter_unpack(self.data[at:at + self.nblocks * _BLOCK.size]))
        at += self.nblocks * _BLOCK.size
        crosses = array("I")
        crosses.frombytes(self.data[at:at + 4 * self.ncrosses])
        starts = [r[3] for r in raw]
        imports: dict[int, list] = {}
        for offset, name in self.fixups():
            if name is not None:
                i = bisect.bisect_right(starts, offset) - 1
                imports.setdefault(i, []).append((offset - starts[i], name))
        code = self.data[self.code_at:]
        out = []
        for i, (kind, align, data_align, text_at, text_size, data_at, data_size, fn, bias,
                counter, seen, first, n, first_cross, ncross, name) in enumerate(raw):
            cross = list(crosses[first_cross:first_cross + ncross])
            text = bytearray(code[text_at:text_at + text_size])
            _patch(text, cross, -(data_at - text_at - text_size))    # as the linker left it
            out.append(ImageRegion(kind, self._name(name), bytes(text),
                                   code[data_at:data_at + data_size], 1 << align,
                                   1 << data_align, fn, bias, counter, seen,
                                   imports.get(i, []), cross, blocks[first:first + n],
                                   text_at, data_at))
        return out


def _index(regions, need: int = 0) -> array:
    """An image's index: for each guest offset a region enters at, (offset << 32) | its
    function, of the best region there (later ones win over earlier ones of the same kind),
    sorted; hot regions without the guarantees `need` left out. `regions`: (kind, offset of
    its function in the code, its blocks) of each region, in order."""
    best: dict[int, tuple[int, int]] = {}
    for kind, function, blocks in regions:
        if kind in HOT_KINDS and (kind - KIND_HOT) & need != need:
            continue
        rank = _PRIORITY[kind]
        for pc, _end, _n in blocks:
            old = best.get(pc)
            if old is None or old[0] <= rank:
                best[pc] = (rank, function)
    return array("Q", sorted((pc << 32) | function for pc, (_rank, function) in best.items()))


class LoadedImage:
    """An image placed in executable memory of its own, for one load bias."""

    def __init__(self, image: Image, bias: int, symbols, need: int = 0):
        """`need`: leave out the hot code without these guarantees (PRECISE, POLLS)."""
        self.image = image
        self.bias = bias
        self.need = need
        fixups = list(image.fixups())
        self._bias_cells = array("I", [offset for offset, name in fixups if name is None])
        values = {None: bias}
        for _offset, name in fixups:                     # every import resolvable first
            if name not in values:
                values[name] = symbols.address(name)
        size = max(mmap.PAGESIZE, -(-(image.code_size + 8 * len(image.index))
                                      // mmap.PAGESIZE) * mmap.PAGESIZE)
        base = _libc.mmap(None, size, _RWX, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
        if base in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "cannot map memory for an image")
        self.base, self.size = base, size
        code = bytearray(image.data[image.code_at:image.code_at + image.code_size])
        cells = memoryview(code).cast("Q")       # (filled here: a memoryview store is
        for offset, name in fixups:              # several times cheaper than a ctypes one)
            cells[offset >> 3] = values[name]
        cells.release()
        ctypes.memmove(base, (ctypes.c_char * len(code)).from_buffer(code), len(code))
        self.table = base + image.code_size          # (code_size is 16-aligned: see build)
        self.index = image.index_for(need)
        ctypes.memmove(self.table, self.index.tobytes(), 8 * len(self.index))
        self._by_function: dict[int, ImageRegion] | None = None
        self._counters: array | None = None     # the cells of the regions' counters (fresh)

    def fresh(self) -> None:
        """Its regions' tier-1 counters back to zero, as a new load has them (an image kept
        from a run that has ended: the next run counts its own way to the hot tier). Their
        "seen" bytes stay: blocks that ran in the earlier run count as run when a hot region
        is formed, which only lets it take in more of them."""
        if self._counters is None:
            at = _HEAD.size
            self._counters = array("I", [
                (r[5] + r[9]) >> 3 for r in _REGION.iter_unpack(
                    self.image.data[at:at + self.image.nregions * _REGION.size])
                if r[9] != NONE])                   # data at + counter: 8-aligned cells
        cells = (ctypes.c_uint64 * (self.image.code_size // 8)).from_address(self.base)
        for cell in self._counters:
            cells[cell] = 0

    def rebase(self, bias: int) -> None:
        """Serve a mapping of the same file at another load bias (its guest pcs are computed
        from the bias cells)."""
        if bias == self.bias:
            return
        cells = (ctypes.c_uint64 * (self.image.code_size // 8)).from_address(self.base)
        for offset in self._bias_cells:
            cells[offset >> 3] = bias
        self.bias = bias

    @property
    def count(self) -> int:
        return len(self.index)

    def function(self, pc: int) -> int | None:
        """The address of the function that enters at guest `pc`, or None."""
        off = pc - self.bias                # (an index entry: offset << 32 | function)
        index = self.index
        i = bisect.bisect_left(index, off << 32)
        if i < len(index) and index[i] >> 32 == off:
            return self.base + (index[i] & 0xFFFFFFFF)
        return None

    def region_at(self, pc: int):
        """The ImageRegion the index names for `pc`, or None."""
        fn = self.function(pc)
        if fn is None:
            return None
        if self._by_function is None:
            self._by_function = {self.base + r.at + r.fn: r for r in self.image.regions()}
        return self._by_function[fn]

    def fault_pc(self, host_pc: int) -> int | None:
        """The guest pc of the access at `host_pc` if it is in this image's code (from the
        regions' pc trailers: objlink.fault_pc)."""
        if not self.base <= host_pc < self.base + self.image.code_size:
            return None
        for r in self.image.regions():
            offset = fault_pc(self.base + r.at, len(r.text), host_pc)
            if offset is not None:
                return self.bias + offset
        return None

    def cell(self, region: ImageRegion, offset: int) -> int:
        """The address of a region's data cell (0 for NONE)."""
        return 0 if offset == NONE else self.base + region.data_at + offset

    def spans(self, region: ImageRegion) -> list[BlockSpan]:
        return [BlockSpan(self.bias + pc, self.bias + end, n) for pc, end, n in region.blocks]

    def close(self) -> None:
        if self.base:
            _libc.munmap(self.base, self.size)
            self.base = 0
