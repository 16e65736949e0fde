"""Real programs from Debian 13 riscv64 (coreutils, grep, sed, gawk, sqlite3, lua5.4,
python3.13, busybox) under dbt-vm, compared with qemu-riscv64 on the same sysroot.

The sysroot and the table of commands come from benchmarks/debian.py (the benchmark runner's
`--suite real` runs the same commands at a bigger size). For each command of
``debian.commands("test")`` and each mode, run ``qemu-riscv64 -L ROOT ROOT/usr/bin/PROG
ARGS`` (twice: it must be deterministic) and ``python -m dbt run --mode MODE -L ROOT
ROOT/usr/bin/PROG ARGS`` (``debian.dbt_command``) with the command's stdin, exactly its
environment and a fresh working directory holding its files, and require the same stdout,
stderr, exit status and files left in the working directory. dbt-vm runs twice:

- cold: its translation cache directory (DBT_VM_CACHE_DIR, and XDG_CACHE_HOME) is a fresh,
  empty directory of the test;
- warm: the same command again, with the directory the cold run filled (in the auto mode,
  also the background translation after it, which the test waits for).

Commands that need a syscall dbt-vm answers with -ENOSYS are listed in PENDING: their stdout,
exit status and files must still match qemu's, and their stderr must be qemu's plus nothing
but dbt-vm's warnings about those syscalls; then the test is an expected failure. A listed
command that matches qemu completely fails the test (remove it from PENDING).

Marked `debian`: a plain ``python -m pytest`` deselects these tests (tests/debian/
conftest.py); ``python -m pytest -m debian`` runs them. Without network access to Debian's
archive (or without apt-get, dpkg-deb or qemu-riscv64) they are skipped with the reason.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = float(os.environ.get("DBT_PROGRAM_TIMEOUT", "600"))


def _load(name: str, path: Path):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


debian = _load("_dbt_benchmarks_debian", REPO / "benchmarks" / "debian.py")
# run_guest, Result and describe_difference: guests run as in the whole-program suite
record = _load("_dbt_test_programs_record", REPO / "tests" / "programs" / "record.py")

pytestmark = [pytest.mark.debian, pytest.mark.oracle]

COMMANDS = {c.name: c for c in debian.commands("test")}
# The interpreter is slow on real programs: only the cheapest commands run in it.
INTERP_COMMANDS = ("expr", "head_tail", "busybox_md5sum")

# Syscalls that dbt-vm answers with -ENOSYS and a warning on stderr, by command (measured in
# both modes; the output is otherwise qemu's).
PENDING: dict[str, tuple] = {}   # (none left: every command's stderr is qemu's)
WARNING = re.compile(rb"dbt-vm: warning: unsupported syscall \d+ \((\w+)\)\n")

_unavailable: list[str] = []
_qemu_results: dict[str, object] = {}


@pytest.fixture(scope="session")
def sysroot() -> Path:
    if not record.qemu_available():
        pytest.skip(f"{record.QEMU} is not installed")
    if not _unavailable:
        try:
            return debian.sysroot()
        except debian.Unavailable as exc:
            _unavailable.append(str(exc))
    pytest.skip(f"no Debian {debian.ARCH} sysroot: {_unavailable[0]}")


def _run(argv: list[str], command, cwd: Path, extra_env: dict | None = None):
    cwd.mkdir()
    command.prepare(cwd)
    case = SimpleNamespace(name=command.name, env=command.env, stdin=command.stdin,
                           stderr_to_stdout=False, timeout=TIMEOUT)
    return record.run_guest(argv, case, cwd=cwd, timeout=TIMEOUT, extra_env=extra_env)


def _qemu(root: Path, command, tmp_path_factory):
    """qemu-riscv64's result (run twice per session and worker: it must not vary)."""
    if command.name not in _qemu_results:
        argv = debian.qemu_command(root, command)
        first, second = (_run(argv, command, tmp_path_factory.mktemp("qemu") / "cwd")
                         for _ in range(2))
        if not (first.same_output(second) and first.leftovers == second.leftovers):
            pytest.fail(f"qemu-riscv64's runs of {command.name} differ (not deterministic):\n"
                        + record.describe_difference(first, second, "second run"))
        _qemu_results[command.name] = first
    return _qemu_results[command.name]


