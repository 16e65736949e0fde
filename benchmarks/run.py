"""Benchmark runner: dbt-vm's modes side by side, against qemu-user and native x86-64.

On the C programs of benchmarks/programs and on real Debian programs (debian.py), for one
guest architecture (--arch): riscv64 (the default; Debian 13 riscv64, qemu-riscv64) or
aarch64 (Debian 12 arm64, qemu-aarch64):

    python benchmarks/run.py [--arch riscv64|aarch64]
                             [--modes interp,static,dynamic,auto,auto+traces]
                             [--cache cold|warm|both]
                             [--suite kernels|real|all] [--quick] [--repeat N] [--best]
                             [--out DIR] [--json FILE] [--scale NAME=ARG] [--no-native]
                             [--list] [NAME ...]

Builds every C program with zig (ARCH-linux-musl and x86_64-linux-musl, static, -O2; cached
in benchmarks/build/ as NAME-ARCH.HASH, a hash of the source, the flags and the zig version),
then runs each program N times under qemu-ARCH, natively, and under `dbt-vm run --mode M
--stats-json` in every mode M of --modes (M+traces: with `--hot traces`, the hot tier's
traces instead of its regions), rotating the order, and takes the median wall time
of each (or the best with --best). Wall time is the whole process: Python start-up, imports,
loading, translation, execution, exit. Each mode but interp gets two columns:
  cold  every run starts with an empty translation cache (static: `dbt-vm translate` into it
        and the run, both timed);
  warm  a cache filled first, untimed (static: by `dbt-vm translate`; the others: by one run).
interp has no cache (one column) and runs at its own small scale, as does the qemu run it is
compared with. dbt-vm's modules are byte-compiled first, as an installed package's are; the
dbt-vm measured is the one of this checkout (it goes first on PYTHONPATH).

Every run's stdout and exit status must equal qemu's: a mismatch fails the run (exit status 1).
The native build is only a reference (a differing native output is reported, not a failure).

Written to --out (default benchmarks/results/): results.md (ratio to qemu per program and
column, the fastest column per program, geometric means per category and suite, dbt-vm's
seconds, the four costs of each picked run), results.json (every run's raw figures and the
summary) and charts (ratio-SUITE.png: ratios on a log scale; costs-SUITE.png: the four costs
stacked, per program and column). Both files record the guest architecture, the host,
Python, llvmlite/LLVM, qemu, zig and dbt-vm (git commit). A progress bar goes to stderr, a
summary to stdout.

The performance targets of the translating modes, for the full scales (each C program takes
1-3 s under qemu-riscv64 on the reference machine; the same scales serve aarch64), as
geometric means of dbt-vm s / qemu s (for either architecture):
    C programs, cold: <= 1.5 over all, <= 0.5 over the double-precision FP programs
    C programs, warm: <= 0.5 over all
    real programs, warm: <= 1.5 over all
Exit status 2 means the outputs all matched but a target was not met (only for a full-scale
run of the whole suite; --quick, --scale or names make the verdicts indicative).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))   # compare.py, report.py
import report  # noqa: E402
from compare import Job, columns, dbt_command, measure, steps  # noqa: E402

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
BUILD = HERE / "build"
ZIG_FLAGS = ["-static", "-O2"]
TARGETS = {"riscv64": "riscv64-linux-musl", "aarch64": "aarch64-linux-musl",
           "x86_64": "x86_64-linux-musl"}
# The guest architectures of --arch: the reference qemu and the Debian architecture of the
# real programs (debian.DISTROS).
GUESTS = {"riscv64": {"qemu": "qemu-riscv64", "debian": "riscv64"},
          "aarch64": {"qemu": "qemu-aarch64", "debian": "arm64"}}

# What each program mostly exercises (its header comment says more).
CATEGORY = {
    "intloop": "int", "sieve": "mem", "memstream": "mem", "hashtable": "branch",
    "bytecode": "branch", "brainfuck": "branch", "fib": "calls", "ackermann": "calls",
    "bintrees": "calls", "qsort": "libc", "textproc": "libc", "malloc": "libc",
    "nbody": "fp", "matmul": "fp", "mandelbrot": "fp", "montecarlo": "fp",
    "vm_big": "code", "regex": "code", "compress": "code", "image": "code", "crypto": "code",
    "json": "code", "minilang": "code", "chess": "code", "forth": "code", "query": "code",
    "threads2": "int",
}

# argv[1] per program. "dynamic" (used for every translating mode, and for qemu and native in
# the same run): each program takes about 1.5-2 s of CPU under qemu-riscv64 on the reference
# machine (2-core AMD EPYC; measured with the machine shared, wall 1.5-2.7 s), inside the
# 1-3 s band of the target. "interp": about 2-4 s under `--mode interp` (6-16 guest MIPS on
# integer code, 1.3-2.7 on FP). The quick tables are about 1/8 (dynamic) and 1/3 (interp) of
# the full ones, for a fast check.
SCALES = {
    "dynamic": {
        "intloop": "1500", "sieve": "280", "memstream": "2850", "hashtable": "870",
        "bytecode": "165", "brainfuck": "130", "fib": "38", "ackermann": "200",
        "bintrees": "16", "qsort": "140", "textproc": "260", "malloc": "470",
        "nbody": "1550", "matmul": "180", "mandelbrot": "125", "montecarlo": "400",
        "vm_big": "64", "regex": "120", "compress": "150", "image": "150", "crypto": "1800",
        "json": "150", "minilang": "45", "chess": "50", "forth": "250", "query": "400",
        "threads2": "1000",
    },
    "interp": {
        "intloop": "8", "sieve": "2", "memstream": "14", "hashtable": "8",
        "bytecode": "3", "brainfuck": "2", "fib": "29", "ackermann": "3",
        "bintrees": "10", "qsort": "1", "textproc": "2", "malloc": "4",
        "nbody": "7", "matmul": "1", "mandelbrot": "2", "montecarlo": "2",
        "vm_big": "1", "regex": "1", "compress": "1", "image": "1", "crypto": "6",
        "json": "3", "minilang": "1", "chess": "1", "forth": "1", "query": "1",
        "threads2": "2",
    },
}
QUICK_SCALES = {
    "dynamic": {
        "intloop": "190", "sieve": "35", "memstream": "360", "hashtable": "110",
        "bytecode": "22", "brainfuck": "16", "fib": "34", "ackermann": "25",
        "bintrees": "13", "qsort": "18", "textproc": "32", "malloc": "60",
        "nbody": "200", "matmul": "22", "mandelbrot": "16", "montecarlo": "50",
        "vm_big": "8", "regex": "15", "compress": "19", "image": "19", "crypto": "225",
        "json": "19", "minilang": "6", "chess": "6", "forth": "30", "query": "50",
        "threads2": "125",
    },
    "interp": {
        "intloop": "3", "sieve": "1", "memstream": "5", "hashtable": "3",
        "bytecode": "1", "brainfuck": "1", "fib": "26", "ackermann": "1",
        "bintrees": "8", "qsort": "1", "textproc": "1", "malloc": "1",
        "nbody": "3", "matmul": "1", "mandelbrot": "1", "montecarlo": "1",
        "vm_big": "1", "regex": "1", "compress": "1", "image": "1", "crypto": "2",
        "json": "1", "minilang": "1", "chess": "1", "forth": "1", "query": "1",
        "threads2": "1",
    },
}
# Targets: (suite, cache) -> {category or "all": geometric mean of dbt-vm s / qemu s}.
SPEED_TARGETS = {("kernels", "cold"): {"all": 1.5, "fp": 0.5},
                 ("kernels", "warm"): {"all": 0.5}, ("real", "warm"): {"all": 1.5}}
QEMU_BAND = (1.0, 3.0)          # seconds under qemu that the full scales aim at


# -- building ----------------------------------------------------------------------------------

def _zig_version() -> str:
    try:
        from importlib.metadata import version
        return version("ziglang")
    except Exception:
        return "unknown"


def build(name: str, arch: str) -> Path:
    """The static -O2 build of programs/NAME.c for ARCH (cached)."""
    src = PROGRAMS / f"{name}.c"
    flags = ["-target", TARGETS[arch], *ZIG_FLAGS]
    key = hashlib.sha256(src.read_bytes() + " ".join(flags).encode()
                         + _zig_version().encode()).hexdigest()[:16]
    out = BUILD / f"{name}-{arch}.{key}"
    if not out.exists():
        BUILD.mkdir(exist_ok=True)
        tmp = out.with_suffix(f".tmp{os.getpid()}")
        subprocess.run([sys.executable, "-m", "ziglang", "cc", *flags, "-o", str(tmp), str(src)],
                       check=True, capture_output=True)
        tmp.replace(out)
        for stale in BUILD.glob(f"{name}-{arch}.*"):      # builds of older sources
            if stale != out and ".tmp" not in stale.name:
                stale.unlink(missing_ok=True)
    return out


def build_all(names: list[str], native: bool, arch: str = "riscv64") -> dict:
    """{(name, arch): binary} for the guest ARCH, and x86_64 if NATIVE (None: no build)."""
    jobs = [(n, arch) for n in names] + ([(n, "x86_64") for n in names] if native else [])

    def one(job):
        try:
            return job, build(*job)
        except subprocess.CalledProcessError as exc:
            if job[1] == arch:
                raise SystemExit(f"build of {job[0]} failed:\n{exc.stderr.decode()}")
            return job, None            # no native build: that column stays empty
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return dict(pool.map(one, jobs))


def byte_compile_dbt() -> None:
    """Byte-compile dbt-vm's own modules, as installing a package does: every run then times
    the tool's start-up, not the compilation of sources changed since they were last imported
    (or of all of them, where PYTHONDONTWRITEBYTECODE is set and nothing is cached: +0.15 s)."""
    import compileall

    import dbt
    import dbt.backends
    import dbt.cache
    import dbt.frontends
    for package in (dbt, dbt.backends, dbt.frontends, dbt.cache):
        for path in package.__path__:
            compileall.compile_dir(path, quiet=1)



# -- the programs as jobs ----------------------------------------------------------------------

def _debian():
    """benchmarks/debian.py, imported by path (as tests/debian does)."""
    name = "_dbt_benchmarks_debian"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "debian.py")
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def kernel_job(name: str, arg: str, scale: str, binaries: dict, arch: str = "riscv64") -> Job:
    """The C program NAME, built for ARCH, with argv[1] = ARG."""
    guest, native = str(binaries[(name, arch)]), binaries.get((name, "x86_64"))
    env = dict(os.environ)

    def dbt_env(cache: Path) -> dict:
        return {**env, "XDG_CACHE_HOME": str(cache), "DBT_VM_CACHE_DIR": str(cache)}
    return Job("kernels", name, CATEGORY.get(name, "other"), scale, arg,
               [GUESTS[arch]["qemu"], guest, arg],
               dbt=lambda mode, opts: [*dbt_command(), "run", "--mode", mode, *opts, guest, arg],
               translate=lambda cache: [*dbt_command(), "translate", "--cache-dir", str(cache),
                                        guest],
               env=dbt_env, qemu_env=env, native=[str(native), arg] if native else None,
               stdin=b"")


def real_job(deb, root: Path, cmd, scale: str, size: str) -> Job:
    """The Debian command CMD (of the table of SIZE) in the sysroot ROOT."""
    program = str(root / cmd.program)
    return Job("real", cmd.name, "start-up" if cmd.startup_only else "work", scale, size,
               deb.qemu_command(root, cmd),
               dbt=lambda mode, opts: deb.dbt_command(root, cmd, mode, opts),
               translate=lambda cache: [*dbt_command(), "translate", "-L", str(root),
                                        "--cache-dir", str(cache), program],
               env=lambda cache: deb.dbt_env(cmd, cache), qemu_env=cmd.env, stdin=cmd.stdin,
               prepare=cmd.prepare)


def _share(cols: list, value_of) -> dict:
    """The columns grouped by what VALUE_OF(scale) gives (an argv[1], a size): one job serves
    the columns of a value, interp's included when its scale is the same."""
    groups = {}
    for col in cols:
        groups.setdefault(value_of(col.scale), (col.scale, []))[1].append(col)
    return groups


