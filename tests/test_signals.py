"""A host signal for a guest handler reaches a loop that makes no syscall (the `interrupt`
slot: dbt/linux/signals.py; the interpreter's loop and tier-1 code poll it, and hot code
once the guest has a handler of such a signal: lower.polls). qemu-user
delivers it at once: spin_alarm's loop ends before its bound there (tests/programs; its
recorded output without `early` is compared in every mode by test_programs.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _program(variant: str):
    from test_programs import build        # tests/ is on sys.path while pytest runs
    reason = build.missing_reason(variant)
    if reason:
        pytest.skip(reason)
    return build.build("spin_alarm", variant)


@pytest.mark.parametrize("variant", ["musl", "aarch64-musl"])
@pytest.mark.parametrize("options", [("--mode", "interp"),
                                     # tier 1 only
                                     ("--mode", "dynamic", "--hot-threshold", "1000000000000"),
                                     # hot (-O2) within a millisecond, long before the signal
                                     ("--mode", "dynamic", "--hot-threshold", "1000"),
                                     ("--mode", "auto")],
                         ids=["interp", "dynamic-tier1", "dynamic-hot", "auto"])
def test_a_signal_stops_a_loop_without_syscalls(tmp_path, variant, options):
    binary = _program(variant)
    result = subprocess.run([sys.executable, "-m", "dbt", "run", "--no-cache", *options,
                             str(binary), "early"], capture_output=True, timeout=600,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"handler ran: 1\nstopped early: 1\n"


@pytest.mark.parametrize("variant", ["musl", "aarch64-musl"])
def test_hot_code_made_before_a_handler_polls_after_it(tmp_path, variant):
    """The loop becomes hot (-O2) code that does not poll while the guest has no handler;
    installing one drops the hot code only (tier 1 and the interpreter's blocks poll already
    and stay: no flush), and the loop, hot again, now stops for the signal. qemu-riscv64 and
    qemu-aarch64 print the same three lines (the warm-up runs its full 3,000,000 spins: no
    handler can have run yet)."""
    binary = _program(variant)
    stats = tmp_path / "stats.json"
    result = subprocess.run([sys.executable, "-m", "dbt", "run", "--no-cache", "--mode",
                             "dynamic", "--hot-threshold", "1000", "--speculate", "sync",
                             "--stats-json", str(stats), str(binary), "late"],
                            capture_output=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"warm-up spins: 3000000\nhandler ran: 1\nstopped early: 1\n"
    figures = json.loads(stats.read_text())
    assert figures["code cache flushes"] == 0
    assert figures["regions recompiled hot"] >= 2         # the loop before and after


@pytest.mark.oracle
@pytest.mark.parametrize("program,arg", [("segv", "read"), ("traps", "illegal")])
def test_strace_shows_a_fatal_fault_as_qemu_does(tmp_path, program, arg):
    """`--strace` prints the `--- SIG... {si_signo=..., si_code=..., si_addr=...} ---` line of
    a fault that kills the guest, as qemu-riscv64 -strace does (the fault's address is fixed
    by the program: segv.c reads address 0x100, traps.c's illegal instruction is in its
    text, which both load at the same place)."""
    import shutil
    from test_programs import build
    if shutil.which("qemu-riscv64") is None:
        pytest.skip("qemu-riscv64 is not installed (Debian's qemu-user)")
    binary = str(build.build(program, "musl"))

    def signal_lines(cmd):
        err = subprocess.run(cmd, capture_output=True, timeout=600, cwd=tmp_path).stderr
        return [line for line in err.decode().splitlines() if line.startswith("--- ")]
    expected = signal_lines(["qemu-riscv64", "-strace", binary, arg])
    assert len(expected) == 1
    assert signal_lines([sys.executable, "-m", "dbt", "run", "--no-cache", "--strace", binary,
                         arg]) == expected
