"""ELF loading and the initial process stack, as Linux builds them.

Static programs only for now: ET_EXEC, and static-pie ET_DYN (loaded at DYN_BASE). A program
with PT_INTERP is refused with a clear message. Segments are mapped with their permissions and
zero-filled bss; PT_TLS is left to the guest's libc; brk starts at the page after the highest
segment; the stack holds argc, argv, envp and the auxiliary vector, 16-byte aligned.

The ELF header and program headers are read with `struct` (as the kernel's binfmt_elf does:
sections play no part in loading). pyelftools would cost ~25 ms of imports on every run; it
stays the cross-check oracle in the tests.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from typing import NamedTuple

from .arch import MACHINE_NAMES, Arch, arch_for_machine
from .memory import (PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, GuestMemory, page_ceil,
                     page_floor)

DYN_BASE = 0x40000000           # load address of static-pie programs
STACK_SIZE = 8 << 20            # as qemu-user's default and Linux's RLIMIT_STACK
STACK_TOP_GAP = 16 * PAGE_SIZE  # unmapped pages above the stack
MMAP_GAP = 1 << 20              # between the stack guard and the top of the mmap area

PF_X, PF_W, PF_R = 1, 2, 4
PT_LOAD, PT_INTERP, PT_PHDR, PT_GNU_STACK = 1, 3, 6, 0x6474E551
ET_EXEC, ET_DYN = 2, 3
ET_NAMES = {0: "ET_NONE", 1: "ET_REL", ET_EXEC: "ET_EXEC", ET_DYN: "ET_DYN", 4: "ET_CORE"}
_PHDR = struct.Struct("<IIQQQQQQ")   # p_type p_flags p_offset p_vaddr p_paddr p_filesz p_memsz p_align

AT_NULL, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY = 0, 3, 4, 5, 6, 7, 8, 9
AT_UID, AT_EUID, AT_GID, AT_EGID, AT_HWCAP, AT_CLKTCK = 11, 12, 13, 14, 16, 17
AT_SECURE, AT_RANDOM, AT_EXECFN = 23, 25, 31


class LoadError(Exception):
    """The program cannot be loaded; the message is one line for the user."""


class Segment(NamedTuple):
    """One program header (the fields loading needs)."""
    p_type: int
    p_flags: int
    p_offset: int
    p_vaddr: int
    p_filesz: int
    p_memsz: int


@dataclass
class Program:
    path: str
    arch: Arch
    entry: int
    sp: int = 0
    bias: int = 0
    phdr: int = 0
    phnum: int = 0
    segments: list = field(default_factory=list)   # (start, end, prot)
    exec_stack: bool = False


def read_header(path: str) -> tuple[Arch, bytes]:
    """Check that `path` is an ELF program we can run; return its Arch and its bytes."""
    try:
        with open(path, "rb") as f:
            if not os.fstat(f.fileno()).st_mode & 0o111:
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


def load(path: str, memory: GuestMemory, argv: list[bytes], envp: list[bytes],
         execfn: bytes | None = None) -> Program:
    arch, data = read_header(path)
    etype, = struct.unpack_from("<H", data, 16)
    entry, phoff = struct.unpack_from("<QQ", data, 24)
    phnum, = struct.unpack_from("<H", data, 56)
    segments = _program_headers(data)
    if etype not in (ET_EXEC, ET_DYN):
        raise LoadError(f"not an executable ({ET_NAMES.get(etype, etype)})")
    if any(seg.p_type == PT_INTERP for seg in segments):
        raise LoadError("dynamically linked programs are not supported yet "
                        "(link it with -static)")
    bias = DYN_BASE if etype == ET_DYN else 0
    prog = Program(path=path, arch=arch, entry=entry + bias, bias=bias, phnum=phnum)
    _map_segments(prog, segments, data, memory)
    prog.phdr = _phdr_address(segments, phoff, bias)
    _setup_stack(prog, memory, argv, envp, execfn or path.encode())
    return prog


def _map_segments(prog: Program, segments: list[Segment], data: bytes,
                  memory: GuestMemory) -> None:
    loads = [s for s in segments if s.p_type == PT_LOAD]
    if not loads:
        raise LoadError("no loadable segments")
    page_prot: dict[int, int] = {}
    for seg in loads:
        start, memsz, filesz = seg.p_vaddr + prog.bias, seg.p_memsz, seg.p_filesz
        offset = seg.p_offset
        if filesz > memsz or offset + filesz > len(data):
            raise LoadError("corrupt ELF file (segment outside the file)")
        if not memory.in_window(page_floor(start), page_ceil(start + memsz) - page_floor(start)):
            raise LoadError(f"segment at {start:#x} is outside the guest address space")
        prot = _prot(seg.p_flags)
        for page in range(page_floor(start), page_ceil(start + memsz), PAGE_SIZE):
            page_prot[page] = page_prot.get(page, 0) | prot
        prog.segments.append((start, start + memsz, prot))
    for page in sorted(page_prot):
        if memory.is_free(page, PAGE_SIZE):
            memory.map_anonymous(page, PAGE_SIZE, PROT_READ | PROT_WRITE)
    for seg in loads:
        start = seg.p_vaddr + prog.bias
        memory.write(start, data[seg.p_offset:seg.p_offset + seg.p_filesz], force=True)
    for page, prot in page_prot.items():
        memory.protect(page, PAGE_SIZE, prot)
    gnu_stack = [s for s in segments if s.p_type == PT_GNU_STACK]
    prog.exec_stack = bool(gnu_stack and gnu_stack[0].p_flags & PF_X)
    memory.brk_start = memory.brk_end = page_ceil(max(end for _, end, _ in prog.segments))


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


def _setup_stack(prog: Program, memory: GuestMemory, argv: list[bytes], envp: list[bytes],
                 execfn: bytes) -> None:
    top = memory.size - STACK_TOP_GAP
    prot = PROT_READ | PROT_WRITE | (PROT_EXEC if prog.exec_stack else 0)
    memory.map_anonymous(top - STACK_SIZE, STACK_SIZE, prot)
    memory.mmap_top = top - STACK_SIZE - MMAP_GAP
    sp = top

    def push_bytes(blob: bytes) -> int:
        nonlocal sp
        sp -= len(blob)
        memory.write(sp, blob)
        return sp

    execfn_addr = push_bytes(execfn + b"\0")
    env_addrs = [push_bytes(s + b"\0") for s in reversed(envp)][::-1]
    arg_addrs = [push_bytes(s + b"\0") for s in reversed(argv)][::-1]
    sp &= ~15
    random_addr = push_bytes(os.urandom(16))
    auxv = _auxv(prog, random_addr, execfn_addr)
    words = [len(argv), *arg_addrs, 0, *env_addrs, 0]
    for key, value in auxv:
        words += [key, value]
    sp = (sp - 8 * len(words)) & ~15
    memory.write(sp, struct.pack(f"<{len(words)}Q", *words))
    prog.sp = sp


def _auxv(prog: Program, random_addr: int, execfn_addr: int) -> list[tuple[int, int]]:
    return [
        (AT_PHDR, prog.phdr), (AT_PHENT, 56), (AT_PHNUM, prog.phnum),
        (AT_PAGESZ, PAGE_SIZE), (AT_BASE, 0), (AT_FLAGS, 0), (AT_ENTRY, prog.entry),
        (AT_UID, os.getuid()), (AT_EUID, os.geteuid()), (AT_GID, os.getgid()),
        (AT_EGID, os.getegid()), (AT_SECURE, 0), (AT_RANDOM, random_addr),
        (AT_HWCAP, prog.arch.hwcap), (AT_CLKTCK, os.sysconf("SC_CLK_TCK")),
        (AT_EXECFN, execfn_addr), (AT_NULL, 0),
    ]
