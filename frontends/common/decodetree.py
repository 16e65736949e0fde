"""Decodetree: compile declarative instruction patterns into a decoder and an encoder.

Our own Python implementation of the pattern language of QEMU's docs/devel/decodetree.rst,
compiled at import time.  One definition per line; ``#`` comments, ``\\`` continues a line::

    %name  pos:len pos:slen ... [!function=ex]    field: pieces concatenated, first one most
                                                  significant; only the first may be signed
    &name  arg arg ... [!extern]                  argument set
    @name  bits &args %field name=%field name=N   format (a reusable part of patterns)
    name   bits &args @fmt %field ... [!trans=t]  pattern
    {  ...  }   overlap group: members tried in order, first match wins
    [  ...  ]   no-overlap group: members must be disjoint (useful inside ``{ }``)

Bits are ``0``/``1`` (fixed), ``.`` (operand: a field must read it), ``-`` (ignored by the
hardware) or an inline field ``name:len``/``name:slen`` placed where it stands.  A pattern
names its translator; ``!trans=t`` (our extension) lets several encodings, e.g. compressed
forms, share translator ``t``.  Two patterns that can match the same word outside an explicit
``{ }`` group are a build error naming both patterns and lines.

Post-functions come from the ``functions`` mapping passed to :func:`build`, each ``fn`` or
``(fn, inverse)`` (the encoder needs the inverse).  Returning None rejects the encoding, like
a Sail ``when`` clause or a QEMU ``trans_`` returning false: inside ``{ }`` the next member is
then tried.  The :class:`Decoder` holds a decision tree (dicts keyed by ``insn & mask`` on the
bits all candidates fix, short ordered lists at the leaves) and a Sail-style encoder.
"""
from __future__ import annotations

import collections
import functools
import itertools
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, NamedTuple, Sequence

__all__ = ["DecodeTreeError", "EncodeError", "Field", "Pattern", "Group", "Decoder", "build"]


class DecodeTreeError(Exception):
    """A pattern description is malformed or ambiguous (raised while building)."""


class EncodeError(DecodeTreeError, ValueError):
    """Field values that the named pattern cannot encode."""


_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_RE_PIECE = re.compile(r"^(\d+):(s?)(\d+)$")
_RE_INLINE = re.compile(rf"^({_IDENT}):(s?)(\d+)$")
_RE_BITS = re.compile(r"^[01.\-]+$")
_RE_ASSIGN = re.compile(rf"^({_IDENT})=(%?)(\S+)$")
_RE_NAME = re.compile(rf"^{_IDENT}$")


@dataclass(frozen=True)
class Loc:
    """Where a definition was written: source name and 1-based line number."""
    source: str
    line: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line}"


class Piece(NamedTuple):
    pos: int
    length: int


@dataclass(frozen=True, eq=False)
class Field:
    """A (possibly split, signed, post-processed) bit field of an instruction word."""
    name: str
    pieces: tuple[Piece, ...]
    signed: bool
    func: str | None
    loc: Loc

    @property
    def width(self) -> int:
        return sum(p.length for p in self.pieces)

    @property
    def mask(self) -> int:
        return sum(((1 << p.length) - 1) << p.pos for p in self.pieces)

    def raw(self, insn: int) -> int:
        """The concatenated (and sign-extended) value before any post-function."""
        value = 0
        for pos, length in self.pieces:
            value = (value << length) | ((insn >> pos) & ((1 << length) - 1))
        if self.signed and value >> (self.width - 1):
            value -= 1 << self.width
        return value

    def deposit(self, raw: int) -> int:
        """Scatter ``raw`` (truncated to the field width) into the field's bit positions."""
        word = 0
        for pos, length in reversed(self.pieces):
            word |= (raw & ((1 << length) - 1)) << pos
            raw >>= length
        return word


@dataclass(eq=False)
class Pattern:
    """One instruction encoding: fixed bits, fields, and the translator that handles it."""
    name: str
    trans: str
    loc: Loc
    mask: int
    value: int
    ignored: int
    fields: dict[str, Field | int]
    argset: str
    argtype: type
    extract: Callable[[int], tuple | None]

    def match(self, insn: int) -> tuple[Pattern, tuple] | None:
        """``(self, args)`` if the fixed bits match and no post-function rejects."""
        if insn & self.mask != self.value:
            return None
        args = self.extract(insn)
        return None if args is None else (self, args)


