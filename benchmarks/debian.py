"""Real programs from Debian: a sysroot fetched with apt, and a table of single-process
commands to run in it under qemu-user and dbt-vm, for each guest architecture of DISTROS:

    riscv64   Debian 13 (trixie) riscv64, compared with qemu-riscv64
    arm64     Debian 12 (bookworm) arm64, compared with qemu-aarch64 ("aarch64" is an alias)

Both the test module tests/debian/test_debian_programs.py and the benchmark runner
(`python benchmarks/run.py --suite real [--arch aarch64]`) import this one module by path.
Every function takes the architecture (Debian's name) as ``arch``, riscv64 by default.

The sysroot
-----------
``sysroot(arch=...)`` returns a folder that holds the unpacked packages of the distro's
``packages`` and everything they depend on, as a Debian system of that architecture would
have them under ``/``. It lives outside the repository, in ``$DBT_VM_DEBIAN_ROOT_<ARCH>``
(e.g. ``$DBT_VM_DEBIAN_ROOT_ARM64``) if set, for riscv64 also ``$DBT_VM_DEBIAN_ROOT``, else
``$XDG_CACHE_HOME/dbt-vm-tests/debian-<arch>``, else ``~/.cache/dbt-vm-tests/debian-<arch>``::

    apt/      an apt configuration of its own (sources, lists, state, cache): the host's apt
              and dpkg database are never touched; APT::Architecture is the guest's (the
              package lists are deleted once the sysroot is made)
    debs/     the downloaded .deb files
    root/     the sysroot: every .deb unpacked with `dpkg-deb -x`, then made /usr-merged
    stamp.json  what was fetched (package name -> version, source, whether the archive's
                signature was verified); written last, so a folder with a current stamp is
                complete and is reused as it is (nothing is fetched again)

The package set is resolved by apt itself (`apt-get -s install --no-install-recommends` on an
empty dpkg status: the Depends/Pre-Depends closure apt would install), then fetched with
`apt-get download NAME=VERSION`. When gpgv and the Debian archive keyring are installed
(bookworm's debian-archive-keyring already holds trixie's keys), apt verifies the archive's
signature; otherwise the source is marked `trusted=yes` and the stamp says so. When apt
cannot reach the archive, ``Unavailable`` carries apt's own words (tests skip with them).
$DBT_VM_DEBIAN_MIRROR replaces http://deb.debian.org/debian (a local mirror or proxy).

Merged /usr: the programs' PT_INTERP says /lib/ld-linux-riscv64-lp64d.so.1 or
/lib/ld-linux-aarch64.so.1, and the command table names programs by their /usr/bin path, as
on an installed Debian system, where bin, sbin and lib are links to usr/... (made by
base-files in trixie, by debootstrap or usrmerge in bookworm, none of which is fetched here).
trixie's packages install their files under usr/ only, so ``sysroot()`` just creates the
links (MERGED_USR_LINKS). bookworm's packages still ship files in /bin, /sbin and /lib
(coreutils' /bin/ls, libc6's /lib/ld-linux-aarch64.so.1 and /lib/aarch64-linux-gnu), so
there ``sysroot()`` first moves those folders' contents into usr/ as usrmerge does
(``merge_usr``; an entry that both places hold is kept once, the file rather than a link to
it), then creates the links.

The commands
------------
``commands(size, arch)`` is the table: each Command has the program (a path inside the
sysroot), its arguments, stdin bytes, a small fixed environment, and the files it needs,
created by ``Command.prepare(cwd)`` in a fresh working directory with fixed modification
times. ``size`` is "test" (small: the test module) or "bench" (about 0.5-3 s under
qemu-riscv64 where the work scales; start-up-only commands are the same in both). The table
is the same for every architecture but for the Python version (python3.13 in trixie,
python3.11 in bookworm). ``qemu_command`` and ``dbt_command`` build the two command lines: the
one place that decides whether dbt-vm is given the program itself or its dynamic loader
(VIA_LD_SO).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

MIRROR = os.environ.get("DBT_VM_DEBIAN_MIRROR", "http://deb.debian.org/debian")
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
MERGED_USR_LINKS = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib"}
STAMP_FORMAT = 1
APT_TIMEOUT = 900.0


@dataclass(frozen=True)
class Distro:
    """One guest architecture's Debian release: what is fetched and how it is run."""
    arch: str                       # Debian's architecture name (APT::Architecture)
    suite: str
    release: str                    # for messages: "Debian 13 (trixie) riscv64"
    packages: tuple[str, ...]       # what the table runs; apt adds the dependencies
    interp: str                     # the dynamic loader, inside the sysroot (usr/lib/...)
    qemu: str                       # the oracle
    elf_machine: int                # e_machine of the programs
    python: str                     # the Python interpreter of the suite, e.g. "python3.13"
    merge_usr: bool = False         # the packages ship files in bin, sbin, lib: merge_usr()

    @property
    def pt_interp(self) -> str:
        """The programs' PT_INTERP (the loader's path through the lib -> usr/lib link)."""
        return "/lib/" + Path(self.interp).name


