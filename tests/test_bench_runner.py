"""The benchmark runner (benchmarks/run.py) comparing modes: a real run of two small programs
in two modes, with no mocks, and checks that its report (results.md, results.json, the charts)
is written and says what the runs measured."""

import importlib.util
import json
import math
import shutil
import statistics
import struct
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RUNNER = REPO / "benchmarks" / "run.py"
PROGRAMS = ("fib", "sieve")
COLUMNS = ["interp", "dynamic cold", "dynamic warm"]

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(shutil.which("qemu-riscv64") is None,
                       reason="qemu-riscv64 not installed (the runner's reference)"),
    pytest.mark.skipif(importlib.util.find_spec("ziglang") is None
                       and not list((REPO / "benchmarks" / "build").glob("fib-riscv64.*")),
                       reason="no built benchmark programs and no ziglang to build them"),
]


def runner(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUNNER), *args], capture_output=True, text=True,
                          timeout=300)


def test_bench_runner_compares_two_modes(tmp_path):
    """fib and sieve at tiny scales, interp and dynamic (cold, warm), one run each: every
    output is written and holds the figures of the runs. (One test, so that parallel test
    workers do not each run the runner.)"""
    out = tmp_path / "report"
    proc = runner("--modes", "interp,dynamic", "--no-native", "--repeat", "1",
                  "--scale", "fib=18", "--scale", "sieve=1", "--out", str(out), *PROGRAMS)
    assert proc.returncode == 0, proc.stderr[-2000:]
    check_files(out, proc)
    doc = json.loads((out / "results.json").read_text())
    check_json(doc, (out / "results.md").read_text())
    check_markdown(doc, (out / "results.md").read_text())


def _md_table(text: str, heading: str) -> list[dict]:
    """The rows of the first table after HEADING in results.md, as {column: cell}."""
    table = []
    for line in text.split(f"## {heading}\n", 1)[1].splitlines():
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    header = [c.strip() for c in table[0].strip("|").split("|")]
    return [dict(zip(header, (c.strip() for c in row.strip("|").split("|"))))
            for row in table[2:]]


def check_files(out: Path, proc: subprocess.CompletedProcess) -> None:
    """The two files and two charts, valid PNGs; the progress on stderr, tables on stdout."""
    assert sorted(p.name for p in out.iterdir()) == [
        "costs-kernels.png", "ratio-kernels.png", "results.json", "results.md"]
    for png in out.glob("*.png"):
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
        width, height = struct.unpack(">II", data[16:24])
        assert width >= 400 and height >= 300
        assert data[-8:-4] == b"IEND"
    assert "kernels sieve" in proc.stderr or "sieve:" in proc.stderr      # progress on stderr
    assert "geomean" in proc.stdout


def check_json(doc: dict, text: str) -> None:
    """Every run's figures; picked times, ratios and costs computed from them."""
    assert doc["columns"] == COLUMNS
    for key in ("host", "python", "llvm", "qemu", "dbt_vm"):
        assert doc["meta"][key] and doc["meta"][key] in text
    programs = {p["name"]: p for p in doc["suites"]["kernels"]}
    assert sorted(programs) == sorted(PROGRAMS)
    for p in programs.values():
        assert p["same"] and sorted(p["cells"]) == sorted(COLUMNS)
        qemu = p["scales"]["dynamic"]["qemu"]
        assert qemu["seconds"] == statistics.median(r["seconds"] for r in qemu["runs"]) > 0
        icounts = set()
        for key, cell in p["cells"].items():
            runs = cell["runs"]
            assert runs and all(r["status"] == 0 and r["same"] for r in runs)
            assert cell["seconds"] == statistics.median(r["seconds"] for r in runs)
            assert cell["ratio"] == pytest.approx(cell["seconds"] / qemu["seconds"])
            assert sum(cell["costs"].values()) == pytest.approx(cell["seconds"], abs=1e-6)
            icounts.add(runs[0]["stats"]["guest instructions"])
        assert len(icounts) == 1 and icounts.pop() > 0    # the modes ran the same program
        warm, cold = p["cells"]["dynamic warm"], p["cells"]["dynamic cold"]
        assert warm["fill"]["status"] == 0 and warm["fill"]["what"] == "one untimed run"
        assert warm["runs"][0]["stats"]["regions loaded from the cache"] > 0
        assert cold["runs"][0]["stats"]["regions loaded from the cache"] == 0


def check_markdown(doc: dict, text: str) -> None:
    """results.md's ratios, seconds and geometric means are those of the JSON's runs."""
    programs = {p["name"]: p for p in doc["suites"]["kernels"]}
    rows = {r["program"]: r for r in _md_table(text, "kernels: ratio to qemu per program")}
    assert sorted(rows) == sorted(PROGRAMS)
    for name, row in rows.items():
        qemu = programs[name]["scales"]["dynamic"]["qemu"]["runs"][0]["seconds"]
        for key in COLUMNS:
            run = programs[name]["cells"][key]["runs"][0]["seconds"]     # --repeat 1
            assert row[key] == f"{run / qemu:.2f}"
        best = min(COLUMNS, key=lambda k: programs[name]["cells"][k]["ratio"])
        assert best in (row["fastest cold"], row["fastest warm"])
    seconds = {r["program"]: r for r in _md_table(text, "kernels: dbt-vm seconds")}
    for name, p in programs.items():
        assert [seconds[name][k] for k in COLUMNS] == [
            f"{p['cells'][k]['seconds']:.2f}" for k in COLUMNS]
    means = _md_table(text, "Geometric means of dbt-vm s / qemu s")
    overall = next(r for r in means if r["programs"] == "**kernels** (all)")
    for key in COLUMNS:
        ratios = [p["cells"][key]["ratio"] for p in programs.values()]
        mean = math.exp(sum(map(math.log, ratios)) / len(ratios))
        assert overall[key] == f"**{mean:.2f}** (2)"


def test_bench_runner_hot_former_variant(tmp_path):
    """`auto+traces` is the auto mode with --hot traces: its runs report traces, the plain
    auto mode's do not; a former after a mode without a hot tier is one line of error."""
    out = tmp_path / "report"
    proc = runner("--modes", "auto,auto+traces", "--cache", "cold", "--no-native",
                  "--repeat", "1", "--scale", "fib=18", "--out", str(out), "fib")
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads((out / "results.json").read_text())
    assert doc["columns"] == ["auto cold", "auto+traces cold"]
    cells = doc["suites"]["kernels"][0]["cells"]
    assert "traces formed" in cells["auto+traces cold"]["runs"][0]["stats"]
    assert "traces formed" not in cells["auto cold"]["runs"][0]["stats"]
    bad = runner("--modes", "interp+traces", "--out", str(tmp_path), "fib")
    assert bad.returncode == 1 and bad.stderr.startswith("run.py: mode 'interp+traces' is "
                                                         "unknown (a hot-code former goes after")
    assert bad.stderr.strip().splitlines() == [bad.stderr.strip()]


def test_bench_runner_bad_input_is_one_line(tmp_path):
    proc = runner("--modes", "interp,warp", "--out", str(tmp_path), "fib")
    assert proc.returncode == 1
    assert proc.stderr.startswith("run.py: mode 'warp' is unknown (dbt-vm run --mode accepts "
                                  "interp, ")
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    alias = runner("--mode", "warp", "--out", str(tmp_path), "fib")      # --mode M = --modes M
    assert (alias.returncode, alias.stderr) == (1, proc.stderr)
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = runner("--out", str(blocker / "out"), "fib")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith(f"run.py: cannot write to --out {blocker / 'out'}")
