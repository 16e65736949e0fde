"""A64 scalar floating point (patterns/a64_fp.dec, trans_fp.py) against Unicorn.

Every instruction of the scalar FP classes runs through our interpreter and both tiers of the
dynamic translator and through Unicorn (tests/semantics/a64_harness.py's `check`), which
compare the V registers (all 128 bits: scalar writes zero the rest), X registers, NZCV, FPCR
and FPSR (the cumulative exception bits our FP ops accrue). Inputs are edge-biased: signed
zeros, subnormals, the extreme normals, infinities, quiet and signalling NaNs with payloads,
values at and next to rounding ties, integers around 2**31, 2**32, 2**63, 2**64 and the
formats' integral limits, plus random bit patterns; the junk above a scalar operand in its V
register is random too. Each variant runs under all 16 FPCR settings (RMode x FZ x DN) first,
then random ones, from a fixed seed; FPSR starts with random cumulative bits now and then.
A decoder sweep checks the allocated/unallocated split against capstone (FEAT_FP16
arithmetic and the other extensions we do not advertise must not decode).

`-m slow` runs the longer campaign (FP_CAMPAIGN cases per variant, default 200).
"""

from __future__ import annotations

import os
import random
import re
import struct

import pytest

from dbt.frontends.aarch64.decode import decode
from dbt.frontends.aarch64.fields_fp import vfp_expand_imm

a64_harness = pytest.importorskip("a64_harness")
pytest.importorskip("unicorn")
pytest.importorskip("keystone")
from a64_harness import check, make_setup, word  # noqa: E402

pytestmark = pytest.mark.oracle

WIDTH = {"h": 16, "s": 32, "d": 64}
MANT = {16: 10, 32: 23, 64: 52}
#: Every FPCR setting that matters: RMode (bits 23:22) x FZ (24) x DN (25).
FPCRS = tuple(rm << 22 | fz << 24 | dn << 25 for dn in (0, 1) for fz in (0, 1)
              for rm in range(4))
FPSR_CUMULATIVE = (0x01, 0x02, 0x04, 0x08, 0x10, 0x80)
M128 = (1 << 128) - 1


# -- values --------------------------------------------------------------------------------------
def fbits(value: float, width: int) -> int:
    """The bits of a Python float in a format (f16 through struct's 'e')."""
    fmt = {16: "<e", 32: "<f", 64: "<d"}[width]
    try:
        return int.from_bytes(struct.pack(fmt, value), "little")
    except OverflowError:                         # beyond the format: its infinity
        return make_float(width, int(value < 0), -1, 0)


def make_float(width: int, sign: int, exp: int, frac: int) -> int:
    m = MANT[width]
    return sign << (width - 1) | (exp & ((1 << (width - m - 1)) - 1)) << m | frac & ((1 << m) - 1)


def edge_floats(width: int) -> list[int]:
    m = MANT[width]
    bias = (1 << (width - m - 2)) - 1
    emax = 2 * bias + 1
    sign = 1 << (width - 1)
    out = [0, 1, (1 << m) - 1, 1 << m, (1 << m) + 1, make_float(width, 0, emax - 1, -1),
           make_float(width, 0, emax, 0),                         # +inf
           make_float(width, 0, emax, 1 << (m - 1)),              # default NaN
           make_float(width, 0, emax, 1 << (m - 1) | 0x15),       # quiet NaN with a payload
           make_float(width, 0, emax, 1),                         # signalling NaNs
           make_float(width, 0, emax, 0x2A5),
           make_float(width, 0, emax, (1 << (m - 1)) - 1)]
    for v in (1.0, 0.5, 1.5, 2.5, 3.5, -0.5, 0.49999999999999994, 0.5000000000000001, 1e-3,
              2.0 ** 31, 2.0 ** 31 - 0.5, 2.0 ** 32, 2.0 ** 63, 2.0 ** 64, 4294967295.5,
              2.0 ** m, 2.0 ** m - 0.5, 2.0 ** m + 1, 2.0 ** (m + 1) - 1, 65504.0, 65520.0,
              6.103515625e-05, 5.960464477539063e-08, 3.0e-8, 1.0 / 3):
        out.append(fbits(v, width))
    return out + [v | sign for v in out]


