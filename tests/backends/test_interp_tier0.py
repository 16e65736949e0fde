"""The interpreter as the auto mode's tier 0 (InterpEngine.run_counted): where it stops to
let the JIT look at a block, on a hand-built loop whose blocks count down x10."""

from __future__ import annotations

from dbt.backends.interp.engine import InterpEngine
from dbt.frontends.riscv.layout import LAYOUT
from dbt.ir.builder import IRBuilder
from dbt.ir.types import I64
from dbt.memory import GuestMemory
from dbt.state import GuestState

HEAD, BODY, DONE = 0x1000, 0x1008, 0x1010


def loop_blocks() -> dict:
    """HEAD: x10 -= 1, then BODY; BODY: back to HEAD while x10 != 0, else DONE; DONE: a
    syscall exit (ends the run)."""
    head = IRBuilder(HEAD, LAYOUT)
    head.insn(HEAD, 4)
    head.set(head.emit("sub", head.get("x10"), head.const(1, I64)), field="x10")
    head.insn(HEAD + 4, 4)
    head.emit("jump", target=BODY)
    body = IRBuilder(BODY, LAYOUT)
    body.insn(BODY, 4)
    cond = body.emit("ne", body.get("x10"), body.const(0, I64))
    body.emit("branch", cond, taken=HEAD, fallthrough=DONE)
    done = IRBuilder(DONE, LAYOUT)
    done.insn(DONE, 4)
    done.emit("exit", reason="syscall", next_pc=DONE + 4)
    return {b.pc: b for b in (head.finish(), body.finish(), done.finish())}


def engine(count: int) -> InterpEngine:
    blocks = loop_blocks()
    state = GuestState(LAYOUT)
    state["x10"] = count
    return InterpEngine(state, GuestMemory(window_bits=24), blocks.__getitem__)


def never(pc: int) -> bool:
    return False


def test_stops_at_the_limit_then_every_nth_run():
    interp, runs = engine(100), {}
    # HEAD runs 10 times, then the run stops before its 11th run
    assert interp.run_counted(HEAD, runs, 10, never, every=4) == ("jump", HEAD)
    assert runs == {HEAD: 10, BODY: 10} and interp.state["x10"] == 90
    # forced on at HEAD: BODY ran 10 times too, so the run stops before it
    assert interp.run_counted(HEAD, runs, 10, never, force=True, every=4) == ("jump", BODY)
    assert runs == {HEAD: 11, BODY: 10}
    # past the limit, a block stops the run only before a run whose count is a multiple of 4:
    # BODY (forced) -> 11, HEAD at 11 goes on -> 12, BODY at 11 goes on -> 12, HEAD at 12 stops
    assert interp.run_counted(BODY, runs, 10, never, force=True, every=4) == ("jump", HEAD)
    assert runs == {HEAD: 12, BODY: 12} and interp.state["x10"] == 88
    # every=1 (the default): before each run once the limit is reached
    assert interp.run_counted(HEAD, runs, 10, never, force=True) == ("jump", BODY)
    assert runs == {HEAD: 13, BODY: 12} and interp.state["x10"] == 87
    assert interp.icount == 13 * 2 + 12 * 1          # HEAD has two instructions, BODY one


def test_stops_where_native_code_is_and_at_exits():
    interp, runs = engine(3), {}
    assert interp.run_counted(HEAD, runs, 50, lambda pc: pc == BODY) == ("jump", BODY)
    assert runs == {HEAD: 1}
    # without native code the loop runs out and the exit block leaves to the runtime
    assert interp.run_counted(BODY, runs, 50, never) == ("syscall", DONE + 4)
    assert runs == {HEAD: 3, BODY: 3, DONE: 1} and interp.state["x10"] == 0