def _dbt(root: Path, command, mode: str, cache_dir: Path, cwd: Path):
    """dbt-vm's result; the environment is the command's (dbt-vm's own variables, such as its
    cache directory, are removed from the guest's with -U)."""
    env = debian.dbt_env(command, cache_dir)
    host = {k: v for k, v in env.items() if k not in command.env}
    return _run(debian.dbt_command(root, command, mode), command, cwd, host)


def _check(what: str, pending: tuple, mode: str, expected, actual) -> str | None:
    """Fail unless actual is qemu's result; the reason for an expected failure when the only
    difference is the warnings about the PENDING syscalls."""
    who = f"dbt-vm --mode {mode}"
    if (expected.stdout, expected.exit_status) != (actual.stdout, actual.exit_status):
        pytest.fail(f"{what}: {who} differs from qemu-riscv64:\n"
                    + record.describe_difference(expected, actual, who), pytrace=False)
    assert actual.leftovers == expected.leftovers, f"{what}: files left in the working directory"
    if actual.stderr == expected.stderr:
        assert not pending, (f"{what} matches qemu now: remove it from PENDING "
                             f"(it was waiting for {', '.join(pending)})")
        return None
    missing = [m.decode() for m in WARNING.findall(actual.stderr)]
    if (missing and set(missing) <= set(pending)
            and WARNING.sub(b"", actual.stderr) == expected.stderr):
        return (f"dbt-vm lacks the syscalls {', '.join(missing)} (-ENOSYS; stdout, exit "
                "status and files are qemu's)")
    pytest.fail(f"{what}: {who} stderr differs from qemu-riscv64:\n"
                + record.describe_difference(expected, actual, who), pytrace=False)


# The longest first: xdist hands out the first tests one by one, alternating between workers.
SLOWEST = ("python_json", "python_print", "sqlite3", "gawk_words", "lua")


def _params():
    names = sorted(COMMANDS, key=lambda n: SLOWEST.index(n) if n in SLOWEST else len(SLOWEST))
    return [pytest.param(name, mode, id=f"{name}-{mode}")
            for mode in ("auto", "dynamic", "interp") for name in names
            if mode != "interp" or name in INTERP_COMMANDS]


@pytest.mark.parametrize("name,mode", _params())
def test_debian_program(name: str, mode: str, sysroot: Path, tmp_path: Path,
                        tmp_path_factory) -> None:
    """The cold run, then the warm run with the cache directory the cold run filled (one
    test, not two: xdist could give the two to different workers, and warm needs cold's
    directory)."""
    command = COMMANDS[name]
    expected = _qemu(sysroot, command, tmp_path_factory)
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    outcomes = []
    for variant in ("cold", "warm"):
        if variant == "warm":       # (the auto mode's background translation after the run)
            subprocess.run([sys.executable, "-m", "dbt", "cache", "wait", "--cache-dir",
                            str(cache_dir)], check=True, capture_output=True, timeout=TIMEOUT)
        actual = _dbt(sysroot, command, mode, cache_dir, tmp_path / variant)
        outcomes.append(_check(f"{name} ({variant})", PENDING.get(name, ()), mode, expected,
                               actual))
    if any(outcomes):
        pytest.xfail(outcomes[0] or outcomes[1])


def test_sysroot_layout(sysroot: Path) -> None:
    """The stamp pins every package with its version; the programs are riscv64 ELF files
    whose PT_INTERP resolves in the sysroot through the merged-/usr links."""
    stamp = debian.read_stamp()
    assert stamp and set(debian.PACKAGES) <= set(stamp["packages"])
    assert {"libc6", "libgcc-s1", "libpython3.13-minimal"} <= set(stamp["packages"])
    assert all(stamp["packages"].values())
    for command in COMMANDS.values():
        data = (sysroot / command.program).read_bytes()
        assert data[:4] == b"\x7fELF" and int.from_bytes(data[18:20], "little") == 243, \
            f"{command.program} is not a RISC-V ELF file"
        interp = re.search(rb"/lib/ld-linux-riscv64-lp64d\.so\.1\0", data)
        assert interp, f"{command.program} has no riscv64 lp64d PT_INTERP"
        assert (sysroot / interp.group(0)[1:-1].decode()).resolve().is_file()