def random_float(rng: random.Random, width: int, edges: list[int]) -> int:
    """An edge value, a random bit pattern, or a number in a useful range with a structured
    fraction (runs of zeros/ones make exact results and ties)."""
    m = MANT[width]
    bias = (1 << (width - m - 2)) - 1
    r = rng.random()
    if r < 0.3:
        return rng.choice(edges)
    if r < 0.45:
        return rng.getrandbits(width)
    exp = bias + rng.choice([rng.randint(-8, 8), rng.randint(-40, 70), rng.randint(-bias, bias),
                             rng.choice([-bias + 1, -bias, bias, m, m - 1, 31, 63, 30, 62])])
    pattern = rng.choice([rng.getrandbits(m), 0, (1 << m) - 1, 1 << rng.randrange(m),
                          ((1 << m) - 1) ^ (1 << rng.randrange(m)),
                          rng.getrandbits(m) & ~((1 << rng.randrange(m)) - 1)])
    return make_float(width, rng.getrandbits(1), max(exp, 0), pattern)


def near(rng: random.Random, width: int, a: int) -> int:
    """A value related to a: its neighbour, its negation, a scaled copy (cancellations, exact
    sums, halfway points)."""
    choice = rng.randrange(4)
    if choice == 0:
        return (a + rng.choice([-2, -1, 1, 2])) & ((1 << width) - 1)
    if choice == 1:
        return a ^ (1 << (width - 1))
    if choice == 2:
        return (a + (rng.randint(-30, 30) << MANT[width])) & ((1 << width) - 1)
    return a ^ (1 << rng.randrange(MANT[width]))


def edge_ints(width: int) -> list[int]:
    mask = (1 << width) - 1
    out = [0, 1, mask, 1 << (width - 1), (1 << (width - 1)) - 1, 2, 3, 1 << 24, (1 << 24) + 1,
           (1 << 53) + 1, (1 << 53) - 1, (1 << 54) + 2, 0x7FFFFFBF, 0x7FFFFFC0, 0xFFFFFF80,
           (1 << 63) + 1024, mask - 1024, mask - 1023, 0x0123456789ABCDEF]
    return [v & mask for v in out] + [(-v) & mask for v in out]


def random_int(rng: random.Random, width: int) -> int:
    r = rng.random()
    if r < 0.3:
        return rng.choice(edge_ints(width))
    if r < 0.6:
        return rng.getrandbits(width)
    v = rng.getrandbits(rng.randint(1, width))       # every magnitude, often with low zeros
    v &= ~((1 << rng.randrange(max(1, v.bit_length()))) - 1) if rng.random() < 0.5 else ~0
    return (-v if rng.getrandbits(1) else v) & ((1 << width) - 1)


# -- the instructions --------------------------------------------------------------------------
# A variant is an asm template naming registers {rd} {rn} {rm} {ra} (and {cond}, {nzcv},
# {fbits} where used), the kinds of its source operands rn, rm, ra (h/s/d: a float in Vn, the
# bits above it random; w/x: an integer in Xn; v: a whole V register) and its number of cases.

