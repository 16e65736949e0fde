"""Block functions stitched from the bytecode of lines compiled once (CPython 3.11).

A block's Python function costs ~100-300 us in `compile()`, and most of a real program's
blocks run a few times only, so compiling is most of the interpreter's cost per block. But
the lines of those blocks come from a few hundred templates: measured on `python3 -c
'print(1)'`, 30,900 blocks of 9,100 shapes (see codegen's shape cache) are made of ~1,400
distinct lines once numbers and local names are abstracted. So each distinct line is compiled
once, as a *piece*, and a block's code object is made by concatenating its lines' pieces and
relocating their operands:

- a piece is the line compiled as `def p(R, v0, v1, ...)`: each local name of the line, in
  order of first appearance, is a parameter (so that a name the line only reads is still a
  local), each nonzero number literal a sentinel constant (as codegen's block shapes do), and
  a trailer statement `R = R` three times marks where the line's code ends. The trailer is
  longer than CPython's inlining of small exit blocks (4 instructions), so a jump to the end
  of the line stays a jump to it, which after stitching is the start of the next piece;
- relocation maps each piece's local, constant and name indices to the block's; 3.11 jumps
  are relative and line-local, so code moves without change;
- the block's line table gives each piece's code its own source line numbers, the ones
  `compile()` would have given: fault reports find the raising line through `linemap`.

A line that does not fit (a number the compiler folded, an index above 255, an opcode this
module does not relocate) makes `stitch` return None, and codegen compiles the block's source
instead. Other Python versions have other bytecode: there `stitch` is never used.
"""

from __future__ import annotations

import dis
import re
import sys
from opcode import _inline_cache_entries as _CACHES
from types import CodeType

ENABLED = sys.version_info[:2] == (3, 11)

TOKEN = re.compile(r"\b(0x[0-9a-f]+|[1-9][0-9]*|[at][0-9]+)\b")   # literals and local names
SENTINEL = 1 << 40                    # as codegen's: sentinel i is SENTINEL + i

_OP = dis.opmap
_RESUME, _EXTENDED_ARG = _OP["RESUME"], _OP["EXTENDED_ARG"]
_LOAD_FAST, _STORE_FAST = _OP["LOAD_FAST"], _OP["STORE_FAST"]
_LOAD_CONST, _RETURN_VALUE = _OP["LOAD_CONST"], _OP["RETURN_VALUE"]
_LOAD_GLOBAL = _OP["LOAD_GLOBAL"]
_LOCAL_OPS = frozenset(dis.haslocal)
_CONST_OPS = frozenset(dis.hasconst)
_NAME_OPS = frozenset(_OP[n] for n in ("LOAD_ATTR", "LOAD_METHOD", "STORE_ATTR", "DELETE_ATTR"))
_JUMP_FORWARD = frozenset(o for o in dis.hasjrel if "BACKWARD" not in dis.opname[o])
_JUMP_BACKWARD = frozenset(o for o in dis.hasjrel if "BACKWARD" in dis.opname[o])
_PLAIN = frozenset(range(256)) - _LOCAL_OPS - _CONST_OPS - _NAME_OPS - {
    _LOAD_GLOBAL, _EXTENDED_ARG, _RESUME, *dis.hasfree,
    *(_OP[n] for n in ("LOAD_NAME", "STORE_NAME", "DELETE_NAME", "STORE_GLOBAL",
                       "DELETE_GLOBAL", "IMPORT_NAME", "IMPORT_FROM"))}
_TRAILER = "    R = R; R = R; R = R"
_TRAILER_CODE = bytes([_LOAD_FAST, 0, _STORE_FAST, 0] * 3)
_FLAGS = 3                            # CO_OPTIMIZED | CO_NEWLOCALS: a plain function


def _template() -> CodeType:
    def blk(R):
        return R
    return blk.__code__


_BLOCK = _template()


