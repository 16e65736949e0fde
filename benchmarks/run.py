"""Benchmark runner: dbt-vm against qemu-riscv64 (and native x86-64) on the programs in
benchmarks/programs.

    python benchmarks/run.py [--mode dynamic] [--repeat N] [--quick] [--json FILE]
                             [--scale NAME=ARG] [--no-native] [--best] [--list]
                             [--cache cold|warm] [--suite kernels|real|all] [NAME ...]

Builds every program with zig (riscv64-linux-musl and x86_64-linux-musl, static, -O2; cached
in benchmarks/build/ by a hash of the source, the flags and the zig version), then runs each one
N times under `dbt-vm run --mode M --stats-json`, under qemu-riscv64 and natively, alternating
the order, and takes the median wall time of each (or the best with --best). Wall time is the
whole process: Python start-up, imports, loading, translation, execution, exit. With
`--cache cold` (the default) every dbt-vm run starts with an empty translation cache; with
`--cache warm` each program gets a cache filled before the timed runs (`dbt-vm translate` in
the static mode, one untimed run in the others: the "prepare s" column).
dbt-vm's modules are byte-compiled first, as an installed package's are.

Every run's stdout and exit status must equal qemu's: a mismatch fails the run (exit status 1).
The native build is only a reference (a differing native output is reported, not a failure).

The performance target of the translating modes (`dynamic`, `static`, `auto`), for the full
scales (each program takes 1-3 s under qemu-riscv64 on the reference machine):
    geometric mean of dbt-vm s / qemu s   <= 1.5 over all benchmarks
                                          <= 0.5 over the double-precision FP benchmarks
    with --cache warm (a warm cache, or after translate in the static mode): <= 0.5 over all
The runner prints both against their targets; exit status 2 means the outputs all matched but
a target was not met (only for a full-scale run of the whole suite; --quick or a subset of the
names reports the geometric means as indicative).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
BUILD = HERE / "build"
QEMU = "qemu-riscv64"
ZIG_FLAGS = ["-static", "-O2"]
TARGETS = {"riscv64": "riscv64-linux-musl", "x86_64": "x86_64-linux-musl"}

# What each program mostly exercises (its header comment says more).
CATEGORY = {
    "intloop": "int", "sieve": "mem", "memstream": "mem", "hashtable": "branch",
    "bytecode": "branch", "brainfuck": "branch", "fib": "calls", "ackermann": "calls",
    "bintrees": "calls", "qsort": "libc", "textproc": "libc", "malloc": "libc",
    "nbody": "fp", "matmul": "fp", "mandelbrot": "fp", "montecarlo": "fp",
    "vm_big": "code", "regex": "code", "compress": "code", "image": "code", "crypto": "code",
    "json": "code", "minilang": "code", "chess": "code",
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
        "json": "150", "minilang": "45", "chess": "50",
    },
    "interp": {
        "intloop": "8", "sieve": "2", "memstream": "14", "hashtable": "8",
        "bytecode": "3", "brainfuck": "2", "fib": "29", "ackermann": "3",
        "bintrees": "10", "qsort": "1", "textproc": "2", "malloc": "4",
        "nbody": "7", "matmul": "1", "mandelbrot": "2", "montecarlo": "2",
        "vm_big": "1", "regex": "1", "compress": "1", "image": "1", "crypto": "6",
        "json": "3", "minilang": "1", "chess": "1",
    },
}
QUICK_SCALES = {
    "dynamic": {
        "intloop": "190", "sieve": "35", "memstream": "360", "hashtable": "110",
        "bytecode": "22", "brainfuck": "16", "fib": "34", "ackermann": "25",
        "bintrees": "13", "qsort": "18", "textproc": "32", "malloc": "60",
        "nbody": "200", "matmul": "22", "mandelbrot": "16", "montecarlo": "50",
        "vm_big": "8", "regex": "15", "compress": "19", "image": "19", "crypto": "225",
        "json": "19", "minilang": "6", "chess": "6",
    },
    "interp": {
        "intloop": "3", "sieve": "1", "memstream": "5", "hashtable": "3",
        "bytecode": "1", "brainfuck": "1", "fib": "26", "ackermann": "1",
        "bintrees": "8", "qsort": "1", "textproc": "1", "malloc": "1",
        "nbody": "3", "matmul": "1", "mandelbrot": "1", "montecarlo": "1",
        "vm_big": "1", "regex": "1", "compress": "1", "image": "1", "crypto": "2",
        "json": "1", "minilang": "1", "chess": "1",
    },
}
TARGET_ALL, TARGET_FP = 1.5, 0.5
TARGET_WARM = 0.5               # all programs, warm cache (dynamic) or after translate (static)


def targets(args) -> tuple[float, float]:
    """The targets (all programs, FP programs) of the run's mode and cache."""
    return (TARGET_WARM, TARGET_WARM) if args.cache == "warm" else (TARGET_ALL, TARGET_FP)
