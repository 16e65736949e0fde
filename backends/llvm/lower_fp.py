"""Lowering of the IR's floating-point ops: results and flags bit-exact with `dbt.fp`, natively.

The generated code stays in LLVM's default FP environment (round to nearest even, flags never
read). A rounded op computes its round-to-nearest result with one host instruction and the
exact error of that result with an error-free transformation:

    fadd/fsub  TwoSum                  e = (a - (s - b')) + (b - b'),  b' = s - a  (always exact)
    fmul       TwoProduct              e = fma(a, b, -p)
    fdiv       remainder               e = fma(-q, b, a)  (the error has the sign of e * b)
    fsqrt      remainder               e = fma(-r, r, a)
    fma        f64: Boldo-Muller ErrFma (TwoProduct and two TwoSums); f32: in binary64
    fcvt_f     f64 -> f32: e = a - (double)r

NX is `e != 0`. binary32 products, quotients and roots take their error in binary64, where it is
exact for every operand; in binary64 the transformations are exact away from the subnormal range
and from overflow, which the `fast` conditions below check.

Tier-1 code calls a helper for every rounded op. Hot code speculates (`speculate`, in segments
that RegionLowerer._speculate forms and checks once): in RNE with NX already set, a result that
is normal (or an exact zero) is the host's and raises nothing new; a segment where that fails
redoes its ops with the helpers. Hot rounded ops it does not take (the mode is not RNE
statically, or is `frm` in a region that writes it) test that common case per op and
otherwise call the helper. The helper, `dbt_fp_<op>_f<width>(operands, rm) -> {bits, flags}`,
is compiled once per process (on first use) and resolved by name; it handles the rest natively:
the directed modes move the RNE result one ulp (+-1 on its bits) towards the exact value when
`e` points that way (a step onto infinity is an overflow, OF); special operands (NaN, infinities,
zeros) take the host's exact result, the canonical NaN and NV/DZ from the operand bits. What
it cannot do natively -- a tiny (subnormal-range) result or operand where the error would
underflow, an overflow, RMM -- it hands to `dbt.fp`'s exact code through a callback into Python
(rare, and it never leaves the region, so a hot region has no exit per FP op). A reserved mode
5-7 makes the instruction an illegal-instruction trap: the region deopts before the op (the
interpreter raises it); a region that reads `frm` and never writes it checks that once, on
entry.

Conversions from integers are inline when exact (|n| <= 2**prec) and otherwise round the
integer in integer arithmetic (helper); float -> int rounds to an integral value with the LLVM
intrinsic of the mode (RMM is `llvm.round`) and saturates in float, inline; f32 -> f64 is exact.
Comparisons, min/max and fclass never deopt. Flags are ORed into the region's `fpflags` only
after the deopt test, so an instruction that deopts has not touched them.
"""

from __future__ import annotations

import re
from typing import Callable, NamedTuple

from dbt.ir.block import Const, Op
from dbt.ir.ops import (FLAG_DZ, FLAG_NV, FLAG_NX, FLAG_OF, RM_RDN, RM_RMM, RM_RNE, RM_RTZ,
                        RM_RUP)

from .fp_text import DOUBLE, FORMATS, SINGLE, Emit, Mode, float_literal
from .irtext import FnBuilder, int_literal
from . import lower
from .lower import RegionLowerer, _lower


def _setup(r: RegionLowerer, op: Op, t=None):
    """The emitter of the op's format (the result's, or t's) and its rounding-mode operand."""
    em = Emit(r.fb, FORMATS[t or op.result.type])
    rm = op.args[-1]
    return em, em.F, Mode(em, r.v(rm), rm.value if isinstance(rm, Const) else None)


def _accrue(r: RegionLowerer, flags: str) -> None:
    if flags == "0":
        return
    fb = r.fb
    old = fb.assign("load i64, ptr %f.fpflags")
    fb.emit(f"store i64 {fb.assign(f'or i64 {old}, {flags}')}, ptr %f.fpflags")


def _deopt(r: RegionLowerer, op: Op, cond: str) -> None:
    if cond != "false":
        r.deopt_if(cond, op)


def _check_rm(r: RegionLowerer, op: Op, rm: Mode) -> None:
    """A reserved rounding mode makes the instruction illegal: the interpreter's business.
    A region that reads `frm` and never writes it has checked it once, at its entry."""
    if rm.const is None and r.frm_checked:
        return
    _deopt(r, op, rm.above(RM_RMM))


# -- the rounded ops: one kernel each --------------------------------------------------------------
class _Kernel(NamedTuple):
    res: str                 # the host's RNE result
    normal: str              # i1: res is normal, away from both ends (or, where there is
                             # no `zero` test, an exact zero): in RNE it is the result, and
                             # NX the only flag it can raise
    fast: Callable           # -> i1: normal, and error() is exact
    error: Callable          # -> (e, its emitter, flip): e = exact - res, negated when flip
    rare: Callable           # (res bits, inexact) -> (native?, bits, flags) when not fast
    zero: Callable | None = None    # -> i1: res is an exact zero, which `normal` leaves out:
                                    # tested only where `normal` fails (_normal_or_zero)