def plan(args, cols: list) -> list:
    """[(suite, name, category, [(job, its columns), ...]), ...] of args.kernels and
    args.real; SystemExit with one line when the real programs' sysroot cannot be had."""
    out = []
    if args.kernels:
        binaries = build_all(args.kernels, args.native, args.arch)
        for name in args.kernels:
            jobs = [(kernel_job(name, arg, scale, binaries, args.arch), c) for arg, (scale, c) in
                    _share(cols, lambda scale: args.scales[scale].get(name, "1")).items()]
            out.append(("kernels", name, CATEGORY.get(name, "other"), jobs))
    if args.real:
        deb = _debian()
        try:
            root = deb.sysroot(log=lambda msg: print(f"debian: {msg}", file=sys.stderr),
                               arch=args.debian)
        except deb.Unavailable as exc:
            raise SystemExit(f"run.py: no Debian sysroot for the real programs: {exc}")

        def size(scale: str) -> str:
            return "test" if args.quick or scale == "interp" else "bench"
        # the bench size's files are large (hundreds of MB): made only when a column needs it
        tables = {s: {c.name: c for c in deb.commands(s, args.debian)}
                  for s in {size(c.scale) for c in cols}}
        for name in args.real:
            jobs = [(real_job(deb, root, tables[sz][name], scale, sz), c)
                    for sz, (scale, c) in _share(cols, size).items()]
            category = ("start-up" if next(iter(tables.values()))[name].startup_only
                        else "work")
            out.append(("real", name, category, jobs))
    return out


