"""What translations kept on disk depend on, as one key: a stale or foreign entry is never
found, because any change to any of these changes the key.

- dbt-vm itself: the bytes of every source file of the translator (the decoders' pattern
  files, the lifters, the IR and its passes, the lowering, the linker), not a version number
  that a developer might forget to change;
- LLVM: the llvmlite shared library in use (its path, size and modification time: a new
  llvmlite or LLVM is a new library);
- the host CPU: vendor, family, model and feature flags (code is compiled for this CPU);
- the GuestState layout the code was compiled against (its digest), and the format of images;
- every option that changes generated code: the guest window's size, the hot threshold, the
  region sizes;
- `DBT_VM_CACHE_SALT`, if set: a run with another salt behaves as another build of dbt-vm
  would (for tests, and to keep experiments apart).

Computing it reads /proc/cpuinfo and stats the sources (their digest is remembered in the
cache under their identities; reading them all takes a few milliseconds) and imports nothing
of LLVM.
"""

from __future__ import annotations

import functools
import _sha256
import importlib
import importlib.machinery
import importlib.util
import os

from dbt import region
from dbt.state import Layout

from .image import MAGIC as IMAGE_MAGIC

_PACKAGES = ("dbt", "dbt.frontends", "dbt.backends", "dbt.cache")
_SOURCES = (".py", ".dec")
_CPU_FIELDS = ("vendor_id", "cpu family", "model", "flags")


def _source_files() -> list[tuple[str, str]]:
    """(name relative to the package, path) of every source file, in a fixed order."""
    files = []
    for package in _PACKAGES:
        root = importlib.import_module(package).__path__[0]   # its own folder (not, in a
        for folder, dirs, names in os.walk(root):             # checkout, dbt's extra entry)
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            inside = folder[len(root) + 1:] + "/" if folder != root else ""   # (no relpath:
            files += [(f"{package}/{inside}{n}", os.path.join(folder, n))    # it costs ~20 us
                      for n in names if n.endswith(_SOURCES)]                # a file)
    return sorted(files)


@functools.cache
def source_digest(cache=None) -> str:
    """SHA-256 over the translator's source files (path relative to its package, bytes).

    With a cache, the digest is remembered under the files' identities (name, size, mtime,
    inode): a later run stats the files instead of reading them all."""
    files = _source_files()
    identity = None
    if cache is not None:
        stats = []
        for name, path in files:
            info = os.stat(path)
            stats.append(f"{name}:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}")
        identity = _sha256.sha256("\n".join(stats).encode()).hexdigest()
        known = cache.read("ids", identity)
        if known is not None and len(known) == 64:
            return known.decode("ascii")
    h = _sha256.sha256()
    for name, path in files:
        h.update(f"{name}\0".encode())
        with open(path, "rb") as f:
            h.update(f.read())
    digest = h.hexdigest()
    if cache is not None:
        cache.write("ids", identity, digest.encode("ascii"), label="dbt-vm's sources")
    return digest


def llvm_identity() -> str:
    """The llvmlite shared library: path, size and mtime (without loading it)."""
    spec = importlib.machinery.PathFinder.find_spec("llvmlite")
    if spec is None or not spec.submodule_search_locations:
        return "no llvmlite"
    folder = os.path.join(spec.submodule_search_locations[0], "binding")
    parts = []
    for name in sorted(os.listdir(folder)):
        if name.startswith("libllvmlite"):
            info = os.stat(os.path.join(folder, name))
            parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return ";".join(parts) or "no llvmlite library"


def host_cpu() -> str:
    """The fields of /proc/cpuinfo that say what code the CPU runs (first processor)."""
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read().split("\n\n")[0]
    except OSError:
        return os.uname().machine
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key in _CPU_FIELDS:
            fields[key] = " ".join(value.split())
    return ";".join(f"{k}={fields.get(k, '')}" for k in _CPU_FIELDS)


def config_key(window_bits: int, hot_threshold: int, layout: Layout, cache=None,
               jc_shift: int = 1) -> str:
    """The key of everything but the guest bytes (see the module docstring) for code compiled
    against the GuestState `layout` (a dbt.state.Layout); `cache`, if given, remembers the
    digest of the sources; `jc_shift`, the jump cache's, which the code embeds."""
    options = (f"window={window_bits};hot={hot_threshold};jc={jc_shift};"
               f"regions={region.MAX_REGION_BLOCKS},"
               f"{region.HOT_REGION_BLOCKS},{region.HOT_REGION_INSNS}")
    parts = [IMAGE_MAGIC.hex(), source_digest(cache), llvm_identity(), host_cpu(),
             f"layout={layout.digest}", options,
             os.environ.get("DBT_VM_CACHE_SALT", "")]
    return _sha256.sha256("\n".join(parts).encode()).hexdigest()


def image_key(config: str, file_digest: str) -> str:
    """The key of the image of a guest file whose bytes have SHA-256 `file_digest`."""
    return _sha256.sha256(f"{config}\n{file_digest}".encode()).hexdigest()


def tier0_key(image: str) -> str:
    """The key of tier 0's translations of the guest file whose image key is `image`: Python
    code objects, whose bytecode is this Python's (its magic number) only."""
    magic = importlib.util.MAGIC_NUMBER.hex()
    return _sha256.sha256(f"{image}\ntier 0\n{magic}".encode()).hexdigest()
