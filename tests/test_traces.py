"""Dynamo-style traces (`--hot traces`): trace selection on hand-built control-flow graphs
(dbt.region.record_trace), and whole programs in which traces form, link and side-exit.

The hand-built graphs are lists of blocks whose exits name their successors; a test gives
the path the guest takes (what `step` reports, as the engine's interpreter would) and checks
where recording stops and why, by the rules record_trace's docstring states.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from dbt.frontends.riscv.layout import LAYOUT
from dbt.ir.builder import IRBuilder
from dbt.ir.types import I64
from dbt.region import record_trace
from test_dynamic import A0, A1, A7, RA, S0, ZERO, Asm, run_case_with_qemus_output, write_elf


def block(pc: int, exit: str, n: int = 2, **attrs):
    """A block of `n` 4-byte instructions at `pc` ending in `exit` (jump: target=;
    branch: taken=, fallthrough=; jump_ind: to a register's value; exit: a syscall)."""
    b = IRBuilder(pc, LAYOUT)
    for i in range(n):
        b.insn(pc + 4 * i, 4)
    if exit == "jump":
        b.emit("jump", target=attrs["target"])
    elif exit == "branch":
        cond = b.emit("ne", b.get("x10"), b.const(0, I64))
        b.emit("branch", cond, taken=attrs["taken"], fallthrough=attrs["fallthrough"])
    elif exit == "jump_ind":
        b.emit("jump_ind", b.get("x1"))
    else:
        b.emit("exit", reason="syscall", next_pc=pc + 4 * n)
    return b.finish()


def stepper(cfg: dict, path: list[int], reasons: dict | None = None):
    """`step` for record_trace: the guest runs the blocks of `path` in order (each step
    reports the next pc of the path), and the blocks it ran."""
    ran = []
    reasons = reasons or {}

    def step(pc: int):
        assert pc == path[len(ran)], (hex(pc), [hex(p) for p in path])
        ran.append(pc)
        return reasons.get(pc, "jump"), path[len(ran)], cfg[pc]
    return step, ran


def graph(*blocks) -> dict:
    return {b.pc: b for b in blocks}


def pcs(trace) -> list[int]:
    return [b.pc for b in trace.blocks]


def never(pc: int) -> bool:
    return False


def test_a_loop_closes_at_its_head():
    cfg = graph(block(0x100, "jump", target=0x108), block(0x108, "branch", taken=0x100,
                                                               fallthrough=0x110))
    step, ran = stepper(cfg, [0x100, 0x108, 0x100, 0x108])
    trace = record_trace(0x100, step, never)
    assert pcs(trace) == [0x100, 0x108] and trace.closed and trace.next_pc == 0x100
    assert trace.reason == "jump" and ran == [0x100, 0x108]   # (the guest is at 0x100 now)


def test_a_nested_loop_ends_the_outer_trace_at_the_inner_back_edge():
    # outer: 0x100 -> inner 0x200 (loops on itself) -> 0x300 -> back to 0x100
    cfg = graph(block(0x100, "jump", target=0x200),
                block(0x200, "branch", taken=0x200, fallthrough=0x300),
                block(0x300, "branch", taken=0x100, fallthrough=0x400))
    step, _ = stepper(cfg, [0x100, 0x200, 0x200, 0x200, 0x300, 0x100])
    trace = record_trace(0x100, step, never)
    assert pcs(trace) == [0x100, 0x200] and not trace.closed and trace.next_pc == 0x200
    # the inner loop's own trace, recorded from its head, is a closed loop of one block
    step, _ = stepper(cfg, [0x200, 0x200, 0x300])
    inner = record_trace(0x200, step, never)
    assert pcs(inner) == [0x200] and inner.closed


def test_a_call_inside_a_loop_is_followed_into_the_callee_and_back():
    # 0x100 calls 0x800 (a forward jump), which returns (an indirect jump) to 0x104, whose
    # backward branch closes the loop: one trace across the call and the return
    cfg = graph(block(0x100, "jump", n=1, target=0x800), block(0x800, "jump_ind", n=3),
                block(0x104, "branch", taken=0x100, fallthrough=0x10c))
    step, _ = stepper(cfg, [0x100, 0x800, 0x104, 0x100])
    trace = record_trace(0x100, step, never)
    assert pcs(trace) == [0x100, 0x800, 0x104] and trace.closed


def test_an_indirect_jump_backwards_does_not_end_the_trace():
    # a return to a lower address is not a loop's back edge: the trace goes on
    cfg = graph(block(0x900, "jump_ind"), block(0x200, "jump", target=0x208),
                block(0x208, "branch", taken=0x900, fallthrough=0x210))
    step, _ = stepper(cfg, [0x900, 0x200, 0x208, 0x900])
    trace = record_trace(0x900, step, never)
    assert pcs(trace) == [0x900, 0x200, 0x208] and trace.closed


def test_an_early_exit_to_the_runtime_ends_the_trace():
    cfg = graph(block(0x100, "jump", target=0x108), block(0x108, "exit"),
                block(0x110, "jump", target=0x100))
    step, _ = stepper(cfg, [0x100, 0x108, 0x110], reasons={0x108: "syscall"})
    trace = record_trace(0x100, step, never)
    assert pcs(trace) == [0x100, 0x108] and trace.reason == "syscall"
    assert trace.next_pc == 0x110 and not trace.closed


def test_hot_code_and_the_limits_end_a_trace():
    chain = [block(0x100 + 0x10 * i, "jump", target=0x110 + 0x10 * i) for i in range(10)]
    path = [b.pc for b in chain] + [0x1a0]
    step, _ = stepper(graph(*chain), path)
    trace = record_trace(0x100, step, lambda pc: pc == 0x140)      # a trace starts there
    assert pcs(trace) == [0x100, 0x110, 0x120, 0x130] and trace.next_pc == 0x140
    step, _ = stepper(graph(*chain), path)
    assert pcs(record_trace(0x100, step, never, limit=3)) == [0x100, 0x110, 0x120]
    step, _ = stepper(graph(*chain), path)           # 2 instructions a block: 7 reach 13
    assert len(record_trace(0x100, step, never, budget=13).blocks) == 7


# ------------------------------------------------------------------------ whole programs
ITERATIONS = 50_000


def test_traces_form_link_and_side_exit_with_exact_state(tmp_path):
    """A loop that calls a function and, every 8th iteration, takes a path of its own that
    changes a register the loop's result depends on: traces form at hot pcs (the loop, the
    side path), run, leave at their guards, and the result is exact.

    s0 counts down from ITERATIONS; the callee adds 3 to a0; when s0 % 8 == 0 the side path
    adds 1000 to a1. Result: a0 = 3 * ITERATIONS, a1 = 1000 * (ITERATIONS // 8); the exit
    status is (a0 + a1) & 0x7f."""
    from dbt.runtime import Machine

    a = Asm()
    a.li(S0, ITERATIONS)
    a.label("loop")
    a("jal", rd=RA, imm="add3")
    a("andi", rd=A7, rs1=S0, imm=7)
    a("beq", rs1=A7, rs2=ZERO, imm="side")
    a.label("back")
    a("addi", rd=S0, rs1=S0, imm=-1)
    a("bne", rs1=S0, rs2=ZERO, imm="loop")
    a("add", rd=A0, rs1=A0, rs2=A1)
    a("andi", rd=A0, rs1=A0, imm=0x7F)
    a.li(A7, 93)
    a("ecall")
    a.label("side")
    a("addi", rd=A1, rs1=A1, imm=1000)
    a("jal", rd=ZERO, imm="back")
    a.label("add3")
    a("addi", rd=A0, rs1=A0, imm=3)
    a("jalr", rd=ZERO, rs1=RA, imm=0)
    program = write_elf(tmp_path / "traced", a.assemble())
    machine = Machine(str(program), [str(program)], {}, mode="auto", hot="traces",
                      hot_threshold=2000, tier_up=5)
    result = machine.run()
    expected = (3 * ITERATIONS + 1000 * (ITERATIONS // 8)) & 0x7F
    assert (result.status, result.signal) == (expected, 0)
    engine = machine.engine
    traces = [r for r in engine.store.regions.values() if r.name.startswith("t")]
    assert engine.stats.traces == len(traces) >= 1
    assert engine.stats.traces_closed >= 1
    loop_trace = [t for t in traces if a.labels["loop"] in {b.pc for b in t.blocks}]
    assert loop_trace and a.labels["add3"] in {b.pc for b in loop_trace[0].blocks}
    entries, exits = engine.trace_tallies()
    assert exits > 0 and entries >= exits           # side exits happened (every 8th run)


@pytest.mark.oracle
@pytest.mark.parametrize("case_name", ["strings_sort", "int_ops", "printf_float",
                                       "funcptr_switch"])
def test_whole_programs_with_traces_give_qemus_output(case_name, tmp_path):
    """Test programs with a low hot threshold, so that their loops get traces: the output
    is qemu's (recorded), and traces formed."""
    figures = run_case_with_qemus_output(case_name, tmp_path, "--mode", "auto", "--hot",
                                         "traces", "--hot-threshold", "500", "--tier-up", "5",
                                         "--speculate", "sync")
    assert figures["traces formed"] > 0, figures
    assert figures["trace entries"] >= figures["trace exits"] > 0, figures


def test_the_hot_option_is_checked():
    result = subprocess.run([sys.executable, "-m", "dbt", "run", "--hot", "blocks", "x"],
                            capture_output=True, timeout=60)
    assert result.returncode == 2 and b"--hot: invalid choice: 'blocks'" in result.stderr
