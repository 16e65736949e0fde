"""The LLVM lowering of the FP ops (backends/llvm/lower_fp.py) against dbt/fp.py.

Each op is lowered through the real region lowering (one guest instruction: read the operands
from state slots, the op, write the result) and compiled at -O2 and -O0. A call either completes
natively, and then its result and accrued flags must be dbt.fp's, or deoptimises (exit
REASON_INTERP at the instruction's pc), and then nothing may have been committed; normal
operands with a normal result must never, in RNE, RTZ, RDN and RUP; conversions never deopt.
The rounding mode is one of the IR's five (a frontend traps on reserved ones first).
The initial flags vary, so that both the inline path that takes NX as already set and the one
that computes it are compared.
"""

from __future__ import annotations

import ctypes
import os
import random
import struct
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("llvmlite")

from dbt import fp  # noqa: E402
from dbt.backends.llvm import fp_runtime  # noqa: E402
from dbt.backends.llvm.compiler import LLVMJit  # noqa: E402
from dbt.backends.llvm.fp_kernels import helpers_called  # noqa: E402
from dbt.backends.llvm.lower import DECLARATIONS, lower_region  # noqa: E402
from dbt.backends.llvm.optable import EXIT_SENTINEL, REASON_INTERP  # noqa: E402
from dbt.frontends.riscv.layout import LAYOUT  # noqa: E402
from dbt.ir.builder import IRBuilder  # noqa: E402
from dbt.ir.types import F32, F64, I32, I64  # noqa: E402

