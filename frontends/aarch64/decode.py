"""AArch64 (A64) decoder, built at import time from the ``patterns/*.dec`` tables.

One decodetree for the 32-bit instruction words; ``a64_common.dec`` is read first and the other
tables in name order. Overlapping patterns outside ``{ }`` groups are a build error, so importing
this module checks the tables. Unallocated and reserved encodings decode to None: a field
post-function returning None rejects an encoding (a reserved logical immediate, a 32-bit form
with a 64-bit-only field value, ...), as the Arm ARM's pseudocode does with UNDEFINED.

``decode`` returns an :class:`Insn` whose ``name`` is the semantic name: the lifter calls
``trans_<name>``; ``mnemonic`` is the pattern's name (the encoding), e.g. ``ldr_post``.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from dbt.frontends.common import decodetree

__all__ = ["Insn", "decode", "decode_fields", "DECODER", "SEMANTIC_NAMES", "decode_bit_masks"]

PATTERN_DIR = Path(__file__).with_name("patterns")
_FIRST = "a64_common.dec"


def _ones(n: int) -> int:
    return (1 << n) - 1


def decode_bit_masks(n: int, imms: int, immr: int, width: int) -> int | None:
    """The value of a logical immediate (Arm ARM pseudocode DecodeBitMasks, `wmask`): an
    element of 2..64 bits holding imms+1 ones rotated right by immr, replicated to `width`.
    None for the reserved encodings."""
    combined = (n << 6) | (~imms & 0x3F)
    if combined == 0:
        return None
    length = combined.bit_length() - 1
    levels = _ones(length)
    if imms & levels == levels:
        return None
    esize = 1 << length
    s, r = imms & levels, immr & levels
    welem = _ones(s + 1)
    elem = ((welem >> r) | (welem << (esize - r))) & _ones(esize)
    value = 0
    for i in range(0, width, esize):
        value |= elem << i
    return value


def ex_logic_imm(v: int) -> int | None:
    sf, n, immr, imms = v >> 13, (v >> 12) & 1, (v >> 6) & 0x3F, v & 0x3F
    if sf == 0 and n:
        return None
    return decode_bit_masks(n, imms, immr, 64 if sf else 32)


def ex_bitfield(v: int) -> int | None:
    """sf:N:immr:imms -> immr << 6 | imms; N must equal sf, and 32-bit positions are < 32."""
    sf, n, rest = v >> 13, (v >> 12) & 1, v & 0xFFF
    if n != sf or (sf == 0 and rest & 0x820):
        return None
    return rest


def ex_extr(v: int) -> int | None:
    sf, n, imms = v >> 7, (v >> 6) & 1, v & 0x3F
    if n != sf or (sf == 0 and imms >= 32):
        return None
    return imms


def ex_mw_shift(v: int) -> int | None:
    sf, hw = v >> 2, v & 3
    return None if sf == 0 and hw >= 2 else 16 * hw


def ex_shift_amount(v: int) -> int | None:
    sf, amount = v >> 6, v & 0x3F
    return None if sf == 0 and amount >= 32 else amount


def _vsize(size: int, opc1: int) -> int | None:
    """log2 bytes of a SIMD&FP register access from size:opc<1> (B H S D, or Q)."""
    if opc1 == 0:
        return size
    return 4 if size == 0 else None


def ex_vuimm12(v: int) -> int | None:
    size = _vsize(v >> 13, (v >> 12) & 1)
    return None if size is None else (v & 0xFFF) << size


_PAIR_X = {0: 2, 1: 2, 2: 3}        # opc -> log2 bytes: 32-bit, LDPSW, 64-bit
_PAIR_V = {0: 2, 1: 3, 2: 4}        # S, D, Q
_VLIT = {0: 2, 1: 3, 2: 4}


def _pair(table):
    def ex(v: int) -> int | None:
        size = table.get(v & 3)
        return None if size is None else (v >> 2) << size
    return ex


#: Field post-functions used by the tables.
FIELD_FUNCTIONS = {
    "ex_shift_2": lambda v: v << 2,
    "ex_page": lambda v: v << 12,
    "ex_plus_2": lambda v: v + 2,
    "ex_logic_imm": ex_logic_imm,
    "ex_bitfield": ex_bitfield,
    "ex_extr": ex_extr,
    "ex_mw_shift": ex_mw_shift,
    "ex_shift_amount": ex_shift_amount,
    "ex_addsub_shift": lambda v: None if v == 3 else v,
    "ex_ext_amount": lambda v: None if v > 4 else v,
    "ex_uimm12": lambda v: (v & 0xFFF) << (v >> 12),
    "ex_vsize": lambda v: _vsize(v >> 1, v & 1),
    "ex_vuimm12": ex_vuimm12,
    "ex_pair_x": _pair(_PAIR_X),
    "ex_pair_v": _pair(_PAIR_V),
    "ex_pair_size": _PAIR_X.get,
    "ex_vpair_size": _PAIR_V.get,
    "ex_vlit_size": _VLIT.get,
    "ex_ldst_extend": lambda v: v if v in (0b010, 0b011, 0b110, 0b111) else None,
    "ex_even": (lambda v: None if v & 1 else v, lambda v: v),
}


def _more_field_functions() -> None:
    """Field functions of the other pattern files, from the package's fields_*.py modules
    (each a FIELD_FUNCTIONS dict; names must not repeat)."""
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("fields_"):
            more = importlib.import_module(f"{__package__}.{info.name}").FIELD_FUNCTIONS
            clash = set(more) & set(FIELD_FUNCTIONS)
            if clash:
                raise ImportError(f"{info.name}: field functions defined twice: {sorted(clash)}")
            FIELD_FUNCTIONS.update(more)


_more_field_functions()


@dataclass(frozen=True, slots=True)
class Insn:
    """One decoded guest instruction."""
    name: str          # semantic name: the lifter calls trans_<name>
    mnemonic: str      # the pattern's name
    args: NamedTuple   # field values as attributes (immediates final)
    length: int        # always 4
    raw: int           # the instruction word
    pc: int


def _sources() -> list[tuple[str, str]]:
    files = sorted(PATTERN_DIR.glob("*.dec"), key=lambda p: (p.name != _FIRST, p.name))
    return [(p.name, p.read_text()) for p in files]


DECODER = decodetree.build(_sources(), FIELD_FUNCTIONS, width=32)
_NAMES = {p: (p.trans, p.name) for p in DECODER.patterns.values()}
#: Every semantic name (trans_<name>) the decoder can produce.
SEMANTIC_NAMES: tuple[str, ...] = tuple(dict.fromkeys(p.trans for p in DECODER.patterns.values()))


def decode_fields(word: int, length: int = 4) -> tuple | None:
    """(name, mnemonic, args) of an instruction word, None if unallocated or reserved (length:
    always 4, the decoder interface of frontends/common/lifter.py)."""
    hit = DECODER.decode(word & 0xFFFFFFFF)
    if hit is None:
        return None
    name, mnemonic = _NAMES[hit[0]]
    return name, mnemonic, hit[1]


def decode(word: int, pc: int = 0) -> Insn | None:
    hit = decode_fields(word)
    if hit is None:
        return None
    return Insn(hit[0], hit[1], hit[2], 4, word & 0xFFFFFFFF, pc)
