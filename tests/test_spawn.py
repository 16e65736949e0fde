"""execve of guest programs (dbt/linux/spawn.py), end to end through the command line.

qemu-user hands a guest's execve to the host kernel, which runs a foreign program only where
binfmt_misc starts qemu for it (not on this machine): so what exec_prog prints after a
successful execve is stated here, from its source (tests/programs/exec_prog.c):

- before execve: "before exec"; fds 5 (kept) and 6 (close-on-exec) are copies of stdout;
- the new image, in `child` mode, prints its argc, each argv, each environment entry in
  order, whether fds 5 and 6 are open, writes "written to fd 5" through fd 5, and exits 3.

What fails to execute is compared with qemu-user in test_programs.py (case exec_errors), and
fork/wait in case fork_wait.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest


def _program(variant: str) -> Path:
    from test_programs import build        # tests/ is on sys.path while pytest runs
    reason = build.missing_reason(variant)
    if reason:
        pytest.skip(reason)
    return build.build("exec_prog", variant)


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd),
           "DBT_VM_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run([sys.executable, "-m", "dbt", "run", *args], capture_output=True,
                          timeout=300, env=env, cwd=cwd)


def _child_output(argv: list[str]) -> bytes:
    lines = ["before exec", f"child: argc {len(argv)}"]
    lines += [f"argv[{i}] = {a}" for i, a in enumerate(argv)]
    lines += ["env X=1", "env Y=two words", "fd 5 open: 1", "fd 6 open: 0",
              "written to fd 5"]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("mode", ["interp", "auto"])
@pytest.mark.parametrize("target", ["musl", "aarch64-musl"])
def test_execve_runs_a_guest_program_with_its_argv_env_and_fds(tmp_path, mode, target):
    program, new_image = _program("musl"), _program(target)
    result = _run("--mode", mode, str(program), "exec", str(new_image), cwd=tmp_path)
    assert result.stderr == b""
    assert result.stdout == _child_output(["renamed-argv0", "child", "a b", ""])
    assert result.returncode == 3               # the new image's exit status is the process's


def test_the_image_an_execve_replaces_keeps_its_translations(tmp_path):
    """What the replaced image ran only in tier 0 is translated into the cache in the
    background, as at the end of a run: a shell's child ran its side of fork only between
    fork and execve, and lifted it again for every command of every run. The cache's run log
    has a line per image: after one run and its background translation, the next run's
    exec_prog (before its execve) has nothing left in tier 0 only. (The new image runs in the
    same process: the replaced one's run ends as at an exit. Where a new dbt-vm is started
    instead, engine.before_exec keeps it.) Once, the replaced image had no line at all."""
    from dbt.cache.disk import DiskCache
    program = _program("musl")
    for _ in range(2):
        result = _run("--mode", "auto", str(program), "exec", str(program), cwd=tmp_path)
        assert result.returncode == 3, result.stderr
        subprocess.run([sys.executable, "-m", "dbt", "cache", "wait", "--cache-dir",
                        str(tmp_path / "cache")], check=True, capture_output=True)
    runs = DiskCache(tmp_path / "cache").runs(10)
    assert [r["program"] for r in runs] == [program.name] * 4   # before and after, twice
    assert runs[0]["tier 0 only"] > 0 and runs[2]["tier 0 only"] == 0


@pytest.mark.parametrize("how", ["signals", "signals-threaded"])
def test_execve_keeps_ignored_and_blocked_signals_and_children_and_resets_handlers(tmp_path,
                                                                                   how):
    """What Linux's execve keeps: ignored signals stay ignored, blocked ones blocked, the
    children forked before it are the new image's to wait for; a handled signal is back to
    its default action (SIGUSR2's: death). exec_prog's `child-signals` mode prints the first
    three (its source says what); this output is the host kernel's for exec_prog built for
    x86-64 and run natively. A single-threaded guest's new image runs in the same dbt-vm
    process; with a second thread running, a new dbt-vm is started by the host's execve:
    both ways give it."""
    program, new_image = _program("musl"), _program("aarch64-musl")
    result = _run(str(program), how, str(new_image), cwd=tmp_path)
    assert result.stdout == b"SIGUSR1 ignored\nSIGHUP pending: 1\nwaited: 1, exit 5\n"
    assert result.returncode == -signal.SIGUSR2, result.stderr


def test_a_machine_made_to_exec_here_returns_the_next_image(tmp_path):
    """Machine(exec_here=True): the guest's execve of a guest program ends run() with the
    image to run next (what the command line runs in the same process), after the checks
    that make a failing execve return to the guest."""
    from dbt.runtime import Machine
    program, new_image = _program("musl"), _program("aarch64-musl")
    machine = Machine(str(program), ["exec_prog", "exec", str(new_image)], {}, mode="interp",
                      exec_here=True, stdout=open(tmp_path / "out", "wb"))
    ended = machine.run()
    assert ended.image is not None and ended.image.host == os.fsencode(new_image)
    assert ended.image.state.argv == [b"renamed-argv0", b"child", b"a b", b""]
    assert ended.image.state.envp == [b"X=1", b"Y=two words"]
    assert sorted(ended.image.state.fds) == [0, 1, 2, 5]      # fd 6 is close-on-exec
    assert (tmp_path / "out").read_bytes() == b"before exec\n"


def test_execve_of_a_script_runs_its_interpreter(tmp_path):
    # Linux's argv for `#!INTERP ARG` run as execve("./script.sh", ["script.sh", "x"]):
    # INTERP, ARG, the path given to execve, then argv[1:]
    program, interp = _program("aarch64-musl"), _program("musl")
    result = _run(str(program), "script", str(interp), cwd=tmp_path)
    assert result.stderr == b""
    assert result.stdout == _child_output([str(interp), "child-from-script", "./script.sh",
                                           "x"])
    assert result.returncode == 3


def test_argv0_option(tmp_path):
    program = _program("musl")
    result = _run("-0", "first", str(program), "child", cwd=tmp_path)
    lines = result.stdout.decode().splitlines()
    assert lines[:3] == ["child: argc 2", "argv[0] = first", "argv[1] = child"]
    assert result.returncode == 3


def test_execve_of_a_host_program_runs_it_natively(tmp_path):
    # a path with no guest program behind it (no sysroot here): the host's echo, as under
    # qemu-user, which prints its arguments "child", "a b" and "" joined by spaces
    program = _program("musl")
    result = _run(str(program), "exec", "/bin/echo", cwd=tmp_path)
    assert result.stderr == b""
    assert result.stdout == b"before exec\nchild a b \n"
    assert result.returncode == 0


def test_the_new_dbt_vm_skips_site_only_when_its_import_path_finds_dbt(monkeypatch):
    """An exec'd image's dbt-vm starts with python -S (no .pth files read) and this process's
    import path in PYTHONPATH, without the directory this one started in (-P). Where that path
    does not lead to dbt-vm (an editable install's import hook), `site` stays."""
    import dbt
    from dbt.linux import spawn
    home = os.path.dirname(os.path.dirname(os.path.abspath(dbt.__file__)))
    stdlib = os.path.dirname(os.__file__)
    monkeypatch.setattr(sys, "path", ["/started/here", stdlib, home])
    flags, env = spawn._python_flags()
    if sys.flags.safe_path:                  # (-P: no start directory at the front)
        assert env == {"PYTHONPATH": os.pathsep.join(["/started/here", stdlib, home])}
    else:
        assert env == {"PYTHONPATH": os.pathsep.join([stdlib, home])}
    assert flags == ["-P", "-S"]
    monkeypatch.setattr(sys, "path", ["/started/here", stdlib])
    assert spawn._python_flags() == (["-P"], {})
    # and the new process finds what it needs with the flags of the real import path
    monkeypatch.undo()
    flags, env = spawn._python_flags()
    probe = subprocess.run([sys.executable, *flags, "-c", "import dbt.cli, llvmlite, elftools; "
                            "import sys; print(sys.flags.no_site)"],
                           env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == ("1" if "-S" in flags else "0")
