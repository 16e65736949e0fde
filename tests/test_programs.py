"""Whole-program tests: C programs built for RISC-V and AArch64, run under dbt-vm, compared
with qemu.

For every case of tests/programs/cases.py, every build variant ("libc") it applies to on each
guest architecture, and the modes below: build the program (tests/programs/build.py; skipped
with the reason when the toolchain is missing), run ``python -m dbt run --mode MODE BINARY
ARGS...`` with the case's stdin, exactly the case's environment and a fresh empty working
directory, and require stdout, stderr and the exit status (128+N for death by signal N) to
equal

- the output recorded from qemu-riscv64 or qemu-aarch64 in
  tests/programs/expected/<case>.<libc>.json, and
- when that qemu is installed, its output run live on the same binary,

and the working directory to be left empty, as qemu leaves it.

Modes. Every RISC-V (case, libc) runs in every mode of MODES. AArch64 has as many cases
(``<case>-aarch64-<libc>`` in the test ids: 145 against RISC-V's 135), and running all of them
in four modes would add as much time again as the RISC-V table takes, most of it in the
static mode (which translates a whole static glibc ahead of time). So every AArch64
(case, libc) runs in A64_TABLE_MODES, the interpreter (the semantic reference) and the
dynamic mode (the LLVM backend; the auto mode is these two in tiers), which cost least per
run, and a representative subset, A64_EVERY_MODE, in all of MODES: a case of each kind with
the musl build -- formatted output, files and stdio, stdin, argv, exits, signals and faults,
traps, self-modifying code, /proc, integer and FP corner cases, AdvSIMD, LSE atomics, jump
tables and code that static discovery misses -- and one each of the dynamically linked,
static-pie and -O3 (static glibc) builds. That is 2 x 145 + 2 x 28 = 346 runs of dbt-vm
against the RISC-V table's 540 (most of whose time is its 55 static glibc builds in the static
mode); measured on a busy 2-core machine (-n 2), the AArch64 tests took 8 min against the
RISC-V ones' 25 (530 against 895 CPU seconds).

AArch64 cases that fail today (cases.A64_PENDING: an instruction the frontend does not
translate yet, or a difference that a fix elsewhere in dbt-vm will remove) are strict xfails,
in the modes they fail in, as are the cases that need a feature dbt-vm lacks on both
architectures (cases.PENDING). On AArch64 the AT_HWCAP a
program prints is masked on both sides (cases.A64_MASKS: qemu reports its CPU model's bits).

test_expected_is_current compares the recorded files with qemu run live, so a stale expected
file is reported on its own. Re-record with ``python tests/programs/record.py``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

# How each program runs: a mode of `dbt run --mode`, and "auto-warm": the auto mode (the
# default) with a persistent cache of its own that a first run (also checked) filled, itself
# and by the background translation after it (waited for), so that the second run loads
# the translations instead of interpreting or compiling. The static mode translates the
# program (and its libraries) into the session's cache on its first run. (Tier 0 of the auto
# mode on its own is the interp mode; tier 1 on its own is the dynamic mode.)
MODES = ["interp", "dynamic", "auto-warm", "static"]

# AArch64: every (case, libc) in these modes, and those of A64_EVERY_MODE in all of MODES
A64_TABLE_MODES = ["interp", "dynamic"]
A64_EVERY_MODE: frozenset[tuple[str, str]] = frozenset(
    [(name, "aarch64-musl") for name in (
        "printf_int", "printf_float", "fileio", "malloc_mmap", "strings_sort",
        "setjmp_longjmp", "funcptr_switch", "hidden_entry", "int_ops", "fp_edge", "neon_int",
        "neon_float", "lse_atomics", "stdin_binary", "argv_many", "exit_flush_0",
        "abort_plain", "segv_read", "trap_illegal", "trap_amo_misaligned", "smc_store",
        "smc_read", "smc_remap", "stdio_line_merged", "proc_self")]
    + [("strings_sort", "aarch64-glibc-dyn"), ("argv_many", "aarch64-musl-pie"),
       ("int_ops", "aarch64-glibc-O3")])

# Seconds a single guest run under dbt-vm may take (the interpreter is slow).
DBT_TIMEOUT = float(os.environ.get("DBT_PROGRAM_TIMEOUT", "600"))

PROGRAMS_DIR = Path(__file__).resolve().parent / "programs"


def _load_record():
    """tests/programs/record.py, which imports its siblings build.py and cases.py."""
    modname = "_dbt_test_programs_record"
    if modname not in sys.modules:
        spec = importlib.util.spec_from_file_location(modname, PROGRAMS_DIR / "record.py")
        sys.modules[modname] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[modname])
    return sys.modules[modname]


record = _load_record()
cases, build = record.cases, record.build

PAIRS = [(c.name, libc) for c, libc in cases.case_libc_pairs()]
PAIR_IDS = [f"{name}-{libc}" for name, libc in PAIRS]


def _modes(name: str, libc: str) -> list[str]:
    if cases.arch_of(libc) == "riscv64" or (name, libc) in A64_EVERY_MODE:
        return MODES
    return A64_TABLE_MODES


def _dbt_params():
    """PAIRS x their modes, with a strict xfail on the cases that need a feature dbt-vm lacks
    (cases.PENDING) and on the AArch64 ones that fail today (cases.A64_PENDING)."""
    params = []
    for (name, libc), pair_id in zip(PAIRS, PAIR_IDS):
        for mode in _modes(name, libc):
            pending = [cases.PENDING[n] for n in cases.CASES_BY_NAME[name].needs]
            a64 = cases.a64_pending_reason(name, libc, mode)
            if a64:
                pending.append(a64)
            marks = [pytest.mark.xfail(strict=True, reason="; ".join(pending))] if pending else []
            params.append(pytest.param(name, libc, mode, id=f"{pair_id}-{mode}", marks=marks))
    return params


# dbt-vm's own diagnostic when a guest dies of a fault: one line, last on stderr. qemu-riscv64
# prints nothing there, so the comparison removes it (after checking that it is present).
FAULT_SIGNALS = {"SIGSEGV": 139, "SIGBUS": 135, "SIGILL": 132, "SIGTRAP": 133}
FAULT_LINE = re.compile(rb"dbt-vm: guest (SIG[A-Z]+): pc 0x[0-9a-f]+: [^\n]*\n\Z")
# ... and that of a child process the guest forked, wherever it is (qemu-aarch64's own lines
# for the children are removed from the expected results: record.without_qemu_line)
CHILD_FAULT_LINE = re.compile(rb"^dbt-vm: guest SIG[A-Z]+: pc 0x[0-9a-f]+: [^\n]*\n", re.M)


def _mask_group(match) -> bytes:
    """The matched text with its first group replaced by '*'."""
    start, end = (i - match.start() for i in match.span(1))
    return match.group(0)[:start] + b"*" + match.group(0)[end:]


def _masked(result, case, libc: str):
    """The result with what depends on the emulated CPU model masked (cases.A64_MASKS)."""
    if cases.arch_of(libc) != "aarch64":
        return result
    for pattern in cases.A64_MASKS.get(case.program, ()):
        result = dataclasses.replace(result, stdout=re.sub(pattern, _mask_group, result.stdout))
    return result


def _has_textrel(path) -> bool:
    """Whether an ELF file has text relocations (DT_TEXTREL, or DF_TEXTREL in DT_FLAGS):
    ld.so makes its code writable to relocate it, so its code is not the file's own any
    more (backends/llvm/units.py) and runs from translations made at run time. (binutils
    marks riscv64 PIEs with TLS so even when the relocations left are R_RISCV_NONE.)"""
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile
    with open(path, "rb") as f:
        for section in ELFFile(f).iter_sections():
            if isinstance(section, DynamicSection):
                for tag in section.iter_tags():
                    if tag.entry.d_tag == "DT_TEXTREL" or (tag.entry.d_tag == "DT_FLAGS"
                                                          and tag.entry.d_val & 0x4):
                        return True
    return False


def _without_fault_line(result):
    """The result with dbt-vm's fault diagnostic removed; fails if a fault death lacks it."""
    match = FAULT_LINE.search(result.stderr)
    if result.exit_status in FAULT_SIGNALS.values():
        assert match, f"guest died by a fault signal without the diagnostic line: {result.stderr!r}"
        assert FAULT_SIGNALS[match.group(1).decode()] == result.exit_status, match.group(0)
    stderr = result.stderr[:match.start()] if match else result.stderr
    return dataclasses.replace(result, stderr=CHILD_FAULT_LINE.sub(b"", stderr))

