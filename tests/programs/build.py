"""Build the whole-program guest tests (tests/programs/*.c) for RISC-V 64.

Toolchains (one binary per program and libc):

- ``musl``:  ``python -m ziglang cc -target riscv64-linux-musl -static -O2`` (the PyPI
  ``ziglang`` package; always used when it is installed);
- ``glibc``: ``riscv64-linux-gnu-gcc -static -O2 ... -lm -latomic`` (Debian's cross gcc;
  used when it is on PATH). glibc keeps libm separate, and gcc 12 calls libatomic for 8- and
  16-bit atomics.
- ``glibc-dyn``: the same without ``-static``: a dynamically linked PIE whose interpreter,
  libc, libm and libatomic come from Debian's cross sysroot (``Toolchain.sysroot``: qemu runs
  it with ``-L`` that directory; dbt-vm finds it by default).

There is no dynamically linked musl variant: zig links one (``-dynamic``: interpreter
/lib/ld-musl-riscv64.so.1, DT_NEEDED libc.so) against a stub libc.so, but ships no musl
dynamic loader to run it with, and no Debian package on this machine provides one for riscv64.

Outputs go to ``tests/programs/build/<name>.<libc>`` (git-ignored). Next to each binary,
``<name>.<libc>.hash`` holds a hash of the source, the full command line and the compiler's
version; a binary is rebuilt only when that hash changes (or the binary is missing).
Builds are atomic (compile to a temporary name, then rename) and take a per-output file
lock, so concurrent test workers can call :func:`build` safely.

As a module::

    from build import build, build_all       # (or load the file with importlib)
    path = build("printf_int", "musl")        # -> Path of the binary
    table = build_all()                       # -> {(name, libc): Path} for every toolchain found

As a script::

    python tests/programs/build.py [--libc musl|glibc] [--force] [-j N] [NAME ...]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import fcntl
import functools
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROGRAMS_DIR = Path(__file__).resolve().parent
BUILD_DIR = PROGRAMS_DIR / "build"

# Bump when the way binaries are produced changes in a way the hash would not see.
RECIPE_VERSION = 1


class BuildError(RuntimeError):
    """A compiler failed; the message holds its command line and output."""


class ToolchainMissing(RuntimeError):
    """The toolchain for a libc is not installed."""


@dataclass(frozen=True)
class Toolchain:
    libc: str
    compiler: tuple[str, ...]      # the compiler driver
    flags: tuple[str, ...]         # before the source
    libs: tuple[str, ...]          # after the source
    version_cmd: tuple[str, ...]
    sysroot: str | None = None     # the guest's root its binaries run in (qemu -L), if any

    def command(self, source: Path, output: Path) -> list[str]:
        return [*self.compiler, *self.flags, "-o", str(output), str(source), *self.libs]

    def describe(self) -> str:
        """The build command as a human would type it (for reports and docs)."""
        comp = ["python" if c == sys.executable else c for c in self.compiler]
        return " ".join([*comp, *self.flags, "-o", "OUT", "SRC.c", *self.libs])


TOOLCHAINS: dict[str, Toolchain] = {
    "musl": Toolchain(
        libc="musl",
        compiler=(sys.executable, "-m", "ziglang", "cc"),
        flags=("-target", "riscv64-linux-musl", "-static", "-O2"),
        libs=(),
        version_cmd=(sys.executable, "-m", "ziglang", "version"),
    ),
    # static-pie (ET_DYN without PT_INTERP): zig links -static with -fPIE as static-pie
    "musl-pie": Toolchain(
        libc="musl-pie",
        compiler=(sys.executable, "-m", "ziglang", "cc"),
        flags=("-target", "riscv64-linux-musl", "-static", "-fPIE", "-O2"),
        libs=(),
        version_cmd=(sys.executable, "-m", "ziglang", "version"),
    ),
    "glibc": Toolchain(
        libc="glibc",
        compiler=("riscv64-linux-gnu-gcc",),
        flags=("-static", "-O2"),
        libs=("-lm", "-latomic"),
        version_cmd=("riscv64-linux-gnu-gcc", "--version"),
    ),
    "glibc-dyn": Toolchain(
        libc="glibc-dyn",
        compiler=("riscv64-linux-gnu-gcc",),
        flags=("-O2",),
        libs=("-lm", "-latomic"),
        version_cmd=("riscv64-linux-gnu-gcc", "--version"),
        sysroot="/usr/riscv64-linux-gnu",
    ),
}

LIBCS: tuple[str, ...] = tuple(TOOLCHAINS)


def program_names() -> list[str]:
    """Every test program (the stem of each tests/programs/*.c), sorted."""
    return sorted(p.stem for p in PROGRAMS_DIR.glob("*.c"))


def missing_reason(libc: str) -> str | None:
    """Why the toolchain for ``libc`` cannot be used, or None when it can."""
    if libc not in TOOLCHAINS:
        return f"unknown libc {libc!r} (known: {', '.join(LIBCS)})"
    if libc.startswith("musl"):
        if importlib.util.find_spec("ziglang") is None:
            return "the PyPI package 'ziglang' is not installed (pip install ziglang)"
        return None
    if shutil.which(TOOLCHAINS[libc].compiler[0]) is None:
        return f"{TOOLCHAINS[libc].compiler[0]} is not on PATH"
    sysroot = TOOLCHAINS[libc].sysroot
    if sysroot and not os.path.isdir(os.path.join(sysroot, "lib")):
        return f"its sysroot {sysroot} is not installed"
    return None


def available_libcs() -> list[str]:
    return [libc for libc in LIBCS if missing_reason(libc) is None]


@functools.cache
def compiler_version(libc: str) -> str:
    """The compiler's version text (part of the rebuild hash)."""
    reason = missing_reason(libc)
    if reason:
        raise ToolchainMissing(reason)
    tc = TOOLCHAINS[libc]
    proc = subprocess.run(tc.version_cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ToolchainMissing(f"{' '.join(tc.version_cmd)} failed: {proc.stderr.strip()}")
    version = proc.stdout.strip()
    if libc.startswith("glibc"):
        # the static C library comes from another package than the compiler (zig bundles musl)
        libc_a = subprocess.run([*tc.compiler, "-print-file-name=libc.a"], capture_output=True,
                                text=True, check=False).stdout.strip()
        if os.path.isfile(libc_a):
            with open(libc_a, "rb") as f:
                version += f"\nlibc.a sha256 {hashlib.file_digest(f, 'sha256').hexdigest()}"
    return version


def source_path(name: str) -> Path:
    path = PROGRAMS_DIR / f"{name}.c"
    if not path.is_file():
        raise FileNotFoundError(f"no test program {path}")
    return path


def output_path(name: str, libc: str) -> Path:
    return BUILD_DIR / f"{name}.{libc}"


def build_hash(name: str, libc: str) -> str:
    tc = TOOLCHAINS[libc]
    src = source_path(name)
    recipe = {
        "recipe": RECIPE_VERSION,
        "source_sha256": hashlib.sha256(src.read_bytes()).hexdigest(),
        # the command without the interpreter path and the output/source paths
        "flags": [*tc.compiler[1:], *tc.flags, *tc.libs],
        "compiler": "ziglang" if libc.startswith("musl") else tc.compiler[0],
        "version": compiler_version(libc),
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def is_current(name: str, libc: str) -> bool:
    out = output_path(name, libc)
    stamp = out.with_name(out.name + ".hash")
    try:
        return out.is_file() and stamp.read_text().strip() == build_hash(name, libc)
    except FileNotFoundError:
        return False


def build(name: str, libc: str, force: bool = False) -> Path:
    """Build one program for one libc if it is out of date; return the binary's path.

    Raises ToolchainMissing when the libc's toolchain is absent and BuildError when the
    compiler fails.
    """
    reason = missing_reason(libc)
    if reason:
        raise ToolchainMissing(reason)
    src = source_path(name)
    out = output_path(name, libc)
    stamp = out.with_name(out.name + ".hash")
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    want = build_hash(name, libc)
    if not force and out.is_file() and stamp.is_file() and stamp.read_text().strip() == want:
        return out
    lock_path = BUILD_DIR / f".{out.name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # another process may have built it while we waited
        if not force and out.is_file() and stamp.is_file() and stamp.read_text().strip() == want:
            return out
        tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
        cmd = TOOLCHAINS[libc].command(src, tmp)
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=BUILD_DIR, check=False)
        if proc.returncode != 0 or not tmp.is_file():
            tmp.unlink(missing_ok=True)
            raise BuildError(
                f"building {name} for {libc} failed (exit {proc.returncode}):\n"
                f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
            )
        stamp.unlink(missing_ok=True)
        os.replace(tmp, out)
        stamp.write_text(want + "\n")
    return out


def build_all(
    libcs: list[str] | None = None,
    names: list[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
) -> dict[tuple[str, str], Path]:
    """Build every program for every available libc (or the given subsets).

    Returns ``{(name, libc): binary path}``. Libcs whose toolchain is missing are skipped
    silently when ``libcs`` is None and raise ToolchainMissing when asked for explicitly.
    Independent builds run in parallel (``jobs`` defaults to the number of CPUs).
    """
    if libcs is None:
        libcs = available_libcs()
    else:
        for libc in libcs:
            reason = missing_reason(libc)
            if reason:
                raise ToolchainMissing(reason)
    names = program_names() if names is None else list(names)
    for libc in libcs:  # resolve versions once, before the threads start
        compiler_version(libc)
    todo = [(n, lc) for lc in libcs for n in names]
    jobs = jobs or os.cpu_count() or 2
    results: dict[tuple[str, str], Path] = {}
    errors: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(build, n, lc, force): (n, lc) for n, lc in todo}
        for fut in concurrent.futures.as_completed(futures):
            key = futures[fut]
            try:
                results[key] = fut.result()
            except BuildError as exc:
                errors.append(str(exc))
    if errors:
        raise BuildError("\n\n".join(errors))
    return {key: results[key] for key in todo}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="programs to build (default: all)")
    ap.add_argument("--libc", action="append", choices=LIBCS,
                    help="libc to build for (repeatable; default: every available toolchain)")
    ap.add_argument("--force", action="store_true", help="rebuild even when up to date")
    ap.add_argument("-j", "--jobs", type=int, default=None, help="parallel builds (default: CPUs)")
    args = ap.parse_args(argv)

    for libc in LIBCS:
        reason = missing_reason(libc)
        if reason:
            print(f"skipping {libc}: {reason}", file=sys.stderr)
        else:
            print(f"{libc}: {TOOLCHAINS[libc].describe()}", file=sys.stderr)
    libcs = args.libc or available_libcs()
    stale = sum(not is_current(n, lc) for lc in libcs for n in (args.names or program_names()))
    t0 = time.monotonic()
    try:
        built = build_all(libcs, args.names or None, args.jobs, args.force)
    except (BuildError, ToolchainMissing, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return 1
    for (name, libc), path in built.items():
        print(f"{name:20s} {libc:6s} {path.stat().st_size:9d} {path}")
    print(f"{len(built)} binaries ({args.force and len(built) or stale} rebuilt) in "
          f"{time.monotonic() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
