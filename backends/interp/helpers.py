"""The run-time namespace of generated block functions: memory views, slow paths and helpers.

Everything here is ISA-neutral: slow-path memory accesses with page checks, the atomics (host
atomics: `host_atomics`), total signed division, rotations, and wrappers that run an IEEE op from
`dbt.fp` and accrue its exception flags into the FP_FLAGS_FIELD slot.
"""

from __future__ import annotations

import ctypes
import functools
import sys
import threading
import time

from dbt import fp
from dbt.ir.ops import FP_FLAGS_FIELD
from dbt.memory import PROT_READ, PROT_WRITE, GuestFault, GuestMemory
from dbt.state import COMMON_SLOTS
from dbt.traps import GuestTrap



def _div_s(a: int, b: int, bits: int) -> int:
    mask = (1 << bits) - 1
    if b == 0:
        return mask
    sign = 1 << (bits - 1)
    sa, sb = (a ^ sign) - sign, (b ^ sign) - sign
    q = abs(sa) // abs(sb)
    return (q if (sa < 0) == (sb < 0) else -q) & mask


def _rem_s(a: int, b: int, bits: int) -> int:
    if b == 0:
        return a
    sign = 1 << (bits - 1)
    sa, sb = (a ^ sign) - sign, (b ^ sign) - sign
    r = abs(sa) % abs(sb)
    return (-r if sa < 0 else r) & ((1 << bits) - 1)


def _rotl(a: int, n: int, bits: int) -> int:
    n %= bits
    return ((a << n) | (a >> (bits - n))) & ((1 << bits) - 1)


def _rotr(a: int, n: int, bits: int) -> int:
    return _rotl(a, bits - n % bits, bits)


def _rmw_value(kind: str, old: int, value: int, bits: int) -> int:
    """atomic_rmw: the new memory value (its kinds but swap are vbin's, on one lane)."""
    if kind == "swap":
        return value
    return _LANE_OPS[kind](old, value, 1 << (bits - 1)) & ((1 << bits) - 1)


_SEQ_CST = 5                                    # (__ATOMIC_SEQ_CST)
_CTYPES = {1: ctypes.c_uint8, 2: ctypes.c_uint16, 4: ctypes.c_uint32, 8: ctypes.c_uint64}
# atomic_rmw kinds that are one libatomic function (the rest: compare-and-swap, _rmw_value)
_FETCH_OPS = {"add": "fetch_add", "and": "fetch_and", "or": "fetch_or", "xor": "fetch_xor",
              "swap": "exchange"}
_FALLBACK_LOCK = threading.Lock()               # (host_atomics without libatomic)


@functools.cache
def _libatomic():
    """GCC's libatomic, whose functions ctypes calls with the GIL held (PyDLL: each is one
    host instruction); None where it is not installed."""
    try:
        return ctypes.PyDLL("libatomic.so.1")
    except OSError:
        return None


def host_atomics(memory: GuestMemory) -> tuple[dict, object]:
    """The guest's atomics as host atomics on its memory, at guest addresses the caller has
    checked: `fetch[kind][size](host address, value, order) -> old` for the _FETCH_OPS
    kinds, and `cas(addr, expected, new, size) -> old`, a compare-and-swap. Each is one
    host atomic instruction (libatomic's), atomic against every other guest thread however
    it runs: a Python thread switch may come between any two calls, so a read and a write
    in Python are not. Without libatomic, no `fetch`, and `cas` reads and writes under a
    process-wide lock: atomic against the interpreter's other atomics only, not against
    plain stores or native code."""
    functions = _host_functions()
    if functions is None:
        return {}, functools.partial(_locked_cas, memory.view)
    fetch, sized, generic = functions
    base, byref = memory.base, ctypes.byref

    def cas(addr: int, expected: int, new: int, size: int) -> int:
        if size in sized:
            fn, ctype = sized[size]
            cell = ctype(expected)          # (where a failed CAS leaves the value it saw)
            fn(base + addr, byref(cell), new, _SEQ_CST, _SEQ_CST)
            return cell.value
        cell = ctypes.create_string_buffer(expected.to_bytes(size, "little"), size)
        desired = ctypes.create_string_buffer(new.to_bytes(size, "little"), size)
        generic(size, base + addr, cell, desired, _SEQ_CST, _SEQ_CST)
        return int.from_bytes(cell.raw, "little")
    return fetch, cas


