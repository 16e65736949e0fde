"""`--trace in_asm` lines against qemu-user's own `-d in_asm` log (the oracle), instruction by
instruction, for every decoder pattern of each guest ISA.

Each program is a bare ELF whose code is a run of generated instructions.  qemu logs a whole
translation block before it runs any of it, so one run yields the lines of every instruction
up to the first that ends a block (a branch, a trap, a page end) even though the program then
dies on its first instruction; the next run starts at the first instruction not yet logged.
The instructions are words of each pattern of our decoders with random free bits, the free bits
all clear and all set, and register and immediate fields set to the values pseudo-instruction
rules test (x0, ra, rs1 = rs2, 0, 1, -1, the FP and counter CSRs).
"""
from __future__ import annotations

import random
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from dbt.frontends.aarch64 import decode as a64
from dbt.frontends.aarch64.disasm import in_asm_line as a64_line
from dbt.frontends.aarch64.disasm import uses_qemu_capstone
from dbt.frontends.riscv import decode as rv
from dbt.frontends.riscv.disasm import in_asm_line as rv_line
from dbt.frontends.riscv.qemu_disasm import qemu_text

TEXT = 0x10000
HEADERS = 64 + 56                # ELF header + one program header; code follows
ENTRY = TEXT + HEADERS
EM_RISCV, EM_AARCH64 = 243, 183
LINE = re.compile(r"^0x[0-9a-f]+: ")


def write_elf(path: Path, code: bytes, machine: int) -> Path:
    """A static executable: one R+X PT_LOAD segment (headers and code) at TEXT."""
    size = HEADERS + len(code)
    flags = 0x5 if machine == EM_RISCV else 0          # RVC + double-float ABI
    header = (b"\x7fELF\x02\x01\x01" + bytes(9)
              + struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, ENTRY, 64, 0, flags, 64, 56, 1,
                            64, 0, 0))
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, TEXT, TEXT, size, size, 0x1000)
    path.write_bytes(header + phdr + code)
    path.chmod(0o755)
    return path


def first_block(log: str) -> list[str]:
    """The instruction lines of the first translation block in a qemu log."""
    lines = []
    for line in log.splitlines()[2:]:           # after "----------------" and "IN: ..."
        if not LINE.match(line):
            break
        lines.append(line)
    return lines


def compare_with_qemu(tmp_path: Path, qemu: str, machine: int, insns: list[bytes],
                      ours, fault: bytes) -> int:
    """Run qemu over `insns` until it has logged each of them once; assert that `ours(fetch,
    pc)` gives its line for each.  Each program starts with `fault`, a load from address 0
    that does not end a block, so that none of the generated code runs (a branch to itself
    would loop).  Returns the number of generated instructions compared."""
    compared, start, mismatches = 0, 0, []
    while start < len(insns):
        chunk = [fault] + insns[start:start + 400]
        code = b"".join(chunk)
        elf = write_elf(tmp_path / "code.elf", code, machine)
        log = tmp_path / "in_asm.log"
        log.unlink(missing_ok=True)
        subprocess.run([qemu, "-d", "in_asm", "-D", str(log), str(elf)],
                       capture_output=True, timeout=30)
        lines = first_block(log.read_text())[:len(chunk)]    # not what follows the code
        assert len(lines) > 1, f"qemu logged nothing for {chunk[1].hex()}"

        def fetch(addr: int, size: int, code=code) -> bytes | None:
            offset = addr - ENTRY
            return code[offset:offset + size] if 0 <= offset <= len(code) - size else None

        pc = ENTRY
        for index, want in enumerate(lines):
            got = ours(fetch, pc)
            if got != want:
                mismatches.append(f"{chunk[index].hex()}:\n  qemu: {want!r}\n  ours: {got!r}")
            pc += len(chunk[index])
        compared += len(lines) - 1
        start += len(lines) - 1
    assert not mismatches, f"{len(mismatches)} of {compared} differ:\n" + "\n".join(
        mismatches[:30])
    return compared


