"""Build the whole-program guest tests (tests/programs/*.c) for RISC-V 64 and AArch64.

A build variant (called ``libc`` below, for history: the RISC-V variants are named after
their C library) is one toolchain with its flags. The RISC-V ones:

- ``musl``:  ``python -m ziglang cc -target riscv64-linux-musl -static -O2`` (the PyPI
  ``ziglang`` package; always used when it is installed);
- ``musl-pie``: the same with ``-fPIE``, which zig links as a static-pie (ET_DYN, no
  PT_INTERP);
- ``glibc``: ``riscv64-linux-gnu-gcc -static -O2 ... -lm -latomic`` (Debian's cross gcc;
  used when it is on PATH). glibc keeps libm separate, and gcc 12 calls libatomic for 8- and
  16-bit atomics.
- ``glibc-dyn``: the same without ``-static``: a dynamically linked PIE whose interpreter,
  libc, libm and libatomic come from Debian's cross sysroot (``Toolchain.sysroot``: qemu runs
  it with ``-L`` that directory; dbt-vm finds it by default).

The AArch64 ones are the same four with ``aarch64-`` in front (``aarch64-musl``, zig's
``-target aarch64-linux-musl``; ``aarch64-glibc`` and ``aarch64-glibc-dyn``, Debian's
``aarch64-linux-gnu-gcc`` and its sysroot /usr/aarch64-linux-gnu), plus ``aarch64-glibc-O3``
(static, -O3: gcc 12 vectorizes more loops with AdvSIMD than at -O2; zig's clang vectorizes at
-O2 already, and its -O3 builds are the same binaries). Some programs build for one
architecture only, and some need flags of their own (``PROGRAM_ARCHS``, ``PROGRAM_FLAGS``:
lse_atomics.c is built for ARMv8.1-A, so that the LSE instructions appear inline; crc32.c
with the CRC extension).

There is no dynamically linked musl variant: zig links one (``-dynamic``: interpreter
/lib/ld-musl-riscv64.so.1, DT_NEEDED libc.so) against a stub libc.so, but ships no musl
dynamic loader to run it with, and no Debian package on this machine provides one (for either
architecture).

Outputs go to ``tests/programs/build/<name>.<libc>`` (git-ignored; ``printf_int.musl``,
``printf_int.aarch64-musl``, ...). Next to each binary,
``<name>.<libc>.hash`` holds a hash of the source, the full command line and the compiler's
version; a binary is rebuilt only when that hash changes (or the binary is missing).
Builds are atomic (compile to a temporary name, then rename) and take a per-output file
lock, so concurrent test workers can call :func:`build` safely.

As a module::

    from build import build, build_all       # (or load the file with importlib)
    path = build("printf_int", "musl")        # -> Path of the binary
    table = build_all()                       # -> {(name, libc): Path} for every toolchain found

As a script::

    python tests/programs/build.py [--arch riscv64|aarch64] [--libc VARIANT] [--force] [-j N]
                                   [NAME ...]
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
    libc: str                      # the variant's name (the key in TOOLCHAINS)
    compiler: tuple[str, ...]      # the compiler driver
    flags: tuple[str, ...]         # before the source
    libs: tuple[str, ...]          # after the source
    version_cmd: tuple[str, ...]
    sysroot: str | None = None     # the guest's root its binaries run in (qemu -L), if any
    arch: str = "riscv64"          # the guest architecture (qemu-<arch> runs its binaries)

    @property
    def family(self) -> str:
        """'zig' or 'gcc': which spelling of a program's own flags it takes (PROGRAM_FLAGS)."""
        return "zig" if self.compiler[1:3] == ("-m", "ziglang") else "gcc"

    def program_flags(self, name: str) -> tuple[str, ...]:
        return PROGRAM_FLAGS.get((name, self.arch, self.family), ())

    def command(self, source: Path, output: Path, name: str | None = None) -> list[str]:
        extra = self.program_flags(name) if name else ()
        return [*self.compiler, *self.flags, *extra, "-o", str(output), str(source), *self.libs]

    def describe(self) -> str:
        """The build command as a human would type it (for reports and docs)."""
        comp = ["python" if c == sys.executable else c for c in self.compiler]
        return " ".join([*comp, *self.flags, "-o", "OUT", "SRC.c", *self.libs])


def _zig(libc: str, arch: str, *flags: str) -> Toolchain:
    return Toolchain(
        libc=libc,
        compiler=(sys.executable, "-m", "ziglang", "cc"),
        flags=("-target", f"{arch}-linux-musl", "-static", *flags),
        libs=(),
        version_cmd=(sys.executable, "-m", "ziglang", "version"),
        arch=arch,
    )


def _gcc(libc: str, arch: str, *flags: str, dynamic: bool = False) -> Toolchain:
    gcc = f"{arch}-linux-gnu-gcc"
    return Toolchain(
        libc=libc,
        compiler=(gcc,),
        flags=flags if dynamic else ("-static", *flags),
        libs=("-lm", "-latomic"),
        version_cmd=(gcc, "--version"),
        sysroot=f"/usr/{arch}-linux-gnu" if dynamic else None,
        arch=arch,
    )


