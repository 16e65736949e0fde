"""ELF loading and the initial process stack, placed as qemu-user 7.2 places them.

The guest sees qemu-user's address-space layout (addresses printed by a program, its
/proc/self/maps): ET_EXEC programs at their own addresses, ET_DYN ones (static-pie, PIE) at the
start of the mmap area (Arch.mmap_base, qemu's TASK_UNMAPPED_BASE), with 32 MiB kept free
after the program while the rest is placed (the room of its brk heap); then the stack (8 MiB
and a guard page), the interpreter (ld.so) of a PT_INTERP program, and the signal trampoline
page, each the next range of the mmap area (GuestMemory.find_free: qemu's bottom-up
mmap_find_vma); the program starts at the interpreter's entry and AT_BASE tells ld.so where
it is. The interpreter's path is looked up in the sysroot (`-L`) first, as qemu-user does;
without one, under the guest ISA's Debian cross sysroot (`Arch.sysroot`), which then becomes
the sysroot of the whole run.

Segments are mapped as Linux maps them: whole file pages from page_floor(p_offset) (file
mappings that remember the file: see GuestMemory.map_file), so the bytes after p_filesz in the
last file page are the file's, unless p_memsz > p_filesz: then the rest of that page is zeroed
and further bss pages are anonymous. PT_TLS is left to the guest's libc; brk starts at the page
after the program's highest segment; the stack holds the strings, argc, argv, envp and the
auxiliary vector as qemu's create_elf_tables lays them out.

The ELF header and program headers are read with `struct` (as the kernel's binfmt_elf does:
sections play no part in loading). pyelftools would cost ~25 ms of imports on every run; it
stays the cross-check oracle in the tests.
"""

from __future__ import annotations

import importlib
import os
import struct
from collections import namedtuple

from .arch import MACHINE_NAMES, Arch, arch_for_machine
from .memory import (PAGE_MASK, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, STACK, FileRef,
                     GuestMemory, MemError, page_ceil, page_floor)

STACK_SIZE = 8 << 20            # as qemu-user's default and Linux's RLIMIT_STACK
STACK_MIN = 32 * PAGE_SIZE      # qemu-user's STACK_LOWER_LIMIT
BRK_RESERVE = 32 << 20          # kept free after the program while the rest is placed (qemu)

PF_X, PF_W, PF_R = 1, 2, 4
PT_LOAD, PT_INTERP, PT_PHDR, PT_GNU_STACK = 1, 3, 6, 0x6474E551
ET_EXEC, ET_DYN = 2, 3
ET_NAMES = {0: "ET_NONE", 1: "ET_REL", ET_EXEC: "ET_EXEC", ET_DYN: "ET_DYN", 4: "ET_CORE"}
_PHDR = struct.Struct("<IIQQQQQQ")   # p_type p_flags p_offset p_vaddr p_paddr p_filesz p_memsz p_align

AT_NULL, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY = 0, 3, 4, 5, 6, 7, 8, 9
AT_UID, AT_EUID, AT_GID, AT_EGID, AT_PLATFORM, AT_HWCAP, AT_CLKTCK = 11, 12, 13, 14, 15, 16, 17
AT_HWCAP2 = 26
AT_SECURE, AT_RANDOM, AT_EXECFN = 23, 25, 31


class LoadError(Exception):
    """The program cannot be loaded; the message is one line for the user."""


Segment = namedtuple("Segment", "p_type p_flags p_offset p_vaddr p_filesz p_memsz")
Segment.__doc__ = "One program header (the fields loading needs)."


class Program:
    """A loaded program: what the runtime and the syscall layer need to know of it."""
    __slots__ = ("path", "arch", "entry", "start_pc", "sp", "bias", "phdr", "phnum", "segments",
                 "exec_stack", "interp", "interp_bias", "sysroot", "auxv", "trampoline")

    def __init__(self, path: str, arch: Arch, entry: int, start_pc: int = 0, bias: int = 0,
                 phdr: int = 0, phnum: int = 0, segments: list = (), exec_stack: bool = False,
                 sysroot: str | None = None):
        self.path = path
        self.arch = arch
        self.entry = entry              # the program's entry point (AT_ENTRY)
        self.start_pc = start_pc        # where the guest starts: the interpreter's entry, or entry
        self.sp = 0
        self.bias = bias
        self.phdr = phdr
        self.phnum = phnum
        self.segments = list(segments)  # the program's (start, end, prot)
        self.exec_stack = exec_stack
        self.interp: str | None = None  # host path of the interpreter (PT_INTERP), if any
        self.interp_bias = 0            # where it was loaded (AT_BASE)
        self.sysroot = sysroot          # the sysroot of the run (-L, or the default one)
        self.auxv = (0, 0)              # guest address and size of the auxiliary vector
        self.trampoline = 0             # the signal trampoline page (rt_sigreturn code)


