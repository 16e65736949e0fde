"""The dynamic mode end to end (`dbt-vm run --mode dynamic`, a subprocess per run).

- Guest faults in native code: wild loads, stores and jumps (outside the guest window, into an
  unmapped page inside it, into a read-only page) and misaligned AMOs end the guest with
  dbt-vm's one-line message and 139 (SIGSEGV) or 135 (SIGBUS), with the same message (pc and
  address) as the interpreter gives, and the same status as qemu-riscv64. Each fault happens
  in code that ran cold (tier 1) or after a loop made it hot (tier 2, -O2). The programs are
  tiny static ELF files assembled here (with the decoder's encoder), so the faulting pc and
  address are known exactly; no C toolchain is needed.
- A tiny code cache (--code-cache-size) forces flushes, and whole programs still give qemu's
  output.
- --stats-json reports the translation figures and the exits to Python by reason.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from dbt.backends.llvm.dynamic import HOT_THRESHOLD
from dbt.frontends.riscv.decode import DEFAULT
from dbt.memory import WINDOW_SIZE

ROOT = Path(__file__).resolve().parent
TEXT = 0x10000                   # where the test programs are linked (ET_EXEC)
HEADERS = 64 + 56                # ELF header + one program header; code follows
ENTRY = TEXT + HEADERS
ZERO, RA, SP, S0, S1, A0, A1, A2, A7 = 0, 1, 2, 8, 9, 10, 11, 12, 17
FAR = 1 << 40                    # outside the guest window (64 GiB)
LOW_UNMAPPED = 0x1000            # inside the window, below the first mappable page
HOT_ITERATIONS = HOT_THRESHOLD + 5000
FAULT_LINE = re.compile(r"dbt-vm: guest (SIGSEGV|SIGBUS): pc (0x[0-9a-f]+): "
                        r"(read from|write to|execute at|misaligned atomic access at) "
                        r"address (0x[0-9a-f]+)\n")


# ------------------------------------------------------------------------------- assembling
class Asm:
    """A two-pass assembler for 32-bit instructions: `a(name, **fields)` appends one and returns
    its address; a field given as a label name is that label's offset from the instruction,
    a callable gets the labels and the instruction's address."""

    def __init__(self, base: int = ENTRY):
        self.base = base
        self.items: list[tuple[str, dict]] = []
        self.labels: dict[str, int] = {}

    @property
    def pc(self) -> int:
        return self.base + 4 * len(self.items)

    def label(self, name: str) -> int:
        self.labels[name] = self.pc
        return self.pc

    def __call__(self, name: str, **fields) -> int:
        self.items.append((name, fields))
        return self.pc - 4

    def li(self, rd: int, value: int) -> None:
        """rd = value (any 64-bit value: addi, then slli 12 / addi steps)."""
        if -2048 <= value < 2048:
            self("addi", rd=rd, rs1=ZERO, imm=value)
            return
        low = ((value & 0xFFF) ^ 0x800) - 0x800
        self.li(rd, (value - low) >> 12)
        self("slli", rd=rd, rs1=rd, shamt=12)
        if low:
            self("addi", rd=rd, rs1=rd, imm=low)

    def la(self, rd: int, label: str) -> None:
        """rd = the address of a label (auipc + addi)."""
        at = self("auipc", rd=rd, imm=0)
        self("addi", rd=rd, rs1=rd, imm=lambda labels: labels[label] - at)

    def exit(self, status: int) -> None:
        self.li(A0, status)
        self.li(A7, 93)                                  # exit
        self("ecall")

    def assemble(self) -> bytes:
        out = bytearray()
        for i, (name, fields) in enumerate(self.items):
            pc = self.base + 4 * i
            values = {k: v(self.labels) if callable(v) else
                      self.labels[v] - pc if isinstance(v, str) else v
                      for k, v in fields.items()}
            word, length = DEFAULT.encode(name, **values)
            assert length == 4, name
            out += word.to_bytes(4, "little")
        return bytes(out)


def write_elf(path: Path, code: bytes) -> Path:
    """A static RV64 executable: one R+X PT_LOAD segment (headers and code) at TEXT."""
    size = HEADERS + len(code)
    header = (b"\x7fELF\x02\x01\x01" + bytes(9)
              + struct.pack("<HHIQQQIHHHHHH", 2, 243, 1, ENTRY, 64, 0, 0x5, 64, 56, 1, 64, 0, 0))
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, TEXT, TEXT, size, size, 0x1000)
    path.write_bytes(header + phdr + code)
    path.chmod(0o755)
    return path