# The packages whose programs the table runs; apt adds what they need at run time (libc6,
# libgcc-s1, libpcre2-8-0, libselinux1, libacl1, libgmp10, libmpfr6, libreadline8,
# libtinfo6, libsqlite3-0, libpython3.X-minimal, libssl3, zlib1g, libffi8, ...: the resolved
# list with versions is in the stamp). libpython3.X-stdlib: json and the rest of Python's
# standard library beyond the minimal set.
DISTROS = {
    "riscv64": Distro(
        "riscv64", "trixie", "Debian 13 (trixie) riscv64",
        ("coreutils", "grep", "sed", "gawk", "sqlite3", "lua5.4", "python3.13-minimal",
         "libpython3.13-stdlib", "busybox"),
        interp="usr/lib/ld-linux-riscv64-lp64d.so.1", qemu="qemu-riscv64", elf_machine=243,
        python="python3.13"),
    "arm64": Distro(
        "arm64", "bookworm", "Debian 12 (bookworm) arm64",
        ("coreutils", "grep", "sed", "gawk", "sqlite3", "lua5.4", "python3.11-minimal",
         "libpython3.11-stdlib", "busybox"),
        interp="usr/lib/ld-linux-aarch64.so.1", qemu="qemu-aarch64", elf_machine=183,
        python="python3.11", merge_usr=True),
}
ALIASES = {"aarch64": "arm64"}      # the ELF/qemu/zig name of arm64


def distro(arch: str = "riscv64") -> Distro:
    """The Distro of ARCH (a Debian architecture name, or an alias); ValueError if none."""
    try:
        return DISTROS[ALIASES.get(arch, arch)]
    except KeyError:
        raise ValueError(f"no Debian distro for {arch!r} (have: {', '.join(DISTROS)})") from None



class Unavailable(Exception):
    """The sysroot cannot be made here; str() is the reason (for a skip message)."""


def cache_folder(arch: str = "riscv64") -> Path:
    d = distro(arch)
    for var in (f"DBT_VM_DEBIAN_ROOT_{d.arch.upper()}",
                *(("DBT_VM_DEBIAN_ROOT",) if d.arch == "riscv64" else ())):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dbt-vm-tests" / f"debian-{d.arch}"


def read_stamp(folder: Path | None = None, arch: str = "riscv64") -> dict | None:
    """The stamp of a complete sysroot for the distro's current packages, or None."""
    d = distro(arch)
    folder = folder or cache_folder(arch)
    try:
        stamp = json.loads((folder / "stamp.json").read_text())
    except (OSError, ValueError):
        return None
    if (stamp.get("format") != STAMP_FORMAT or stamp.get("requested") != list(d.packages)
            or stamp.get("suite") != d.suite or stamp.get("arch", "riscv64") != d.arch
            or not (folder / "root" / d.interp).exists()):
        return None
    return stamp


def sysroot(folder: Path | None = None, log=None, arch: str = "riscv64") -> Path:
    """The sysroot folder of ARCH, fetched and unpacked on first use (under a lock: parallel
    test workers wait for one fetch). Raises Unavailable with the reason when it cannot be
    made."""
    d = distro(arch)
    folder = folder or cache_folder(arch)
    if read_stamp(folder, arch):
        return folder / "root"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = open(folder / ".lock", "w")
    except OSError as exc:
        raise Unavailable(f"cannot create the sysroot folder {folder}: {exc}") from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not read_stamp(folder, arch):
            _fetch(d, folder, log or (lambda msg: None))
    return folder / "root"