TOOLCHAINS: dict[str, Toolchain] = {
    "musl": _zig("musl", "riscv64", "-O2"),
    # static-pie (ET_DYN without PT_INTERP): zig links -static with -fPIE as static-pie
    "musl-pie": _zig("musl-pie", "riscv64", "-fPIE", "-O2"),
    "glibc": _gcc("glibc", "riscv64", "-O2"),
    "glibc-dyn": _gcc("glibc-dyn", "riscv64", "-O2", dynamic=True),
    "aarch64-musl": _zig("aarch64-musl", "aarch64", "-O2"),
    "aarch64-musl-pie": _zig("aarch64-musl-pie", "aarch64", "-fPIE", "-O2"),
    "aarch64-glibc": _gcc("aarch64-glibc", "aarch64", "-O2"),
    "aarch64-glibc-dyn": _gcc("aarch64-glibc-dyn", "aarch64", "-O2", dynamic=True),
    # more loops vectorized with AdvSIMD: gcc 12 vectorizes at -O2 only what is very cheap
    # (zig's clang vectorizes at -O2 already: its -O3 binaries are the -O2 ones)
    "aarch64-glibc-O3": _gcc("aarch64-glibc-O3", "aarch64", "-O3"),
}

LIBCS: tuple[str, ...] = tuple(TOOLCHAINS)
ARCHS: tuple[str, ...] = ("riscv64", "aarch64")

# Programs that are built for some architectures only (default: every one)
PROGRAM_ARCHS: dict[str, tuple[str, ...]] = {
    "neon_int": ("aarch64",),
    "neon_float": ("aarch64",),
    "lse_atomics": ("aarch64",),
    "crc32": ("aarch64",),
}

# Flags of one program, by (program, arch, compiler family), after the toolchain's own
PROGRAM_FLAGS: dict[tuple[str, str, str], tuple[str, ...]] = {
    # ARMv8.1-A: LSE atomics (CAS, LDADD, SWP, ...) inline instead of LL/SC loops or gcc's
    # outline-atomics helpers (zig spells the architecture as a CPU feature)
    ("lse_atomics", "aarch64", "gcc"): ("-march=armv8.1-a",),
    ("lse_atomics", "aarch64", "zig"): ("-mcpu=generic+v8_1a",),
    # the CRC32 extension (optional in ARMv8.0): arm_acle.h's __crc32* as CRC32B..CRC32CX
    ("crc32", "aarch64", "gcc"): ("-march=armv8-a+crc",),
    ("crc32", "aarch64", "zig"): ("-mcpu=generic+crc",),
}


def program_names(arch: str | None = None) -> list[str]:
    """Every test program (the stem of each tests/programs/*.c), sorted; with ``arch``,
    only those built for that architecture."""
    names = sorted(p.stem for p in PROGRAMS_DIR.glob("*.c"))
    if arch is None:
        return names
    return [n for n in names if arch in PROGRAM_ARCHS.get(n, ARCHS)]


def arch_of(libc: str) -> str:
    return TOOLCHAINS[libc].arch


def missing_reason(libc: str) -> str | None:
    """Why the toolchain for ``libc`` cannot be used, or None when it can."""
    if libc not in TOOLCHAINS:
        return f"unknown libc {libc!r} (known: {', '.join(LIBCS)})"
    if TOOLCHAINS[libc].family == "zig":
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
    if tc.family == "gcc":
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
        "flags": [*tc.compiler[1:], *tc.flags, *tc.program_flags(name), *tc.libs],
        "compiler": "ziglang" if tc.family == "zig" else tc.compiler[0],
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
    if arch_of(libc) not in PROGRAM_ARCHS.get(name, ARCHS):
        raise BuildError(f"{name} is not built for {arch_of(libc)} ({libc})")
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
        cmd = TOOLCHAINS[libc].command(src, tmp, name)
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

    Returns ``{(name, libc): binary path}`` (a program only for the libcs of the architectures
    it is built for, PROGRAM_ARCHS). Libcs whose toolchain is missing are skipped
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
    todo = [(n, lc) for lc in libcs for n in names
            if arch_of(lc) in PROGRAM_ARCHS.get(n, ARCHS)]
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
                    help="variant to build (repeatable; default: every available toolchain)")
    ap.add_argument("--arch", action="append", choices=ARCHS,
                    help="only the variants of this architecture (repeatable)")
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
    if args.arch:
        libcs = [lc for lc in libcs if arch_of(lc) in args.arch]
    stale = sum(not is_current(n, lc) for lc in libcs for n in (args.names or program_names())
                if arch_of(lc) in PROGRAM_ARCHS.get(n, ARCHS))
    t0 = time.monotonic()
    try:
        built = build_all(libcs, args.names or None, args.jobs, args.force)
    except (BuildError, ToolchainMissing, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return 1
    for (name, libc), path in built.items():
        print(f"{name:20s} {libc:17s} {path.stat().st_size:9d} {path}")
    print(f"{len(built)} binaries ({args.force and len(built) or stale} rebuilt) in "
          f"{time.monotonic() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