def _normal_or_zero(em: Emit, k: _Kernel) -> str:
    return k.normal if k.zero is None else em.or_(k.normal, k.zero())


def _k_add(em: Emit, rm: Mode, a: str, b: str) -> _Kernel:
    """TwoSum is always exact, and so is a sum below 2**(emin+1): only overflow deopts."""
    F = em.F
    s = em.fop("fadd", a, b)
    e_s = em.expo(em.bits(s))
    fast = em.in_range(e_s, 1, F.emax)

    def rare(sb, nx):
        ab, bb = em.bits(a), em.bits(b)
        overflow = em.and_(em.finite(ab), em.finite(bb), em.not_(em.finite(sb)))
        nonplus = em.icmp("ne", em(f"or {F.it} {ab}, {bb}"), 0)
        out = _minus_zero(em, rm, em.canonical(sb), sb, nonplus)
        return em.not_(overflow), out, em.flags((_invalid(em, sb, ab, bb), FLAG_NV))

    return _Kernel(s, em.expo_in(em.bits(s), 0, F.emax), lambda: fast,
                   lambda: (em.two_sum(a, b, s)[1], em, "false"), rare)


def _special_rare(em: Emit, operands: tuple, dz=None):
    """The rare path of an op whose only native rare case is a special operand (NaN, infinite
    or zero); dz(operand bits) gives DZ."""
    def rare(rb, nx):
        bits = [em.bits(x) for x in operands]
        special = em.not_(em.and_(*(em.finite_nonzero(b) for b in bits)))
        flags = em.flags((_invalid(em, rb, *bits), FLAG_NV), (dz(*bits) if dz else "false",
                                                                 FLAG_DZ))
        return special, em.canonical(rb), flags
    return rare


def _k_mul(em: Emit, rm: Mode, a: str, b: str) -> _Kernel:
    """TwoProduct. In binary64 it is exact when the product's last bit is a multiple of the
    smallest subnormal, which a result of at least 2**(emin+prec+1) guarantees."""
    F, d = em.F, em.d
    p = em.fop("fmul", a, b)
    e_p = em.expo(em.bits(p))
    normal = em.expo_in(em.bits(p), 2, F.emax)
    fast = (lambda: em.in_range(e_p, F.prec + 2, F.emax)) if F is DOUBLE else (lambda: normal)
    error = lambda: (d.call("fma", em.wide(a), em.wide(b), d.fneg(em.wide(p))), d,  # noqa: E731
                     "false")
    def exact_zero():
        """A zero operand and a zero product: exact, no flag (0 * inf is a NaN, no zero)."""
        smaller = em(f"call {F.it} @llvm.umin.{F.it}({F.it} {em.mag2(em.bits(a))}, "
                     f"{F.it} {em.mag2(em.bits(b))})")
        return em.icmp("eq", em(f"or {F.it} {em.mag2(em.bits(p))}, {smaller}"), 0)

    return _Kernel(p, normal, fast, error, _special_rare(em, (a, b)), exact_zero)


def _k_div(em: Emit, rm: Mode, a: str, b: str) -> _Kernel:
    """The remainder a - q*b; the error has the sign of remainder * b. In binary64 it is exact
    for a normal b and an a of at least 2**(emin+prec+1)."""
    F, d = em.F, em.d
    q = em.fop("fdiv", a, b)
    normal = em.expo_in(em.bits(q), 2, F.emax)

    def fast():
        if F is not DOUBLE:
            return normal
        return em.and_(em.icmp("uge", em.expo(em.bits(a)), F.prec + 2),
                       em.icmp("ne", em.expo(em.bits(b)), 0), normal)

    def error():
        rem = d.call("fma", d.fneg(em.wide(q)), em.wide(b), em.wide(a))
        return rem, d, em.neg(em.bits(b))

    dz = lambda x, y: em.and_(em.finite_nonzero(x), em.zero(y))       # noqa: E731
    exact_zero = lambda: em.icmp(                            # 0 / x (0 / 0 is a NaN)  # noqa: E731
        "eq", em(f"or {F.it} {em.mag2(em.bits(q))}, {em.mag2(em.bits(a))}"), 0)
    return _Kernel(q, normal, fast, error, _special_rare(em, (a, b), dz), exact_zero)


def _k_sqrt(em: Emit, rm: Mode, a: str) -> _Kernel:
    """The remainder a - r*r. In binary64 it is exact for an a of at least 2**(emin+prec+1)."""
    F, d = em.F, em.d
    s = em.call("sqrt", a)
    ab = em.bits(a)
    positive = em.in_range(ab, 1, F.inf)                     # finite, nonzero, sign clear
    fast = ((lambda: em.in_range(ab, (F.prec + 2) << F.fbits, F.inf)) if F is DOUBLE
            else (lambda: positive))
    error = lambda: (d.call("fma", d.fneg(em.wide(s)), em.wide(s), em.wide(a)), d,  # noqa: E731
                     "false")

    def rare(rb, nx):
        return em.not_(positive), em.canonical(rb), em.flags((_invalid(em, rb, ab), FLAG_NV))

    return _Kernel(s, em.or_(positive, em.zero(ab)), fast, error, rare)      # sqrt(+-0): exact