SETTINGS = settings(max_examples=int(os.environ.get("FP_EXAMPLES", 150)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
slot = LAYOUT.slot                     # (the RISC-V layout: its fields f0-f3, x5, x10, frm)
PC = 0x1000
FMT = {F32: fp.F32, F64: fp.F64}
ARITH = {"fadd": ("add", 2), "fsub": ("sub", 2), "fmul": ("mul", 2), "fdiv": ("div", 2),
         "fsqrt": ("sqrt", 1), "fma": ("fma", 3)}
RMS = [None, 0, 1, 2, 3, 4]            # None: dynamic (the frm field), else a static mode
SENTINEL = 0x5A5A5A5A5A5A5A5A          # the result slot before the call
IN, OUT, INT_IN, INT_OUT = ("f1", "f2", "f3"), "f0", "x5", "x10"


# -- building and compiling one-instruction regions -----------------------------------------------
def _get_f(b, field, t):
    raw = b.get(field)
    return b.bitcast(raw, type=F64) if t is F64 else b.bitcast(b.trunc(raw, type=I32), type=F32)


def _set(b, value):
    t = value.type
    if t is F64:
        b.set(b.bitcast(value, type=I64), field=OUT)
    elif t is F32:
        b.set(b.zext(b.bitcast(value, type=I32), type=I64), field=OUT)
    else:
        b.set(value if t is I64 else b.zext(value, type=I64), field=INT_OUT)


def _block(name, t, rm, other):
    """One instruction: `name` on type t (other: the int/float type at the other end)."""
    b = IRBuilder(PC, LAYOUT)
    b.insn(PC, 4)
    mode = b.get("frm") if rm is None else b.const(rm, I64)
    if name in ARITH:
        args = [_get_f(b, f, t) for f in IN[:ARITH[name][1]]]
        result = b.emit(name, *args, mode)
    elif name in ("fmin", "fmax", "feq", "flt", "fle"):
        result = b.emit(name, _get_f(b, IN[0], t), _get_f(b, IN[1], t))
    elif name == "fclass":
        result = b.fclass(_get_f(b, IN[0], t))
    elif name in ("fcvt_to_si", "fcvt_to_ui"):
        result = b.emit(name, _get_f(b, IN[0], t), mode, type=other)
    elif name in ("fcvt_from_si", "fcvt_from_ui"):
        x = b.get(INT_IN)
        result = b.emit(name, x if other is I64 else b.trunc(x, type=I32), mode, type=t)
    else:
        result = b.fcvt_f(_get_f(b, IN[0], t), mode, type=other)
    _set(b, result)
    b.jump(target=PC + 4)
    return b.finish()


def _variants():
    out = []
    for t in (F32, F64):
        other = F64 if t is F32 else F32
        for name in (*ARITH, "fcvt_f"):
            out += [(name, t, rm, other) for rm in RMS]
        for name in ("fmin", "fmax", "feq", "flt", "fle", "fclass"):
            out.append((name, t, 0, None))
        for name in ("fcvt_to_si", "fcvt_to_ui", "fcvt_from_si", "fcvt_from_ui"):
            out += [(name, t, rm, it) for rm in RMS for it in (I32, I64)]
    return out


_FN = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64)
_MEM = ctypes.create_string_buffer(1 << 12)


@lru_cache(maxsize=None)
def compiled(opt: int) -> dict:
    """Every variant, compiled in one module: key -> ctypes function."""
    variants = _variants()
    if opt == 0:                      # tier 1: dynamic modes only (the code is generic)
        variants = [v for v in variants if v[2] is None or v[2] == 0]
    names = {v: f"fp{i}" for i, v in enumerate(variants)}
    if opt == 0:                      # as the runtime compiles tier 1: counted, state in place
        texts = [lower_region(names[v], [_block(*v)], 12, 1 << 62, promote=False)
                 for v in variants]
    else:
        texts = [lower_region(names[v], [_block(*v)], 12) for v in variants]
    jit = LLVMJit(opt_level=opt)
    module = f'target triple = "{jit.triple}"\n' + "\n".join(texts) + "\n" + DECLARATIONS
    fp_runtime.link_helpers(helpers_called(module))
    addresses = jit.compile(module, list(names.values()), hot=opt > 0)
    compiled.jits.append(jit)         # keep the engine (and the code) alive
    return {v: _FN(addresses[n]) for v, n in names.items()}


compiled.jits = []


def run(variant, opt, floats=(), integer=0, frm=0, flags=0):
    """Call one variant: (native?, result slot value, fpflags after)."""
    state = (ctypes.c_uint64 * LAYOUT.nslots)()
    for field, value in zip(IN, floats):
        state[slot(field)] = value
    state[slot(INT_IN)] = integer
    state[slot("frm")] = frm
    state[slot("fpflags")] = flags
    state[slot(OUT)] = state[slot(INT_OUT)] = SENTINEL
    ret = compiled(opt)[variant](ctypes.addressof(state), ctypes.addressof(_MEM), PC)
    out = state[slot(INT_OUT if _int_result(variant) else OUT)]
    if ret == EXIT_SENTINEL:
        assert state[slot("exit_reason")] == REASON_INTERP and state[slot("pc")] == PC
        assert state[slot(OUT)] == state[slot(INT_OUT)] == SENTINEL, "committed before deopt"
        assert state[slot("fpflags")] == flags, "flags accrued before deopt"
        return False, None, None
    assert ret == PC + 4
    return True, out, state[slot("fpflags")]


def _int_result(variant) -> bool:
    return variant[0] in ("feq", "flt", "fle", "fclass", "fcvt_to_si", "fcvt_to_ui")


# -- the reference ---------------------------------------------------------------------------------
def expected(variant, floats, integer, rm):
    """dbt.fp's (result, flags) for a call."""
    name, t, _, other = variant
    f = FMT[t]
    if name in ARITH:
        return fp.OPS[ARITH[name][0]](f, *floats[:ARITH[name][1]], rm)
    if name == "fcvt_f":
        return fp.convert(f, FMT[other], floats[0], rm)
    if name in ("fcvt_to_si", "fcvt_to_ui"):
        return fp.to_int(f, floats[0], rm, other.bits, name == "fcvt_to_si")
    if name in ("fcvt_from_si", "fcvt_from_ui"):
        return fp.from_int(f, integer & other.mask, other.bits, name == "fcvt_from_si", rm)
    table = {"fmin": "min", "fmax": "max", "feq": "eq", "flt": "lt", "fle": "le",
             "fclass": "classify"}
    return fp.OPS[table[name]](f, *floats[:1 if name == "fclass" else 2])


def _mode(variant, frm) -> int:
    return frm if variant[2] is None else variant[2]


def check(variant, opt, floats=(), integer=0, frm=0, flags=0):
    """Run a variant and compare with dbt.fp; returns whether it ran natively."""
    rm = _mode(variant, frm)
    want = expected(variant, floats, integer, rm)
    native, got, got_flags = run(variant, opt, floats, integer, frm, flags)
    if native:
        context = (variant[:2], rm, [hex(x) for x in floats], hex(integer))
        result = want[0] & (1 << 64) - 1
        assert (hex(got), hex(got_flags)) == (hex(result), hex(flags | want[1])), context
    return native


# -- strategies: bit patterns biased to the edges -------------------------------------------------
def _geometry(t):
    F = fp.FORMATS[FMT[t]]
    return F, F.emask, F.fbits, F.bias


def pack(t, sign, e, frac):
    F, _, fbits, _ = _geometry(t)
    return (sign << (F.width - 1)) | (e << fbits) | frac


def fractions(t):
    fb = _geometry(t)[2]
    m = (1 << fb) - 1
    return st.one_of(
        st.sampled_from([0, 1, 2, 3, m, m - 1, 1 << (fb - 1), (1 << (fb - 1)) | 1, m >> 1]),
        st.integers(0, m),
        st.integers(0, 255).map(lambda v: v << (fb - 8)),       # short: exact results, ties
    )


def exponents(t):
    F, top, fb, bias = _geometry(t)
    p = fb + 1
    edges = {0, 1, 2, 3, top, top - 1, top - 2, bias - 1, bias, bias + 1, p, p + 1, p + 2, p + 3,
             2 * p, bias + 31, bias + 32, bias + 63, bias + 64, bias - p, bias + p}
    return st.one_of(st.sampled_from(sorted(edges)), st.integers(0, top))


def floats(t):
    return st.one_of(st.builds(lambda s, e, f: pack(t, s, e, f), st.integers(0, 1),
                               exponents(t), fractions(t)),
                     st.integers(0, (1 << t.bits) - 1))


@st.composite
def near(draw, t, e, spread):
    """A finite value with an exponent field within spread of e."""
    top = _geometry(t)[1] - 1
    return pack(t, draw(st.integers(0, 1)), min(max(e + draw(st.integers(-spread, spread)), 0),
                                                top), draw(fractions(t)))


def _exp(t, x):
    _, top, fb, _ = _geometry(t)
    return (x >> fb) & top


@st.composite
def operands(draw, t, n):
    """n operands: independent edge values, or values close in magnitude (cancellation, ties),
    exact products as dividends and radicands, addends close to the product."""
    F, _, fb, bias = _geometry(t)
    kind = draw(st.integers(0, 3))
    a = draw(floats(t))
    if kind == 3:
        short = st.builds(lambda s, e, v: pack(t, s, e, v << (fb - 7)), st.integers(0, 1),
                          st.integers(1, 2 * bias), st.integers(0, 127))
        q, b = draw(short), draw(short)
        a = fp.mul(FMT[t], q, q if n == 1 else b, fp.RNE)[0]
        return (a, b, draw(floats(t)))[:n]
    b = draw(floats(t) if kind == 2 else near(t, _exp(t, a), fb + 3))
    if n < 3:
        return (a, b)[:n]
    if kind == 1:                                   # c close to -(a*b): cancellation
        p = fp.mul(FMT[t], a, b, fp.RNE)[0] ^ F.sign
        return a, b, (p + draw(st.integers(-3, 3))) & ((1 << F.width) - 1)
    return a, b, draw(near(t, _exp(t, a) + _exp(t, b) - bias, 3 * fb))


def ints(bits):
    mask = (1 << bits) - 1
    edges = [0, 1, 2, mask, 1 << (bits - 1), (1 << (bits - 1)) - 1, (1 << (bits - 1)) + 1,
             (1 << 24) + 1, (1 << 53) + 1, (1 << 25) - 1, (1 << 54) - 1, 3 << 52, (1 << 24) * 3 + 2]
    return st.one_of(st.sampled_from([e & mask for e in edges]), st.integers(0, mask),
                     st.tuples(st.integers(0, bits - 1), st.integers(0, bits - 1), st.booleans())
                     .map(lambda v: ((1 << v[0]) | (1 << v[1]) | v[2]) & mask))


types = st.sampled_from([F32, F64])
rms = st.sampled_from(RMS)
frms = st.integers(0, 4)
initial_flags = st.sampled_from([0, 0, 0x1F, fp.NX, fp.NV | fp.OF])
opts = st.sampled_from([2, 2, 2, 0])


def _variant(name, t, rm, other, opt):
    if opt == 0 and rm not in (None, 0):
        rm = None                                   # -O0 has the dynamic variants only
    return (name, t, rm, other)


# -- tests -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(ARITH))
@SETTINGS
@given(data=st.data(), t=types, rm=rms, frm=frms, flags=initial_flags, opt=opts)
def test_llvm_fp_arith_matches_fp(name, data, t, rm, frm, flags, opt):
    args = data.draw(operands(t, ARITH[name][1])) if data else (0, 0, 0)
    check(_variant(name, t, rm, t is F32 and F64 or F32, opt), opt, args, 0, frm, flags)


@SETTINGS
@given(data=st.data(), t=types, rm=rms, frm=frms, flags=initial_flags, opt=opts)
def test_llvm_fp_convert_matches_fp(data, t, rm, frm, flags, opt):
    a = data.draw(floats(t))
    if t is F64 and data.draw(st.booleans()):       # around binary32's range and its ties
        a = data.draw(near(F64, 1023 + data.draw(st.sampled_from([-150, -127, -126, 0, 127])),
                           3))
    check(_variant("fcvt_f", t, rm, F32 if t is F64 else F64, opt), opt, (a,), 0, frm, flags)


@pytest.mark.parametrize("name", ["fmin", "fmax", "feq", "flt", "fle", "fclass"])
@SETTINGS
@given(data=st.data(), t=types, flags=initial_flags, opt=opts)
def test_llvm_fp_compare_min_max_class_match_fp(name, data, t, flags, opt):
    a, b = data.draw(operands(t, 2))
    if data.draw(st.booleans()):
        b = data.draw(st.sampled_from([a, a ^ (1 << (t.bits - 1))]))    # equal, +-0
    assert check((name, t, 0, None), opt, (a, b), 0, 0, flags)


@pytest.mark.parametrize("name", ["fcvt_to_si", "fcvt_to_ui"])
@SETTINGS
@given(data=st.data(), t=types, it=st.sampled_from([I32, I64]), rm=rms, frm=frms,
       flags=initial_flags, opt=opts)
def test_llvm_fp_to_int_matches_fp(name, data, t, it, rm, frm, flags, opt):
    a = data.draw(floats(t))
    variant = _variant(name, t, rm, it, opt)
    assert check(variant, opt, (a,), 0, frm, flags)         # RMM is native here too


@pytest.mark.parametrize("name", ["fcvt_from_si", "fcvt_from_ui"])
@SETTINGS
@given(data=st.data(), t=types, it=st.sampled_from([I32, I64]), rm=rms, frm=frms,
       flags=initial_flags, opt=opts)
def test_llvm_fp_from_int_matches_fp(name, data, t, it, rm, frm, flags, opt):
    v = data.draw(ints(it.bits))
    if it is I32 and data.draw(st.booleans()):
        v |= 0xDEADBEEF << 32                       # the high half of the slot is ignored
    variant = _variant(name, t, rm, it, opt)
    assert check(variant, opt, (), v, frm, flags)


def _normal(rng, t, lo, hi):
    F, _, fb, bias = _geometry(t)
    return pack(t, rng.getrandbits(1), bias + rng.randint(lo, hi), rng.getrandbits(fb))


@pytest.mark.parametrize("name", [*sorted(ARITH), "fcvt_f"])
def test_llvm_fp_common_case_is_native(name):
    """Normal operands and results run natively in RNE, RTZ, RDN and RUP (static and dynamic,
    NX already set or not, both tiers); results and flags still match."""
    rng = random.Random(name)
    for t in (F32, F64):
        other = F64 if t is F32 else F32
        for i in range(2000):
            rm, frm, opt = rng.choice(RMS[:5]), rng.randrange(4), 0 if i % 5 == 0 else 2
            flags = fp.NX if i % 3 else 0
            spread = 30 if t is F32 or name == "fcvt_f" else 300
            args = [_normal(rng, t, -spread, spread) for _ in range(3)]
            if name == "fsqrt":
                args[0] &= (1 << (t.bits - 1)) - 1
            if name == "fma" and i % 2:             # an addend close to the product
                args[2] = fp.mul(FMT[t], args[0], args[1], fp.RNE)[0] ^ (rng.getrandbits(1)
                                                                          << (t.bits - 1))
            variant = _variant(name, t, rm, other, opt)
            assert check(variant, opt, args, 0, frm, flags), (variant, frm, [hex(a) for a in args])


@pytest.mark.parametrize("opt", [0, 2])
def test_llvm_fp_rare_cases_take_the_exact_path_natively(opt):
    """What the helpers cannot round natively -- RMM, a subnormal result, an overflow, a tie in
    RMM -- they hand to dbt.fp through the exact-path callback: no deopt, and the result and
    flags are dbt.fp's (check compares them)."""
    one, tiny, huge = 0x3FF0000000000000, 0x0010000000000001, 0x7FE0000000000000
    half_ulp = 0x3CA0000000000000                  # 2**-53: 1 + 2**-53 is a tie
    cases = [(("fadd", F64, 4 if opt else None, F32), (one, half_ulp), 4),   # RMM tie: up
             (("fmul", F64, 0, F32), (tiny, 0x3FE0000000000000), 0),         # subnormal: UF
             (("fmul", F64, 0, F32), (huge, huge), 0),                        # overflow: OF
             (("fdiv", F32, None, F64), (0x00800001, 0x40000000), 0),         # binary32 tiny
             (("fcvt_f", F64, None, F32), (0x36A0000000000001,), 4)]          # RMM, to tiny
    for variant, args, frm in cases:
        for flags in (0, fp.NX):
            assert check(variant, opt, args, 0, frm, flags), (variant, frm)


def test_llvm_fp_exact_zeros():
    """0 * x, x * 0, 0 / x and sqrt(+-0) are exact zeros that raise nothing: the hot tier's
    fast path keeps them (libm code multiplies by zero a lot); 0 * inf and 0 / 0 are NaNs
    (NV), and a product of two tiny values rounds to zero inexactly (UF and NX). `check`
    compares each with dbt.fp, with NX set and clear, in RNE and RDN."""
    for t, (nzero, two, inf) in ((F64, (1 << 63, 0x4000000000000000, 0x7FF0000000000000)),
                                 (F32, (1 << 31, 0x40000000, 0x7F800000))):
        zero, tiny = 0, 1
        cases = [("fmul", (zero, two)), ("fmul", (two, nzero)), ("fmul", (zero, inf)),
                 ("fmul", (tiny, tiny)), ("fdiv", (nzero, two)), ("fdiv", (zero, zero)),
                 ("fsqrt", (nzero,)), ("fsqrt", (zero,))]
        for name, args in cases:
            for flags in (0, fp.NX):
                for frm in (0, 2):
                    assert check((name, t, None, F64 if t is F32 else F32), 2, args, 0, frm,
                                 flags), (name, t, frm, flags)


@pytest.mark.parametrize("fp_ops", [0, 7, 8, 16])
def test_tier1_counter_weighs_fp_ops(fp_ops):
    """A tier-1 region counts 1 + (its FP ops) // FP_OPS_PER_COUNT per entry: its FP ops run as
    helper calls, so FP-heavy code reaches the hot tier after a similar time in tier 1."""
    from dbt.backends.llvm.lower import FP_OPS_PER_COUNT

    b = IRBuilder(PC, LAYOUT)
    b.insn(PC, 4)
    x = _get_f(b, IN[0], F64)
    for _ in range(fp_ops):
        x = b.emit("fadd", x, _get_f(b, IN[1], F64), b.const(0, I64))
    _set(b, x)
    b.jump(target=PC + 4)
    text = lower_region("weighed", [b.finish()], 12, 1 << 62, promote=False)
    jit = LLVMJit(opt_level=0)
    fp_runtime.link_helpers(helpers_called(text))
    got = jit.compile(f'target triple = "{jit.triple}"\n{text}\n{DECLARATIONS}',
                      ["weighed", "weighed.counter"])
    fn = _FN(got["weighed"])
    counter = ctypes.c_uint64.from_address(got["weighed.counter"])
    state = (ctypes.c_uint64 * LAYOUT.nslots)()
    state[slot(IN[0])] = state[slot(IN[1])] = 0x3FF0000000000000          # 1.0
    for runs in (1, 2):
        assert fn(ctypes.addressof(state), ctypes.addressof(_MEM), PC) == PC + 4
        assert counter.value == runs * (1 + fp_ops // FP_OPS_PER_COUNT)
    assert fp_ops < 16 or counter.value >= 2 * 2    # 16 FP ops weigh at least 2 counts a run
    # the sum itself: 1.0 plus fp_ops ones (exact), as the bits of a double
    assert state[slot(OUT)] == struct.unpack("<Q", struct.pack("<d", 1.0 + fp_ops))[0]
