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
from dbt.memory import (PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, STACK, GuestMemory,
                        page_ceil)

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
    # qemu-user's setup_arg_pages: the stack is the first range of the mmap area (a static
    # program's image is at its own addresses), its lowest page a PROT_NONE guard
    stack = memory.mapping_at(prog.sp)
    assert stack.kind == STACK and stack.start == (1 << 38) + PAGE_SIZE
    assert stack.end - stack.start == loader.STACK_SIZE
    assert memory.mapping_at(stack.start - PAGE_SIZE).prot == 0


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
        # as qemu-user: the lowest address of an ET_DYN image is a hint the (host) kernel
        # honours when it is free, and the sample's is 0x1000000: it stays there
        # (`qemu-riscv64 -d page` shows 0x1000000-0x3003000 taken: the image and 32 MiB)
        assert prog.bias == 0
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


# -- dynamically linked programs (PT_INTERP) --------------------------------------------------
CROSS_SYSROOT = "/usr/riscv64-linux-gnu"
INTERP = "/lib/ld-linux-riscv64-lp64d.so.1"


def _link_files():
    """ELF files with and without dynamic sections: the shipped hello, the cross sysroot's
    libraries (when installed) and a glibc-dyn test program (when it can be built)."""
    files = [HELLO]
    lib = Path(CROSS_SYSROOT) / "lib"
    files += sorted(p for p in lib.glob("*.so*") if p.is_file() and not p.is_symlink()
                    and p.read_bytes()[:4] == b"\x7fELF")[:20]
    if not BUILD.missing_reason("glibc-dyn"):
        files.append(BUILD.build("printf_int", "glibc-dyn"))
    return files


def test_dynamic_links_match_pyelftools():
    # The static mode reads PT_INTERP, DT_NEEDED and DT_RUNPATH/DT_RPATH by hand on every
    # run (dbt.loader.dynamic_links); pyelftools, through discovery's reader, is the oracle.
    from dbt.discover import read_elf
    files = _link_files()
    for path in files:
        code = read_elf(str(path))
        assert loader.dynamic_links(str(path)) == (code.interp, code.needed, code.runpath), path
    assert any(loader.dynamic_links(str(p))[1] for p in files) or len(files) == 1


def test_dynamic_links_of_a_corrupt_string_table_is_a_load_error(tmp_path):
    path = _glibc_dyn("printf_int")
    data = bytearray(path.read_bytes())
    dyn = next(s for s in loader._program_headers(bytes(data)) if s.p_type == loader.PT_DYNAMIC)
    for at in range(dyn.p_offset, dyn.p_offset + dyn.p_filesz, 16):
        tag, _ = struct.unpack_from("<qQ", data, at)
        if tag == loader.DT_STRTAB:
            struct.pack_into("<Q", data, at + 8, 1 << 60)       # outside every segment
    bad = tmp_path / "bad"
    bad.write_bytes(data)
    with pytest.raises(loader.LoadError, match="bad dynamic string table"):
        loader.dynamic_links(str(bad))


def _glibc_dyn(name="argv_env"):
    reason = BUILD.missing_reason("glibc-dyn")
    if reason:
        pytest.skip(f"no glibc-dyn toolchain: {reason}")
    return BUILD.build(name, "glibc-dyn")


@pytest.fixture
def dynamic():
    path = _glibc_dyn()
    memory = GuestMemory()
    prog = loader.load(str(path), memory, [b"prog"], [b"A=1"])
    yield path, memory, prog
    memory.close()