def _k_fma(em: Emit, rm: Mode, a: str, b: str, c: str) -> _Kernel:
    """Exact cancellation (a zero result) is native too: +0, or -0 in RDN."""
    F = em.F
    res = em.call("fma", a, b, c)
    normal = em.expo_in(em.bits(res), 2, F.emax)
    exact_ok = (lambda: _fma64_ok(em, a, b, c)) if F is DOUBLE else (lambda: "true")
    error = ((lambda: (_fma64_error(em, a, b, c, res), em, "false")) if F is DOUBLE
             else (lambda: (_fma32_error(em, a, b, c, res), em.d, "false")))

    def rare(rb, nx):
        ab, bb, cb = (em.bits(x) for x in (a, b, c))
        special = em.or_(em.not_(em.finite_nonzero(ab)), em.not_(em.finite_nonzero(bb)),
                         em.not_(em.finite(cb)))
        cancelled = em.and_(exact_ok(), em.zero(rb), em.not_(nx))
        both_plus = em.and_(em.icmp("eq", cb, 0), em.not_(em.neg(em(f"xor {F.it} {ab}, {bb}"))))
        out = _minus_zero(em, rm, em.canonical(rb), rb, em.not_(both_plus))
        inf_zero = em.or_(em.and_(em.not_(em.finite(ab)), em.zero(bb)),
                          em.and_(em.zero(ab), em.not_(em.finite(bb))))
        nv = em.or_(_invalid(em, rb, ab, bb, cb),
                    em.and_(inf_zero, em.not_(em.is_nan(ab)), em.not_(em.is_nan(bb))))
        return em.or_(special, cancelled), out, em.flags((nv, FLAG_NV))

    return _Kernel(res, normal, lambda: em.and_(exact_ok(), normal), error, rare)


def _fma64_ok(em: Emit, a: str, b: str, c: str) -> str:
    """ErrFma is exact: a, b normal with the product's error representable, c not huge."""
    F = em.F
    ea, eb = em.expo(em.bits(a)), em.expo(em.bits(b))
    return em.and_(em.icmp("ne", ea, 0), em.icmp("ne", eb, 0),
                   em.in_range(em(f"add i64 {ea}, {eb}"), F.bias + F.prec + 2, 3 * F.bias - 3),
                   em.icmp("ule", em.expo(em.bits(c)), 2 * F.bias - 2))


def _fma64_error(em: Emit, a, b, c, res):
    """Boldo & Muller's ErrFma: a*b + c = res + r2 + r3 exactly, |r3| <= ulp(r2)/2; r2."""
    u1 = em.fop("fmul", a, b)
    u2 = em.call("fma", a, b, em.fneg(u1))
    alpha1, alpha2 = em.two_sum(c, u2)
    beta1, beta2 = em.two_sum(u1, alpha1)
    gamma = em.fop("fadd", em.fop("fsub", beta1, res), beta2)
    return em.fop("fadd", gamma, alpha2)


def _fma32_error(em: Emit, a, b, c, res):
    """In binary64: p = a*b is exact, p + c = s + e exactly (TwoSum), and s - res is exact and,
    when nonzero, larger than |e|: (s - res) + e has the sign of the error."""
    d = em.d
    s, e = d.two_sum(d.fop("fmul", em.wide(a), em.wide(b)), em.wide(c))
    return d.fop("fadd", d.fop("fsub", s, em.wide(res)), e)


def _k_narrow(em: Emit, rm: Mode, a: str) -> _Kernel:
    """binary64 -> binary32: the error a - r is exact in binary64."""
    d = em.d
    res = em(f"fptrunc double {a} to float")
    normal = em.expo_in(em.bits(res), 2, em.F.emax)

    def rare(rb, nx):
        ab = d.bits(a)
        return d.not_(d.finite_nonzero(ab)), em.canonical(rb), em.flags((d.is_snan(ab), FLAG_NV))

    return _Kernel(res, normal, lambda: normal,
                   lambda: (d.fop("fsub", a, em.wide(res)), d, "false"), rare)


def _invalid(em: Emit, res: str, *operands: str) -> str:
    """NV of an op whose result is `res`: a signalling operand, or a NaN made from non-NaNs."""
    return em.or_(*(em.is_snan(b) for b in operands),
                  em.and_(em.is_nan(res), *(em.not_(em.is_nan(b)) for b in operands)))


def _minus_zero(em: Emit, rm: Mode, out: str, rb: str, nonplus: str) -> str:
    """RDN's exact zero sum is -0 unless both addends are +0 (the host gave +0)."""
    fix = em.and_(rm.is_(RM_RDN), em.zero(rb), nonplus)
    return em.select(fix, em.F.it, em.F.lit(1 << (em.F.width - 1)), out)