_Image = namedtuple("_Image", "bias entry phdr phnum end segments exec_stack interp")
_Image.__doc__ = """An ELF file mapped into guest memory: load bias, entry (with the bias), guest
address of the program headers, their number, end of the highest segment, the segments
(start, end, prot), whether the stack is executable, PT_INTERP's path (or None)."""


def read_header(path: str, program: bool = True) -> tuple[Arch, bytes]:
    """Check that `path` is an ELF file we can run (a `program`: executable, as execve wants);
    return its Arch and its bytes."""
    try:
        with open(path, "rb") as f:
            if program and not os.fstat(f.fileno()).st_mode & 0o111:
                raise LoadError("Permission denied (not executable)")   # as execve and qemu
            data = f.read()
    except IsADirectoryError:
        raise LoadError("is a directory") from None
    except OSError as exc:
        raise LoadError(exc.strerror or str(exc)) from None
    if len(data) < 4 or data[:4] != b"\x7fELF":
        raise LoadError("not an ELF file")
    if len(data) < 64:
        raise LoadError("truncated ELF header")
    if data[4] != 2:
        raise LoadError("32-bit ELF programs are not supported yet" if data[4] == 1
                        else "invalid ELF class")
    if data[5] != 1:
        raise LoadError("big-endian ELF programs are not supported")
    machine = struct.unpack_from("<H", data, 18)[0]
    arch = arch_for_machine(machine)
    if arch is None:
        name = MACHINE_NAMES.get(machine, f"machine {machine}")
        raise LoadError(f"unsupported architecture {name}")
    phoff = struct.unpack_from("<Q", data, 32)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    if phnum and phentsize != 56:
        raise LoadError(f"corrupt ELF file (program header size {phentsize})")
    if phoff + phnum * phentsize > len(data):
        raise LoadError("truncated ELF file (program headers past the end of the file)")
    return arch, data


def _program_headers(data: bytes) -> list[Segment]:
    """The program headers (read_header checked that they lie inside the file)."""
    phoff = struct.unpack_from("<Q", data, 32)[0]
    phnum = struct.unpack_from("<H", data, 56)[0]
    segments = []
    for i in range(phnum):
        p_type, p_flags, p_offset, p_vaddr, _, p_filesz, p_memsz, _ = \
            _PHDR.unpack_from(data, phoff + i * _PHDR.size)
        segments.append(Segment(p_type, p_flags, p_offset, p_vaddr, p_filesz, p_memsz))
    return segments


PT_DYNAMIC = 2
DT_NULL, DT_NEEDED, DT_STRTAB, DT_RPATH, DT_RUNPATH = 0, 1, 5, 15, 29
_DYN = struct.Struct("<qQ")


def dynamic_links(path: str) -> tuple[str | None, list[str], list[str]]:
    """What a file links to, as ld.so reads it: PT_INTERP's path, DT_NEEDED names and the
    DT_RUNPATH/DT_RPATH folders (LoadError if it is not an ELF file of ours, or these are
    corrupt). Read from the program headers only: the static mode asks this of every file of a
    program on every run, where parsing sections (pyelftools) would cost 35 ms."""
    _arch, data = read_header(path, program=False)
    segments = _program_headers(data)
    interp = _interp_path(segments, data)
    dynamic = [s for s in segments if s.p_type == PT_DYNAMIC]
    if not dynamic:
        return (os.fsdecode(interp) if interp else None), [], []
    seg = dynamic[0]
    end = min(seg.p_offset + seg.p_filesz, len(data))
    tags: list[tuple[int, int]] = []
    for at in range(seg.p_offset, end - _DYN.size + 1, _DYN.size):
        tag, value = _DYN.unpack_from(data, at)
        if tag == DT_NULL:
            break
        tags.append((tag, value))
    strtab = next((value for tag, value in tags if tag == DT_STRTAB), None)
    loads = [s for s in segments if s.p_type == PT_LOAD]
    base = next((s.p_offset + strtab - s.p_vaddr for s in loads
                 if strtab is not None and s.p_vaddr <= strtab < s.p_vaddr + s.p_filesz), None)

    def string(offset: int) -> str:
        start = -1 if base is None else base + offset
        stop = data.find(b"\0", start) if 0 <= start < len(data) else -1
        if stop < 0:
            raise LoadError("corrupt ELF file (bad dynamic string table)")
        return os.fsdecode(data[start:stop])
    needed = [string(value) for tag, value in tags if tag == DT_NEEDED]
    runpath = [folder for tag, value in tags if tag in (DT_RUNPATH, DT_RPATH)
               for folder in string(value).split(":") if folder]
    return (os.fsdecode(interp) if interp else None), needed, runpath


