"""Static (ahead-of-time) translation of one guest file into its image in the persistent cache.

The file is mapped into a scratch guest memory as the loader maps it; worker processes (forked,
one per CPU) each take a part of its executable ranges, find the blocks there (dbt/discover.py:
linear sweep, recursive descent, jump tables), group them into regions (dbt/region.py) and
compile them tier-1 style: the guest state used in place, a counter and "seen" bytes per
region, so that code that turns out hot at run time goes to the hot tier as in the dynamic
mode (and the hot code stays in the image for the next run). A target a worker finds outside
its part goes back to the parent, which hands the blocks still missing to the next round.
The parent links every region and writes the image: regions the dynamic mode added to it
stay, earlier static ones are replaced. A stamp entry says the file is done (`translated`).
"""

from __future__ import annotations

import importlib
import json
import os
import time
from bisect import bisect_right
from dataclasses import dataclass

from dbt.loader import map_elf
from dbt.memory import PROT_READ, WINDOW_BITS, GuestMemory
from dbt.region import static_regions

from .cachekey import config_key, image_key
from .dynamic import HOT_THRESHOLD, DynamicEngine
from .image import KIND_STATIC, ImageRegion, merged
from .objlink import link
from .optable import jc_shift

# What only translating needs (discovery, the lowering to LLVM IR) is imported by
# translate_file, before its workers fork: a run of the static mode asks `translated` only.
TYPE_CHECKING = False                  # (typing.TYPE_CHECKING without importing typing)
if TYPE_CHECKING:
    from dbt.discover import ElfCode

CHUNK_BYTES = 32 << 10          # a worker's part: about this much code, cut at a function
MAX_ROUNDS = 8                  # rounds of targets found outside the parts
_job: dict = {}                 # what the forked workers work on (set before the fork)


@dataclass
class FileReport:
    path: str
    translated: bool = False        # False: its stamp said it was done already
    functions: int = 0
    blocks: int = 0
    insns: int = 0
    regions: int = 0
    tables: int = 0                 # jump tables recognised
    unsupported: int = 0            # blocks left to the interpreter
    code_bytes: int = 0
    seconds: float = 0.0
    rounds: int = 0


def config(cache, arch) -> str:
    """The configuration key of the engine's translations (a dynamic engine on a default
    guest window, for `arch`): static code must be what it would load."""
    return config_key(WINDOW_BITS, HOT_THRESHOLD, arch.layout, cache, jc_shift(arch.insn_align))


