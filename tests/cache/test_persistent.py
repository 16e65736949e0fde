"""The persistent translation cache end to end: `dbt-vm run` (a process per run) with a cache
folder of the test's own, on whole programs whose output qemu-riscv64 recorded.

- a second run loads what the first compiled, and gives the same output; tier 0's
  translations serve the next process too;
- a library translated for one program serves another program that maps it;
- an image truncated or with flipped bytes gives the right output and is rebuilt;
- runs started together all succeed and leave entries that read back whole;
- a cache written by another build of dbt-vm (another DBT_VM_CACHE_SALT) is never used;
- `dbt-vm cache info` and `cache clear` say what is there and empty it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dbt.cache.disk import DiskCache

PROGRAMS = Path(__file__).resolve().parent.parent / "programs"


def _record():
    name = "_dbt_test_programs_record"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, PROGRAMS / "record.py")
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


record = _record()


def _binary(program: str, libc: str) -> Path:
    reason = record.build.missing_reason(libc)
    if reason:
        pytest.skip(f"no {libc} toolchain: {reason}")
    return record.build.build(program, libc)


def run(case_name: str, libc: str, cache: Path, tmp_path: Path, *options: str,
        env: dict | None = None) -> dict:
    """Run a case with `cache`; require qemu's recorded output; return --stats-json."""
    case = record.cases.CASES_BY_NAME[case_name]
    binary = _binary(case.program, libc)
    stats = tmp_path / f"stats{len(list(tmp_path.glob('stats*')))}.json"
    cmd = [sys.executable, "-m", "dbt", "run", "--mode", "dynamic", "--cache-dir", str(cache),
           "--stats-json", str(stats), *options, *record.guest_command(binary, case)]
    actual = record.run_guest(cmd, case, timeout=300, extra_env=env)
    expected = record.load_expected(case_name, libc)
    assert actual.same_output(expected), record.describe_difference(expected, actual)
    return json.loads(stats.read_text())


@pytest.mark.oracle
@pytest.mark.parametrize("libc", ["musl", "glibc-dyn"])
def test_a_second_run_loads_what_the_first_compiled(tmp_path, libc):
    cold = run("printf_float", libc, tmp_path / "cache", tmp_path)
    assert cold["regions compiled"] > 0 and cold["regions loaded from the cache"] == 0
    assert cold["regions added to the cache"] == cold["regions compiled"]
    warm = run("printf_float", libc, tmp_path / "cache", tmp_path)
    assert warm["regions compiled"] == 0 and warm["blocks decoded"] == 0
    assert warm["regions loaded from the cache"] >= cold["regions compiled"]
    assert warm["... with translations in the cache"] == warm["guest files run"] >= 1
    assert warm["exits to Python: miss"] <= warm["guest files run"]   # one per file, to load


@pytest.mark.oracle
def test_a_forked_childs_own_code_is_kept_too(tmp_path):
    """The auto mode translates what ran only in tier 0 into the cache after the run, in the
    background; a forked child's own code (its side of fork, its exit: here the child that
    signal_handlers forks) ran in no other process, and once was never kept, so that every
    child of every run lifted it again. After one run and its background translation, no
    process of the next run (the cache's run log has one line per process) has a block left
    in tier 0 only."""
    cache = tmp_path / "cache"
    run("signal_handlers", "glibc-dyn", cache, tmp_path, "--mode", "auto")
    subprocess.run([sys.executable, "-m", "dbt", "cache", "wait", "--cache-dir", str(cache)],
                   check=True, capture_output=True)
    first = DiskCache(cache).runs(10)
    assert len(first) == 2 and all(r["tier 0 only"] > 0 for r in first)   # parent, child
    run("signal_handlers", "glibc-dyn", cache, tmp_path, "--mode", "auto")
    second = DiskCache(cache).runs(10)[2:]
    assert len(second) == 2 and [r["tier 0 only"] for r in second] == [0, 0]


@pytest.mark.oracle
def test_a_forked_child_saves_only_its_own_regions(tmp_path):
    """A forked child inherits the regions its parent made and has not saved yet (they are
    saved when a run ends): the parent saves them, the child only what it made itself. A
    child once saved them all again, merging them into big images at its exit or execve
    (seconds for python3's subprocess children while the cache filled). signal_handlers
    compiles hundreds of regions (dynamic mode: all it runs) before it forks a child that
    runs a few blocks and exits; the parent waits for it, so the child's line in the run log
    comes first."""
    cache = tmp_path / "cache"
    run("signal_handlers", "glibc-dyn", cache, tmp_path)
    child, parent = DiskCache(cache).runs(10)
    assert parent["regions saved"] > 100
    assert child["regions saved"] < parent["regions saved"] / 10


