"""The FP helpers at run time: each compiled once per process (or loaded from an object file
a helper process compiled) and made resolvable by name for generated code, and the exact-path
callback into `dbt.fp` that they call for their rare cases.

The helpers' text is in fp_kernels; it names the callback and its flags cell as external
symbols (EXACT_CALLBACK, EXACT_FLAGS), defined here in each process, so an object file of a
helper made in another process links here as well.
"""

from __future__ import annotations

import ctypes

import llvmlite.binding as llvm

from .engine import LLVMJit, note_for_perf
from .fp_kernels import (EXACT_CALLBACK, EXACT_FLAGS, EXACT_NAMES, HELPER_OPT_LEVEL, exact_ops,
                         helper_module)

_compiled: dict[str, int] = {}           # helper name -> address
_runtime: list = []                      # the LLVMJit that holds the helpers
_exact: list = []                        # the callback and its flags cell, kept alive


def _define_exact_path() -> None:
    """Define EXACT_CALLBACK, `(op index, a, b, c, rm) -> bits`, and its flags cell
    EXACT_FLAGS (guest code runs on one thread at a time)."""
    ops = [exact_ops()[name] for name in EXACT_NAMES]
    cell = ctypes.c_uint64(0)

    def exact(index, a, b, c, rm):
        bits, cell.value = ops[index](a, b, c, rm)
        return bits

    callback = ctypes.CFUNCTYPE(ctypes.c_uint64, *[ctypes.c_uint64] * 5)(exact)
    _exact.extend((callback, cell))
    llvm.add_symbol(EXACT_CALLBACK, ctypes.cast(callback, ctypes.c_void_p).value)
    llvm.add_symbol(EXACT_FLAGS, ctypes.addressof(cell))


def ensure(name: str, obj: bytes | None = None) -> None:
    """Compile a helper (once per process) and make its name resolvable by generated code;
    with `obj`, load that object file of `helper_module(name)` instead (made by another
    process)."""
    if name in _compiled:
        return
    if not _runtime:
        _runtime.append(LLVMJit(opt_level=HELPER_OPT_LEVEL))
        _define_exact_path()
    jit = _runtime[0]
    if obj is not None:
        _compiled[name] = jit.load_object(obj, name)
    else:
        _compiled[name] = jit.compile(helper_module(name, jit.triple), [name])[name]
    llvm.add_symbol(name, _compiled[name])
    note_for_perf(jit, name, _compiled[name])


def link(names) -> None:
    """Make these helpers resolvable by generated code (each compiled once per process)."""
    for name in names:
        ensure(name)
