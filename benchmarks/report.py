"""The report of a comparison of modes (benchmarks/run.py): one document, written as
results.json (every run's raw figures and the summary), results.md (the tables) and PNG charts
(ratio to qemu per program and column, on a log scale; the four costs per program, stacked,
one panel per column), and a summary on the console.

The document (``{"meta", "options", "columns", "suites", "summary"}``):
- meta: the guest architecture ("arch": riscv64 or aarch64) and its qemu program ("qemu_program"),
  host (CPU model, cores), Python, llvmlite and LLVM, qemu's version, zig and dbt-vm (git
  commit of the tree measured), the date and the command line;
- columns: the column keys in order ("interp", "static cold", "static warm", ...);
- suites: {"kernels" | "real": [program, ...]}, a program being {"name", "category", "scales":
  {scale: {"arg", "qemu", "native"?}}, "cells": {column: cell}, "notes", "same"}, a cell
  {"mode", "cache", "scale", "arg", "seconds", "cpu", "qemu_seconds", "ratio", "same",
  "costs", "runs", "fill"?} (compare.py);
- summary: per suite and column the geometric mean of the ratios over the programs whose
  output matched qemu's, overall and per category, and the verdicts against the targets.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from compare import COSTS, OUTSIDE

CHART_COSTS = (*COSTS, OUTSIDE)
CHART_COLOURS = ("#4c72b0", "#dd8452", "#c44e52", "#55a868", "#8172b3", "#bbbbbb")


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def _fmt(value, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "-"


def _int(value) -> str:
    return f"{value:,}" if isinstance(value, int) else "-"


# -- what was measured on what -----------------------------------------------------------------

def _output(cmd: list[str], cwd: Path | None = None) -> str | None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe(dbt_root: Path, qemu: str, zig: str, arch: str = "riscv64") -> dict:
    """The guest architecture, host, toolchain and dbt-vm versions, for both report files."""
    try:
        import llvmlite
        import llvmlite.binding as llvm
        llvm_text = f"llvmlite {llvmlite.__version__}, LLVM " + ".".join(
            map(str, llvm.llvm_version_info))
    except Exception as exc:            # any failure to load llvmlite is reported, not raised
        llvm_text = f"llvmlite unavailable ({exc})"
    commit = _output(["git", "rev-parse", "--short=12", "HEAD"], dbt_root)
    dirty = _output(["git", "status", "--porcelain", "--untracked-files=no"], dbt_root)
    qemu_version = (_output([qemu, "--version"]) or "not found").splitlines()[0]
    return {
        "arch": arch, "qemu_program": qemu,
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "command": " ".join(["python", *sys.argv]),
        "host": f"{_cpu_model()}, {os.cpu_count()} cores, {platform.system()} "
                f"{platform.release()} {platform.machine()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "llvm": llvm_text, "qemu": qemu_version, "zig": zig,
        "dbt_vm": (f"{commit}{' (uncommitted changes)' if dirty else ''}" if commit
                   else "unknown (not a git checkout)") + f", {dbt_root}",
        "load_average_start": os.getloadavg(),
    }


# -- summary -----------------------------------------------------------------------------------

def summarize(doc: dict, targets: dict, conclusive: bool) -> dict:
    """Geometric means of dbt-vm s / qemu s per suite, column and category; the verdicts
    against TARGETS ({(suite, cache): {category or "all": target}})."""
    out = {"conclusive": conclusive, "suites": {}, "verdicts": []}
    for suite, programs in doc["suites"].items():
        per_column = {}
        for key in doc["columns"]:
            ok = [p for p in programs if key in p["cells"] and p["cells"][key]["same"]]
            cats = sorted({p["category"] for p in ok})
            per_column[key] = {
                "n": len(ok), "geomean": geomean([p["cells"][key]["ratio"] for p in ok]),
                "geomean_cpu": geomean([p["cells"][key]["cpu"] / p["scales"][
                    p["cells"][key]["scale"]]["qemu"]["cpu"] for p in ok
                    if p["scales"][p["cells"][key]["scale"]]["qemu"]["cpu"]]),
                "categories": {c: {"n": sum(p["category"] == c for p in ok),
                                   "geomean": geomean([p["cells"][key]["ratio"] for p in ok
                                                       if p["category"] == c])} for c in cats}}
        failed = [p["name"] for p in programs if not p["same"]]
        out["suites"][suite] = {"columns": per_column, "n": len(programs), "failed": failed}
        for key in doc["columns"]:
            mode, _, cache = key.partition(" ")
            for what, target in targets.get((suite, cache or None), {}).items():
                figures = per_column[key]
                value = (figures["geomean"] if what == "all"
                         else figures["categories"].get(what, {}).get("geomean"))
                if value is None or mode == "interp":
                    continue
                out["verdicts"].append({"suite": suite, "column": key, "programs": what,
                                        "value": value, "target": target,
                                        "met": value <= target and not failed})
    return out


def fastest(program: dict, keys: list[str]) -> str:
    """The column of KEYS with the lowest ratio whose output matched, or '-'."""
    ok = [k for k in keys if k in program["cells"] and program["cells"][k]["same"]]
    return min(ok, key=lambda k: program["cells"][k]["ratio"]) if ok else "-"


def fastest_groups(columns: list[str]) -> dict[str, list[str]]:
    """The groups of columns a 'fastest' column picks from: cold (with interp), warm (with
    interp), or all of them when there is one cache state."""
    cold = [k for k in columns if not k.endswith(" warm")]
    warm = [k for k in columns if not k.endswith(" cold")]
    if cold == columns or warm == columns:
        return {"fastest": columns}
    return {"fastest cold": cold, "fastest warm": warm}


# -- results.md --------------------------------------------------------------------------------

def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _ratio_text(cell: dict | None) -> str:
    if cell is None:
        return "-"
    return f"{cell['ratio']:.2f}" if cell["same"] else f"{cell['ratio']:.2f} (output differs)"


def markdown(doc: dict) -> str:
    meta, opts, keys = doc["meta"], doc["options"], doc["columns"]
    qemu = _qemu_program(doc)
    lines = [f"# dbt-vm modes compared with {qemu}", "",
             f"`{meta['command']}`, {meta['date']}", "",
             f"- guest: {meta.get('arch', 'riscv64')}",
             *(f"- {label}: {meta[k]}" for label, k in (
                 ("host", "host"), ("Python", "python"), ("LLVM", "llvm"), ("qemu", "qemu"),
                 ("zig", "zig"), ("dbt-vm", "dbt_vm"))),
             f"- load average at the start {meta['load_average_start'][0]:.2f}, at the end "
             f"{meta['load_average_end'][0]:.2f}",
             f"- {opts['statistic']} of {opts['repeat']} run(s) per column"
             f"{', quick scales' if opts['quick'] else ''}; columns: {', '.join(keys)}", "",
             "Figures are wall seconds of the whole process (Python start-up included); a ratio "
             f"is dbt-vm s / {qemu} s at the same scale (below 1: dbt-vm is faster). "
             "*cold*: an empty translation cache per run (for `static`: `dbt-vm translate` and "
             "the run, both timed); *warm*: a cache filled first, untimed (`static`: by "
             "`dbt-vm translate`; the others: by one run). `interp` has no cache."]
    if "interp" in keys:
        lines.append("`interp` runs at the small interp scale (the `arg interp` column), "
                     "against qemu at that same scale, so its ratio compares with the others; "
                     "its seconds do not.")
    lines += _summary_md(doc)
    for suite, programs in doc["suites"].items():
        lines += _suite_md(suite, programs, keys, doc["charts"].get(suite, []))
    return "\n".join(lines) + "\n"


def _summary_md(doc: dict) -> list[str]:
    keys = doc["columns"]
    lines = ["", "## Geometric means of dbt-vm s / qemu s", ""]
    rows = []
    for suite, figures in doc["summary"]["suites"].items():
        cols = figures["columns"]
        rows.append([f"**{suite}** (all)"] + [
            f"**{_fmt(cols[k]['geomean'])}** ({cols[k]['n']})" for k in keys])
        cats = sorted({c for k in keys for c in cols[k]["categories"]})
        for cat in cats:
            rows.append([f"{suite}: {cat}"] + [
                f"{_fmt(cols[k]['categories'].get(cat, {}).get('geomean'))} "
                f"({cols[k]['categories'].get(cat, {}).get('n', 0)})" for k in keys])
        rows.append([f"{suite}, on CPU time"] + [_fmt(cols[k]["geomean_cpu"]) for k in keys])
    lines += _table(["programs"] + keys, rows)
    lines += ["", "(n): the programs counted, those whose output and exit status matched "
                  "qemu's. CPU time is user + sys, the helper process's included."]
    verdicts = doc["summary"]["verdicts"]
    if verdicts:
        tail = "" if doc["summary"]["conclusive"] else " (indicative: not a full-scale run)"
        lines += ["", f"Targets{tail}:", ""]
        lines += [f"- {v['suite']}, {v['column']}, {v['programs']} programs: {v['value']:.2f} "
                  f"(target <= {v['target']}: {'met' if v['met'] else 'NOT met'})"
                  for v in verdicts]
    return lines


def _suite_md(suite: str, programs: list[dict], keys: list[str], charts: list[str]) -> list[str]:
    """The sections of one suite: ratios, seconds, costs, notes, charts."""
    lines = ["", f"## {suite}: ratio to qemu per program", "", *_ratio_md(programs, keys),
             "", f"## {suite}: dbt-vm seconds", "", *_seconds_md(programs, keys),
             "", f"## {suite}: where the time goes (seconds of the picked run)", "",
             "From `dbt-vm run --stats-json`: the four costs of binary translation and the "
             "syscall layer (dbt/stats.py); outside = wall - their sum: Python's start-up, "
             "dbt-vm's imports, exit. In `static cold` translation includes the whole timed "
             "`dbt-vm translate` process.", "", *_costs_md(programs, keys)]
    notes = [f"- {p['name']}: {n}" for p in programs for n in p["notes"]]
    if notes:
        lines += ["", f"## {suite}: notes", "", *notes]
    if charts:
        lines += ["", f"## {suite}: charts", ""]
        lines += [f"![{Path(c).stem}]({c})" for c in charts]
    return lines


def _ratio_md(programs: list[dict], keys: list[str]) -> list[str]:
    scales = [s for s in ("dynamic", "interp") if any(s in p["scales"] for p in programs)]
    groups = fastest_groups(keys)
    header = ["program", "category", *(f"arg {s}" for s in scales),
              *(f"qemu s {s}" for s in scales), *keys, *groups]
    rows = []
    for p in programs:
        sc = p["scales"]
        rows.append([p["name"], p["category"], *(sc[s]["arg"] if s in sc else "-" for s in scales),
                     *(_fmt(sc[s]["qemu"]["seconds"], 3) if s in sc else "-" for s in scales),
                     *(_ratio_text(p["cells"].get(k)) for k in keys),
                     *(fastest(p, g) for g in groups.values())])
    return _table(header, rows)


def _seconds_md(programs: list[dict], keys: list[str]) -> list[str]:
    has_native = any("native" in s for p in programs for s in p["scales"].values())
    header = ["program", *keys] + (["native s", "qemu/native"] if has_native else [])
    rows = []
    for p in programs:
        nat = p["scales"].get("dynamic", {}).get("native")
        qemu_s = p["scales"].get("dynamic", {}).get("qemu", {}).get("seconds")
        rows.append([p["name"], *(_fmt(p["cells"][k]["seconds"]) if k in p["cells"] else "-"
                                  for k in keys)]
                    + ([_fmt(nat["seconds"], 3) if nat else "-",
                        _fmt(qemu_s / nat["seconds"], 1) if nat and qemu_s else "-"]
                       if has_native else []))
    return _table(header, rows)


def _costs_md(programs: list[dict], keys: list[str]) -> list[str]:
    rows = []
    for p in programs:
        for k in keys:
            cell = p["cells"].get(k)
            if cell is None:
                continue
            c, stats = cell["costs"] or {}, _picked_stats(cell)
            rows.append([p["name"], k, _fmt(cell["seconds"]),
                         *(_fmt(c.get(name)) for name in CHART_COSTS),
                         _int(stats.get("guest instructions")), _fmt(stats.get("MIPS"), 1)])
    return _table(["program", "column", "wall s", *CHART_COSTS, "guest insns", "MIPS"], rows)


def _picked_stats(cell: dict) -> dict:
    runs = cell["runs"]
    return min(runs, key=lambda r: abs(r["seconds"] - cell["seconds"])).get("stats") or {}


# -- charts ------------------------------------------------------------------------------------

def charts(doc: dict, out: Path) -> dict[str, list[str]]:
    """Two PNGs per suite: ratio-SUITE.png and costs-SUITE.png (file names, per suite)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    made = {}
    for suite, programs in doc["suites"].items():
        if not programs:
            continue
        names = [f"ratio-{suite}.png", f"costs-{suite}.png"]
        _ratio_chart(plt, suite, programs, doc["columns"], out / names[0], _qemu_program(doc))
        _costs_chart(plt, suite, programs, doc["columns"], out / names[1])
        made[suite] = names
    return made


