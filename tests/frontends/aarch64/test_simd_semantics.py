"""Every A64 Advanced SIMD instruction (patterns/a64_simd.dec) against Unicorn.

For each pattern a fixed-seed generator draws instruction words (random operand bits that
decode to the pattern: every arrangement, register, index, shift and immediate comes up) and
vector register states biased towards edge lanes: for integer instructions lanes of 0, 1, -1,
INT_MIN, INT_MAX of a random lane width, or random bits; for FP instructions lanes of zeros,
infinities, quiet and signalling NaNs, subnormals, the integer-conversion boundaries, or random
bits, under FPCR's rounding modes, FZ and DN. The structure loads and stores get their base in
the data page (mostly), the read-only or the unmapped page, and random post-index registers.
Every backend of a64_harness (interpreter, dynamic tier 1 and tier 2) must produce Unicorn's
outcome: V and X registers, FPSR (cumulative FP flags and QC), memory, pc, fault.

Besides: decoder checks against capstone (every pattern; the unallocated classes stay
illegal) and the instruction sequences that compilers and libc string functions emit.
``DBT_A64_SIMD_EXAMPLES`` sets the examples per pattern (default 3; the `slow` campaign 60).
"""

from __future__ import annotations

import os
import random
import re

import pytest

from a64_harness import (DATA_BASE, MASK64, PAGE, RO_BASE, UNMAPPED, check, make_setup,
                         unicorn_available, word)
from dbt.frontends.aarch64 import lifter
from dbt.frontends.aarch64.decode import DECODER, decode_fields

SIMD = sorted(n for n, p in DECODER.patterns.items() if p.loc.source == "a64_simd.dec")
EXAMPLES = int(os.environ.get("DBT_A64_SIMD_EXAMPLES", "3"))
LDST = {n for n in SIMD if DECODER.patterns[n].trans in
        ("ld_mult", "st_mult", "ld_single", "st_single", "ld_repl")}
FP_MODULES = ("trans_simd_fp", "trans_simd_fps", "trans_simd_est")
FP = {n for n in SIMD
      if lifter.TRANS[DECODER.patterns[n].trans].__module__.rsplit(".", 1)[1] in FP_MODULES}

# -- register states ------------------------------------------------------------------------------
FP32_EDGE = [0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x7FA00000,
             0xFF800001, 0x00000001, 0x807FFFFF, 0x00800000, 0x3F800000, 0xBF800000,
             0x7F7FFFFF, 0x3F000000, 0x3FC00000, 0xC0200000, 0x4F000000, 0xCF000000,
             0x4F800000, 0x5F000000, 0xDF000000, 0x5F800000, 0x3EAAAAAB, 0x4B000001]
FP64_EDGE = [0, 1 << 63, 0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000,
             0x7FF4000000000000, 0xFFF0000000000001, 0x0000000000000001, 0x800FFFFFFFFFFFFF,
             0x0010000000000000, 0x3FF0000000000000, 0xBFF0000000000000, 0x7FEFFFFFFFFFFFFF,
             0x3FE0000000000000, 0x3FF8000000000000, 0xC004000000000000, 0x41E0000000000000,
             0xC1E0000000000000, 0x43E0000000000000, 0xC3E0000000000000, 0x43F0000000000000,
             0x41F0000000000000, 0x3FD5555555555555, 0x4330000000000001, 0x36A0000000000000]


