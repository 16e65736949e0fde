"""Record the expected outputs of every test case from qemu-riscv64 or qemu-aarch64 (the
oracles).

For each (case, libc) of cases.CASES -- ``libc`` is the build variant, ``aarch64-musl`` and so
on for AArch64 (build.py) -- runs ``qemu-ARCH [-L SYSROOT] BINARY ARGS...`` (the variant's
architecture; -L for a dynamically linked variant: its toolchain's sysroot) with the case's
stdin, exactly the case's environment, a fresh empty temporary directory as the current
directory and core dumps disabled, and writes ``expected/<case>.<libc>.json``::

    {"case": ..., "libc": ..., "program": ..., "args": [...], "env": {...},
     "stdin_bytes": N, "stdin_sha256": ..., (the inputs, to catch a table changed later)
     "exit_status": 0..255 (128+N when the guest died by signal N, as a shell reports it),
     "stdout": "text" | "base64 text", "stdout_encoding": "utf-8" | "base64",
     "stderr": ..., "stderr_encoding": ..., "stderr_to_stdout": bool,
     "recorded_with": "qemu-riscv64 version ..." (or qemu-aarch64)}

Every case runs twice and must give identical results (a non-deterministic program is an
error), and must leave its working directory empty.

Usage::

    python tests/programs/record.py            # build, record everything, report differences
    python tests/programs/record.py --check    # compare only; exit 1 if anything is stale
    python tests/programs/record.py CASE ...   # only these cases
    python tests/programs/record.py --arch aarch64 [--libc aarch64-musl] ...   # only these builds

qemu-aarch64 runs with its default CPU model (``max``); the only output that depends on the
model is AT_HWCAP, which test_programs.py masks on AArch64 (cases.A64_MASKS). When a guest dies
by a signal, qemu-aarch64 (unlike qemu-riscv64, which cannot write guest core dumps) adds a
line of its own to stderr, ``qemu: uncaught target signal 11 (Segmentation fault) - core
dumped``, even though core dumps are disabled and none is written: that line is qemu's, not the
guest's, and run_qemu removes it (as test_programs.py removes dbt-vm's own fault line).

The helpers here (run_guest, run_qemu, load_expected, ...) are also what
tests/test_programs.py uses, so both sides run guests in exactly the same way.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import hashlib
import importlib.util
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PROGRAMS_DIR = Path(__file__).resolve().parent
EXPECTED_DIR = PROGRAMS_DIR / "expected"
QEMUS = {"riscv64": "qemu-riscv64", "aarch64": "qemu-aarch64"}   # the oracle of each arch
QEMU = QEMUS["riscv64"]


def _sibling(name: str):
    """Import tests/programs/<name>.py under a private module name (no sys.path games)."""
    modname = f"_dbt_test_programs_{name}"
    if modname in sys.modules:
        return sys.modules[modname]
    spec = importlib.util.spec_from_file_location(modname, PROGRAMS_DIR / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    spec.loader.exec_module(mod)
    return mod


build = _sibling("build")
cases = _sibling("cases")


@dataclass(frozen=True)
class Result:
    stdout: bytes
    stderr: bytes
    exit_status: int
    leftovers: tuple[str, ...] = ()   # files the guest left in its working directory

    def same_output(self, other: "Result") -> bool:
        return (self.stdout, self.stderr, self.exit_status) == (
            other.stdout, other.stderr, other.exit_status)


def exit_status(returncode: int) -> int:
    """The status as a shell reports it: 128+N for death by signal N."""
    return 128 - returncode if returncode < 0 else returncode


def status_text(status: int) -> str:
    if status > 128:
        try:
            return f"{status} (128+{signal.Signals(status - 128).name})"
        except ValueError:
            pass
    return str(status)


def _no_core_dumps() -> None:
    # A guest that dies by SIGSEGV/SIGABRT would otherwise let qemu (or the host kernel) drop
    # a core file into the working directory, and qemu's message would depend on ulimit -c.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_guest(cmd: list[str], case, cwd: Path | None = None, timeout: float | None = None,
              extra_env: dict[str, str] | None = None) -> Result:
    """Run ``cmd`` the way every test case runs: the case's stdin, exactly the case's
    environment (plus ``extra_env``, for a host-side runner that needs it), stdout and stderr
    captured through pipes (or one shared pipe), no core dumps.

    Without ``cwd`` a fresh temporary directory is created and removed afterwards; the names
    of any files left in it are returned in ``Result.leftovers``.
    """
    env = dict(case.env)
    if extra_env:
        env.update(extra_env)
    tmp = None
    if cwd is None:
        tmp = tempfile.TemporaryDirectory(prefix=f"dbt-{case.name}-")
        cwd = Path(tmp.name)
    try:
        proc = subprocess.run(
            cmd,
            input=case.stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if case.stderr_to_stdout else subprocess.PIPE,
            env=env,
            cwd=cwd,
            timeout=timeout if timeout is not None else case.timeout,
            preexec_fn=_no_core_dumps,
            check=False,
        )
        leftovers = tuple(sorted(os.listdir(cwd)))
    finally:
        if tmp is not None:
            tmp.cleanup()
    return Result(proc.stdout, proc.stderr or b"", exit_status(proc.returncode), leftovers)


def qemu_for(libc: str = "musl") -> str:
    """The qemu-user binary that runs a build variant's programs."""
    return QEMUS[build.arch_of(libc)]