def _directed(em: Emit, rb: str, nx: str, below: str, rm: Mode) -> str:
    """The RNE result's bits rb moved one ulp (+-1 on the bits) towards the exact value when
    the mode says so: RUP when it is above, RDN below, RTZ nearer to zero."""
    if rm.const == RM_RNE:
        return rb
    neg = em.neg(rb)
    wants_below = em.select(rm.is_(RM_RTZ), "i1", em.not_(neg), rm.is_(RM_RDN))
    move = em.and_(nx, em.not_(rm.is_(RM_RNE)), em.eq1(below, wants_below))
    if move == "false":
        return rb
    step = em.select(em.eq1(below, neg), em.F.it, "1", "-1")      # away from or towards 0
    return em(f"add {em.F.it} {rb}, {em.select(move, em.F.it, step, '0')}")


def _complete(em: Emit, rm: Mode, k: _Kernel):
    """Every case of a rounded op: (result bits, flags, slow: the exact path must do it)."""
    F = em.F
    rb = em.bits(k.res)
    e, ee, flip = k.error()
    nx, below = ee.err(e)
    if flip != "false":
        below = em(f"xor i1 {below}, {flip}")
    adj = _directed(em, rb, nx, below, rm)
    of = "false" if adj == rb else em.icmp("eq", em.mag2(adj), F.lit(2 * F.inf))
    fast = k.fast()
    native, bits, flags = k.rare(rb, nx)
    bits = em.select(fast, F.it, adj, bits)
    flags = em.select(fast, "i64", em.flags((nx, FLAG_NX), (of, FLAG_OF)), flags)
    return bits, flags, em.or_(rm.is_(RM_RMM), em.and_(em.not_(fast), em.not_(native)))


# -- out-of-line helpers ---------------------------------------------------------------------------
_KERNELS = {"fadd": (_k_add, 2), "fmul": (_k_mul, 2), "fdiv": (_k_div, 2),
            "fsqrt": (_k_sqrt, 1), "fma": (_k_fma, 3)}
_HELPERS: dict[str, tuple] = {}          # name -> (format, parameter types, body)
for _F in (SINGLE, DOUBLE):
    for _op, (_kernel, _n) in _KERNELS.items():
        _HELPERS[f"dbt_fp_{_op}_f{_F.width}"] = (
            _F, (_F.ft,) * _n, lambda em, rm, *xs, k=_kernel: _complete(em, rm, k(em, rm, *xs)))
    for _signed in (True, False):
        _HELPERS[f"dbt_fp_from_{'si' if _signed else 'ui'}_f{_F.width}"] = (
            _F, ("i64",), lambda em, rm, n, s=_signed: _from_int(em, rm, n, s))
_HELPERS["dbt_fp_narrow_f32"] = (SINGLE, ("double",),
                                 lambda em, rm, a: _complete(em, rm, _k_narrow(em, rm, a)))
_compiled: dict[str, int] = {}
_runtime = []                             # the LLVMJit that holds the helpers


def _helper_text(name: str) -> str:
    """The helper's function: a reserved mode is refused (flags -1) before anything else;
    what the native code cannot do exactly (RMM, a tiny result, an overflow: `slow`) goes to
    `dbt.fp` through the exact-path callback, which answers the result's bits and leaves the
    flags in its flags cell."""
    F, types, body = _HELPERS[name]
    fb = FnBuilder()
    fb.start("entry")
    em = Emit(fb, F)
    args = [f"%x{i}" for i in range(len(types))]
    rm = Mode(em, "%rm")
    fb.emit(f"br i1 {rm.above(RM_RMM)}, label %refuse, label %native")
    fb.start("refuse")
    fb.emit("ret {i64, i64} { i64 0, i64 -1 }")
    fb.start("native")
    bits, flags, slow = body(em, rm, *args)
    if slow == "false":
        _ret_pair(em, bits, flags)
    else:
        fb.emit(f"br i1 {slow}, label %exact, label %done")
        fb.start("done")
        _ret_pair(em, bits, flags)
        fb.start("exact")
        wide = []                              # the operands' bits as i64, three of them
        for t, a in zip(types, args):
            x = em(f"bitcast {t} {a} to {'i64' if t == 'double' else 'i32'}")
            wide.append(x if t == "double" else em(f"zext i32 {x} to i64"))
        wide += ["0"] * (3 - len(wide))
        callback, cell = exact_path()
        bits = em(f"call i64 inttoptr (i64 {callback} to ptr)(i64 {_EXACT_NAMES.index(name)}, "
                  f"{', '.join(f'i64 {x}' for x in wide)}, i64 %rm)")
        flags = em(f"load i64, ptr inttoptr (i64 {cell} to ptr)")
        _ret_pair(em, bits, flags, wide_bits=True)
    params = ", ".join(f"{t} {a}" for t, a in zip(types, args))
    return "\n".join([f"define {{i64, i64}} @{name}({params}, i64 %rm) nounwind {{",
                      *fb.lines, "}"])


def _ret_pair(em: Emit, bits: str, flags: str, wide_bits: bool = False) -> None:
    if em.F.width < 64 and not wide_bits:
        bits = em(f"zext i32 {bits} to i64")
    pair = em(f"insertvalue {{i64, i64}} undef, i64 {bits}, 0")
    pair = em(f"insertvalue {{i64, i64}} {pair}, i64 {flags}, 1")
    em.fb.emit(f"ret {{i64, i64}} {pair}")