class Piece:
    """One line's code: its body (without RESUME and trailer), where to relocate it, and its
    line table as (code units, line offset in the piece) per run of code units of one line."""
    __slots__ = ("code", "locals", "lits", "vals", "globals", "attrs", "nlits", "stack",
                 "lines", "terminal")

    def __init__(self, code, locs, lits, vals, globs, attrs, nlits, stack, lines, terminal):
        self.code = code                  # bytes
        self.locals = locs                # ((arg byte offset, piece local index), ...)
        self.lits = lits                  # ((arg byte offset, literal index in the line), ...)
        self.vals = vals                  # ((arg byte offset, other constant), ...)
        self.globals = globs              # ((arg byte offset, name, push-null bit), ...)
        self.attrs = attrs                # ((arg byte offset, attribute name), ...)
        self.nlits = nlits
        self.stack = stack
        self.lines = lines
        self.terminal = terminal          # ends in a return: the trailer was unreachable


PIECES: dict[str, Piece | None] = {}      # line, numbers and local names abstracted -> piece
LINES: dict[str, tuple] = {}              # line, numbers abstracted -> (piece, its names)


def compile_piece(key: str, nlocals: int, nlits: int) -> Piece | None:
    """The piece of a line abstracted as `key` ("#" for each literal, v<i> for local names)."""
    chunks = key.split("#")
    if len(chunks) != nlits + 1:
        return None
    source = chunks[0] + "".join(str(SENTINEL + i) + c for i, c in enumerate(chunks[1:]))
    params = ", ".join(["R"] + [f"v{i}" for i in range(nlocals)])
    try:
        module = compile(f"def p({params}):\n{source}\n{_TRAILER}\n", "<piece>", "exec")
    except SyntaxError:
        return None
    code = next(c for c in module.co_consts if isinstance(c, CodeType))
    if code.co_nlocals != nlocals + 1 or code.co_exceptiontable or code.co_freevars \
            or code.co_cellvars:
        return None
    const_sites = []
    seen = set()
    for c in code.co_consts:
        if type(c) is int and SENTINEL <= c < SENTINEL + nlits:
            const_sites.append(("lit", c - SENTINEL))
            seen.add(c - SENTINEL)
        elif c is None or type(c) in (bool, str) or type(c) is int and c == 0 \
                or type(c) is tuple and all(type(x) is str for x in c):
            const_sites.append(("val", c))
        else:
            return None                   # a folded constant
    if len(seen) != nlits:
        return None
    raw = code.co_code
    if raw[0] != _RESUME:
        return None
    none_index = code.co_consts.index(None) if None in code.co_consts else -1
    tail = _TRAILER_CODE + bytes([_LOAD_CONST, none_index, _RETURN_VALUE, 0])
    terminal = not raw.endswith(tail)
    end = len(raw) if terminal else len(raw) - len(tail)
    if terminal and raw[-2] != _RETURN_VALUE:
        return None
    body = raw[2:end]
    locs, lits, vals, globs, attrs = [], [], [], [], []
    at = 0
    while at < len(body):
        op, arg = body[at], body[at + 1]
        nxt = at + 2 + 2 * _CACHES[op]
        if op in _LOCAL_OPS:
            locs.append((at + 1, arg))
        elif op in _CONST_OPS:
            kind, value = const_sites[arg]
            (lits if kind == "lit" else vals).append((at + 1, value))
        elif op == _LOAD_GLOBAL:
            globs.append((at + 1, code.co_names[arg >> 1], arg & 1))
        elif op in _NAME_OPS:
            attrs.append((at + 1, code.co_names[arg]))
        elif op not in _PLAIN:
            return None
        if op in _JUMP_FORWARD and not nxt + 2 * arg <= len(body) \
                or op in _JUMP_BACKWARD and nxt - 2 * arg < 0:
            return None                   # (a jump out of the line)
        at = nxt
    runs: list[list[int]] = []            # [code units, line offset]
    for start, stop, line in code.co_lines():
        start, stop = max(start, 2) - 2, min(stop, end) - 2
        if stop > start:
            offset = (line or 2) - 2
            if runs and runs[-1][1] == offset:
                runs[-1][0] += (stop - start) // 2
            else:
                runs.append([(stop - start) // 2, offset])
    return Piece(body, tuple(locs), tuple(lits), tuple(vals), tuple(globs), tuple(attrs),
                 nlits, code.co_stacksize, tuple(map(tuple, runs)), terminal)


def _entries(out: bytearray, units: int, delta: int) -> None:
    """Line-table entries (3.11's format, code 13: no column) for `units` code units whose
    line is `delta` from the previous entry's."""
    while units > 0:
        n = min(units, 8)
        out.append(0x80 | 13 << 3 | (n - 1))
        value = (-delta << 1 | 1) if delta < 0 else delta << 1
        while value >= 0x40:
            out.append(0x40 | value & 0x3f)
            value >>= 6
        out.append(value)
        units -= n
        delta = 0


def _line(text: str) -> tuple:
    """(piece, the line's local names in the piece's order) of a line whose literals are
    "#" (LINES' entry)."""
    parts = TOKEN.split(text)
    key = [parts[0]]
    names: dict[str, int] = {}
    for k in range(1, len(parts), 2):
        token = parts[k]
        key.append(f"v{names.setdefault(token, len(names))}")
        key.append(parts[k + 1])
    key_text = "".join(key)
    piece = PIECES.get(key_text, False)
    if piece is False:
        piece = PIECES[key_text] = compile_piece(key_text, len(names), key_text.count("#"))
    return piece, tuple(names)


def stitch(shape: str, nlits: int) -> tuple[CodeType, tuple] | None:
    """The code object of `def blk(R):` over the lines of `shape` (a block's body, each line
    indented by 4, its `nlits` literals written "#"), whose constants are the literals, in
    order, then the other constants (returned second); None when a line does not fit (see
    above)."""
    code = bytearray((_RESUME, 0))
    table = bytearray()
    _entries(table, 1, 0)                 # RESUME on the def line (co_firstlineno 1)
    consts: list = [0] * nlits            # the literals first, in order
    value_index: dict = {}
    names: dict[str, int] = {}
    varnames: dict[str, int] = {"R": 0}
    base = 0                              # literals before the line
    stack = 1
    prev_line = 1
    terminal = False
    lines = shape.split("\n")
    count = len(lines)
    i = 0
    while i < count:
        text = lines[i]
        j = i + 1
        while j < count and lines[j].startswith("    else:"):
            text += "\n" + lines[j]
            j += 1
        entry = LINES.get(text)
        if entry is None:
            entry = LINES[text] = _line(text)
        piece, line_names = entry
        if piece is None or terminal:
            return None
        body = bytearray(piece.code)
        try:
            if piece.locals:
                local_map = [0]
                for name in line_names:
                    index = varnames.get(name)
                    if index is None:
                        index = varnames[name] = len(varnames)
                    local_map.append(index)
                for at, index in piece.locals:
                    body[at] = local_map[index]
            for at, index in piece.lits:
                body[at] = base + index
            for at, value in piece.vals:
                index = value_index.get((type(value), value))
                if index is None:
                    index = value_index[(type(value), value)] = len(consts)
                    consts.append(value)
                body[at] = index
            for at, name, null in piece.globals:
                index = names.get(name)
                if index is None:
                    index = names[name] = len(names)
                body[at] = index << 1 | null
            for at, name in piece.attrs:
                index = names.get(name)
                if index is None:
                    index = names[name] = len(names)
                body[at] = index
        except ValueError:
            return None                   # (an index above 255: one byte holds none)
        code += body
        for units, offset in piece.lines:
            line = i + 2 + offset
            _entries(table, units, line - prev_line)
            prev_line = line
        if piece.stack > stack:
            stack = piece.stack
        terminal = piece.terminal
        base += piece.nlits
        i = j
    if not terminal or base != nlits:
        return None
    return _BLOCK.replace(
        co_code=bytes(code), co_consts=tuple(consts), co_names=tuple(names),
        co_varnames=tuple(varnames), co_nlocals=len(varnames), co_argcount=1,
        co_stacksize=stack, co_linetable=bytes(table), co_exceptiontable=b"",
        co_firstlineno=1, co_flags=_FLAGS, co_filename="<block>"), tuple(consts[nlits:])