@dataclass(eq=False)
class Group:
    """``{ }`` (overlap=True, ordered) or ``[ ]`` (overlap=False, disjoint) group."""
    overlap: bool
    members: list
    loc: Loc

    def patterns(self) -> Iterable[Pattern]:
        for m in self.members:
            yield from (m.patterns() if isinstance(m, Group) else (m,))


def overlaps(a: Pattern, b: Pattern) -> bool:
    """True when some word matches both patterns' fixed bits."""
    return (a.value ^ b.value) & a.mask & b.mask == 0


# --------------------------------------------------------------------------- parsing

def _logical_lines(source: str, text: str) -> Iterable[tuple[Loc, list[str]]]:
    """Yield (location, tokens) per logical line: comments stripped, ``\\`` joined."""
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        tokens = " ".join(pending + [line]).split()
        pending = []
        if tokens:
            yield Loc(source, start), tokens
    if pending:
        raise DecodeTreeError(f"{source}:{start}: line continuation at end of input")


class _Parser:
    """Reads .dec sources into fields, argsets, formats, patterns and the group tree."""

    def __init__(self, width: int, functions: Mapping[str, object]):
        self.width = width
        self.functions = functions
        self.fields: dict[str, Field] = {}
        self.argsets: dict[str, tuple[str, ...]] = {}
        self.formats: dict[str, tuple] = {}   # name -> (bits, fields, argset)
        self.patterns: dict[str, Pattern] = {}
        self.root = Group(False, [], Loc("<root>", 0))
        self.stack: list[Group] = [self.root]

    def parse(self, source: str, text: str) -> None:
        for loc, tokens in _logical_lines(source, text):
            self._line(loc, tokens)
        if len(self.stack) > 1:
            raise DecodeTreeError(f"{self.stack[-1].loc}: group opened here is never closed")

    def _line(self, loc: Loc, tokens: list[str]) -> None:
        head = tokens[0]
        if head in ("{", "[", "}", "]"):
            if len(tokens) > 1:
                raise DecodeTreeError(f"{loc}: '{head}' must stand alone on its line")
            return self._group(loc, head)
        kind = {"%": self._field_def, "&": self._argset_def, "@": self._format_def}
        if head[0] in kind:
            if len(self.stack) > 1:
                raise DecodeTreeError(f"{loc}: definitions are not allowed inside a group")
            return kind[head[0]](loc, head[1:], tokens[1:])
        return self._pattern_def(loc, head, tokens[1:])

    def _group(self, loc: Loc, token: str) -> None:
        if token in "{[":
            group = Group(token == "{", [], loc)
            self.stack[-1].members.append(group)
            self.stack.append(group)
            return
        top = self.stack[-1]
        if len(self.stack) == 1 or top.overlap != (token == "}"):
            raise DecodeTreeError(f"{loc}: unexpected '{token}'")
        if not top.members:
            raise DecodeTreeError(f"{loc}: empty group (opened at {top.loc})")
        self.stack.pop()

    def _name(self, loc: Loc, name: str, table: dict, what: str) -> str:
        if not _RE_NAME.match(name):
            raise DecodeTreeError(f"{loc}: bad {what} name {name!r}")
        if name in table:
            raise DecodeTreeError(f"{loc}: {what} {name!r} already defined")
        return name

    def _field_def(self, loc: Loc, name: str, tokens: list[str]) -> None:
        self._name(loc, name, self.fields, "field")
        func = None
        if tokens and tokens[-1].startswith("!function="):
            func = tokens.pop()[len("!function="):]
            if func not in self.functions:
                raise DecodeTreeError(f"{loc}: unknown function {func!r}")
        pieces, signed = [], False
        for i, token in enumerate(tokens):
            m = _RE_PIECE.match(token)
            if not m:
                raise DecodeTreeError(f"{loc}: field %{name}: bad piece {token!r}")
            if m[2] and i:
                raise DecodeTreeError(f"{loc}: field %{name}: only the first piece may be signed")
            signed = signed or bool(m[2])
            pieces.append(self._piece(loc, name, int(m[1]), int(m[3])))
        if not pieces:
            raise DecodeTreeError(f"{loc}: field %{name} has no bits")
        if len({b for pos, n in pieces for b in range(pos, pos + n)}) != sum(n for _, n in pieces):
            raise DecodeTreeError(f"{loc}: field {name}: pieces overlap")
        self.fields[name] = Field(name, tuple(pieces), signed, func, loc)

    def _piece(self, loc: Loc, name: str, pos: int, length: int) -> Piece:
        if length == 0 or pos + length > self.width:
            raise DecodeTreeError(f"{loc}: field {name}: bits {pos}+{length} do not fit "
                                  f"a {self.width}-bit instruction")
        return Piece(pos, length)

    def _argset_def(self, loc: Loc, name: str, tokens: list[str]) -> None:
        self._name(loc, name, self.argsets, "argument set")
        args = [t for t in tokens if t != "!extern"]
        for arg in args:
            if not _RE_NAME.match(arg):
                raise DecodeTreeError(f"{loc}: &{name}: bad argument name {arg!r}")
        if len(set(args)) != len(args):
            raise DecodeTreeError(f"{loc}: &{name}: duplicate argument")
        self.argsets[name] = tuple(args)

    def _format_def(self, loc: Loc, name: str, tokens: list[str]) -> None:
        self._name(loc, name, self.formats, "format")
        bits, fields, argset, _, _ = self._elements(loc, tokens, pattern=False)
        if bits is not None and len(bits) != self.width:
            raise DecodeTreeError(f"{loc}: format @{name} has {len(bits)} bits, "
                                  f"expected {self.width}")
        self.formats[name] = (bits, fields, argset)

    def _elements(self, loc: Loc, tokens: list[str], pattern: bool):
        """Parse the elements shared by formats and patterns."""
        bits, fields = "", {}
        argset = fmt = trans = None
        for token in tokens:
            if _RE_BITS.match(token):
                bits += token
            elif m := _RE_INLINE.match(token):
                bits = self._inline_field(loc, bits, fields, m)
            elif token.startswith("&"):
                argset = self._ref(loc, token[1:], self.argsets, "argument set", argset)
            elif token.startswith("@") and pattern:
                fmt = self._ref(loc, token[1:], self.formats, "format", fmt)
            elif token.startswith("!trans=") and pattern:
                trans = token[len("!trans="):]
            elif token.startswith("%"):
                self._add(loc, fields, token[1:], self._field_ref(loc, token[1:]))
            elif m := _RE_ASSIGN.match(token):
                self._add(loc, fields, m[1], self._assigned(loc, m))
            else:
                raise DecodeTreeError(f"{loc}: unexpected {token!r}")
        return (bits or None), fields, argset, fmt, trans

    def _inline_field(self, loc: Loc, bits: str, fields: dict, m: re.Match) -> str:
        length = int(m[3])
        pos = self.width - len(bits) - length
        if pos < 0 or length == 0:
            raise DecodeTreeError(f"{loc}: inline field {m[1]}:{m[3]} does not fit")
        field = Field(m[1], (Piece(pos, length),), bool(m[2]), None, loc)
        self._add(loc, fields, m[1], field)
        return bits + "." * length

    def _ref(self, loc: Loc, name: str, table: dict, what: str, previous) -> str:
        if previous is not None:
            raise DecodeTreeError(f"{loc}: more than one {what}")
        if name not in table:
            raise DecodeTreeError(f"{loc}: unknown {what} {name!r}")
        return name

    def _field_ref(self, loc: Loc, name: str) -> Field:
        if name not in self.fields:
            raise DecodeTreeError(f"{loc}: unknown field %{name}")
        return self.fields[name]

    def _assigned(self, loc: Loc, m: re.Match) -> Field | int:
        if m[2]:
            return self._field_ref(loc, m[3])
        try:
            return int(m[3], 0)
        except ValueError:
            raise DecodeTreeError(f"{loc}: bad constant {m[3]!r} for {m[1]}") from None

    @staticmethod
    def _add(loc: Loc, fields: dict, name: str, spec: Field | int) -> None:
        if name in fields:
            raise DecodeTreeError(f"{loc}: {name} is set more than once")
        fields[name] = spec

    def _pattern_def(self, loc: Loc, name: str, tokens: list[str]) -> None:
        self._name(loc, name, self.patterns, "pattern")
        bits, fields, argset, fmt_name, trans = self._elements(loc, tokens, pattern=True)
        if trans is not None and not _RE_NAME.match(trans):
            raise DecodeTreeError(f"{loc}: bad !trans name {trans!r}")
        if fmt_name is not None:
            fmt_bits, fmt_fields, fmt_argset = self.formats[fmt_name]
            bits = _merge_bits(loc, bits, fmt_bits)
            for key, spec in fmt_fields.items():
                self._add(loc, fields, key, spec)
            argset = argset or fmt_argset
        pattern = _make_pattern(self, loc, name, trans or name, bits, fields, argset)
        self.patterns[name] = pattern
        self.stack[-1].members.append(pattern)


