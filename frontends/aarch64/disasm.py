"""AArch64 disassembly for `--trace in_asm`, one line per instruction as qemu-aarch64's
`-d in_asm` prints it.

qemu disassembles A64 through the capstone library it is linked with — Debian 12's
libcapstone.so.4 — and prints ``0x%08x:  %08x  %-8s %s``.  Capstone 4 and capstone 5 (the
Python package we depend on) choose different aliases (``movz x29, #0`` against
``mov x29, #0``), so the text is taken from that same library, through ctypes, where it is
installed (it comes with qemu-user); elsewhere from the capstone Python package, which then
differs from qemu in those aliases only.  Words capstone does not know print as qemu's
``.byte`` lines (its SKIPDATA mode)."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

CS_ARCH_ARM64, CS_MODE_LITTLE_ENDIAN = 1, 0
CS_OPT_SKIPDATA, CS_OPT_ON = 5, 3


class _CsInsn(ctypes.Structure):
    """capstone 4's cs_insn."""
    _fields_ = [("id", ctypes.c_uint), ("address", ctypes.c_uint64),
                ("size", ctypes.c_uint16), ("bytes", ctypes.c_uint8 * 16),
                ("mnemonic", ctypes.c_char * 32), ("op_str", ctypes.c_char * 160),
                ("detail", ctypes.c_void_p)]


class _Capstone4:
    """The few calls of libcapstone.so.4 a disassembly needs."""

    def __init__(self, path: str) -> None:
        lib = self.lib = ctypes.CDLL(path)
        lib.cs_open.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_size_t)]
        lib.cs_option.argtypes = [ctypes.c_size_t, ctypes.c_int, ctypes.c_size_t]
        lib.cs_disasm.argtypes = [ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                                  ctypes.c_uint64, ctypes.c_size_t,
                                  ctypes.POINTER(ctypes.POINTER(_CsInsn))]
        lib.cs_disasm.restype = ctypes.c_size_t
        lib.cs_free.argtypes = [ctypes.POINTER(_CsInsn), ctypes.c_size_t]
        lib.cs_version.argtypes = [ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)]
        major = ctypes.c_int()
        lib.cs_version(ctypes.byref(major), ctypes.byref(ctypes.c_int()))
        self.handle = ctypes.c_size_t()
        if major.value != 4 or lib.cs_open(CS_ARCH_ARM64, CS_MODE_LITTLE_ENDIAN,
                                           ctypes.byref(self.handle)) != 0:
            raise OSError(f"{path}: not a usable capstone 4")
        lib.cs_option(self.handle, CS_OPT_SKIPDATA, CS_OPT_ON)

    def text(self, word: int, pc: int) -> tuple[str, str]:
        insns = ctypes.POINTER(_CsInsn)()
        code = word.to_bytes(4, "little")
        if self.lib.cs_disasm(self.handle, code, 4, pc, 1, ctypes.byref(insns)) != 1:
            return ".byte", ", ".join(f"0x{b:02x}" for b in code)
        try:
            insn = insns[0]
            return insn.mnemonic.decode(), insn.op_str.decode()
        finally:
            self.lib.cs_free(insns, 1)


class _Capstone5:
    """The capstone Python package (version 5), with qemu's SKIPDATA lines."""

    def __init__(self) -> None:
        import capstone
        self.cs = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
        self.cs.skipdata = True

    def text(self, word: int, pc: int) -> tuple[str, str]:
        for insn in self.cs.disasm(word.to_bytes(4, "little"), pc):
            return insn.mnemonic, insn.op_str
        return ".byte", ", ".join(f"0x{b:02x}" for b in word.to_bytes(4, "little"))


@functools.lru_cache(maxsize=1)
def _disassembler():
    for path in ("libcapstone.so.4", ctypes.util.find_library("capstone")):
        if path:
            try:
                return _Capstone4(path)
            except (OSError, AttributeError):
                continue
    return _Capstone5()


def uses_qemu_capstone() -> bool:
    """True if the text comes from the capstone 4 library qemu-aarch64 prints with."""
    return isinstance(_disassembler(), _Capstone4)


def disasm(word: int, pc: int = 0) -> str:
    mnemonic, operands = _disassembler().text(word, pc)
    return f"{mnemonic} {operands}".strip()


def in_asm_line(fetch, pc: int) -> str | None:
    """The line qemu-aarch64's `-d in_asm` log has for the instruction at pc, or None if pc
    cannot be fetched."""
    raw = fetch(pc, 4)
    if raw is None or len(raw) < 4:
        return None
    word = int.from_bytes(raw, "little")
    mnemonic, operands = _disassembler().text(word, pc)
    return f"0x{pc:08x}:  {word:08x}  {mnemonic:<8} {operands}"
