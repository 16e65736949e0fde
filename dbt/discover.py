"""Static code discovery: the guest blocks of an ELF file, found before it runs.

What an ELF file says about its code (read with pyelftools): its executable sections, its
entry point, the functions of its symbol tables (.symtab when it is not stripped, .dynsym
always for a shared object), and what it needs to run (PT_INTERP, DT_NEEDED, DT_RUNPATH).

How blocks are found, ISA-neutrally, from lifted IR (`lift(pc) -> Block`):

- a linear sweep of each executable range: a block, then the block that starts where it
  ends, and so on (undecodable bytes become a two-byte block that traps, and the sweep goes
  on after them, so it finds its footing again at the next instruction boundary);
- recursive descent from the roots (the entry point, every function symbol) and from every
  block: branch and jump targets, and the return point after a block that ends in a jump
  (a call); a target inside a block the sweep made starts a block of its own;
- jump tables it can recognise: a computed jump whose target is a value loaded from a table
  at a constant address (`pc_addr` or a constant, plus an index), absolute (the entry is the
  target) or relative (a constant plus the entry): the entries are read while they point
  into executable code.

Whatever it misses (a function reached only through a pointer in data, in a stripped file) is
translated when the guest gets there, as in the dynamic mode.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable

from .ir.block import Block, Const, Temp
from .region import successors

SHF_EXECINSTR = 4
MAX_TABLE = 4096                 # jump-table entries read at most


@dataclass
class ElfCode:
    """What an ELF file says about its code (addresses as in the file: add the load bias)."""
    path: str
    etype: str                                   # "ET_EXEC" or "ET_DYN"
    entry: int
    ranges: list[tuple[int, int]]                # executable sections [start, end)
    functions: list[tuple[int, int, str]]        # (start, size, name), sorted, deduplicated
    interp: str | None = None
    needed: list[str] = field(default_factory=list)
    runpath: list[str] = field(default_factory=list)


def read_elf(path: str) -> ElfCode:
    """The code-related facts of an ELF file (ELFError/OSError if it is not one)."""
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    with open(path, "rb") as f:
        elf = ELFFile(f)
        sections = list(elf.iter_sections())
        ranges = sorted((s["sh_addr"], s["sh_addr"] + s["sh_size"]) for s in sections
                        if s["sh_flags"] & SHF_EXECINSTR and s["sh_size"] and s["sh_addr"])
        found = {}
        for s in sections:
            if isinstance(s, SymbolTableSection):
                for sym in s.iter_symbols():
                    kind = sym["st_info"]["type"]
                    if kind in ("STT_FUNC", "STT_GNU_IFUNC") and sym["st_value"] and \
                            _inside(ranges, sym["st_value"]):
                        found.setdefault(sym["st_value"], (sym["st_size"], sym.name))
        code = ElfCode(path, elf["e_type"], elf["e_entry"], ranges,
                       sorted((start, size, name) for start, (size, name) in found.items()))
        for seg in elf.iter_segments():
            if seg["p_type"] == "PT_INTERP":
                code.interp = seg.get_interp_name()
        for s in sections:
            if isinstance(s, DynamicSection):
                for tag in s.iter_tags():
                    if tag.entry.d_tag == "DT_NEEDED":
                        code.needed.append(tag.needed)
                    elif tag.entry.d_tag in ("DT_RUNPATH", "DT_RPATH"):
                        text = tag.runpath if tag.entry.d_tag == "DT_RUNPATH" else tag.rpath
                        code.runpath.extend(p for p in text.split(":") if p)
    return code


def _inside(ranges: list[tuple[int, int]], pc: int) -> bool:
    i = bisect_right(ranges, (pc, 1 << 64)) - 1
    return i >= 0 and ranges[i][0] <= pc < ranges[i][1]


class Discovery:
    """Blocks of one file, lifted: `run` sweeps, descends and reads jump tables until no new
    block start turns up (only blocks for which `within` holds are lifted: a part of the
    file; the targets it finds elsewhere are for whoever has those parts)."""

    def __init__(self, lift: Callable[[int], Block], read: Callable[[int, int], bytes | None],
                 ranges: list[tuple[int, int]], within: Callable[[int], bool] | None = None):
        self.lift = lift
        self.read = read                   # read(addr, n): guest bytes, or None
        self.ranges = sorted(ranges)       # executable ranges (with the bias)
        self.within = within or self.inside
        self.blocks: dict[int, Block] = {}
        self.tables = 0                    # jump tables recognised

    def inside(self, pc: int) -> bool:
        return _inside(self.ranges, pc)

    def sweep(self, start: int, end: int) -> None:
        pc = start
        while pc < end:
            block = self._block(pc)
            pc = block.end_pc if block.end_pc > pc else pc + 2

    def run(self, roots: list[int], sweep: list[tuple[int, int]]) -> dict[int, Block]:
        for start, end in sweep:
            self.sweep(start, end)
        work = list(roots)
        for block in list(self.blocks.values()):
            work.extend(self.targets(block))
        while work:
            pc = work.pop()
            if pc in self.blocks or not self.within(pc) or not self.inside(pc):
                continue
            work.extend(self.targets(self._block(pc)))
        return self.blocks

    def _block(self, pc: int) -> Block:
        block = self.blocks.get(pc)
        if block is None:
            block = self.blocks[pc] = self.lift(pc)
        return block

    def targets(self, block: Block) -> list[int]:
        """Where the block may go: static successors, the return point of a call, the
        entries of a jump table."""
        out = list(successors(block))
        exit = block.exit
        if exit.name in ("jump", "jump_ind"):
            out.append(block.end_pc)                 # where a call returns
        if exit.name == "jump_ind":
            out.extend(self.table_targets(block))
        return out

    def table_targets(self, block: Block) -> list[int]:
        """The targets of a jump table the block's computed jump reads, if it can tell."""
        defs = {op.result.id: op for op in block.ops if op.result is not None}
        target = block.exit.args[0]
        base, load = _table_jump(target, defs)
        if load is None:
            return []
        table = _table_address(load.args[0], defs)
        if table is None:
            return []
        width = load.result.type.bits // 8
        if width not in (4, 8):
            return []
        out = []
        for i in range(MAX_TABLE):
            raw = self.read(table + i * width, width)
            if raw is None:
                break
            value = int.from_bytes(raw, "little", signed=width == 4)
            pc = ((base if base is not None else 0) + value) & ((1 << 64) - 1)
            if pc & 1 or not self.inside(pc):
                break
            out.append(pc)
        if out:
            self.tables += 1
        return out