def _qemu_program(doc: dict) -> str:
    """The reference of the run (documents written before --arch existed: qemu-riscv64)."""
    return doc["meta"].get("qemu_program", "qemu-riscv64")


def _ratio_chart(plt, suite: str, programs: list[dict], keys: list[str], path: Path,
                 qemu: str) -> None:
    n, width = len(programs), 0.8 / len(keys)
    fig, ax = plt.subplots(figsize=(max(8.0, n * (0.3 + 0.18 * len(keys))), 5.5),
                           layout="constrained")
    for i, key in enumerate(keys):
        xs = [j + (i - (len(keys) - 1) / 2) * width for j in range(n)]
        ys = [p["cells"][key]["ratio"] if key in p["cells"] else 0 for p in programs]
        ax.bar(xs, ys, width, label=key)
    ax.set_yscale("log")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(n), [p["name"] for p in programs], rotation=60, ha="right")
    ax.set_ylabel("dbt-vm s / qemu s (log; below 1: faster than qemu)")
    ax.set_title(f"{suite} ({qemu.removeprefix('qemu-')}): wall time relative to {qemu}")
    fig.legend(loc="outside upper center", fontsize="small", ncols=min(len(keys), 6))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _costs_chart(plt, suite: str, programs: list[dict], keys: list[str], path: Path) -> None:
    n = len(programs)
    fig, axes = plt.subplots(len(keys), 1, squeeze=False, sharex=True, layout="constrained",
                             figsize=(max(8.0, n * 0.45), 2.6 * len(keys) + 1.4))
    for ax, key in zip(axes[:, 0], keys):
        bottom = [0.0] * n
        for cost, colour in zip(CHART_COSTS, CHART_COLOURS):
            ys = [((p["cells"].get(key) or {}).get("costs") or {}).get(cost, 0.0)
                  for p in programs]
            ax.bar(range(n), ys, 0.7, bottom=bottom, label=cost, color=colour)
            bottom = [b + y for b, y in zip(bottom, ys)]
        ax.set_ylabel("seconds")
        scale = " (interp scale)" if key == "interp" else ""
        ax.set_title(f"{suite}, {key}{scale}: where dbt-vm's time goes", fontsize="medium")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", fontsize="small",
               ncols=len(CHART_COSTS))
    axes[-1, 0].set_xticks(range(n), [p["name"] for p in programs], rotation=60, ha="right")
    fig.savefig(path, dpi=100)
    plt.close(fig)


