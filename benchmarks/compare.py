"""Measuring the modes side by side: every program of a suite under qemu-user (the
reference: qemu-riscv64 or qemu-aarch64, as the job's command line says), natively (the C
programs, for reference only) and under dbt-vm in each mode, with an empty translation cache
(cold) and with one filled first (warm).

A Job is one program at one scale, whatever the suite: the command lines of qemu, native,
`dbt-vm run` and `dbt-vm translate`, the environment, stdin and the files it needs. A Column
is one mode with one cache state: ``interp`` (no cache, one column; it runs at the interp
scale, against qemu at that same scale), ``static cold`` (`dbt-vm translate` into an empty
cache and the run, both timed), ``static warm`` (translated first, untimed), ``dynamic cold``
(an empty cache per run), ``dynamic warm`` (a cache filled by one untimed run first), and so
on for any mode `dbt-vm run --mode` accepts.

``measure(job, columns, opts, tick)`` runs a job's qemu, native and columns `opts.repeat`
times, rotating who goes first so that slow drifts of the machine hit all alike, and returns
every run's raw figures (wall and CPU seconds, exit status, whether stdout and status equal
qemu's, the `--stats-json` figures) plus the picked time per column (median, or best).
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# The four costs of binary translation and the syscall layer, as `dbt-vm run --stats-json`
# names them (dbt/stats.py), and what is left of the wall time: Python's start-up, dbt-vm's
# imports and exit ("outside").
COSTS = ("loading", "guest memory", "translation", "execution", "syscall layer")
OUTSIDE = "outside"


@dataclass(frozen=True)
class Column:
    """One column of the report: a mode, and the cache state (None: the mode has no cache)."""
    mode: str
    cache: str | None

    @property
    def key(self) -> str:
        return self.mode if self.cache is None else f"{self.mode} {self.cache}"

    @property
    def scale(self) -> str:
        """The scale table the mode runs at: interp's own small one, else the translating
        modes' one."""
        return "interp" if self.mode == "interp" else "dynamic"


def columns(modes: list[str], caches: tuple[str, ...]) -> list[Column]:
    """The columns of MODES with the cache states CACHES ("cold", "warm"); interp gets one."""
    out = []
    for mode in modes:
        out += [Column(mode, None)] if mode == "interp" else [Column(mode, c) for c in caches]
    return out


@dataclass
class Job:
    """One program at one scale, ready to run under qemu, natively and under dbt-vm."""
    suite: str
    name: str
    category: str
    scale: str                                  # "dynamic" or "interp"
    arg: str                                    # the scale, as shown (argv[1], or a size)
    qemu: list[str]
    dbt: Callable[[str, tuple], list[str]]      # (mode, run options) -> `dbt-vm run` argv
    translate: Callable[[Path], list[str]]      # cache folder -> `dbt-vm translate` argv
    env: Callable[[Path], dict]                 # cache folder -> dbt-vm's environment
    qemu_env: dict
    native: list[str] | None = None
    stdin: bytes | None = None
    prepare: Callable[[Path], None] | None = None   # makes the files it needs in its cwd
    notes: list[str] = field(default_factory=list)


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


def pick(values: list[float], best: bool) -> float:
    return min(values) if best else statistics.median(values)


def first_difference(a: bytes, b: bytes) -> str:
    la, lb = a.decode(errors="replace").splitlines(), b.decode(errors="replace").splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}: {x[:60]!r} vs qemu {y[:60]!r}"
    return f"{len(la)} lines vs qemu {len(lb)} lines"


def costs(record: dict) -> dict | None:
    """The four costs, the syscall layer and `outside` of one dbt-vm run (seconds), from its
    --stats-json; a timed `dbt-vm translate` (static, cold) counts as translation, whole."""
    stats = record.get("stats") or {}
    if "execution s" not in stats:
        return None
    out = {name: float(stats.get(f"{name} s", 0.0)) for name in COSTS}
    out["translation"] += record.get("translate_seconds", 0.0)
    out[OUTSIDE] = max(record["seconds"] - sum(out.values()), 0.0)
    return out


def _tree(folder: Path) -> list:
    return sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*"))


