"""A linker for the object files LLVM makes of our modules: one object in, one position-
independent blob out, which runs at any address once its import slots are filled.

Why our own: generated code must hold no address valid in one process only (the persistent
cache keeps it on disk and loads it in other processes, without LLVM), and it must load fast:
a blob is copied to executable memory and a handful of 8-byte slots are written, nothing else.

What LLVM gives us (x86-64 ELF, relocation model "pic", small code model): sections for code,
read-only data (constant pools, jump tables), writable data and bss (a region's counter, "seen"
bytes and code base), and relocations of four kinds, all PC-relative:

    R_X86_64_PC32, R_X86_64_PLT32          S + A - P, 32 bits
    R_X86_64_GOTPCREL, (REX_)GOTPCRELX     G + A - P: the address of the symbol's slot

A reference to a symbol defined in the object is resolved here, once: the blob keeps its
sections at the same distances wherever it is loaded, but for its writable data, which goes
to other pages than the code (a store near code that is running makes x86 throw away its
pipeline, as for self-modifying code: a tier-1 region's counter right after code that runs
made the dynamic mode 4x slower). The references from code to writable data are listed
(`cross`): whoever places a blob adds the distance it put between the two to each. A symbol the object does not define (an
FP helper, a libc function, a cell of the runtime) gets an 8-byte import slot in the blob,
filled with its address when the blob is loaded; a call to it goes through a stub
(`jmp *slot(%rip)`), and a GOT reference points at the slot itself. So the blob's bytes are
the same in every process, and loading is: copy, fill the slots.

Guest accesses carry `!pcsections` metadata (lower.py): LLVM lists each one's host instruction
with the guest pc it belongs to in the section PC_SECTION. That list becomes the text's
trailer: sorted pairs (offset of the instruction in the text, guest pc offset), both uint32,
then their count, uint32, ending where the writable data begins; so the guest pc of a host
fault is found in the code that faulted, wherever it was loaded (`fault_pc`).

Layout: [code][stubs][read-only data][slots][pc trailer] | [writable data, bss]. Sections
that are not allocated at run time (symbol tables, .eh_frame: nothing unwinds through
generated code) are left out. An absolute 64-bit relocation (which position-independent code
does not produce) or any other kind is refused: LinkError.
"""

from __future__ import annotations

import json
import struct

SHT_PROGBITS, SHT_SYMTAB, SHT_NOBITS, SHT_RELA = 1, 2, 8, 4
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
SHN_UNDEF, SHN_ABS = 0, 0xFFF1
STT_SECTION = 3
R_PC32, R_PLT32, R_GOTPCREL, R_GOTPCRELX, R_REX_GOTPCRELX = 2, 4, 9, 41, 42
_PC_RELATIVE = {R_PC32, R_PLT32}
_GOT = {R_GOTPCREL, R_GOTPCRELX, R_REX_GOTPCRELX}
_SKIPPED = {".eh_frame"}                    # allocated, but nothing reads it at run time
PC_SECTION = "dbt_pcs"                      # (host instruction, guest pc offset) of accesses
_PC_ENTRY = struct.Struct("<II")            # in the trailer: host offset, guest pc offset

_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_SHDR = struct.Struct("<IIQQQQIIQQ")
_SYM = struct.Struct("<IBBHQQ")
_RELA = struct.Struct("<QQq")
_STUB = bytes.fromhex("ff25") + b"\0\0\0\0" + bytes.fromhex("0f0b")   # jmp *rel32(%rip); ud2
SLOT = 8


class LinkError(Exception):
    """The object file uses something this linker does not do (a backend bug)."""