# -- the exact path: dbt.fp, called back from a helper for its rare cases ------------------------
def _exact_ops() -> dict:
    """helper name -> (a, b, c, rm) -> dbt.fp's (bits, flags), for the helpers that call back."""
    from dbt import fp

    ops = {"dbt_fp_narrow_f32": lambda a, b, c, rm: fp.convert(fp.F64, fp.F32, a, rm)}
    for F, fmt in ((SINGLE, fp.F32), (DOUBLE, fp.F64)):
        for op, (_, n) in _KERNELS.items():             # dbt.fp's names: add, ..., fma
            fn = fp.OPS["fma" if op == "fma" else op[1:]]
            ops[f"dbt_fp_{op}_f{F.width}"] = (lambda a, b, c, rm, fn=fn, f=fmt, n=n:
                                              fn(f, *(a, b, c)[:n], rm))
    return ops


_EXACT_NAMES = sorted(n for n in _HELPERS if "_from_" not in n)   # the helpers that call back
_exact: list = []                         # (callback, flags cell, ctypes objects kept alive)


def exact_path() -> tuple[int, int]:
    """The addresses of the exact-path callback, `(op index, a, b, c, rm) -> bits`, and of the
    cell where it leaves the flags (guest code runs on one thread at a time)."""
    if not _exact:
        import ctypes

        ops = [_exact_ops()[name] for name in _EXACT_NAMES]
        cell = ctypes.c_uint64(0)

        def exact(index, a, b, c, rm):
            bits, cell.value = ops[index](a, b, c, rm)
            return bits

        proto = ctypes.CFUNCTYPE(ctypes.c_uint64, *[ctypes.c_uint64] * 5)
        callback = proto(exact)
        _exact.append((ctypes.cast(callback, ctypes.c_void_p).value, ctypes.addressof(cell),
                       callback, cell))
    return _exact[0][0], _exact[0][1]


def helpers_called(text: str) -> list[str]:
    """The helpers a region's LLVM text calls (each must be `ensure`d where it runs)."""
    return sorted(set(re.findall(r"call [^@\n]*@(dbt_fp_\w+)\(", text)) & _HELPERS.keys())


def helper_module(name: str, triple: str) -> str:
    """The LLVM module of one helper (compiled at -O1 without IR passes: the helpers' text is
    lean already, and they run as fast as at -O2 with the passes, for 60% of the time)."""
    return "\n".join([f'target triple = "{triple}"', _helper_text(name), *_INTRINSICS,
                      "declare i64 @llvm.ctlz.i64(i64, i1)"])


HELPER_OPT_LEVEL = 1


def ensure(name: str, obj: bytes | None = None) -> None:
    """Compile a helper (once per process) and make its name resolvable by generated code;
    with `obj`, load that object file of `helper_module(name)` instead (made by a forked
    process, which shares the exact-path callback's address: see `exact_path`)."""
    if name in _compiled:
        return
    import llvmlite.binding as llvm

    from .engine import LLVMJit, note_for_perf
    if not _runtime:
        _runtime.append(LLVMJit(opt_level=HELPER_OPT_LEVEL))
    jit = _runtime[0]
    if obj is not None:
        _compiled[name] = jit.load_object(obj, name)
    else:
        _compiled[name] = jit.compile(helper_module(name, jit.triple), [name])[name]
    llvm.add_symbol(name, _compiled[name])
    note_for_perf(jit, name, _compiled[name])


def _call(r: RegionLowerer, op: Op, em: Emit, name: str, args: list, rm: Mode):
    """Call a helper (a reserved mode deopts first, the helper would refuse it):
    (result bits, flags). The engine that compiles the region compiles the helper too
    (LLVMJit.compile); lowering does not, so that a process that only makes object files
    does not compile them in vain."""
    _check_rm(r, op, rm)
    types = _HELPERS[name][1]
    params = ", ".join(f"{t} {a}" for t, a in zip(types, args))
    pair = em(f"call {{i64, i64}} @{name}({params}, i64 {rm.text})")
    flags = em(f"extractvalue {{i64, i64}} {pair}, 1")
    bits = em(f"extractvalue {{i64, i64}} {pair}, 0")
    if em.F.width < 64:
        bits = em(f"trunc i64 {bits} to i32")
    return bits, flags


def _inline(r: RegionLowerer, op: Op, em: Emit, rm: Mode, name: str, k: _Kernel, args: list):
    """A rounded op in the region. In RNE with a normal result, once NX is set (as almost
    always: it is sticky), it is the host's result and nothing else, as in QEMU's hardfloat.
    The helper does the rest (NX by the error transformation included): one cold call keeps
    the region small, which halves its compile time."""
    rne = rm.is_(RM_RNE)
    nx_set = "false"
    if rne != "false":
        flags = em(f"and i64 {r.fb.assign('load i64, ptr %f.fpflags')}, {FLAG_NX}")
        nx_set = em(f"icmp ne i64 {flags}, 0")
    _paths(r, op, em, rm, [(em.and_(rne, _normal_or_zero(em, k), nx_set),
                            lambda: (em.bits(k.res), "0"))],
           name, args)