def pattern_words(patterns, width: int, rng: random.Random, tweaks, count: int):
    """Words of each pattern: free bits clear, set, random, and random with `tweaks` (field
    mask, values) applied where the pattern leaves those bits free."""
    full = (1 << width) - 1
    for p in patterns:
        free = full & ~p.mask
        yield p.value
        yield p.value | free
        for _ in range(count):
            word = p.value | (rng.getrandbits(width) & free)
            for mask, values in tweaks:
                if rng.random() < 0.4:
                    value = rng.choice(values)
                    if value is None:            # "the same as rs1"
                        value = (word >> 15 & 31) << 20
                    word = (word & ~(mask & free)) | (value & mask & free)
            yield word


# ---------------------------------------------------------------------------------- RISC-V

RV_TWEAKS = [
    (31 << 7, (0, 1 << 7)),                                       # rd = zero / ra
    (31 << 15, (0, 1 << 15)),                                     # rs1 = zero / ra
    (31 << 20, (0, 1 << 20, None)),                               # rs2 = zero / ra / rs1
    (0xFFF << 20, (0, 1 << 20, 0xFFF << 20,                       # imm 0, 1, -1; CSRs
                   *(csr << 20 for csr in (1, 2, 3, 0xC00, 0xC01, 0xC02, 0xC03, 0xC80, 0x300)))),
]
RV_TWEAKS_16 = [(31 << 7, (0, 1 << 7, 2 << 7)), (31 << 2, (0, 1 << 2)), (1 << 12, (0,))]


def riscv_instructions(seed: int = 12, count: int = 8) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for word in pattern_words(rv.DEFAULT.dec32.patterns.values(), 32, rng, RV_TWEAKS, count):
        if rv.decode(word, 4, 0) is not None:
            out.append(word.to_bytes(4, "little"))
    for word in pattern_words(rv.DEFAULT.dec16.patterns.values(), 16, rng, RV_TWEAKS_16, count):
        out.append(word.to_bytes(2, "little"))     # reserved forms too: qemu names some
    return out


@pytest.mark.skipif(not shutil.which("qemu-riscv64"), reason="needs qemu-riscv64 (the oracle)")
def test_riscv_lines_match_qemu(tmp_path):
    insns = riscv_instructions()
    compared = compare_with_qemu(tmp_path, "qemu-riscv64", EM_RISCV, insns, rv_line,
                                 fault=(0x00003003).to_bytes(4, "little"))   # ld zero,0(zero)
    assert compared == len(insns)


@pytest.mark.parametrize("word, length, text", [
    # reasoning from qemu 7.2's disas/riscv.c: c.li a0,0 -> addi a0,zero,0 -> "mv" (imm 0)
    (0x4501, 2, "mv                      a0,zero"),
    # jalr zero,ra,0 -> "ret" (rd = zero, rs1 = ra; the immediate is not tested)
    (0x00008067, 4, "ret                     "),
    # bge zero,a0,16 -> "blez a0": rs1 = zero, printed as rs2
    (0x00A05863, 4, "blez                    a0,16                   # 0x10010"),
    # fadd.d fa0,fa1,fa2 with the dynamic rounding mode: the mode comes first
    (0x02C5F553, 4, "fadd.d                  dyn,fa0,fa1,fa2"),
])
def test_riscv_qemu_text(word, length, text):
    insn = rv.decode(word, length, 0x10000)
    assert qemu_text(insn) == text


# --------------------------------------------------------------------------------- AArch64

A64_TWEAKS = [(31, (31, 0)), (31 << 5, (31 << 5, 0)), (31 << 16, (31 << 16,))]


def aarch64_instructions(seed: int = 12, count: int = 2) -> list[bytes]:
    rng = random.Random(seed)
    words = pattern_words(a64.DECODER.patterns.values(), 32, rng, A64_TWEAKS, count)
    return [w.to_bytes(4, "little") for w in words if a64.decode(w, 0) is not None]


@pytest.mark.skipif(not shutil.which("qemu-aarch64"), reason="needs qemu-aarch64 (the oracle)")
def test_aarch64_lines_match_qemu(tmp_path):
    if not uses_qemu_capstone():
        pytest.skip("libcapstone.so.4 (qemu's disassembler) is not installed")
    insns = aarch64_instructions()
    compared = compare_with_qemu(tmp_path, "qemu-aarch64", EM_AARCH64, insns, a64_line,
                                 fault=(0xF9400001).to_bytes(4, "little"))   # ldr x1,[x0]
    assert compared == len(insns)