class Blob:
    """Linked code and data, position-independent: load its text (`image[:split]`: code,
    stubs, read-only data, slots) at an address aligned to `align` and its writable data
    (`image[split:]`) at one aligned to `data_align`, add the distance between them (less
    `split`) to each `cross` reference, and write each import's address into its slot."""
    __slots__ = ("image", "align", "symbols", "imports", "split", "data_align", "cross",
                 "code_size")

    def __init__(self, image: bytes, align: int, symbols: dict, imports: list, split: int = 0,
                 data_align: int = 16, cross: list = (), code_size: int = 0):
        self.image = image
        self.align = align
        self.symbols = symbols                  # defined symbol -> offset in the image
        self.imports = imports                  # (offset of the slot, symbol it must hold)
        self.split = split                      # where the writable data starts
        self.data_align = data_align
        self.cross = list(cross)                # int32 fields: text -> writable data
        self.code_size = code_size              # the code and stubs at the start of the image

    @property
    def size(self) -> int:
        return len(self.image)

    @property
    def text(self) -> bytes:
        return self.image[:self.split]

    @property
    def data(self) -> bytes:
        return self.image[self.split:]

    def to_bytes(self) -> bytes:
        """The blob as bytes (for the persistent cache): a JSON header, then the image."""
        head = json.dumps({"align": self.align, "symbols": self.symbols,
                           "imports": self.imports, "split": self.split,
                           "data_align": self.data_align, "cross": self.cross,
                           "code_size": self.code_size}).encode()
        return struct.pack("<I", len(head)) + head + self.image

    @classmethod
    def from_bytes(cls, data: bytes) -> "Blob":
        """A blob from `to_bytes` (LinkError if it does not hold together)."""
        try:
            (n,) = struct.unpack_from("<I", data)
            head = json.loads(data[4:4 + n])
            image = data[4 + n:]
            blob = cls(image, int(head["align"]), {str(k): int(v) for k, v in
                                                   head["symbols"].items()},
                       [(int(a), str(b)) for a, b in head["imports"]], int(head["split"]),
                       int(head["data_align"]), [int(c) for c in head["cross"]],
                       int(head["code_size"]))
        except (ValueError, KeyError, TypeError, struct.error) as exc:
            raise LinkError(f"not a blob: {exc}") from None
        text = blob.split
        if not 0 <= text <= len(image) or any(
                not 0 <= v <= len(image) for v in blob.symbols.values()) or any(
                not 0 <= a <= text - SLOT for a, _ in blob.imports) or any(
                not 0 <= c <= text - 4 for c in blob.cross):
            raise LinkError("not a blob: offsets outside its image")
        return blob


class _Section:
    """A section of an object file, and where it goes in the blob (`at`)."""

    def __init__(self, index: int, name: str, kind: int, flags: int, offset: int, size: int,
                 align: int):
        self.index, self.name, self.kind, self.flags = index, name, kind, flags
        self.offset, self.size, self.align = offset, size, align
        self.at = 0
        self.relocations: list = []


def _read_sections(obj: bytes) -> list[_Section]:
    (ident, _type, machine, _v, _entry, _phoff, shoff, _flags, _ehsize, _phes, _phnum,
     shentsize, shnum, shstrndx) = _EHDR.unpack_from(obj)
    if ident[:4] != b"\x7fELF" or ident[4] != 2 or ident[5] != 1 or machine != 62:
        raise LinkError("not an x86-64 ELF64 little-endian object")
    headers = [_SHDR.unpack_from(obj, shoff + i * shentsize) for i in range(shnum)]
    names_at = headers[shstrndx][4]
    sections = []
    for i, (name, kind, flags, _addr, offset, size, link, info, align, _es) in enumerate(headers):
        end = obj.index(b"\0", names_at + name)
        section = _Section(i, obj[names_at + name:end].decode(), kind, flags, offset, size,
                           max(align, 1))
        section.link, section.info = link, info
        sections.append(section)
    return sections


def _symbols(obj: bytes, sections: list[_Section]) -> list[tuple]:
    """(name, section index, value, type) of each symbol of the object's symbol table."""
    symtab = next(s for s in sections if s.kind == SHT_SYMTAB)
    strtab = sections[symtab.link].offset
    out = []
    for at in range(symtab.offset, symtab.offset + symtab.size, _SYM.size):
        name, info, _other, shndx, value, _size = _SYM.unpack_from(obj, at)
        end = obj.index(b"\0", strtab + name)
        out.append((obj[strtab + name:end].decode(), shndx, value, info & 0xF))
    return out