def _paths(r: RegionLowerer, op: Op, em: Emit, rm: Mode, cases: list, name: str,
           args: list) -> None:
    """The first of `cases` (condition or a function emitting it, path() -> (bits, flags))
    whose condition holds, else the helper `name`; each path accrues its own flags (the fast
    one usually none), the result joins in a phi (when there was a choice)."""
    fb, F = r.fb, em.F
    paths, join = [], fb.label("join")

    def finish(bits, flags):
        _accrue(r, flags)
        paths.append((bits, fb.current))
        if branched:
            fb.emit(f"br label %{join}")

    branched = False

    for cond, path in cases:
        cond = cond() if callable(cond) else cond
        if cond == "false":
            continue
        if cond != "true":
            yes, no = fb.label("fast"), fb.label("else")
            fb.emit(f"br i1 {cond}, label %{yes}, label %{no}, !prof !0")
            fb.start(yes)
            branched = True
        finish(*path())
        if cond == "true":
            break
        fb.start(no)
    else:
        finish(*_call(r, op, em, name, args, rm))
    if branched:
        fb.start(join)
        out = em(f"phi {F.it} " + ", ".join(f"[ {b}, %{label} ]" for b, label in paths))
    else:                           # one path, no branch: no join either
        out = paths[0][0]
    r.define(op, f"bitcast {F.it} {out} to {F.ft}")


_ROUNDED = frozenset({"fadd", "fsub", "fmul", "fdiv", "fsqrt", "fma"})


@_lower(*_ROUNDED)
def lower_rounded(r: RegionLowerer, op: Op) -> None:
    if not r.promote:                 # tier 1: the helper call alone, for a short compile
        exact(r, op)
        return
    em, F, rm = _setup(r, op)
    name, args = _operands(r, op, em)
    _inline(r, op, em, rm, f"dbt_fp_{name}_f{F.width}", _KERNELS[name][0](em, rm, *args), args)


# -- speculation in hot code (RegionLowerer._speculate) --------------------------------------------
def speculative(r: RegionLowerer, op: Op) -> bool:
    """A rounded op whose mode is RNE, or dynamic and checked on entry (never reserved)."""
    if op.name not in _ROUNDED:
        return False
    rm = op.args[-1]
    return rm.value == RM_RNE if isinstance(rm, Const) else r.frm_checked


def speculate(r: RegionLowerer, op: Op) -> None:
    """The host's RNE result alone; the segment's check learns whether it is not normal."""
    em, F, rm = _setup(r, op)
    name, args = _operands(r, op, em)
    k = _KERNELS[name][0](em, rm, *args)
    ok = k.normal
    if k.zero is not None:      # an exact zero is tested off the path of normal results: the
        fb = r.fb               # operands' bits and the test cost more than the rest together
        normal_label, test, join = fb.current, fb.label("zero"), fb.label("nz")
        fb.emit(f"br i1 {k.normal}, label %{join}, label %{test}, !prof !0")
        fb.start(test)
        zero = k.zero()
        test_label = fb.current
        fb.emit(f"br label %{join}")
        fb.start(join)
        ok = fb.assign(f"phi i1 [ true, %{normal_label} ], [ {zero}, %{test_label} ]")
    r.spec_bad = em.or_(r.spec_bad, em.not_(ok))           # accumulated as it goes: one i1 live
    if rm.const is None:
        r.spec_rms.add(rm.text)
    r.define(op, f"bitcast {F.ft} {k.res} to {F.ft}")


def exact(r: RegionLowerer, op: Op) -> None:
    """A rounded op as the helper call alone, flags accrued: every one in tier 1, and a
    speculated one again on its segment's slow path."""
    em, F, rm = _setup(r, op)
    name, args = _operands(r, op, em)
    _paths(r, op, em, rm, [], f"dbt_fp_{name}_f{F.width}", args)


def _operands(r: RegionLowerer, op: Op, em: Emit) -> tuple[str, list]:
    """The kernel name and operand texts of a rounded op (a - b is a + -b)."""
    args = [r.v(x) for x in op.args[:-1]]
    if op.name == "fsub":
        args[1] = em.fneg(args[1])
        return "fadd", args
    return op.name, args


@_lower("fcvt_f")
def lower_fcvt_f(r: RegionLowerer, op: Op) -> None:
    em, F, rm = _setup(r, op)
    a = r.v(op.args[0])
    if F is SINGLE:
        _inline(r, op, em, rm, "dbt_fp_narrow_f32", _k_narrow(em, rm, a), [a])
        return
    narrow = Emit(r.fb, SINGLE)    # binary32 -> binary64: exact; NaNs become canonical
    _check_rm(r, op, rm)
    _accrue(r, em.flags((narrow.is_snan(narrow.bits(a)), FLAG_NV)))
    out = em.canonical(em.bits(em(f"fpext float {a} to double")))
    r.define(op, f"bitcast i64 {out} to double")


