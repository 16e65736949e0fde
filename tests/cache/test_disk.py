"""cache/disk.py, the persistent cache's files: atomic entries, checks that find damage, least
recently used eviction, file digests remembered by identity, the run log."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from dbt.cache.disk import DiskCache, cache_dir, parse_size


def test_an_entry_reads_back_and_says_it_was_a_hit(tmp_path):
    cache = DiskCache(tmp_path)
    assert cache.read("img", "ab" * 32) is None and cache.misses == 1
    assert cache.write("img", "ab" * 32, b"payload bytes", label="prog")
    assert cache.read("img", "ab" * 32) == b"payload bytes" and cache.hits == 1
    assert [e[4] for e in cache.entries()] == ["prog"]


@pytest.mark.parametrize("damage", ["flip a payload byte", "truncate", "append", "flip the key",
                                    "zero the header", "empty file"])
def test_a_damaged_entry_is_missing_and_deleted(tmp_path, damage):
    cache = DiskCache(tmp_path)
    key = "cd" * 32
    cache.write("img", key, bytes(range(256)) * 40)
    path = Path(cache.path("img", key))
    data = bytearray(path.read_bytes())
    if damage == "flip a payload byte":
        data[-100] ^= 0x10
    elif damage == "truncate":
        data = data[:len(data) // 2]
    elif damage == "append":
        data += b"x"
    elif damage == "flip the key":
        data[8] ^= 1
    elif damage == "zero the header":
        data[:16] = bytes(16)
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    assert cache.read("img", key) is None
    assert cache.discarded == 1 and not path.exists()


def test_an_entry_under_another_key_is_not_taken(tmp_path):
    """A file at the wrong place (renamed, or copied there) is never read as that key's."""
    cache = DiskCache(tmp_path)
    cache.write("img", "11" * 32, b"for one key")
    other = Path(cache.path("img", "22" * 32))
    other.parent.mkdir(parents=True)
    other.write_bytes(Path(cache.path("img", "11" * 32)).read_bytes())
    assert cache.read("img", "22" * 32) is None and not other.exists()


def test_writes_leave_no_temporary_files_and_replace_whole(tmp_path):
    cache = DiskCache(tmp_path)
    for payload in (b"first", b"second version"):
        cache.write("rt", "ee" * 32, payload)
    assert cache.read("rt", "ee" * 32) == b"second version"
    assert [p.name for p in (tmp_path / "rt" / "ee").iterdir()] == ["ee" * 32]


def test_least_recently_used_entries_go_past_the_limit(tmp_path):
    cache = DiskCache(tmp_path, limit=14_000)        # six entries of ~2.1 KB fit
    keys = [f"{i:02x}" * 32 for i in range(6)]
    for i, key in enumerate(keys):
        cache.write("img", key, bytes(2000))
        os.utime(cache.path("img", key), (1000 + i, 1000 + i))   # older first
    cache.read("img", keys[0])                  # used now: the youngest
    cache.write("img", "ff" * 32, bytes(2000))   # past the limit: evict
    left = {Path(e[1]).name for e in cache.entries()}
    assert keys[0] in left and "ff" * 32 in left
    assert keys[1] not in left                  # the least recently used went first
    assert sum(e[2] for e in cache.entries()) <= 14_000 * 9 // 10


def test_a_folder_that_cannot_be_written_is_an_empty_cache(tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    cache = DiskCache(blocked / "cache")
    assert not cache.write("img", "aa" * 32, b"data")
    assert cache.read("img", "aa" * 32) is None
    assert cache.entries() == [] and cache.runs() == []
    cache.note_run({"program": "p"})            # (no error either)


def test_file_digest_is_remembered_and_follows_changes(tmp_path):
    cache = DiskCache(tmp_path / "cache")
    guest = tmp_path / "lib.so"
    guest.write_bytes(b"version one")

    def ident(path):
        info = path.stat()
        return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)

    first = cache.file_digest(bytes(guest), ident(guest))
    assert first == hashlib.sha256(b"version one").hexdigest()
    hits = cache.hits
    assert cache.file_digest(bytes(guest), ident(guest)) == first and cache.hits == hits + 1
    time.sleep(0.01)
    guest.write_bytes(b"version two")           # a change changes the identity
    assert cache.file_digest(bytes(guest), ident(guest)) == \
        hashlib.sha256(b"version two").hexdigest()


def test_clear_and_the_run_log(tmp_path):
    cache = DiskCache(tmp_path)
    cache.write("img", "aa" * 32, b"x")
    cache.note_run({"program": "a", "images": 1})
    cache.note_run({"program": "b", "images": 0})
    assert [r["program"] for r in cache.runs()] == ["a", "b"]
    assert cache.clear() == 1
    assert cache.entries() == [] and cache.runs() == []