QEMU_BAND = (1.0, 3.0)          # seconds under qemu that the full scales aim at
FIXED_COST_PROBE = ("fib", "1")  # a run that does almost nothing: dbt-vm's fixed cost


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


def build_all(names: list[str], native: bool) -> dict:
    jobs = [(n, "riscv64") for n in names] + ([(n, "x86_64") for n in names] if native else [])

    def one(job):
        try:
            return job, build(*job)
        except subprocess.CalledProcessError as exc:
            if job[1] == "riscv64":
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


# -- running -----------------------------------------------------------------------------------

class Run:
    """One process: wall seconds, CPU seconds (user + sys of the child), stdout, status."""

    def __init__(self, cmd: list[str], env: dict, timeout: float, stdin: bytes | None = None,
                 cwd: Path | None = None):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, env=env, timeout=timeout,
                                  input=stdin, cwd=cwd)
            self.stdout, self.stderr, self.status = proc.stdout, proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as exc:
            self.stdout, self.stderr, self.status = exc.stdout or b"", b"timeout", "timeout"
        self.seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_dbt(binary: Path, arg: str, mode: str, env: dict, timeout: float,
            options: tuple = (), cache: Path | None = None) -> tuple[Run, dict]:
    """One `dbt-vm run`: with the translation cache `cache`, else an empty one."""
    with tempfile.TemporaryDirectory(prefix="dbt-bench-") as tmp:
        stats_path = Path(tmp) / "stats.json"
        run = Run([sys.executable, "-m", "dbt", "run", "--mode", mode, *options,
                   "--stats-json", str(stats_path), str(binary), arg],
                  {**env, "XDG_CACHE_HOME": tmp, "DBT_VM_CACHE_DIR": str(cache or tmp)},
                  timeout)
        try:
            stats = json.loads(stats_path.read_text())
        except (OSError, ValueError):
            stats = {}
    return run, stats


def prepare_cache(binary: Path, arg: str, args, env: dict, cache: Path) -> tuple[float, str]:
    """Fill `cache` for warm runs (--cache warm): `dbt-vm translate` for the static mode, one
    run of the program for the others. (seconds it took, what it was)."""
    if args.mode == "static":
        run = Run([sys.executable, "-m", "dbt", "translate", "--cache-dir", str(cache),
                   str(binary)], {**env, "XDG_CACHE_HOME": str(cache)}, args.timeout)
        return run.seconds, "translate"
    run, _stats = run_dbt(binary, arg, args.mode, env, args.timeout, args.dbt_option, cache)
    return run.seconds, "first run"


def _pick(values: list[float], best: bool) -> float:
    return min(values) if best else statistics.median(values)


def _first_difference(a: bytes, b: bytes) -> str:
    la, lb = a.decode(errors="replace").splitlines(), b.decode(errors="replace").splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}: {x[:60]!r} vs qemu {y[:60]!r}"
    return f"{len(la)} lines vs qemu {len(lb)} lines"


def bench(name: str, arg: str, binaries: dict, args, env: dict) -> dict:
    if args.cache == "warm":
        with tempfile.TemporaryDirectory(prefix=f"dbt-bench-{name}-") as cache:
            prep_seconds, prep = prepare_cache(binaries[(name, "riscv64")], arg, args, env,
                                               Path(cache))
            row = _bench(name, arg, binaries, args, env, Path(cache))
        row["prepare_seconds"], row["prepare"] = prep_seconds, prep
        return row
    return _bench(name, arg, binaries, args, env, None)


