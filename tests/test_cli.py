"""The command line: the main job on the shipped sample, bad inputs, options, modes."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HELLO = ROOT / "examples" / "hello-rv64"


def dbt(*args: str, stdin: bytes = b"", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dbt", *args], input=stdin,
                          capture_output=True, timeout=120, env=env)


def test_runs_the_sample_program_like_qemu():
    # The sample prints a greeting and its argv (examples/hello.c).
    result = dbt("run", str(HELLO), "one", "two words")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (b"Hello from RISC-V!\nargv[0] = " + bytes(HELLO) +
                             b"\nargv[1] = one\nargv[2] = two words\n")
    assert result.stderr == b""


@pytest.mark.parametrize("mode", ["interp", "static", "dynamic", "auto"])
def test_modes_run_the_sample(mode):
    result = dbt("run", "--mode", mode, str(HELLO), "x")
    assert result.returncode == 0 and result.stdout.endswith(b"argv[1] = x\n")
    assert result.stderr == b""


def test_the_default_mode_is_auto(tmp_path):
    """Without --mode the tiered mode runs, and the sample's blocks start in tier 0."""
    stats = tmp_path / "stats.json"
    result = dbt("run", "--no-cache", "--stats-json", str(stats), str(HELLO))
    assert result.returncode == 0, result.stderr
    figures = json.loads(stats.read_text())
    assert figures["mode"] == "auto"
    assert figures["tier 0 blocks translated"] > 0 and figures["tier 0 block runs"] > 0
    assert figures["tier 0 threshold (runs)"] == 50


def test_the_static_mode_needs_the_cache():
    result = dbt("run", "--mode", "static", "--no-cache", str(HELLO))
    assert result.returncode == 1
    assert result.stderr.startswith(b"dbt-vm: error: the static mode runs code translated")


def test_translate_reports_what_it_found_in_80_columns(tmp_path):
    # The sample is static: one file, whose row gives its functions (none: it has no symbol
    # table), blocks, instructions, jump tables, code size and seconds; a second translate
    # finds it translated before.
    env = dict(os.environ, DBT_VM_CACHE_DIR=str(tmp_path / "cache"))
    first = dbt("translate", str(HELLO), env=env)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.decode().splitlines()
    assert lines[0].split() == ["file", "funcs", "blocks", "insns", "tables", "code", "s"]
    row = lines[1].split()
    assert row[0] == "hello-rv64" and all(int(n.replace(",", "")) > 0 for n in row[2:4])
    assert any(line.startswith("1 file (the program), ") for line in lines)
    assert all(len(line) <= 80 for line in lines)
    again = dbt("translate", str(HELLO), env=env)
    assert again.stdout.decode().splitlines()[1].split()[2:] == ["(translated", "before)"]


def test_unknown_mode():
    result = dbt("run", "--mode", "turbo", str(HELLO))
    assert result.returncode == 1 and b"unknown mode 'turbo'" in result.stderr


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    path.chmod(0o755)
    return str(path)


def _with_interp(data: bytes) -> bytes:
    """The sample with its PT_GNU_STACK header turned into a PT_INTERP one."""
    data = bytearray(data)
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    for i in range(phnum):
        at = phoff + i * phentsize
        if struct.unpack_from("<I", data, at)[0] == 0x6474E551:
            struct.pack_into("<I", data, at, 3)
            return bytes(data)
    raise AssertionError("sample has no PT_GNU_STACK")


def _with_machine(data: bytes, machine: int) -> bytes:
    return data[:18] + struct.pack("<H", machine) + data[20:]