def load(path: str, memory: GuestMemory, argv: list[bytes], envp: list[bytes],
         execfn: bytes | None = None, sysroot: str | None = None,
         stack_size: int = STACK_SIZE) -> Program:
    """Load the program at `path` (and its interpreter) and build the initial stack
    (`stack_size` bytes: qemu-user's -s)."""
    arch, data = read_header(path)
    memory.start_mmap_area(arch.mmap_base)
    image = _map_image(path, data, memory, BRK_RESERVE)
    prog = Program(path=path, arch=arch, entry=image.entry, start_pc=image.entry,
                   bias=image.bias, phdr=image.phdr, phnum=image.phnum,
                   segments=image.segments, exec_stack=image.exec_stack, sysroot=sysroot)
    stack_top = _map_stack(memory, prog.exec_stack, max(page_ceil(stack_size), STACK_MIN))
    if image.interp is not None:
        prog.interp, prog.sysroot = find_interpreter(image.interp.decode(errors="surrogateescape"),
                                                     sysroot, arch)
        interp = _load_interpreter(prog.interp, arch, memory)
        prog.interp_bias, prog.start_pc = interp.bias, interp.entry
    prog.trampoline = map_trampoline(memory, importlib.import_module(
        arch.signal_frames).SIGRETURN_CODE if arch.signal_frames else b"")
    brk = page_ceil(image.end)
    memory.unmap(brk, page_ceil(image.end + BRK_RESERVE) - brk)      # the reserve is the heap's
    memory.brk_start = memory.brk_end = memory.brk_page = brk
    _setup_stack(prog, memory, stack_top, argv, envp, execfn or path.encode())
    return prog


def map_elf(path: str, memory: GuestMemory, arch: Arch) -> tuple[int, int]:
    """Map an ELF file of `arch` into `memory` as the loader maps a program (position-
    independent ones at the start of the mmap area); (load bias, entry). For static
    translation, which works on the file's code as it would be mapped."""
    file_arch, data = read_header(path, program=False)
    if file_arch is not arch:
        raise LoadError(f"it is for {file_arch.name}, not {arch.name}")
    memory.start_mmap_area(arch.mmap_base)
    image = _map_image(path, data, memory, BRK_RESERVE)
    return image.bias, image.entry


def find_interpreter(interp: str, sysroot: str | None, arch: Arch) -> tuple[str, str | None]:
    """(host path of the interpreter, sysroot of the run). With a sysroot, qemu-user's rule:
    the sysroot's file if it exists, else the host's. Without, the ISA's Debian cross sysroot
    if it has the file (it becomes the sysroot), else the host's file."""
    candidates = [(sysroot, sysroot)] if sysroot else []
    if not sysroot and arch.sysroot:
        candidates.append((arch.sysroot, arch.sysroot))
    for root, run_root in candidates:
        if os.access(root.rstrip("/") + interp, os.F_OK):
            return root.rstrip("/") + interp, run_root
    if os.access(interp, os.F_OK):
        return interp, sysroot
    where = " or ".join(f"under {root}" for root, _ in candidates) or "on the host"
    if candidates:
        where += " or on the host"
    raise LoadError(f"interpreter {interp} not found ({where}): give the guest's root "
                    "directory with -L DIR or QEMU_LD_PREFIX")


def _load_interpreter(path: str, arch: Arch, memory: GuestMemory) -> _Image:
    try:
        interp_arch, data = read_header(path)
        if interp_arch is not arch:
            raise LoadError(f"it is for {interp_arch.name}, not {arch.name}")
        image = _map_image(path, data, memory, 0)
    except LoadError as exc:
        raise LoadError(f"interpreter {path}: {exc}") from None
    if image.interp is not None:
        raise LoadError(f"interpreter {path}: it has an interpreter itself")
    return image