def _bench(name: str, arg: str, binaries: dict, args, env: dict, cache: Path | None) -> dict:
    rv, native = binaries[(name, "riscv64")], binaries.get((name, "x86_64"))
    dbt_runs, qemu_runs, native_runs, all_stats = [], [], [], []
    notes, same = [], True
    for rep in range(args.repeat):
        # alternate who goes first, so slow drifts of the machine hit both sides alike
        order = ["dbt", "qemu"] if rep % 2 == 0 else ["qemu", "dbt"]
        for who in order:
            if who == "dbt" and dbt_runs and dbt_runs[0].seconds > args.no_repeat_above * (
                    qemu_runs[0].seconds if qemu_runs else float("inf")):
                continue                # far from any target: another run cannot change that
            if who == "dbt":
                run, stats = run_dbt(rv, arg, args.mode, env, args.timeout, args.dbt_option,
                                     cache)
                dbt_runs.append(run)
                all_stats.append(stats)
            else:
                qemu_runs.append(Run([QEMU, str(rv), arg], env, args.timeout))
        if native:
            native_runs.append(Run([str(native), arg], env, args.timeout))
    ref = qemu_runs[0]
    for q in qemu_runs[1:]:
        if (q.stdout, q.status) != (ref.stdout, ref.status):
            same = False
            notes.append("qemu's own runs differ (output is not deterministic)")
    for d in dbt_runs:
        if (d.stdout, d.status) != (ref.stdout, ref.status):
            same = False
            if d.status != ref.status:
                notes.append(f"exit status {d.status} vs qemu {ref.status}")
            if d.stdout != ref.stdout:
                notes.append("stdout differs, " + _first_difference(d.stdout, ref.stdout))
            err = d.stderr.decode(errors="replace").strip().splitlines()
            if err:
                notes.append("dbt-vm stderr: " + err[-1][:120])
            break
    if len(dbt_runs) < len(qemu_runs):
        notes.append(f"dbt-vm ran once: more than {args.no_repeat_above:g}x qemu's time "
                     "(--no-repeat-above)")
    if native_runs and (native_runs[0].stdout, native_runs[0].status) != (ref.stdout, ref.status):
        notes.append("native x86-64 output differs from riscv64 (reference only)")
    dbt_s = _pick([r.seconds for r in dbt_runs], args.best)
    qemu_s = _pick([r.seconds for r in qemu_runs], args.best)
    # the figures of the dbt-vm run whose time was picked
    stats = all_stats[min(range(len(dbt_runs)), key=lambda i: abs(dbt_runs[i].seconds - dbt_s))]
    row = {
        "name": name, "category": CATEGORY.get(name, "other"), "arg": arg,
        "same": same, "status": ref.status, "notes": notes,
        "dbt_seconds": dbt_s, "qemu_seconds": qemu_s, "ratio": dbt_s / qemu_s,
        "dbt_runs": [r.seconds for r in dbt_runs], "qemu_runs": [r.seconds for r in qemu_runs],
        "dbt_cpu": _pick([r.cpu for r in dbt_runs], args.best),
        "qemu_cpu": _pick([r.cpu for r in qemu_runs], args.best),
        "stats": stats,
    }
    if native_runs:
        row["native_seconds"] = _pick([r.seconds for r in native_runs], args.best)
        row["native_runs"] = [r.seconds for r in native_runs]
    return row


def fixed_cost(binaries: dict, args, env: dict) -> float | None:
    """dbt-vm's cost for a program that does next to nothing (start-up, load, libc start-up)."""
    name, arg = FIXED_COST_PROBE
    if not (PROGRAMS / f"{name}.c").exists():
        return None
    binary = binaries.get((name, "riscv64")) or build(name, "riscv64")
    with tempfile.TemporaryDirectory(prefix="dbt-bench-fixed-") as tmp:
        cache = None
        if args.cache == "warm":
            cache = Path(tmp)
            prepare_cache(binary, arg, args, env, cache)
        runs = [run_dbt(binary, arg, args.mode, env, args.timeout, args.dbt_option, cache)[0]
                for _ in range(max(1, min(args.repeat, 3)))]
    if any(r.status != 0 for r in runs):
        return None
    return _pick([r.seconds for r in runs], args.best)


# -- report ------------------------------------------------------------------------------------

def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def _exits(stats: dict) -> int:
    return sum(v for k, v in stats.items() if k.startswith("exits to Python"))


def _fmt_int(value) -> str:
    return f"{value:,}" if isinstance(value, int) else "-"