@functools.cache
def _host_functions() -> tuple | None:
    """libatomic's functions with their C types: (fetch, as host_atomics'; size -> (its
    compare-and-swap, the C type), for sizes 1 to 8; the generic compare-and-swap, for 16
    bytes), or None without libatomic."""
    lib = _libatomic()
    if lib is None:
        return None
    fetch: dict = {kind: {} for kind in _FETCH_OPS}
    sized = {}
    for size, ctype in _CTYPES.items():
        for kind, name in _FETCH_OPS.items():
            fn = lib[f"__atomic_{name}_{size}"]         # (a function object of our own)
            fn.argtypes = (ctypes.c_void_p, ctype, ctypes.c_int)
            fn.restype = ctype
            fetch[kind][size] = fn
        fn = lib[f"__atomic_compare_exchange_{size}"]
        fn.argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctype, ctypes.c_int, ctypes.c_int)
        fn.restype = ctypes.c_bool
        sized[size] = fn, ctype
    generic = lib["__atomic_compare_exchange"]       # (size, ptr, expected*, desired*, ...)
    generic.argtypes = (ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                        ctypes.c_int, ctypes.c_int)
    generic.restype = ctypes.c_bool
    return fetch, sized, generic


def _locked_cas(view, addr: int, expected: int, new: int, size: int) -> int:
    with _FALLBACK_LOCK:
        old = int.from_bytes(view[addr:addr + size], "little")
        if old == expected:
            view[addr:addr + size] = new.to_bytes(size, "little")
    return old


def _vbin(kind: str, lane: int, a: int, b: int) -> int:
    """vbin: `kind` over the lanes of two 128-bit values."""
    combine, sign = _LANE_OPS[kind], 1 << (lane - 1)
    return _join((combine(x, y, sign) for x, y in zip(_lanes(a, lane), _lanes(b, lane))), lane)


_LANE_OPS = {   # (x, y, sign bit) -> lane result (wrapping: masked by the caller); compares
                # give all ones (-1) or 0
    "add": lambda x, y, s: x + y, "sub": lambda x, y, s: x - y, "mul": lambda x, y, s: x * y,
    "and": lambda x, y, s: x & y, "or": lambda x, y, s: x | y, "xor": lambda x, y, s: x ^ y,
    "min_s": lambda x, y, s: x if x ^ s < y ^ s else y,
    "max_s": lambda x, y, s: x if x ^ s > y ^ s else y,
    "min_u": lambda x, y, s: min(x, y), "max_u": lambda x, y, s: max(x, y),
    "eq": lambda x, y, s: -(x == y), "gt_s": lambda x, y, s: -(x ^ s > y ^ s),
    "gt_u": lambda x, y, s: -(x > y),
}


def _lanes(v: int, lane: int) -> list[int]:
    mask = (1 << lane) - 1
    return [v >> shift & mask for shift in range(0, 128, lane)]


def _join(values, lane: int) -> int:
    mask, out = (1 << lane) - 1, 0
    for i, x in enumerate(values):
        out |= (x & mask) << (i * lane)
    return out


def _vshift(kind: str, lane: int, v: int, n: int) -> int:
    sign = 1 << (lane - 1)
    if kind == "shr_s":
        n = min(n, lane - 1)
        return _join((((x ^ sign) - sign) >> n for x in _lanes(v, lane)), lane)
    if n >= lane:
        return 0
    return _join(((x << n if kind == "shl" else x >> n) for x in _lanes(v, lane)), lane)


def _vshuffle(a: int, b: int, select: int) -> int:
    """`select`: the 16 byte indices packed as bytes, index 0 lowest."""
    both = a | b << 128
    return _join((both >> (8 * i) & 0xFF for i in _lanes(select, 8)), 8)


def _vtbl(table: int, index: int) -> int:
    return _join(((table >> (8 * i) & 0xFF) if i < 16 else 0 for i in _lanes(index, 8)), 8)


def _vreduce(kind: str, lane: int, v: int) -> int:
    """vreduce: the lanes folded by vbin's `kind`."""
    combine, sign, mask = _LANE_OPS[kind], 1 << (lane - 1), (1 << lane) - 1
    return functools.reduce(lambda x, y: combine(x, y, sign) & mask, _lanes(v, lane))