def _const(value, defs) -> int | None:
    """The constant (or code address) a value is, if it is one."""
    if isinstance(value, Const):
        return value.value
    if isinstance(value, Temp):
        op = defs.get(value.id)
        if op is not None and op.name == "pc_addr":
            return op.attrs["addr"]
    return None


def _strip(value, defs):
    """A value through sign or zero extensions."""
    while isinstance(value, Temp) and value.id in defs and defs[value.id].name in ("sext", "zext"):
        value = defs[value.id].args[0]
    return value


def _table_jump(target, defs):
    """(base, load) when the target is base + (extended) load, or (None, load) when it is the
    load itself; (None, None) otherwise. An `and` with a mask (jalr's ~1) is looked through."""
    op = defs.get(target.id) if isinstance(target, Temp) else None
    if op is not None and op.name == "and" and isinstance(op.args[1], Const):
        inner = _strip(op.args[0], defs)
        op = defs.get(inner.id) if isinstance(inner, Temp) else None
    elif op is not None and op.name in ("sext", "zext"):
        inner = _strip(target, defs)
        op = defs.get(inner.id) if isinstance(inner, Temp) else None
    if op is None:
        return None, None
    if op.name == "load":
        return None, op
    if op.name == "add":
        for a, b in (op.args, op.args[::-1]):
            base = _const(a, defs)
            inner = _strip(b, defs)
            load = defs.get(inner.id) if isinstance(inner, Temp) else None
            if base is not None and load is not None and load.name == "load":
                return base, load
    return None, None


def _table_address(addr, defs) -> int | None:
    """The constant part of a table access's address (table + index*width)."""
    direct = _const(addr, defs)
    if direct is not None:
        return direct
    op = defs.get(addr.id) if isinstance(addr, Temp) else None
    if op is None or op.name != "add":
        return None
    for a in op.args:
        found = _const(a, defs)
        if found is not None:
            return found
    return None