# ------------------------------------------------------------------------------- the faults
# access kind -> emits the instruction that accesses a0 (returns its address)
ACCESS = {
    "read": lambda a: a("ld", rd=A1, rs1=A0, imm=0),
    "read_dead": lambda a: a("ld", rd=ZERO, rs1=A0, imm=0),    # nothing uses the value
    "write": lambda a: a("sd", rs1=A0, rs2=A1, imm=0),
    "jump": lambda a: a("jalr", rd=ZERO, rs1=A0, imm=0),       # tail call: the target returns
    "amo": lambda a: a("amoadd_w", rd=A1, rs1=A0, rs2=A2, aq=0, rl=0),
}
FAULTS = {  # name: (access kind, bad address or a label or "sp+1", signal, message verb)
    "read_far": ("read", FAR, "SIGSEGV", "read from"),
    "read_unmapped": ("read", LOW_UNMAPPED, "SIGSEGV", "read from"),
    "read_dead_unmapped": ("read_dead", LOW_UNMAPPED, "SIGSEGV", "read from"),
    "write_far": ("write", FAR, "SIGSEGV", "write to"),
    "write_unmapped": ("write", LOW_UNMAPPED + 8, "SIGSEGV", "write to"),
    "write_readonly": ("write", "_start", "SIGSEGV", "write to"),    # the code page: R+X
    "jump_unmapped": ("jump", LOW_UNMAPPED + 0x200, "SIGSEGV", "execute at"),
    "jump_far": ("jump", FAR, "SIGSEGV", "execute at"),
    "amo_misaligned": ("amo", "sp+1", "SIGBUS", "misaligned atomic access at"),
    "amo_misaligned_far": ("amo", FAR + 2, "SIGBUS", "misaligned atomic access at"),
}
STATUS = {"SIGSEGV": 139, "SIGBUS": 135}


def fault_program(name: str, iterations: int) -> tuple[bytes, int, int | None]:
    """A program that calls `access(a0)` `iterations` times with a good address (the stack,
    or a function that returns), then once with a bad one. Returns the code, the pc the
    fault must report, and the address (None when it depends on the stack)."""
    kind, bad, _, _ = FAULTS[name]
    a = Asm()
    a.label("_start")
    a.li(S0, iterations)
    if kind == "jump":
        a.la(S1, "ret_fn")
    else:
        a("addi", rd=S1, rs1=SP, imm=0)
    a.label("loop")
    a("addi", rd=A0, rs1=S1, imm=0)
    a("jal", rd=RA, imm="access")
    a("addi", rd=S0, rs1=S0, imm=-1)
    a("bne", rs1=S0, rs2=ZERO, imm="loop")
    if bad == "sp+1":
        a("addi", rd=A0, rs1=SP, imm=1)
    elif isinstance(bad, str):
        a.la(A0, bad)
    else:
        a.li(A0, bad)
    a("jal", rd=RA, imm="access")
    a.exit(0)                                             # not reached
    a.label("access")
    access_pc = ACCESS[kind](a)
    a("jalr", rd=ZERO, rs1=RA, imm=0)
    a.label("ret_fn")
    a("jalr", rd=ZERO, rs1=RA, imm=0)
    code = a.assemble()
    address = a.labels[bad] if bad in a.labels else None if bad == "sp+1" else bad
    pc = address if kind == "jump" else access_pc
    return code, pc, address


def run_dbt(mode: str, program: Path, stats: Path, *options: str, cache: Path | None = None):
    cmd = [sys.executable, "-m", "dbt", "run", "--mode", mode, "--stats-json", str(stats),
           *(["--no-cache"] if cache is None else ["--cache-dir", str(cache)]), *options]
    return subprocess.run(cmd + [str(program)], capture_output=True, timeout=300,
                          preexec_fn=_no_core_dumps)


def _no_core_dumps() -> None:
    import resource
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def status(proc) -> int:
    return 128 - proc.returncode if proc.returncode < 0 else proc.returncode