BAD_INPUTS = {
    "missing": (None, "No such file or directory"),
    "empty": (lambda d: b"", "not an ELF file"),
    "text": (lambda d: b"#!/bin/sh\necho hi\n", "not an ELF file"),
    "truncated-header": (lambda d: d[:30], "truncated ELF header"),
    "truncated-phdrs": (lambda d: d[:100], "truncated ELF file"),
    "x86-64": (lambda d: _with_machine(d, 62), "unsupported architecture x86-64"),
    "arm32": (lambda d: _with_machine(d, 40), "unsupported architecture ARM"),
    "elf32": (lambda d: d[:4] + b"\x01" + d[5:], "32-bit ELF programs are not supported yet"),
    "big-endian": (lambda d: d[:5] + b"\x02" + d[6:], "big-endian"),
    "bad-interp": (_with_interp, "corrupt ELF file (bad PT_INTERP)"),   # an empty PT_INTERP
    "segment-past-end": (lambda d: d[:0x8ce], "segment outside the file"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_and_status_1(tmp_path, case):
    make, message = BAD_INPUTS[case]
    path = str(tmp_path / "absent") if make is None else _write(tmp_path, case, make(HELLO.read_bytes()))
    result = dbt("run", path)
    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"dbt-vm: error: {path}: ")
    assert message in lines[0]
    assert b"Traceback" not in result.stderr and result.stdout == b""


def test_file_without_execute_permission_is_refused(tmp_path):
    path = _write(tmp_path, "noexec", HELLO.read_bytes())
    os.chmod(path, 0o644)
    result = dbt("run", path)
    assert result.returncode == 1
    assert result.stderr == f"dbt-vm: error: {path}: Permission denied (not executable)\n".encode()


def test_directory_is_refused(tmp_path):
    result = dbt("run", str(tmp_path))
    assert result.returncode == 1 and result.stderr.count(b"\n") == 1


def _program(name: str) -> Path:
    """A test program built for musl (tests/programs/build.py), or skip."""
    from test_programs import build        # tests/ is on sys.path while pytest runs
    reason = build.missing_reason("musl")
    if reason:
        pytest.skip(reason)
    return build.build(name, "musl")


def test_env_options_set_and_unset():
    # argv_env prints the guest's whole environment, sorted, one `env: NAME=VALUE` line each
    binary = _program("argv_env")
    env = {"KEEP": "1", "DROP": "2", "PATH": os.environ.get("PATH", "/usr/bin")}
    result = dbt("run", "-E", "NEW=x=y", "-U", "DROP", "-E", "KEEP=changed", str(binary),
                 env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "NEW=x=y" in out and "KEEP=changed" in out
    assert "DROP=" not in out and "KEEP=1" not in out


def test_bad_env_option():
    result = dbt("run", "-E", "NOEQUALS", str(HELLO))
    assert result.returncode == 1 and b"-E expects VAR=VALUE" in result.stderr


def test_stats_report_counts_and_times():
    result = dbt("run", "--stats", str(HELLO))
    assert result.returncode == 0
    text = result.stderr.decode()
    for key in ("loading s", "guest memory s", "translation s", "execution s",
                "syscall layer s", "guest instructions", "blocks decoded", "MIPS"):
        assert key in text, text
    assert "decode+lift s" not in text       # (the older names are in --stats-json only)


@pytest.mark.parametrize("mode", ["interp", "static", "dynamic", "auto"])
def test_stats_give_the_four_costs_in_every_mode(mode, tmp_path):
    # loading, guest memory, translation, execution and the syscall layer: each measured, none
    # negative, together no more than the process's wall time; a first run translates
    # (in the static mode ahead of the run: its translation is counted too) and executes.
    out = tmp_path / "stats.json"
    cache = tmp_path / "cache"
    start = time.perf_counter()
    result = dbt("run", "--mode", mode, "--cache-dir", str(cache), "--stats-json", str(out),
                 str(HELLO))
    wall = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text())
    costs = [figures[k] for k in ("loading s", "guest memory s", "translation s",
                                  "execution s", "syscall layer s")]
    assert all(c >= 0 for c in costs) and sum(costs) < wall, (costs, wall)
    assert figures["loading s"] > 0 and figures["translation s"] > 0
    assert figures["execution s"] > 0 and figures["guest instructions"] > 1000


@pytest.mark.parametrize("mode", ["interp", "dynamic"])
def test_stats_give_decode_lift_and_passes_apart(mode, tmp_path):
    # the frontend's stages and the IR passes, timed per block by the runtime's lift: the
    # interpreter lifts every block it runs once, so its own count of blocks and guest
    # instructions decoded is the oracle of the runtime's; per-instruction figures are the
    # seconds over those instructions; together the stages are part of translation s
    out = tmp_path / "stats.json"
    result = dbt("run", "--mode", mode, "--speculate", "off", "--cache-dir",
                 str(tmp_path / "cache"), "--stats-json", str(out), str(HELLO))
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text())
    insns = figures["guest insns lifted"]
    assert figures["blocks lifted"] > 50 and insns > figures["blocks lifted"]
    if mode == "interp":
        assert figures["blocks lifted"] == figures["blocks decoded"]
    stages = [figures[k] for k in ("decode s", "lift s", "IR passes s")]
    assert all(s > 0 for s in stages) and figures["frontend set-up s"] > 0
    assert sum(stages) + figures["frontend set-up s"] <= figures["translation s"]
    for stage in ("decode", "lift", "IR passes"):
        assert figures[f"{stage} us per guest insn"] == pytest.approx(
            figures[f"{stage} s"] / insns * 1e6)


