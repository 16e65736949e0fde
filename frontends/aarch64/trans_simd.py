"""A64 Advanced SIMD: the shared emitters, and the copy, modified-immediate, permute, extract and
table-lookup classes (Arm ARM C4.1.91).

Vectors are v128 values (lane 0 in the low bits). An instruction with q = 0 works on the low 64
bits: `read` gives such a source with bits 127:64 zero and `write` zeroes them in the
destination, so ops on the whole v128 never see the other half's contents. Lane-wise integer
work uses the IR's vector ops (vbin, vshift, vshuffle, ...), which the LLVM backend turns into
host vector code; what the IR has no vector op for (FP, per-lane shifts, saturating multiplies)
goes lane by lane through `lanewise`. Saturating instructions set FPSR.QC (`set_qc`).
"""

from __future__ import annotations

from dbt.ir.block import Const
from dbt.ir.types import I8, I16, I32, I64, I128, V128

from .regs import Ctx

LANE_TYPES = {0: I8, 1: I16, 2: I32, 3: I64}
MASK128 = (1 << 128) - 1
V_ZERO = Const(0, V128)
V_ONES = Const(MASK128, V128)
FPSR_QC = 1 << 27


# -- lanes and constants --------------------------------------------------------------------------
def nlanes(q: int, esz: int) -> int:
    """Lanes of esz in the 64-bit (q = 0) or 128-bit vector."""
    return (16 if q else 8) >> esz


def splat(value: int, esz: int) -> Const:
    """A v128 constant with `value` in every lane."""
    bits = 8 << esz
    value &= (1 << bits) - 1
    return Const(sum(value << i for i in range(0, 128, bits)), V128)


def lane_min(esz: int) -> int:
    return 1 << ((8 << esz) - 1)


# -- registers ------------------------------------------------------------------------------------
def read(ctx: Ctx, r: int, q: int = 1):
    """Vr as a v128; with q = 0 its low 64 bits, the rest zero."""
    if q:
        return ctx.vreg(r)
    b = ctx.b
    return b.bitcast(b.zext(ctx.v_lo(r), type=I128), type=V128)


def write(ctx: Ctx, r: int, value, q: int = 1) -> None:
    """Write Vr; with q = 0 the low 64 bits of value, zeroing bits 127:64."""
    if q:
        ctx.set_vreg(r, value)
        return
    b = ctx.b
    ctx.set_v_parts(r, b.trunc(b.bitcast(value, type=I128), type=I64), Const(0, I64))


def write_high(ctx: Ctx, r: int, value, q: int) -> None:
    """Write the low 64 bits of value to Vr's low half (q = 0, zeroing the high half) or to its
    high half (q = 1, the "2" forms: the low half is kept)."""
    if not q:
        write(ctx, r, value, 0)
        return
    b = ctx.b
    ctx.b.set(b.trunc(b.bitcast(value, type=I128), type=I64), field=f"vhi{r}")


def read_scalar(ctx: Ctx, r: int, esz: int):
    """The low element of Vr as a v128 with the other lanes zero (scalar forms run the vector
    code on it: zero lanes never saturate)."""
    b = ctx.b
    return b.bitcast(b.zext(ctx.vscalar(r, esz), type=I128), type=V128)


def write_scalar(ctx: Ctx, r: int, value, esz: int) -> None:
    """Write lane 0 of value as the scalar element of Vr (zeroing the rest)."""
    ctx.set_vscalar(r, ctx.b.vextract(value, type=LANE_TYPES[esz], lane=8 << esz, index=0))


# -- vector ops -----------------------------------------------------------------------------------
def vbin(ctx: Ctx, kind: str, esz: int, x, y):
    return ctx.b.vbin(x, y, kind=kind, lane=8 << esz)


def vand(ctx: Ctx, x, y):
    return ctx.b.vbin(x, y, kind="and", lane=64)


def vor(ctx: Ctx, x, y):
    return ctx.b.vbin(x, y, kind="or", lane=64)


def vxor(ctx: Ctx, x, y):
    return ctx.b.vbin(x, y, kind="xor", lane=64)


def vnot(ctx: Ctx, x):
    return vxor(ctx, x, V_ONES)


def vshift(ctx: Ctx, kind: str, esz: int, x, amount: int):
    return ctx.b.vshift(x, Const(amount, I64), kind=kind, lane=8 << esz)