def _fmt_s(value, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "-"


def report(rows: list[dict], summary: dict, args) -> None:
    from rich.console import Console
    from rich.table import Table
    console = Console(width=None if sys.stdout.isatty() else 200)
    translating = args.mode != "interp"
    has_native = any("native_seconds" in r for r in rows)
    has_dyn = any("compile s" in r["stats"] for r in rows)

    table = Table(title=f"dbt-vm --mode {args.mode}, {args.cache} cache, vs {QEMU}"
                        f"{' and native x86-64' if has_native else ''} "
                        f"({'median' if not args.best else 'best'} of {args.repeat}"
                        f"{', quick scales' if args.quick else ''})")
    cols = ["benchmark", "cat", "arg", "guest insns", "dbt-vm s", "qemu s"]
    cols += ["native s"] if has_native else []
    cols += ["dbt/qemu"] + (["qemu/nat", "dbt/nat"] if has_native else [])
    cols += ["compile s", "transl. insns"] if has_dyn else []
    has_prep = any("prepare_seconds" in r for r in rows)
    cols += ["prepare s"] if has_prep else []
    cols += ["same"]
    for col in cols:
        table.add_column(col, justify="left" if col in ("benchmark", "cat") else "right")
    check_band = translating and not args.quick and not args.scale
    for r in rows:
        s = r["stats"]
        target = targets(args)[1] if r["category"] == "fp" else targets(args)[0]
        ratio_style = ("green" if r["ratio"] <= target else "red") if translating else ""
        qemu_text = _fmt_s(r["qemu_seconds"], 3)
        if check_band and not QEMU_BAND[0] <= r["qemu_seconds"] <= QEMU_BAND[1]:
            qemu_text = f"[yellow]{qemu_text}*[/]"
        cells = [r["name"], r["category"], r["arg"], _fmt_int(s.get("guest instructions")),
                 _fmt_s(r["dbt_seconds"]), qemu_text]
        if has_native:
            cells.append(_fmt_s(r.get("native_seconds"), 3))
        cells.append(f"[{ratio_style}]{r['ratio']:.2f}[/]" if ratio_style else f"{r['ratio']:.2f}")
        if has_native:
            nat = r.get("native_seconds")
            cells += [f"{r['qemu_seconds'] / nat:.1f}" if nat else "-",
                      f"{r['dbt_seconds'] / nat:.1f}" if nat else "-"]
        if has_dyn:
            cells += [_fmt_s(s.get("compile s")), _fmt_int(s.get("guest insns translated"))]
        if has_prep:
            cells.append(_fmt_s(r.get("prepare_seconds")))
        cells.append("yes" if r["same"] else "[bold red]NO[/]")
        table.add_row(*cells)
    console.print(table)

    if has_dyn or translating:
        t = Table(title="where dbt-vm's time goes (figures of the picked run, from --stats-json)")
        for col in ("benchmark", "wall s", "outside s", "load s", "translate s", "compile s",
                    "execute s", "syscalls s", "MIPS", "regions", "hot", "exits to Py",
                    "deopts", "interp blocks", "flushes"):
            t.add_column(col, justify="left" if col == "benchmark" else "right")
        for r in rows:
            s = r["stats"]
            inside = sum(s.get(k, 0.0) for k in ("load s", "decode+lift s", "execute s",
                                                  "syscalls s"))
            t.add_row(r["name"], _fmt_s(r["dbt_seconds"]), _fmt_s(r["dbt_seconds"] - inside),
                      _fmt_s(s.get("load s")), _fmt_s(s.get("decode+lift s")),
                      _fmt_s(s.get("compile s")), _fmt_s(s.get("execute s")),
                      _fmt_s(s.get("syscalls s")), _fmt_s(s.get("MIPS"), 0),
                      _fmt_int(s.get("regions compiled")),
                      _fmt_int(s.get("regions recompiled hot")), _fmt_int(_exits(s)),
                      _fmt_int(s.get("exits to Python: deopt", 0 if has_dyn else None)),
                      _fmt_int(s.get("blocks interpreted")), _fmt_int(s.get("code cache flushes")))
        console.print(t)
        console.print("  outside = wall - (load + translate + execute + syscalls): Python "
                      "start-up, imports, exit; translate includes compile; execute includes "
                      "interpreted blocks and exits to Python")

    for r in rows:
        for note in r["notes"]:
            console.print(f"  [yellow]{r['name']}[/]: {note}")
    if check_band and any(
            not QEMU_BAND[0] <= r["qemu_seconds"] <= QEMU_BAND[1] for r in rows):
        console.print(f"  [yellow]*[/] qemu time outside the {QEMU_BAND[0]:g}-{QEMU_BAND[1]:g} s "
                      "band the full scales aim at (machine load, or the scale needs a new "
                      "measurement)")
    if summary.get("fixed_cost") is not None:
        probe = " ".join(FIXED_COST_PROBE)
        console.print(f"  dbt-vm fixed cost (`{probe}`: start-up, load, libc start-up "
                      f"translated): {summary['fixed_cost']:.2f} s")

    def verdict(value, target):
        if value is None:
            return "n/a"
        if not translating:
            return f"{value:.2f}"
        met = value <= target and not summary["n_failed"]
        word = "[bold green]met[/]" if met else "[bold red]NOT met[/]"
        tail = "" if summary["conclusive"] else " (indicative: not a full-scale run of the suite)"
        if summary["n_failed"]:
            tail += f" ({summary['n_failed']} failed benchmark(s) left out: not met)"
        return f"{value:.2f}  (target <= {target}: {word}){tail}"
    console.print(f"geometric mean dbt-vm/qemu, all {summary['n_all']} benchmarks: "
                  + verdict(summary["geomean_all"], targets(args)[0]))
    console.print(f"geometric mean dbt-vm/qemu, {summary['n_fp']} FP benchmarks:   "
                  + verdict(summary["geomean_fp"], targets(args)[1]))
    if summary.get("geomean_cpu_all"):
        console.print(f"  same ratios on CPU time (user + sys; less sensitive to a busy machine): "
                      f"all {summary['geomean_cpu_all']:.2f}, FP "
                      + (f"{summary['geomean_cpu_fp']:.2f}" if summary["geomean_cpu_fp"] else "n/a")
                      + f"; load average at the end {summary['load_average'][0]:.1f} on "
                        f"{os.cpu_count()} cpus")
    if summary.get("geomean_qemu_native"):
        console.print(f"geometric mean qemu/native {summary['geomean_qemu_native']:.2f}, "
                      f"dbt-vm/native {summary['geomean_dbt_native']:.2f}")
    bad = [r["name"] for r in rows if not r["same"]]
    if bad:
        console.print(f"[bold red]FAILED[/]: output or exit status differs from qemu: "
                      f"{', '.join(bad)}")


# -- real programs (Debian riscv64: benchmarks/debian.py) ---------------------------------------

TARGET_REAL_WARM = 1.5          # geometric mean of dbt-vm warm s / qemu s over the real programs


def _debian():
    """benchmarks/debian.py, imported by path (as tests/debian does)."""
    name = "_dbt_benchmarks_debian"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "debian.py")
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def _tree(folder: Path) -> list:
    return sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*"))