@pytest.mark.oracle
def test_tier0s_translations_serve_the_next_process(tmp_path):
    """The auto mode keeps what tier 0 made of each guest file (kind "t0"), for the processes
    that run the same code before the background translation has put it into the images
    (without one here): the second run reuses, rather than lifts, what the first lifted. One
    of another program (sharing ld.so and libc) reuses part, and lifts the rest."""
    cache = tmp_path / "cache"
    first = run("printf_float", "glibc-dyn", cache, tmp_path, "--mode", "auto",
                "--background", "off")
    lifted = first["tier 0 blocks translated"]
    assert lifted > 500 and first["... of those made by earlier processes"] == 0
    assert len(list((cache / "t0").rglob("*"))) >= 3 + 3       # folders, and three files
    second = run("printf_float", "glibc-dyn", cache, tmp_path, "--mode", "auto",
                 "--background", "off")
    reused = second["... of those made by earlier processes"]   # (not all: blocks whose
    assert reused > 0.9 * second["tier 0 blocks translated"]    # code cannot move or is not
    assert second["tier 0 blocks translated"] > lifted / 2      # a file's are not kept)
    assert second["blocks lifted"] < first["blocks lifted"] - reused / 2
    other = run("printf_int", "glibc-dyn", cache, tmp_path, "--mode", "auto",
                "--background", "off")
    assert 0 < other["... of those made by earlier processes"] < other["tier 0 blocks translated"]


@pytest.mark.oracle
def test_the_background_translation_drops_tier0s_translations(tmp_path):
    """Once the background translation has put what ran in tier 0 into the images, the
    stored tier-0 translations of those files would only cost a later run their reading:
    they are gone, and the next run lifts nothing."""
    cache = tmp_path / "cache"
    run("printf_float", "glibc-dyn", cache, tmp_path, "--mode", "auto")
    subprocess.run([sys.executable, "-m", "dbt", "cache", "wait", "--cache-dir", str(cache)],
                   check=True, capture_output=True)
    assert [e for e in DiskCache(cache).entries() if e[0] == "t0"] == []
    assert [e for e in DiskCache(cache).entries() if e[0] == "img"] != []
    warm = run("printf_float", "glibc-dyn", cache, tmp_path, "--mode", "auto")
    assert warm["tier 0 blocks translated"] == 0


@pytest.mark.oracle
def test_the_background_translation_waits_while_a_guest_runs(tmp_path):
    """The background translation keeps tier 0's translations at once, then compiles only
    while no process runs a guest with the cache (here the test holds it active, as such a
    process does): its stored tier 0 stays until the test lets go."""
    cache = tmp_path / "cache"
    holder = DiskCache(cache)
    holder.hold_active()
    try:
        run("printf_float", "glibc-dyn", cache, tmp_path, "--mode", "auto")
        deadline = time.monotonic() + 60
        while not any(e[0] == "t0" for e in holder.entries()) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        assert any(e[0] == "t0" for e in holder.entries())   # (not compiled, not dropped)
        assert not holder.quiet()
    finally:
        os.close(holder._active)
    subprocess.run([sys.executable, "-m", "dbt", "cache", "wait", "--cache-dir", str(cache)],
                   check=True, capture_output=True, timeout=300)
    assert not any(e[0] == "t0" for e in holder.entries())


@pytest.mark.oracle
def test_a_library_translated_for_one_program_serves_another(tmp_path):
    first = run("printf_float", "glibc-dyn", tmp_path / "cache", tmp_path)
    assert first["guest files run"] == 3                 # the program, ld.so, libc
    other = run("printf_int", "glibc-dyn", tmp_path / "cache", tmp_path)
    assert other["guest files run"] == 3
    assert other["... with translations in the cache"] == 2   # ld.so's and libc's
    assert 0 < other["regions compiled"] < first["regions compiled"]


def _images(cache: Path) -> list[Path]:
    return sorted((cache / "img").rglob("*"), key=lambda p: p.stat().st_size) \
        if (cache / "img").exists() else []