# -- fetching ----------------------------------------------------------------------------------

def _apt_config(d: Distro, folder: Path) -> tuple[Path, bool]:
    """Write apt's configuration of our own; returns its path and whether signatures are
    verified."""
    apt = folder / "apt"
    for sub in ("lists/partial", "cache/archives/partial", "etc/sources.list.d",
                "etc/preferences.d", "etc/apt.conf.d", "etc/trusted.gpg.d", "log"):
        (apt / sub).mkdir(parents=True, exist_ok=True)
    (apt / "status").touch()
    verify = KEYRING.is_file() and shutil.which("gpgv") is not None
    option = f"signed-by={KEYRING}" if verify else "trusted=yes"
    (apt / "etc/sources.list").write_text(
        f"deb [arch={d.arch} {option}] {MIRROR} {d.suite} main\n")
    lines = [
        f'Dir::State "{apt}/";', 'Dir::State::Lists "lists/";', f'Dir::State::status "{apt}/status";',
        f'Dir::Cache "{apt}/cache/";', f'Dir::Etc "{apt}/etc/";',
        'Dir::Etc::SourceList "sources.list";', 'Dir::Etc::SourceParts "sources.list.d/";',
        'Dir::Etc::Parts "apt.conf.d/";', 'Dir::Etc::PreferencesParts "preferences.d/";',
        'Dir::Etc::TrustedParts "trusted.gpg.d/";', f'Dir::Log "{apt}/log/";',
        f'APT::Architecture "{d.arch}";', f'APT::Architectures {{ "{d.arch}"; }};',
        'Acquire::Languages "none";', 'Acquire::Retries "2";',
        'APT::Install-Recommends "false";', 'APT::Get::AllowUnauthenticated "false";',
    ]
    if os.geteuid() == 0:
        # apt drops to the _apt user to download, and _apt may not reach a folder under a
        # private home (/root is 0700); the files are verified all the same
        lines.append('APT::Sandbox::User "root";')
    conf = apt / "apt.conf"
    conf.write_text("\n".join(lines) + "\n")
    return conf, verify