def test_dynamic_program_auxv_and_interpreter(dynamic):
    path, memory, prog = dynamic
    aux = dict(_parse_stack(memory, prog.sp)[3])
    elf = ELFFile(open(path, "rb"))
    assert elf["e_type"] == "ET_DYN"
    assert [s for s in elf.iter_segments() if s["p_type"] == "PT_INTERP"][0].get_interp_name() \
        == INTERP
    # the program: at its load bias (qemu-user: the lowest segment at TASK_UNMAPPED_BASE)
    assert prog.bias == 1 << 38
    phdr = [s for s in elf.iter_segments() if s["p_type"] == "PT_PHDR"][0]
    assert aux[loader.AT_PHDR] == prog.bias + phdr["p_vaddr"]
    raw = path.read_bytes()
    size = elf["e_phnum"] * elf["e_phentsize"]
    assert memory.read(aux[loader.AT_PHDR], size) == raw[elf["e_phoff"]:elf["e_phoff"] + size]
    assert aux[loader.AT_PHNUM] == elf["e_phnum"] and aux[loader.AT_PHENT] == 56
    assert aux[loader.AT_ENTRY] == prog.entry == prog.bias + elf["e_entry"]
    # the interpreter: found in the Debian cross sysroot, which becomes the run's sysroot
    assert prog.sysroot == CROSS_SYSROOT and prog.interp == CROSS_SYSROOT + INTERP
    ld = ELFFile(open(prog.interp, "rb"))
    base = aux[loader.AT_BASE]
    assert base == prog.interp_bias and base % PAGE_SIZE == 0 and base != 0
    # what ld.so needs: its own ELF header and program headers at AT_BASE (it finds its
    # dynamic section through them), its code executable, and the guest starts at its entry
    header = open(prog.interp, "rb").read(ld["e_phoff"] + ld["e_phnum"] * 56)
    assert memory.read(base, len(header)) == header
    assert prog.start_pc == base + ld["e_entry"] and memory.page_prot(prog.start_pc) & PROT_EXEC
    dyn = [s for s in ld.iter_segments() if s["p_type"] == "PT_DYNAMIC"][0]
    assert memory.read(base + dyn["p_vaddr"], dyn["p_filesz"]) == dyn.data()
    # placed as qemu-user places it: the program, 32 MiB for its heap, the stack, then it
    assert memory.brk_start < prog.sp < base
    assert memory.mapping_at(base).file.path == os.fsencode(os.path.realpath(prog.interp))


def test_segments_are_mapped_like_linux():
    """Whole file pages from page_floor(p_offset): the bytes after p_filesz in the last file
    page are the file's, unless p_memsz > p_filesz (then zero); further bss pages are
    anonymous; every file page remembers its file and offset."""
    checked_bss = False
    for name, libc in [("printf_int", "glibc-dyn"), ("printf_int", "glibc"),
                       ("printf_int", "musl"), ("printf_int", "musl-pie")]:
        if BUILD.missing_reason(libc):
            continue
        path = BUILD.build(name, libc)
        raw, info = path.read_bytes(), os.stat(path)
        memory = GuestMemory()
        try:
            prog = loader.load(str(path), memory, [b"p"], [])
            for seg in loader._program_headers(raw):
                if seg.p_type != loader.PT_LOAD:
                    continue
                checked_bss |= _check_segment(memory, prog.bias, seg, raw, info)
        finally:
            memory.close()
    assert checked_bss, "no program with a bss tail in the last file page was checked"


def _check_segment(memory, bias, seg, raw, info) -> bool:
    start = seg.p_vaddr + bias
    page, file_end = start & ~0xFFF, start + seg.p_filesz
    last = page_ceil(file_end)
    want = bytearray(raw[seg.p_offset - (start - page):seg.p_offset - (start - page) + last - page])
    want += bytes(last - page - len(want))
    if seg.p_memsz > seg.p_filesz:
        want[file_end - page:] = bytes(last - file_end)
    prot = memory.page_prot(page)
    mapped = memory.mapping_at(page)
    assert mapped.file.ino == info.st_ino and mapped.file.dev == info.st_dev
    assert mapped.offset == seg.p_offset - (start - page)
    if prot & PROT_READ:
        assert memory.read(page, last - page) == bytes(want)
    bss = page_ceil(start + seg.p_memsz)
    if bss > last:
        assert memory.mapping_at(last).file is None
        assert memory.read(last, bss - last) == bytes(bss - last)
    if seg.p_memsz > seg.p_filesz and file_end < last:
        assert memory.mapping_at(file_end).written      # the loader zeroed part of it
        return True
    return False