def int_lane(rng: random.Random, bits: int) -> int:
    mask = (1 << bits) - 1
    edge = [0, 1, 2, mask, mask - 1, 1 << (bits - 1), (1 << (bits - 1)) - 1,
            (1 << (bits - 1)) + 1, 0x55 * (mask // 0xFF), 0xAA * (mask // 0xFF), bits, bits - 1]
    return rng.choice(edge) if rng.random() < 0.6 else rng.getrandbits(bits)


def int_vector(rng: random.Random) -> int:
    kind = rng.random()
    if kind < 0.3:
        return rng.getrandbits(128)
    bits = rng.choice([8, 16, 32, 64])
    if kind < 0.45:                                 # shift amounts: small signed bytes
        return sum((rng.randrange(-2 * bits - 2, 2 * bits + 2) & 0xFF) << i
                   for i in range(0, 128, bits))
    return sum(int_lane(rng, bits) << i for i in range(0, 128, bits))


def fp_vector(rng: random.Random) -> int:
    bits = rng.choice([32, 64])
    edge = FP32_EDGE if bits == 32 else FP64_EDGE
    out = 0
    for i in range(0, 128, bits):
        lane = rng.choice(edge) if rng.random() < 0.6 else rng.getrandbits(bits)
        if rng.random() < 0.2:
            lane ^= 1 << (bits - 1)
        out |= lane << i
    return out


def fpcr_value(rng: random.Random) -> int:
    """FPCR: RMode (bits 23:22), FZ (24), DN (25); mostly the Linux default 0."""
    if rng.random() < 0.5:
        return 0
    return rng.randrange(4) << 22 | rng.randrange(2) << 24 | rng.randrange(2) << 25


def x_value(rng: random.Random) -> int:
    return int_lane(rng, 64) if rng.random() < 0.7 else rng.getrandbits(32)


# -- drawing words --------------------------------------------------------------------------------
def draw_word(name: str, rng: random.Random) -> int:
    """Random operand bits of pattern ``name`` that decode to it."""
    pattern = DECODER.patterns[name]
    for _ in range(20_000):
        w = pattern.value | (rng.getrandbits(32) & ~pattern.mask)
        hit = decode_fields(w)
        if hit is not None and hit[1] == name:
            return w
    raise AssertionError(f"no word for {name}")


def structure_bytes(name: str, args) -> int:
    """The bytes a structure load/store transfers (its post-index immediate)."""
    trans = DECODER.patterns[name].trans
    if trans in ("ld_mult", "st_mult"):
        return (16 if args.q else 8) * args.rpt * args.selem
    return args.selem << args.esz


def place_structure(name: str, args, regs: dict, rng: random.Random) -> None:
    """The base register in the data page (the access fits in it), the read-only page (stores
    fault at once) or the unmapped page; a post-index register of a few structures."""
    page = rng.choices([DATA_BASE, RO_BASE, UNMAPPED], [86, 8, 6])[0]
    base = page + rng.randrange(0, PAGE - 64)
    if rng.random() < 0.5:
        base -= base % structure_bytes(name, args)
    if args.rn == 31:
        regs["sp"] = base & ~15
    else:
        regs[f"x{args.rn}"] = base
    if args.p and args.rm != 31 and args.rm != args.rn:
        regs[f"x{args.rm}"] = rng.randrange(-256, 256) & MASK64


def draw_setup(name: str, rng: random.Random):
    w = draw_word(name, rng)
    args = decode_fields(w)[2]
    fp = name in FP
    regs = {f"v{i}": fp_vector(rng) if fp else int_vector(rng) for i in range(32)}
    regs.update({f"x{i}": x_value(rng) for i in range(31)})
    regs["fpcr"] = fpcr_value(rng) if fp else 0
    regs["fpsr"] = rng.choice([0, 0, 1 << 27, 0x9F])       # QC, cumulative flags set before
    if name in LDST:
        place_structure(name, args, regs, rng)
    return make_setup(word(w), **regs)


def run_examples(name: str, examples: int, seed: str) -> None:
    rng = random.Random(f"{seed}-{name}")
    for _ in range(examples):
        check(draw_setup(name, rng))


# -- decoder --------------------------------------------------------------------------------------
_MNEMONICS = {
    "movi_v": {"movi", "fmov"}, "mvni_v": {"mvni"}, "orr_vi": {"orr"}, "bic_vi": {"bic"},
    "ld_mult": {"ld1", "ld2", "ld3", "ld4"}, "st_mult": {"st1", "st2", "st3", "st4"},
    "ld_single": {"ld1", "ld2", "ld3", "ld4"}, "st_single": {"st1", "st2", "st3", "st4"},
    "ld_repl": {"ld1r", "ld2r", "ld3r", "ld4r"}, "dup_elem": {"dup", "mov"}, "dup_gen": {"dup"},
    "ins_gen": {"mov", "ins"}, "ins_elem": {"mov", "ins"}, "umov": {"umov", "mov"},
    "dup_s": {"dup", "mov"}, "not_v": {"not", "mvn"}, "orr_v": {"orr", "mov"}}


def _mnemonics(trans: str) -> set[str]:
    if trans in _MNEMONICS:
        return _MNEMONICS[trans]
    base = re.sub(r"0$", "", re.sub(r"_(v|s|vx|sx|vi|si|vfix|sfix)$", "", trans))
    return {base, base + "2"}


def test_simd_patterns_agree_with_capstone():
    """Random words of every pattern decode to it, and capstone names the same instruction."""
    import capstone
    cs = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    rng = random.Random("simd-capstone")
    for name in SIMD:
        for _ in range(40):
            w = draw_word(name, rng)
            insn = next(cs.disasm(w.to_bytes(4, "little"), 0), None)
            trans = DECODER.patterns[name].trans
            assert insn is not None and insn.mnemonic in _mnemonics(trans), (name, hex(w))


@pytest.mark.parametrize("insn", [
    0x4E284AEF,     # aese v15.16b, v23.16b
    0x5E1D4364,     # sha256h q4, q27, v29.4s
    0x0EF3E171,     # pmull v17.1q, v11.1d, v19.1d
    0x4E491678,     # fadd v24.8h, v19.8h, v9.8h
    0x4E909525,     # sdot v5.4s, v9.16b, v16.16b
    0x0EA16875,     # bfcvtn v21.4h, v3.4s
    0x5E79CBCF,     # fcvtas h15, h30
    0x4F0E1A78,     # fmla v24.8h, v19.8h, v14.h[4]
    0x6E21EB03])    # frint32x v3.4s, v24.4s
def test_out_of_scope_encodings_stay_illegal(insn):
    """Crypto, FP16 vector arithmetic, dot products, BFloat16 and FRINT32/64
    are not implemented (nor advertised in HWCAP) and decode as illegal."""
    assert decode_fields(insn) is None


@pytest.mark.parametrize("text", [
    "movi v0.2d, #0xff00ff00ff00ff00", "movi v0.4s, #0x12, msl #16", "fmov v0.2d, #-1.25",
    "mvni v0.8h, #0x80, lsl #8", "orr v0.4s, #0x7f, lsl #24", "bic v0.4h, #0xff"])
@pytest.mark.oracle
@pytest.mark.skipif(not unicorn_available(), reason="needs unicorn")
def test_modified_immediates(text):
    check(make_setup(text))


# -- every pattern --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SIMD)
@pytest.mark.oracle
@pytest.mark.skipif(not unicorn_available(), reason="needs unicorn")
def test_simd_pattern_against_unicorn(name):
    run_examples(name, EXAMPLES, "a64-simd")


@pytest.mark.slow
@pytest.mark.oracle
@pytest.mark.skipif(not unicorn_available(), reason="needs unicorn")
@pytest.mark.parametrize("name", SIMD)
def test_simd_pattern_campaign(name):
    run_examples(name, 60, "a64-simd-campaign")


# -- what compilers and libc emit -----------------------------------------------------------------
_STRING = bytes(range(1, 40)) + b"\0" + bytes(range(200, 230)) + b"\0"

SEQUENCES = {
    # musl/glibc strlen, memchr, strchr: compare a chunk, reduce, find the first match
    "strlen_umaxv": "ld1 {v0.16b}, [x0]; cmeq v0.16b, v0.16b, #0; umaxv b1, v0.16b; "
                    "umov w2, v1.b[0]",
    "memchr_shrn": "ldr q0, [x0]; dup v1.16b, w6; cmeq v0.16b, v0.16b, v1.16b; "
                   "shrn v0.8b, v0.8h, #4; umov x3, v0.d[0]; rbit x3, x3; clz x3, x3",
    "addp_mask": "ld1 {v0.16b, v1.16b}, [x0], #32; cmeq v0.16b, v0.16b, #0; "
                 "cmeq v1.16b, v1.16b, #0; addp v2.16b, v0.16b, v1.16b; "
                 "addp v2.16b, v2.16b, v2.16b; umov x3, v2.d[0]",
    "uminp_nul": "ldp q0, q1, [x0]; uminp v2.16b, v0.16b, v1.16b; uminp v2.16b, v2.16b, v2.16b; "
                 "umov x4, v2.d[0]; cmeq v3.16b, v0.16b, #0",
    # auto-vectorised loops: sums, widening, narrowing, select, compare masks
    "sum_i32": "movi v0.2d, #0; ld1 {v1.4s, v2.4s}, [x0]; add v0.4s, v0.4s, v1.4s; "
               "add v0.4s, v0.4s, v2.4s; addv s0, v0.4s; fmov w5, s0",
    "widen_u8": "ldr d0, [x0]; ushll v1.8h, v0.8b, #0; uxtl2 v2.4s, v1.8h; sxtl v3.4s, v1.4h; "
                "uaddlv h4, v0.8b",
    "narrow": "ldr q0, [x0]; ldr q1, [x0, #16]; xtn v2.4h, v0.4s; xtn2 v2.8h, v1.4s; "
              "uzp1 v3.8h, v0.8h, v1.8h; sqxtn v4.8b, v0.8h; sqxtun2 v4.16b, v1.8h",
    "select": "ldp q0, q1, [x0]; cmgt v2.4s, v0.4s, v1.4s; bsl v2.16b, v0.16b, v1.16b; "
              "cmhi v3.8h, v0.8h, v1.8h; bif v0.16b, v1.16b, v3.16b; bit v1.16b, v0.16b, v3.16b",
    "minmax": "ldp q0, q1, [x0]; smax v2.4s, v0.4s, v1.4s; umin v3.16b, v0.16b, v1.16b; "
              "smaxv s4, v2.4s; uminv b5, v3.16b; sminv h6, v0.8h",
    "fp_loop": "ldp q0, q1, [x0]; fmul v2.4s, v0.4s, v1.4s; fadd v3.2d, v0.2d, v1.2d; "
               "fmla v2.4s, v0.4s, v1.s[1]; faddp v4.4s, v2.4s, v3.4s; faddp s5, v4.2s; "
               "scvtf v6.4s, v0.4s; fcvtzs v7.2d, v1.2d",
    "interleave": "ld2 {v0.8h, v1.8h}, [x0]; ld3 {v2.8b, v3.8b, v4.8b}, [x0]; "
                  "ld4 {v5.4s, v6.4s, v7.4s, v8.4s}, [x0], #64; zip1 v9.16b, v0.16b, v1.16b; "
                  "st2 {v0.4s, v1.4s}, [x1]; st4 {v5.8b, v6.8b, v7.8b, v8.8b}, [x1], #32",
    "lanes": "ld1r {v0.4s}, [x0]; ld1 {v0.s}[2], [x0]; ld4r {v1.8b, v2.8b, v3.8b, v4.8b}, [x0]; "
             "st1 {v0.d}[1], [x1]; ld2 {v5.h, v6.h}[5], [x0], x2; st3 {v1.b, v2.b, v3.b}[15], [x1]",
    "tbl": "ldp q0, q1, [x0]; movi v2.16b, #0x1f; and v3.16b, v0.16b, v2.16b; "
           "tbl v4.16b, {v0.16b, v1.16b}, v3.16b; tbx v5.8b, {v1.16b}, v0.8b; "
           "ext v6.16b, v0.16b, v1.16b, #9; rev64 v7.4s, v6.4s; cnt v8.8b, v7.8b",
}


@pytest.mark.oracle
@pytest.mark.skipif(not unicorn_available(), reason="needs unicorn")
@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_compiler_sequences(name):
    """Straight-line sequences as compilers and string functions emit them, one block each,
    on the string data above and on random data."""
    rng = random.Random(f"seq-{name}")
    for data in (_STRING, bytes(rng.getrandbits(8) for _ in range(96))):
        check(make_setup(SEQUENCES[name], mem=((DATA_BASE + 0x100, data),),
                         x0=DATA_BASE + 0x100, x1=DATA_BASE + 0x300, x2=6, x6=0xCA))


@pytest.mark.oracle
@pytest.mark.skipif(not unicorn_available(), reason="needs unicorn")
def test_shift_and_saturation_edges():
    """Shifts by the whole element (USHR, SSHR, SRI, URSHR #esize), saturation boundaries
    (QC set and kept), and the 64-bit vector zeroing the upper half of its destination."""
    ones, low = (1 << 128) - 1, 1 << 63 | 1
    cases = [("ushr v0.2d, v1.2d, #64", {}), ("sshr v0.4s, v1.4s, #32", {}),
             ("sri v0.8h, v1.8h, #16", {}), ("urshr v0.16b, v1.16b, #8", {}),
             ("srshr d0, d1, #64", {}), ("sqadd v0.4s, v1.4s, v1.4s", {"v1": 1 << 31 | 1 << 95}),
             ("uqadd v0.16b, v1.16b, v2.16b", {"v1": ones, "v2": 1}),
             ("sqneg v0.2d, v1.2d", {"v1": 1 << 63}), ("sqabs b0, b1", {"v1": 0x80}),
             ("sqxtn v0.2s, v1.2d", {"v1": low}), ("add v0.8b, v1.8b, v2.8b", {"v0": ones}),
             ("fcvtzs v0.4s, v1.4s, #31", {"v1": 0x3F800000_BF800000_4F000000_7FC00000}),
             ("ucvtf v0.2d, v1.2d, #64", {"v1": ones}),
             ("sqshl v0.4s, v1.4s, v2.4s", {"v1": 0x40000000, "v2": 0x02}),
             ("uqrshl d0, d1, d2", {"v1": MASK64, "v2": 0xFF}),
             ("sqdmull s0, h1, h2", {"v1": 0x8000, "v2": 0x8000}),
             ("sqdmlal d0, s1, v2.s[1]", {"v0": (1 << 63) - 1, "v1": 1 << 31, "v2": 1 << 63}),
             ("sqrdmulh v0.8h, v1.8h, v2.h[3]", {"v1": 1 << 127, "v2": 1 << 63})]
    for text, regs in cases:
        for fpsr in (0, 1 << 27):
            check(make_setup(text, fpsr=fpsr, **regs))