def _merge_bits(loc: Loc, own: str | None, fmt: str | None) -> str | None:
    if own is None or fmt is None:
        return own if fmt is None else fmt
    if len(own) != len(fmt):
        raise DecodeTreeError(f"{loc}: pattern and format bit strings differ in length")
    merged = []
    for a, b in zip(own, fmt):
        if a in "01" and b in "01" and a != b:
            raise DecodeTreeError(f"{loc}: pattern and format fix a bit to different values")
        merged.append(a if a in "01" else b if b in "01" else ("-" if "-" in (a, b) else "."))
    return "".join(merged)


def _make_pattern(p: _Parser, loc: Loc, name: str, trans: str, bits: str | None,
                  fields: dict, argset: str | None) -> Pattern:
    if bits is None or len(bits) != p.width:
        have = 0 if bits is None else len(bits)
        raise DecodeTreeError(f"{loc}: pattern {name} has {have} bits, expected {p.width}")
    mask, value, ignored = (int(bits.translate(str.maketrans("01.-", table)), 2)
                            for table in ("1100", "0100", "0001"))
    args = _check_args(p, loc, name, fields, argset)
    covered = 0
    for spec in fields.values():
        covered |= spec.mask if isinstance(spec, Field) else 0
    operand_bits = ((1 << p.width) - 1) & ~(mask | ignored)
    if operand_bits & ~covered:
        missing = max(b for b in range(p.width) if operand_bits & ~covered & (1 << b))
        raise DecodeTreeError(f"{loc}: pattern {name}: bit {missing} is '.' but no field "
                              f"reads it (use '-' for ignored bits)")
    argtype = _argtype(argset or f"{name}_args", args)
    layout = tuple(fields[a] if isinstance(fields[a], int)
                   else (fields[a].pieces, fields[a].signed, fields[a].func) for a in args)
    extract = _extractor(argtype, layout, tuple(p.functions.get(f[2]) if type(f) is tuple
                                                else None for f in layout))
    return Pattern(name, trans, loc, mask, value, ignored, {a: fields[a] for a in args},
                   argset or "", argtype, extract)