def _patched_interp(tmp_path, new: bytes):
    """A copy of a glibc-dyn program whose PT_INTERP names `new` (same length)."""
    raw = bytearray(_glibc_dyn().read_bytes())
    at = raw.index(INTERP.encode() + b"\0")
    assert len(new) == len(INTERP)
    raw[at:at + len(new)] = new
    path = tmp_path / "prog"
    path.write_bytes(raw)
    path.chmod(0o755)
    return path


def _cli(*args, env=None, cwd=None):
    import subprocess
    full_env = {k: v for k, v in os.environ.items() if k != "QEMU_LD_PREFIX"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "dbt", "run", "--mode", "interp", *args],
                          capture_output=True, env=full_env, cwd=cwd, timeout=300)


def test_missing_interpreter_is_one_error_line(tmp_path):
    path = _patched_interp(tmp_path, b"/nonexistent/ld-riscv64.so.1xxxx")
    result = _cli(str(path))
    assert result.returncode == 1 and result.stdout == b""
    assert result.stderr == (
        f"dbt-vm: error: {path}: interpreter /nonexistent/ld-riscv64.so.1xxxx not found "
        f"(under {CROSS_SYSROOT} or on the host): give the guest's root directory with "
        "-L DIR or QEMU_LD_PREFIX\n").encode()
    result = _cli("-L", str(tmp_path), str(path))
    assert result.returncode == 1
    assert f"not found (under {tmp_path} or on the host)".encode() in result.stderr
    assert result.stderr.count(b"\n") == 1


def _private_root(tmp_path):
    """A sysroot that only QEMU_LD_PREFIX or -L can give: ld.so under /qlb (the program
    asks for it there), the libraries under /lib (links to the cross sysroot's)."""
    if not os.path.isdir(CROSS_SYSROOT + "/lib"):
        pytest.skip(f"{CROSS_SYSROOT} is not installed")
    root = tmp_path / "root"
    (root / "qlb").mkdir(parents=True)
    (root / "lib").symlink_to(CROSS_SYSROOT + "/lib")
    (root / "qlb" / "ld-linux-riscv64-lp64d.so.1").symlink_to(CROSS_SYSROOT + INTERP)
    return root, _patched_interp(tmp_path, b"/qlb/ld-linux-riscv64-lp64d.so.1")


def test_qemu_ld_prefix_and_minus_l(tmp_path):
    root, prog = _private_root(tmp_path)
    want = b"argc 2\nargv[0] basename 'prog'\n"
    ok = _cli(str(prog), "x", env={"QEMU_LD_PREFIX": str(root)})
    assert ok.returncode == 0 and ok.stdout.startswith(want), ok.stderr
    # -L wins over QEMU_LD_PREFIX, as in qemu-user
    assert _cli("-L", str(root), str(prog), "x",
                env={"QEMU_LD_PREFIX": "/nonexistent"}).stdout.startswith(want)
    wrong = _cli(str(prog), "x", env={"QEMU_LD_PREFIX": "/nonexistent"})
    assert wrong.returncode == 1 and b"under /nonexistent or on the host" in wrong.stderr
    # a relative sysroot is taken from the current directory
    assert _cli("-L", "root", str(prog), "x", cwd=tmp_path).stdout.startswith(want)