# -- conversions with integers ---------------------------------------------------------------------
_INTEGRAL = {RM_RNE: "roundeven", RM_RTZ: "trunc", RM_RDN: "floor", RM_RUP: "ceil",
             RM_RMM: "round"}


def _integral(em: Emit, x: str, rm: Mode) -> str:
    """x rounded to an integral value in the mode."""
    if rm.const is not None:
        return em.call(_INTEGRAL.get(rm.const, "roundeven"), x)
    out = em.call("roundeven", x)
    for mode in (RM_RTZ, RM_RDN, RM_RUP, RM_RMM):
        out = em.select(rm.is_(mode), em.F.ft, em.call(_INTEGRAL[mode], x), out)
    return out


@_lower("fcvt_to_si", "fcvt_to_ui")
def lower_fcvt_to_int(r: RegionLowerer, op: Op) -> None:
    """Round to integral, then saturate in float: NaN and too large give the maximum, too small
    the minimum, all with NV alone; an in-range inexact value raises NX."""
    em, F, rm = _setup(r, op, op.args[0].type)
    bits = op.result.type.bits
    it = f"i{bits}"
    signed = op.name == "fcvt_to_si"
    x = r.v(op.args[0])
    _check_rm(r, op, rm)
    t = _integral(em, x, rm)
    lo, hi = (-(2.0 ** (bits - 1)), 2.0 ** (bits - 1)) if signed else (0.0, 2.0 ** bits)
    low = em(f"fcmp olt {F.ft} {t}, {float_literal(lo)}")
    high = em(f"fcmp uge {F.ft} {t}, {float_literal(hi)}")              # NaN too
    n = em(f"{'fptosi' if signed else 'fptoui'} {F.ft} {t} to {it}")
    nx = em(f"fcmp une {F.ft} {t}, {x}")
    _accrue(r, em.select(em.or_(low, high), "i64", str(FLAG_NV), em.flags((nx, FLAG_NX))))
    top = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    bottom = 1 << (bits - 1) if signed else 0
    sat = em.select(low, it, int_literal(bottom, bits), n)
    r.define(op, f"select i1 {high}, {it} {int_literal(top, bits)}, {it} {sat}")


@_lower("fcvt_from_si", "fcvt_from_ui")
def lower_fcvt_from_int(r: RegionLowerer, op: Op) -> None:
    """Exact (|n| <= 2**prec): the host's conversion, inline; otherwise the helper."""
    em, F, rm = _setup(r, op)
    signed = op.name == "fcvt_from_si"
    src = op.args[0].type.bits
    n = r.v(op.args[0])
    if src < 64:
        n = em(f"{'sext' if signed else 'zext'} i{src} {n} to i64")
    limit = 1 << F.prec
    if src <= F.prec:                                    # always exact
        _check_rm(r, op, rm)
        small = "true"
    elif signed:
        small = em(f"icmp ule i64 {em(f'add i64 {n}, {limit}')}, {2 * limit}")
    else:
        small = em(f"icmp ule i64 {n}, {limit}")

    def exact():
        return em.bits(em(f"{'sitofp' if signed else 'uitofp'} i64 {n} to {F.ft}")), "0"

    fast = small if small == "true" else em.and_(small, em.not_(rm.above(RM_RMM)))
    _paths(r, op, em, rm, [(fast, exact)],
           f"dbt_fp_from_{'si' if signed else 'ui'}_f{F.width}", [n])


def _from_int(em: Emit, rm: Mode, n: str, signed: bool):
    """The helper's integer rounding: normalise |n| to bit 63, keep prec bits, round on the
    rest. (bits, flags, "false": it is exact in every mode)."""
    F = em.F
    neg, m = "false", n
    if signed:
        neg = em(f"icmp slt i64 {n}, 0")
        m = em.select(neg, "i64", em(f"sub i64 0, {n}"), n)
    lz = em(f"call i64 @llvm.ctlz.i64(i64 {m}, i1 false)")
    norm = em(f"shl i64 {m}, {em(f'and i64 {lz}, 63')}")
    keep = em(f"lshr i64 {norm}, {64 - F.prec}")
    rest = em(f"shl i64 {norm}, {F.prec}")
    mant = em(f"add i64 {keep}, {em(f'zext i1 {_round_up(em, rm, neg, keep, rest)} to i64')}")
    field = em(f"sub i64 {F.bias + 62}, {lz}")           # biased exponent - 1
    out = em(f"add i64 {em(f'shl i64 {field}, {F.fbits}')}, {mant}")
    out = em(f"or i64 {out}, {em.select(neg, 'i64', int_literal(1 << (F.width - 1), 64), '0')}")
    out = em.select(em(f"icmp eq i64 {m}, 0"), "i64", "0", out)
    if F.width < 64:
        out = em(f"trunc i64 {out} to {F.it}")
    return out, em.flags((em(f"icmp ne i64 {rest}, 0"), FLAG_NX)), "false"