def _picked_stats(runs: list, stats: list, seconds: float) -> dict:
    """The --stats-json figures of the run whose time was picked."""
    return stats[min(range(len(runs)), key=lambda i: abs(runs[i].seconds - seconds))]


def bench_real(deb, root: Path, cmd, args) -> dict:
    """One command: qemu-riscv64 -L, dbt-vm cold (a fresh cache directory per run) and dbt-vm
    warm (one cache directory, filled by a first untimed run), N runs each, rotating the
    order; all in one working directory holding the command's files."""
    runs, stats = {"qemu": [], "cold": [], "warm": []}, {"cold": [], "warm": []}
    with tempfile.TemporaryDirectory(prefix=f"dbt-real-{cmd.name}-") as tmp:
        tmp = Path(tmp)
        cwd, warm_cache = tmp / "cwd", tmp / "warm-cache"
        cwd.mkdir()
        warm_cache.mkdir()
        cmd.prepare(cwd)
        listing = _tree(cwd)

        def dbt(cache: Path) -> tuple[Run, dict]:
            stats_path = tmp / "stats.json"
            stats_path.unlink(missing_ok=True)
            options = ("--stats-json", str(stats_path), *args.dbt_option)
            run = Run(deb.dbt_command(root, cmd, args.mode, options), deb.dbt_env(cmd, cache),
                      args.timeout, stdin=cmd.stdin, cwd=cwd)
            try:
                return run, json.loads(stats_path.read_text())
            except (OSError, ValueError):
                return run, {}

        fill = dbt(warm_cache)[0]
        for rep in range(args.repeat):
            order = ["qemu", "cold", "warm"][rep % 3:] + ["qemu", "cold", "warm"][:rep % 3]
            for who in order:
                if who == "qemu":
                    runs["qemu"].append(Run(deb.qemu_command(root, cmd), cmd.env, args.timeout,
                                            stdin=cmd.stdin, cwd=cwd))
                    continue
                if runs[who] and runs[who][0].seconds > args.no_repeat_above * min(
                        r.seconds for r in runs["qemu"]):
                    continue
                if who == "cold":
                    with tempfile.TemporaryDirectory(prefix="cold-", dir=tmp) as cache:
                        run, st = dbt(Path(cache))
                else:
                    run, st = dbt(warm_cache)
                runs[who].append(run)
                stats[who].append(st)
        changed = _tree(cwd) != listing
    return _real_row(cmd, runs, stats, fill, changed, args)