_qemu_results: dict[tuple[str, str], object] = {}


def _binary(case, libc: str) -> Path:
    reason = build.missing_reason(libc)
    if reason:
        pytest.skip(f"no {libc} toolchain: {reason}")
    return build.build(case.program, libc)   # a compile error fails the test


def _expected(case, libc: str):
    path = record.expected_path(case.name, libc)
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `python tests/programs/record.py {case.name}`")
    return record.load_expected(case.name, libc)


def _qemu_live(case, libc: str, binary: Path):
    key = (case.name, libc)
    if key not in _qemu_results:
        _qemu_results[key] = record.run_qemu(case, libc, binary)
    return _qemu_results[key]


def _check(expected, actual, what: str, against: str, case, libc: str) -> None:
    expected, actual = _masked(expected, case, libc), _masked(actual, case, libc)
    if not actual.same_output(expected):
        pytest.fail(f"{what} differs from {against}:\n"
                    + record.describe_difference(expected, actual, what), pytrace=False)


@pytest.mark.oracle
@pytest.mark.parametrize("case_name,libc,mode", _dbt_params())
def test_program(case_name: str, libc: str, mode: str, tmp_path: Path) -> None:
    case = cases.CASES_BY_NAME[case_name]
    binary = _binary(case, libc)
    expected = _expected(case, libc)
    runs = [mode]
    cache = os.environ["DBT_VM_CACHE_DIR"]        # (the session's: tests/conftest.py)
    if mode == "auto-warm":
        runs, cache = ["auto (cold)", "auto (warm)"], str(tmp_path / "cache")
    for i, run in enumerate(runs):
        if i:                                   # (the cold run's background translation)
            waited = subprocess.run([sys.executable, "-m", "dbt", "cache", "wait",
                                     "--cache-dir", cache], capture_output=True, timeout=600)
            assert waited.returncode == 0, waited.stderr
        work = tmp_path / f"cwd{i}"
        work.mkdir()
        stats = tmp_path / "stats.json"
        cmd = [sys.executable, "-m", "dbt", "run", "--mode", run.split()[0], "--cache-dir", cache,
               "--stats-json", str(stats), *record.guest_command(binary, case)]
        actual = _without_fault_line(record.run_guest(cmd, case, cwd=work, timeout=DBT_TIMEOUT))
        _check(expected, actual, f"dbt-vm --mode {run}", "the recorded qemu output", case, libc)
        if record.qemu_available(libc):
            _check(_qemu_live(case, libc, binary), actual, f"dbt-vm --mode {run}",
                   f"{record.qemu_for(libc)} run now", case, libc)
        # qemu leaves the working directory empty for every case (record.py checks that)
        assert actual.leftovers == (), f"files left in the guest's working directory: " \
                                       f"{actual.leftovers}"
    figures = json.loads(stats.read_text()) if mode != "interp" else {}
    if mode == "auto-warm":                 # the second run found the first one's work
        assert figures["regions loaded from the cache"] > 0, figures
    if mode == "static":                    # static code ran; what discovery missed ran too
        assert figures["blocks run in static code"] > 0, figures      # (hidden_entry.c)
        missed = figures["blocks run in code static discovery missed"]
        if case_name == "hidden_entry":     # (translated now, or by an earlier dynamic run)
            assert missed > 0 and figures["static coverage %"] < 100.0, figures
        elif not _has_textrel(binary):  # (a jump table it cannot read, say: it falls back)
            assert figures["static coverage %"] >= 95.0, figures


