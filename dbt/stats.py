"""`--stats`: where a run's time went, and how fast the guest ran.

The first figures are the four costs binary translation is measured by, then the syscall
layer: they add up to the run's time (from loading the program to its end; Python's own
start-up and dbt-vm's imports come before):

- loading: the ELF files mapped, the initial stack, the runtime's code and the images of the
  persistent cache read, checked and placed (disk access included);
- guest memory: what can be told apart of the cost of guest memory, the memory-management
  syscalls (mmap, munmap, mprotect, brk, mremap, madvise); the check of each guest access
  is inline in generated code (or in the interpreter's) and is part of execution;
- translation: decoding, lifting, IR passes, lowering, LLVM, linking and placing code (in
  the static mode also what was translated before the run, if it was translated then); the
  first three are also given apart, per guest instruction lifted;
- execution: running guest code (native or interpreted), and the dispatcher;
- syscalls: the syscall layer, but the memory-management syscalls.
"""

from __future__ import annotations


def collect(machine) -> dict:
    engine, kernel, stats = machine.engine, machine.kernel, machine.stats
    lift = engine.lift_seconds
    cache = getattr(engine, "cache_summary", None) or {}
    cache_load = cache.get("load s", 0.0)
    memory = kernel.stats.memory_seconds
    syscalls = kernel.stats.seconds - memory
    execute = max(stats.total_seconds - lift - kernel.stats.seconds - cache_load, 0.0)
    blocks, insns = engine.blocks_lifted, engine.insns_lifted
    translation = lift + stats.translate_seconds
    out = {
        "mode": machine.mode,
        "loading s": stats.load_seconds + cache_load,
        "guest memory s": memory,
        "translation s": translation,
        "execution s": execute,
        "syscall layer s": syscalls,
        "guest instructions": engine.icount,
        "blocks decoded": blocks,
        "MIPS": engine.icount / execute / 1e6 if execute else 0.0,
        "translation us per block": lift / blocks * 1e6 if blocks else 0.0,
        "translation us per guest insn": lift / insns * 1e6 if insns else 0.0,
        "load s": stats.load_seconds,
        "decode+lift s": lift,
        "execute s": execute,
        "syscalls s": kernel.stats.seconds,
        "syscalls": kernel.stats.calls,
        **_frontend(stats),
        **_dynamic(engine),
    }
    if "tier 0 execution s" in out:     # (the auto mode: the rest is native code, and the
        out["execution outside tier 0 s"] = max(    # dispatch between the tiers)
            execute - out["tier 0 execution s"], 0.0)
    return out


def _frontend(stats) -> dict:
    """The start of every translation, in every mode: decoding guest instructions, lifting
    them to IR and the IR passes (blocks lifted in this process; part of translation s), and
    the one-time cost of making the frontend ready (imports, building its decode tables)."""
    insns = stats.lifted_insns

    def per_insn(seconds: float) -> float:
        return seconds / insns * 1e6 if insns else 0.0
    return {
        "frontend set-up s": stats.setup_seconds,
        "blocks lifted": stats.lifted_blocks,
        "guest insns lifted": insns,
        "decode s": stats.decode_seconds,
        "decode us per guest insn": per_insn(stats.decode_seconds),
        "lift s": stats.lift_seconds,
        "lift us per guest insn": per_insn(stats.lift_seconds),
        "IR passes s": stats.pass_seconds,
        "IR passes us per guest insn": per_insn(stats.pass_seconds),
    }