# -- running the plan --------------------------------------------------------------------------

def run_plan(todo: list, args) -> dict:
    """Measure every job, with a progress bar on stderr: {suite: [program, ...]}."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn)
    total = sum(steps(c, args, bool(job.native)) for *_, jobs in todo for job, c in jobs)
    suites = {}
    with Progress(TextColumn("{task.description:<44}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True)) as progress:
        task = progress.add_task("", total=total)
        for suite, name, category, jobs in todo:
            program = {"name": name, "category": category, "scales": {}, "cells": {},
                       "notes": []}
            for job, job_cols in jobs:
                def tick(what: str, _job=job) -> None:
                    progress.update(task, description=f"{suite} {name} {_job.arg}: {what}"[:44])
                    progress.advance(task)
                result = measure(job, job_cols, args, tick)
                for scale in {c.scale for c in job_cols}:
                    program["scales"][scale] = {k: result[k] for k in ("arg", "qemu", "native")
                                                if k in result}
                program["cells"].update(result["cells"])
                program["notes"] += result["notes"]
                _check_band(suite, program, result, args)
            program["same"] = all(c["same"] for c in program["cells"].values())
            progress.console.print(_line(program))
            suites.setdefault(suite, []).append(program)
    return suites


def _check_band(suite: str, program: dict, result: dict, args) -> None:
    """A note when qemu's time of a C program at the full scale is outside QEMU_BAND."""
    if (suite == "kernels" and result["scale"] == "dynamic"
            and not (args.quick or args.scale)
            and not QEMU_BAND[0] <= result["qemu"]["seconds"] <= QEMU_BAND[1]):
        program["notes"].append(f"qemu took {result['qemu']['seconds']:.2f} s, outside the "
                                f"{QEMU_BAND[0]:g}-{QEMU_BAND[1]:g} s band the full scales aim "
                                "at (machine load, or the scale needs a new measurement)")