def _apt(d: Distro, conf: Path, args: list[str], cwd: Path | None = None) -> str:
    """Run an apt command with our configuration; its output, or Unavailable with the reason."""
    exe = shutil.which(args[0])
    if exe is None:
        raise Unavailable(f"{args[0]} is not installed (needed to fetch Debian {d.arch} packages)")
    env = {**os.environ, "APT_CONFIG": str(conf), "LC_ALL": "C", "DEBIAN_FRONTEND": "noninteractive"}
    try:
        proc = subprocess.run([exe, *args[1:]], capture_output=True, text=True, env=env, cwd=cwd,
                              timeout=APT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Unavailable(f"`{' '.join(args[:2])}` took more than {APT_TIMEOUT:g} s") from None
    out = proc.stdout + proc.stderr
    # apt-get update exits 0 when an index could not be fetched (it says so with Err:/W:)
    failed = [ln.strip() for ln in out.splitlines()
              if ln.startswith(("E:", "Err:")) or "Failed to fetch" in ln
              or (ln.startswith("W:") and "GPG error" in ln)]
    if proc.returncode != 0 or failed:
        lines = failed or out.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise Unavailable(f"`{' '.join(args[:2])}` for Debian {d.suite} {d.arch} from {MIRROR} "
                          f"failed: {'; '.join(lines[-3:])}")
    return out


def resolve(d: Distro, conf: Path) -> dict[str, str]:
    """name -> version of the distro's packages and their run-time dependencies, as apt
    resolves them."""
    out = _apt(d, conf, ["apt-get", "-s", "install", *d.packages])
    found = dict(re.findall(r"^Inst (\S+) \((\S+) ", out, re.M))
    missing = [p for p in d.packages if p not in found]
    if missing:
        raise Unavailable(f"apt did not resolve {', '.join(missing)} in {d.suite} {d.arch}")
    return dict(sorted(found.items()))


def merge_usr(root: Path) -> list[str]:
    """Move the contents of root/bin, root/sbin and root/lib into root/usr/... (as usrmerge
    does), leaving the folders empty; returns the paths both places held (kept once: the
    file rather than a link to it, else usr's)."""
    kept: list[str] = []

    def move(src: Path, dst: Path) -> None:
        for entry in sorted(src.iterdir()):
            target = dst / entry.name
            if not os.path.lexists(target):
                target.parent.mkdir(parents=True, exist_ok=True)
                entry.rename(target)
            elif entry.is_dir() and not entry.is_symlink() and target.is_dir() \
                    and not target.is_symlink():
                move(entry, target)
                entry.rmdir()
            else:
                kept.append(str(target.relative_to(root)))
                if target.is_symlink() and not entry.is_symlink():
                    target.unlink()                 # e.g. usr/bin/X -> ../../bin/X
                    entry.rename(target)
                elif entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
    for name, target in MERGED_USR_LINKS.items():
        src = root / name
        if src.is_dir() and not src.is_symlink():
            move(src, root / target)
            src.rmdir()
    return kept


def _unpack(d: Distro, files: list[Path], tmp: Path) -> list[str]:
    """Every .deb unpacked into tmp, made /usr-merged; the paths merge_usr kept once."""
    for deb in files:
        proc = subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], capture_output=True,
                              text=True)
        if proc.returncode != 0:
            raise Unavailable(f"dpkg-deb -x {deb.name} failed: {proc.stderr.strip()}")
    merged = merge_usr(tmp) if d.merge_usr else []
    for name, target in MERGED_USR_LINKS.items():
        if not os.path.lexists(tmp / name):
            (tmp / name).symlink_to(target)
    if not (tmp / d.interp).is_file():
        raise Unavailable(f"the unpacked packages lack {d.interp}")
    return merged


def _fetch(d: Distro, folder: Path, log) -> None:
    conf, verified = _apt_config(d, folder)
    if shutil.which("dpkg-deb") is None:
        raise Unavailable("dpkg-deb is not installed (needed to unpack Debian packages)")
    log(f"apt-get update ({d.suite} {d.arch}, {MIRROR})")
    _apt(d, conf, ["apt-get", "update"])
    versions = resolve(d, conf)
    debs = folder / "debs"
    shutil.rmtree(debs, ignore_errors=True)
    debs.mkdir()
    log(f"apt-get download: {len(versions)} packages")
    _apt(d, conf, ["apt-get", "download", *(f"{n}={v}" for n, v in versions.items())], cwd=debs)
    files = sorted(debs.glob("*.deb"))
    if len(files) != len(versions):
        raise Unavailable(f"apt-get download gave {len(files)} files for {len(versions)} packages")
    root = folder / "root"
    tmp = Path(tempfile.mkdtemp(prefix="root.", dir=folder))
    try:
        merged = _unpack(d, files, tmp)
    except Unavailable:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
    stamp = {"format": STAMP_FORMAT, "suite": d.suite, "arch": d.arch, "mirror": MIRROR,
             "signature_verified": verified, "requested": list(d.packages),
             "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             "packages": versions}
    if d.merge_usr:
        stamp["usr_merged_duplicates"] = merged
    tmp_stamp = folder / "stamp.json.tmp"
    tmp_stamp.write_text(json.dumps(stamp, indent=1) + "\n")
    tmp_stamp.replace(folder / "stamp.json")
    # apt's package lists and caches (about 130 MB) are of no use once the sysroot is made
    shutil.rmtree(folder / "apt" / "lists", ignore_errors=True)
    for cache in (folder / "apt" / "cache").glob("*.bin"):
        cache.unlink()
    log(f"sysroot ready: {root}")


# -- the commands ------------------------------------------------------------------------------

ENV = {"LANG": "C", "LC_ALL": "C", "PATH": "/usr/bin:/bin", "TZ": "UTC", "HOME": "/nonexistent"}
MTIME = 1_700_000_000             # 2023-11-14 22:13:20 UTC: every prepared file and folder
SIZES = ("test", "bench")


@dataclass(frozen=True)
class Command:
    """One run of one program of the sysroot: argv[0] is the program's path in the sysroot."""
    name: str
    program: str                                   # e.g. "usr/bin/sort"
    args: tuple[str, ...] = ()
    stdin: bytes = b""
    files: tuple[tuple[str, bytes], ...] = ()      # (relative path, content), made by prepare()
    env: dict = field(default_factory=lambda: dict(ENV))
    startup_only: bool = False                     # the same work in both sizes
    arch: str = "riscv64"                          # the sysroot's (a key of DISTROS)

    def prepare(self, cwd: Path) -> None:
        """Create the command's files in the (empty) working directory cwd, with MTIME."""
        made = set()
        for rel, data in self.files:
            path = cwd / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            made.update([path, *path.parents])
        for path in sorted(p for p in made if cwd in p.parents):
            os.utime(path, (MTIME, MTIME), follow_symlinks=False)


def _rng(seed: int):
    """A 64-bit LCG (Knuth's MMIX constants): the same numbers on every Python."""
    state = seed
    while True:
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        yield state >> 33


WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee "
         "zulu quick brown fox jumps over lazy dog translate binary block region trace "
         "guest host page cache loader syscall register branch compile").split()


