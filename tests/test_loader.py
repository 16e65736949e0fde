"""The ELF loader: segments, permissions, brk, and the initial stack as Linux builds it."""

from __future__ import annotations

import importlib.util
import os
import struct
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from dbt import loader
from dbt.memory import PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, GuestMemory, page_ceil

HELLO = Path(__file__).resolve().parent.parent / "examples" / "hello-rv64"
# RV64IMAFDC in AT_HWCAP: one bit per extension letter, bit = letter - 'a' (Linux
# arch/riscv/kernel/cpufeature.c): i=8 m=12 a=0 f=5 d=3 c=2.
RV64IMAFDC_HWCAP = (1 << 8) | (1 << 12) | (1 << 0) | (1 << 5) | (1 << 3) | (1 << 2)


@pytest.fixture
def loaded():
    memory = GuestMemory()
    prog = loader.load(str(HELLO), memory, [b"prog", b"arg one"], [b"A=1", b"EMPTY="],
                       execfn=b"/some/path/prog")
    yield memory, prog
    memory.close()


def _words(memory, addr, n):
    return struct.unpack(f"<{n}Q", memory.read(addr, 8 * n))


def _parse_stack(memory, sp):
    argc, = _words(memory, sp, 1)
    argv = list(_words(memory, sp + 8, argc + 1))
    at = sp + 8 * (argc + 2)
    envp = []
    while True:
        p, = _words(memory, at, 1)
        at += 8
        if p == 0:
            break
        envp.append(p)
    auxv = []
    while True:
        key, value = _words(memory, at, 2)
        at += 16
        auxv.append((key, value))
        if key == loader.AT_NULL:
            return argc, argv, envp, auxv


def test_initial_stack_layout(loaded):
    memory, prog = loaded
    assert prog.sp % 16 == 0
    argc, argv, envp, auxv = _parse_stack(memory, prog.sp)
    assert argc == 2 and argv[-1] == 0
    assert [memory.read_cstring(p) for p in argv[:-1]] == [b"prog", b"arg one"]
    assert [memory.read_cstring(p) for p in envp] == [b"A=1", b"EMPTY="]
    keys = [k for k, _ in auxv]
    # qemu-riscv64 7.2's order (tests/programs/proc_self.c prints the keys of /proc/self/auxv)
    assert keys == [loader.AT_PHDR, loader.AT_PHENT, loader.AT_PHNUM, loader.AT_PAGESZ,
                    loader.AT_BASE, loader.AT_FLAGS, loader.AT_ENTRY, loader.AT_UID,
                    loader.AT_EUID, loader.AT_GID, loader.AT_EGID, loader.AT_HWCAP,
                    loader.AT_CLKTCK, loader.AT_RANDOM, loader.AT_SECURE, loader.AT_EXECFN,
                    loader.AT_NULL]


def test_auxv_values(loaded):
    memory, prog = loaded
    aux = dict(_parse_stack(memory, prog.sp)[3])
    data = HELLO.read_bytes()
    elf = ELFFile(open(HELLO, "rb"))
    phoff, phnum = elf["e_phoff"], elf["e_phnum"]
    assert memory.read(aux[loader.AT_PHDR], 56 * phnum) == data[phoff:phoff + 56 * phnum]
    assert aux[loader.AT_PHENT] == 56 and aux[loader.AT_PHNUM] == phnum
    assert aux[loader.AT_PAGESZ] == 4096 and aux[loader.AT_BASE] == 0
    assert aux[loader.AT_ENTRY] == elf["e_entry"] == prog.entry
    assert aux[loader.AT_UID] == os.getuid() and aux[loader.AT_EGID] == os.getegid()
    assert aux[loader.AT_SECURE] == 0
    assert aux[loader.AT_HWCAP] == RV64IMAFDC_HWCAP == 0x112D
    assert aux[loader.AT_CLKTCK] == os.sysconf("SC_CLK_TCK")
    assert len(memory.read(aux[loader.AT_RANDOM], 16)) == 16
    assert memory.read_cstring(aux[loader.AT_EXECFN]) == b"/some/path/prog"