@pytest.mark.parametrize("temperature", ["cold", "hot", "warm"])
@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_in_native_code(name, temperature, tmp_path):
    """The fault ends the guest with the interpreter's message, exactly, and qemu's status:
    in tier-1 code, in hot code, and in code loaded from the persistent cache (warm: the
    guest pc of a fault on the host comes from the pc notes kept with the code)."""
    iterations = 1 if temperature == "cold" else HOT_ITERATIONS
    code, pc, address = fault_program(name, iterations)
    program = write_elf(tmp_path / name, code)
    signame, verb = FAULTS[name][2:]
    cache = None
    if temperature == "warm":                   # a first run fills the cache
        cache = tmp_path / "cache"
        first = run_dbt("dynamic", program, tmp_path / "first.json", "--speculate", "sync",
                        cache=cache)            # (sync: its hot regions are in the cache)
        assert status(first) == STATUS[signame], first.stderr
    results = {}
    for mode in ("interp", "dynamic"):
        stats = tmp_path / f"{mode}.json"
        proc = run_dbt(mode, program, stats=stats, cache=cache)
        results[mode] = proc
        assert proc.stdout == b""
        assert status(proc) == STATUS[signame], proc.stderr
        match = FAULT_LINE.fullmatch(proc.stderr.decode())
        assert match, proc.stderr
        assert match.group(1) == signame and match.group(3) == verb
        assert int(match.group(2), 16) == pc
        if address is not None:
            assert int(match.group(4), 16) == address
    assert results["dynamic"].stderr == results["interp"].stderr
    figures = json.loads((tmp_path / "dynamic.json").read_text())
    assert figures["blocks interpreted"] == 0
    if temperature == "warm":
        assert figures["regions loaded from the cache"] > 0
        if FAULTS[name][0] != "jump":       # (the target's trap block is translated anew)
            assert figures["regions compiled"] == figures["regions recompiled hot"] == 0
    else:
        assert figures["regions compiled"] > 0
        assert (figures["regions recompiled hot"] > 0) == (temperature == "hot")
    # a fetch fault is a trap the lifter puts in the target's block, the others a fault exit
    reason = "fetch" if FAULTS[name][0] == "jump" else "fault"
    assert figures[f"exits to Python: {reason}"] == 1


@pytest.mark.oracle
@pytest.mark.skipif(shutil.which("qemu-riscv64") is None, reason="needs qemu-riscv64")
@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_status_is_qemus(name, tmp_path):
    """qemu-riscv64 gives the status the tests above require, and prints nothing."""
    program = write_elf(tmp_path / name, fault_program(name, 3)[0])
    proc = subprocess.run(["qemu-riscv64", str(program)], capture_output=True, timeout=60,
                          preexec_fn=_no_core_dumps)
    assert (status(proc), proc.stdout, proc.stderr) == (STATUS[FAULTS[name][2]], b"", b"")


def window_edge_program(iterations: int) -> tuple[bytes, int]:
    """Maps the window's last page, then calls `access(a0)` `iterations` times with the stack
    pointer and once with the window's last 8 bytes; `access` loads 0(a0), then 8(a0): past
    the window the second time. Returns the code and the second load's pc."""
    a = Asm()
    a.label("_start")
    for reg, value in ((A0, WINDOW_SIZE - 4096), (A1, 4096), (A2, 3), (13, 0x32), (14, -1),
                       (15, 0), (A7, 222)):    # mmap(.., PROT_READ|WRITE, PRIVATE|ANON|FIXED)
        a.li(reg, value)
    a("ecall")
    a.li(S0, iterations)
    a.label("loop")
    a("addi", rd=A0, rs1=SP, imm=0)
    a("jal", rd=RA, imm="access")
    a("addi", rd=S0, rs1=S0, imm=-1)
    a("bne", rs1=S0, rs2=ZERO, imm="loop")
    a.li(A0, WINDOW_SIZE - 8)
    a("jal", rd=RA, imm="access")
    a.exit(0)                                             # not reached
    a.label("access")
    a("ld", rd=A1, rs1=A0, imm=0)
    second = a("ld", rd=A2, rs1=A0, imm=8)
    a("jalr", rd=ZERO, rs1=RA, imm=0)
    return a.assemble(), second


@pytest.mark.parametrize("temperature", ["cold", "hot"])
def test_access_past_the_window_through_a_checked_register(temperature, tmp_path):
    """Generated code checks the first of two accesses through one register only (the
    second is within WINDOW_GUARD of it); when the second is past the window it faults on
    the host in the guard zone, and the guest gets the interpreter's message: the second
    load's pc and its address."""
    code, second = window_edge_program(1 if temperature == "cold" else HOT_ITERATIONS)
    program = write_elf(tmp_path / "edge", code)
    for mode in ("interp", "dynamic"):
        proc = run_dbt(mode, program, tmp_path / f"{mode}.json")
        assert status(proc) == 139, proc.stderr
        assert proc.stderr.decode() == (f"dbt-vm: guest SIGSEGV: pc {second:#x}: read from "
                                        f"address {WINDOW_SIZE:#x}\n")


