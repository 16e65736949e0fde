"""dbt/fp.py's Arm rules (the mode bits PROPAGATE, TINY_BEFORE, NAN_TO_ZERO, DN, FZ and the
min/max modes) against the AArch64 FPU that Unicorn (QEMU's softfloat) emulates.

Each case runs one scalar A64 instruction (assembled by keystone) with FPCR's rounding mode,
FZ and DN set, and compares the result register and FPSR's cumulative flags (IOC, DZC, OFC,
UFC, IXC, IDC) with dbt.fp called in the mode an AArch64 frontend gives it: the rounding mode
from FPCR.RMode, PROPAGATE | TINY_BEFORE always, DN and FZ from FPCR, NAN_TO_ZERO for
float -> int. The operands are test_fp.py's edge-biased bit patterns.
"""

import os
import struct

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from dbt import fp

try:
    from tests.test_fp import bits, int_patterns, operands, show
except ImportError:                             # tests/ is not a package
    from test_fp import bits, int_patterns, operands, show

pytestmark = pytest.mark.oracle
SETTINGS = settings(max_examples=int(os.environ.get('FP_EXAMPLES', 100)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
F32, F64 = fp.F32, fp.F64
# FPCR.RMode (RN, RP, RM, RZ) -> the IR's rounding mode
RMODES = {0: fp.RNE, 1: fp.RUP, 2: fp.RDN, 3: fp.RTZ}
# FPSR cumulative bits -> IR flags
FPSR_FLAGS = ((0, fp.NV), (1, fp.DZ), (2, fp.OF), (3, fp.UF), (4, fp.NX), (7, fp.ID))
CODE = 0x10000


class ArmFpu:
    """Runs one A64 FP instruction on Unicorn: d1/s1, d2/s2, d3/s3 or x1/w1 in; d0/s0, x0/w0
    or NZCV out."""

    def __init__(self):
        import keystone
        import unicorn
        from unicorn import arm64_const as arm
        self.arm = arm
        self.ks = keystone.Ks(keystone.KS_ARCH_ARM64, keystone.KS_MODE_LITTLE_ENDIAN)
        self.uc = unicorn.Uc(unicorn.UC_ARCH_ARM64, unicorn.UC_MODE_ARM)
        self.uc.mem_map(CODE, 0x1000)
        self.code = {}

    def run(self, text, fregs=(), xreg=0, rmode=0, fz=False, dn=False):
        """(result register bits, x0, NZCV, IR flags) after `text`."""
        arm, uc = self.arm, self.uc
        code = self.code.get(text)
        if code is None:
            code = self.code[text] = bytes(self.ks.asm(text)[0])
        uc.mem_write(CODE, code)
        for i, v in enumerate(fregs, start=1):
            uc.reg_write(arm.UC_ARM64_REG_D0 + i, v)
        uc.reg_write(arm.UC_ARM64_REG_X1, xreg)
        uc.reg_write(arm.UC_ARM64_REG_FPCR, rmode << 22 | fz << 24 | dn << 25)
        uc.reg_write(arm.UC_ARM64_REG_FPSR, 0)
        uc.emu_start(CODE, CODE + len(code))
        fpsr = uc.reg_read(arm.UC_ARM64_REG_FPSR)
        flags = sum(ir for bit, ir in FPSR_FLAGS if fpsr >> bit & 1)
        return (uc.reg_read(arm.UC_ARM64_REG_D0), uc.reg_read(arm.UC_ARM64_REG_X0),
                uc.reg_read(arm.UC_ARM64_REG_NZCV) >> 28, flags)


@pytest.fixture(scope='module')
def fpu():
    pytest.importorskip('unicorn')
    pytest.importorskip('keystone')
    return ArmFpu()


def mode(rmode, fz, dn, extra=0):
    """The dbt.fp mode of an AArch64 FP instruction under FPCR (rmode, fz, dn)."""
    return (RMODES[rmode] | fp.PROPAGATE | fp.TINY_BEFORE | extra | (fp.FZ if fz else 0)
            | (fp.DN if dn else 0))


def reg(fmt):
    return 'd' if fmt == F64 else 's'


fmts = st.sampled_from([F32, F64])
fpcr = st.tuples(st.integers(0, 3), st.booleans(), st.booleans())
ARITH = {'add': ('fadd', 2), 'sub': ('fsub', 2), 'mul': ('fmul', 2), 'div': ('fdiv', 2),
         'sqrt': ('fsqrt', 1), 'fma': ('fmadd', 3)}


@pytest.mark.parametrize('name', sorted(ARITH))
@SETTINGS
@given(data=st.data(), fmt=fmts, control=fpcr)
@example(data=None, fmt=F64, control=(0, False, False))
def test_fp_arith_matches_arm(fpu, name, data, fmt, control):
    insn, n = ARITH[name]
    if data is None:       # qNaN + sNaN operands: the sNaN wins, quietened (fma: the addend)
        args = (0x7FF8000000000001, 0x7FF0000000000002, 0x7FF0000000000003)[:n]
    else:
        args = data.draw(operands(fmt, n))
    r = reg(fmt)
    text = f"{insn} {r}0, " + ", ".join(f"{r}{i}" for i in range(1, n + 1))
    d0, _, _, flags = fpu.run(text, args, rmode=control[0], fz=control[1], dn=control[2])
    mask = (1 << fp.FORMATS[fmt].width) - 1
    want = fp.OPS[name](fmt, *args, mode(*control))
    assert show(want) == show((d0 & mask, flags)), (name, fmt, control, show(args))


@pytest.mark.parametrize('insn', ['fmin', 'fmax', 'fminnm', 'fmaxnm'])
@SETTINGS
@given(data=st.data(), fmt=fmts, fz=st.booleans(), dn=st.booleans())
def test_fp_min_max_match_arm(fpu, insn, data, fmt, fz, dn):
    a, b = data.draw(operands(fmt, 2))
    if data.draw(st.booleans()):              # a quiet or signalling NaN against a number
        nan = data.draw(st.sampled_from([fp.FORMATS[fmt].qnan | 5, fp.FORMATS[fmt].inf | 5]))
        a, b = (nan, b) if data.draw(st.booleans()) else (a, nan)
    r = reg(fmt)
    d0, _, _, flags = fpu.run(f"{insn} {r}0, {r}1, {r}2", (a, b), fz=fz, dn=dn)
    kind = fp.MIN_NUM if insn.endswith('nm') else fp.PROPAGATE
    op = fp.fmin if insn.startswith('fmin') else fp.fmax
    want = op(fmt, a, b, kind | (fp.FZ if fz else 0) | (fp.DN if dn else 0))
    mask = (1 << fp.FORMATS[fmt].width) - 1
    assert show(want) == show((d0 & mask, flags)), (insn, fmt, fz, dn, show((a, b)))


@pytest.mark.parametrize('insn', ['fcmp', 'fcmpe'])
@SETTINGS
@given(data=st.data(), fmt=fmts, fz=st.booleans())
def test_fp_compare_matches_arm(fpu, insn, data, fmt, fz):
    """NZCV from the IR's compares: less 1000, equal 0110, greater 0010, unordered 0011;
    fcmp is the quiet compare (feq's flags), fcmpe the signalling one (flt's)."""
    a, b = data.draw(operands(fmt, 2))
    r = reg(fmt)
    _, _, nzcv, flags = fpu.run(f"{insn} {r}1, {r}2", (a, b), fz=fz)
    m = fp.FZ if fz else 0
    (equal, eq_flags), (less, lt_flags) = fp.eq(fmt, a, b, m), fp.lt(fmt, a, b, m)
    greater = fp.lt(fmt, b, a, m)[0]
    want = 0b1000 if less else 0b0110 if equal else 0b0010 if greater else 0b0011
    assert (want, eq_flags if insn == 'fcmp' else lt_flags) == (nzcv, flags), show((a, b))


@SETTINGS
@given(data=st.data(), fmt=fmts, width=st.sampled_from([32, 64]), signed=st.booleans(),
       control=fpcr)
def test_fp_int_conversions_match_arm(fpu, data, fmt, width, signed, control):
    """fcvtz[su] (round toward zero whatever FPCR says, NaN -> 0) and [su]cvtf (FPCR's
    mode)."""
    a = data.draw(bits(fmt))
    x, r = ('x' if width == 64 else 'w'), reg(fmt)
    _, x0, _, flags = fpu.run(f"fcvtz{'s' if signed else 'u'} {x}0, {r}1", (a,),
                              rmode=control[0], fz=control[1], dn=control[2])
    want = fp.to_int(fmt, a, mode(3, *control[1:], fp.NAN_TO_ZERO), width, signed)
    assert want == (x0 & ((1 << width) - 1), flags), hex(a)
    v = data.draw(int_patterns(width))
    d0, _, _, flags = fpu.run(f"{'s' if signed else 'u'}cvtf {r}0, {x}1", xreg=v,
                              rmode=control[0], fz=control[1], dn=control[2])
    mask = (1 << fp.FORMATS[fmt].width) - 1
    assert show(fp.from_int(fmt, v, width, signed, mode(*control))) == show((d0 & mask, flags))


@SETTINGS
@given(data=st.data(), src=fmts, control=fpcr)
@example(data=None, src=F64, control=(0, False, False))
def test_fp_convert_matches_arm(fpu, data, src, control):
    """fcvt between single and double: a NaN keeps its sign and payload's top (quietened)."""
    dst = 1 - src
    a = data.draw(bits(src)) if data else 0xFFF4000012345678       # a signalling NaN
    _, r_src, r_dst = None, reg(src), reg(dst)
    d0, _, _, flags = fpu.run(f"fcvt {r_dst}0, {r_src}1", (a,), rmode=control[0],
                              fz=control[1], dn=control[2])
    mask = (1 << fp.FORMATS[dst].width) - 1
    assert show(fp.convert(src, dst, a, mode(*control))) == show((d0 & mask, flags)), hex(a)


EDGES = [   # (instruction, operands, FPCR (rmode, fz, dn)): the rules random operands miss
    ('fmul d0, d1, d2', ((1 << 52) - 1, 0x3FF0000000000001), (0, False, False)),  # tiny before
    ('fmul d0, d1, d2', (0x0010000000000001, 0x3FE0000000000000), (0, True, False)),  # FZ out
    ('fmul s0, s1, s2', (0x00800001, 0x3F000000), (3, True, True)),
    ('fmadd d0, d1, d2, d3', (0x7FF0000000000000, 0, 0x7FF8000000000001), (0, False, False)),
    ('fmadd d0, d1, d2, d3', (0x7FF0000000000000, 0, 0x7FF0000000000001), (0, False, False)),
    ('fmadd s0, s1, s2, s3', (0x7FC00002, 0x7F800003, 0x7FC00004), (0, False, False)),
    ('fsub d0, d1, d2', (0x3FF0000000000000, 0xFFF0000000000005), (0, False, False)),
    ('fdiv s0, s1, s2', (0xFFC00001, 0x7F800001), (0, False, True)),
    ('fsqrt d0, d1', (0x8000000000000001,), (2, False, False)),
    ('fsqrt d0, d1', (0x8000000000000001,), (2, True, False)),
]


@pytest.mark.parametrize('text, args, control', EDGES)
def test_fp_arm_edges(fpu, text, args, control):
    name = {'fmul': 'mul', 'fmadd': 'fma', 'fsub': 'sub', 'fdiv': 'div',
            'fsqrt': 'sqrt'}[text.split()[0]]
    fmt = F64 if text.split()[1][0] == 'd' else F32
    d0, _, _, flags = fpu.run(text, args, rmode=control[0], fz=control[1], dn=control[2])
    mask = (1 << fp.FORMATS[fmt].width) - 1
    want = fp.OPS[name](fmt, *args, mode(*control))
    assert show(want) == show((d0 & mask, flags))


HALF = [('fcvt h0, s1', F32, fp.F16), ('fcvt h0, d1', F64, fp.F16),
        ('fcvt s0, h1', fp.F16, F32), ('fcvt d0, h1', fp.F16, F64)]


@pytest.mark.parametrize('text, src, dst', HALF)
@SETTINGS
@given(data=st.data(), control=fpcr)
def test_fp_half_conversions_match_arm(fpu, text, src, dst, data, control):
    """fcvt to and from binary16 (FPCR.AHP clear: IEEE half); FZ leaves the half side alone
    (FPUnpackCV, FPRoundCV)."""
    a = data.draw(bits(src)) & ((1 << fp.FORMATS[src].width) - 1)   # (bits() aims at f32/f64)
    d0, _, _, flags = fpu.run(text, (a,), rmode=control[0], fz=control[1], dn=control[2])
    mask = (1 << fp.FORMATS[dst].width) - 1
    assert show(fp.convert(src, dst, a, mode(*control))) == show((d0 & mask, flags)), hex(a)


def test_fp_arm_rules_by_hand():
    """Reasoned from the Arm ARM pseudocode, without the oracle."""
    one, qnan_a, snan_b = 0x3FF0000000000000, 0x7FF8000000000001, 0x7FF0000000000002
    arm = fp.PROPAGATE | fp.TINY_BEFORE
    # FPProcessNaNs: a signalling NaN first (quietened, IOC), whatever the order
    assert fp.add(F64, qnan_a, snan_b, arm) == (snan_b | 1 << 51, fp.NV)
    # ... and DN gives the default NaN instead
    assert fp.add(F64, qnan_a, snan_b, arm | fp.DN) == (0x7FF8000000000000, fp.NV)
    # FPToFixed: NaN -> 0 (IOC)
    assert fp.to_int(F64, qnan_a, fp.RTZ | fp.NAN_TO_ZERO, 64, True) == (0, fp.NV)
    # FZ: a subnormal operand is a zero (IDC): 1 + tiny is exactly 1
    assert fp.add(F64, one, 1, arm | fp.FZ) == (one, fp.ID)
    # FPMinNum: a number wins over a quiet NaN, not over a signalling one
    assert fp.fmin(F64, qnan_a, one, fp.MIN_NUM) == (one, 0)
    assert fp.fmin(F64, snan_b, one, fp.MIN_NUM) == (snan_b | 1 << 51, fp.NV)
    # tininess before rounding: the largest subnormal times 1 + 2**-52 rounds up to the
    # smallest normal (inexact), which after-rounding detection would not call tiny
    big_sub, up = (1 << 52) - 1, 0x3FF0000000000001
    assert fp.mul(F64, big_sub, up, fp.RNE | arm) == (1 << 52, fp.UF | fp.NX)
    assert fp.mul(F64, big_sub, up, fp.RNE) == (1 << 52, fp.NX)
    assert struct.pack('<Q', 1 << 52) == struct.pack('<d', 2.0 ** -1022)