def _real_row(cmd, runs: dict, stats: dict, fill: Run, changed: bool, args) -> dict:
    ref, notes = runs["qemu"][0], []
    if any((q.stdout, q.status) != (ref.stdout, ref.status) for q in runs["qemu"][1:]):
        notes.append("qemu's own runs differ (output is not deterministic)")
    same = not notes
    for label, run in [("fill", fill), *((w, r) for w in ("cold", "warm") for r in runs[w])]:
        if (run.stdout, run.status) != (ref.stdout, ref.status):
            same = False
            notes.append(f"{label} run: " + (f"exit status {run.status} vs qemu {ref.status}"
                                             if run.status != ref.status else
                                             "stdout differs, " + _first_difference(
                                                 run.stdout, ref.stdout)))
            break
    err = next((r.stderr for r in runs["cold"] + runs["warm"] if r.stderr != ref.stderr), None)
    if err is not None:
        notes.append("stderr differs from qemu's: "
                     + (err.decode(errors="replace").strip().splitlines() or ["(empty)"])[0][:100])
    if changed:
        notes.append("the command changed its working directory")
    row = {"name": cmd.name, "program": Path(cmd.program).name, "same": same, "notes": notes,
           "status": ref.status}
    for who in ("qemu", "cold", "warm"):
        row[f"{who}_seconds"] = _pick([r.seconds for r in runs[who]], args.best)
        row[f"{who}_cpu"] = _pick([r.cpu for r in runs[who]], args.best)
        row[f"{who}_runs"] = [r.seconds for r in runs[who]]
    for who in ("cold", "warm"):
        row[f"{who}_ratio"] = row[f"{who}_seconds"] / row["qemu_seconds"]
        row[f"{who}_stats"] = _picked_stats(runs[who], stats[who], row[f"{who}_seconds"])
        if len(runs[who]) < len(runs["qemu"]):
            notes.append(f"dbt-vm {who} ran once: more than {args.no_repeat_above:g}x qemu's "
                         "time (--no-repeat-above)")
    return row


def report_real(rows: list[dict], summary: dict, args) -> None:
    from rich.console import Console
    from rich.table import Table
    console = Console(width=None if sys.stdout.isatty() else 200)
    table = Table(title=f"real programs (Debian {summary['suite']} riscv64, {summary['size']} "
                        f"size): dbt-vm --mode {args.mode} cold and warm vs {QEMU} -L "
                        f"({'best' if args.best else 'median'} of {args.repeat})")
    for col in ("command", "program", "guest insns", "qemu s", "cold s", "warm s", "cold/qemu",
                "warm/qemu", "translate s cold", "translate s warm", "same"):
        table.add_column(col, justify="left" if col in ("command", "program") else "right")
    for r in rows:
        style = "green" if r["warm_ratio"] <= TARGET_REAL_WARM else "red"
        table.add_row(r["name"], r["program"],
                      _fmt_int(r["cold_stats"].get("guest instructions")),
                      _fmt_s(r["qemu_seconds"], 3), _fmt_s(r["cold_seconds"]),
                      _fmt_s(r["warm_seconds"]), f"{r['cold_ratio']:.2f}",
                      f"[{style}]{r['warm_ratio']:.2f}[/]",
                      _fmt_s(r["cold_stats"].get("decode+lift s")),
                      _fmt_s(r["warm_stats"].get("decode+lift s")),
                      "yes" if r["same"] else "[bold red]NO[/]")
    console.print(table)
    console.print("  cold: an empty translation cache directory (DBT_VM_CACHE_DIR) per run; warm: "
                  "the directory of an untimed first run of the same command; translate "
                  "includes compile")
    for r in rows:
        for note in r["notes"]:
            console.print(f"  [yellow]{r['name']}[/]: {note}")
    n = summary["n_ok"]
    console.print(f"geometric mean dbt-vm/qemu, {n} real programs, cold: "
                  + (f"{summary['geomean_cold']:.2f}" if summary["geomean_cold"] else "n/a"))
    warm = summary["geomean_warm"]
    if warm is None:
        text = "n/a"
    else:
        met = warm <= TARGET_REAL_WARM and not summary["n_failed"]
        text = (f"{warm:.2f}  (target <= {TARGET_REAL_WARM}: "
                f"{'[bold green]met[/]' if met else '[bold red]NOT met[/]'})"
                + ("" if summary["conclusive"] else " (indicative: not a full run of the suite)"))
    console.print(f"geometric mean dbt-vm/qemu, {n} real programs, warm: {text}")
    bad = [r["name"] for r in rows if not r["same"]]
    if bad:
        console.print(f"[bold red]FAILED[/]: output or exit status differs from qemu: "
                      f"{', '.join(bad)}")


