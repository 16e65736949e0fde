"""Speculative translation on the second CPU: a forked helper process translates the regions
the guest is likely to reach next while the guest runs (or while the engine compiles what it
needs now), and compiles hot regions at -O2 while tier 1 runs on; the engine adopts what it made
when the guest gets there.

Which regions: for each region it translates, the engine names the region's exits (the branch
and jump targets outside it, and the pc after each block that ends in a jump, where a call
returns), before compiling it. The helper takes the newest names first, follows its own
regions' exits one level deep, drops names older than the last KEEP_HINTS hints (the guest has
moved on) and skips code translated already. Start-up code (libc's start, printf's float
formatting) runs a few hundred blocks once each: there most of the time is translation, and the
guest's next block is nearly always an exit of a region translated a moment before.

What crosses between the processes (length-prefixed pickles over two pipes): the engine sends
hints (pcs to try, blocks it has translated; a new epoch after a flush or an invalidation) and
hot modules to compile; the helper sends back, per region, the object file, the guest bytes of
its blocks and the FP helpers it calls (each helper's own object file once, before the first
region that calls it), and the object file of each hot module. The engine never blocks on a
full pipe: while it writes, it reads what the helper sends.

The helper is a fork of the engine's process, so its guest memory is a copy of the moment of
the fork: the engine adopts a region only if every block's bytes are still the same (and
executable), and only results of the current epoch. A region's counter and "seen" bytes are
data of its own object file (codestore.py); FP helpers are called by name (fp_runtime defines
them, and their exact-path callback, in each process). If the helper dies, the engine carries
on alone.

The guest cannot observe any of this: an adopted region is the region the engine would have
compiled from the same bytes (same lifter, same lowering, same LLVM options).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import time
from dataclasses import dataclass

from dbt.region import form_region, region_exits

from . import fp_runtime
from .fp_kernels import HELPER_OPT_LEVEL, helper_module, helpers_called
from .lower import lower_region

# The helper process compiles (compiler.py, which loads LLVM); the engine's side only reads
# what it sends: compiler.py is imported where the helper needs it, not here.

MAX_DEPTH = 1                   # exits of the helper's own regions followed this many levels
KEEP_HINTS = 3                  # pcs of the last this many hints only (the guest has moved on)
# FP helpers compiled first: double arithmetic is in most programs that use FP at all, and the
# engine needs each helper (about 7 ms to compile) at its first region that calls it
PRELUDE_HELPERS = ("dbt_fp_fadd_f64", "dbt_fp_fmul_f64", "dbt_fp_fma_f64", "dbt_fp_fdiv_f64")
_HEADER = struct.Struct("<I")
_ELSEWHERE = object()           # a code map entry of the helper's: translated by the engine


@dataclass
class Speculated:
    pc: int                    # the pc the helper started from
    name: str                  # the function's name in the object file
    blocks: list               # [(pc, end_pc, ninsns, guest bytes)]
    obj: bytes                 # ELF object for the MCJIT engine
    helpers: list              # FP helper functions it calls
    exits: list                # region_exits of its blocks
    base: int                  # what its guest pcs are relative to (the engine's base_of)


def _pack(message) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _send(fd: int, message) -> None:
    """Write a message on a blocking pipe (the helper's side)."""
    data = memoryview(_pack(message))
    while data:
        data = data[os.write(fd, data):]


class _Reader:
    """Length-prefixed pickles from a pipe."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buf = b""
        self.eof = False

    def pull(self) -> None:
        """Read what the pipe holds (call when select says it is readable)."""
        chunk = os.read(self.fd, 1 << 16)
        if chunk:
            self.buf += chunk
        else:
            self.eof = True

    def read(self, wait: bool) -> list:
        """The messages available now (with `wait`, at least one unless the pipe closed)."""
        while not self.eof:
            ready, _, _ = select.select([self.fd], [], [], None if wait else 0)
            if not ready:
                break
            self.pull()
            if self._complete():
                wait = False
        out = []
        while self._complete():
            size = _HEADER.unpack_from(self.buf)[0]
            out.append(pickle.loads(self.buf[4:4 + size]))
            self.buf = self.buf[4 + size:]
        return out

    def _complete(self) -> bool:
        return (len(self.buf) >= 4
                and len(self.buf) >= 4 + _HEADER.unpack_from(self.buf)[0])


class Speculator:
    """The engine's side: hints and hot compile jobs out; translated regions, FP helpers and
    hot objects in."""

    def __init__(self, engine, sync: bool = False):
        self.sync = sync        # wait for whatever the helper is doing (deterministic tests)
        self.epoch = 0
        self.ready: dict[int, Speculated] = {}  # block pc -> a region that contains it
        self.in_flight: int | None = None       # the pc the helper is translating
        self.hot_job: str | None = None         # the hot region the helper is compiling
        self.hot_done: list[tuple[str, bytes | None]] = []
        self.made = self.used = self.hot_compiled = 0
        requests, to_helper = os.pipe()
        from_helper, results = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:                       # the helper: never returns
            os.close(to_helper)
            os.close(from_helper)
            _helper(engine, requests, results)
        os.close(requests)
        os.close(results)
        os.set_blocking(to_helper, False)
        self.out = to_helper
        self.results = _Reader(from_helper)

    @property
    def alive(self) -> bool:
        return not self.results.eof

    def _write(self, message) -> None:
        """Send a message; while the pipe is full, read what the helper sends (neither side
        ever waits for the other to read)."""
        data = memoryview(_pack(message))
        try:
            while data and self.alive:
                readable, writable, _ = select.select([self.results.fd], [self.out], [])
                if readable:
                    self.results.pull()
                if writable:
                    try:
                        data = data[os.write(self.out, data):]
                    except BlockingIOError:
                        pass
        except OSError:                         # the helper is gone: carry on alone
            self.results.eof = True

    def hint(self, pcs: list[int], spans: list[tuple[int, int]]) -> None:
        """Pcs worth translating (likeliest first) and blocks that need no translation."""
        self._write(("hint", self.epoch, pcs, spans))

    def compile_hot(self, name: str, module: str) -> bool:
        """Have the helper compile a hot region's module (False: it is busy with one)."""
        if self.hot_job is not None or not self.alive:
            return False
        self._write(("hot", self.epoch, name, module))
        if not self.alive:
            return False
        self.hot_job = name
        while self.sync and self.hot_job is not None and self.alive:
            self._collect(wait=True)
        return True

    def finished_hot(self) -> list[tuple[str, bytes | None]]:
        """Hot regions compiled since the last call: (name, object file, or None if the
        helper could not)."""
        self._collect(wait=False)
        if self.hot_job is not None and not self.alive:     # the helper died on it
            self.hot_done.append((self.hot_job, None))
            self.hot_job = None
        done, self.hot_done = self.hot_done, []
        return done

    def finish_hot(self, seconds: float) -> None:
        """Wait up to `seconds` for the hot region the helper is compiling (at the end of a run,
        so that the persistent cache keeps it: the next run starts with it)."""
        deadline = time.monotonic() + seconds
        while self.hot_job is not None and self.alive and not self.results.eof:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.results.fd], [], [], left)[0]:
                return
            self._collect(wait=False)

    def reset(self) -> None:
        """Every translation was dropped (or some guest code changed): start over."""
        self.epoch += 1
        self.ready.clear()
        self.in_flight = None
        self.hint([], [])

    def poll(self) -> None:
        """Read what the helper has sent so far (`ready` shows the regions)."""
        self._collect(wait=False)

    def take(self, pc: int, wait: bool = True) -> Speculated | None:
        """A region of the current epoch with a block at `pc`, if the helper made one; when it
        is translating `pc` right now and `wait`, wait for it (sooner than translating it
        again)."""
        self._collect(wait=False)
        while (pc not in self.ready and self.alive and self.in_flight is not None
               and (self.in_flight == pc and wait or self.sync)):
            self._collect(wait=True)
        found = self.ready.get(pc)
        if found is not None:
            for block in found.blocks:
                self.ready.pop(block[0], None)
            self.used += 1
        return found

    def _collect(self, wait: bool) -> None:
        for kind, epoch, key, *rest in self.results.read(wait):
            current = epoch == self.epoch
            if kind == "helper":                # valid in any epoch: it is no guest code
                fp_runtime.ensure(key, rest[0])
            elif kind == "hot":
                self.hot_job = None
                if current:
                    self.hot_compiled += 1
                    self.hot_done.append((key, rest[0]))
            elif kind == "start":
                self.in_flight = key if current else None
            else:                               # "region" or "failed"
                if self.in_flight == key:
                    self.in_flight = None
                if kind == "region" and current:
                    self.made += 1
                    for block in rest[0].blocks:
                        self.ready.setdefault(block[0], rest[0])

    def let_go(self) -> None:
        """In a forked child of the engine's process: close this process's ends of the pipes,
        leaving the helper to the parent."""
        for fd in (self.out, self.results.fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.results.eof = True

    def close(self) -> None:
        """Stop the helper and reap it (its CPU time counts as this process's children's)."""
        for step in (lambda: os.close(self.out), lambda: os.close(self.results.fd),
                     lambda: os.kill(self.pid, signal.SIGKILL), lambda: os.waitpid(self.pid, 0)):
            try:
                step()
            except OSError:
                pass
        self.results.eof = True


def _helper(engine, requests: int, results: int) -> None:
    """The forked process: translate hinted regions until the engine's pipe closes."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        os.setpgid(0, 0)                        # out of the guest's waits for its group
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):                    # guest-visible files stay the engine's own
            os.dup2(devnull, fd)
        close_all_but(requests, results)        # (a pipe of the guest's held open here
        _Helper(engine, requests, results).serve()   # would not see its end: the guest
        # reading it to the end, as a shell's $(...) or subprocess.communicate does, waited)
    except BaseException:                       # noqa: BLE001 - the engine carries on alone
        code = 1
    os._exit(code)


def close_all_but(*keep: int) -> None:
    """Close every fd above 2 but `keep` (in a process forked from the engine's: the helper,
    the background finisher)."""
    try:
        top = os.sysconf("SC_OPEN_MAX")
    except (OSError, ValueError):
        top = 1 << 16
    start = 3
    for fd in sorted(keep):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, top)


def translate_ahead(engine, tm, pc: int, name: str):
    """Translate the tier-1 region at `pc` as the engine would, into an object file of
    target machine `tm`: (Speculated, its blocks). Raises if it cannot."""
    blocks = form_region(pc, engine.lift, engine.tier1_stop(pc))
    spans = []
    for b in blocks:
        raw = engine.memory.fetch(b.pc, b.end_pc - b.pc)
        if raw is None:
            raise ValueError(f"{b.pc:#x}: not executable")
        spans.append((b.pc, b.end_pc, b.ninsns, raw))
    from .compiler import object_file
    base = engine.base_of(pc)
    text = lower_region(name, blocks, engine.window_bits(), engine.threshold, promote=False,
                        seen=True, base=base, jc_shift=engine.jc_shift)
    obj = object_file(tm, engine.module_text(text, tm.triple))
    return Speculated(pc, name, spans, obj, helpers_called(text), region_exits(blocks),
                      base), blocks


class _Helper:
    def __init__(self, engine, requests: int, results: int):
        self.engine = engine
        self.requests = _Reader(requests)
        self.results = results
        self.epoch = 0
        self.stack: list[tuple[int, int, int]] = []  # (pc, depth, hint), the last one first
        self.hints = 0
        self.tried: set[int] = set()
        self.shipped: set[str] = set()          # FP helpers sent to the engine
        self.hot_jobs: list[tuple[int, str, str]] = []  # (epoch, name, module text)
        self.count = 0
        from .compiler import target_machine
        self.tm = target_machine(0)
        self.hot_tm = target_machine(2)
        self.helper_tm = target_machine(HELPER_OPT_LEVEL)
        engine.on_block = None

    def serve(self) -> None:
        self._ship_helpers(PRELUDE_HELPERS)
        while not self.requests.eof:
            for message in self.requests.read(wait=not (self.stack or self.hot_jobs)):
                self._handle(message)
            if self.hot_jobs:                   # the engine runs slow code until it is done
                self._compile_hot(*self.hot_jobs.pop(0))
            elif self.stack:
                pc, depth, hint = self.stack.pop()
                if (hint > self.hints - KEEP_HINTS and pc not in self.tried
                        and self.engine.code.get(pc) is None):
                    self._translate(pc, depth, hint)

    def _handle(self, message) -> None:
        kind, epoch, *rest = message
        if kind == "hot":
            self.hot_jobs.append((epoch, *rest))
            return
        pcs, spans = rest
        if epoch != self.epoch:
            self.epoch = epoch
            self.stack.clear()
            self.tried.clear()
            self.engine.code.flush()
        for pc, end in spans:
            self.engine.code.insert(pc, pc, end, _ELSEWHERE)
        if pcs:
            self.hints += 1
            self.stack = [e for e in self.stack if e[2] > self.hints - KEEP_HINTS]
            self.stack.extend((pc, 0, self.hints) for pc in reversed(pcs))

    def _translate(self, pc: int, depth: int, hint: int) -> None:
        self.tried.add(pc)
        self.count += 1
        _send(self.results, ("start", self.epoch, pc))
        try:
            region, blocks = translate_ahead(self.engine, self.tm, pc, f"s{self.count}_{pc:x}")
        except Exception:                       # noqa: BLE001 - the engine will translate it
            _send(self.results, ("failed", self.epoch, pc))
            return
        self._ship_helpers(region.helpers)
        _send(self.results, ("region", self.epoch, pc, region))
        for b in blocks:
            self.engine.code.insert(b.pc, b.pc, b.end_pc, _ELSEWHERE)
        if depth < MAX_DEPTH:
            self.stack.extend((p, depth + 1, hint) for p in reversed(region.exits))

    def _compile_hot(self, epoch: int, name: str, module: str) -> None:
        from .compiler import object_file
        try:
            obj = object_file(self.hot_tm, module, hot=True)
        except Exception:                       # noqa: BLE001 - the engine compiles it
            obj = None
        _send(self.results, ("hot", epoch, name, obj))

    def _ship_helpers(self, names: list[str]) -> None:
        """Compile the FP helpers a region calls, before the region: the engine compiles
        each once, and would otherwise do it when it first needs one."""
        from .compiler import object_file
        for name in names:
            if name not in self.shipped:
                self.shipped.add(name)
                obj = object_file(self.helper_tm, helper_module(name, self.helper_tm.triple))
                _send(self.results, ("helper", self.epoch, name, obj))
