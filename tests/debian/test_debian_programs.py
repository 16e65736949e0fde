"""Real Debian programs (coreutils, grep, sed, gawk, sqlite3, lua5.4, python3, busybox) under
dbt-vm, compared with qemu-user on the same sysroot, for two guest architectures:

- riscv64: Debian 13 (trixie) riscv64 against qemu-riscv64 (test ids ``NAME-MODE``);
- arm64: Debian 12 (bookworm) arm64 against qemu-aarch64 (test ids ``arm64-NAME-MODE``).

The sysroots and the table of commands come from benchmarks/debian.py (the benchmark runner's
`--suite real` runs the same commands at a bigger size). For each command of
``debian.commands("test", arch)`` and each mode, run ``qemu-ARCH -L ROOT ROOT/usr/bin/PROG
ARGS`` (twice: it must be deterministic) and ``python -m dbt run --mode MODE -L ROOT
ROOT/usr/bin/PROG ARGS`` (``debian.dbt_command``) with the command's stdin, exactly its
environment and a fresh working directory holding its files, and require the same stdout,
stderr, exit status and files left in the working directory. dbt-vm runs twice:

- cold: its translation cache directory (DBT_VM_CACHE_DIR, and XDG_CACHE_HOME) is a fresh,
  empty directory of the test;
- warm: the same command again, with the directory the cold run filled (in the auto mode,
  also the background translation after it, which the test waits for).

Modes: riscv64 runs every command in the auto and dynamic modes, and the cheapest
(INTERP_COMMANDS) in the interpreter. arm64 runs a representative subset, so that it adds no
more time than riscv64 takes (about 4 minutes on the reference machine): every command in the
auto mode (the default: tier 0, LLVM regions, the cache), the commands of ARM64_DYNAMIC in
the dynamic mode (ld.so's and libc's start-up all in LLVM code, then loop-heavy programs:
sort, hashing, an interpreter) and expr in the interpreter. The Python commands are arm64's
slowest tests (arm64-python_json-auto the longest of the module), so none of them runs in the
dynamic mode.

Commands that need a syscall dbt-vm answers with -ENOSYS are listed in PENDING: their stdout,
exit status and files must still match qemu's, and their stderr must be qemu's plus nothing
but dbt-vm's warnings about those syscalls; then the test is an expected failure. A listed
command that matches qemu completely fails the test (remove it from PENDING).

arm64 commands that die of SIGILL on an instruction the AArch64 frontend does not decode yet
are listed in PENDING_INSN with that instruction: a strict expected failure whose only
accepted failure is dbt-vm's guest SIGILL (IllegalInstruction); any other difference from
qemu fails, and a listed command that passes fails too (remove it from PENDING_INSN).
``python tests/debian/first_illegal.py --arch arm64`` prints the first such instruction of
every command.

Marked `debian`: a plain ``python -m pytest`` deselects these tests (tests/debian/
conftest.py); ``python -m pytest -m debian`` runs them. Without network access to Debian's
archive (or without apt-get, dpkg-deb or the architecture's qemu) they are skipped with the
reason.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
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

ARCHES = ("riscv64", "arm64")
COMMANDS = {arch: {c.name: c for c in debian.commands("test", arch)} for arch in ARCHES}
# The interpreter is slow on real programs: only the cheapest commands run in it.
INTERP_COMMANDS = ("expr", "head_tail", "busybox_md5sum")
# arm64's subset of modes (the module's docstring): auto for all, these in the other modes.
ARM64_DYNAMIC = ("expr", "sort", "sha256sum", "lua")
ARM64_INTERP = ("expr",)

# Syscalls that dbt-vm answers with -ENOSYS and a warning on stderr, by architecture and
# command (measured in both modes; the output is otherwise qemu's).
PENDING: dict[str, dict[str, tuple]] = {
    "riscv64": {},      # (none left: every command's stderr is qemu's)
    "arm64": {},
}
WARNING = re.compile(rb"dbt-vm: warning: unsupported syscall \d+ \((\w+)\)\n")

# arm64 commands that die of SIGILL in dbt-vm: name -> the first instruction the AArch64
# frontend does not decode (tests/debian/first_illegal.py prints it), e.g.
#     "expr": "movi v0.4s, #0 (4f000400, AdvSIMD modified immediate) in ld.so's start-up",
# which every command met before the AdvSIMD part of the frontend landed. (none left)
PENDING_INSN: dict[str, str] = {}
SIGILL = re.compile(rb"dbt-vm: guest SIGILL: pc (0x[0-9a-f]+): illegal instruction")


class IllegalInstruction(Exception):
    """dbt-vm died of SIGILL where qemu did not: an instruction it does not decode yet."""


_unavailable: dict[str, str] = {}
_qemu_results: dict[tuple[str, str], object] = {}


def _sysroot(arch: str) -> Path:
    """The sysroot of ARCH (fetched once per session and worker), or a skip with the reason."""
    d = debian.distro(arch)
    if shutil.which(d.qemu) is None:
        pytest.skip(f"{d.qemu} is not installed")
    if arch not in _unavailable:
        try:
            return debian.sysroot(arch=arch)
        except debian.Unavailable as exc:
            _unavailable[arch] = str(exc)
    pytest.skip(f"no {d.release} sysroot: {_unavailable[arch]}")


def _run(argv: list[str], command, cwd: Path, extra_env: dict | None = None):
    cwd.mkdir()
    command.prepare(cwd)
    case = SimpleNamespace(name=command.name, env=command.env, stdin=command.stdin,
                           stderr_to_stdout=False, timeout=TIMEOUT)
    return record.run_guest(argv, case, cwd=cwd, timeout=TIMEOUT, extra_env=extra_env)


def _qemu(root: Path, command, tmp_path_factory):
    """qemu-user's result (run twice per session and worker: it must not vary)."""
    key = (command.arch, command.name)
    if key not in _qemu_results:
        argv = debian.qemu_command(root, command)
        first, second = (_run(argv, command, tmp_path_factory.mktemp("qemu") / "cwd")
                         for _ in range(2))
        if not (first.same_output(second) and first.leftovers == second.leftovers):
            pytest.fail(f"{argv[0]}'s runs of {command.name} differ (not deterministic):\n"
                        + record.describe_difference(first, second, "second run"))
        _qemu_results[key] = first
    return _qemu_results[key]