# ------------------------------------------------------------------------------- stats
def hot_loop() -> Asm:
    """A loop that the hot tier compiles: a0 += 3, HOT_ITERATIONS times."""
    a = Asm()
    a.li(S0, HOT_ITERATIONS)
    a.label("loop")
    a("addi", rd=A0, rs1=A0, imm=3)
    a("addi", rd=S0, rs1=S0, imm=-1)
    a("bne", rs1=S0, rs2=ZERO, imm="loop")
    return a


def test_stats_json_reports_translation_and_exits(tmp_path):
    """A loop made hot, a syscall and a counter read (a deopt to the interpreter): every
    figure of the dynamic mode is there, with the exits to Python by reason. (Without the
    helper process: the loop would end before a hot region compiled there is installed.)"""
    a = hot_loop()
    a.li(A7, 172)                                         # getpid: a syscall exit
    a("ecall")
    a("csrrs", rd=A1, rs1=ZERO, csr=0xC02)                # rdinstret: a deopt; the
    a.exit(5)                                             # interpreter runs the rest
    program = write_elf(tmp_path / "loop", a.assemble())
    stats = tmp_path / "stats.json"
    proc = run_dbt("dynamic", program, stats, "--speculate", "off")
    assert (status(proc), proc.stdout, proc.stderr) == (5, b"", b"")
    figures = json.loads(stats.read_text())
    assert figures["mode"] == "dynamic"
    assert figures["blocks translated"] >= 3
    assert figures["guest insns translated"] >= len(a.items)
    assert figures["regions compiled"] >= 1 and figures["regions recompiled hot"] >= 1
    assert 0 < figures["compile s"] <= figures["decode+lift s"]
    assert figures["code cache bytes"] > 0 and figures["code cache flushes"] == 0
    exits = {k.split(": ", 1)[1]: v for k, v in figures.items()
             if k.startswith("exits to Python: ")}
    assert exits["miss"] >= 1 and exits["hot"] >= 1
    assert exits["deopt"] == 1 and exits["syscall"] == 1
    assert figures["blocks interpreted"] == 1
    loop_insns = 3 * HOT_ITERATIONS
    assert loop_insns < figures["guest instructions"] < loop_insns + len(a.items)


def test_stats_table_names_the_dynamic_figures(tmp_path):
    a = Asm()
    a.exit(0)
    program = write_elf(tmp_path / "exit", a.assemble())
    proc = subprocess.run([sys.executable, "-m", "dbt", "run", "--mode", "dynamic", "--no-cache",
                           "--stats", str(program)], capture_output=True, timeout=120)
    assert proc.returncode == 0
    table = proc.stderr.decode()
    for row in ("blocks translated", "guest insns translated", "compile s",
                "code cache bytes", "code cache flushes", "exits to Python: miss",
                "exits to Python: syscall"):
        assert row in table, table


# ------------------------------------------------------------------------------- tiny cache
def _load_record():
    """tests/programs/record.py, loaded as tests/test_programs.py loads it (shared module)."""
    modname = "_dbt_test_programs_record"
    if modname not in sys.modules:
        spec = importlib.util.spec_from_file_location(modname,
                                                      ROOT / "programs" / "record.py")
        sys.modules[modname] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[modname])
    return sys.modules[modname]


record = _load_record()

#: Whole programs under a code cache far smaller than their code (0.8-1.5 MB of host code in
#: 400-700 regions): a few flushes each (about 3-9 measured), a few seconds each. Much smaller
#: caches thrash (printf_float at 64K: 1600 flushes and over three minutes).
TINY_CACHE = {"printf_float": "320K", "strings_sort": "320K", "fileio": "160K"}


def run_case_with_qemus_output(case_name: str, tmp_path: Path, *options: str) -> dict:
    """Run a whole-program case (musl) in the dynamic mode with `options`; require qemu's
    recorded output and an empty working directory; return the --stats-json figures."""
    case = record.cases.CASES_BY_NAME[case_name]
    reason = record.build.missing_reason("musl")
    if reason:
        pytest.skip(f"no musl toolchain: {reason}")
    binary = record.build.build(case.program, "musl")
    stats = tmp_path / "stats.json"
    work = tmp_path / "cwd"
    work.mkdir()
    cmd = [sys.executable, "-m", "dbt", "run", "--mode", "dynamic", "--no-cache", *options,
           "--stats-json", str(stats), *record.guest_command(binary, case)]
    actual = record.run_guest(cmd, case, cwd=work, timeout=300)
    expected = record.load_expected(case_name, "musl")
    assert actual.same_output(expected), record.describe_difference(expected, actual)
    assert actual.leftovers == ()
    return json.loads(stats.read_text())