def vselect(ctx: Ctx, mask, x, y):
    """x where mask bits are set, else y (BSL)."""
    return vxor(ctx, y, vand(ctx, vxor(ctx, x, y), mask))


def shuffle(ctx: Ctx, a, b, select) -> object:
    return ctx.b.vshuffle(a, b, select=tuple(select))


def lanewise(ctx: Ctx, esz: int, count: int, fn, *vectors, out=V_ZERO, out_esz=None):
    """A v128 whose lanes 0..count-1 are fn(lane i of each vector) (out's other lanes kept);
    fn takes and returns integers of the lane type (of out_esz for the result)."""
    b = ctx.b
    t, lane = LANE_TYPES[esz], 8 << esz
    out_lane = 8 << (esz if out_esz is None else out_esz)
    for i in range(count):
        args = [b.vextract(v, type=t, lane=lane, index=i) for v in vectors]
        out = b.vinsert(out, fn(*args), lane=out_lane, index=i)
    return out


def any_lane(ctx: Ctx, mask):
    """i1: some bit of the v128 is set."""
    b = ctx.b
    return b.ne(b.bitcast(mask, type=I128), Const(0, I128))


def set_qc(ctx: Ctx, saturated) -> None:
    """FPSR.QC |= saturated (an i1, or a v128 mask of saturated lanes)."""
    b = ctx.b
    if saturated.type is V128:
        saturated = any_lane(ctx, saturated)
    bit = b.shl(b.zext(saturated, type=I64), Const(27, I64))
    b.set(b.or_(b.get("fpsr"), bit), field="fpsr")


# -- byte selections for vshuffle -----------------------------------------------------------------
def lane_select(esz: int, lanes) -> list[int]:
    """vshuffle's 16 byte indices for result lanes taken from (source, lane) pairs (source 0
    is the first operand, 1 the second); missing lanes (None) take byte 0."""
    size = 1 << esz
    select = [0] * 16
    for i, src in enumerate(lanes):
        if src is None:
            continue
        which, lane = src
        for k in range(size):
            select[i * size + k] = 16 * which + lane * size + k
    return select


def concat_lanes(q: int, esz: int) -> list[tuple[int, int]]:
    """The lanes of n:m (n's first) as (source, lane) pairs, for the q-sized vectors."""
    n = nlanes(q, esz)
    return [(0, i) for i in range(n)] + [(1, i) for i in range(n)]


def gen_pairwise(ctx: Ctx, q: int, esz: int, x, y):
    """(even, odd) lanes of the concatenation x:y (the operands of ADDP, SMAXP, FADDP, ...)."""
    both = concat_lanes(q, esz)
    evens = shuffle(ctx, x, y, lane_select(esz, both[0::2]))
    odds = shuffle(ctx, x, y, lane_select(esz, both[1::2]))
    return evens, odds


def gen_element(ctx: Ctx, r: int, esz: int, idx: int):
    """Vr[idx] in every lane (the operand of the by-element forms, DUP)."""
    v = read(ctx, r)
    return shuffle(ctx, v, v, lane_select(esz, [(0, idx)] * (16 >> esz)))


# -- copy: DUP, INS, UMOV, SMOV -------------------------------------------------------------------
def trans_dup_elem(ctx, a):
    write(ctx, a.rd, gen_element(ctx, a.rn, a.esz, a.idx), a.q)


def trans_dup_gen(ctx, a):
    write(ctx, a.rd, ctx.b.vdup(ctx.x(a.rn), lane=8 << a.esz), a.q)


def trans_dup_s(ctx, a):        # DUP (element, scalar): MOV Bd/Hd/Sd/Dd, Vn.T[i]
    value = ctx.b.vextract(read(ctx, a.rn), type=LANE_TYPES[a.esz], lane=8 << a.esz, index=a.idx)
    ctx.set_vscalar(a.rd, value)


def trans_ins_gen(ctx, a):
    b = ctx.b
    write(ctx, a.rd, b.vinsert(read(ctx, a.rd), ctx.x(a.rn), lane=8 << a.esz, index=a.idx))


def trans_ins_elem(ctx, a):
    lanes = [(0, i) for i in range(16 >> a.esz)]
    lanes[a.dst] = (1, a.src)
    write(ctx, a.rd, shuffle(ctx, read(ctx, a.rd), read(ctx, a.rn), lane_select(a.esz, lanes)))