def test_segments_permissions_bss_and_brk(loaded):
    memory, prog = loaded
    elf = ELFFile(open(HELLO, "rb"))
    loads = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
    for seg in loads:
        want = ((PROT_READ if seg["p_flags"] & 4 else 0) | (PROT_WRITE if seg["p_flags"] & 2 else 0)
                | (PROT_EXEC if seg["p_flags"] & 1 else 0))
        assert memory.page_prot(seg["p_vaddr"]) == want
        assert memory.read(seg["p_vaddr"], seg["p_filesz"]) == seg.data()
        tail = seg["p_memsz"] - seg["p_filesz"]
        if tail:
            assert memory.read(seg["p_vaddr"] + seg["p_filesz"], tail) == bytes(tail)
    end = max(s["p_vaddr"] + s["p_memsz"] for s in loads)
    assert memory.brk_start == memory.brk_end == page_ceil(end)
    assert memory.is_free(memory.brk_start, PAGE_SIZE)


def test_stack_is_mapped_rw_not_executable(loaded):
    memory, prog = loaded
    assert memory.page_prot(prog.sp) == PROT_READ | PROT_WRITE
    assert memory.mmap_top < prog.sp - loader.STACK_SIZE


def test_static_pie_is_loaded_at_its_bias(tmp_path):
    # Turn the sample into an ET_DYN image: every address in it is absolute, so only the
    # loader's view changes, which is all this test looks at.
    data = bytearray(HELLO.read_bytes())
    struct.pack_into("<H", data, 16, loader.ET_DYN)
    path = tmp_path / "pie"
    path.write_bytes(data)
    path.chmod(0o755)
    memory = GuestMemory()
    try:
        prog = loader.load(str(path), memory, [b"pie"], [])
        entry = struct.unpack_from("<Q", data, 24)[0]
        # as Linux: the lowest segment's page lands at the base (ELF_ET_DYN_BASE there)
        low = min(s.p_vaddr for s in loader._program_headers(bytes(data)) if s.p_type == 1)
        assert prog.bias == loader.DYN_BASE - (low & ~0xFFF)
        assert prog.entry == prog.start_pc == entry + prog.bias
        aux = dict(_parse_stack(memory, prog.sp)[3])
        assert aux[loader.AT_ENTRY] == prog.entry
        assert memory.page_prot(prog.entry) & PROT_EXEC
    finally:
        memory.close()


def _programs_build():
    """tests/programs/build.py (its toolchains and build cache), loaded as a module."""
    modname = "_dbt_test_programs_build"
    if modname not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            modname, Path(__file__).resolve().parent / "programs" / "build.py")
        sys.modules[modname] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[modname])
    return sys.modules[modname]


BUILD = _programs_build()
#: the sample, and test programs of every libc variant (static, static-pie; musl, glibc)
HEADER_PROGRAMS = [("hello-rv64", None)] + [
    (name, libc) for libc in BUILD.LIBCS
    for name in ("printf_float", "int128", "setjmp_longjmp", "smc")]


@pytest.mark.parametrize("name, libc", HEADER_PROGRAMS,
                         ids=[f"{n}.{c}" if c else n for n, c in HEADER_PROGRAMS])
def test_program_headers_match_pyelftools(name, libc):
    # The loader reads ELF headers with struct; pyelftools is the oracle.
    if libc is None:
        path = HELLO
    else:
        reason = BUILD.missing_reason(libc)
        if reason:
            pytest.skip(f"no {libc} toolchain: {reason}")
        path = BUILD.build(name, libc)
    data = path.read_bytes()
    elf = ELFFile(open(path, "rb"))
    want = [(seg.header.p_type, seg["p_flags"], seg["p_offset"], seg["p_vaddr"],
             seg["p_filesz"], seg["p_memsz"]) for seg in elf.iter_segments()]
    from elftools.elf.enums import ENUM_P_TYPE_BASE, ENUM_P_TYPE_RISCV
    p_types = {**ENUM_P_TYPE_BASE, **ENUM_P_TYPE_RISCV}       # name -> number
    want = [(p_types.get(w[0], w[0]), *w[1:]) for w in want]
    got = [(seg.p_type, seg.p_flags, seg.p_offset, seg.p_vaddr, seg.p_filesz, seg.p_memsz)
           for seg in loader._program_headers(data)]
    assert got == want


@pytest.mark.parametrize("etype, name", [(1, "ET_REL"), (4, "ET_CORE"), (0x1234, "4660")])
def test_non_executable_types_are_refused(tmp_path, etype, name):
    data = bytearray(HELLO.read_bytes())
    struct.pack_into("<H", data, 16, etype)
    path = tmp_path / "obj"
    path.write_bytes(data)
    path.chmod(0o755)
    memory = GuestMemory()
    try:
        with pytest.raises(loader.LoadError, match=rf"not an executable \({name}\)"):
            loader.load(str(path), memory, [b"obj"], [])
    finally:
        memory.close()