def _variants() -> dict[str, tuple[str, tuple, int]]:
    """name -> (template, operand kinds of rn, rm, ra, cases by default)."""
    v = {}
    for p in "sd":
        for op in ("fadd", "fsub", "fmul", "fdiv", "fnmul", "fmax", "fmin", "fmaxnm", "fminnm"):
            v[f"{op}_{p}"] = (f"{op} {p}{{rd}}, {p}{{rn}}, {p}{{rm}}", (p, p), 28)
        for op in ("fmadd", "fmsub", "fnmadd", "fnmsub"):
            v[f"{op}_{p}"] = (f"{op} {p}{{rd}}, {p}{{rn}}, {p}{{rm}}, {p}{{ra}}", (p, p, p), 28)
        for op in ("fsqrt", "frintn", "frintp", "frintm", "frintz", "frinta", "frintx",
                   "frinti"):
            v[f"{op}_{p}"] = (f"{op} {p}{{rd}}, {p}{{rn}}", (p,), 28)
        for op in ("fmov", "fabs", "fneg"):
            v[f"{op}_{p}"] = (f"{op} {p}{{rd}}, {p}{{rn}}", (p,), 6)
        for op in ("fcmp", "fcmpe"):
            v[f"{op}_{p}"] = (f"{op} {p}{{rn}}, {p}{{rm}}", (p, p), 24)
            v[f"{op}_{p}_zero"] = (f"{op} {p}{{rn}}, #0.0", (p,), 12)
        for op in ("fccmp", "fccmpe"):
            v[f"{op}_{p}"] = (f"{op} {p}{{rn}}, {p}{{rm}}, #{{nzcv}}, {{cond}}", (p, p), 20)
        v[f"fcsel_{p}"] = (f"fcsel {p}{{rd}}, {p}{{rn}}, {p}{{rm}}, {{cond}}", (p, p), 8)
        for r in "wx":
            for op in ("fcvtns", "fcvtnu", "fcvtas", "fcvtau", "fcvtps", "fcvtpu", "fcvtms",
                       "fcvtmu", "fcvtzs", "fcvtzu"):
                v[f"{op}_{r}{p}"] = (f"{op} {r}{{rd}}, {p}{{rn}}", (p,), 14)
            for op in ("scvtf", "ucvtf"):
                v[f"{op}_{p}{r}"] = (f"{op} {p}{{rd}}, {r}{{rn}}", (r,), 14)
                v[f"{op}_{p}{r}_fix"] = (f"{op} {p}{{rd}}, {r}{{rn}}, #{{fbits}}", (r,), 14)
            for op in ("fcvtzs", "fcvtzu"):
                v[f"{op}_{r}{p}_fix"] = (f"{op} {r}{{rd}}, {p}{{rn}}, #{{fbits}}", (p,), 16)
    for src in "hsd":
        for dst in "hsd":
            if src != dst:
                v[f"fcvt_{dst}{src}"] = (f"fcvt {dst}{{rd}}, {src}{{rn}}", (src,), 24)
    v["fmov_ws"] = ("fmov w{rd}, s{rn}", ("s",), 4)
    v["fmov_sw"] = ("fmov s{rd}, w{rn}", ("w",), 4)
    v["fmov_xd"] = ("fmov x{rd}, d{rn}", ("d",), 4)
    v["fmov_dx"] = ("fmov d{rd}, x{rn}", ("x",), 4)
    v["fmov_xv1"] = ("fmov x{rd}, v{rn}.d[1]", ("v",), 4)
    v["fmov_v1x"] = ("fmov v{rd}.d[1], x{rn}", ("x",), 4)
    return v


VARIANTS = _variants()
CONDS = ("eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le",
         "al", "nv")


def _register(kind: str, r: int) -> str:
    """The register's number as a template's {rn} (the template writes the w/x/s/d...):
    31 of an integer operand is the zero register, wzr/xzr."""
    return "zr" if r == 31 and kind in "wx" else str(r)