def trans_umov(ctx, a):
    value = ctx.b.vextract(read(ctx, a.rn), type=I64, lane=8 << a.esz, index=a.idx)
    ctx.set_x(a.rd, value)


def trans_smov(ctx, a):
    b = ctx.b
    value = b.vextract(read(ctx, a.rn), type=LANE_TYPES[a.esz], lane=8 << a.esz, index=a.idx)
    if a.q:
        ctx.set_x(a.rd, b.sext(value, type=I64))
    else:
        ctx.set_w(a.rd, b.sext(value, type=I32))


# -- modified immediate: MOVI, MVNI, ORR, BIC, FMOV (vector) --------------------------------------
def _imm(a, invert: bool = False) -> Const:
    imm = a.imm ^ ((1 << 64) - 1) if invert else a.imm
    return Const(imm | imm << 64 if a.q else imm, V128)


def trans_movi_v(ctx, a):       # MOVI, FMOV (vector, immediate)
    ctx.set_v_parts(a.rd, Const(a.imm, I64), Const(a.imm if a.q else 0, I64))


def trans_mvni_v(ctx, a):
    imm = a.imm ^ ((1 << 64) - 1)
    ctx.set_v_parts(a.rd, Const(imm, I64), Const(imm if a.q else 0, I64))


def trans_orr_vi(ctx, a):
    write(ctx, a.rd, vor(ctx, read(ctx, a.rd, a.q), _imm(a)), a.q)


def trans_bic_vi(ctx, a):
    write(ctx, a.rd, vand(ctx, read(ctx, a.rd, a.q), _imm(a, invert=True)), a.q)


# -- permute: UZP, TRN, ZIP -----------------------------------------------------------------------
def _permute(ctx: Ctx, a, lanes) -> None:
    write(ctx, a.rd, shuffle(ctx, read(ctx, a.rn, a.q), read(ctx, a.rm, a.q),
                             lane_select(a.esz, lanes)), a.q)


def _uzp(a, part: int):
    return concat_lanes(a.q, a.esz)[part::2]


def _trn(a, part: int):
    n = nlanes(a.q, a.esz)
    return [(i & 1, (i & ~1) + part) for i in range(n)]


def _zip(a, part: int):
    n = nlanes(a.q, a.esz)
    base = part * n // 2
    return [(i & 1, base + i // 2) for i in range(n)]


def trans_uzp1(ctx, a):
    _permute(ctx, a, _uzp(a, 0))


def trans_uzp2(ctx, a):
    _permute(ctx, a, _uzp(a, 1))


def trans_trn1(ctx, a):
    _permute(ctx, a, _trn(a, 0))


def trans_trn2(ctx, a):
    _permute(ctx, a, _trn(a, 1))


def trans_zip1(ctx, a):
    _permute(ctx, a, _zip(a, 0))


def trans_zip2(ctx, a):
    _permute(ctx, a, _zip(a, 1))


# -- EXT, TBL, TBX --------------------------------------------------------------------------------
def trans_ext(ctx, a):
    size = 16 if a.q else 8
    select = [a.imm + i if a.imm + i < size else 16 + a.imm + i - size for i in range(size)]
    select += [0] * (16 - size)
    write(ctx, a.rd, shuffle(ctx, read(ctx, a.rn, a.q), read(ctx, a.rm, a.q), select), a.q)


def _lookup(ctx: Ctx, a):
    """(bytes looked up in the len + 1 table registers from Rn, the index vector)."""
    b = ctx.b
    index = read(ctx, a.rm, a.q)
    out = None
    for k in range(a.len + 1):
        shifted = vbin(ctx, "sub", 0, index, splat(16 * k, 0)) if k else index
        part = b.vtbl(read(ctx, (a.rn + k) % 32), shifted)
        out = part if out is None else vor(ctx, out, part)
    return out, index


def trans_tbl(ctx, a):
    write(ctx, a.rd, _lookup(ctx, a)[0], a.q)


def trans_tbx(ctx, a):
    """TBX: an index outside the table leaves the destination's byte."""
    found, index = _lookup(ctx, a)
    inside = vbin(ctx, "gt_u", 0, splat(16 * (a.len + 1), 0), index)
    write(ctx, a.rd, vselect(ctx, inside, found, read(ctx, a.rd, a.q)), a.q)
