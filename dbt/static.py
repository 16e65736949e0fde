"""Static translation of a program: `dbt-vm translate PROGRAM` and `dbt-vm run --mode static`.

The files a program runs (the program, its interpreter, and every library of DT_NEEDED, found
as ld.so finds them: DT_RUNPATH/DT_RPATH with $ORIGIN, then the system's library folders,
each looked up under the sysroot first as every absolute path the guest opens is) are each
translated into their image in the persistent cache by the backend's static translator
(found by name, as the runtime finds engines: the core imports no backend). A run in the
`static` mode then translates nothing that discovery found; a pc it missed falls back to
dynamic translation, and `--stats` reports the share of executed blocks static code ran.
"""

from __future__ import annotations

import importlib
import os
import sys
import time

from .arch import Arch
from .loader import LoadError, dynamic_links, find_interpreter, read_header

TRANSLATOR = "dbt.backends.llvm.static"
_LIB_DIRS = ("/lib/{multiarch}", "/usr/lib/{multiarch}", "/lib", "/usr/lib", "/lib64",
             "/usr/lib64")


class GuestFile:
    """One file a program runs: its host path, its role (program, interpreter, library), the
    libraries it needs and where it looks for them; `code` (discovery's view of the file,
    from its sections) is read when first asked for."""

    def __init__(self, path: str, role: str):
        self.path, self.role = path, role
        self.interp, self.needed, self.runpath = dynamic_links(path)
        self._code = None

    @property
    def code(self):
        if self._code is None:
            from .discover import read_elf
            self._code = read_elf(self.path)
        return self._code


def _host(guest_path: str, sysroot: str | None) -> str:
    """A guest's absolute path on the host: under the sysroot if it is there (qemu's rule)."""
    if sysroot:
        candidate = sysroot.rstrip("/") + guest_path
        if os.path.exists(candidate):
            return candidate
    return guest_path


def _same_arch(path: str, arch: Arch) -> bool:
    try:
        return read_header(path, program=False)[0] is arch
    except LoadError:
        return False


def find_library(name: str, origin: str, runpath: list[str], sysroot: str | None,
                 arch: Arch) -> str | None:
    """The host path of library `name` as ld.so would find it, or None."""
    if "/" in name:
        found = _host(name, sysroot) if name.startswith("/") else name
        return found if os.path.isfile(found) and _same_arch(found, arch) else None
    folders = [d.replace("$ORIGIN", origin).replace("${ORIGIN}", origin) for d in runpath]
    folders += [d.format(multiarch=arch.multiarch) for d in _LIB_DIRS]
    for folder in folders:
        candidate = _host(os.path.join(folder, name), sysroot)
        if os.path.isfile(candidate) and _same_arch(candidate, arch):
            return candidate
    return None


def guest_files(program: str, sysroot: str | None) -> tuple[list[GuestFile], list[str], Arch]:
    """The files `program` runs, and the libraries that could not be found (LoadError if the
    program itself cannot be run)."""
    arch, _ = read_header(program)
    files = [GuestFile(program, "program")]
    missing: list[str] = []
    if files[0].interp:
        interp, sysroot = find_interpreter(files[0].interp, sysroot, arch)
        files.append(GuestFile(interp, "interpreter"))
    seen = {os.path.realpath(f.path) for f in files}
    work = [(files[0], name) for name in files[0].needed]
    while work:
        parent, name = work.pop(0)
        origin = os.path.dirname(os.path.abspath(parent.path))
        found = find_library(name, origin, parent.runpath, sysroot, arch)
        if found is None:
            if name not in missing:
                missing.append(name)
            continue
        if os.path.realpath(found) in seen:
            continue
        seen.add(os.path.realpath(found))
        lib = GuestFile(found, "library")
        files.append(lib)
        work.extend((lib, n) for n in lib.needed)
    return files, missing, arch


def translate(program: str, sysroot: str | None, cache, jobs: int | None = None,
              out=None, force: bool = False) -> list:
    """Translate every file of `program` that is not translated yet (all with `force`);
    with `out`, report what was found there (and a progress bar when it is a terminal).
    Returns the backend's reports (one per file)."""
    backend = importlib.import_module(TRANSLATOR)
    files, missing, arch = guest_files(program, sysroot)
    jobs = jobs or max(1, len(os.sched_getaffinity(0)))
    reports = []
    with _Progress(out) as progress:
        for f in files:
            if not force and backend.translated(cache, f.path, arch):
                reports.append(backend.FileReport(     # (the count is for the report only)
                    f.path, functions=len(f.code.functions) if out is not None else 0))
                continue
            progress.start(f)
            reports.append(backend.translate_file(f.path, f.code, arch, cache, jobs,
                                                  progress.update))
    if out is not None:
        _print_report(out, files, reports, missing, jobs)
    return reports