def make_case(rng: random.Random, name: str, index: int):
    """(asm text, setup) of case `index` of a variant."""
    template, kinds, _ = VARIANTS[name]
    first = template.split()[1][0]               # the kind of the first operand
    regs = dict(zip(("rd", "rn", "rm", "ra"), rng.sample(range(31), 4)))
    kind_of = dict(zip(("rn", "rm", "ra"), kinds), rd=first)
    for key, kind in kind_of.items():
        if kind in "wx" and rng.random() < 0.05:
            regs[key] = 31                        # the zero register
        elif kind not in "wx" and rng.random() < 0.1:
            regs[key] = 31                        # V31
    values: dict[str, int] = {}
    prev = None
    for key, kind in zip(("rn", "rm", "ra"), kinds):
        r = regs[key]
        if kind in "wx":
            width = 32 if kind == "w" else 64
            value = random_int(rng, width)
            if r != 31:
                values[f"x{r}"] = value | (rng.getrandbits(32) << 32 if kind == "w" else 0)
        elif kind == "v":
            values[f"v{r}"] = rng.getrandbits(128)
        else:
            width = WIDTH[kind]
            edges = edge_floats(width)
            value = (near(rng, width, prev) if prev is not None and rng.random() < 0.35
                     else random_float(rng, width, edges))
            if name.startswith(("fmadd", "fmsub", "fnm")) and key == "ra" and rng.random() < 0.3:
                value = _cancelling_addend(values, regs, width)
            prev = value
            values[f"v{r}"] = value | (rng.getrandbits(128 - width) << width)
    fields = {k: _register(kind_of.get(k, "d"), r) for k, r in regs.items()}
    fields["cond"] = CONDS[rng.randrange(16)]
    fields["nzcv"] = rng.randrange(16)
    gp_width = 64 if " x" in template or "x{" in template else 32
    fields["fbits"] = rng.choice([1, 2, gp_width // 2, gp_width - 1, gp_width,
                                  rng.randint(1, gp_width)])
    text = template.format(**fields)
    fpcr = FPCRS[index] if index < len(FPCRS) else rng.choice(FPCRS)
    fpsr = 0 if rng.random() < 0.7 else sum(b for b in FPSR_CUMULATIVE if rng.random() < 0.3)
    setup = make_setup(text, fpcr=fpcr, fpsr=fpsr, nzcv=rng.randrange(16), **values)
    return text, setup