def _place(order: list[_Section], at: int) -> int:
    for s in order:
        at = -(-at // s.align) * s.align
        s.at = at
        at += s.size
    return at


def link(obj: bytes) -> Blob:
    """Link one object file into a position-independent Blob (LinkError if it cannot)."""
    sections = _read_sections(obj)
    notes = [s for s in sections if s.name == PC_SECTION]
    alloc = [s for s in sections if s.flags & SHF_ALLOC and s.name not in _SKIPPED
             and s.name != PC_SECTION]
    code = [s for s in alloc if s.flags & SHF_EXECINSTR]
    rodata = [s for s in alloc if not s.flags & (SHF_EXECINSTR | SHF_WRITE)]
    data = sorted((s for s in alloc if s.flags & SHF_WRITE), key=lambda s: s.kind == SHT_NOBITS)
    placed = {s.index: s for s in alloc}
    for s in sections:
        target = placed.get(s.info) or next((n for n in notes if n.index == s.info), None)
        if s.kind == SHT_RELA and target is not None:
            target.relocations = [_RELA.unpack_from(obj, s.offset + i)
                                  for i in range(0, s.size, _RELA.size)]
    symbols = _symbols(obj, sections)
    external = sorted({name for name, shndx, _v, _t in symbols if shndx == SHN_UNDEF and name})
    end_code = _place(code, 0)
    stubs_at = -(-end_code // 16) * 16
    stubs = {name: stubs_at + i * len(_STUB) for i, name in enumerate(external)}
    end_ro = _place(rodata, stubs_at + len(stubs) * len(_STUB))
    slots_at = -(-end_ro // SLOT) * SLOT
    slots = {name: slots_at + i * SLOT for i, name in enumerate(external)}
    data_align = max([16, *(s.align for s in data)])
    npcs = sum(len(n.relocations) for n in notes)       # one per noted instruction
    trailer = npcs * _PC_ENTRY.size + 4
    split = -(-(slots_at + len(slots) * SLOT + trailer) // data_align) * data_align
    size = _place(data, split)
    image = bytearray(size)
    for s in alloc:
        if s.kind != SHT_NOBITS:
            image[s.at:s.at + s.size] = obj[s.offset:s.offset + s.size]
    for name, at in stubs.items():
        image[at:at + len(_STUB)] = _STUB
        struct.pack_into("<i", image, at + 2, slots[name] - (at + 6))

    def address(index: int) -> int:
        name, shndx, value, _type = symbols[index]
        if shndx == SHN_UNDEF:
            return stubs[name]
        if shndx not in placed:
            raise LinkError(f"symbol {name or index} is in a section that is not loaded")
        return placed[shndx].at + value

    cross = []
    for s in alloc:
        for offset, info, addend in s.relocations:
            kind, place = info & 0xFFFFFFFF, s.at + offset
            if kind in _PC_RELATIVE:
                target = address(info >> 32)
            elif kind in _GOT:
                target = slots[symbols[info >> 32][0]] if symbols[info >> 32][1] == SHN_UNDEF \
                    else _refuse(f"GOT reference to the defined symbol {symbols[info >> 32][0]}")
            else:
                raise LinkError(f"relocation type {kind} in {s.name}")
            value = target + addend - place
            if not -(1 << 31) <= value < 1 << 31:
                raise LinkError(f"relocation out of range in {s.name}")
            if (place < split) != (target < split):
                if place >= split:
                    raise LinkError(f"writable data refers to code in {s.name}")
                cross.append(place)
            struct.pack_into("<i", image, place, value)
    pcs = []
    for n in notes:
        # LLVM writes, per metadata node, the addresses of the instructions that carry it,
        # then the node's constants once: an entry without constants shares the next one's
        pending = []
        starts = sorted(n.relocations)
        for i, (offset, info, addend) in enumerate(starts):
            end = starts[i + 1][0] if i + 1 < len(starts) else n.size
            if info & 0xFFFFFFFF not in _PC_RELATIVE or (end - offset) % 4 or end <= offset:
                raise LinkError(f"unexpected relocation in {PC_SECTION}")
            host = address(info >> 32) + addend
            if not 0 <= host < end_code:
                raise LinkError(f"{PC_SECTION} names a place outside the code")
            pending.append(host)
            if end - offset > 4:        # its constants follow: the pc (the first one, when
                pc = struct.unpack_from("<I", obj, n.offset + offset + 4)[0]   # accesses fused)
                pcs.extend((h, pc) for h in pending)
                pending = []
        if pending:
            raise LinkError(f"{PC_SECTION} ends without a pc")
    pcs.sort()
    at = split - trailer
    for host, pc in pcs:
        _PC_ENTRY.pack_into(image, at, host, pc)
        at += _PC_ENTRY.size
    struct.pack_into("<I", image, at, npcs)
    defined = {name: placed[shndx].at + value for name, shndx, value, kind in symbols
               if name and not name.startswith(".L") and kind != STT_SECTION
               and shndx in placed}
    align = max([16, *(s.align for s in alloc if not s.flags & SHF_WRITE)])
    return Blob(bytes(image), align, defined, [(at, name) for name, at in slots.items()],
                split, data_align, cross, stubs_at + len(stubs) * len(_STUB))


def _refuse(message: str):
    raise LinkError(message)


def fault_pc(text: int, text_size: int, host_pc: int) -> int | None:
    """The guest pc offset of the access at `host_pc` in a blob's text placed at `text` (its
    trailer, see above), or None if no access is there."""
    import ctypes

    if not text <= host_pc < text + text_size or text_size < 4:
        return None
    count = ctypes.c_uint32.from_address(text + text_size - 4).value
    start = text + text_size - 4 - 8 * count
    if count == 0 or start < text:
        return None
    pairs = (ctypes.c_uint32 * (2 * count)).from_address(start)
    target = host_pc - text
    lo, hi = 0, count
    while lo < hi:
        mid = (lo + hi) // 2
        if pairs[2 * mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return pairs[2 * lo + 1] if lo < count and pairs[2 * lo] == target else None