class _Runner:
    """The runs of one job: its working directory, its qemu reference and its caches."""

    def __init__(self, job: Job, opts, tmp: Path):
        self.job, self.opts, self.tmp = job, opts, tmp
        self.cwd = tmp / "cwd"
        self.cwd.mkdir()
        if job.prepare:
            job.prepare(self.cwd)
        self.ref: Run | None = None
        self.notes: list[str] = []
        self.stderr: dict[str, list[str]] = {}     # dbt-vm's stderr unlike qemu's -> columns
        self.cold_caches = 0

    def process(self, cmd: list[str], env: dict) -> Run:
        return Run(cmd, env, self.opts.timeout, stdin=self.job.stdin, cwd=self.cwd)

    def qemu(self) -> dict:
        run = self.process(self.job.qemu, self.job.qemu_env)
        if self.ref is None:
            self.ref = run
        elif (run.stdout, run.status) != (self.ref.stdout, self.ref.status):
            self.notes.append("qemu's own runs differ (output is not deterministic)")
        return {"seconds": run.seconds, "cpu": run.cpu, "status": run.status}

    def native(self) -> dict:
        run = self.process(self.job.native, self.job.qemu_env)
        same = self.ref is None or (run.stdout, run.status) == (self.ref.stdout, self.ref.status)
        return {"seconds": run.seconds, "cpu": run.cpu, "status": run.status, "same": same}

    def dbt(self, mode: str, cache: Path, label: str) -> tuple[dict, Run]:
        """One `dbt-vm run` with the translation cache CACHE: its record and its process."""
        stats_path = self.tmp / "stats.json"
        stats_path.unlink(missing_ok=True)
        mode, _, hot = mode.partition("+")          # "auto+traces": --hot traces
        options = ("--stats-json", str(stats_path), *(("--hot", hot) if hot else ()),
                   *self.opts.dbt_option)
        run = self.process(self.job.dbt(mode, options), self.job.env(cache))
        try:
            stats = json.loads(stats_path.read_text())
        except (OSError, ValueError):
            stats = {}
        # the auto mode translates what ran only in its interpreter into the cache in a
        # background process after the run: waited for (untimed, but noted), so that it
        # neither disturbs the next run nor leaves a warm cache unfinished
        start = time.perf_counter()
        subprocess.run([*dbt_command(), "cache", "wait", "--cache-dir", str(cache)],
                       env=self.job.env(cache), capture_output=True, timeout=self.opts.timeout)
        return {"seconds": run.seconds, "cpu": run.cpu, "status": run.status,
                "stats": stats, "label": label,
                "background_seconds": time.perf_counter() - start}, run

    def translate(self, cache: Path) -> Run:
        return self.process(self.job.translate(cache), self.job.env(cache))

    def column(self, col: Column, warm: Path | None) -> dict:
        """One timed run of a column (static cold: `dbt-vm translate` + the run)."""
        if col.cache == "warm":
            record, run = self.dbt(col.mode, warm, "warm")
        else:
            self.cold_caches += 1
            cache = self.tmp / f"cold-{self.cold_caches}"
            cache.mkdir()
            prep = self.translate(cache) if col.mode == "static" and col.cache else None
            record, run = self.dbt(col.mode, cache, col.cache or "no cache")
            if prep is not None:
                record["run_seconds"], record["run_cpu"] = record["seconds"], record["cpu"]
                record["translate_seconds"], record["translate_cpu"] = prep.seconds, prep.cpu
                record["seconds"] += prep.seconds
                record["cpu"] += prep.cpu
                if prep.status != 0:
                    self.notes.append(f"{col.key}: dbt-vm translate exit status {prep.status}: "
                                      + _last_line(prep.stderr))
        self.check(record, run, col.key)
        return record

    def fill(self, col: Column, cache: Path) -> dict:
        """Fill the warm cache of a column, untimed: `dbt-vm translate` for the static mode,
        one run of the program for the others."""
        cache.mkdir()
        if col.mode == "static":
            run = self.translate(cache)
            if run.status != 0:
                self.notes.append(f"{col.key}: dbt-vm translate exit status {run.status}: "
                                  + _last_line(run.stderr))
            return {"seconds": run.seconds, "cpu": run.cpu, "status": run.status,
                    "what": "dbt-vm translate"}
        record, run = self.dbt(col.mode, cache, "fill")
        self.check(record, run, f"{col.key} (the untimed run that fills the cache)")
        record["what"] = "one untimed run"
        return record

    def check(self, record: dict, run: Run, label: str) -> None:
        """Mark the run same or not as qemu's first run (stdout and exit status)."""
        ref = self.ref
        record["same"] = ref is not None and (run.stdout, run.status) == (ref.stdout, ref.status)
        if ref is None or record["same"]:
            if ref is not None and run.stderr != ref.stderr and self.job.suite == "real":
                labels = self.stderr.setdefault(_last_line(run.stderr), [])
                if label.split(" (")[0] not in labels:
                    labels.append(label.split(" (")[0])
            return
        why = (f"exit status {run.status} vs qemu {ref.status}" if run.status != ref.status
               else "stdout differs, " + first_difference(run.stdout, ref.stdout))
        self.notes.append(f"{label}: {why}; dbt-vm stderr: {_last_line(run.stderr)}")


