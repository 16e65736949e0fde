"""A Go program (tests/programs/goroutines.go) under dbt-vm and under qemu-user.

Go's runtime is the hardest common user of threads: it makes its threads with clone, parks
them on futexes, preempts goroutines with signals sent to threads (tgkill SIGURG), and runs
its timers through epoll. The program is built static by the Go toolchain (Debian's
`golang-go`, which .ci/run installs) for each guest ISA, and dbt-vm's stdout, stderr and exit
status must be qemu-user's, run now on the same binary.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SOURCE = HERE / "programs" / "goroutines.go"
BUILD = HERE / "programs" / "build"
GOARCH = {"riscv64": "riscv64", "aarch64": "arm64"}
QEMU = {"riscv64": "qemu-riscv64", "aarch64": "qemu-aarch64"}


def _go_build(arch: str) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip("no Go toolchain (Debian's golang-go; .ci/run installs it)")
    version = subprocess.run([go, "version"], capture_output=True, text=True).stdout
    key = hashlib.sha256(SOURCE.read_bytes() + version.encode()).hexdigest()[:16]
    out = BUILD / f"goroutines.{arch}-go.{key}"
    if not out.exists():
        BUILD.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + f".tmp{os.getpid()}")
        env = dict(os.environ, GOOS="linux", GOARCH=GOARCH[arch], CGO_ENABLED="0",
                   GO111MODULE="off", GOCACHE=str(BUILD / ".gocache"),
                   GOPATH=str(BUILD / ".gopath"))
        subprocess.run([go, "build", "-o", str(tmp), str(SOURCE)], env=env, check=True,
                       capture_output=True, timeout=600)
        tmp.replace(out)
    return out


def _run(cmd: list[str]) -> tuple[bytes, bytes, int]:
    proc = subprocess.run(cmd, capture_output=True, stdin=subprocess.DEVNULL, timeout=300)
    return proc.stdout, proc.stderr, proc.returncode


@pytest.mark.oracle
@pytest.mark.parametrize("arch", sorted(GOARCH))
@pytest.mark.parametrize("mode", ["auto", "dynamic", "interp"])
def test_go_program_matches_qemu(arch: str, mode: str, tmp_path: Path) -> None:
    if shutil.which(QEMU[arch]) is None:
        pytest.skip(f"{QEMU[arch]} is not installed (Debian's qemu-user)")
    binary = _go_build(arch)
    expected = _run([QEMU[arch], str(binary)])
    # what the program prints, worked out from its source (goroutines.go): 200 jobs of
    # 100..20000, each summing i * i % 7 up to its n; 100 goroutines x 100 increments;
    # shared[0] = shared[9] = 10 * (0 + ... + 99); 1000 round trips adding 1
    pool = sum(sum(i * i % 7 for i in range(1, n + 1)) for n in range(100, 20001, 100))
    assert expected[0] == (f"pool: 200 100 20000 {pool}\n"
                           "goroutines: 10000 49500 49500\n"
                           "timers: ticked true then done\n"
                           "ping-pong: 1000\n").encode() and expected[2] == 3, expected
    actual = _run([sys.executable, "-m", "dbt", "run", "--mode", mode, "--cache-dir",
                   str(tmp_path / "cache"), str(binary)])
    assert actual == expected
