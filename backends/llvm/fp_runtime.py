"""The FP helpers at run time: each compiled once per process (or linked from an object file a
helper process compiled), placed in executable memory that lives as long as the process, and
defined by name (codemem.SYMBOLS) for the blobs that call them; and the exact-path callback
into `dbt.fp` that they call for their rare cases.

The helpers' text is in fp_kernels; it names the callback as an external symbol
(EXACT_CALLBACK), defined here in each process, so a helper's object file made in another
process links here as well. The callback leaves the flags in a cell on the calling helper's
stack (guest threads call it at once).
"""

from __future__ import annotations

import ctypes

from . import rtcache
from .codemem import PERF_MAP, SYMBOLS, runtime_arena
from .objlink import link
from .optable import EXACT_CALLBACK

# (fp_kernels, which writes the helpers' text, and dbt.fp are imported when a helper must be
# compiled or its exact path runs: a run whose helpers come from the cache needs neither.)

_compiled: dict[str, int] = {}           # helper name -> address
_exact: list = []                        # the callback, kept alive


def _define_exact_path() -> None:
    """Define EXACT_CALLBACK, `(op index, a, b, c, rm, flags cell) -> bits`."""
    ops: list = []

    def exact(index, a, b, c, rm, cell):
        if not ops:
            from .fp_kernels import EXACT_NAMES, exact_ops
            ops.extend(exact_ops()[name] for name in EXACT_NAMES)
        bits, cell[0] = ops[index](a, b, c, rm)
        return bits

    callback = ctypes.CFUNCTYPE(ctypes.c_uint64, *[ctypes.c_uint64] * 5,
                                ctypes.POINTER(ctypes.c_uint64))(exact)
    _exact.append(callback)
    SYMBOLS.define(EXACT_CALLBACK, ctypes.cast(callback, ctypes.c_void_p).value)


def ensure(name: str, obj: bytes | None = None, found=None) -> int:
    """Place a helper (once per process) and define its name for generated code: from the
    object file `obj` (made by another process), or the blob `found` in the persistent cache,
    else from the cache, else compiled now. Returns its address."""
    if name in _compiled:
        return _compiled[name]
    if not _exact:
        _define_exact_path()
    blob = (link(obj) if obj is not None else found if found is not None
            else rtcache.blob(name, lambda: _compile(name)))
    address = runtime_arena().place(blob, SYMBOLS).address(blob.symbols[name])
    _compiled[name] = address
    SYMBOLS.define(name, address)
    if PERF_MAP:
        from .compiler import note_for_perf
        note_for_perf(obj or _compile(name), name, address)
    return address


def _compile(name: str) -> bytes:
    from .compiler import Compiler
    from .fp_kernels import HELPER_OPT_LEVEL, helper_module
    compiler = Compiler(HELPER_OPT_LEVEL)
    return compiler.object(helper_module(name, compiler.triple))


def _provide(name: str) -> int | None:
    """codemem.Symbols' provider: an FP helper on first use (an image calls it). One in the
    persistent cache is placed without importing fp_kernels (~15 ms: a warm run's images
    call helpers compiled by an earlier run)."""
    if not name.startswith("dbt_fp_"):
        return None
    found = rtcache.cached(name)
    if found is not None:
        return ensure(name, found=found)
    from .fp_kernels import HELPERS
    return ensure(name) if name in HELPERS else None


SYMBOLS.providers.append(_provide)


def link_helpers(names) -> None:
    """Define these helpers for generated code (each compiled once per process)."""
    for name in names:
        ensure(name)