def _cancelling_addend(values: dict, regs: dict, width: int) -> int:
    """-(n * m) rounded to the format: n*m + a is then the rounding error of the product,
    which only a fused multiply-add gets right."""
    if width == 16:
        return 0
    fmt = "<f" if width == 32 else "<d"
    mask = (1 << width) - 1
    n, m = (struct.unpack(fmt, (values[f"v{regs[k]}"] & mask).to_bytes(width // 8, "little"))[0]
            for k in ("rn", "rm"))
    try:
        return fbits(-(n * m), width)
    except (OverflowError, ValueError):
        return 0


def run_variant(name: str, count: int, seed: int) -> None:
    rng = random.Random(f"{name}/{seed}")
    failures = []
    for i in range(count):
        text, setup = make_case(rng, name, i)
        try:
            check(setup)
        except AssertionError as exc:
            failures.append(f"{text!r} fpcr={setup.fpcr:#x} fpsr={setup.fpsr:#x}:\n"
                            + str(exc).split("\n", 1)[-1])
    assert not failures, f"{len(failures)}/{count} cases differ:\n" + "\n".join(failures[:4])


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_fp_variant_matches_unicorn(name):
    run_variant(name, VARIANTS[name][2], 0)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_fp_variant_campaign(name):
    run_variant(name, int(os.environ.get("FP_CAMPAIGN", 200)), 1)


# -- hand-picked cases ---------------------------------------------------------------------------
QNAN_D, SNAN_D = 0x7FF8000000000005, 0x7FF0000000000009
QNAN_S, SNAN_S = 0x7FC00005, 0x7F800009
FZ, DN = 1 << 24, 1 << 25
RN, RP, RM, RZ = (r << 22 for r in range(4))

EDGES = [
    # NaN precedence: a signalling NaN wins (quietened), fma's addend first; FNMUL negates NaNs
    ("fadd d0, d1, d2", dict(v1=QNAN_D, v2=SNAN_D)),
    ("fmadd d0, d1, d2, d3", dict(v1=SNAN_D, v2=1, v3=QNAN_D)),
    ("fmadd d0, d1, d2, d3", dict(v1=0x7FF0000000000000, v2=0, v3=QNAN_D)),   # inf*0 + qNaN
    ("fmsub s0, s1, s2, s3", dict(v1=QNAN_S, v2=SNAN_S, v3=0)),
    ("fnmadd s0, s1, s2, s3", dict(v1=0x3F800000, v2=0x3F800000, v3=QNAN_S)),
    ("fnmul d0, d1, d2", dict(v1=QNAN_D, v2=0)),
    ("fnmul d0, d1, d2", dict(v1=SNAN_D, v2=0, fpcr=DN)),
    # FMIN/FMAX propagate NaNs, FMINNM/FMAXNM prefer a number to a quiet NaN only; DN, FZ
    ("fmin d0, d1, d2", dict(v1=QNAN_D, v2=0)),
    ("fminnm d0, d1, d2", dict(v1=QNAN_D, v2=0x8000000000000000)),
    ("fmaxnm s0, s1, s2", dict(v1=SNAN_S, v2=0)),
    ("fmaxnm s0, s1, s2", dict(v1=QNAN_S, v2=QNAN_S ^ 0x80000000, fpcr=DN)),
    ("fmax s0, s1, s2", dict(v1=0x00000001, v2=0x80000000, fpcr=FZ)),
    ("fmin d0, d1, d2", dict(v1=0x8000000000000001, v2=0, fpcr=FZ)),
    ("fminnm d0, d1, d2", dict(v1=QNAN_D, v2=0x800FFFFFFFFFFFFF, fpcr=FZ | DN)),
    ("fmin s0, s1, s2", dict(v1=0, v2=0x80000000)),
    # compares: quiet vs signalling, subnormals under FZ, the unordered NZCV
    ("fcmp s1, s2", dict(v1=QNAN_S, v2=0)),
    ("fcmp s1, s2", dict(v1=SNAN_S, v2=0)),
    ("fcmpe d1, #0.0", dict(v1=QNAN_D)),
    ("fcmp d1, d2", dict(v1=1, v2=0x8000000000000000, fpcr=FZ)),
    ("fcmp d1, d2", dict(v1=1, v2=0x8000000000000000)),
    ("fcmp s1, #0.0", dict(v1=0x80000000)),
    ("fccmpe s1, s2, #0xf, ne", dict(v1=QNAN_S, v2=0, nzcv=4)),          # skipped: no IOC
    ("fccmpe s1, s2, #0x0, ne", dict(v1=QNAN_S, v2=0, nzcv=0)),
    ("fccmp d1, d2, #2, hi", dict(v1=1, v2=2, nzcv=2, fpcr=FZ)),
    # FRINT: ties, the sign of zero results, the integral limit, FRINTX's IXC, FZ
    ("frinta d0, d1", dict(v1=fbits(-2.5, 64))),
    ("frintn d0, d1", dict(v1=fbits(-2.5, 64))),
    ("frintp s0, s1", dict(v1=fbits(-0.25, 32))),
    ("frintm d0, d1", dict(v1=fbits(0.25, 64))),
    ("frintm d0, d1", dict(v1=1)),
    ("frintp d0, d1", dict(v1=1, fpcr=FZ)),
    ("frintx s0, s1", dict(v1=fbits(2.0 ** 23 - 0.5, 32))),
    ("frinti d0, d1", dict(v1=fbits(2.0 ** 52 - 0.5, 64), fpcr=RP)),
    ("frintx d0, d1", dict(v1=fbits(4503599627370497.0, 64), fpcr=RM)),
    ("frintz d0, d1", dict(v1=SNAN_D)),
    ("frintz s0, s1", dict(v1=SNAN_S, fpcr=DN)),
    ("frinti s0, s1", dict(v1=0xFF800000)),
    # float -> int saturation, NaN -> 0, rounding by the instruction
    ("fcvtzs w0, d1", dict(v1=fbits(2.0 ** 31, 64))),
    ("fcvtzs w0, d1", dict(v1=fbits(-2.0 ** 31 - 0.5, 64))),
    ("fcvtzu x0, d1", dict(v1=fbits(2.0 ** 64, 64))),
    ("fcvtzu x0, s1", dict(v1=fbits(-0.75, 32))),
    ("fcvtas x0, d1", dict(v1=fbits(-2.5, 64))),
    ("fcvtns w0, s1", dict(v1=fbits(2.5, 32))),
    ("fcvtps x0, d1", dict(v1=fbits(2.0 ** 63 - 512, 64))),
    ("fcvtms w0, d1", dict(v1=QNAN_D)),
    ("fcvtzs x0, d1", dict(v1=1, fpcr=FZ)),
    # fixed point: scaling, saturation without an overflow flag, NaN
    ("fcvtzs w0, s1, #1", dict(v1=0x7F800000)),
    ("fcvtzs x0, d1, #64", dict(v1=fbits(0.5, 64))),
    ("fcvtzu w0, d1, #32", dict(v1=fbits(1.0 - 2 ** -33, 64))),
    ("fcvtzs w0, d1, #10", dict(v1=fbits(1e300, 64))),
    ("fcvtzu x0, s1, #20", dict(v1=SNAN_S)),
    ("scvtf s0, x1, #64", dict(x1=(1 << 64) - 1)),
    ("ucvtf d0, x1, #64", dict(x1=(1 << 64) - 1, fpcr=RP)),
    ("scvtf s0, w1, #3", dict(x1=0x7FFFFFFF, fpcr=RZ)),
    # int -> float rounding
    ("scvtf s0, x1", dict(x1=(1 << 63) + 1, fpcr=RM)),
    ("ucvtf d0, x1", dict(x1=(1 << 64) - 1)),
    ("ucvtf s0, w1", dict(x1=0x80000081, fpcr=RP)),
    # precision conversions: NaN payloads, half overflow/underflow, FZ on the half side
    ("fcvt s0, d1", dict(v1=0x7FF4000012345678)),
    ("fcvt h0, s1", dict(v1=fbits(65520.0, 32))),
    ("fcvt h0, d1", dict(v1=fbits(2.0 ** -25, 64), fpcr=FZ)),
    ("fcvt s0, h1", dict(v1=0x0001, fpcr=FZ)),
    ("fcvt d0, h1", dict(v1=0xFD01)),
    ("fcvt s0, d1", dict(v1=1, fpcr=FZ | RP)),
    # tininess before rounding: the largest subnormal times 1 + ulp rounds to the smallest
    # normal, and is still an underflow
    ("fmul d0, d1, d2", dict(v1=(1 << 52) - 1, v2=0x3FF0000000000001)),
    ("fmul d0, d1, d2", dict(v1=0x0010000000000001, v2=0x3FE0000000000000, fpcr=FZ)),
    ("fdiv s0, s1, s2", dict(v1=0x3F800000, v2=0)),
    ("fsqrt d0, d1", dict(v1=0x8000000000000001, fpcr=FZ)),
    ("fsqrt s0, s1", dict(v1=0x80000000)),
    ("fsub d0, d1, d1", dict(v1=0x3FF0000000000000, fpcr=RM)),        # exact zero: -0 in RM
    # accrual: FPSR's earlier bits stay
    ("fadd d0, d1, d2", dict(v1=1, v2=2, fpsr=0x9F | 1 << 27)),
]


@pytest.mark.parametrize("text, regs", EDGES, ids=[f"{i}:{t}" for i, (t, _) in enumerate(EDGES)])
def test_fp_edge_cases_match_unicorn(text, regs):
    check(make_setup(text, **regs))


def test_fp_sequence_matches_unicorn():
    """A block of dependent FP instructions (flags accrued through several ops, an FPCR read
    once per block, compare flags consumed by FCSEL and B.cond in the same block)."""
    text = ("fmul d0, d1, d2; fadd d3, d0, d1; frintx d4, d3; fcvtzs x5, d4; scvtf s6, x5; "
            "fcmp d4, d3; fcsel d7, d4, d3, lt; fcvt h8, d7; fcvt s9, h8; fmaxnm s10, s9, s6; "
            "fccmpe s10, s6, #4, ge; cset x11, eq; fmov x12, d7; fmov v13.d[1], x12")
    for fpcr in FPCRS:
        check(make_setup(text, fpcr=fpcr, v1=fbits(1.1, 64), v2=fbits(-3.7, 64)))


def test_fp_fmov_immediates_match_unicorn():
    """FMOV (scalar, immediate) for all 256 immediates of S and D, 8 to a block."""
    for ftype in (0, 1):
        for start in range(0, 256, 8):
            words = [0x1E201000 | ftype << 22 | imm8 << 13 | (imm8 - start)
                     for imm8 in range(start, start + 8)]
            got = check(make_setup(word(*words)))
            for imm8 in range(start, start + 8):
                width = 64 if ftype else 32
                assert got.v[imm8 - start] == vfp_expand_imm(imm8, width)


# -- decoding ------------------------------------------------------------------------------------
def _fp_space_words(rng: random.Random, n: int):
    """Random words of our encoding space: bit 30 = 0, bits 28:24 = 11110 or 11111, and the
    fields that pick the instruction class drawn often from their interesting values."""
    for _ in range(n):
        w = rng.getrandbits(32) & ~(1 << 30)
        w = w & ~(0x1F << 24) | rng.choice((0x1E, 0x1F)) << 24
        if rng.random() < 0.7:
            w &= ~(1 << 29)                   # S = 0
        if rng.random() < 0.5:
            w &= ~(1 << 31)                   # M = 0 (sf = 0 for the conversions)
        yield w


def test_fp_decoder_agrees_with_capstone():
    """What we decode in the scalar FP space is what capstone (all of ARMv8.x) disassembles,
    less what we do not advertise: FEAT_FP16 (half-precision arithmetic and moves), FEAT_JSCVT
    (FJCVTZS), FEAT_FRINTTS (FRINT32/64), FEAT_BF16 (BFCVT); FCVT to and from half stays."""
    capstone = pytest.importorskip("capstone")
    cs = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    rng = random.Random(7)
    checked = 0
    for w in _fp_space_words(rng, 40000):
        ours = decode(w)
        theirs = next(cs.disasm(w.to_bytes(4, "little"), 0), None)
        if theirs is None:
            assert ours is None, f"{w:#010x}: we decode {ours.mnemonic}, capstone nothing"
            continue
        mnemonic, ops = theirs.mnemonic, theirs.op_str
        half = re.search(r"\bh\d", ops) is not None
        extension = (mnemonic in ("fjcvtzs", "bfcvt") or mnemonic.startswith(("frint32",
                     "frint64")) or (half and mnemonic != "fcvt"))
        if extension:
            assert ours is None, f"{w:#010x}: {mnemonic} {ops} decoded as {ours.mnemonic}"
            continue
        assert ours is not None, f"{w:#010x}: capstone {mnemonic} {ops}, we nothing"
        want = mnemonic.split(".")[0]
        assert ours.mnemonic.split("_")[0] == want, (hex(w), mnemonic, ops, ours.mnemonic)
        checked += 1
    assert checked > 5000


@pytest.mark.parametrize("w, why", [
    (0x1EA22820, "fadd with ftype 10"),
    (0x1EE22820, "fadd h0, h1, h2 (FEAT_FP16)"),
    (0x1E224020, "fcvt s0, s1 (same format)"),
    (0x1E027C20, "scvtf s0, w1, #33: 32-bit with scale < 32"),
    (0x1E7E0020, "fjcvtzs w0, d1 (FEAT_JSCVT)"),
    (0x1E264020 | 1 << 12, "frint opcode 001101"),
    (0x1E201001 | 1 << 5, "fmov s1, #imm with imm5 != 0"),
    (0x1E222008 | 1 << 0, "fcmp with opcode2<0> set"),
    (0x3E222820, "fadd with S = 1"),
    (0x9E222820, "fadd with M = 1"),
    (0x1E260020 | 1 << 31, "fmov x0, s1 (sf/ftype mismatch)"),
])
def test_fp_unallocated_encodings_do_not_decode(w, why):
    assert decode(w) is None, why