def _line(program: dict) -> str:
    """One line per program as it ends: its ratios."""
    cells = ", ".join(f"{k} {c['ratio']:.2f}{'' if c['same'] else ' (OUTPUT DIFFERS)'}"
                      for k, c in program["cells"].items())
    return f"{program['name']}: dbt-vm s / qemu s: {cells}"


# -- main --------------------------------------------------------------------------------------

def _header(name: str) -> str:
    text = (PROGRAMS / f"{name}.c").read_text()
    m = re.match(r"\s*/\*(.*?)\*/", text, re.S)
    return " ".join(line.strip(" *") for line in m.group(1).splitlines()).strip() if m else ""


def dbt_root() -> Path:
    """The dbt-vm to measure: this checkout's, put first on sys.path and PYTHONPATH (for the
    dbt-vm processes, the real programs' included); else the installed one."""
    root = HERE.parent
    if (root / "dbt" / "__init__.py").is_file():
        sys.path.insert(0, str(root))
        paths = [str(root), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        return root
    import dbt
    return Path(dbt.__file__).resolve().parent.parent


# The modes with a hot tier, and its formers (`dbt-vm run --hot`): "auto+traces" is the auto
# mode with --hot traces, so that regions and traces are measured side by side.
HOT_MODES = ("dynamic", "auto")
HOT_FORMERS = ("regions", "traces")


def check_modes(text: str) -> list[str]:
    """The modes of --modes, each one `dbt-vm run --mode` accepts (or one of HOT_MODES with
    +FORMER, FORMER one of HOT_FORMERS), or SystemExit (one line)."""
    from dbt import runtime
    modes = [m.strip() for m in text.split(",") if m.strip()]
    if not modes:
        raise SystemExit("run.py: --modes needs at least one mode")
    for mode in modes:
        base, plus, hot = mode.partition("+")
        if plus and (base not in HOT_MODES or hot not in HOT_FORMERS):
            raise SystemExit(f"run.py: mode {mode!r} is unknown (a hot-code former goes after "
                             f"{' or '.join(HOT_MODES)}: +{', +'.join(HOT_FORMERS)})")
        if base not in runtime.MODES:
            planned = mode in getattr(runtime, "PLANNED_MODES", ())
            why = "is not implemented yet in this dbt-vm" if planned else "is unknown"
            raise SystemExit(f"run.py: mode {mode!r} {why} (dbt-vm run --mode accepts "
                             f"{', '.join(runtime.MODES)})")
    return list(dict.fromkeys(modes))


def check_out(folder: str) -> Path:
    """The output folder, created and writable, or SystemExit (one line)."""
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise SystemExit(f"run.py: cannot write to --out {folder}: {exc.strerror or exc}")
    return out


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 3)[3])
    ap.add_argument("--modes", "--mode", dest="modes", default="dynamic", metavar="M[,M...]",
                    help="dbt-vm modes, comma-separated, e.g. "
                         "interp,static,dynamic,auto,auto+traces "
                         "(default: dynamic; --mode M is --modes M)")
    ap.add_argument("--cache", choices=("cold", "warm", "both"), default="both",
                    help="the columns of every mode but interp: cold (an empty translation "
                         "cache per run), warm (a cache per program filled first, untimed), "
                         "or both (default)")
    ap.add_argument("--arch", choices=tuple(GUESTS), default="riscv64",
                    help="the guest architecture: riscv64 (default; qemu-riscv64, Debian 13 "
                         "riscv64) or aarch64 (qemu-aarch64, Debian 12 arm64)")
    ap.add_argument("--suite", choices=("kernels", "real", "all"), default="kernels",
                    help="kernels: the C programs (default); real: Debian programs of the "
                         "architecture (benchmarks/debian.py); all: both, in one report")
    ap.add_argument("--out", default=str(HERE / "results"), metavar="DIR",
                    help="folder for results.md, results.json and the charts "
                         "(default: benchmarks/results)")
    ap.add_argument("--json", metavar="FILE", help="also write results.json to FILE")
    ap.add_argument("--dbt-option", action="append", default=[], metavar="OPT",
                    help="pass OPT to `dbt-vm run` (repeatable), e.g. --dbt-option=--speculate=off")
    ap.add_argument("--repeat", type=int, default=None, metavar="N",
                    help="runs per program and column (default 3, 1 with --quick)")
    ap.add_argument("--best", action="store_true", help="take the best run instead of the median")
    ap.add_argument("--quick", action="store_true",
                    help="about 1/8 of the full scales (real programs: the test size)")
    ap.add_argument("--scale", action="append", default=[], metavar="NAME=ARG",
                    help="argv[1] of one C program, in every mode")
    ap.add_argument("--no-native", dest="native", action="store_false",
                    help="skip the native x86-64 builds and runs")
    ap.add_argument("--no-repeat-above", type=float, default=10.0, metavar="RATIO",
                    help="run a column only once on a program where its first run took more "
                         "than RATIO times qemu's (default 10; 0 repeats everything)")
    ap.add_argument("--timeout", type=float, default=3600.0, metavar="S",
                    help="seconds before a run counts as failed (default 3600)")
    ap.add_argument("--list", action="store_true", help="list the programs and their scales")
    ap.add_argument("names", nargs="*", metavar="NAME")
    args = ap.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.no_repeat_above <= 0:
        args.no_repeat_above = float("inf")
    args.qemu, args.debian = GUESTS[args.arch]["qemu"], GUESTS[args.arch]["debian"]
    available = sorted(p.stem for p in PROGRAMS.glob("*.c"))
    real = ([c.name for c in _debian().commands("test", args.debian)]
            if args.suite != "kernels" else [])
    kernels = available if args.suite != "real" else []
    unknown = [n for n in args.names if n not in kernels and n not in real]
    if unknown:
        ap.error(f"no such program: {', '.join(unknown)} (have: {', '.join(kernels + real)})")
    args.kernels = [n for n in args.names if n in kernels] if args.names else kernels
    args.real = [n for n in args.names if n in real] if args.names else real
    args.scales = {kind: dict((QUICK_SCALES if args.quick else SCALES)[kind])
                   for kind in ("dynamic", "interp")}
    for item in args.scale:
        name, sep, value = item.partition("=")
        if not sep or name not in available:
            ap.error(f"--scale expects NAME=ARG with a known NAME, got {item!r}")
        for table in args.scales.values():
            table[name] = value
    return args