# -- console -----------------------------------------------------------------------------------

def console_summary(doc: dict) -> None:
    """The ratio tables and the geometric means, on stdout."""
    from rich.console import Console
    from rich.table import Table
    console = Console(width=None if sys.stdout.isatty() else 200)
    keys = doc["columns"]
    groups = fastest_groups(keys)
    for suite, programs in doc["suites"].items():
        table = Table(title=f"{suite}: dbt-vm s / {_qemu_program(doc)} s "
                            f"({doc['options']['statistic']} of "
                            f"{doc['options']['repeat']}; interp at the interp scale)")
        for col in ["program", "category", *keys, *groups]:
            table.add_column(col, justify="right" if col in keys else "left")
        for p in programs:
            table.add_row(p["name"], p["category"],
                          *(_ratio_text(p["cells"].get(k)) for k in keys),
                          *(fastest(p, g) for g in groups.values()))
        figures = doc["summary"]["suites"][suite]["columns"]
        table.add_section()
        table.add_row("geomean", "", *(_fmt(figures[k]["geomean"]) for k in keys))
        console.print(table)
        for p in programs:
            for note in p["notes"]:
                console.print(f"  [yellow]{p['name']}[/]: {note}")
    for v in doc["summary"]["verdicts"]:
        word = "[bold green]met[/]" if v["met"] else "[bold red]NOT met[/]"
        console.print(f"{v['suite']}, {v['column']}, {v['programs']}: {v['value']:.2f} "
                      f"(target <= {v['target']}: {word})"
                      + ("" if doc["summary"]["conclusive"] else " (indicative)"))


def write(doc: dict, out: Path, json_copy: str | None) -> list[Path]:
    """Charts, results.md and results.json into OUT (and the JSON to JSON_COPY too)."""
    doc["charts"] = charts(doc, out)
    doc["meta"]["load_average_end"] = os.getloadavg()
    (out / "results.md").write_text(markdown(doc))
    text = json.dumps(doc, indent=1, default=str)
    (out / "results.json").write_text(text)
    if json_copy:
        Path(json_copy).write_text(text)
    return [out / "results.md", out / "results.json",
            *(out / n for names in doc["charts"].values() for n in names)]