def ensure_translated(program: str, sysroot: str | None, cache, err=sys.stderr) -> None:
    """`--mode static`: translate what is not translated yet, quietly (the guest's stderr
    is the guest's). If static translation fails, one warning line says so, and the run
    translates as it goes (as the dynamic mode does)."""
    try:
        translate(program, sysroot, cache)
    except LoadError:
        raise
    except Exception as exc:                    # noqa: BLE001 - the run can do without it
        err.write(f"dbt-vm: warning: static translation failed ({type(exc).__name__}: "
                  f"{exc}); translating as the program runs\n")


class _Progress:
    """A progress bar on a terminal (rich), nothing elsewhere."""

    def __init__(self, out):
        self.out = out if out is not None and out.isatty() else None
        self.bar = self.task = None

    def __enter__(self):
        if self.out is not None:
            from rich.progress import Progress
            self.bar = Progress(transient=True, console=_console(self.out))
            self.bar.__enter__()
        return self

    def start(self, f: GuestFile) -> None:
        if self.bar is not None:
            self.task = self.bar.add_task(f"{f.role} {os.path.basename(f.path)}", total=None)

    def update(self, round_: int, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total,
                            description=self.bar.tasks[-1].description.split(" (")[0]
                            + (f" (round {round_})" if round_ > 1 else ""))

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _console(out):
    from rich.console import Console
    return Console(file=out)


def _size(nbytes: int) -> str:
    return f"{nbytes / (1 << 20):.1f} MiB" if nbytes >= 1 << 20 else f"{nbytes / 1024:.0f} KiB"


def _print_report(out, files, reports, missing, jobs: int) -> None:
    from rich.table import Table

    # (no vertical rules and no role column, which the line after it gives: the report fits
    # 80 columns with the longest interpreter name, ld-linux-riscv64-lp64d.so.1)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("file", "funcs", "blocks", "insns", "tables", "code", "s"):
        table.add_column(column, justify="left" if column == "file" else "right", no_wrap=True)
    for f, r in zip(files, reports):
        if not r.translated:
            table.add_row(os.path.basename(f.path), f"{r.functions:,}", "(translated before)",
                          "", "", "", "")
            continue
        table.add_row(os.path.basename(f.path), f"{r.functions:,}", f"{r.blocks:,}",
                      f"{r.insns:,}", f"{r.tables:,}", _size(r.code_bytes),
                      f"{r.seconds:.1f}")
    console = _console(out)
    console.print(table)
    done = [r for r in reports if r.translated]
    libraries = sum(f.role == "library" for f in files)
    parts = ["the program"] + ["its interpreter"] * any(f.role == "interpreter" for f in files)
    parts += [f"{libraries} librar{'ies' if libraries != 1 else 'y'}"] * bool(libraries)
    what = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    console.print(f"{len(files)} file{'s' * (len(files) != 1)} ({what}), "
                  f"{sum(r.blocks for r in done):,} blocks, {sum(r.insns for r in done):,} "
                  f"guest instructions translated into "
                  f"{_size(sum(r.code_bytes for r in done))} of code in "
                  f"{sum(r.seconds for r in done):.1f} s ({jobs} worker processes)")
    for name in missing:
        console.print(f"[yellow]not found: {name} (give the guest's root with -L)[/yellow]")


def main(args, out=sys.stdout) -> int:
    """`dbt-vm translate [-L DIR] [--cache-dir DIR] [-j N] [--force] PROGRAM`."""
    from .cache.disk import DiskCache
    start = time.perf_counter()
    sysroot = args.sysroot if args.sysroot is not None else os.environ.get("QEMU_LD_PREFIX")
    try:
        translate(args.program, sysroot, DiskCache(args.cache_dir), args.jobs, out, args.force)
    except LoadError as exc:
        print(f"dbt-vm: error: {args.program}: {exc}", file=sys.stderr)
        return 1
    print(f"done in {time.perf_counter() - start:.1f} s", file=out)
    return 0
