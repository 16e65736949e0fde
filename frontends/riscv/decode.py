"""RISC-V RV64GC decoder, built at import time from the ``patterns/*.dec`` tables.

One decodetree for 32-bit words (rv64i + the enabled M/A/F/D tables) and one for 16-bit RVC
words.  Overlapping patterns are a build error, so importing this module checks the tables.

``decode`` returns an :class:`Insn` whose ``name`` is the semantic name: the lifter calls
``trans_<name>``.  Compressed instructions decode to the same semantic names as the 32-bit
instructions they expand to, with fully expanded fields; ``mnemonic`` keeps the encoding's own
name (``c.addi``) for the disassembler.  Illegal and reserved encodings decode to None.

RVC mapping choices (the expansions of RISC-V Unprivileged ISA ch. 16, "C" extension):
c.mv -> add rd, x0, rs2 (as the spec expands it); c.add -> add rd, rd, rs2;
c.nop (and its nzimm HINTs) -> addi x0, x0, imm; c.li -> addi rd, x0, imm;
c.addi16sp -> addi x2, x2, imm; c.addi4spn -> addi rd', x2, imm; c.lui -> lui;
c.j -> jal x0; c.jr -> jalr x0, 0(rs1); c.jalr -> jalr x1, 0(rs1); c.beqz/c.bnez ->
beq/bne rs1', x0; c.*sp loads/stores use rs1 = x2; c.ebreak -> ebreak.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from dbt.frontends.common import decodetree

__all__ = [
    "Insn", "RiscvDecoder", "decode", "insn_length", "decoder_for", "SEMANTIC_NAMES",
    "EXTENSION_OF", "RESERVED", "ALL_EXTENSIONS",
]

PATTERN_DIR = Path(__file__).with_name("patterns")
ALL_EXTENSIONS = "IMAFDC"
#: 32-bit tables in build order (later ones use definitions of earlier ones).
TABLES_32 = (("I", "rv64i.dec"), ("M", "rv64m.dec"), ("A", "rv64a.dec"),
             ("F", "rv64f.dec"), ("D", "rv64d.dec"))
TABLE_16 = "rvc.dec"
#: Translator name of reserved encodings listed in the tables: they decode to None.
RESERVED = "reserved"


_UNSEEN = object()
_DECODED_LIMIT = 1 << 16      # words remembered per decoder before the memo starts over


def _shift(n: int) -> tuple:
    return (lambda v: v << n, lambda v: v >> n)


def ex_rm(rm: int) -> int | None:
    """Rounding-mode field: 5 and 6 are reserved, the encoding is illegal."""
    return None if rm in (5, 6) else rm


#: Field post-functions used by the tables, each with its inverse for the encoder.
FIELD_FUNCTIONS = {
    "ex_shift_1": _shift(1), "ex_shift_2": _shift(2), "ex_shift_3": _shift(3),
    "ex_shift_4": _shift(4), "ex_shift_12": _shift(12),
    "ex_rvc_reg": (lambda v: v + 8, lambda v: v - 8),
    "ex_rm": (ex_rm, lambda v: v),
}


@dataclass(frozen=True, slots=True)
class Insn:
    """One decoded guest instruction."""
    name: str          # semantic name: the lifter calls trans_<name>
    mnemonic: str      # the encoding's own mnemonic, e.g. "c.addi", "fadd.s"
    args: NamedTuple   # field values as attributes (plain ints, immediates final)
    length: int        # 2 or 4 bytes
    raw: int           # the instruction word
    pc: int


def insn_length(first_halfword: int) -> int:
    """Length in bytes of the instruction that starts with this halfword: 2 for RVC, 4
    otherwise.  (48-bit and longer encodings are not part of RV64GC; they report 4 and then
    decode as illegal.)"""
    return 4 if first_halfword & 3 == 3 else 2


def _read(name: str) -> tuple[str, str]:
    return name, (PATTERN_DIR / name).read_text()


def _mnemonic(pattern_name: str) -> str:
    return pattern_name.replace("_", ".")


class RiscvDecoder:
    """Decoders for one extension selection (I is always present; D requires F)."""

    def __init__(self, extensions: str = ALL_EXTENSIONS):
        exts = set(extensions.upper()) | {"I"}
        if not exts <= set(ALL_EXTENSIONS):
            raise ValueError(f"unknown extension(s) {sorted(exts - set(ALL_EXTENSIONS))}")
        if "D" in exts and "F" not in exts:
            raise ValueError("the D extension requires F")
        self.extensions = "".join(e for e in ALL_EXTENSIONS if e in exts)
        sources = [_read(f) for ext, f in TABLES_32 if ext in exts]
        self.dec32 = decodetree.build(sources, FIELD_FUNCTIONS, width=32)
        self.extension_of = {p.trans: ext for ext, f in TABLES_32 if ext in exts
                             for p in self.dec32.patterns.values() if p.loc.source == f}
        self.semantic_names = tuple(self.extension_of)
        self.dec16 = (decodetree.build([_read(TABLE_16)], FIELD_FUNCTIONS, width=16,
                                       keep=self._enabled) if "C" in exts else None)
        self._names = {p: (p.trans, _mnemonic(p.name)) for dec in (self.dec32, self.dec16)
                       if dec is not None for p in dec.patterns.values()}
        # decoding is a function of the word alone: remember each word's result (bounded)
        self._decoded: dict[tuple[int, int], tuple | None] = {}

    def _enabled(self, pattern: decodetree.Pattern) -> bool:
        """An RVC pattern is enabled with the extension of the instruction it expands to."""
        return pattern.trans == RESERVED or pattern.trans in self.extension_of

    def decode(self, word: int, length: int, pc: int) -> Insn | None:
        """Decode a 2- or 4-byte instruction word (bits above ``8 * length`` are ignored).
        None means illegal or reserved."""
        dec = self.dec32 if length == 4 else self.dec16 if length == 2 else None
        if dec is None:
            return None
        word &= (1 << (8 * length)) - 1
        key = (word, length)
        decoded = self._decoded.get(key, _UNSEEN)
        if decoded is _UNSEEN:
            decoded = self._decoded[key] = self._decode_word(dec, word)
            if len(self._decoded) > _DECODED_LIMIT:
                self._decoded.clear()
        if decoded is None:
            return None
        name, mnemonic, args = decoded
        return Insn(name, mnemonic, args, length, word, pc)

    def decode_fields(self, word: int, length: int) -> tuple | None:
        """(name, mnemonic, args) of a 2- or 4-byte word (bits above ``8 * length`` clear),
        None for illegal or reserved encodings; not remembered (the lifter keeps its own
        memo of what it makes of each word)."""
        dec = self.dec32 if length == 4 else self.dec16 if length == 2 else None
        return None if dec is None else self._decode_word(dec, word)

    def _decode_word(self, dec: decodetree.Decoder, word: int) -> tuple | None:
        """(name, mnemonic, args) of a word, None for illegal or reserved encodings."""
        hit = dec.decode(word)
        if hit is None:
            return None
        name, mnemonic = self._names[hit[0]]
        if name == RESERVED:
            return None
        return name, mnemonic, hit[1]

    def encode(self, pattern_name: str, **fields: int) -> tuple[int, int]:
        """(word, length) for a pattern name (``addi``, ``c_addi``) and its field values."""
        for dec in (self.dec32, self.dec16):
            if dec is not None and pattern_name in dec.patterns:
                return dec.encode(pattern_name, **fields), dec.width // 8
        raise decodetree.EncodeError(f"unknown pattern {pattern_name!r}")


def decoder_for(extensions: str = ALL_EXTENSIONS) -> RiscvDecoder:
    """The (cached) decoder for an extension selection such as ``"IMAC"`` or ``"imac"``."""
    return _cached_decoder("".join(e for e in ALL_EXTENSIONS if e in extensions.upper() + "I")
                           if set(extensions.upper()) <= set(ALL_EXTENSIONS) else extensions)


@functools.lru_cache(maxsize=None)
def _cached_decoder(extensions: str) -> RiscvDecoder:
    return RiscvDecoder(extensions)


DEFAULT = decoder_for(ALL_EXTENSIONS)

#: Every semantic name (trans_<name>) the full RV64GC decoder can produce, in table order.
SEMANTIC_NAMES: tuple[str, ...] = DEFAULT.semantic_names
#: Semantic name -> extension letter ("I" covers Zicsr and Zifencei).
EXTENSION_OF: dict[str, str] = dict(DEFAULT.extension_of)


def decode(word: int, length: int, pc: int) -> Insn | None:
    """Decode with all of RV64GC enabled; None for illegal/reserved encodings."""
    return DEFAULT.decode(word, length, pc)