def run_real(names: list[str], args) -> int:
    """The real-program suite: exit status 0, 1 (an output differs) or 2 (warm target missed
    in a full run)."""
    deb = _debian()
    size = "test" if args.quick else "bench"
    try:
        root = deb.sysroot(log=lambda msg: print(f"debian: {msg}", file=sys.stderr, flush=True))
    except deb.Unavailable as exc:
        print(f"run.py: no Debian sysroot for the real programs: {exc}", file=sys.stderr)
        return 1
    byte_compile_dbt()
    table, rows = deb.commands(size), []          # bench size: ~280 MB of files, made once
    for cmd in (c for c in table if c.name in names):
        row = bench_real(deb, root, cmd, args)
        print(f"{cmd.name}: qemu {row['qemu_seconds']:.3f} s, dbt-vm cold "
              f"{row['cold_seconds']:.2f} s, warm {row['warm_seconds']:.2f} s"
              f"{'' if row['same'] else ', OUTPUT DIFFERS'}", file=sys.stderr, flush=True)
        rows.append(row)
    ok = [r for r in rows if r["same"]]
    summary = {"suite": deb.SUITE, "size": size, "mode": args.mode, "repeat": args.repeat,
               "packages": (deb.read_stamp() or {}).get("packages", {}),
               "load_average": os.getloadavg(), "n_ok": len(ok), "n_failed": len(rows) - len(ok),
               "geomean_cold": geomean([r["cold_ratio"] for r in ok]),
               "geomean_warm": geomean([r["warm_ratio"] for r in ok]),
               "target_warm": TARGET_REAL_WARM,
               "conclusive": not args.quick and len(rows) == len(table)}
    report_real(rows, summary, args)
    if args.json:
        path = Path(args.json)
        try:
            doc = json.loads(path.read_text()) if args.suite == "all" else {}
        except (OSError, ValueError):
            doc = {}
        doc["real"] = {"summary": summary, "rows": rows}
        path.write_text(json.dumps(doc, indent=1, default=str))
    if len(ok) < len(rows):
        return 1
    warm = summary["geomean_warm"]
    return 2 if summary["conclusive"] and warm is not None and warm > TARGET_REAL_WARM else 0


# -- main --------------------------------------------------------------------------------------

def _header(name: str) -> str:
    text = (PROGRAMS / f"{name}.c").read_text()
    m = re.match(r"\s*/\*(.*?)\*/", text, re.S)
    return " ".join(line.strip(" *") for line in m.group(1).splitlines()).strip() if m else ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[5:]))
    ap.add_argument("--mode", default="dynamic", help="dbt-vm mode (default: dynamic)")
    ap.add_argument("--dbt-option", action="append", default=[], metavar="OPT",
                    help="pass OPT to `dbt-vm run` (repeatable), e.g. --dbt-option=--speculate=off")
    ap.add_argument("--repeat", type=int, default=None, metavar="N",
                    help="runs per program and engine (default 3, 1 with --quick)")
    ap.add_argument("--best", action="store_true", help="take the best run instead of the median")
    ap.add_argument("--quick", action="store_true", help="about 1/8 of the full scales")
    ap.add_argument("--scale", action="append", default=[], metavar="NAME=ARG",
                    help="override argv[1] of one program")
    ap.add_argument("--no-native", dest="native", action="store_false",
                    help="skip the native x86-64 builds and runs")
    ap.add_argument("--no-repeat-above", type=float, default=10.0, metavar="RATIO",
                    help="run dbt-vm only once on a program where its first run took more than "
                         "RATIO times qemu's (default 10; 0 repeats everything)")
    ap.add_argument("--timeout", type=float, default=3600.0, metavar="S",
                    help="seconds before a run counts as failed (default 3600)")
    ap.add_argument("--json", metavar="FILE", help="also write the rows and summary as JSON")
    ap.add_argument("--list", action="store_true", help="list the programs and their scales")
    ap.add_argument("--cache", choices=("cold", "warm"), default="cold",
                    help="cold: every dbt-vm run starts with an empty translation cache "
                         "(default); warm: a cache per program filled first (untimed) by "
                         "`dbt-vm translate` in the static mode, by one run in the others")
    ap.add_argument("--suite", choices=("kernels", "real", "all"), default="kernels",
                    help="kernels: the C programs (default); real: Debian riscv64 programs, "
                         "cold and warm (benchmarks/debian.py); all: both")
    ap.add_argument("names", nargs="*", metavar="NAME")
    args = ap.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.no_repeat_above <= 0:
        args.no_repeat_above = float("inf")

    available = sorted(p.stem for p in PROGRAMS.glob("*.c"))
    real = [c.name for c in _debian().commands()] if args.suite != "kernels" else []
    kernels = available if args.suite != "real" else []
    unknown = [n for n in args.names if n not in kernels and n not in real]
    if unknown:
        ap.error(f"no such program: {', '.join(unknown)} (have: {', '.join(kernels + real)})")
    names = [n for n in args.names if n in kernels] if args.names else kernels
    real_names = [n for n in args.names if n in real] if args.names else real
    kind = "interp" if args.mode == "interp" else "dynamic"
    scales = dict((QUICK_SCALES if args.quick else SCALES)[kind])
    for item in args.scale:
        name, sep, value = item.partition("=")
        if not sep or name not in available:
            ap.error(f"--scale expects NAME=ARG with a known NAME, got {item!r}")
        scales[name] = value

    if args.list:
        for c in _debian().commands("bench") if real else ():
            line = " ".join([Path(c.program).name, *c.args]).replace("\n", "; ")
            print(f"{c.name:15} real   {line[:100]}")
        for n in kernels:
            print(f"{n:11} {CATEGORY.get(n, 'other'):6} dynamic {SCALES['dynamic'].get(n, '-'):>5}"
                  f"  interp {SCALES['interp'].get(n, '-'):>3}  quick "
                  f"{QUICK_SCALES['dynamic'].get(n, '-'):>4}/{QUICK_SCALES['interp'].get(n, '-')}"
                  f"\n            {_header(n)}")
        return 0
    if not shutil.which(QEMU):
        print(f"run.py: {QEMU} not found; it is the reference every run is compared with",
              file=sys.stderr)
        return 1
    statuses = [run_kernels(names, scales, args)] if names else []
    if real_names:
        statuses.append(run_real(real_names, args))
    return 1 if 1 in statuses else max(statuses, default=0)


