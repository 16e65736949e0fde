"""`dbt-vm cache info`, `clear` and `wait`: what the persistent translation cache holds,
emptying it, and waiting for the background translations into it (cache/disk.py is the cache
itself)."""

from __future__ import annotations

import time
from collections import defaultdict

from .cache.disk import DiskCache

_KIND_NAMES = {"img": "translations of guest files",
               "t0": "tier 0's translations of guest files (Python code)",
               "rt": "dbt-vm's own runtime code",
               "st": "marks of files translated statically",
               "ids": "digests of guest files (and of dbt-vm's sources)"}


def _mib(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB"


def info(out, cache: DiskCache | None = None, last: int = 10) -> int:
    """Print where the cache is, its entries by kind and by guest file, and the cache figures
    of the last runs."""
    from rich.console import Console
    from rich.table import Table

    cache = cache or DiskCache()
    entries = cache.entries()
    total = sum(e[2] for e in entries)
    console = Console(file=out, width=110)
    console.print(f"cache: {cache.root}\n{len(entries):,} entries, {_mib(total)} of "
                  f"{_mib(cache.limit)} (least recently used entries go past that)")
    by_kind: dict = defaultdict(lambda: [0, 0])
    by_file: dict = defaultdict(lambda: [0, 0])
    for kind, _path, size, _mtime, label in entries:
        by_kind[kind][0] += 1
        by_kind[kind][1] += size
        if kind == "img":
            by_file[label or "?"][0] += 1
            by_file[label or "?"][1] += size
    for kind, (count, size) in sorted(by_kind.items()):
        console.print(f"  {_KIND_NAMES.get(kind, kind)}: {count:,} ({_mib(size)})")
    if by_file:
        table = Table(title="translations by program or library", show_lines=False)
        table.add_column("file")
        table.add_column("images", justify="right")
        table.add_column("size", justify="right")
        for label, (count, size) in sorted(by_file.items(), key=lambda item: -item[1][1]):
            table.add_row(label, f"{count}", _mib(size))
        console.print(table)
    runs = cache.runs(last)
    if runs:
        table = Table(title=f"the last {len(runs)} runs (a forked child is a run): guest files "
                            "whose translations were in the cache (hits) or not (misses), "
                            "regions, blocks run in tier 0 only (left to the background "
                            "translation)")
        for column in ("when", "program", "hits", "misses", "loaded", "compiled", "saved",
                       "tier 0 only"):
            table.add_column(column, justify="left" if column in ("when", "program")
                             else "right", no_wrap=True)
        for run in runs:
            hits = run.get("images", 0)
            table.add_row(time.strftime("%m-%d %H:%M:%S", time.localtime(run.get("time", 0))),
                          str(run.get("program", "")), f"{hits}",
                          f"{run.get('units', 0) - hits}", f"{run.get('regions loaded', 0):,}",
                          f"{run.get('regions compiled', 0):,}",
                          f"{run.get('regions saved', 0):,}",
                          f"{run.get('tier 0 only', 0):,}")
        console.print(table)
    else:
        console.print("no runs noted yet")
    return 0


def clear(out, cache: DiskCache | None = None) -> int:
    cache = cache or DiskCache()
    size = sum(e[2] for e in cache.entries())
    count = cache.clear()
    print(f"removed {count:,} entries ({_mib(size)}) from {cache.root}", file=out)
    return 0


def wait(out, cache: DiskCache | None = None) -> int:
    """Wait for the background translations into the cache (the auto mode's, after a run)."""
    cache = cache or DiskCache()
    count = cache.wait_for_background()
    print(f"waited for {count} background translation{'s' * (count != 1)} into {cache.root}",
          file=out)
    return 0


def main(action: str, folder: str | None, out) -> int:
    """`dbt-vm cache ACTION [--cache-dir DIR]`."""
    cache = DiskCache(folder)
    return {"info": info, "clear": clear, "wait": wait}[action](out, cache)