def list_programs(args) -> None:
    for c in _debian().commands("bench", args.debian) if args.real else ():
        line = " ".join([Path(c.program).name, *c.args]).replace("\n", "; ")
        print(f"{c.name:15} real   {line[:100]}")
    for n in args.kernels:
        print(f"{n:11} {CATEGORY.get(n, 'other'):6} dynamic {SCALES['dynamic'].get(n, '-'):>5}"
              f"  interp {SCALES['interp'].get(n, '-'):>3}  quick "
              f"{QUICK_SCALES['dynamic'].get(n, '-'):>4}/{QUICK_SCALES['interp'].get(n, '-')}"
              f"\n            {_header(n)}")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.list:
        list_programs(args)
        return 0
    root = dbt_root()
    try:
        modes = check_modes(args.modes)
        out = check_out(args.out)
        if not shutil.which(args.qemu):
            raise SystemExit(f"run.py: {args.qemu} not found; it is the reference every run "
                             "is compared with")
        caches = ("cold", "warm") if args.cache == "both" else (args.cache,)
        cols = columns(modes, caches)
        todo = plan(args, cols)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 1
    meta = report.describe(root, args.qemu, _zig_version(), args.arch)
    byte_compile_dbt()
    doc = {"meta": meta, "columns": [c.key for c in cols],
           "options": {"arch": args.arch, "modes": modes, "cache": args.cache, "suite": args.suite,
                       "repeat": args.repeat, "statistic": "best" if args.best else "median",
                       "quick": args.quick, "scales": args.scales,
                       "dbt_options": args.dbt_option, "native": args.native}}
    doc["suites"] = run_plan(todo, args)
    doc["summary"] = report.summarize(doc, SPEED_TARGETS, conclusive=not (
        args.quick or args.names or args.scale))
    try:
        written = report.write(doc, out, args.json)
    except OSError as exc:
        print(f"run.py: cannot write the report: {exc}", file=sys.stderr)
        return 1
    report.console_summary(doc)
    print(f"report: {', '.join(str(p) for p in written)}", file=sys.stderr)
    if any(not p["same"] for programs in doc["suites"].values() for p in programs):
        return 1
    summary = doc["summary"]
    return 2 if summary["conclusive"] and not all(v["met"] for v in summary["verdicts"]) else 0


if __name__ == "__main__":
    sys.exit(main())
