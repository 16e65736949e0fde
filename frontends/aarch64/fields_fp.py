"""Field post-functions of patterns/a64_fp.dec (merged into the decoder's table by decode.py).

Each is ``(decode, inverse)``: the inverse lets the decoder's encoder build instruction words
from field values (tests generate encodings with it). A decode function returning None rejects
the encoding (it decodes as unallocated).
"""

from __future__ import annotations

_FTYPE_BITS = {0b00: 32, 0b01: 64}          # S, D; H (FEAT_FP16) and 10 are unallocated
_BITS_FTYPE = {v: k for k, v in _FTYPE_BITS.items()}
_EXP_BITS = {32: 8, 64: 11}


def vfp_expand_imm(imm8: int, width: int) -> int:
    """The bits of FMOV's 8-bit immediate as a float of `width` bits (Arm ARM pseudocode
    VFPExpandImm): sign a, exponent NOT(b):b...b:cd, fraction efgh:000..."""
    e = _EXP_BITS[width]
    f = width - e - 1
    sign = imm8 >> 7
    b = (imm8 >> 6) & 1
    exp = ((b ^ 1) << (e - 1)) | ((((1 << (e - 3)) - 1) if b else 0) << 2) | ((imm8 >> 4) & 3)
    frac = (imm8 & 0xF) << (f - 4)
    return (sign << (width - 1)) | (exp << f) | frac


def _imm_decode(v: int) -> int | None:
    width = _FTYPE_BITS.get(v >> 8)
    return None if width is None else vfp_expand_imm(v & 0xFF, width)


def _imm_inverse(bits: int) -> int:
    """ftype:imm8 of an expanded immediate (the width told by the pattern size: S if it fits)."""
    for width in (32, 64):
        if bits >> width:
            continue
        for imm8 in range(256):
            if vfp_expand_imm(imm8, width) == bits:
                return (_BITS_FTYPE[width] << 8) | imm8
    raise ValueError(f"{bits:#x} is not an FMOV immediate")


def _fbits_decode(v: int) -> int | None:
    """sf:scale -> the number of fraction bits, 64 - scale (1..64; 1..32 for a 32-bit
    register: scale<5> = 0 with sf = 0 is unallocated)."""
    sf, scale = v >> 6, v & 0x3F
    if sf == 0 and scale < 32:
        return None
    return 64 - scale


#: Field post-functions used by a64_fp.dec.
FIELD_FUNCTIONS = {
    "ex_fp_type": (_FTYPE_BITS.get, _BITS_FTYPE.__getitem__),
    "ex_fp_imm": (_imm_decode, _imm_inverse),
    "ex_fp_fbits": (_fbits_decode, None),
}
