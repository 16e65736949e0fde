"""LLVM through llvmlite: IR text in, object files out, compiled for this host.

Generated code is position-independent (relocation model "pic", small code model), so that
objlink can make a blob of it that runs at any address, in any process: that is what lets the
persistent cache keep code on disk and load it without LLVM. `LLVMJit` is the short way for
code that just wants a function's address now: compile, link, place in its own arena.

Importing this module loads LLVM (tens of milliseconds): only code that compiles imports it.
"""

from __future__ import annotations

import functools
import os
import time

import llvmlite.binding as llvm

from .codemem import PERF_MAP, SYMBOLS, CodeArena
from .objlink import link


class JitError(Exception):
    """LLVM refused a module, or a symbol is missing: a backend bug, reported in Python."""


@functools.cache
def target_machine(opt_level: int):
    """The host's target machine for generated code at `opt_level` (one per level)."""
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    return llvm.Target.from_default_triple().create_target_machine(
        cpu=llvm.get_host_cpu_name(), features=llvm.get_host_cpu_features().flatten(),
        opt=opt_level, reloc="pic", codemodel="small")


class Compiler:
    """Modules to object files at one optimisation level."""

    def __init__(self, opt_level: int = 0):
        self.tm = target_machine(opt_level)
        self.triple = self.tm.triple
        self.opt_level = opt_level
        self.seconds = 0.0

    def object(self, text: str, hot: bool = False) -> bytes:
        start = time.perf_counter()
        try:
            return object_file(self.tm, text, hot)
        finally:
            self.seconds += time.perf_counter() - start


class LLVMJit:
    """Compile a module and place it in executable memory of its own (tests, tools)."""

    def __init__(self, opt_level: int = 0, size: int = 64 << 20):
        self.compiler = Compiler(opt_level)
        self.triple = self.compiler.triple
        self.arena = CodeArena(size)
        self._last_object = b""

    def compile(self, text: str, names: list[str], hot: bool = False) -> dict[str, int]:
        """Compile a module's IR text; return the address of each function in `names` (what it
        calls must be defined already: fp_runtime.link for the FP helpers)."""
        return self.load_object(self.compiler.object(text, hot), names)

    def load_object(self, obj: bytes, names: list[str]) -> dict[str, int]:
        blob = link(obj)
        missing = [n for n in names if n not in blob.symbols]
        if missing:
            raise JitError(f"functions not defined in the module: {missing}")
        at = self.arena.place(blob, SYMBOLS)
        self._last_object = obj
        return {name: at.address(blob.symbols[name]) for name in names}

    def last_object(self) -> bytes:
        """The object file compiled last (for --trace asm)."""
        return self._last_object

    def close(self) -> None:
        self.arena.close()


def parse_module(text: str):
    """An LLVM module from its IR text, verified (a JitError if LLVM rejects it)."""
    try:
        mod = llvm.parse_assembly(text)
        mod.verify()
    except RuntimeError as exc:
        raise JitError(f"LLVM rejected the module: {exc}") from None
    return mod


def object_file(tm, text: str, hot: bool = False) -> bytes:
    """A module compiled by target machine `tm` into an object file (for objlink), with the
    hot passes when `hot`."""
    mod = parse_module(text)
    if hot:
        optimize_hot(mod, tm)
    try:
        return tm.emit_object(mod)
    except RuntimeError as exc:
        raise JitError(f"LLVM could not compile the module: {exc}") from None


def optimize_hot(mod, tm) -> None:
    """Hot code: the passes that matter for translated guest code (guest registers to SSA,
    redundancy and dead-store elimination), about a fifth of what -O2's pipeline costs for
    nearly all of its effect on it (measured on hot regions of the benchmarks). Cold code
    gets none: -O0 code generation spills SSA values anyway."""
    if os.environ.get("DBT_HOT_PIPELINE") == "O2":       # for measuring the difference
        pb = llvm.create_pass_builder(tm, llvm.create_pipeline_tuning_options(speed_level=2))
        pb.getModulePassManager().run(mod, pb)
        return
    pm = llvm.create_new_module_pass_manager()
    pm.add_sroa_pass()
    pm.add_instruction_combine_pass()
    pm.add_simplify_cfg_pass()
    pm.add_new_gvn_pass()
    pm.add_dead_store_elimination_pass()
    pm.add_aggressive_dce_pass()
    pm.add_simplify_cfg_pass()
    pm.run(mod, llvm.create_pass_builder(tm, llvm.create_pipeline_tuning_options()))


def note_for_perf(obj: bytes, name: str, address: int) -> None:
    """With DBT_PERF_MAP set, let `perf report` name function `name` of an object file, loaded
    at `address`."""
    if PERF_MAP:
        with open(f"/tmp/perf-{os.getpid()}.map", "a") as f:
            f.write(f"{address:x} {symbol_size(obj, name):x} {name}\n")


def symbol_size(obj: bytes, name: str) -> int:
    """Size in bytes of function `name` in an object file (0 if absent)."""
    import io

    from elftools.elf.elffile import ELFFile

    symtab = ELFFile(io.BytesIO(obj)).get_section_by_name(".symtab")
    symbols = symtab.get_symbol_by_name(name) if symtab else None
    return symbols[0]["st_size"] if symbols else 0


def disassemble(obj: bytes, name: str, address: int) -> list[str]:
    """Host instructions of function `name` from an object file, as loaded at `address`."""
    import io

    import capstone
    from elftools.elf.elffile import ELFFile

    elf = ELFFile(io.BytesIO(obj))
    symtab = elf.get_section_by_name(".symtab")
    symbol = symtab.get_symbol_by_name(name)[0] if symtab else None
    if symbol is None:
        return [f"(no symbol {name} in the object file)"]
    text = elf.get_section(symbol["st_shndx"]).data()
    start = symbol["st_value"]
    code = text[start:start + symbol["st_size"]]
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    return [f"0x{i.address:x}:  {i.mnemonic:8s} {i.op_str}".rstrip()
            for i in md.disasm(code, address)]