@pytest.mark.oracle
@pytest.mark.parametrize("damage", ["truncated", "flipped bytes"])
def test_a_damaged_image_gives_the_right_output_and_is_rebuilt(tmp_path, damage):
    cache = tmp_path / "cache"
    run("printf_float", "musl", cache, tmp_path)
    (image,) = [p for p in _images(cache) if p.is_file()]
    data = bytearray(image.read_bytes())
    if damage == "truncated":
        data = data[:len(data) * 2 // 3]
    else:
        for i in range(len(data) // 2, len(data), 997):
            data[i] ^= 0xA5
    image.write_bytes(bytes(data))
    again = run("printf_float", "musl", cache, tmp_path)
    assert again["cache entries found damaged"] == 1
    assert again["regions loaded from the cache"] == 0 and again["regions compiled"] > 0
    assert again["regions added to the cache"] == again["regions compiled"]
    warm = run("printf_float", "musl", cache, tmp_path)         # rebuilt, whole again
    assert warm["regions compiled"] == 0 and warm["cache entries found damaged"] == 0


@pytest.mark.oracle
def test_runs_started_together_all_succeed_and_leave_a_valid_cache(tmp_path):
    names = ["printf_float", "printf_int"]
    binaries = [_binary(name, "glibc-dyn") for name in names]
    cache = tmp_path / "cache"
    procs = []
    for i in range(4):
        case = record.cases.CASES_BY_NAME[names[i % 2]]
        cmd = [sys.executable, "-m", "dbt", "run", "--cache-dir", str(cache),
               *record.guest_command(binaries[i % 2], case)]
        procs.append((case, subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                             stderr=subprocess.PIPE, env=case.env,
                                             cwd=tmp_path)))
    for case, proc in procs:
        out, err = proc.communicate(timeout=300)
        expected = record.load_expected(case.name, "glibc-dyn")
        assert (out, err, proc.returncode) == (expected.stdout, expected.stderr,
                                               expected.exit_status)
    # (the auto mode's background translations after the runs write to the cache too)
    subprocess.run([sys.executable, "-m", "dbt", "cache", "wait", "--cache-dir", str(cache)],
                   check=True, capture_output=True, timeout=600)
    disk = DiskCache(cache)
    entries = disk.entries()
    assert entries and not list(cache.rglob("*.tmp"))   # no temporary file left behind
    for kind, path, *_ in entries:                      # every one reads back whole
        assert disk.read(kind, Path(path).name) is not None, path
    assert disk.discarded == 0
    warm = run("printf_float", "glibc-dyn", cache, tmp_path)
    assert warm["regions compiled"] == 0


@pytest.mark.oracle
def test_a_cache_of_another_build_is_never_used(tmp_path):
    cache = tmp_path / "cache"
    run("printf_float", "musl", cache, tmp_path, env={"DBT_VM_CACHE_SALT": "build A"})
    other = run("printf_float", "musl", cache, tmp_path, env={"DBT_VM_CACHE_SALT": "build B"})
    assert other["regions loaded from the cache"] == 0 and other["regions compiled"] > 0
    same = run("printf_float", "musl", cache, tmp_path, env={"DBT_VM_CACHE_SALT": "build A"})
    assert same["regions compiled"] == 0


@pytest.mark.oracle
def test_no_cache_neither_reads_nor_writes(tmp_path):
    cache = tmp_path / "cache"
    run("printf_float", "musl", cache, tmp_path)
    before = sorted(p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file())
    quiet = run("printf_float", "musl", cache, tmp_path, "--no-cache")
    assert quiet["regions compiled"] > 0 and "regions loaded from the cache" not in quiet
    assert sorted(p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file()) == before


@pytest.mark.oracle
def test_cache_info_and_clear(tmp_path):
    cache = tmp_path / "cache"
    run("printf_float", "glibc-dyn", cache, tmp_path)

    def dbt(*args):
        return subprocess.run([sys.executable, "-m", "dbt", "cache", *args, "--cache-dir",
                               str(cache)], capture_output=True, text=True, timeout=60)
    info = dbt("info")
    assert info.returncode == 0, info.stderr
    assert str(cache) in info.stdout and "libc.so.6" in info.stdout
    assert "printf_float.glibc-dyn" in info.stdout        # the run log
    cleared = dbt("clear")
    assert cleared.returncode == 0 and cleared.stdout.startswith("removed ")
    assert not [p for p in cache.rglob("*") if p.is_file()]
    assert "0 entries" in dbt("info").stdout


@pytest.mark.oracle
def test_the_static_mode_translates_again_after_cache_clear(tmp_path):
    # `cache clear` must take the marks of translated files with the images: a mark left
    # behind would let the static mode believe a file translated whose code is gone.
    cache = tmp_path / "cache"
    first = run("printf_float", "musl", cache, tmp_path, "--mode", "static")
    assert first["static coverage %"] >= 95.0, first
    cleared = subprocess.run([sys.executable, "-m", "dbt", "cache", "clear", "--cache-dir",
                              str(cache)], capture_output=True, text=True, timeout=60)
    assert cleared.returncode == 0, cleared.stderr
    assert not [p for p in cache.rglob("*") if p.is_file()]
    again = run("printf_float", "musl", cache, tmp_path, "--mode", "static")
    assert again["static coverage %"] >= 95.0, again
