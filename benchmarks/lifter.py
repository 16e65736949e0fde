"""What decoding, lifting and the IR passes cost per guest instruction, on real code.

Every run of a real program lifts tens of thousands of distinct blocks before it gets going
(Debian's python3 -c 'print(1)': about 45,000), so the Python cost of decode + lift + passes
per guest instruction is paid on the start-up path of every program.  This measures the
three stages separately, over one fixed set of blocks from real code: the blocks static
discovery (dbt/discover.py) finds in ELF files of the Debian riscv64 sysroot the tests use
(libc.so.6 by default), each stage timed over every block of the set, repeated, the best
pass reported (in CPU time: the machine may be shared; the best pass is the least
disturbed one).

    python benchmarks/lifter.py                          # libc.so.6, 3 passes
    python benchmarks/lifter.py --limit 20000 --repeat 5 # 20,000 blocks spread over the file
    python benchmarks/lifter.py usr/bin/python3.13 usr/lib/riscv64-linux-gnu/libc.so.6
    python benchmarks/lifter.py --profile lift           # cProfile of one stage's pass
    python benchmarks/lifter.py --check                  # print a digest of the lifted IR

Each pass starts with the frontend's per-process caches emptied (the decoder's memo of
instruction words), as a new run starts: the figures include what a real run pays for
filling them, over a set of blocks as large as a real start-up's.  The stages:

decode   fetch and decode every instruction of each block (`decode_block` of the frontend)
lift     the decoded instructions to an IR block (`lift_decoded`: trans_ functions, builder)
passes   `dbt.opt.optimize` on the lifted block

Times are CPU seconds; "gc s" is the part of them spent in the cyclic garbage collector,
which the objects each stage makes set off (set up as `dbt-vm run` sets it).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import os
import pstats
import sys
import time

ROOT = os.path.expanduser("~/.cache/dbt-vm-tests/debian-riscv64/root")
DEFAULT_FILES = ("usr/lib/riscv64-linux-gnu/libc.so.6",)


def corpus(paths: list[str], limit: int | None):
    """(memory, block pcs): the files mapped as the static translator maps them, and the
    start of every block discovery finds in them (at most `limit`, evenly spread)."""
    from dbt.arch import arch_for_machine, EM_RISCV
    from dbt.discover import Discovery, read_elf
    from dbt.loader import map_elf
    from dbt.memory import PROT_READ, GuestMemory
    from dbt.opt import optimize

    arch = arch_for_machine(EM_RISCV)
    memory = GuestMemory()
    fetch = memory.fetch
    pcs: list[int] = []
    for path in paths:
        code = read_elf(path)
        bias, _ = map_elf(path, memory, arch)
        ranges = [(lo + bias, hi + bias) for lo, hi in code.ranges]

        def read(addr, n):
            return memory.read(addr, n) if memory.check(addr, n, PROT_READ) else None
        found = Discovery(lambda pc: optimize(arch.lift(fetch, pc)), read, ranges)
        roots = [code.entry + bias] + [start + bias for start, _, _ in code.functions]
        pcs.extend(sorted(found.run(roots, ranges)))
    if limit is not None and limit < len(pcs):
        step = len(pcs) / limit
        pcs = [pcs[int(i * step)] for i in range(limit)]
    return memory, pcs


class Stages:
    """The frontend's stages, run one at a time over every block of the set."""

    def __init__(self, memory):
        from dbt.frontends.riscv import lifter
        from dbt.opt import optimize
        self.lifter, self.optimize, self.fetch = lifter, optimize, memory.fetch

    def reset(self) -> None:
        reset = getattr(self.lifter, "reset_caches", None)
        if reset is not None:
            reset()
        else:                                  # (the lifter before it had reset_caches)
            self.lifter.DEFAULT._decoded.clear()

    def decode(self, pcs: list[int]) -> list:
        decode_block, fetch = getattr(self.lifter, "decode_block", None), self.fetch
        if decode_block is None:
            return self._decode_interleaved(pcs)
        return [decode_block(fetch, pc) for pc in pcs]

    def lift(self, decoded: list) -> list:
        lift_decoded, fetch = getattr(self.lifter, "lift_decoded", None), self.fetch
        if lift_decoded is None:
            return self._lift_interleaved(decoded)
        return [lift_decoded(fetch, d) for d in decoded]

    # The lifter before decode_block/lift_decoded decoded each instruction as it lifted it:
    # its decode stage is timed on the instructions of each block (found by lifting it once,
    # untimed), its lift stage is lift_block's time less that.
    def _decode_interleaved(self, pcs: list[int]) -> list:
        fetch_insn, fetch, lift_block = self.lifter.fetch_insn, self.fetch, self.lifter.lift_block
        insn_pcs = [lift_block(fetch, pc).insn_pcs() for pc in pcs]
        self.reset()
        start = time.process_time()
        for block in insn_pcs:
            for pc in block:
                fetch_insn(fetch, pc)
        self.decode_seconds = time.process_time() - start
        self.reset()
        return pcs

    def _lift_interleaved(self, pcs: list[int]) -> list:
        lift_block, fetch = self.lifter.lift_block, self.fetch
        return [lift_block(fetch, pc) for pc in pcs]

    def passes(self, blocks: list) -> list:
        optimize = self.optimize
        return [optimize(b) for b in blocks]