def _round_up(em: Emit, rm: Mode, neg: str, keep: str, rest: str) -> str:
    """Whether the kept significand rounds away from zero: `rest` holds the discarded bits,
    left-aligned (half an ulp is bit 63)."""
    half = int_literal(1 << 63, 64)
    inexact = em(f"icmp ne i64 {rest}, 0")
    choices = {
        RM_RNE: lambda: em.or_(em(f"icmp ugt i64 {rest}, {half}"),
                               em.and_(em(f"icmp eq i64 {rest}, {half}"),
                                       em(f"trunc i64 {keep} to i1"))),
        RM_RTZ: lambda: "false",
        RM_RDN: lambda: em.and_(neg, inexact),
        RM_RUP: lambda: em.and_(em.not_(neg), inexact),
        RM_RMM: lambda: em(f"icmp uge i64 {rest}, {half}"),
    }
    if rm.const is not None:
        return choices.get(rm.const, choices[RM_RNE])()
    out = choices[RM_RNE]()
    for mode in (RM_RTZ, RM_RDN, RM_RUP, RM_RMM):
        out = em.select(rm.is_(mode), "i1", choices[mode](), out)
    return out


# -- min/max, comparisons, classification ----------------------------------------------------------
@_lower("fmin", "fmax")
def lower_fminmax(r: RegionLowerer, op: Op) -> None:
    """minimumNumber/maximumNumber on a signed-integer key that orders -0 below +0."""
    F = FORMATS[op.result.type]
    em = Emit(r.fb, F)
    a, b = r.v(op.args[0]), r.v(op.args[1])
    ab, bb = em.bits(a), em.bits(b)
    keys = []
    for x in (ab, bb):
        flip = em(f"lshr {F.it} {em(f'ashr {F.it} {x}, {F.width - 1}')}, 1")
        keys.append(em(f"xor {F.it} {x}, {flip}"))
    a_first = em.icmp("slt" if op.name == "fmin" else "sgt", *keys)
    a_nan, b_nan = em.is_nan(ab), em.is_nan(bb)
    out = em.select(em.or_(em.and_(a_first, em.not_(a_nan)), b_nan), F.it, ab, bb)
    out = em.select(em.and_(a_nan, b_nan), F.it, F.lit(F.inf | F.quiet), out)
    _accrue(r, em.flags((em.or_(em.is_snan(ab), em.is_snan(bb)), FLAG_NV)))
    r.define(op, f"bitcast {F.it} {out} to {F.ft}")


@_lower("feq", "flt", "fle")
def lower_fcompare(r: RegionLowerer, op: Op) -> None:
    """feq is quiet (NV on a signalling NaN only), flt and fle signal on any NaN."""
    F = FORMATS[op.args[0].type]
    em = Emit(r.fb, F)
    a, b = r.v(op.args[0]), r.v(op.args[1])
    if op.name == "feq":
        nv = em.or_(em.is_snan(em.bits(a)), em.is_snan(em.bits(b)))
    else:
        nv = em(f"fcmp uno {F.ft} {a}, {b}")
    _accrue(r, em.flags((nv, FLAG_NV)))
    pred = {"feq": "oeq", "flt": "olt", "fle": "ole"}[op.name]
    r.define(op, f"fcmp {pred} {F.ft} {a}, {b}")


@_lower("fclass")
def lower_fclass(r: RegionLowerer, op: Op) -> None:
    """Class k from the magnitude (inf 0, normal 1, subnormal 2, zero 3): bit k when negative,
    7 - k when positive; NaNs are bits 8 (signalling) and 9 (quiet)."""
    F = FORMATS[op.args[0].type]
    em = Emit(r.fb, F)
    ab = em.bits(r.v(op.args[0]))
    mag2 = em.mag2(ab)
    k = em.select(em.icmp("eq", mag2, 0), "i64", "3", "2")
    k = em.select(em.icmp("uge", mag2, F.lit(2 << F.fbits)), "i64", "1", k)
    k = em.select(em.icmp("eq", mag2, F.lit(2 * F.inf)), "i64", "0", k)
    k = em.select(em.neg(ab), "i64", k, em(f"sub i64 7, {k}"))
    k = em.select(em.is_nan(ab), "i64", em.select(em.is_snan(ab), "i64", "8", "9"), k)
    r.define(op, f"shl i64 1, {k}")


_INTRINSICS = (
    [f"declare {t} @llvm.fma.{s}({t}, {t}, {t})" for t, s in (("float", "f32"), ("double", "f64"))]
    + [f"declare {t} @llvm.umin.{t}({t}, {t})" for t in ("i32", "i64")]
    + [f"declare {t} @llvm.{fn}.{s}({t})" for t, s in (("float", "f32"), ("double", "f64"))
       for fn in ("sqrt", *_INTEGRAL.values())])
DECLARATIONS = "\n".join(
    _INTRINSICS + [f"declare {{i64, i64}} @{name}({', '.join(types)}, i64) nounwind willreturn "
                   "memory(none)" for name, (_, types, _) in _HELPERS.items()])
lower.DECLARATIONS += "\n" + DECLARATIONS          # what every region module may call