SYSROOT_PROBE = r'''
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define R(name, expr) do { errno = 0; long r_ = (long)(expr); \
    printf("%-26s %ld %s\n", name, r_, r_ < 0 ? strerror(errno) : ""); } while (0)
int main(int argc, char **argv) {
    struct stat st; char buf[256]; struct statx sx;
    R("open /probe/f", open("/probe/f", O_RDONLY));
    R("stat /probe/f", stat("/probe/f", &st));
    R("lstat /probe/dangling", lstat("/probe/dangling", &st));
    R("open /probe/abs", open("/probe/abs", O_RDONLY));
    R("read /probe/abs", read(4, buf, 5)); printf("  %.5s\n", buf);
    R("open /probe/rel", open("/probe/rel", O_RDONLY));
    R("access /probe/f", access("/probe/f", F_OK));
    R("readlink /probe/abs", readlink("/probe/abs", buf, sizeof buf));
    R("statx /probe/f", statx(AT_FDCWD, "/probe/f", 0, STATX_ALL, &sx));
    R("truncate /probe/t", truncate("/probe/t", 0));
    R("mkdir /probe/d", mkdir("/probe/d", 0755));
    R("unlink /probe/u", unlink("/probe/u"));
    R("chmod /probe/f", chmod("/probe/f", 0644));
    R("utimensat /probe/f", utimensat(AT_FDCWD, "/probe/f", NULL, 0));
    R("symlink x /probe/d", symlink("x", "/probe/d"));
    R("rename /probe/r", rename("/probe/r", "/probe/r2"));
    R("chdir /probe", chdir("/probe"));
    R("open /", open("/", O_RDONLY | O_DIRECTORY));
    DIR *d = opendir("/"); struct dirent *e; int probe = 0, bin = 0;
    while (d && (e = readdir(d))) { probe |= !strcmp(e->d_name, "probe");
                                    bin |= !strcmp(e->d_name, "proc"); }
    printf("readdir /: probe %d proc %d\n", probe, bin);
    R("open /probe/sub/", open("/probe/sub/", O_RDONLY));
    R("open /probe//f", open("/probe//f", O_RDONLY));
    R("open /probe/../probe/f", open("/probe/../probe/f", O_RDONLY));
    R("open host file", open(argv[1], O_RDONLY));
    R("stat host-only file", stat(argv[2], &st));
    return argc == 3 ? 0 : 1;
}
'''


@pytest.mark.oracle
def test_sysroot_rule_matches_qemu(tmp_path):
    """qemu-user's path(): which calls look in the sysroot, the host fallback, "/", a
    dangling symlink, absolute and relative symlinks, "..", "//"."""
    import shutil
    import subprocess
    if not shutil.which("qemu-riscv64") or not shutil.which("riscv64-linux-gnu-gcc"):
        pytest.skip("needs qemu-riscv64 and riscv64-linux-gnu-gcc")
    src, prog = tmp_path / "probe.c", tmp_path / "probe"
    src.write_text(SYSROOT_PROBE)
    subprocess.run(["riscv64-linux-gnu-gcc", "-static", "-O2", "-o", str(prog), str(src)],
                   check=True)
    host_only = tmp_path / "host-only"
    host_only.write_text("host\n")
    runs = []
    for runner in (["qemu-riscv64"], [sys.executable, "-m", "dbt", "run", "--mode", "interp"]):
        root = tmp_path / "root"
        shutil.rmtree(root, ignore_errors=True)
        (root / "probe" / "d").mkdir(parents=True)
        (root / "probe" / "sub").mkdir()
        for name in "ftur":
            (root / "probe" / name).write_text(name + "\n")
        (root / "probe" / "dangling").symlink_to("/nonexistent")
        (root / "probe" / "abs").symlink_to(str(src))
        (root / "probe" / "rel").symlink_to("f")
        runs.append(subprocess.run([*runner, "-L", str(root), str(prog), str(src),
                                    str(host_only)], capture_output=True, cwd=tmp_path,
                                   timeout=300))
    qemu, dbt = runs
    assert qemu.returncode == 0 and b"readdir /: probe 1 proc 0" in qemu.stdout
    assert (dbt.stdout, dbt.stderr, dbt.returncode) == (qemu.stdout, qemu.stderr, 0)
