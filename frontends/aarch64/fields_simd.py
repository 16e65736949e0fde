"""Field post-functions of patterns/a64_simd.dec (Advanced SIMD), merged into decode.py's table.

Each takes the concatenated raw bits of its field (the pieces in the order the .dec file names
them) and returns the decoded value, or None for an encoding the Arm ARM marks reserved or
unallocated (so that it decodes as illegal). `esz` values are log2 of the element size in
bytes: 0 B, 1 H, 2 S, 3 D.
"""

from __future__ import annotations


def _esz(v: int) -> int | None:
    """q:size -> size; the 64-bit vector of one D lane (1D) is reserved."""
    q, size = v >> 2, v & 3
    return None if size == 3 and not q else size


def _esz_bhs(v: int) -> int | None:
    """size -> size, D lanes reserved."""
    return None if v == 3 else v


def _esz_hs(v: int) -> int | None:
    return v if v in (1, 2) else None


def _esz_bh(v: int) -> int | None:
    return v if v < 2 else None


def _esz_across(v: int) -> int | None:
    """q:size of the across-lanes reductions: B and H lanes, S lanes of a 128-bit vector."""
    q, size = v >> 2, v & 3
    return None if size == 3 or (size == 2 and not q) else size


def _fsz(v: int) -> int | None:
    """q:sz of a vector FP op -> 2 (S) or 3 (D); 1D is reserved."""
    q, sz = v >> 1, v & 1
    return None if sz and not q else 2 + sz


def _fsz_q1(v: int) -> int | None:
    """q:sz of the FP across-lanes reductions: 4S only."""
    return 2 if v == 0b10 else None


def _fsz_narrow(v: int) -> int:
    """sz of FCVTN/FCVTL: the narrow element, 1 (H, from/to S) or 2 (S, from/to D)."""
    return 1 + v


def _fsz_odd(v: int) -> int | None:
    """sz of FCVTXN: D -> S only."""
    return 2 if v == 1 else None


# -- copy (DUP, INS, UMOV, SMOV): imm5's lowest set bit is the element size -------------------
def _imm5_size(imm5: int) -> int | None:
    if imm5 & 0xF == 0:
        return None
    return (imm5 & -imm5).bit_length() - 1


def _cp_idx(imm5: int) -> int | None:
    size = _imm5_size(imm5)
    return None if size is None else imm5 >> (size + 1)


def _cp_esz_q(v: int) -> int | None:
    """q:imm5 of DUP (element, general): a D element needs the 128-bit vector."""
    size = _imm5_size(v & 0x1F)
    return None if size is None or (size == 3 and not v >> 5) else size


def _umov_esz(v: int) -> int | None:
    """q:imm5 of UMOV: Wd from B, H, S (q = 0), Xd from D (q = 1)."""
    size = _imm5_size(v & 0x1F)
    if size is None or (v >> 5) != (size == 3):
        return None
    return size


def _smov_esz(v: int) -> int | None:
    """q:imm5 of SMOV: Wd from B, H (q = 0), Xd from B, H, S (q = 1)."""
    size = _imm5_size(v & 0x1F)
    if size is None or size == 3 or (size == 2 and not v >> 5):
        return None
    return size


def _ins_src(v: int) -> int | None:
    """imm5:imm4 of INS (element) -> the source index."""
    size = _imm5_size(v >> 4)
    return None if size is None else (v & 0xF) >> size


# -- modified immediate --------------------------------------------------------------------------
def _replicate(value: int, bits: int) -> int:
    out = 0
    for shift in range(0, 64, bits):
        out |= value << shift
    return out


def _fp_imm(imm8: int, bits: int) -> int:
    """VFPExpandImm: imm8 as an FP value of 32 or 64 bits."""
    sign, b6, rest = imm8 >> 7, (imm8 >> 6) & 1, imm8 & 0x3F
    if bits == 32:
        exp = ((b6 ^ 1) << 7) | ((0x1F if b6 else 0) << 2) | ((rest >> 4) & 3)
        return (sign << 31) | (exp << 23) | ((rest & 0xF) << 19)
    exp = ((b6 ^ 1) << 10) | ((0xFF if b6 else 0) << 2) | ((rest >> 4) & 3)
    return (sign << 63) | (exp << 52) | ((rest & 0xF) << 48)