def text(lines: int, seed: int = 1) -> bytes:
    """Lines of 3-12 words from WORDS, some capitalised, some with a number."""
    r, out = _rng(seed), []
    for _ in range(lines):
        words = [WORDS[next(r) % len(WORDS)] for _ in range(3 + next(r) % 10)]
        if next(r) % 4 == 0:
            words[0] = words[0].capitalize()
        if next(r) % 3 == 0:
            words.append(str(next(r) % 100000))
        out.append(" ".join(words))
    return ("\n".join(out) + "\n").encode()


def csv(rows: int, seed: int = 2) -> bytes:
    """name,number,word rows (names repeat: the sort keys tie)."""
    r = _rng(seed)
    return "".join(f"{WORDS[next(r) % len(WORDS)]}{next(r) % 50},{next(r) % 1000000},"
                   f"{WORDS[next(r) % len(WORDS)]}\n" for _ in range(rows)).encode()


def blob(size: int, seed: int = 3) -> bytes:
    """size pseudo-random bytes (a 64 KiB pattern, repeated)."""
    r = _rng(seed)
    pattern = bytes(next(r) & 0xFF for _ in range(min(size, 1 << 16)))
    return (pattern * (size // len(pattern) + 1))[:size]


# Programs for the interpreters of the table (a sieve, a word count, a small computation in
# each language); @N@ is the size.
GAWK_PRIMES = ('BEGIN { n = @N@; for (i = 2; i <= n; i++) if (!(i in c)) { p++; '
               'for (j = i * i; j <= n; j += i) c[j] = 1 } print p }')
GAWK_WORDS = ('BEGIN { PROCINFO["sorted_in"] = "@val_num_desc" } '
              '{ for (i = 1; i <= NF; i++) w[tolower($i)]++ } '
              'END { for (k in w) { if (++m > 10) break; printf "%-10s %d\\n", k, w[k] } }')
BUSYBOX_PRIMES = ('BEGIN { n = @N@; for (i = 2; i <= n; i++) { for (d = 2; d * d <= i; d++) '
                  'if (i % d == 0) break; if (d * d > i) p++ } print p }')
SQL_CTE = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < @N@) "
           "SELECT count(*), sum(x * x % 7), max(length(printf('%x', x))) FROM c;\n"
           "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT);\n"
           "INSERT INTO t SELECT x, hex(x * 2654435761 % 65536) FROM "
           "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < @N@ / 10) "
           "SELECT x FROM c);\n"
           "SELECT v, count(*) FROM t GROUP BY substr(v, 1, 1) ORDER BY 2 DESC, 1 LIMIT 5;\n")
LUA = ("local n = @N@ local t = {} for i = 1, n do t[i] = (i * 7919) % 10007 end "
       "table.sort(t) local s = 0 for i = 1, n, 3 do s = s + t[i] end "
       "local function fib(k) if k < 2 then return k end return fib(k - 1) + fib(k - 2) end "
       "print(s, fib(20), string.format('%.6f', math.sqrt(s)), ('x'):rep(3):upper())")
