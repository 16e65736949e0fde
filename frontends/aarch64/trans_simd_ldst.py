"""A64 SIMD structure loads and stores (Arm ARM C4.1.88: LD1-LD4/ST1-ST4 multiple structures,
single structure, LD1R-LD4R; no offset or post-index, Rm = 31 meaning the immediate: the
number of bytes transferred).

Multiple structures move whole 8- or 16-byte chunks of memory and (de)interleave them with
vshuffle, so that LD2 of 16 bytes is two loads and two shuffles rather than 32 element loads.
Every load is done before the registers are written; stores go in address order. Accesses
need no alignment.
"""

from __future__ import annotations

from dbt.ir.block import Const
from dbt.ir.types import I64, I128, V128

from .regs import Ctx
from .trans_simd import LANE_TYPES, read, shuffle, write

_IDENTITY = list(range(16))


def _writeback(ctx: Ctx, a, base, total: int) -> None:
    if a.p:
        step = Const(total, I64) if a.rm == 31 else ctx.x(a.rm)
        ctx.set_xsp(a.rn, ctx.b.add(base, step))


def gather(ctx: Ctx, sources: list, mapping: list):
    """A v128 whose byte i is byte mapping[i][1] of sources[mapping[i][0]] (None: any byte),
    built from at most three shuffles (sources taken in pairs)."""
    groups = sorted({m[0] // 2 for m in mapping if m is not None})
    parts = {}
    for g in groups:
        first = sources[2 * g]
        second = sources[2 * g + 1] if 2 * g + 1 < len(sources) else first
        select = [m[1] + 16 * (m[0] - 2 * g) if m is not None and m[0] // 2 == g else 0
                  for m in mapping]
        parts[g] = first if select == _IDENTITY else shuffle(ctx, first, second, select)
    if len(groups) == 1:
        return parts[groups[0]]
    g0, g1 = groups
    select = [i if m is None or m[0] // 2 == g0 else 16 + i for i, m in enumerate(mapping)]
    return shuffle(ctx, parts[g0], parts[g1], select)


def _load_chunks(ctx: Ctx, base, total: int) -> list:
    """`total` bytes from base as v128 values of 16 bytes (the last one 8 if total says so)."""
    b = ctx.b
    chunks = []
    for offset in range(0, total, 16):
        addr = b.add(base, Const(offset, I64)) if offset else base
        if total - offset >= 16:
            chunks.append(b.load(addr, type=V128))
        else:
            chunks.append(b.bitcast(b.zext(b.load(addr, type=I64), type=I128), type=V128))
    return chunks


def _store_chunk(ctx: Ctx, addr, value, size: int) -> None:
    b = ctx.b
    if size == 16:
        b.store(addr, value)
    else:
        b.store(addr, b.trunc(b.bitcast(value, type=I128), type=I64))


def trans_ld_mult(ctx, a):
    base = ctx.xsp(a.rn)
    size, eb = (16 if a.q else 8), 1 << a.esz
    regs = a.rpt * a.selem
    chunks = _load_chunks(ctx, base, size * regs)
    values = []
    if a.selem == 1:
        for r in range(a.rpt):
            values.append(gather(ctx, chunks, [divmod(r * size + k, 16) if k < size else None
                                               for k in range(16)]))
    else:
        for s in range(a.selem):
            mapping = [divmod(((k // eb) * a.selem + s) * eb + k % eb, 16) if k < size else None
                       for k in range(16)]
            values.append(gather(ctx, chunks, mapping))
    for r, value in enumerate(values):
        write(ctx, (a.rt + r) % 32, value, a.q)
    _writeback(ctx, a, base, size * regs)


def trans_st_mult(ctx, a):
    b = ctx.b
    base = ctx.xsp(a.rn)
    size, eb = (16 if a.q else 8), 1 << a.esz
    regs = a.rpt * a.selem
    sources = [read(ctx, (a.rt + r) % 32, a.q) for r in range(regs)]
    total = size * regs
    for offset in range(0, total, 16):
        chunk = min(16, total - offset)
        mapping = []
        for k in range(16):
            off = offset + k
            if k >= chunk:
                mapping.append(None)
            elif a.selem == 1:
                mapping.append(divmod(off, size))
            else:
                e = off // eb
                mapping.append((e % a.selem, (e // a.selem) * eb + off % eb))
        addr = b.add(base, Const(offset, I64)) if offset else base
        _store_chunk(ctx, addr, gather(ctx, sources, mapping), chunk)
    _writeback(ctx, a, base, total)


def _elements(ctx: Ctx, a, base) -> list:
    b = ctx.b
    t, eb = LANE_TYPES[a.esz], 1 << a.esz
    return [b.load(b.add(base, Const(s * eb, I64)) if s else base, type=t)
            for s in range(a.selem)]


def trans_ld_single(ctx, a):
    b = ctx.b
    base = ctx.xsp(a.rn)
    for s, value in enumerate(_elements(ctx, a, base)):
        r = (a.rt + s) % 32
        write(ctx, r, b.vinsert(read(ctx, r), value, lane=8 << a.esz, index=a.idx))
    _writeback(ctx, a, base, a.selem << a.esz)


def trans_st_single(ctx, a):
    b = ctx.b
    base = ctx.xsp(a.rn)
    t, eb = LANE_TYPES[a.esz], 1 << a.esz
    values = [b.vextract(read(ctx, (a.rt + s) % 32), type=t, lane=8 << a.esz, index=a.idx)
              for s in range(a.selem)]
    for s, value in enumerate(values):
        b.store(b.add(base, Const(s * eb, I64)) if s else base, value)
    _writeback(ctx, a, base, a.selem * eb)


def trans_ld_repl(ctx, a):      # LD1R-LD4R
    b = ctx.b
    base = ctx.xsp(a.rn)
    for s, value in enumerate(_elements(ctx, a, base)):
        write(ctx, (a.rt + s) % 32, b.vdup(value, lane=8 << a.esz), a.q)
    _writeback(ctx, a, base, a.selem << a.esz)