def _check_args(p: _Parser, loc: Loc, name: str, fields: dict, argset: str | None):
    if argset is None:
        return tuple(fields)
    args = p.argsets[argset]
    for key in fields:
        if key not in args:
            raise DecodeTreeError(f"{loc}: pattern {name}: {key} is not in &{argset}")
    for key in args:
        if key not in fields:
            raise DecodeTreeError(f"{loc}: pattern {name}: argument {key} of &{argset} "
                                  f"is not set")
    return args


@functools.lru_cache(maxsize=None)
def _argtype(name: str, args: tuple[str, ...]) -> type:
    return collections.namedtuple(f"arg_{name}", args)


def _split_function(spec) -> tuple[Callable, Callable | None]:
    return tuple(spec) if isinstance(spec, (tuple, list)) else (spec, None)


@functools.lru_cache(maxsize=None)
def _extractor(argtype: type, layout: tuple, functions: tuple) -> Callable[[int], tuple | None]:
    """The function that extracts a pattern's arguments from a word (None if a post-function
    rejects it), generated as Python source: every field inline, no call per field. Patterns
    of one format share it (`layout`: per argument a constant or (pieces, signed, function
    name); `functions`: the post-functions, by position)."""
    ns: dict[str, object] = {"new": tuple.__new__, "argtype": argtype}
    body, values = ["def extract(insn):"], []
    for i, spec in enumerate(layout):
        if isinstance(spec, int):
            values.append(repr(spec))
            continue
        pieces, signed, func = spec
        body.append(f"    v{i} = {_raw_source(pieces, signed)}")
        if func is not None:
            ns[f"f{i}"] = _split_function(functions[i])[0]
            body += [f"    v{i} = f{i}(v{i})", f"    if v{i} is None:", "        return None"]
        values.append(f"v{i}")
    body.append(f"    return new(argtype, ({''.join(v + ', ' for v in values)}))")
    exec("\n".join(body), ns)
    return ns["extract"]


