"""llvmlite wrapper: one target machine for this host, MCJIT, modules in and addresses out.

Symbols are checked before they are looked up (MCJIT aborts the process on a missing one), and
every compiled module's object size is recorded through the object-cache hook so the code cache
can be bounded by bytes of host code.
"""

from __future__ import annotations

import os
import time

import llvmlite.binding as llvm

_initialized = False


def _init() -> None:
    global _initialized
    if not _initialized:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _initialized = True


class JitError(Exception):
    """LLVM refused a module, or a symbol is missing: a backend bug, reported in Python."""


class LLVMJit:
    def __init__(self, opt_level: int = 0):
        self.tm = self.target_machine(opt_level)
        self.triple = self.tm.triple
        self.opt_level = opt_level
        self.ee = llvm.create_mcjit_compiler(llvm.parse_assembly(""), self.tm)
        self.ee.set_object_cache(self._notify, None)
        # llvmlite hands the hook the compiled module, found by a linear search over every
        # module added so far (quadratic over a run); we need only the object's bytes.
        self.ee._find_module_ptr = lambda module_ptr: module_ptr
        self.modules: list = []
        self.object_bytes = 0            # host code (and data) generated since the last flush
        self.held_bytes = 0              # ... since the engine was made (what it holds)
        self.compile_seconds = 0.0
        self._last_object: bytes = b""

    @staticmethod
    def target_machine(opt_level: int):
        """The host's target machine with the options of JIT code (also for object files
        compiled elsewhere and loaded with `load_object`)."""
        _init()
        return llvm.Target.from_default_triple().create_target_machine(
            cpu=llvm.get_host_cpu_name(), features=llvm.get_host_cpu_features().flatten(),
            opt=opt_level, jit=True, reloc="default", codemodel="jitdefault")

    def _notify(self, module, buffer: bytes) -> None:
        self.object_bytes += len(buffer)
        self.held_bytes += len(buffer)
        self._last_object = bytes(buffer)

    def compile(self, text: str, names: list[str], hot: bool = False) -> dict[str, int]:
        """Compile a module's IR text; return the address of each function in `names` (what it
        calls must be resolvable already: fp_runtime.link for the FP helpers)."""
        start = time.perf_counter()
        mod = parse_module(text)
        for name in names:
            if mod.get_function(name) is None:
                raise JitError(f"function {name} is not defined in the module")
        self._optimize(mod, hot)
        self.ee.add_module(mod)
        self.ee.finalize_object()
        self.modules.append(mod)
        addresses = {name: self.ee.get_function_address(name) for name in names}
        self.compile_seconds += time.perf_counter() - start
        return addresses

    def load_object(self, obj: bytes, name: str) -> int:
        """Load an object file compiled by `target_machine` (in another process); return the
        address of its function `name`. What it calls must be resolvable already."""
        start = time.perf_counter()
        self.ee.add_object_file(llvm.ObjectFileRef.from_data(obj))
        self.ee.finalize_object()
        address = self.ee.get_function_address(name)
        if not address:
            raise JitError(f"function {name} is not defined in the object file")
        self.object_bytes += len(obj)
        self.held_bytes += len(obj)
        self._last_object = obj
        self.compile_seconds += time.perf_counter() - start
        return address

    def _optimize(self, mod, hot: bool) -> None:
        if hot:
            optimize_hot(mod, self.tm)

    def global_address(self, module, name: str) -> int:
        if module.get_global_variable(name) is None:
            raise JitError(f"global {name} is not defined")
        return self.ee.get_global_value_address(name)

    def last_object(self) -> bytes:
        """The object file of the module compiled last (for --trace asm)."""
        return self._last_object

    def remove_all(self, keep: tuple = ()) -> None:
        """Forget every module except those in `keep`. MCJIT keeps their code in memory
        until the engine is closed (a flush of much code makes a new engine instead)."""
        for mod in self.modules:
            if mod not in keep:
                self.ee.remove_module(mod)
        self.modules = [m for m in self.modules if m in keep]

    def close(self) -> None:
        """Free the engine with all its code (nothing compiled here may run afterwards)."""
        self.modules = []
        self.ee.close()


def parse_module(text: str):
    """An LLVM module from its IR text, verified (a JitError if LLVM rejects it)."""
    try:
        mod = llvm.parse_assembly(text)
        mod.verify()
    except RuntimeError as exc:
        raise JitError(f"LLVM rejected the module: {exc}") from None
    return mod


def object_file(tm, text: str, hot: bool = False) -> bytes:
    """A module compiled by target machine `tm` into an object file for `load_object` (in
    another process), with the hot passes when `hot`: what `LLVMJit.compile` does, short of
    loading it."""
    mod = parse_module(text)
    if hot:
        optimize_hot(mod, tm)
    return tm.emit_object(mod)


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


PERF_MAP = bool(os.environ.get("DBT_PERF_MAP"))   # write /tmp/perf-<pid>.map for perf


def note_for_perf(jit: LLVMJit, name: str, address: int) -> None:
    """With DBT_PERF_MAP set, let `perf report` name the function just compiled by `jit`."""
    if PERF_MAP:
        with open(f"/tmp/perf-{os.getpid()}.map", "a") as f:
            f.write(f"{address:x} {symbol_size(jit.last_object(), name):x} {name}\n")


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
