"""The first instruction dbt-vm cannot decode in each command of the Debian table: for
PENDING_INSN of tests/debian/test_debian_programs.py.

    python tests/debian/first_illegal.py [--arch arm64] [--mode interp] [NAME ...]

Runs every command (the test size) in dbt-vm in this process's child, in a fresh working
directory with its files, stdin and environment, and prints one line per command: the pc,
encoding and capstone disassembly of the instruction its guest died of SIGILL on, or how it
ended (exit status, and whether stdout and exit status are qemu's).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CAPSTONE = {"riscv64": ("CS_ARCH_RISCV", "CS_MODE_RISCV64"), "arm64": ("CS_ARCH_ARM64",
                                                                      "CS_MODE_ARM")}


def _debian():
    name = "_dbt_benchmarks_debian"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / "debian.py")
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def child(root: str, mode: str, arch: str, argv: list[str], out: str) -> None:
    """Run the guest in this process (stdin and cwd are the command's); write what ended it
    to OUT as JSON."""
    import io
    import re

    import capstone

    from dbt.runtime import Machine
    err = io.StringIO()
    machine = Machine(argv[0], argv, json.loads(os.environ.pop("GUEST_ENV")), mode=mode,
                      sysroot=root, err=err)
    end = machine.run()
    message = getattr(end, "message", None) or ""
    found = re.search(r"SIGILL: pc (0x[0-9a-f]+)", message)
    result = {"message": message, "status": -end.signal if end.signal else end.status}
    if found:
        pc = int(found.group(1), 16)
        word = machine.read(pc, 4)
        cs_arch, cs_mode = CAPSTONE[arch]
        disasm = capstone.Cs(getattr(capstone, cs_arch), getattr(capstone, cs_mode))
        insn = next(disasm.disasm(word, pc), None)
        result["sigill"] = {"pc": pc, "word": word[::-1].hex(),
                            "insn": f"{insn.mnemonic} {insn.op_str}" if insn else "?"}
    Path(out).write_text(json.dumps(result))


def probe(deb, root: Path, cmd, mode: str) -> str:
    with tempfile.TemporaryDirectory(prefix=f"dbt-illegal-{cmd.name}-") as tmp:
        cwd, out = Path(tmp) / "cwd", Path(tmp) / "out.json"
        cwd.mkdir()
        cmd.prepare(cwd)
        argv = [str(root / cmd.program), *cmd.args]
        env = {**os.environ, "GUEST_ENV": json.dumps(cmd.env),
               "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        proc = subprocess.run([sys.executable, __file__, "--child", str(root), mode,
                               deb.distro(cmd.arch).arch, str(out), *argv],
                              input=cmd.stdin, capture_output=True, env=env, cwd=cwd)
        if not out.exists():
            lines = proc.stderr.decode(errors="replace").strip().splitlines() or ["?"]
            return "dbt-vm failed: " + lines[-1][:300]
        result = json.loads(out.read_text())
        if "sigill" in result:
            s = result["sigill"]
            return f"SIGILL pc {s['pc']:#x}: {s['word']}  {s['insn']}"
        qemu = subprocess.run(deb.qemu_command(root, cmd), input=cmd.stdin, capture_output=True,
                              env=cmd.env, cwd=cwd)
        same = (qemu.stdout, qemu.returncode) == (proc.stdout, result["status"])
        return (f"exit status {result['status']} {result['message']} (stdout and status "
                f"{'are' if same else 'are NOT'} qemu's)")


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        root, mode, arch, out, *argv = sys.argv[2:]
        child(root, mode, arch, argv, out)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="arm64", help="riscv64 or arm64 (default)")
    ap.add_argument("--mode", default="interp", help="dbt-vm's mode (default: interp)")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    deb = _debian()
    root = deb.sysroot(arch=args.arch)
    for cmd in deb.commands("test", args.arch):
        if not args.names or cmd.name in args.names:
            print(f"{cmd.name:15} {probe(deb, root, cmd, args.mode)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