@pytest.mark.oracle
@pytest.mark.parametrize("case_name,libc", PAIRS, ids=PAIR_IDS)
def test_expected_is_current(case_name: str, libc: str) -> None:
    """The recorded file still matches qemu-riscv64 (qemu-aarch64) on the binary built now."""
    if not record.qemu_available(libc):
        pytest.skip(f"{record.qemu_for(libc)} is not installed")
    case = cases.CASES_BY_NAME[case_name]
    binary = _binary(case, libc)
    expected = _expected(case, libc)
    live = _qemu_live(case, libc, binary)
    if not live.same_output(expected):
        pytest.fail(f"expected/{case_name}.{libc}.json is stale (re-run record.py):\n"
                    + record.describe_difference(expected, live, "qemu now"), pytrace=False)
    assert live.leftovers == ()


def test_expected_files_exist() -> None:
    """Every case x libc of the table has a recorded file whose inputs match the table."""
    missing, changed = [], []
    for case, libc in cases.case_libc_pairs():
        path = record.expected_path(case.name, libc)
        if not path.is_file():
            missing.append(path.name)
            continue
        record.load_expected(case.name, libc)   # parses, decodes
        diffs = record.input_mismatches(case, libc)
        if diffs:
            changed.append(f"{path.name}: " + "; ".join(diffs))
    assert not missing, f"missing expected files (run tests/programs/record.py): {missing}"
    assert not changed, "recorded inputs differ from cases.py:\n" + "\n".join(changed)