# Processes: a shell (busybox sh) starting programs of the sysroot -- pipelines, command
# substitution, background jobs, traps -- and python3's subprocess. Programs the sysroot lacks
# (find, xargs, sh for subprocess's shell=True) are the host's, which dbt-vm runs natively, as
# qemu-user runs every program a guest execs.
SH_PIPELINE = "sort -t, -k2,2n data.csv | cut -d, -f1 | uniq -c | sort -rn | head -5"
SH_SUBSTITUTION = ('n=$(wc -l < words.txt); echo "lines: $n"; '
                   'for w in fox dog quick; do echo "$w $(grep -c "$w" words.txt)"; done; '
                   'echo "$(echo nested $(echo deeper | tr a-z A-Z))"; '
                   'x=$(sed -n 2p words.txt | cut -c1-10); echo "second: [$x]"')
SH_FIND_XARGS = ("find d -type f | sort | xargs md5sum; "
                 "find d -name '*.txt' -exec wc -c {} \\; ; "
                 "printf 'b\\na\\nc\\n' | xargs -n 2 echo pair")
SH_JOBS = ('sleep 0.05 & p=$!; wait $p; echo "waited $?"; '
           '(exit 3) & wait $!; echo "status $?"; '
           'trap "echo trapped USR1" USR1; kill -USR1 $$; echo "after trap"; '
           'sh -c "kill -TERM \\$\\$"; echo "child killed: $?"; '
           'false | true; echo "pipeline: $?"; '
           'for i in 1 2 3; do echo $i; done | tac | paste -sd,')
PY_SUBPROCESS = ("import subprocess, sys\n"
                 "r = subprocess.run(['sort'], input=b'pear\\napple\\nfig\\n', "
                 "capture_output=True)\n"
                 "print(r.returncode, r.stdout.decode().split())\n"
                 "print(subprocess.check_output('echo $((6 * 7)) | tr 4 X', shell=True))\n"
                 "p = subprocess.Popen(['cat'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)\n"
                 "out, _ = p.communicate(b'through a pipe' * 1000)\n"
                 "print(p.returncode, len(out), out[:14])\n"
                 "print(subprocess.call(['false']), subprocess.call(['sh', '-c', 'exit 7']))\n")
PY_THREADING = ("import threading, queue, concurrent.futures as cf\n"
                "q, out, lock, total = queue.Queue(), [], threading.Lock(), [0]\n"
                "def worker(k):\n"
                "    for i in range(2000):\n"
                "        with lock:\n"
                "            total[0] += k\n"
                "def consumer():\n"
                "    while (item := q.get()) is not None:\n"
                "        out.append(item * 2)\n"
                "ts = [threading.Thread(target=worker, args=(k,)) for k in range(1, 5)]\n"
                "c = threading.Thread(target=consumer)\n"
                "c.start()\n"
                "for t in ts: t.start()\n"
                "for i in range(100): q.put(i)\n"
                "q.put(None)\n"
                "for t in ts + [c]: t.join()\n"
                "with cf.ThreadPoolExecutor(4) as ex:\n"
                "    squares = list(ex.map(lambda x: x * x, range(50)))\n"
                "ev = threading.Event()\n"
                "timer = threading.Timer(0.05, ev.set)\n"
                "timer.start()\n"
                "print(total[0], sum(out), sum(squares), ev.wait(5))\n"
                "timer.join()\n"
                "print(threading.active_count())\n")
PY_REPR = ("import sys\n"
           "print(object(), hex(id(sys)), hex(id(None)), hex(id([])), hex(id(b'x' * 300000)))\n")