def test_where_the_cache_lives():
    assert cache_dir({"DBT_VM_CACHE_DIR": "/x/y", "XDG_CACHE_HOME": "/z"}) == "/x/y"
    assert cache_dir({"XDG_CACHE_HOME": "/z", "HOME": "/h"}) == "/z/dbt-vm"
    assert cache_dir({"HOME": "/h"}) == "/h/.cache/dbt-vm"
    assert parse_size("64M") == 64 << 20 and parse_size("100") == 100
    with pytest.raises(ValueError):
        parse_size("lots")


def test_cache_wait_waits_for_a_lock_taken_before_the_finisher_exists(tmp_path):
    """The auto mode takes the background lock before it forks the finisher, so that a
    `dbt-vm cache wait` right after the guest's exit cannot miss it (it once could: the
    finisher took it itself, a moment later)."""
    disk = DiskCache(tmp_path)
    lock = disk.finishing()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:                                   # the finisher: its work, then the lock
        try:
            os.close(go_w)
            os.read(go_r, 1)
            time.sleep(0.1)
            (tmp_path / "done").write_bytes(b"")
            disk.done_finishing(lock)
        finally:
            os._exit(0)
    os.close(go_r)
    os.close(lock[0])                              # the parent lets go of its descriptor
    os.write(go_w, b"x")
    assert disk.wait_for_background() == 1
    assert (tmp_path / "done").exists()            # returned only once the finisher was done
    os.waitpid(pid, 0)
    assert disk.wait_for_background() == 0        # (its lock file is gone)


def test_a_shared_background_lock_is_held_by_one_process_at_a_time(tmp_path):
    """Forked children take turns translating their own code in the background: while one
    holds the shared lock, another gets None (and carries on without); `cache wait` waits
    for the holder; once it is done, the next one gets the lock."""
    disk = DiskCache(tmp_path)
    first = disk.finishing(shared="forked-child")
    assert first is not None
    pid = os.fork()
    if pid == 0:                                   # another process, meanwhile
        os._exit(0 if disk.finishing(shared="forked-child") is None else 1)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert disk.finishing() is not None            # (a lock of its own is always there)
    disk.done_finishing(first)
    again = disk.finishing(shared="forked-child")
    assert again is not None
    disk.done_finishing(again)


def test_the_background_lock_is_never_a_standard_stream(tmp_path):
    """A guest that closed its stdout and stderr (coreutils do) leaves host fds 1 and 2 free;
    the finisher points 0-2 at /dev/null, which must not drop the lock."""
    saved = os.dup(1), os.dup(2)
    try:
        os.close(1)
        os.close(2)
        lock = DiskCache(tmp_path).finishing()
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)
    assert lock is not None and lock[0] > 2
    DiskCache(tmp_path).done_finishing(lock)


def _append_each(root: str, marks: bytes) -> None:
    cache = DiskCache(root)
    for mark in marks:
        def merge(old, mark=mark):
            time.sleep(0.002)                 # (read-then-write: the window a race needs)
            return (old or b"") + bytes([mark])
        assert cache.update("img", "k" * 64, merge)


def test_updates_from_processes_at_once_all_stay(tmp_path):
    """Each of 4 processes adds 25 different bytes to one entry by `update` at the same time:
    the entry ends with all 100 (an unlocked read-then-write would lose some)."""
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_each, args=(str(tmp_path), bytes(range(i, 100, 4))))
             for i in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    assert sorted(DiskCache(tmp_path).read("img", "k" * 64)) == list(range(100))


def test_update_may_leave_an_entry_as_it_is(tmp_path):
    cache = DiskCache(tmp_path)
    cache.write("img", "k" * 64, b"before")
    assert not cache.update("img", "k" * 64, lambda old: None)
    assert cache.read("img", "k" * 64) == b"before"


def test_the_cache_is_quiet_when_no_process_holds_it_active(tmp_path):
    """A process running a guest holds the cache active (and so do its forked children)
    until it ends; background translations compile only while it is quiet."""
    assert DiskCache(tmp_path).quiet()
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:                                  # a guest's process, then its child
        try:
            DiskCache(tmp_path).hold_active()
            if os.fork() == 0:
                os.write(ready_w, b"x")
                os.read(go_r, 1)                  # the child outlives its parent
            os._exit(0)
        finally:
            os._exit(1)
    os.read(ready_r, 1)
    os.waitpid(pid, 0)
    probe = DiskCache(tmp_path)
    assert not probe.quiet()                      # (the child holds it)
    os.write(go_w, b"x")
    deadline = time.monotonic() + 10
    while not probe.quiet() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert probe.quiet()
    own = DiskCache(tmp_path)
    own.hold_active()
    own.hold_active()                             # (once per cache object)
    assert not probe.quiet()
    for fd in (ready_r, ready_w, go_r, go_w, own._active):
        os.close(fd)
    assert probe.quiet()