def expand_imm(op: int, cmode: int, imm8: int) -> int | None:
    """AdvSIMDExpandImm: the 64-bit constant of a modified-immediate instruction."""
    kind = cmode >> 1
    if kind < 4:                                    # 32-bit, shifted by 0/8/16/24
        return _replicate(imm8 << (8 * kind), 32)
    if kind < 6:                                    # 16-bit, shifted by 0/8
        return _replicate(imm8 << (8 * (kind & 1)), 16)
    if kind == 6:                                   # 32-bit, shifting ones (MSL #8, #16)
        return _replicate((imm8 << 16 | 0xFFFF) if cmode & 1 else (imm8 << 8 | 0xFF), 32)
    if cmode == 0b1110:
        if not op:
            return _replicate(imm8, 8)
        return sum(0xFF << (8 * i) for i in range(8) if imm8 >> i & 1)
    if not op:                                      # FMOV (vector, single)
        return _replicate(_fp_imm(imm8, 32), 32)
    return _fp_imm(imm8, 64)                        # FMOV (vector, double)


def _modimm(v: int) -> int | None:
    """q:op:cmode:abc:defgh -> the 64-bit constant (FMOV .2D needs q = 1)."""
    q, op, cmode, imm8 = v >> 13, (v >> 12) & 1, (v >> 8) & 0xF, v & 0xFF
    if op and cmode == 0b1111 and not q:
        return None
    return expand_imm(op, cmode, imm8)


# -- shifts by immediate --------------------------------------------------------------------------
def _immh_size(immh: int) -> int | None:
    return None if immh == 0 else immh.bit_length() - 1


def _sh_esz(v: int) -> int | None:
    """q:immh -> the element size; D lanes need q = 1."""
    size = _immh_size(v & 0xF)
    return None if size is None or (size == 3 and not v >> 4) else size


def _sh_esz_narrow(v: int) -> int | None:
    """immh of the narrowing and widening shifts -> the narrow element size (B, H, S)."""
    size = _immh_size(v)
    return None if size is None or size == 3 else size


def _sh_esz_d(v: int) -> int | None:
    """immh of a scalar shift that only has a D form."""
    return 3 if v >> 3 else None


def _sh_right(v: int) -> int | None:
    """immh:immb -> 2 * esize - immh:immb (1 .. esize)."""
    size = _immh_size(v >> 3)
    return None if size is None else (16 << size) - v


def _sh_left(v: int) -> int | None:
    """immh:immb -> immh:immb - esize (0 .. esize - 1)."""
    size = _immh_size(v >> 3)
    return None if size is None else v - (8 << size)


def _fbits(v: int) -> int | None:
    """immh:immb of the fixed-point conversions: S (immh 01xx) or D (1xxx) elements;
    fbits = 2 * esize - immh:immb."""
    if v >> 5 == 0:
        return None
    return _sh_right(v)


def _fix_esz(v: int) -> int | None:
    """q:immh of the vector fixed-point conversions: 2 (S) or 3 (D, q = 1)."""
    q, immh = v >> 4, v & 0xF
    if immh >> 2 == 0:
        return None
    size = immh.bit_length() - 1
    return None if size == 3 and not q else size


def _fix_esz_s(v: int) -> int | None:
    """immh of the scalar fixed-point conversions: 2 (S) or 3 (D)."""
    return None if v >> 2 == 0 else v.bit_length() - 1


# -- by element: size:H:L:M -> index; size:M:Rm -> Rm --------------------------------------------
def _idx_int(v: int) -> int | None:
    size, hlm = v >> 3, v & 7
    if size == 1:
        return hlm
    if size == 2:
        return hlm >> 1
    return None