def _map_image(path: str, data: bytes, memory: GuestMemory, reserve: int) -> _Image:
    """Map an ELF file's segments as qemu-user's load_elf_image does: the whole span of its
    segments, and `reserve` bytes after it (room for the brk), is first taken with PROT_NONE
    pages (so gaps between segments stay PROT_NONE mappings), ET_EXEC at its own addresses,
    ET_DYN where the mmap area has room; then each PT_LOAD is mapped over it."""
    etype, = struct.unpack_from("<H", data, 16)
    entry, phoff = struct.unpack_from("<QQ", data, 24)
    if etype not in (ET_EXEC, ET_DYN):
        raise LoadError(f"not an executable ({ET_NAMES.get(etype, etype)})")
    segments = _program_headers(data)
    loads = [s for s in segments if s.p_type == PT_LOAD]
    if not loads:
        raise LoadError("no loadable segments")
    _check_segments(loads, len(data))
    low = page_floor(min(s.p_vaddr - s.p_offset for s in loads) & ((1 << 64) - 1))
    span = page_ceil(max(s.p_vaddr + s.p_memsz for s in loads) + reserve) - low
    if not 0 < span <= memory.size:
        raise LoadError("its segments do not fit in the guest address space")
    if etype == ET_EXEC:
        start = low
        if not memory.in_window(start, span):
            raise LoadError(f"segment at {start:#x} is outside the guest address space")
    else:
        try:
            start = memory.find_free(span, low or None)
        except MemError:
            raise LoadError("no room for it in the guest address space") from None
    bias = start - low
    memory.map_anonymous(start, span, 0)
    placed = _map_segments(path, loads, bias, memory)
    gnu_stack = [s for s in segments if s.p_type == PT_GNU_STACK]
    return _Image(bias=bias, entry=entry + bias, phdr=_phdr_address(segments, phoff, bias),
                  phnum=len(segments), end=max(end for _, end, _ in placed), segments=placed,
                  exec_stack=bool(gnu_stack and gnu_stack[0].p_flags & PF_X),
                  interp=_interp_path(segments, data))


def _interp_path(segments: list[Segment], data: bytes) -> bytes | None:
    for seg in segments:
        if seg.p_type == PT_INTERP:
            raw = data[seg.p_offset:seg.p_offset + seg.p_filesz]
            if len(raw) < 2 or len(raw) > 4096 or raw[-1] != 0 or b"\0" in raw[:-1]:
                raise LoadError("corrupt ELF file (bad PT_INTERP)")
            return raw[:-1]
    return None


def _check_segments(loads: list[Segment], file_size: int) -> None:
    for seg in loads:
        if seg.p_filesz > seg.p_memsz or seg.p_offset + seg.p_filesz > file_size:
            raise LoadError("corrupt ELF file (segment outside the file)")
        if seg.p_filesz and (seg.p_offset - seg.p_vaddr) & PAGE_MASK:
            raise LoadError("corrupt ELF file (segment offset and address differ modulo "
                            "the page size)")


def _map_segments(path: str, loads: list[Segment], bias: int,
                  memory: GuestMemory) -> list[tuple[int, int, int]]:
    """Map each PT_LOAD as Linux's elf_load does; a later segment replaces the pages it
    shares with an earlier one (all of them lie in the span _map_image reserved). Returns
    (start, end, prot) of each segment."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        file = FileRef.of(os.fsencode(os.path.realpath(path)), os.fstat(fd))
        placed = []
        for seg in loads:
            start, prot = seg.p_vaddr + bias, _prot(seg.p_flags)
            _map_segment(memory, seg, start, prot, fd, file)
            placed.append((start, start + seg.p_memsz, prot))
        return placed
    finally:
        os.close(fd)


def _map_segment(memory: GuestMemory, seg: Segment, start: int, prot: int, fd: int,
                 file: FileRef) -> None:
    page, file_end = page_floor(start), start + seg.p_filesz
    if seg.p_filesz:
        memory.map_file(page, page_ceil(file_end) - page, prot, fd,
                        seg.p_offset - (start - page), file)
    if seg.p_memsz <= seg.p_filesz:
        return
    anon_start = page_ceil(file_end) if seg.p_filesz else page
    if seg.p_filesz and file_end < anon_start:          # the rest of the last file page
        memory.write(file_end, bytes(anon_start - file_end), force=True)
        memory.mark_written(file_end, anon_start - file_end)
    anon_end = page_ceil(start + seg.p_memsz)
    if anon_end > anon_start:
        memory.map_anonymous(anon_start, anon_end - anon_start, prot)


def _prot(flags: int) -> int:
    return ((PROT_READ if flags & PF_R else 0) | (PROT_WRITE if flags & PF_W else 0)
            | (PROT_EXEC if flags & PF_X else 0))


def _phdr_address(segments: list[Segment], phoff: int, bias: int) -> int:
    for seg in segments:
        if seg.p_type == PT_PHDR:
            return seg.p_vaddr + bias
    for seg in segments:
        if seg.p_type == PT_LOAD and seg.p_offset <= phoff < seg.p_offset + seg.p_filesz:
            return seg.p_vaddr + (phoff - seg.p_offset) + bias
    return 0


def _map_stack(memory: GuestMemory, exec_stack: bool, size: int = STACK_SIZE) -> int:
    """Map the stack as qemu-user's setup_arg_pages does: the next range of the mmap area,
    its lowest page a PROT_NONE guard. Returns the stack's top (the last word: qemu's)."""
    guard = PAGE_SIZE
    prot = PROT_READ | PROT_WRITE | (PROT_EXEC if exec_stack else 0)
    bottom = memory.find_free(size + guard)
    memory.map_anonymous(bottom, guard, 0)
    memory.map_anonymous(bottom + guard, size, prot, kind=STACK)
    return bottom + guard + size - 8


def map_trampoline(memory: GuestMemory, code: bytes) -> int:
    """qemu-user's signal trampoline page (the return address of guest signal handlers):
    the next page of the mmap area, read+execute, holding the ISA's rt_sigreturn `code`."""
    page = memory.find_free(PAGE_SIZE)
    memory.map_anonymous(page, PAGE_SIZE, PROT_READ | PROT_EXEC)
    memory.write(page, code, force=True)
    return page