def _raw_source(pieces: tuple, signed: bool) -> str:
    """An expression of `insn` for a field's raw value (the same as ``Field.raw``): each
    piece lands at the total length of the pieces after it."""
    parts, dest = [], sum(length for _, length in pieces)
    width = dest
    for pos, length in pieces:
        dest -= length
        part = f"((insn >> {pos}) & {(1 << length) - 1:#x})"
        parts.append(f"({part} << {dest})" if dest else part)
    value = " | ".join(parts)
    if not signed:
        return value
    sign = 1 << (width - 1)
    return f"((({value}) ^ {sign:#x}) - {sign:#x})"


# --------------------------------------------------------------------------- checking

def _leaves(item) -> list[Pattern]:
    return list(item.patterns()) if isinstance(item, Group) else [item]


def _check_disjoint(items: Sequence) -> None:
    """Members of a no-overlap context must not share any word. Two patterns that differ in a
    bit every pattern here fixes (a major opcode) cannot, so only those that agree on all such
    bits are compared (a few hundred pairs instead of tens of thousands)."""
    leaves = [(i, leaf) for i, item in enumerate(items) for leaf in _leaves(item)]
    common = -1
    for _, leaf in leaves:
        common &= leaf.mask
    buckets: dict[int, list] = {}
    for i, leaf in leaves:
        buckets.setdefault(leaf.value & common, []).append((i, leaf))
    for bucket in buckets.values():
        for (i, a), (j, b) in itertools.combinations(bucket, 2):
            if i != j and overlaps(a, b):
                raise DecodeTreeError(
                    f"{b.loc}: pattern {b.name!r} overlaps pattern {a.name!r} ({a.loc}); "
                    f"put both in an ordered {{ }} group if intended")


def _check_group(group: Group) -> None:
    if not group.overlap:
        _check_disjoint(group.members)
    for member in group.members:
        if isinstance(member, Group):
            _check_group(member)


# --------------------------------------------------------------------------- decision tree

def _fixed(item) -> tuple[int, int]:
    """(mask, value) of the bits that every pattern under ``item`` fixes identically."""
    leaves = _leaves(item)
    mask = -1
    for leaf in leaves:
        mask &= leaf.mask
    for leaf in leaves[1:]:
        mask &= ~(leaf.value ^ leaves[0].value)
    return mask, leaves[0].value & mask


def _seq(nodes: list) -> Callable:
    """Try candidate nodes in order; the first that yields a result wins."""
    def match(insn: int):
        for node in nodes:
            hit = node(insn)
            if hit is not None:
                return hit
        return None
    return match


def _split(mask: int, table: dict) -> Callable:
    """Dispatch on ``insn & mask`` through a dict of sub-nodes."""
    def match(insn: int):
        node = table.get(insn & mask)
        return None if node is None else node(insn)
    match.mask, match.table = mask, table
    return match


def _node_for(item) -> Callable:
    if isinstance(item, Pattern):
        return item.match
    if item.overlap:
        return _seq([_node_for(m) for m in item.members])
    return _build_node(item.members, 0)


def _build_node(items: list, used: int) -> Callable:
    """Tree for mutually exclusive ``items``: split on the bits they all fix."""
    items = [m for item in items for m in _flatten(item)]
    if len(items) == 1:
        return _node_for(items[0])
    fixed = [_fixed(item) for item in items]
    common = -1
    for mask, _ in fixed:
        common &= mask
    common &= ~used
    if common == 0:
        return _seq([_node_for(item) for item in items])
    buckets: dict[int, list] = {}
    for item, (_, value) in zip(items, fixed):
        buckets.setdefault(value & common, []).append(item)
    return _split(common, {key: _build_node(group, used | common)
                           for key, group in buckets.items()})