@pytest.mark.oracle
@pytest.mark.parametrize("case_name", sorted(TINY_CACHE))
def test_tiny_code_cache_flushes_and_output_is_qemus(case_name, tmp_path):
    figures = run_case_with_qemus_output(case_name, tmp_path, "--code-cache-size",
                                         TINY_CACHE[case_name])
    assert figures["code cache flushes"] > 0
    limit = int(TINY_CACHE[case_name][:-1]) << 10
    assert figures["code cache bytes"] <= limit + 256 * 1024     # checked before each region


@pytest.mark.oracle
def test_code_cache_64k_stats_table_shows_flushes(tmp_path):
    """The command line of the feature: `--code-cache-size 64K --stats` on a small program:
    the guest's own output is qemu's, and the table (after it, on stderr) counts flushes."""
    case = record.cases.CASES_BY_NAME["exit_42"]
    reason = record.build.missing_reason("musl")
    if reason:
        pytest.skip(f"no musl toolchain: {reason}")
    binary = record.build.build(case.program, "musl")
    cmd = [sys.executable, "-m", "dbt", "run", "--mode", "dynamic", "--no-cache",
           "--code-cache-size", "64K", "--stats", *record.guest_command(binary, case)]
    actual = record.run_guest(cmd, case, cwd=tmp_path, timeout=300)
    expected = record.load_expected("exit_42", "musl")
    assert (actual.stdout, actual.exit_status) == (expected.stdout, expected.exit_status)
    assert actual.stderr.startswith(expected.stderr)
    table = actual.stderr[len(expected.stderr):].decode()
    flushes = re.search(r"code cache flushes\s*│\s*([\d,]+)", table)
    assert flushes and int(flushes.group(1).replace(",", "")) > 0, table


# ------------------------------------------------------------------------------- flushes
def test_a_flush_gives_the_code_memory_back(tmp_path):
    """A flush drops every translation and resets the code arena (the next region is placed
    at its start again). The guest, which flushes with fence.i in a loop, runs on to its
    exit status, through the same dispatcher and fault handler."""
    from dbt.runtime import Machine

    a = Asm()
    a.li(S0, 3)
    a.label("loop")
    a("fence_i")
    a("addi", rd=S0, rs1=S0, imm=-1)
    a("bne", rs1=S0, rs2=ZERO, imm="loop")
    a.li(A0, LOW_UNMAPPED)                       # and a fault, caught by the handler
    ACCESS["read"](a)
    program = write_elf(tmp_path / "flushes", a.assemble())
    machine = Machine(str(program), [str(program)], {}, mode="dynamic")
    engine = machine.engine
    arena, tops = engine.store.arena, []
    reset = arena.reset

    def recording_reset():
        tops.append(arena.top)
        reset()
    arena.reset = recording_reset
    result = machine.run()
    assert (result.signal, result.message) == (
        11, f"guest SIGSEGV: pc {a.base + 4 * (len(a.items) - 1):#x}: read from address "
            f"{LOW_UNMAPPED:#x}")
    assert engine.stats.flushes == 3 and len(tops) == 3
    assert all(top > 0 for top in tops)                 # each flush freed code placed before
    assert 0 < arena.top <= max(tops)                   # what runs after the last one


def test_hot_region_takes_only_blocks_that_ran(tmp_path):
    """A hot loop with a branch never taken: the hot region compiled around the loop holds
    the loop's block, not the untaken path's block (tier 1 marks each block that runs), so
    the loop runs hot and the exit status is the loop's count."""
    from dbt.runtime import Machine

    a = Asm()
    a.li(S0, HOT_ITERATIONS)
    a.label("loop")
    a("addi", rd=A0, rs1=A0, imm=1)
    a("blt", rs1=A0, rs2=ZERO, imm="never")          # a0 counts up from 0: never taken
    a("addi", rd=S0, rs1=S0, imm=-1)
    a("bne", rs1=S0, rs2=ZERO, imm="loop")
    a("andi", rd=A0, rs1=A0, imm=0x7F)
    a.li(A7, 93)
    a("ecall")
    never = a.label("never")
    a.exit(1)
    program = write_elf(tmp_path / "branchy", a.assemble())
    machine = Machine(str(program), [str(program)], {}, mode="dynamic")
    result = machine.run()
    assert (result.status, result.signal) == (HOT_ITERATIONS & 0x7F, 0)
    engine = machine.engine
    regions = engine.store.regions.values()
    hot_pcs = {b.pc for region in regions if region.hot for b in region.blocks}
    assert a.labels["loop"] in hot_pcs and never not in hot_pcs
    tier1_pcs = {b.pc for region in regions if not region.hot for b in region.blocks}
    assert never in tier1_pcs                        # translated (a successor), never run
