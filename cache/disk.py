"""The persistent translation cache on disk: entries of bytes under a key, safe to share.

Where: `$DBT_VM_CACHE_DIR`, else `$XDG_CACHE_HOME/dbt-vm`, else `~/.cache/dbt-vm`. Each entry
is one file, `<kind>/<key[:2]>/<key>`, holding a header (magic, format version, the key
itself, a label for `dbt-vm cache info`, the checksum and length of the payload) and the
payload. What the
payload means is the writer's business (a backend's translations of one guest file, the
runtime's own code); the key must name everything the payload depends on, so that a stale or
foreign entry is never found (see the backend's key).

- Writes are atomic: a temporary file in the same folder, then a rename. Runs of the same
  program started together may both write an entry: each file is whole, the last one stays.
  An entry that grows by what each run adds (an image: the regions on disk plus the new
  ones) is written with `update`, which holds the cache's update lock from its read to its
  write, so that no run's additions are lost to another's.
- A read checks the header and the checksum; a truncated or corrupted entry is deleted and
  reported as missing, so it is rebuilt. Nothing read is trusted before that check.
- Least recently used entries go when the cache grows past its limit (`DBT_VM_CACHE_LIMIT`,
  bytes with an optional K/M/G suffix; 1 GiB by default): a read touches its entry's mtime.
- `file_digest` gives the SHA-256 of a guest file's bytes, remembered by the file's identity
  (device, inode, size, mtime and ctime: any change to the file changes one of them).
- `note_run` appends a line of figures about a run to `runs.log` (what `cache info` shows as
  the hits and misses of recent runs).
- A process that runs a guest holds a shared lock of `active.lock` (`hold_active`): a
  background translation into the cache compiles only while none does (`quiet`).
"""

from __future__ import annotations

import fcntl
import os
import struct
import time
import zlib

MAGIC = b"DBTVMC\x04\x00"
_HEADER = struct.Struct("<8s32sHHIQ")     # magic, key, label length, 0, checksum, payload length
DEFAULT_LIMIT = 1 << 30
KINDS = ("img", "t0", "rt", "st", "ids")   # translations per file (LLVM code, tier 0's Python
#                                            code), runtime code, static marks, digests
RUNS_LOG = "runs.log"
UPDATE_LOCK = "update.lock"                 # held by `update` from its read to its write
ACTIVE_LOCK = "active.lock"                 # held (shared) by every process running a guest
TURN_LOCK = "turn.lock"                     # held by the background translation compiling now
RUNS_KEPT = 200                              # lines of runs.log kept when it is rewritten


def cache_dir(environ=os.environ) -> str:
    """Where the cache lives (it need not exist yet)."""
    explicit = environ.get("DBT_VM_CACHE_DIR")
    if explicit:
        return explicit
    xdg = environ.get("XDG_CACHE_HOME")
    base = xdg or os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".cache")
    return os.path.join(base, "dbt-vm")


def parse_size(text: str) -> int:
    """A size in bytes, with an optional K, M or G suffix (ValueError if it is not one)."""
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    scale = units.get(text[-1:].lower(), 1)
    digits = text[:-1] if scale != 1 else text
    if not digits.isdigit():
        raise ValueError(f"not a size: {text!r}")
    return int(digits) * scale


def cache_limit(environ=os.environ) -> int:
    try:
        return parse_size(environ["DBT_VM_CACHE_LIMIT"])
    except (KeyError, ValueError):
        return DEFAULT_LIMIT