def _dbt(root: Path, command, mode: str, cache_dir: Path, cwd: Path):
    """dbt-vm's result; the environment is the command's (dbt-vm's own variables, such as its
    cache directory, are removed from the guest's with -U)."""
    env = debian.dbt_env(command, cache_dir)
    host = {k: v for k, v in env.items() if k not in command.env}
    return _run(debian.dbt_command(root, command, mode), command, cwd, host)


def _check(what: str, command, mode: str, expected, actual) -> str | None:
    """Fail unless actual is qemu's result; the reason for an expected failure when the only
    difference is the warnings about the PENDING syscalls. IllegalInstruction when dbt-vm
    died of SIGILL and qemu did not."""
    who, qemu = f"dbt-vm --mode {mode}", debian.distro(command.arch).qemu
    pending = PENDING[command.arch].get(command.name, ())
    if (expected.stdout, expected.exit_status) != (actual.stdout, actual.exit_status):
        sigill = SIGILL.search(actual.stderr)
        if sigill and not SIGILL.search(expected.stderr):
            raise IllegalInstruction(f"{what}: {who}: {sigill.group(0).decode()}")
        pytest.fail(f"{what}: {who} differs from {qemu}:\n"
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
    pytest.fail(f"{what}: {who} stderr differs from {qemu}:\n"
                + record.describe_difference(expected, actual, who), pytrace=False)


# The longest first: xdist hands out the first tests one by one, alternating between workers.
SLOWEST = ("python_json", "python_print", "sqlite3", "gawk_words", "lua")


def _modes(arch: str, name: str) -> list[str]:
    if arch == "riscv64":
        return ["auto", "dynamic", *(["interp"] if name in INTERP_COMMANDS else [])]
    return ["auto", *(["dynamic"] if name in ARM64_DYNAMIC else []),
            *(["interp"] if name in ARM64_INTERP else [])]


def _param(arch: str, name: str, mode: str):
    prefix = "" if arch == "riscv64" else f"{arch}-"
    marks = ()
    if arch == "arm64" and name in PENDING_INSN:
        marks = pytest.mark.xfail(strict=True, raises=IllegalInstruction,
                                  reason=f"SIGILL on {PENDING_INSN[name]}")
    return pytest.param(arch, name, mode, id=f"{prefix}{name}-{mode}", marks=marks)


def _params():
    order = {n: SLOWEST.index(n) if n in SLOWEST else len(SLOWEST) for n in COMMANDS["riscv64"]}
    return [_param(arch, name, mode) for mode in ("auto", "dynamic", "interp")
            for name in sorted(COMMANDS["riscv64"], key=order.get)
            for arch in ARCHES if name in COMMANDS[arch] and mode in _modes(arch, name)]


@pytest.mark.parametrize("arch,name,mode", _params())
def test_debian_program(arch: str, name: str, mode: str, tmp_path: Path,
                        tmp_path_factory) -> None:
    """The cold run, then the warm run with the cache directory the cold run filled (one
    test, not two: xdist could give the two to different workers, and warm needs cold's
    directory)."""
    root = _sysroot(arch)
    command = COMMANDS[arch][name]
    expected = _qemu(root, command, tmp_path_factory)
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    outcomes = []
    for variant in ("cold", "warm"):
        if variant == "warm":       # (the auto mode's background translation after the run)
            subprocess.run([sys.executable, "-m", "dbt", "cache", "wait", "--cache-dir",
                            str(cache_dir)], check=True, capture_output=True, timeout=TIMEOUT)
        actual = _dbt(root, command, mode, cache_dir, tmp_path / variant)
        outcomes.append(_check(f"{name} ({variant})", command, mode, expected, actual))
    if any(outcomes):
        pytest.xfail(outcomes[0] or outcomes[1])


@pytest.mark.parametrize("arch", ARCHES)
def test_sysroot_layout(arch: str) -> None:
    """The stamp pins every package with its version; the programs are ELF files of the
    architecture whose PT_INTERP resolves in the sysroot through the merged-/usr links."""
    root, d = _sysroot(arch), debian.distro(arch)
    stamp = debian.read_stamp(arch=arch)
    assert stamp and set(d.packages) <= set(stamp["packages"])
    libpython = d.packages[d.packages.index(f"{d.python}-minimal")].replace("python", "libpython")
    assert {"libc6", "libgcc-s1", libpython} <= set(stamp["packages"])
    assert all(stamp["packages"].values())
    for link, target in debian.MERGED_USR_LINKS.items():
        assert os.readlink(root / link) == target
    for command in COMMANDS[arch].values():
        data = (root / command.program).read_bytes()
        assert data[:4] == b"\x7fELF" and int.from_bytes(data[18:20], "little") == d.elf_machine, \
            f"{command.program} is not an ELF file of {arch}"
        interp = re.search(re.escape(d.pt_interp.encode()) + rb"\0", data)
        assert interp, f"{command.program} has no PT_INTERP {d.pt_interp}"
        assert (root / interp.group(0)[1:-1].decode()).resolve().is_file()


def test_merge_usr(tmp_path: Path) -> None:
    """bookworm's layout made /usr-merged: bin, sbin and lib's contents move into usr/ and the
    folders go, an entry that both places hold is kept once (the file, not the link to it),
    relative links inside a moved folder still resolve."""
    root = tmp_path / "root"
    for rel, data in (("bin/ls", "ls"), ("usr/bin/head", "head"), ("bin/grep", "grep"),
                      ("lib/aarch64-linux-gnu/libc.so.6", "libc"),
                      ("usr/lib/aarch64-linux-gnu/libz.so.1", "libz")):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(data)
    (root / "usr/bin/grep").symlink_to("../../bin/grep")          # a link to the moved file
    (root / "lib/ld-linux-aarch64.so.1").symlink_to("aarch64-linux-gnu/libc.so.6")
    assert debian.merge_usr(root) == ["usr/bin/grep"]
    assert [p.name for p in root.iterdir()] == ["usr"]       # (sysroot() adds the links)
    grep = root / "usr/bin/grep"
    assert grep.read_text() == "grep" and not grep.is_symlink()
    assert (root / "usr/bin/ls").read_text() == "ls"
    assert (root / "usr/lib/ld-linux-aarch64.so.1").read_text() == "libc"
    assert sorted(p.name for p in (root / "usr/lib/aarch64-linux-gnu").iterdir()) == [
        "libc.so.6", "libz.so.1"]