def run_kernels(names: list[str], scales: dict, args) -> int:
    """The C programs: exit status 0, 1 (an output differs) or 2 (a target missed)."""
    binaries = build_all(names, args.native)
    byte_compile_dbt()
    env = dict(os.environ)
    rows = []
    for name in names:
        arg = scales.get(name, "1")
        row = bench(name, arg, binaries, args, env)
        nat = f", native {row['native_seconds']:.3f} s" if "native_seconds" in row else ""
        print(f"{name} {arg}: dbt-vm {row['dbt_seconds']:.2f} s, qemu {row['qemu_seconds']:.3f} s"
              f"{nat}, ratio {row['ratio']:.2f}{'' if row['same'] else ', OUTPUT DIFFERS'}",
              file=sys.stderr, flush=True)
        rows.append(row)

    ok = [r for r in rows if r["same"]]           # a failed run has no meaningful time
    fp = [r for r in ok if r["category"] == "fp"]
    with_native = [r for r in ok if r.get("native_seconds")]
    summary = {
        "mode": args.mode, "repeat": args.repeat, "statistic": "best" if args.best else "median",
        "quick": args.quick, "host": f"{platform.node()} {platform.machine()} "
                                     f"{os.cpu_count()} cpus",
        "load_average": os.getloadavg(),
        "n_all": len(ok), "n_fp": len(fp), "n_failed": len(rows) - len(ok),
        "geomean_all": geomean([r["ratio"] for r in ok]),
        "geomean_fp": geomean([r["ratio"] for r in fp]),
        "geomean_cpu_all": geomean([r["dbt_cpu"] / r["qemu_cpu"] for r in ok if r["qemu_cpu"]]),
        "geomean_cpu_fp": geomean([r["dbt_cpu"] / r["qemu_cpu"] for r in fp if r["qemu_cpu"]]),
        "geomean_qemu_native": geomean([r["qemu_seconds"] / r["native_seconds"]
                                        for r in with_native]),
        "geomean_dbt_native": geomean([r["dbt_seconds"] / r["native_seconds"]
                                       for r in with_native]),
        "cache": args.cache, "targets": {"all": targets(args)[0], "fp": targets(args)[1]},
        "conclusive": not args.quick and not args.names and not args.scale,
        "fixed_cost": fixed_cost(binaries, args, env),
    }
    summary["all_same"] = all(r["same"] for r in rows)
    summary["targets_met"] = (summary["all_same"] and summary["geomean_all"] is not None
                              and summary["geomean_all"] <= targets(args)[0]
                              and (summary["geomean_fp"] is None
                                   or summary["geomean_fp"] <= targets(args)[1]))
    report(rows, summary, args)
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "rows": rows}, indent=1))
    if not summary["all_same"]:
        return 1
    if args.mode != "interp" and summary["conclusive"] and not summary["targets_met"]:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