def file_key(cache, path: str, cfg: str) -> str | None:
    """The key of a file's image (None if the file cannot be read)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    digest = cache.file_digest(os.fsencode(os.path.realpath(path)), (
        info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns))
    return None if digest is None else image_key(cfg, digest)


def translated(cache, path: str, arch) -> bool:
    """Whether `path` has been translated statically for this configuration."""
    key = file_key(cache, path, config(cache, arch))
    return key is not None and cache.read("st", key) is not None


def translate_file(path: str, code: ElfCode, arch, cache, jobs: int = 2,
                   progress=None) -> FileReport:
    """Translate every block discovery finds in `path` into its image (see the module
    docstring). `progress(round, tasks done, tasks)` is told how far it got."""
    for module in ("dbt.discover", f"{__package__}.lower", f"{__package__}.compiler"):
        importlib.import_module(module)     # once, here, before the workers fork
    start = time.perf_counter()
    report = FileReport(path, functions=len(code.functions))
    cfg = config(cache, arch)
    key = file_key(cache, path, cfg)
    if key is None:
        return report
    memory = GuestMemory()
    try:
        image_bias, _entry = map_elf(path, memory, arch)
        ranges = [(lo + image_bias, hi + image_bias) for lo, hi in code.ranges]
        bias = _unit_bias(memory, ranges)
        if bias is None:
            return report
        regions = _compile_all(memory, arch, code, ranges, image_bias, bias, jobs, progress,
                               report)
    finally:
        memory.close()
    _store(cache, key, regions, path)
    cache.write("st", key, json.dumps({"regions": report.regions}).encode(), label=path)
    report.translated, report.seconds = True, time.perf_counter() - start
    return report


def _unit_bias(memory: GuestMemory, ranges) -> int | None:
    """What the run's units call the file's bias (units.py): start - offset of the mapping of
    its code."""
    for lo, _hi in ranges:
        m = memory.mapping_at(lo)
        if m is not None and m.file is not None:
            return m.start - m.offset
    return None


def _parts(ranges, functions, image_bias) -> list[tuple[int, int]]:
    """The executable ranges cut into parts of about CHUNK_BYTES at function starts."""
    starts = sorted(f[0] + image_bias for f in functions)
    parts = []
    for lo, hi in ranges:
        at = lo
        while at < hi:
            want = at + CHUNK_BYTES
            i = bisect_right(starts, want)
            cut = starts[i] if i < len(starts) and starts[i] < hi else hi
            parts.append((at, cut))
            at = cut
    return parts


def _compile_all(memory, arch, code: ElfCode, ranges, image_bias: int, bias: int, jobs: int,
                 progress, report: FileReport) -> list[ImageRegion]:
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing

    from dbt.opt import optimize

    fetch = memory.fetch
    _job.update(lift=lambda pc: optimize(arch.lift(fetch, pc)), memory=memory, ranges=ranges,
                bias=bias, cuts=sorted(f[0] + image_bias for f in code.functions),
                wbits=memory.size.bit_length() - 1, jshift=jc_shift(arch.insn_align))
    parts = _parts(ranges, code.functions, image_bias)
    roots = [code.entry + image_bias, *_job["cuts"]]
    tasks = [(lo, hi, [r for r in roots if lo <= r < hi], True) for lo, hi in parts]
    found: set[int] = set()
    out: list[ImageRegion] = []
    with ProcessPoolExecutor(max_workers=jobs,
                             mp_context=multiprocessing.get_context("fork")) as pool:
        while tasks and report.rounds < MAX_ROUNDS:
            report.rounds += 1
            targets: set[int] = set()
            for i, (regions, starts, outside, stats) in enumerate(pool.map(_work, tasks)):
                found.update(starts)
                targets.update(outside)
                out.extend(regions)
                for name, value in stats.items():
                    setattr(report, name, getattr(report, name) + value)
                if progress is not None:
                    progress(report.rounds, i + 1, len(tasks))
            tasks = _round(sorted(targets - found), parts)
    return out


def _round(pcs: list[int], parts) -> list[tuple]:
    """Tasks for block starts still missing: the ones in each part together."""
    by_part: dict[int, list[int]] = {}
    starts = [lo for lo, _ in parts]
    for pc in pcs:
        i = bisect_right(starts, pc) - 1
        if i >= 0 and pc < parts[i][1]:
            by_part.setdefault(i, []).append(pc)
    return [(parts[i][0], parts[i][1], roots, False) for i, roots in sorted(by_part.items())]


def _work(task) -> tuple:
    """In a worker: find and compile the blocks of one part (`sweep`: all of it, else only
    from `roots`). Returns (image regions, block starts, targets outside, figures)."""
    lo, hi, roots, sweep = task
    job = _job
    memory = job["memory"]
    from dbt.discover import Discovery
    discovery = Discovery(job["lift"], _reader(memory), job["ranges"], lambda pc: lo <= pc < hi)
    blocks = discovery.run(roots, [(lo, hi)] if sweep else [])
    outside = [pc for b in blocks.values() for pc in discovery.targets(b)
               if not lo <= pc < hi and discovery.inside(pc)]
    stats = {"blocks": len(blocks), "insns": sum(b.ninsns for b in blocks.values()),
             "tables": discovery.tables}
    regions = []
    for pcs in static_regions(list(blocks), job["cuts"]):
        made = _compile_region([blocks[pc] for pc in pcs], job, stats)
        if made is not None:
            regions.append(made)
    stats["regions"] = len(regions)
    stats["code_bytes"] = sum(len(r.text) + len(r.data) for r in regions)
    return regions, list(blocks), outside, stats


def _reader(memory: GuestMemory):
    """read(addr, n): guest bytes the guest may read (jump tables), or None."""
    def read(addr: int, n: int) -> bytes | None:
        return memory.read(addr, n) if memory.check(addr, n, PROT_READ) else None
    return read


def _compile_region(blocks: list, job: dict, stats: dict) -> ImageRegion | None:
    from .compiler import object_file, target_machine
    from .lower import Unsupported, lower_region

    bias = job["bias"]
    blocks = [b for b in blocks if _pristine(job["memory"], b)]
    name = f"st_{blocks[0].pc - bias:x}" if blocks else ""
    while blocks:
        try:
            text = lower_region(name, blocks, job["wbits"], HOT_THRESHOLD, promote=False,
                                seen=True, base=bias, jc_shift=job["jshift"])
        except Unsupported as exc:
            stats["unsupported"] = stats.get("unsupported", 0) + 1
            blocks = [b for b in blocks if b.pc != exc.block_pc]
            continue
        tm = target_machine(0)
        blob = link(object_file(tm, DynamicEngine.module_text(text, tm.triple)))
        return ImageRegion.of(blob, KIND_STATIC, name,
                              [(b.pc - bias, b.end_pc - bias, b.ninsns) for b in blocks])
    return None


def _pristine(memory: GuestMemory, block) -> bool:
    """A block whose bytes are the file's own (what the run keeps in images: units.py)."""
    for pc in (block.pc, block.end_pc - 1):
        m = memory.mapping_at(pc)
        if m is None or m.file is None or m.written:
            return False
    return True


def _store(cache, key: str, regions: list[ImageRegion], label: str) -> None:
    """The file's image: what it held but static regions, and the new static ones."""
    cache.update("img", key, lambda old: merged(old, regions, drop=KIND_STATIC), label=label)