def gc_as_in_a_run() -> None:
    """The cyclic collector as `dbt-vm run` sets it for the guest's run (cli._tune_gc): what
    exists now frozen, its thresholds. Lifting makes many objects that live on, so the
    collections it causes are part of its cost."""
    from dbt import cli
    gc.collect()
    gc.freeze()
    gc.set_threshold(*cli._GC_THRESHOLDS)
    gc.enable()


class GcClock:
    """CPU seconds spent in the cyclic garbage collector (gc.callbacks)."""

    def __init__(self):
        self.seconds = 0.0
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds += time.process_time() - self._start


GC = GcClock()


def timed(fn, arg):
    """(CPU seconds, result) of fn(arg): CPU time, as the machine may be shared. The
    collector's share goes to GC_SHARE under the stage's name."""
    start, in_gc = time.process_time(), GC.seconds
    out = fn(arg)
    GC_SHARE[fn.__name__] = GC.seconds - in_gc
    return time.process_time() - start, out


GC_SHARE: dict[str, float] = {}


def measure(stages: Stages, pcs: list[int], repeat: int) -> tuple[dict, list]:
    """(seconds, of them in the collector) of each stage's best pass of `repeat`, and the
    optimized blocks."""
    best = {"decode": (float("inf"), 0.0), "lift": (float("inf"), 0.0),
            "passes": (float("inf"), 0.0)}
    blocks = []
    interleaved = not hasattr(stages.lifter, "decode_block")
    for _ in range(repeat):
        stages.reset()
        seconds, decoded = timed(stages.decode, pcs)
        if interleaved:
            seconds = stages.decode_seconds
        best["decode"] = min(best["decode"], (seconds, GC_SHARE["decode"]))
        seconds, lifted = timed(stages.lift, decoded)
        if interleaved:
            seconds -= stages.decode_seconds
        best["lift"] = min(best["lift"], (seconds, GC_SHARE["lift"]))
        seconds, blocks = timed(stages.passes, lifted)
        best["passes"] = min(best["passes"], (seconds, GC_SHARE["passes"]))
    return best, blocks


def report(best: dict, blocks: list, out=sys.stdout) -> None:
    insns = sum(b.ninsns for b in blocks)
    ops = sum(len(b.ops) for b in blocks)
    print(f"{len(blocks):,} blocks, {insns:,} guest instructions, {ops:,} IR ops after passes "
          f"({insns / len(blocks):.1f} insns/block)", file=out)
    print(f"{'stage':8} {'s':>8} {'us/insn':>9} {'us/block':>9} {'gc s':>7}", file=out)
    total = in_gc = 0.0
    for stage, (seconds, collector) in best.items():
        total += seconds
        in_gc += collector
        print(f"{stage:8} {seconds:8.3f} {seconds / insns * 1e6:9.2f} "
              f"{seconds / len(blocks) * 1e6:9.1f} {collector:7.3f}", file=out)
    print(f"{'total':8} {total:8.3f} {total / insns * 1e6:9.2f} "
          f"{total / len(blocks) * 1e6:9.1f} {in_gc:7.3f}", file=out)


def digest(blocks: list) -> str:
    """A hash of the blocks' printed IR: equal before and after a change that must not
    change what is lifted."""
    h = hashlib.sha256()
    for block in blocks:
        h.update(repr(block).encode())
    return h.hexdigest()[:16]


def profile(stages: Stages, pcs: list[int], stage: str) -> None:
    stages.reset()
    data = {"decode": pcs}
    if stage != "decode":
        data["lift"] = stages.decode(pcs)
    if stage == "passes":
        data["passes"] = stages.lift(data["lift"])
        stages.reset()
    elif stage == "lift":
        stages.reset()
        data["lift"] = stages.decode(pcs)   # (decoded again: the memo is as in a run)
    gc.disable()                        # (its cost lands on whatever allocates)
    prof = cProfile.Profile()
    prof.runcall(getattr(stages, stage), data[stage])
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", help=f"ELF files under --root (default: "
                        f"{' '.join(DEFAULT_FILES)})")
    parser.add_argument("--root", default=ROOT, help="the riscv64 sysroot (%(default)s)")
    parser.add_argument("--limit", type=int, help="at most this many blocks, evenly spread")
    parser.add_argument("--repeat", type=int, default=3, help="passes (default %(default)s)")
    parser.add_argument("--profile", choices=("decode", "lift", "passes"),
                        help="cProfile one pass of this stage instead of timing")
    parser.add_argument("--check", action="store_true", help="print a digest of the IR")
    args = parser.parse_args(argv)
    paths = [os.path.join(args.root, f) for f in (args.files or DEFAULT_FILES)]
    start = time.perf_counter()
    memory, pcs = corpus(paths, args.limit)
    print(f"corpus: {', '.join(os.path.basename(p) for p in paths)}: {len(pcs):,} blocks "
          f"found in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    gc_as_in_a_run()
    stages = Stages(memory)
    if args.profile:
        profile(stages, pcs, args.profile)
        return 0
    best, blocks = measure(stages, pcs, args.repeat)
    report(best, blocks)
    if args.check:
        print(f"IR digest {digest(blocks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
