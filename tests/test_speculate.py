"""Translation ahead in a helper process (backends/llvm/speculate.py).

- Whole programs run with `--speculate sync` (the engine waits for the helper whenever it is
  busy, so it adopts what the helper made) give qemu's recorded output, and the figures show
  that regions made by the helper ran. One of them writes new code and runs it (smc): the
  helper's copy of guest memory is the one of the fork, and only regions whose guest bytes
  are still the same are adopted.
- A region the helper made from bytes that have changed since is refused; one made from the
  current bytes is installed and runs (in-process, no fork).
- A hot loop compiled by the helper gives the same result as compiled by the engine.
- A helper that dies leaves the guest's run unharmed.
- `--speculate off` makes no helper.
- The engine never waits on a full pipe while the helper waits on the other one; the arena
  of tier-1 counters hands out each byte once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from test_dynamic import (A7, HOT_ITERATIONS, hot_loop, run_case_with_qemus_output, status,
                          write_elf)

#: printf's float formatting (some hundred regions, FP helpers), qsort and strings, and code
#: written at run time into a new executable mapping.
CASES = ["printf_float", "strings_sort", "smc_store", "smc_read", "smc_remap"]


def _hot_loop(tmp_path: Path) -> Path:
    """A loop made hot, then exit with (3 * iterations) & 0xff."""
    a = hot_loop()
    a.li(A7, 94)                                          # exit_group(a0)
    a("ecall")
    return write_elf(tmp_path / "loop", a.assemble())


def _run(program: Path, tmp_path: Path, *options: str, python: list[str] | None = None):
    stats = tmp_path / "stats.json"
    cmd = [*(python or [sys.executable, "-m", "dbt"]), "run", "--mode", "dynamic", "--no-cache",
           "--stats-json", str(stats), *options, str(program)]
    proc = subprocess.run(cmd, capture_output=True, timeout=300)
    return proc, json.loads(stats.read_text())


@pytest.mark.oracle
@pytest.mark.parametrize("case_name", CASES)
def test_programs_run_regions_translated_ahead_with_qemus_output(case_name, tmp_path):
    figures = run_case_with_qemus_output(case_name, tmp_path, "--speculate", "sync")
    assert figures["regions translated ahead"] > 0
    assert 0 < figures["... of them adopted"] <= figures["regions compiled"]


def test_hot_region_compiled_by_the_helper_gives_the_same_result(tmp_path):
    program = _hot_loop(tmp_path)
    expected = (3 * HOT_ITERATIONS) & 0xFF
    helper, by_helper = _run(program, tmp_path, "--speculate", "sync")
    assert (status(helper), helper.stdout, helper.stderr) == (expected, b"", b"")
    alone, by_engine = _run(program, tmp_path, "--speculate", "off")
    assert (status(alone), alone.stdout, alone.stderr) == (expected, b"", b"")
    hot = by_engine["regions recompiled hot"]
    assert hot >= 1 and by_engine["hot regions compiled by the helper"] == 0
    assert by_engine["regions translated ahead"] == 0
    assert by_helper["regions recompiled hot"] == by_helper["hot regions compiled by the helper"]
    assert by_helper["regions recompiled hot"] == hot


def test_a_helper_that_dies_leaves_the_run_unharmed(tmp_path):
    """The helper process raises at once (patched in a wrapper script): the engine sees its
    pipe close and translates everything itself."""
    script = tmp_path / "dying_helper.py"
    script.write_text("import sys\n"
                      "import dbt.backends.llvm.speculate\n"
                      "def serve(self):\n"
                      "    raise RuntimeError('helper down')\n"
                      "dbt.backends.llvm.speculate._Helper.serve = serve\n"
                      "from dbt.cli import main\n"
                      "main()\n")
    program = _hot_loop(tmp_path)
    proc, figures = _run(program, tmp_path, "--speculate", "sync",
                         python=[sys.executable, str(script)])
    assert (status(proc), proc.stdout, proc.stderr) == ((3 * HOT_ITERATIONS) & 0xFF, b"", b"")
    assert figures["regions translated ahead"] == figures["hot regions compiled by the helper"] == 0
    assert figures["regions recompiled hot"] >= 1


def test_a_region_made_from_changed_bytes_is_refused(tmp_path):
    """translate_ahead is what the helper runs; here in-process on the engine itself. A copy
    of its result whose guest bytes differ from memory (as if the guest wrote code after the
    fork) is refused and installs nothing; the result itself is installed and runs."""
    from dbt.backends.llvm.compiler import target_machine
    from dbt.runtime import Machine
    from dbt.backends.llvm.speculate import Speculated, translate_ahead

    machine = Machine(str(_hot_loop(tmp_path)), mode="dynamic", speculate="off")
    engine, pc = machine.engine, machine.state.pc
    made, blocks = translate_ahead(engine, target_machine(0), pc, "s1_test")
    assert [b.pc for b in blocks] == [s[0] for s in made.blocks] and blocks[0].pc == pc
    first = made.blocks[0]
    changed = bytes([first[3][0] ^ 0xFF]) + first[3][1:]
    stale = Speculated(**{**made.__dict__, "blocks": [(*first[:3], changed), *made.blocks[1:]]})
    assert not engine._adopt(stale)
    assert engine.code.get(pc) is None and engine.stats.regions == 0
    engine.spec = _NoHelper()
    assert engine._adopt(made)
    region = engine.code.get(pc)
    assert engine.stats.speculated_used == 1 and not region.ran()[0]
    engine.spec = None
    result = machine.run()
    assert (result.status, result.signal) == ((3 * HOT_ITERATIONS) & 0xFF, 0)
    assert region.ran()[0]                              # the adopted region's code ran


class _NoHelper:
    """What _adopt tells the helper goes nowhere."""

    def hint(self, pcs, spans) -> None:
        pass


def test_the_engine_never_waits_for_a_helper_that_waits_for_it():
    """Both pipes full: the helper (a thread here) writes 256 KiB of results before it reads
    any request, while the engine writes a 256 KiB request (a hot module). A plain write
    would wait forever; Speculator._write reads the results while it writes."""
    import os
    import threading

    from dbt.backends.llvm.speculate import Speculator, _Reader, _send

    requests, to_helper = os.pipe()
    from_helper, results = os.pipe()
    engine_side = object.__new__(Speculator)
    engine_side.out = to_helper
    engine_side.results = _Reader(from_helper)
    os.set_blocking(to_helper, False)
    big = b"r" * (256 << 10)
    got = []

    def helper():
        _send(results, ("helper", 0, "flood", big))
        got.extend(_Reader(requests).read(wait=True))

    thread = threading.Thread(target=helper, daemon=True)
    thread.start()
    engine_side._write(("hot", 0, "h1_0", "x" * (256 << 10)))
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert got == [("hot", 0, "h1_0", "x" * (256 << 10))]
    assert engine_side.results.read(wait=False) == [("helper", 0, "flood", big)]
    for fd in (requests, to_helper, from_helper, results):
        os.close(fd)


def test_the_helper_holds_no_file_of_the_guest(tmp_path):
    """The helper is a fork of the engine's process, made at its first translation, when the
    guest may have pipes open (an execve's new image runs in the process that forked it, with
    the pipes its parent reads). The helper closes every file but its own pipes, so that a
    guest reading a pipe to its end (a shell's `$(...)`, subprocess.communicate) sees it end
    when the guest's processes close it, not when the helper goes."""
    import os
    import time

    from dbt.backends.llvm.speculate import Speculator
    from dbt.runtime import Machine

    machine = Machine(str(_hot_loop(tmp_path)), mode="dynamic", speculate="off")
    guest_read, guest_write = os.pipe()                # (as a guest's pipe: host fds)
    spec = Speculator(machine.engine)
    try:
        deadline = time.monotonic() + 30
        while True:                                    # (the helper closes them at start)
            held = _files(spec.pid)
            mine = {os.readlink(f"/proc/self/fd/{fd}") for fd in (guest_read, guest_write)}
            if not held & mine or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert not held & mine
        assert len([h for h in held if h.startswith("pipe:")]) == 2   # its requests, results
    finally:
        spec.close()
        os.close(guest_read)
        os.close(guest_write)


def _files(pid: int) -> set[str]:
    """What the fds of process `pid` are (those it closes while they are listed left out)."""
    import os
    found = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            found.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:
            pass
    return found
