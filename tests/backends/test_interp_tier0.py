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


# -- translations reused for the same bytes elsewhere (engine._REUSABLE) -------------------------
# A block of RISC-V code (encodings from the RV64I base formats, U-type and I-type):
#   +0  auipc a0, 0        a0 = pc                   0x00000517
#   +4  auipc a3, 1        a3 = its pc + 0x1000 = pc + 0x1004      0x00001697
#   +8  ld    a1, 0(a3)    a1 = the dword at pc + 0x1004 (the IR passes fold the address to a
#                          constant code address, pc_addr)   0x0006b583
#   +12 ecall                                        0x00000073
CODE = b"".join(w.to_bytes(4, "little") for w in (0x00000517, 0x00001697, 0x0006B583, 0x73))


def reuse_setup():
    """A RISC-V engine (the real lifter and passes, lifting for "riscv64") and its memory
    with CODE at offset 0x10 of the pages at 0x10000, 0x30000 and 0x50000: the page after
    each of the first two is mapped and holds a different dword at offset 0x14 (where the
    ld reads), the one after the third is not mapped."""
    from dbt.arch import EM_RISCV, arch_for_machine
    from dbt.memory import PROT_EXEC, PROT_READ
    from dbt.opt import optimize

    arch = arch_for_machine(EM_RISCV)
    memory = GuestMemory(window_bits=24)
    for page, data in ((0x10000, 111), (0x30000, 333), (0x50000, None)):
        memory.map_anonymous(page, 0x1000, PROT_READ | PROT_EXEC)
        memory.write(page + 0x10, CODE, force=True)
        if data is not None:
            memory.map_anonymous(page + 0x1000, 0x1000, PROT_READ)
            memory.write(page + 0x1014, data.to_bytes(8, "little"), force=True)

    def lift(pc):
        return optimize(arch.lift(memory.fetch, pc))
    lift.identity = object()             # (this engine's own: no earlier test's translations)
    return InterpEngine(GuestState(arch.layout), memory, lift)


def test_the_same_bytes_at_another_page_run_the_same_translation_moved():
    from dbt.memory import GuestFault

    interp = reuse_setup()
    R = interp.state
    assert interp.run(0x10010) == ("syscall", 0x10020)
    assert (R["x10"], R["x11"], interp.blocks_reused) == (0x10010, 111, 0)
    # the same bytes at the same page offset: reused, every code address moved by 0x20000
    assert interp.run(0x30010) == ("syscall", 0x30020)
    assert (R["x10"], R["x11"], interp.blocks_reused) == (0x30010, 333, 1)
    # and a fault is reported at the moved pc and address: the ld at +8 reads 0x51014
    try:
        interp.run(0x50010)
        raise AssertionError("the load from the unmapped page did not fault")
    except GuestFault as fault:
        assert (fault.pc, fault.addr) == (0x50018, 0x51014)
    assert R["x10"] == 0x50010 and interp.blocks_reused == 2
    assert interp.block_at(0x50010).pc == 0x50010      # its IR, lifted where it runs


def test_other_bytes_or_another_page_offset_are_translated_anew():
    interp = reuse_setup()
    interp.memory.write(0x30010 + 12, (0x13).to_bytes(4, "little"), force=True)  # ecall -> nop
    interp.memory.write(0x30010 + 16, (0x73).to_bytes(4, "little"), force=True)  # then ecall
    assert interp.run(0x10010) == ("syscall", 0x10020)
    assert interp.run(0x30010) == ("syscall", 0x30024)      # a block of 5 instructions
    assert interp.blocks_reused == 0
    # the same bytes at another offset in a page are another block
    interp.memory.write(0x10100, CODE, force=True)
    assert interp.run(0x10100) == ("syscall", 0x10110)
    assert interp.blocks_reused == 0 and interp.state["x10"] == 0x10100


def test_translations_packed_for_disk_serve_another_process(monkeypatch):
    """What `pack` writes (at a run's end, into the persistent cache) and `unpack` reads back
    (in another process: here the engine's tables emptied) runs as the translation it was,
    moved to where the same bytes are, its fault located through the linemap read back."""
    from dbt.backends.interp import engine as E
    from dbt.memory import GuestFault

    monkeypatch.setattr(E, "_REUSABLE", {})
    monkeypatch.setattr(E, "_NEW", [])
    interp = reuse_setup()
    assert interp.run(0x10010) == ("syscall", 0x10020)
    made = E.take_new()
    assert [t.pc for t in made] == [0x10010] and E.take_new() == []
    data = E.pack(made)
    # another process: nothing made yet; what it reads from disk is reused at first sight
    monkeypatch.setattr(E, "_REUSABLE", {})
    other = reuse_setup()
    read = E.unpack(data)
    assert E.absorb(other.identity, read) == 1 and E.absorb(other.identity, read) == 0
    assert other.run(0x30010) == ("syscall", 0x30020)
    R = other.state
    assert (R["x10"], R["x11"], other.blocks_reused, other.blocks_stored) == (0x30010, 333, 1, 1)
    try:
        other.run(0x50010)
        raise AssertionError("the load from the unmapped page did not fault")
    except GuestFault as fault:
        assert (fault.pc, fault.addr) == (0x50018, 0x51014)
    assert E.take_new() == []                   # (nothing of its own to keep)


def test_unpack_takes_only_whole_chunks_of_its_own_format(monkeypatch):
    from dbt.backends.interp import engine as E

    monkeypatch.setattr(E, "_NEW", [])
    interp = reuse_setup()
    interp.run(0x10010)
    made, = E.take_new()
    one = E.pack([made])
    two = E.pack([made], one)                   # a chunk added to what was there
    assert len(E.unpack(one)) == 1 and len(E.unpack(two)) == 2
    assert len(E.unpack(two[:-3])) == 1         # (a cut chunk is left out)
    assert E.unpack(b"\x00" + one[1:]) == [] and E.unpack(b"") == []
    assert E.pack([made], b"not ours") == one   # what is not ours is replaced