def _dynamic(engine) -> dict:
    """Translation figures of the dynamic mode."""
    stats = getattr(engine, "stats", None)
    if stats is None:
        return {}
    insns = stats.insns_translated
    out = {
        "regions compiled": stats.regions,
        "regions recompiled hot": stats.hot_regions,
        "blocks translated": stats.blocks_translated,
        "guest insns translated": insns,
        "compile s": stats.compile_seconds,
        "compile us per guest insn": stats.compile_seconds / insns * 1e6 if insns else 0.0,
        "code cache bytes": engine.code_bytes,
        "code cache flushes": stats.flushes,
        "blocks interpreted": stats.interp_blocks,
        "regions translated ahead": stats.speculated,
        "... of them adopted": stats.speculated_used,
        "hot regions compiled by the helper": stats.hot_ahead,
    }
    for reason, count in sorted(stats.exits.items()):
        out[f"exits to Python: {reason}"] = count
    if engine.tier_up is not None:
        out.update(_tiers(engine, stats))
    if engine.traces:
        entries, exits = engine.trace_tallies()
        n = stats.traces
        out.update({
            "traces formed": n,
            "... closed loops": stats.traces_closed,
            "blocks per trace": stats.trace_blocks / n if n else 0.0,
            "guest insns per trace": stats.trace_insns / n if n else 0.0,
            "trace recording s": stats.record_seconds,
            "trace entries": entries,
            "trace exits": exits,
        })
    cache = getattr(engine, "cache_summary", None)
    if cache:
        out.update({
            "guest files run": cache["units"],
            "... with translations in the cache": cache["images"],
            "regions loaded from the cache": cache["regions loaded"],
            "regions added to the cache": cache["regions saved"],
            "cache entries found damaged": cache["entries damaged"],
            "cache load s": cache["load s"],
            "cache save s": cache["save s"],
        })
    if "static blocks run" in (cache or {}):
        ran = cache["static blocks run"] + cache["other blocks run"]
        out.update({
            "static coverage %": 100.0 * cache["static blocks run"] / ran if ran else 0.0,
            "blocks run in static code": cache["static blocks run"],
            "blocks run in code static discovery missed": cache["other blocks run"],
            "regions translated as fallback": cache["fallback regions"],
        })
    return out


def _tiers(engine, stats) -> dict:
    """The auto mode's tiers: what each translated, ran and cost (tier 0 is the
    interpreter; tier 1 and hot are LLVM code)."""
    interp = engine._interp
    lifted = 0.0 if interp is None else interp.lift_seconds
    blocks = 0 if interp is None else interp.blocks_lifted
    insns = 0 if interp is None else interp.insns_lifted
    return {
        "tier 0 threshold (runs)": engine.tier_up,
        "tier 0 blocks translated": blocks,
        "... of them reused from the same bytes elsewhere": 0 if interp is None
        else interp.blocks_reused,
        "... of those made by earlier processes": 0 if interp is None
        else interp.blocks_stored,
        "tier 0 translation s": lifted,
        "tier 0 translation us per block": lifted / blocks * 1e6 if blocks else 0.0,
        "tier 0 translation us per guest insn": lifted / insns * 1e6 if insns else 0.0,
        "tier 0 block runs": sum(engine.runs.values()),
        "tier 0 execution s": max(stats.tier0_seconds - lifted - stats.warm_seconds, 0.0),
        "tier 1 warm blocks sent to the helper": stats.warm_requests,
        "tier 1 regions": stats.regions + stats.speculated_used,
        "tier 1 blocks": stats.blocks_translated,
        "tier 1 compile s (here)": stats.compile_seconds,
        "hot regions": stats.hot_regions,
    }


# Figures --stats-json has for benchmark runners that the table leaves out: they repeat the
# four costs under their older names (load s = loading without the cache's images; syscalls s
# = the syscall layer with guest memory).
_JSON_ONLY = frozenset({"load s", "decode+lift s", "execute s", "syscalls s"})
# The first key of each group of the table (a line goes before it).
_GROUPS = frozenset({"guest instructions", "frontend set-up s", "regions compiled",
                     "guest files run", "static coverage %", "tier 0 threshold (runs)",
                     "traces formed"})


def print_stats(machine, stream) -> None:
    from rich.console import Console
    from rich.table import Table

    data = collect(machine)
    cpu = machine.stats.cpu_model
    isa = machine.arch.name + (f", -cpu {cpu} accepted" if cpu else "")
    table = Table(title=f"dbt-vm --stats (mode {data.pop('mode')}, {isa})", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, value in data.items():
        if key in _JSON_ONLY:
            continue
        if key in _GROUPS:
            table.add_section()
        if isinstance(value, float):
            text = f"{value:.2f}" if key == "MIPS" else f"{value:.3f}"
        else:
            text = f"{value:,}"
        table.add_row(key, text)
    Console(file=stream, width=60).print(table)


def write_json(machine, path: str) -> None:
    import json
    with open(path, "w") as f:
        json.dump(collect(machine), f, indent=1)