def _flatten(item) -> list:
    """A ``[ ]`` group among disjoint siblings is just more disjoint siblings."""
    if isinstance(item, Group) and not item.overlap:
        return [m for member in item.members for m in _flatten(member)]
    return [item]


# --------------------------------------------------------------------------- the decoder

class Decoder:
    """A compiled pattern table: ``decode`` a word, ``encode`` a pattern's fields."""

    def __init__(self, width: int, patterns: dict[str, Pattern], root: Group,
                 functions: Mapping[str, object]):
        self.width, self.patterns, self.root, self._functions = width, patterns, root, functions
        self._tree = _build_node(root.members, 0) if root.members else _seq([])

    def decode(self, insn: int) -> tuple[Pattern, tuple] | None:
        """``(pattern, args)`` for the first matching pattern, or None."""
        return self._tree(insn)

    def encode(self, name: str, **values: int) -> int:
        """The word that ``decode`` maps to pattern ``name`` with these field values
        (ignored bits are zero).  Raises EncodeError when that word does not exist."""
        pattern = self.patterns.get(name)
        if pattern is None:
            raise EncodeError(f"unknown pattern {name!r}")
        unknown = set(values) - set(pattern.fields)
        if unknown:
            raise EncodeError(f"{name}: no argument(s) {sorted(unknown)}")
        word = pattern.value
        for arg, spec in pattern.fields.items():
            word = self._deposit(pattern, word, arg, spec, values)
        return self._verified(pattern, word, values)

    def _deposit(self, pattern: Pattern, word: int, arg: str, spec, values) -> int:
        if isinstance(spec, int):
            if values.get(arg, spec) != spec:
                raise EncodeError(f"{pattern.name}: {arg} is always {spec}")
            return word
        if arg not in values:
            raise EncodeError(f"{pattern.name}: missing value for {arg}")
        raw = values[arg]
        if spec.func is not None:
            inverse = _split_function(self._functions[spec.func])[1]
            if inverse is None:
                raise EncodeError(f"{spec.func} has no inverse: cannot encode {arg}")
            raw = inverse(raw)
        return (word & ~spec.mask) | spec.deposit(raw)

    def _verified(self, pattern: Pattern, word: int, values: Mapping[str, int]) -> int:
        if word & pattern.mask != pattern.value:
            raise EncodeError(f"{pattern.name}: field values change fixed bits")
        hit = self.decode(word)
        if hit is None or hit[0] is not pattern:
            other = "nothing" if hit is None else hit[0].name
            raise EncodeError(f"{pattern.name}{dict(values)}: word {word:#x} decodes as {other}")
        got = hit[1]._asdict()
        wrong = {k: v for k, v in values.items() if got[k] != v}
        if wrong:
            raise EncodeError(f"{pattern.name}: {wrong} not encodable (decodes as "
                              f"{ {k: got[k] for k in wrong} })")
        return word


def build(sources: str | Iterable[tuple[str, str]], functions: Mapping[str, object] | None = None,
          width: int = 32, keep: Callable[[Pattern], bool] | None = None) -> Decoder:
    """Compile ``.dec`` text (a string, or ``(source_name, text)`` pairs sharing one namespace).

    ``keep`` optionally drops patterns after checking (e.g. disabled extensions): a word that
    only a dropped pattern matched no longer decodes."""
    if width <= 0:
        raise DecodeTreeError(f"bad instruction width {width}")
    if isinstance(sources, str):
        sources = [("<string>", sources)]
    functions = dict(functions or {})
    parser = _Parser(width, functions)
    for name, text in sources:
        parser.parse(name, text)
    _check_group(parser.root)
    root, patterns = parser.root, parser.patterns
    if keep is not None:
        root = _pruned(root, keep)
        patterns = {n: p for n, p in patterns.items() if keep(p)}
    return Decoder(width, patterns, root, functions)


def _pruned(group: Group, keep: Callable[[Pattern], bool]) -> Group:
    members = [_pruned(m, keep) if isinstance(m, Group) else m for m in group.members]
    members = [m for m in members if (m.members if isinstance(m, Group) else keep(m))]
    return Group(group.overlap, members, group.loc)