def qemu_available(libc: str = "musl") -> bool:
    return shutil.which(qemu_for(libc)) is not None


def qemu_version(libc: str = "musl") -> str:
    out = subprocess.run([qemu_for(libc), "--version"], capture_output=True, text=True,
                         check=True).stdout
    return out.splitlines()[0].strip()


def guest_command(binary: Path, case) -> list[str]:
    """argv for the guest itself: argv[0] is the binary path, as given to the runner."""
    return [str(binary), *case.args]


def qemu_command(libc: str) -> list[str]:
    """qemu-riscv64 or qemu-aarch64, with -L the libc variant's sysroot when its binaries need
    one."""
    sysroot = build.TOOLCHAINS[libc].sysroot
    return [qemu_for(libc), "-L", sysroot] if sysroot else [qemu_for(libc)]


# qemu's own last words when the guest dies by a signal (see the module's docstring)
QEMU_SIGNAL_LINE = re.compile(rb"qemu: uncaught target signal (\d+) \([^)\n]*\) - core dumped\n\Z")


# ... and the same line of a child process the guest forked, wherever it is
QEMU_CHILD_SIGNAL_LINE = re.compile(rb"^qemu: uncaught target signal \d+ \([^)\n]*\) - core "
                                    rb"dumped\n", re.M)


def without_qemu_line(result: Result, stderr_to_stdout: bool = False) -> Result:
    """The result without qemu's line about the signal that killed the guest, if it is there
    (last on stderr, or on stdout when both go to one pipe) and names that signal, and without
    the lines about the guest's children that died by a signal."""
    stream = "stdout" if stderr_to_stdout else "stderr"
    text = getattr(result, stream)
    match = QEMU_SIGNAL_LINE.search(text)
    if match and int(match.group(1)) + 128 == result.exit_status:
        text = text[:match.start()]
    return dataclasses.replace(result, **{stream: QEMU_CHILD_SIGNAL_LINE.sub(b"", text)})


def run_qemu(case, libc: str, binary: Path | None = None, timeout: float | None = None) -> Result:
    binary = binary or build.build(case.program, libc)
    result = run_guest([*qemu_command(libc), *guest_command(binary, case)], case, timeout=timeout)
    return without_qemu_line(result, case.stderr_to_stdout)


def expected_path(case_name: str, libc: str) -> Path:
    return EXPECTED_DIR / f"{case_name}.{libc}.json"


def _encode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"


def _decode(text: str, encoding: str) -> bytes:
    if encoding == "base64":
        return base64.b64decode(text)
    if encoding == "utf-8":
        return text.encode("utf-8")
    raise ValueError(f"unknown encoding {encoding!r}")