def _setup_stack(prog: Program, memory: GuestMemory, top: int, argv: list[bytes],
                 envp: list[bytes], execfn: bytes) -> None:
    sp = top

    def push_bytes(blob: bytes) -> int:
        nonlocal sp
        sp -= len(blob)
        memory.write(sp, blob)
        return sp

    # qemu-user's copy_elf_strings and create_elf_tables: the strings packed below the top
    # (the file name, then envp's and argv's, last first), AT_PLATFORM's string in a
    # multiple of 8 bytes, 16-byte alignment, AT_RANDOM's bytes, then the tables
    execfn_addr = push_bytes(execfn + b"\0")
    env_addrs = [push_bytes(s + b"\0") for s in reversed(envp)][::-1]
    arg_addrs = [push_bytes(s + b"\0") for s in reversed(argv)][::-1]
    platform = prog.arch.platform.encode()
    platform_addr = 0
    if platform:
        sp -= (len(platform) + 8) & ~7
        memory.write(sp, platform + b"\0")
        platform_addr = sp
    sp &= ~15
    random_addr = push_bytes(os.urandom(16))
    auxv = _auxv(prog, random_addr, execfn_addr, platform_addr)
    words = [len(argv), *arg_addrs, 0, *env_addrs, 0]
    for key, value in auxv:
        words += [key, value]
    sp = (sp - 8 * len(words)) & ~15
    memory.write(sp, struct.pack(f"<{len(words)}Q", *words))
    prog.sp = sp
    prog.auxv = (sp + 8 * (len(words) - 2 * len(auxv)), 16 * len(auxv))


def _auxv(prog: Program, random_addr: int, execfn_addr: int,
          platform_addr: int) -> list[tuple[int, int]]:
    # qemu-user's order (its elfload.c create_elf_tables; AT_HWCAP2 and AT_PLATFORM only where
    # the architecture defines them)
    platform = [(AT_PLATFORM, platform_addr)] if platform_addr else []
    hwcap2 = [(AT_HWCAP2, prog.arch.hwcap2)] if prog.arch.hwcap2 is not None else []
    return [
        (AT_PHDR, prog.phdr), (AT_PHENT, 56), (AT_PHNUM, prog.phnum),
        (AT_PAGESZ, PAGE_SIZE), (AT_BASE, prog.interp_bias), (AT_FLAGS, 0), (AT_ENTRY, prog.entry),
        (AT_UID, os.getuid()), (AT_EUID, os.geteuid()), (AT_GID, os.getgid()),
        (AT_EGID, os.getegid()), (AT_HWCAP, prog.arch.hwcap),
        (AT_CLKTCK, os.sysconf("SC_CLK_TCK")), (AT_RANDOM, random_addr), (AT_SECURE, 0),
        (AT_EXECFN, execfn_addr), *hwcap2, *platform, (AT_NULL, 0),
    ]