def test_stats_table_shows_the_stages():
    result = dbt("run", "--mode", "interp", "--stats", str(HELLO))
    assert result.returncode == 0
    text = result.stderr.decode()
    for key in ("frontend set-up s", "decode us per guest insn", "lift us per guest insn",
                "IR passes us per guest insn"):
        assert key in text, text


def test_trace_in_asm_lists_the_entry_block():
    result = dbt("run", "--trace", "in_asm", str(HELLO))
    assert result.returncode == 0
    text = result.stderr.decode()
    entry = struct.unpack_from("<Q", HELLO.read_bytes(), 24)[0]
    assert "IN: " in text
    assert f"0x{entry:016x}:  " in text          # qemu-riscv64 prints the full 64-bit pc


def _in_asm_blocks(log: str) -> dict[int, tuple[str, list[str]]]:
    """A `-d in_asm` log as {first pc: (IN: name, instruction lines)} (the first of repeats)."""
    blocks: dict[int, tuple[str, list[str]]] = {}
    for chunk in log.split("----------------\n")[1:]:
        head, *lines = [ln for ln in chunk.splitlines() if ln]
        if lines and head.startswith("IN:"):
            blocks.setdefault(int(lines[0].split(":")[0], 16), (head, lines))
    return blocks


@pytest.mark.parametrize("qemu, flavour", [("qemu-riscv64", "musl"), ("qemu-riscv64", "glibc"),
                                           ("qemu-aarch64", "aarch64-musl"),
                                           ("qemu-aarch64", "aarch64-glibc")])
def test_trace_in_asm_agrees_with_qemus_log(tmp_path, qemu, flavour):
    # The same program under qemu -d in_asm and under dbt-vm -d in_asm: every block both
    # start at the same pc has the same `IN: function` line (qemu's name lookup in the program's
    # and the interpreter's symbol tables), and every instruction both logged has the same line.
    # Blocks themselves are each translator's own: dbt-vm's end after 64 instructions and
    # may cross a page, qemu's are cut at page ends.
    from test_programs import build
    if not shutil.which(qemu) or build.missing_reason(flavour):
        pytest.skip(f"needs {qemu} and the {flavour} toolchain")
    binary = build.build("argv_env", flavour)       # static: qemu loads a dynamic program's
    subprocess.run([qemu, "-d", "in_asm", "-D", str(tmp_path / "qemu.log"),   # ld.so elsewhere
                    str(binary), "a"], capture_output=True, timeout=60, check=True)
    result = dbt("-d", "in_asm", "-D", str(tmp_path / "ours.log"), str(binary), "a")
    assert result.returncode == 0, result.stderr
    theirs = _in_asm_blocks((tmp_path / "qemu.log").read_text())
    ours = _in_asm_blocks((tmp_path / "ours.log").read_text())
    common = theirs.keys() & ours.keys()
    assert len(common) > 0.8 * len(ours), (len(common), len(ours))
    assert {pc: theirs[pc][0] for pc in common} == {pc: ours[pc][0] for pc in common}
    assert any(theirs[pc][0] != "IN: " for pc in common)
    their_lines = {ln.split(":")[0]: ln for _, lines in theirs.values() for ln in lines}
    our_lines = {ln.split(":")[0]: ln for _, lines in ours.values() for ln in lines}
    both = their_lines.keys() & our_lines.keys()
    assert len(both) > 0.9 * len(our_lines)
    assert {a: their_lines[a] for a in both} == {a: our_lines[a] for a in both}