def _last_line(data: bytes) -> str:
    lines = data.decode(errors="replace").strip().splitlines()
    return lines[-1][:120] if lines else "(empty)"


def steps(job_columns: list[Column], opts, native: bool) -> int:
    """How many processes measure() starts for a job (for a progress bar)."""
    fills = sum(1 for c in job_columns if c.cache == "warm")
    return fills + opts.repeat * (1 + native + len(job_columns))


def measure(job: Job, job_columns: list[Column], opts, tick: Callable[[str], None]) -> dict:
    """Every run of JOB: qemu, native (if it has a build) and each column, opts.repeat times
    (a column whose first run took more than opts.no_repeat_above times qemu's runs once).
    TICK(what) is called before each process, and for each run left out."""
    with tempfile.TemporaryDirectory(prefix=f"dbt-modes-{job.name}-") as tmp:
        runner = _Runner(job, opts, Path(tmp))
        tick("qemu")
        qemu, native = [runner.qemu()], []
        warm, fills = {}, {}
        for col in job_columns:
            if col.cache == "warm":
                tick(f"{col.key}: filling the cache")
                warm[col] = runner.tmp / f"warm-{col.mode}"
                fills[col.key] = runner.fill(col, warm[col])
        listing = _tree(runner.cwd)
        runs: dict[str, list[dict]] = {c.key: [] for c in job_columns}
        for rep in range(opts.repeat):
            order = ["qemu", *(["native"] if job.native else []), *job_columns]
            order = order[rep % len(order):] + order[:rep % len(order)]
            for who in order:
                if who == "qemu":
                    if rep:                        # the first qemu run came before the fills
                        tick("qemu")
                        qemu.append(runner.qemu())
                elif who == "native":
                    tick("native")
                    native.append(runner.native())
                elif _enough(runs[who.key], qemu, opts):
                    tick(f"{who.key}: once is enough")
                else:
                    tick(who.key)
                    runs[who.key].append(runner.column(who, warm.get(who)))
        if _tree(runner.cwd) != listing:
            runner.notes.append("the command changed its working directory")
        runner.notes += [f"stderr differs from qemu's ({', '.join(labels)}): {line}"
                         for line, labels in runner.stderr.items()]
    return _summary(job, job_columns, qemu, native, runs, fills, runner.notes, opts)


def _enough(runs: list[dict], qemu: list[dict], opts) -> bool:
    """A column far from qemu's time runs once: another run cannot change the picture."""
    return bool(runs) and runs[0]["seconds"] > opts.no_repeat_above * min(
        q["seconds"] for q in qemu)


def _summary(job: Job, job_columns: list[Column], qemu: list[dict], native: list[dict],
             runs: dict, fills: dict, notes: list[str], opts) -> dict:
    """The job's raw runs and, per column, the picked time, its ratio to qemu's and the four
    costs of the picked run."""
    qemu_s = pick([q["seconds"] for q in qemu], opts.best)
    out = {"scale": job.scale, "arg": job.arg, "notes": notes,
           "qemu": {"seconds": qemu_s, "cpu": pick([q["cpu"] for q in qemu], opts.best),
                    "status": qemu[0]["status"], "runs": qemu}, "cells": {}}
    if native:
        out["native"] = {"seconds": pick([n["seconds"] for n in native], opts.best),
                         "same": all(n["same"] for n in native), "runs": native}
        if not out["native"]["same"]:
            notes.append("native x86-64 output differs from the guest's (reference only)")
    for col in job_columns:
        col_runs = runs[col.key]
        seconds = pick([r["seconds"] for r in col_runs], opts.best)
        picked = min(col_runs, key=lambda r: abs(r["seconds"] - seconds))
        cell = {"mode": col.mode, "cache": col.cache, "scale": col.scale, "arg": job.arg,
                "seconds": seconds, "cpu": pick([r["cpu"] for r in col_runs], opts.best),
                "qemu_seconds": qemu_s, "ratio": seconds / qemu_s,
                "same": all(r["same"] for r in col_runs) and fills.get(
                    col.key, {}).get("same", True) is not False,
                "costs": costs(picked), "runs": col_runs}
        if col.key in fills:
            cell["fill"] = fills[col.key]
        if len(col_runs) < len(qemu):
            notes.append(f"{col.key} ran once: more than {opts.no_repeat_above:g}x qemu's time "
                         "(--no-repeat-above)")
        out["cells"][col.key] = cell
    return out


def dbt_command() -> list[str]:
    """How the runner starts dbt-vm: this Python, `-m dbt` (PYTHONPATH says which tree)."""
    return [sys.executable, "-m", "dbt"]