def _vwiden(lane: int, signed: bool, half: int) -> int:
    sign, values = 1 << (lane - 1), _lanes(half & ((1 << 64) - 1), lane)[:64 // lane]
    if signed:
        values = [(x ^ sign) - sign for x in values]
    return _join(values, 2 * lane)


def _vnarrow(lane: int, v: int) -> int:
    return _join(_lanes(v, lane), lane // 2)


def make_namespace(regs: list, memory: GuestMemory, engine) -> dict:
    """The globals of every block function compiled for one guest."""
    view = memory.view
    perms = memory.perms
    flags_slot = COMMON_SLOTS[FP_FLAGS_FIELD]

    def load_slow(addr: int, size: int) -> int:
        if not memory.check(addr, size, PROT_READ):
            raise GuestFault(memory._fault_addr(addr, size, PROT_READ), "read")
        return int.from_bytes(view[addr:addr + size], "little")

    def store_slow(addr: int, size: int, value: int) -> None:
        if not memory.check(addr, size, PROT_WRITE):
            raise GuestFault(memory._fault_addr(addr, size, PROT_WRITE), "write")
        view[addr:addr + size] = value.to_bytes(size, "little")

    fetch, cas = host_atomics(memory)
    base = memory.base

    def cmpxchg(addr: int, expected: int, new: int, enable: bool, size: int, align: bool) -> int:
        if not enable:
            return expected ^ 1
        if align and addr & (size - 1):
            misaligned(addr)
        if not memory.check(addr, size, PROT_READ):
            raise GuestFault(memory._fault_addr(addr, size, PROT_READ), "read")
        if not memory.check(addr, size, PROT_WRITE):
            raise GuestFault(addr, "write")
        return cas(addr, expected, new, size)

    def rmw(kind: str, addr: int, value: int, size: int, align: bool) -> int:
        """One host atomic, or compare-and-swap retried while other threads change the
        value."""
        if align and addr & (size - 1):
            misaligned(addr)
        if not memory.check(addr, size, PROT_WRITE):
            raise GuestFault(memory._fault_addr(addr, size, PROT_WRITE), "write")
        if kind in fetch:
            return fetch[kind][size](base + addr, value, _SEQ_CST)
        bits = size * 8
        old = int.from_bytes(view[addr:addr + size], "little")
        while True:
            seen = cas(addr, old, _rmw_value(kind, old, value, bits), size)
            if seen == old:
                return old
            old = seen

    def misaligned(addr: int) -> None:
        raise GuestFault(addr, "misaligned", signal="SIGBUS")

    def trap(kind: str) -> None:
        raise GuestTrap(kind)

    def counter(kind: str, index: int) -> int:
        if kind == "time":
            return time.monotonic_ns()
        return engine.retired(sys._getframe(1), index)

    ns = {
        "P": perms, "MB": view, "MH": view.cast("H"), "MI": view.cast("I"),
        "MQ": memory.view64, "LD": load_slow, "ST": store_slow, "CMPXCHG": cmpxchg,
        "RMW": rmw,
        "MISALIGNED": misaligned, "TRAP": trap, "COUNTER": counter,
        "VBIN": _vbin, "VSHIFT": _vshift, "VSHUFFLE": _vshuffle, "VTBL": _vtbl,
        "VREDUCE": _vreduce, "VWIDEN": _vwiden, "VNARROW": _vnarrow,
        "DIV_S": _div_s, "REM_S": _rem_s, "ROTL": _rotl, "ROTR": _rotr,
    }
    ns.update(_fp_helpers(regs, flags_slot))
    return ns


def _fp_helpers(regs: list, flags_slot: int) -> dict:
    """Each IR FP op runs its dbt.fp function; the wrapper accrues the exception flags into
    the flags slot."""

    def accrue(fn):
        def op(*args):
            result, flags = fn(*args)
            if flags:
                regs[flags_slot] |= flags
            return result
        return op

    def lanes(name: str, fmt: int, lane: int, count: int, mode: int, *vectors: int) -> int:
        """vfbin/vfma: dbt.fp's op `name` on lanes 0..count-1 (the rest 0), flags ORed."""
        fn, mask, out, flags = fp.OPS[name], (1 << lane) - 1, 0, 0
        for shift in range(0, count * lane, lane):
            bits, more = fn(fmt, *[v >> shift & mask for v in vectors], mode)
            out |= bits << shift
            flags |= more
        if flags:
            regs[flags_slot] |= flags
        return out

    return {
        "FADD": accrue(fp.add), "FSUB": accrue(fp.sub), "FMUL": accrue(fp.mul),
        "FDIV": accrue(fp.div), "FSQRT": accrue(fp.sqrt), "FMA": accrue(fp.fma),
        "FMIN": accrue(fp.fmin), "FMAX": accrue(fp.fmax),
        "FEQ": accrue(fp.eq), "FLT": accrue(fp.lt), "FLE": accrue(fp.le),
        "FCLASS": accrue(fp.classify),
        "FCVT_TO_INT": accrue(fp.to_int),           # (fmt, value, rm, width, signed)
        "FCVT_FROM_INT": accrue(fp.from_int),       # (fmt, value, width, signed, rm)
        "FCVT_F": accrue(fp.convert),               # (from_fmt, to_fmt, value, rm)
        "VFP": lanes,                               # (op, fmt, lane, count, mode, vectors)
    }