class DiskCache:
    """One cache folder. Every method survives a folder it cannot read or write: the cache is
    then simply empty (a run never fails because of its cache)."""

    def __init__(self, root: str | os.PathLike | None = None, limit: int | None = None):
        self.root = os.fspath(root) if root is not None else cache_dir()
        self.limit = cache_limit() if limit is None else limit
        self.hits = self.misses = self.writes = self.discarded = 0
        self.read_seconds = 0.0
        self._active: int | None = None     # the descriptor of hold_active's lock

    def path(self, kind: str, key: str) -> str:
        return os.path.join(self.root, kind, key[:2], key)

    # -- entries -----------------------------------------------------------------------------
    def identity(self, kind: str, key: str) -> tuple | None:
        """Which file an entry is now ((device, inode, size): a write makes a new one), or
        None if there is none."""
        try:
            st = os.stat(self.path(kind, key))
        except OSError:
            return None
        return st.st_dev, st.st_ino, st.st_size

    def read(self, kind: str, key: str) -> bytes | None:
        """The payload of an entry, or None (missing, or found damaged: then deleted)."""
        start = time.perf_counter()
        try:
            return self._read(kind, key)
        finally:
            self.read_seconds += time.perf_counter() - start

    def _read(self, kind: str, key: str) -> bytes | None:
        path = self.path(kind, key)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            self.misses += 1
            return None
        payload = _payload(data, key)
        if payload is None:
            self.discarded += 1
            self.misses += 1
            _unlink(path)
            return None
        self.hits += 1
        try:
            os.utime(path)                  # recently used (for the LRU eviction)
        except OSError:
            pass
        return payload

    def write(self, kind: str, key: str, payload: bytes, label: str = "") -> bool:
        """Store an entry (atomically); False if the folder is not writable."""
        path = self.path(kind, key)
        label_bytes = label.encode(errors="replace")[:1024]
        header = _HEADER.pack(MAGIC, _key_bytes(key), len(label_bytes), 0,
                              checksum(payload), len(payload))
        folder, name = os.path.split(path)
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
        try:
            os.makedirs(folder, exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(header + label_bytes + payload)
            os.replace(tmp, path)
        except OSError:
            _unlink(tmp)
            return False
        self.writes += 1
        if kind in ("img", "t0"):
            self.evict()
        return True

    def remove(self, kind: str, key: str) -> None:
        """Delete an entry, if there is one."""
        _unlink(self.path(kind, key))

    def update(self, kind: str, key: str, merge, label: str = "", wait: bool = True) -> bool:
        """Replace an entry by `merge(payload or None)` (bytes, or None to leave it), under
        an exclusive lock of this cache that other processes' updates wait for (without
        `wait`, nothing is done while another holds it); False if nothing was written."""
        try:
            os.makedirs(self.root, exist_ok=True)
            fd = os.open(os.path.join(self.root, UPDATE_LOCK), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            fd = -1                         # (a folder we cannot write: write() fails too)
        try:
            if fd >= 0:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
                except BlockingIOError:
                    return False
            data = merge(self.read(kind, key))
            return data is not None and self.write(kind, key, data, label=label)
        finally:
            if fd >= 0:
                os.close(fd)                # (closing releases the lock)

    # -- background translation ------------------------------------------------------------------
    def finishing(self, shared: str | None = None) -> tuple[int, str] | None:
        """A lock for a process that will translate into this cache in the background: (an
        open file descriptor, its file), or None. It is taken before that process is made, so
        that `wait_for_background` never misses it; the descriptor goes with the process (a
        child inherits the lock with it). With `shared`, the lock of that name, which one
        process at a time holds: None when another holds it now."""
        folder = os.path.join(self.root, "finishing")
        name = shared or f"{os.getpid()}-{time.monotonic_ns()}"
        path = os.path.join(folder, name)
        try:
            os.makedirs(folder, exist_ok=True)
            fd = _open_above_2(path, os.O_RDWR | os.O_CREAT)   # (the finisher points 0-2
        except OSError:                                         # at /dev/null)
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (fcntl.LOCK_NB if shared else 0))
            if shared and os.fstat(fd).st_ino != os.stat(path).st_ino:
                raise OSError("unlinked by the process that held it")
        except OSError:
            os.close(fd)
            return None
        return fd, path

    def hold_active(self) -> None:
        """Note this process (and the children it forks) as one that runs a guest with this
        cache, until it ends: a shared lock of ACTIVE_LOCK, which `quiet` tests."""
        if self._active is not None:
            return
        try:                              # (the guest's standard streams keep their numbers)
            os.makedirs(self.root, exist_ok=True)
            fd = _open_above_2(os.path.join(self.root, ACTIVE_LOCK),
                               os.O_RDWR | os.O_CREAT | os.O_CLOEXEC)
        except OSError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
        except OSError:
            os.close(fd)
            return
        self._active = fd

    def quiet(self) -> bool:
        """True when no process runs a guest with this cache now (see hold_active)."""
        try:
            fd = os.open(os.path.join(self.root, ACTIVE_LOCK), os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        finally:
            os.close(fd)                  # (and with it the lock, if it was taken)
        return True

    def take_turn(self) -> int | None:
        """The turn of background translations to compile, one at a time (each then sees
        what those before it put into the cache): a descriptor holding it (-1 where the lock
        cannot be made: go on without), or None while another process holds it."""
        try:
            os.makedirs(self.root, exist_ok=True)
            fd = os.open(os.path.join(self.root, TURN_LOCK),
                         os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            return -1
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    def done_finishing(self, lock: tuple[int, str]) -> None:
        fd, path = lock
        _unlink(path)
        os.close(fd)

    def wait_for_background(self) -> int:
        """Wait until no process translates into this cache in the background; how many
        were waited for."""
        folder = os.path.join(self.root, "finishing")
        try:
            names = os.listdir(folder)
        except OSError:
            return 0
        for name in names:
            try:
                fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)
            finally:
                os.close(fd)
        return len(names)

    # -- guest files ---------------------------------------------------------------------------
    def file_digest(self, path: bytes, ident: tuple) -> str | None:
        """The SHA-256 (hex) of a file's bytes, remembered under its identity `ident` (device,
        inode, size, mtime_ns, ctime_ns); None if the file cannot be read."""
        key = sha256(repr(ident).encode()).hexdigest()
        known = self.read("ids", key)
        if known is not None and len(known) == 64:
            return known.decode("ascii")
        try:
            with open(path, "rb") as f:
                if os.fstat(f.fileno()).st_ino != ident[1]:
                    return None                 # replaced since it was mapped
                import hashlib
                digest = hashlib.file_digest(f, "sha256").hexdigest()
        except OSError:
            return None
        self.write("ids", key, digest.encode("ascii"), label=os.fsdecode(path))
        return digest

    # -- housekeeping ----------------------------------------------------------------------------
    def entries(self) -> list[tuple[str, str, int, float, str]]:
        """(kind, path, bytes, mtime, label) of every entry."""
        out = []
        for kind in KINDS:
            folder = os.path.join(self.root, kind)
            try:
                subdirs = list(os.scandir(folder))
            except OSError:
                continue
            for sub in subdirs:
                try:
                    files = list(os.scandir(sub.path))
                except OSError:
                    continue
                for entry in files:
                    if entry.name.endswith(".tmp"):
                        continue
                    try:
                        info = entry.stat()
                    except OSError:
                        continue
                    out.append((kind, entry.path, info.st_size, info.st_mtime,
                                _label(entry.path)))
        return out

    def evict(self) -> int:
        """Delete the least recently used entries until the cache is under its limit;
        return how many went."""
        entries = self.entries()
        total = sum(e[2] for e in entries)
        if total <= self.limit:
            return 0
        gone = 0
        for kind, path, size, _mtime, _label in sorted(entries, key=lambda e: e[3]):
            if total <= self.limit * 9 // 10:
                break
            _unlink(path)
            total -= size
            gone += 1
        return gone

    def clear(self) -> int:
        """Delete every entry, the run log and the locks; return how many entries went."""
        entries = self.entries()
        for entry in entries:
            _unlink(entry[1])
        _unlink(os.path.join(self.root, RUNS_LOG))
        _unlink(os.path.join(self.root, UPDATE_LOCK))   # (an update running now may lose
        _unlink(os.path.join(self.root, TURN_LOCK))
        _unlink(os.path.join(self.root, ACTIVE_LOCK))   # its additions: they are made again;
        return len(entries)                             # a guest running now is not waited
        #                                                 for by background translations)

    def note_run(self, figures: dict) -> None:
        """Append one run's figures to the run log (trimmed now and then)."""
        import json
        line = json.dumps({"time": round(time.time()), **figures}, sort_keys=True) + "\n"
        log = os.path.join(self.root, RUNS_LOG)
        try:
            os.makedirs(self.root, exist_ok=True)
            with open(log, "a") as f:
                f.write(line)
                size = f.tell()
            if size > 256 * RUNS_KEPT:
                with open(log) as f:
                    lines = f.readlines()
                if len(lines) > 2 * RUNS_KEPT:
                    tmp = os.path.join(self.root, f".{RUNS_LOG}.{os.getpid()}.tmp")
                    with open(tmp, "w") as f:
                        f.write("".join(lines[-RUNS_KEPT:]))
                    os.replace(tmp, log)
        except OSError:
            pass

    def runs(self, last: int = 10) -> list[dict]:
        """The figures of the last runs noted."""
        import json
        try:
            with open(os.path.join(self.root, RUNS_LOG)) as f:
                lines = f.read().splitlines()
        except OSError:
            return []
        out = []
        for line in lines[-last:]:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out


def checksum(payload) -> int:
    """An entry's checksum: CRC-32 (zlib's: 0.4 ms per MB here, against 1.3 for BLAKE2b; a
    warm run checks every image it loads, several MB for a program that uses libc, and each
    command a shell runs loads libc's). It is there to catch damage, a truncated file or
    flipped bits (a CRC-32 misses no burst of up to 32 bits and 1 in 2**32 of other damage),
    as file systems use it for their metadata; what an entry is, its header's key says."""
    return zlib.crc32(payload)


def sha256(data):
    """SHA-256 of short data (keys): the built-in one, which saves importing OpenSSL."""
    import _sha256
    return _sha256.sha256(data)


def _key_bytes(key: str) -> bytes:
    return sha256(key.encode()).digest()


def _payload(data: bytes, key: str) -> bytes | None:
    """An entry file's payload if its header (the key it was written under included) and
    checksum hold, else None."""
    if len(data) < _HEADER.size:
        return None
    magic, written_key, label_len, _, digest, length = _HEADER.unpack_from(data)
    start = _HEADER.size + label_len
    if magic != MAGIC or written_key != _key_bytes(key) or len(data) != start + length:
        return None
    if checksum(memoryview(data)[start:]) != digest:
        return None
    return data[start:]


def _label(path: str) -> str:
    try:
        with open(path, "rb") as f:
            head = f.read(_HEADER.size + 1024)
    except OSError:
        return ""
    if len(head) < _HEADER.size or head[:8] != MAGIC:
        return ""
    label_len = _HEADER.unpack_from(head)[2]
    return head[_HEADER.size:_HEADER.size + label_len].decode(errors="replace")


def _open_above_2(path: str, flags: int) -> int:
    """os.open(path, flags), as a descriptor above 2 (a guest that closed a standard stream
    would get a lock's file as its next one; close-on-exec kept as asked)."""
    fd = os.open(path, flags, 0o600)
    if fd < 3:
        cmd = fcntl.F_DUPFD_CLOEXEC if flags & os.O_CLOEXEC else fcntl.F_DUPFD
        try:
            high = fcntl.fcntl(fd, cmd, 3)
        finally:
            os.close(fd)
        fd = high
    return fd


def _unlink(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