def test_no_orphan_expected_files() -> None:
    known = {record.expected_path(c.name, lc).name for c, lc in cases.case_libc_pairs()}
    orphans = sorted(p.name for p in record.EXPECTED_DIR.glob("*.json") if p.name not in known)
    assert not orphans, f"expected files that match no case in cases.py: {orphans}"


def test_a64_tables_name_cases() -> None:
    """A64_PENDING, A64_MASKS and A64_EVERY_MODE name cases, programs and builds that exist."""
    a64_pairs = {(c.name, lc) for c, lc in cases.case_libc_pairs("aarch64")}
    for key in cases.A64_PENDING:
        pair, _, mode = key.partition("@")
        name, _, libc = pair.partition(".")
        assert name in cases.CASES_BY_NAME, key
        assert any(n == name and (not libc or lc == libc) for n, lc in a64_pairs), key
        assert not mode or mode in MODES, key
    assert set(cases.A64_MASKS) <= set(build.program_names("aarch64"))
    assert A64_EVERY_MODE <= a64_pairs, A64_EVERY_MODE - a64_pairs
    assert set(A64_TABLE_MODES) <= set(MODES)
    assert all(cases.arch_of(lc) == build.arch_of(lc) for lc in build.LIBCS)
    assert {lc for _, lc in cases.case_libc_pairs()} <= set(build.LIBCS)


def test_masks_hide_only_the_feature_bits() -> None:
    case = cases.CASES_BY_NAME["proc_self"]
    out = b"x\nAT_PAGESZ 4096 AT_PHENT 56 AT_HWCAP 0xecfffffb AT_SECURE 0 AT_FLAGS 0\ny\n"
    other = out.replace(b"0xecfffffb", b"0x183")
    a, b = record.Result(out, b"", 0), record.Result(other, b"", 0)
    assert _masked(a, case, "aarch64-musl").same_output(_masked(b, case, "aarch64-musl"))
    assert not _masked(a, case, "musl").same_output(_masked(b, case, "musl"))
    assert b"AT_HWCAP * AT_SECURE" in _masked(a, case, "aarch64-musl").stdout
    letters = record.Result(b"AT_HWCAP letters: A B I\nnext\n", b"", 0)
    assert _masked(letters, cases.CASES_BY_NAME["argv_none"], "aarch64-glibc").stdout == \
        b"AT_HWCAP letters:*\nnext\n"


def test_qemu_signal_line_is_removed() -> None:
    line = b"qemu: uncaught target signal 11 (Segmentation fault) - core dumped\n"
    died = record.Result(b"out\n", b"err\n" + line, 139)
    assert record.without_qemu_line(died).stderr == b"err\n"
    # a line the process did not die of is a child's (fork_wait): removed as well
    assert record.without_qemu_line(record.Result(b"", b"a\n" + line + b"b\n", 0)).stderr == \
        b"a\nb\n"
    merged = record.Result(b"out\n" + line, b"", 139)
    assert record.without_qemu_line(merged, stderr_to_stdout=True).stdout == b"out\n"


def test_table_covers_every_program() -> None:
    used = {c.program for c in cases.CASES}
    assert used == set(build.program_names()), (
        f"programs without a case: {set(build.program_names()) - used}; "
        f"cases naming no program: {used - set(build.program_names())}")


def test_comparison_can_fail() -> None:
    """The comparison notices a difference in each of stdout, stderr and exit status."""
    base = record.Result(b"out\n", b"err\n", 0)
    assert base.same_output(record.Result(b"out\n", b"err\n", 0))
    for other in (record.Result(b"out!\n", b"err\n", 0), record.Result(b"out\n", b"", 0),
                  record.Result(b"out\n", b"err\n", 139)):
        assert not base.same_output(other)
        assert record.describe_difference(base, other) != "identical"
    assert record.exit_status(-11) == 139 and record.exit_status(42) == 42


def test_expected_outputs_are_distinct() -> None:
    """A recording bug that wrote the same output everywhere would make the suite vacuous."""
    outputs = {(record.load_expected(c.name, lc).stdout, record.load_expected(c.name, lc).stderr)
               for c, lc in cases.case_libc_pairs() if record.expected_path(c.name, lc).is_file()}
    assert len(outputs) > len(cases.CASES) // 2
