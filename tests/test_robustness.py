"""dbt-vm as a new user meets it, against qemu-riscv64 on the same program where qemu has an
answer: closed standard streams, an unwritable --stats-json, a SIGPIPE its caller ignores,
and Ctrl-C at any moment of start-up. Through the installed `dbt-vm` command (bin/dbt-vm),
which is what notes the signals its caller ignores or blocks.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
HELLO = ROOT.parent / "examples" / "hello-rv64"
DBT_VM = Path(sys.executable).parent / "dbt-vm"
QEMU = shutil.which("qemu-riscv64")


def _build():
    name = "_dbt_test_programs_build"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "programs" / "build.py")
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def _program(name: str) -> Path:
    build = _build()
    reason = build.missing_reason("musl")
    if reason:
        pytest.skip(f"no musl toolchain: {reason}")
    return build.build(name, "musl")


def _dbt_vm() -> list[str]:
    if not DBT_VM.exists():
        pytest.skip(f"the dbt-vm command is not installed next to {sys.executable}")
    return [str(DBT_VM), "run"]


def _run(cmd: list[str], close: tuple = (), **kwargs) -> subprocess.CompletedProcess:
    """Run with the standard fds of `close` closed (as `>&-` and `2>&-` leave them)."""
    def preexec():
        for fd in close:
            os.close(fd)
    out = subprocess.DEVNULL if 1 in close else subprocess.PIPE
    err = subprocess.DEVNULL if 2 in close else subprocess.PIPE
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                          preexec_fn=preexec, timeout=120, **kwargs)


def _both(args: list[str], close: tuple = ()):
    if QEMU is None:
        pytest.skip("qemu-riscv64 is not installed")
    return _run([QEMU, *args], close), _run([*_dbt_vm(), *args], close)


@pytest.mark.oracle
@pytest.mark.parametrize("program", ["hello", "printf_int"])
def test_a_closed_stdout_gives_the_guests_status_and_stderr(program):
    path = HELLO if program == "hello" else _program("printf_int")
    qemu, dbt = _both([str(path)], close=(1,))
    assert dbt.returncode == qemu.returncode
    assert dbt.stderr == qemu.stderr               # (no traceback, nothing of dbt-vm's)


@pytest.mark.oracle
def test_a_closed_stderr_gives_the_guests_stdout_and_status():
    qemu, dbt = _both([str(HELLO), "a"], close=(2,))
    assert (dbt.stdout, dbt.returncode) == (qemu.stdout, qemu.returncode)
    stats = _run([*_dbt_vm(), "--stats", str(HELLO), "a"], close=(2,))
    assert stats.stdout == qemu.stdout             # the --stats table went nowhere


@pytest.mark.oracle
def test_a_fault_with_stderr_closed_still_ends_in_the_signal():
    qemu, dbt = _both([str(_program("segv")), "read"], close=(2,))
    assert dbt.returncode == qemu.returncode == -signal.SIGSEGV
    assert dbt.stdout == qemu.stdout


def test_an_unwritable_stats_json_is_one_error_line_and_the_guests_status_stands(tmp_path):
    exit_42 = _program("exit_code")
    proc = _run([*_dbt_vm(), "--stats-json", str(tmp_path / "no" / "such" / "dir.json"),
                 str(exit_42), "exit", "42"])
    assert proc.returncode == 42
    lines = proc.stderr.decode().splitlines()
    errors = [line for line in lines if line.startswith("dbt-vm: ")]
    assert errors == [f"dbt-vm: error: cannot write --stats-json {tmp_path}/no/such/dir.json: "
                      "No such file or directory"]
    assert "Traceback" not in proc.stderr.decode()


def _pipe_run(runner: list[str], ignore: bool) -> subprocess.CompletedProcess:
    """The pipe writer into a pipe whose reader is gone, SIGPIPE ignored or not by its
    caller (a caller that ignores it hands that on: restore_signals=False)."""
    read, write = os.pipe()
    os.close(read)
    try:
        def preexec():
            signal.signal(signal.SIGPIPE, signal.SIG_IGN if ignore else signal.SIG_DFL)
        return subprocess.run([*runner, str(_program("pipe_writer")), "100000"],
                              stdin=subprocess.DEVNULL, stdout=write, stderr=subprocess.PIPE,
                              preexec_fn=preexec, restore_signals=False, timeout=120)
    finally:
        os.close(write)


@pytest.mark.oracle
@pytest.mark.parametrize("ignore", [False, True], ids=["default", "ignored"])
def test_sigpipe_is_what_the_caller_left_it(ignore):
    if QEMU is None:
        pytest.skip("qemu-riscv64 is not installed")
    qemu, dbt = _pipe_run([QEMU], ignore), _pipe_run(_dbt_vm(), ignore)
    assert dbt.returncode == qemu.returncode == (3 if ignore else -signal.SIGPIPE)
    assert dbt.stderr == qemu.stderr               # "write failed at line 0: Broken pipe"
    if ignore:
        assert dbt.stderr == b"write failed at line 0: Broken pipe\n"


@pytest.mark.parametrize("delay", [0.0, 0.01, 0.02, 0.04, 0.08, 0.3])
def test_ctrl_c_at_any_moment_ends_the_run_by_sigint_without_a_traceback(delay):
    """SIGINT `delay` seconds after the start: during the launcher, Python's start-up,
    dbt-vm's imports and loading, or the guest's run (a long one). No traceback, and the
    death by SIGINT a shell reports as 130 (the guest's default action, as under qemu)."""
    proc = subprocess.Popen([*_dbt_vm(), str(_program("pipe_writer")), "10000000"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGINT, err
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err


def test_a_sigint_the_caller_ignores_stays_ignored():
    """As `nohup`/background jobs leave it: the guest (and dbt-vm) ignore it, and the run
    goes on to the guest's status."""
    proc = subprocess.Popen([*_dbt_vm(), str(_program("pipe_writer")), "300000"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, restore_signals=False,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err


@pytest.mark.oracle
def test_dbt_vm_keeps_its_own_stderr_when_the_guest_closes_fd_2():
    """Coreutils close stdout and stderr at exit: --stats (printed after the guest ended)
    still reaches dbt-vm's stderr, and the guest's status stands (22: both closed, and both
    later writes failed with EBADF, as under qemu)."""
    program = _program("close_std")
    qemu, dbt = _both([str(program)])
    assert (dbt.stdout, dbt.stderr, dbt.returncode) == (qemu.stdout, qemu.stderr, 22)
    stats = _run([*_dbt_vm(), "--stats", str(program)])
    assert stats.returncode == 22 and stats.stdout == qemu.stdout
    assert b"guest instructions" in stats.stderr and b"Traceback" not in stats.stderr
