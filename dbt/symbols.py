"""Function names for the `IN: name` lines of `--trace in_asm`, found as qemu-user finds them.

qemu-user reads the ELF symbol table (the first SHT_SYMTAB section: a stripped program has
none, and .dynsym is not read) of the program and of its interpreter, keeps the defined
STT_FUNC symbols, sorts them by address and binary-searches for the one whose
[value, value + size) holds the block's first pc.  The result on overlapping or zero-sized
symbols depends on the order of that search, so it is reproduced step by step: the filter
that moves the last entry into each dropped one's place, a stable sort by address (glibc's
qsort is a merge sort), and glibc's bsearch.  The images are tried in the reverse order of
loading (the interpreter first), and the first one with a name wins.
"""
from __future__ import annotations

import struct

__all__ = ["SymbolTable", "Symbols"]

SHN_UNDEF, SHN_LORESERVE, STT_FUNC = 0, 0xFF00, 2
# (format, offsets of name, info, shndx, value, size in the unpacked tuple) per ELF class
_ENTRY = {64: ("IBBHQQ", (0, 1, 3, 4, 5)), 32: ("IIIBBH", (0, 3, 5, 1, 2))}


class SymbolTable:
    """The function symbols of one loaded ELF image."""

    def __init__(self, path: str, bias: int) -> None:
        from elftools.common.exceptions import ELFError     # only a traced run reads names:
        from elftools.elf.elffile import ELFFile            # the import costs ~40 ms
        self.entries: list[tuple[int, int, str]] = []      # (value, size, name), sorted
        try:
            with open(path, "rb") as f:
                self.entries = self._read(ELFFile(f), bias)
        except (OSError, ValueError, LookupError, struct.error, ELFError):
            self.entries = []           # a damaged symbol table only costs the names

    @staticmethod
    def _read(elf, bias: int) -> list[tuple[int, int, str]]:
        symtab = next((s for s in elf.iter_sections() if s["sh_type"] == "SHT_SYMTAB"), None)
        if symtab is None:
            return []
        strtab = elf.get_section(symtab["sh_link"]).data()
        fmt, (i_name, i_info, i_shndx, i_value, i_size) = _ENTRY[elf.elfclass]
        fmt = ("<" if elf.little_endian else ">") + fmt
        raw = symtab.data()
        count = len(raw) // struct.calcsize(fmt)
        syms = list(struct.iter_unpack(fmt, raw[:count * struct.calcsize(fmt)]))
        mask = (1 << elf.elfclass) - 1
        kept, i, n = [], 0, len(syms)
        while i < n:                    # qemu's in-place filter: the last entry fills a hole
            sym = syms[i]
            if (sym[i_shndx] == SHN_UNDEF or sym[i_shndx] >= SHN_LORESERVE
                    or sym[i_info] & 0xF != STT_FUNC):
                n -= 1
                if i < n:
                    syms[i] = syms[n]
            else:
                kept.append(sym)
                i += 1
        entries = [((s[i_value] + bias) & mask, s[i_size], _c_string(strtab, s[i_name]))
                   for s in kept]
        entries.sort(key=lambda e: e[0])            # stable, as glibc's merge sort
        return entries

    def lookup(self, addr: int) -> str:
        """glibc's bsearch with qemu's comparison; "" if it finds nothing."""
        low, high = 0, len(self.entries)
        while low < high:
            mid = (low + high) // 2
            value, size, name = self.entries[mid]
            if addr < value:
                high = mid
            elif addr >= value + size:
                low = mid + 1
            else:
                return name
        return ""


def _c_string(table: bytes, offset: int) -> str:
    end = table.find(b"\0", offset)
    return table[offset:end if end >= 0 else len(table)].decode("latin-1")


class Symbols:
    """The symbol tables of a process's images, tried newest first."""

    def __init__(self, images: list[tuple[str, int]]) -> None:
        """`images`: (host path, load bias) in the order they were loaded."""
        self.tables = [SymbolTable(path, bias) for path, bias in reversed(images)]

    def lookup(self, addr: int) -> str:
        for table in self.tables:
            name = table.lookup(addr)
            if name:
                return name
        return ""
