"""`--stats`: where a run's time went, and how fast the guest ran."""

from __future__ import annotations


def collect(machine) -> dict:
    engine, kernel, stats = machine.engine, machine.kernel, machine.stats
    lift = engine.lift_seconds
    syscalls = kernel.stats.seconds
    execute = max(stats.total_seconds - lift - syscalls, 0.0)
    return {
        "mode": machine.mode,
        "guest instructions": engine.icount,
        "blocks decoded": engine.blocks_lifted,
        "MIPS": engine.icount / execute / 1e6 if execute else 0.0,
        "load s": stats.load_seconds,
        "decode+lift s": lift,
        "execute s": execute,
        "syscalls s": syscalls,
        "syscalls": kernel.stats.calls,
        **_dynamic(engine),
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


def print_stats(machine, stream) -> None:
    from rich.console import Console
    from rich.table import Table

    data = collect(machine)
    table = Table(title=f"dbt-vm --stats (mode {data.pop('mode')})", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, value in data.items():
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