def to_json(case, libc: str, result: Result, recorded_with: str) -> str:
    out, out_enc = _encode(result.stdout)
    err, err_enc = _encode(result.stderr)
    doc = {
        "case": case.name,
        "libc": libc,
        "program": case.program,
        "args": list(case.args),
        "env": dict(sorted(case.env.items())),
        "stdin_bytes": len(case.stdin),
        "stdin_sha256": hashlib.sha256(case.stdin).hexdigest(),
        "stderr_to_stdout": case.stderr_to_stdout,
        "exit_status": result.exit_status,
        "stdout_encoding": out_enc,
        "stdout": out,
        "stderr_encoding": err_enc,
        "stderr": err,
        "recorded_with": recorded_with,
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def input_mismatches(case, libc: str) -> list[str]:
    """How the inputs recorded in expected/<case>.<libc>.json differ from the table's case
    (a changed argv, stdin or environment means the file must be recorded again)."""
    doc = json.loads(expected_path(case.name, libc).read_text(encoding="utf-8"))
    want = {
        "case": case.name,
        "libc": libc,
        "program": case.program,
        "args": list(case.args),
        "env": dict(sorted(case.env.items())),
        "stdin_sha256": hashlib.sha256(case.stdin).hexdigest(),
        "stderr_to_stdout": case.stderr_to_stdout,
    }
    return [f"{k}: recorded {doc.get(k)!r}, table {v!r}" for k, v in want.items()
            if doc.get(k) != v]


def load_expected(case_name: str, libc: str) -> Result:
    doc = json.loads(expected_path(case_name, libc).read_text(encoding="utf-8"))
    return Result(
        stdout=_decode(doc["stdout"], doc["stdout_encoding"]),
        stderr=_decode(doc["stderr"], doc["stderr_encoding"]),
        exit_status=doc["exit_status"],
    )


def describe_difference(expected: Result, actual: Result, what: str = "actual") -> str:
    """A readable account of how two results differ (for assertion messages)."""
    import difflib

    parts = []
    if expected.exit_status != actual.exit_status:
        parts.append(f"exit status: expected {status_text(expected.exit_status)}, "
                     f"{what} {status_text(actual.exit_status)}")
    for stream in ("stdout", "stderr"):
        a, b = getattr(expected, stream), getattr(actual, stream)
        if a == b:
            continue
        diff = difflib.unified_diff(
            a.decode("utf-8", "backslashreplace").splitlines(keepends=True),
            b.decode("utf-8", "backslashreplace").splitlines(keepends=True),
            fromfile=f"expected {stream}", tofile=f"{what} {stream}", n=2)
        text = "".join(diff)
        if len(text) > 4000:
            text = text[:4000] + "\n... (diff truncated)\n"
        parts.append(f"{stream} differs ({len(a)} vs {len(b)} bytes):\n{text}")
    return "\n".join(parts) or "identical"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Record expected outputs from qemu-user.")
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if a recorded file is missing or stale")
    ap.add_argument("--libc", action="append", choices=build.LIBCS,
                    help="build variant (repeatable; default: every one)")
    ap.add_argument("--arch", action="append", choices=cases.ARCHS,
                    help="only the variants of this architecture (repeatable)")
    args = ap.parse_args(argv)

    unknown = [n for n in args.cases if n not in cases.CASES_BY_NAME]
    if unknown:
        ap.error(f"no such case: {', '.join(unknown)}")
    libcs = args.libc or list(build.LIBCS)
    if args.arch:
        libcs = [lc for lc in libcs if build.arch_of(lc) in args.arch]
    for libc in libcs:
        reason = build.missing_reason(libc)
        if not reason and not qemu_available(libc):
            reason = f"{qemu_for(libc)} is not installed; it is the only source of expected outputs"
        if reason:
            print(f"skipping {libc}: {reason}", file=sys.stderr)
    libcs = [lc for lc in libcs if build.missing_reason(lc) is None and qemu_available(lc)]
    if not libcs:
        return 2
    pairs = [(c, lc) for c, lc in cases.case_libc_pairs()
             if lc in libcs and (not args.cases or c.name in args.cases)]
    for libc in libcs:
        build.build_all([libc], sorted({c.program for c, lc in pairs if lc == libc}))

    EXPECTED_DIR.mkdir(exist_ok=True)
    problems, written, stale = [], 0, 0
    results: dict[tuple[str, str], Result] = {}
    versions = {lc: qemu_version(lc) for lc in libcs}
    for case, libc in pairs:
        first = run_qemu(case, libc)
        second = run_qemu(case, libc)
        if not first.same_output(second):
            problems.append(f"{case.name}.{libc}: not deterministic:\n"
                            + describe_difference(first, second, "second run"))
            continue
        if first.leftovers:
            problems.append(f"{case.name}.{libc}: left files behind: {first.leftovers}")
        results[(case.name, libc)] = first
        text = to_json(case, libc, first, versions[libc])
        path = expected_path(case.name, libc)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if args.check:
            if old is None:
                stale += 1
                print(f"MISSING {path.name}")
            elif (not load_expected(case.name, libc).same_output(first)
                  or input_mismatches(case, libc)):
                stale += 1
                print(f"STALE {path.name}\n" + "\n".join(input_mismatches(case, libc))
                      + describe_difference(load_expected(case.name, libc), first, "qemu now"))
        elif old != text:
            path.write_text(text, encoding="utf-8")
            written += 1
        print(f"{case.name:22s} {libc:17s} exit {status_text(first.exit_status):18s} "
              f"stdout {len(first.stdout):6d} B stderr {len(first.stderr):5d} B")

    known = {expected_path(c.name, lc).name for c, lc in cases.case_libc_pairs()}
    orphans = sorted(p.name for p in EXPECTED_DIR.glob("*.json") if p.name not in known)
    for name in orphans:
        print(f"warning: {name} matches no case in cases.py", file=sys.stderr)

    for arch in cases.ARCHS:
        musl, glibc = cases.variant(arch, "musl"), cases.variant(arch, "glibc")
        differing = [name for name in sorted({n for n, _ in results})
                     if (name, musl) in results and (name, glibc) in results
                     and not results[(name, musl)].same_output(results[(name, glibc)])]
        if differing:
            print(f"\n{musl} and {glibc} outputs differ for: " + ", ".join(differing))
    for p in problems:
        print("ERROR " + p, file=sys.stderr)
    if args.check:
        print(f"{stale} stale or missing expected files", file=sys.stderr)
        return 1 if stale or problems else 0
    print(f"{written} expected files written ({', '.join(sorted(set(versions.values())))})",
          file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