PYTHON = ("import json, re, zlib\n"
          "n = @N@\n"
          "doc = [{'id': i, 'name': 'item%d' % i, 'tags': ['t%d' % (i % 7)] * (i % 3)} "
          "for i in range(n)]\n"
          "text = json.dumps(doc, sort_keys=True)\n"
          "back = json.loads(text)\n"
          "digits = {}\n"
          "for d in re.findall(r'item(\\d)\\d*', text):\n"
          "    digits[d] = digits.get(d, 0) + 1\n"
          "primes = [p for p in range(2, n) if all(p % d for d in range(2, int(p ** 0.5) + 1))]\n"
          "print(len(text), zlib.crc32(text.encode()), back[-1]['name'], "
          "sorted(digits.items())[:3], len(primes), sum(primes) % 1000003)\n")


def commands(size: str = "test", arch: str = "riscv64") -> list[Command]:
    """The table of ARCH's sysroot: about twenty single-process commands, with the work of
    SIZE."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, not {size!r}")
    d = distro(arch)
    return [replace(c, arch=d.arch) for c in _table(size == "bench", "usr/bin/" + d.python)]


def _table(big: bool, python: str) -> list[Command]:
    """The commands, big (the bench size) or not, with PYTHON (the path of the sysroot's)."""

    def n(test: int, bench: int) -> int:
        return bench if big else test

    words_txt = text(n(300, 60000))
    many_words = words_txt * n(1, 8)            # for the fastest programs: 24 MB
    listing = tuple((f"d/{name}", blob(k * 37, seed=k)) for k, name in enumerate(
        ["a.txt", "b.c", "c.tar", "zeta", "Makefile", "sub/one", "sub/two", ".hidden"], 1))
    cu, bb = "usr/bin/", "usr/bin/busybox"
    return [
        Command("ls", cu + "ls", ("-lnR", "--time-style=+%Y-%m-%d %H:%M", "d"),
                files=listing, startup_only=True),
        Command("cat", cu + "cat", ("-n", "a.txt", "-", "b.txt"), stdin=b"from stdin\n",
                files=(("a.txt", text(20, 4)), ("b.txt", text(5, 5))), startup_only=True),
        Command("head_tail", cu + "head", ("-n", "7", "-q", "a.txt", "b.txt"),
                files=(("a.txt", text(20, 4)), ("b.txt", text(50, 5))), startup_only=True),
        Command("expr", cu + "expr", ("(", "6", "*", "7", ")", "-", "42"), startup_only=True),
        Command("seq", cu + "seq", ("-s", " ", "-w", "1", "7", str(n(200, 3000000)))),
        Command("sort", cu + "sort", ("-t,", "-k2,2n", "-k1,1", "data.csv"),
                files=(("data.csv", csv(n(2000, 200000))),)),
        Command("wc", cu + "wc", ("-lwcL", "words.txt", "-"), stdin=text(50, 6),
                files=(("words.txt", many_words * n(1, 2)),)),
        Command("md5sum", cu + "md5sum", ("words.txt", "blob.bin"),
                files=(("words.txt", words_txt), ("blob.bin", blob(n(1 << 16, 96 << 20))))),
        Command("sha256sum", cu + "sha256sum", ("blob.bin",),
                files=(("blob.bin", blob(n(1 << 16, 32 << 20))),)),
        Command("tr", cu + "tr", ("-cs", "A-Za-z", "\\n"), stdin=many_words * n(1, 2)),
        Command("factor", cu + "factor", (), stdin=" ".join(
            str(10**14 + 39 * k) for k in range(n(20, 40000))).encode() + b"\n"),
        Command("grep", "usr/bin/grep", ("-E", "-n", "-i", r"qu[a-z]+ (fox|dog|br[a-z]+)",
                                          "words.txt"), files=(("words.txt", many_words * n(1, 3)),)),
        Command("grep_nomatch", "usr/bin/grep", ("-c", "-w", "nosuchword", "words.txt"),
                files=(("words.txt", text(40)),), startup_only=True),
        Command("sed", "usr/bin/sed", ("-E", "-e", r"s/([a-z]+) ([a-z]+)/\2 \1/g",
                                        "-e", "/^[A-Z]/d", "-e", "$=", "words.txt"),
                files=(("words.txt", text(n(300, 20000)),),)),
        Command("gawk_words", "usr/bin/gawk", (GAWK_WORDS, "words.txt"),
                files=(("words.txt", words_txt),)),
        Command("gawk_primes", "usr/bin/gawk", (GAWK_PRIMES.replace("@N@", str(n(2000, 150000))),)),
        Command("sqlite3", "usr/bin/sqlite3", (":memory:",),
                stdin=SQL_CTE.replace("@N@", str(n(2000, 200000))).encode()),
        Command("lua", "usr/bin/lua5.4", ("-e", LUA.replace("@N@", str(n(1000, 300000))))),
        Command("python_print", python, ("-I", "-c", "print(1)"),
                startup_only=True),
        Command("python_json", python,
                ("-I", "-c", PYTHON.replace("@N@", str(n(300, 20000))))),
        Command("busybox_md5sum", bb, ("md5sum", "a.txt", "b.txt"),
                files=(("a.txt", text(20, 4)), ("b.txt", blob(n(4096, 64 << 20)))),),
        Command("busybox_awk", bb, ("awk", BUSYBOX_PRIMES.replace("@N@", str(n(2000, 15000))))),
        # where things are: qemu-user's address-space layout (its /proc/self/maps, addresses
        # of heap and mmap-arena objects) and its order of the environment (reversed)
        Command("proc_maps", cu + "cat", ("/proc/self/maps",), startup_only=True),
        Command("env_order", cu + "env", (), startup_only=True),
        Command("python_repr", python, ("-c", PY_REPR), env={**ENV, "PYTHONHASHSEED": "0"},
                startup_only=True),
        # several processes (fork, execve, pipes, wait, signals)
        Command("sh_pipeline", bb, ("sh", "-c", SH_PIPELINE),
                files=(("data.csv", csv(n(2000, 200000))),)),
        Command("sh_substitution", bb, ("sh", "-c", SH_SUBSTITUTION),
                files=(("words.txt", text(200, 7)),), startup_only=True),
        Command("sh_find_xargs", bb, ("sh", "-c", SH_FIND_XARGS), files=listing,
                startup_only=True),
        Command("sh_jobs", bb, ("sh", "-c", SH_JOBS), startup_only=True),
        Command("python_subprocess", python, ("-I", "-c", PY_SUBPROCESS), startup_only=True),
        # threads (a lock, a queue, a thread pool, a timer)
        Command("python_threading", python, ("-I", "-c", PY_THREADING), startup_only=True),
    ]


def qemu_command(root: Path, cmd: Command, qemu: str | None = None) -> list[str]:
    """qemu-user of the command's architecture (or QEMU) on cmd in the sysroot ROOT."""
    return [qemu or distro(cmd.arch).qemu, "-L", str(root), str(root / cmd.program), *cmd.args]


# Until dbt-vm loaded PT_INTERP programs itself, it ran the dynamic loader, which loaded the
# program (the guest's argv is the same, since ld.so drops its own argv[0]; /proc/self/exe and
# AT_EXECFN are not). True brings that back.
VIA_LD_SO = False
# Variables of dbt-vm's own process (its translation cache; PYTHONPATH, when dbt-vm itself
# is imported from there): set for dbt-vm, removed from the guest's environment with -U.
HOST_VARS = ("DBT_VM_CACHE_DIR", "XDG_CACHE_HOME", "PYTHONPATH")


def dbt_command(root: Path, cmd: Command, mode: str = "dynamic",
                options: tuple[str, ...] = ()) -> list[str]:
    """`python -m dbt run` of cmd in the sysroot (OPTIONS go before the program)."""
    loader = [str(root / distro(cmd.arch).interp)] if VIA_LD_SO else []
    unset = [opt for var in HOST_VARS for opt in ("-U", var)]
    return [sys.executable, "-m", "dbt", "run", "--mode", mode, "-L", str(root), *unset,
            *options, *loader, str(root / cmd.program), *cmd.args]


def dbt_env(cmd: Command, cache_dir: Path) -> dict:
    """The environment of the dbt-vm process: the command's, plus dbt-vm's translation cache
    in cache_dir (DBT_VM_CACHE_DIR; XDG_CACHE_HOME too, so that nothing lands in ~/.cache)."""
    env = {**cmd.env, "DBT_VM_CACHE_DIR": str(cache_dir), "XDG_CACHE_HOME": str(cache_dir)}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env