def _rm_int(v: int) -> int | None:
    size, rm = v >> 5, v & 0x1F
    return rm & 0xF if size == 1 else rm


def _idx_fp(v: int) -> int | None:
    size, h, l = v >> 3, (v >> 2) & 1, (v >> 1) & 1
    if size == 2:
        return h << 1 | l
    if size == 3 and not l:
        return h
    return None


def _elt_esz_int(v: int) -> int | None:
    return v if v in (1, 2) else None


def _elt_fsz(v: int) -> int | None:
    """q:size of a vector FP by-element op: S (size 10) or D (11, q = 1)."""
    q, size = v >> 2, v & 3
    if size == 2 or (size == 3 and q):
        return size
    return None


def _elt_fsz_s(v: int) -> int | None:
    return v if v in (2, 3) else None


# -- structure loads and stores -------------------------------------------------------------------
def _lsm_esz(v: int) -> int | None:
    """q:size of LD2-4/ST2-4 (multiple structures): 1D is reserved."""
    return _esz(v)


def _ls_scale(v: int) -> int | None:
    """opcode<2:1>:S:size of a single-structure access -> log2 of the element bytes."""
    scale, s, size = v >> 3, (v >> 2) & 1, v & 3
    if scale == 0:
        return 0
    if scale == 1:
        return None if size & 1 else 1
    if scale == 2:
        if size == 0:
            return 2
        if size == 1 and not s:
            return 3
    return None


def _ls_idx(v: int) -> int | None:
    """Q:opcode<2:1>:S:size -> the lane index."""
    q, rest = v >> 5, v & 0x1F
    scale = _ls_scale(rest)
    if scale is None:
        return None
    qs = q << 1 | (rest >> 2) & 1           # Q:S
    size = rest & 3
    if scale == 0:
        return qs << 2 | size
    if scale == 1:
        return qs << 1 | size >> 1
    if scale == 2:
        return qs
    return q


FIELD_FUNCTIONS = {
    "ex_simd_esz": _esz,
    "ex_simd_esz_bhs": _esz_bhs,
    "ex_simd_esz_hs": _esz_hs,
    "ex_simd_esz_bh": _esz_bh,
    "ex_simd_esz_across": _esz_across,
    "ex_simd_fsz": _fsz,
    "ex_simd_fsz_q1": _fsz_q1,
    "ex_simd_fsz_narrow": _fsz_narrow,
    "ex_simd_fsz_odd": _fsz_odd,
    "ex_simd_cp_esz": _imm5_size,
    "ex_simd_cp_idx": _cp_idx,
    "ex_simd_cp_esz_q": _cp_esz_q,
    "ex_simd_umov_esz": _umov_esz,
    "ex_simd_smov_esz": _smov_esz,
    "ex_simd_ins_src": _ins_src,
    "ex_simd_modimm": _modimm,
    "ex_simd_sh_esz": _sh_esz,
    "ex_simd_sh_esz_narrow": _sh_esz_narrow,
    "ex_simd_sh_esz_d": _sh_esz_d,
    "ex_simd_sh_size": _immh_size,
    "ex_simd_sh_right": _sh_right,
    "ex_simd_sh_left": _sh_left,
    "ex_simd_fbits": _fbits,
    "ex_simd_fix_esz": _fix_esz,
    "ex_simd_fix_esz_s": _fix_esz_s,
    "ex_simd_idx_int": _idx_int,
    "ex_simd_rm_int": _rm_int,
    "ex_simd_idx_fp": _idx_fp,
    "ex_simd_elt_esz_int": _elt_esz_int,
    "ex_simd_elt_fsz": _elt_fsz,
    "ex_simd_elt_fsz_s": _elt_fsz_s,
    "ex_simd_lsm_esz": _lsm_esz,
    "ex_simd_ls_scale": _ls_scale,
    "ex_simd_ls_idx": _ls_idx,
    "ex_simd_ext_imm": lambda v: None if (v >> 4) == 0 and v & 8 else v & 0xF,
    "ex_simd_plus_1": lambda v: v + 1,
}
