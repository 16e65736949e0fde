"""Benchmark runner: each program under benchmarks/programs in dbt-vm's modes and in qemu-user.

    python benchmarks/run.py [--mode interp] [--scale interp=1] [NAME ...]

Builds the programs (zig, riscv64 musl, static, -O2; cached in benchmarks/build/), runs each
under `dbt-vm run --mode M` and under qemu-riscv64 in the same run, checks that the outputs
are equal, and prints wall times (whole process, Python start-up included), guest MIPS from
`--stats-json`, and the dbt-vm/qemu time ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
BUILD = HERE / "build"
QEMU = "qemu-riscv64"
FLAGS = ["-target", "riscv64-linux-musl", "-static", "-O2"]
# argv[1] per program and mode: the interpreter gets a smaller workload than native modes.
SCALES = {
    "interp": {"intloop": "2", "sieve": "1", "fib": "24", "memstream": "4"},
}


def build(name: str) -> Path:
    src = PROGRAMS / f"{name}.c"
    key = hashlib.sha256(src.read_bytes() + " ".join(FLAGS).encode()).hexdigest()[:16]
    out = BUILD / f"{name}.{key}"
    if not out.exists():
        BUILD.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "ziglang", "cc", *FLAGS, "-o", str(out), str(src)],
                       check=True)
    return out


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True)
    return time.perf_counter() - start, proc


def run_one(name: str, mode: str) -> dict:
    binary = build(name)
    arg = SCALES.get(mode, {}).get(name, "1")
    with tempfile.NamedTemporaryFile(suffix=".json") as stats_file:
        seconds, proc = timed([sys.executable, "-m", "dbt", "run", "--mode", mode,
                               "--stats-json", stats_file.name, str(binary), arg])
        stats = json.loads(Path(stats_file.name).read_text() or "{}")
    row = {"name": name, "mode": mode, "arg": arg, "seconds": seconds,
           "status": proc.returncode, "mips": stats.get("MIPS", 0.0),
           "insns": stats.get("guest instructions", 0)}
    if shutil.which(QEMU):
        qsec, qproc = timed([QEMU, str(binary), arg])
        row.update(qemu_seconds=qsec, ratio=seconds / qsec,
                   same=(qproc.stdout, qproc.returncode) == (proc.stdout, proc.returncode))
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", default="interp")
    ap.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args(argv)
    names = args.names or sorted(p.stem for p in PROGRAMS.glob("*.c"))
    rows = [run_one(name, args.mode) for name in names]
    from rich.console import Console
    from rich.table import Table
    table = Table(title=f"dbt-vm --mode {args.mode} vs {QEMU}")
    for col in ("benchmark", "arg", "guest insns", "MIPS", "dbt-vm s", "qemu s", "ratio", "same"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(r["name"], r["arg"], f"{r['insns']:,}", f"{r['mips']:.2f}",
                      f"{r['seconds']:.2f}", f"{r.get('qemu_seconds', 0):.3f}",
                      f"{r.get('ratio', 0):.1f}", str(r.get("same", "n/a")))
    Console().print(table)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0 if all(r.get("same", True) and r["status"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
