"""The case-table format of ``tests/cases/rv64_*.txt`` (Rellume style: one case per line).

    INSNS ; INPUTS => OUTPUTS   [@backend]   [# comment]

INSNS   one or more instructions separated by `` / ``: a decoder pattern name with its fields
        (``addi rd=5 rs1=6 imm=-1``, ``c_lw rd=8 rs1=9 imm=4``) or a raw word (``0x0000``,
        ``0x00b50533``; the length follows from the low bits).
INPUTS  ``x<n>=V`` ``f<n>=V`` (64-bit register bits), ``fflags=V``, ``frm=V``,
        ``m8|m16|m32|m64[ADDR]=V`` (little-endian memory), ``mem[ADDR]=HEXBYTES``.
        Everything not given holds the harness background (harness.X_FILL, F_FILL,
        REGION_FILL), so a register that is written shows up whatever its new value.
OUTPUTS every change of state, in the same syntax, plus ``fault=SIGxxx`` and ``pc=V`` (the next
        pc; by default the end of the code, or the first instruction when it faults).
        Anything not listed must be unchanged; ``-`` when nothing changes.  ``?`` asks
        make_cases.py to record them.
@backend restricts the case to one backend (none do so far).

Expected values come from Unicorn through ``rv64_spec.reference`` (make_cases.py writes them and
notes any spec correction in the comment), or from the reasoning written in the comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dbt.frontends.riscv.decode import DEFAULT, insn_length
from harness import DATA_BASE, MASK64, Outcome, Setup, differing_ranges

CASE_DIR = Path(__file__).resolve().parent.parent / "cases"
_MEM = re.compile(r"^(m8|m16|m32|m64|mem)\[(\w+)\]$")
_SIZES = {"m8": 1, "m16": 2, "m32": 4, "m64": 8}


class CaseError(ValueError):
    pass


@dataclass(frozen=True)
class Case:
    where: str                # file:line
    insns: str
    inputs: str
    outputs: str | None       # None: to be recorded
    backend: str | None
    comment: str

    def setup(self) -> Setup:
        return parse_setup(assemble(self.insns), self.inputs)

    def expected(self) -> Outcome:
        setup = self.setup()
        return apply_outputs(setup, self.outputs or "")


def parse_file(path: Path) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        body, _, comment = line.partition("#")
        if body.strip():
            cases.append(parse_line(body, comment.strip(), f"{path.name}:{number}"))
    return cases


def parse_line(body: str, comment: str, where: str) -> Case:
    if ";" not in body or "=>" not in body:
        raise CaseError(f"{where}: expected 'INSNS ; INPUTS => OUTPUTS'")
    insns, rest = body.split(";", 1)
    inputs, outputs = rest.split("=>", 1)
    backend = None
    tokens = outputs.split()
    if tokens and tokens[-1].startswith("@"):
        backend = tokens.pop()[1:]
    outputs = " ".join(tokens)
    return Case(where, insns.strip(), inputs.strip(),
                None if outputs == "?" else outputs, backend, comment)


def assemble(insns: str) -> bytes:
    code = b""
    for text in insns.split(" / "):
        name, *fields = text.split()
        if name.startswith("0x"):
            word = int(name, 16)
            length = insn_length(word & 0xFFFF)
        else:
            values = {}
            for field in fields:
                key, _, value = field.partition("=")
                values[key] = int(value, 0)
            word, length = DEFAULT.encode(name, **values)
        code += word.to_bytes(length, "little")
    return code


def _assignments(text: str):
    if text.strip() == "-":                    # an instruction with no effect
        return
    for token in text.split():
        key, sep, value = token.partition("=")
        if not sep:
            raise CaseError(f"bad assignment {token!r}")
        yield key, value


def _memory(key: str, value: str) -> tuple[int, bytes] | None:
    m = _MEM.match(key)
    if not m:
        return None
    addr = int(m[2], 0)
    if m[1] == "mem":
        return addr, bytes.fromhex(value)
    return addr, (int(value, 0) & ((1 << (8 * _SIZES[m[1]])) - 1)).to_bytes(_SIZES[m[1]], "little")


def parse_setup(code: bytes, inputs: str) -> Setup:
    x, f, mem, extra = list(Setup(b"").x), list(Setup(b"").f), [], {}
    for key, value in _assignments(inputs):
        chunk = _memory(key, value)
        if chunk:
            mem.append(chunk)
        elif re.fullmatch(r"x([1-9]|[12]\d|3[01])", key):
            x[int(key[1:])] = int(value, 0) & MASK64
        elif re.fullmatch(r"f([0-9]|[12]\d|3[01])", key):
            f[int(key[1:])] = int(value, 0) & MASK64
        elif key in ("fflags", "frm"):
            extra[key] = int(value, 0)
        else:
            raise CaseError(f"unknown input {key!r}")
    return Setup(code, tuple(x), tuple(f), mem=tuple(mem), **extra)


def apply_outputs(setup: Setup, outputs: str) -> Outcome:
    """The expected outcome: the initial state with the listed changes."""
    values = dict(_assignments(outputs))
    fault = values.pop("fault", None)
    out = setup.initial(setup.pc if fault else setup.end()).replace(fault=fault)
    x, f, mem = list(out.x), list(out.f), bytearray(out.mem)
    for key, value in values.items():
        chunk = _memory(key, value)
        if chunk:
            offset = chunk[0] - DATA_BASE
            mem[offset:offset + len(chunk[1])] = chunk[1]
        elif key[0] == "x" and key[1:].isdigit():
            x[int(key[1:])] = int(value, 0) & MASK64
        elif key[0] == "f" and key[1:].isdigit():
            f[int(key[1:])] = int(value, 0) & MASK64
        elif key in ("fflags", "frm", "pc"):
            out = out.replace(**{key: int(value, 0)})
        else:
            raise CaseError(f"unknown output {key!r}")
    return out.replace(x=tuple(x), f=tuple(f), mem=bytes(mem))


def format_outputs(setup: Setup, got: Outcome) -> str:
    """The OUTPUTS text for an outcome: every difference from the initial state."""
    before = setup.initial(got.pc)
    default_pc = setup.pc if got.fault else setup.end()
    parts = [f"x{i}={v:#x}" for i, (v, w) in enumerate(zip(got.x, before.x)) if v != w]
    parts += [f"f{i}={v:#x}" for i, (v, w) in enumerate(zip(got.f, before.f)) if v != w]
    parts += [f"{name}={getattr(got, name):#x}" for name in ("fflags", "frm")
              if getattr(got, name) != getattr(before, name)]
    for offset, size in _aligned_changes(got.mem, before.mem):
        value = int.from_bytes(got.mem[offset:offset + size], "little")
        parts.append(f"m{8 * size}[{DATA_BASE + offset:#x}]={value:#x}")
    if got.fault:
        parts.append(f"fault={got.fault}")
    if got.pc != default_pc:
        parts.append(f"pc={got.pc:#x}")
    return " ".join(parts) or "-"


def _aligned_changes(after: bytes, before: bytes) -> list[tuple[int, int]]:
    """(offset, size) of the smallest naturally aligned 1/2/4/8-byte chunks that cover the
    changed bytes of each aligned doubleword: m32[a] rather than m8[a] m8[a+3]."""
    changed: dict[int, list[int]] = {}
    for start, end in differing_ranges(after, before):
        for i in range(start, end):
            changed.setdefault(i & ~7, []).append(i)
    chunks = []
    for word, offsets in changed.items():
        lo, hi = min(offsets), max(offsets)
        size = next(n for n in (1, 2, 4, 8) if lo // n == hi // n)
        chunks.append((lo - lo % size, size))
    return chunks


def case_files() -> list[Path]:
    return sorted(CASE_DIR.glob("rv64_*.txt"))