def test_unknown_trace_kind():
    result = dbt("run", "--trace", "bogus", str(HELLO))
    assert result.returncode == 1 and b"unknown trace kind 'bogus'" in result.stderr


def test_strace_prints_write_and_exit():
    result = dbt("run", "--strace", str(HELLO))
    assert result.returncode == 0
    text = result.stderr.decode()
    assert " write(1," in text and "exit" in text


def test_strace_goes_where_the_guests_stderr_goes():
    # qemu-user logs to its fd 2, which is the guest's: once close_std closes its fd 2, the
    # trace ends in the middle of the close(2) line, under qemu-riscv64 -strace and here
    if not shutil.which("qemu-riscv64"):
        pytest.skip("needs qemu-riscv64 (the oracle)")
    binary = _program("close_std")
    theirs = subprocess.run(["qemu-riscv64", "-strace", str(binary)], capture_output=True,
                            timeout=60)
    ours = dbt("run", "--strace", str(binary))
    assert ours.returncode == theirs.returncode == 22

    def without_pids(text: bytes) -> bytes:           # line prefixes, set_tid_address's result
        text = re.sub(rb"^\d+ ", b"", text, flags=re.M)
        return re.sub(rb"(set_tid_address\([^)]*\) = )\d+", rb"\1TID", text)
    assert without_pids(ours.stderr) == without_pids(theirs.stderr)
    assert ours.stderr.endswith(b" close(2)")


def test_python_module_and_console_script_agree():
    console = Path(sys.executable).with_name("dbt-vm")
    if not console.exists():
        pytest.skip("the dbt-vm console script is not installed next to this Python")
    a = subprocess.run([str(console), "run", str(HELLO)], capture_output=True, timeout=60)
    b = dbt("run", str(HELLO))
    assert (a.returncode, a.stdout) == (b.returncode, b.stdout)


# -- qemu-user's command line ------------------------------------------------------------------
def test_qemu_style_command_line_without_run():
    # argv_env prints argv[0]'s basename and the guest's environment (`env: NAME=VALUE`
    # lines); -E and -U take comma-separated lists as qemu-user's do, $QEMU_SET_ENV and
    # $QEMU_UNSET_ENV first
    binary = _program("argv_env")
    env = {"KEEP": "1", "DROP": "2", "GONE": "3", "PATH": os.environ.get("PATH", "/usr/bin"),
           "QEMU_SET_ENV": "FROM_QEMU=yes", "QEMU_UNSET_ENV": "GONE"}
    result = dbt("-E", "NEW=x,KEEP=changed", "-U", "DROP,NOPE", "-0", "renamed", "-cpu", "rv64",
                 "-s", "1M", str(binary), env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "argv[0] basename 'renamed'" in out
    assert "NEW=x" in out and "KEEP=changed" in out and "FROM_QEMU=yes" in out
    assert "DROP=" not in out and "GONE=" not in out and "QEMU_SET_ENV" in out


def test_cpu_models():
    result = dbt("-cpu", "help")
    assert result.returncode == 0 and b"riscv64: rv64" in result.stdout
    result = dbt("-cpu", "cortex-a9000", str(HELLO))
    assert result.returncode == 1
    assert result.stderr.startswith(b"dbt-vm: error: -cpu: unknown model 'cortex-a9000'")


def test_d_in_asm_goes_to_the_log_file(tmp_path):
    log = tmp_path / "log.txt"
    result = dbt("-d", "in_asm", "-D", str(log), str(HELLO))
    assert result.returncode == 0 and result.stderr == b""
    text = log.read_text()
    assert text.startswith("----------------\nIN: \n0x") and "ecall" in text


def test_qemu_strace_variable():
    result = dbt(str(HELLO), env={**os.environ, "QEMU_STRACE": "1"})
    assert result.returncode == 0
    assert b" exit_group(0)" in result.stderr or b" exit(0)" in result.stderr


def test_a_bad_option_names_itself_with_the_run_usage():
    result = dbt("run", "--no-such-option", str(HELLO))
    assert result.returncode == 2
    assert result.stderr.startswith(b"usage: dbt-vm run [options] PROGRAM [ARGS...]")
    assert b"unrecognized arguments: --no-such-option" in result.stderr
    result = dbt("run")
    assert result.returncode == 2 and b"required: PROGRAM" in result.stderr
