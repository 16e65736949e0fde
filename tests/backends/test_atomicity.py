"""The IR's atomic ops are atomic in both backends: two host threads run the same translated
code at once on one shared guest word, each adding 1 to it N times; the word must end at 2N.

The code under test is a loop whose every iteration adds 1 by one of:
- `atomic_rmw` add (RISC-V's AMOs, Arm's LSE atomics);
- a load, an add and a `cmpxchg`, retried until the cmpxchg succeeds (the shape RISC-V's
  LR/SC and Arm's LDXR/STXR loops take: store-conditional is a cmpxchg);
- for contrast, a plain load, add and store, which is not atomic: native threads lose
  updates with it, which shows that this setup can see a lost update at all.

Before the loop, each thread adds 1 to a gate word (atomically) and spins until the gate reads
2, so both threads enter their loops together, whatever the delay between their starts. A run
proves nothing if the threads did not overlap; each run therefore also counts what only
overlap produces: the cmpxchg failures of the retry loop, and for atomic_rmw the iterations
whose old value is not what the same thread wrote last. A run with no overlap is repeated with
a larger N (bounded); a test whose threads never overlapped is skipped with that reason.

LLVM: the region of the gate, spin and loop blocks is called through ctypes, which releases
the GIL, so both threads run natively in parallel; each passes a GuestState array of its own
and the same guest memory; the region is called directly, not through the dispatcher (whose
jump buffer and current state are still process-wide), with tier 1 (-O0, state in place) and
hot (-O2, state promoted) code. Interpreter: each thread runs the blocks as tier 0 compiles
them, with its own state, from its own namespace over the same memory; Python switches threads
between bytecodes (the switch interval is shortened to switch often), so only the helpers'
host compare-and-swap (libatomic) makes them atomic -- and, without libatomic, their lock.
(A plain load/add/store does not lose updates in the interpreter under CPython's GIL: its
generated code has no call between the load and the store, where a thread switch could come.)

Last, the real frontends' code: RISC-V `amoadd.d` and an `lr.d/addi/sc.d/bnez` loop, AArch64
`ldadd` and an `ldxr/add/stxr/cbnz` loop, lifted, optimized and run the same way.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from functools import lru_cache

import pytest

from dbt.backends.interp import helpers
from dbt.backends.interp.codegen import compile_block
from dbt.backends.interp.helpers import make_namespace
from dbt.frontends.aarch64.layout import LAYOUT as A64_LAYOUT
from dbt.ir.builder import IRBuilder
from dbt.ir.types import I1, I64
from dbt.memory import PROT_EXEC, PROT_READ, PROT_WRITE, GuestMemory
from dbt.state import GuestState

WINDOW_BITS = 24
WORD, GATE = 0x100, 0x140          # the counter and the start gate (cache lines of their own)
CODE = 0x1000                      # where the hand-built blocks and the guest code are
KINDS = ("atomic_rmw", "cmpxchg")
OPTS = [0, 2]
NATIVE_NS = (200_000, 1_000_000, 4_000_000)     # N per thread, tried in turn
PLAIN_NS = (200_000, 1_000_000) + (4_000_000,) * 8
INTERP_NS = (4_000, 16_000)
SWITCH_INTERVAL = 1e-5             # seconds between Python thread switches (default 5e-3)


# -- hand-built blocks (on Arm's state layout; any layout would do) -------------------------------
def gate_blocks() -> list:
    """CODE: atomically M[x3] += 1; CODE+4: spin while M[x3] <u 2; then go on at CODE+8."""
    b = IRBuilder(CODE, A64_LAYOUT)
    b.insn(CODE, 4)
    b.atomic_rmw(b.get("x3"), b.const(1, I64), kind="add", align=True)
    b.jump(target=CODE + 4)
    spin = IRBuilder(CODE + 4, A64_LAYOUT)
    spin.insn(CODE + 4, 4)
    entered = spin.load(spin.get("x3"), type=I64)
    spin.branch(spin.lt_u(entered, 2), taken=CODE + 4, fallthrough=CODE + 8)
    return [b.finish(), spin.finish()]


def loop_block(kind: str):
    """CODE+8: M[x1] += 1 by `kind`, x2 -= 1 when it took, loop while x2 != 0, then CODE+12.
    x5 counts what only another thread's updates produce (see the module docstring); x4 is
    the value this thread wrote last."""
    b = IRBuilder(CODE + 8, A64_LAYOUT)
    b.insn(CODE + 8, 4)
    addr = b.get("x1")
    if kind == "atomic_rmw":
        old = b.atomic_rmw(addr, b.const(1, I64), kind="add", align=True)
        foreign = b.ne(old, b.get("x4"))
        b.set(b.add(old, 1), field="x4")
        took = b.const(1, I64)
    elif kind == "cmpxchg":
        old = b.load(addr, type=I64)
        seen = b.cmpxchg(addr, old, b.add(old, 1), b.const(1, I1), align=True)
        ok = b.eq(seen, old)
        foreign = b.xor(ok, 1)
        took = b.zext(ok, type=I64)
    else:                                   # "plain": not atomic
        b.store(addr, b.add(b.load(addr, type=I64), 1))
        foreign = b.const(0, I1)
        took = b.const(1, I64)
    b.set(b.add(b.get("x5"), b.zext(foreign, type=I64)), field="x5")
    left = b.sub(b.get("x2"), took)
    b.set(left, field="x2")
    b.branch(b.ne(left, 0), taken=CODE + 8, fallthrough=CODE + 12)
    return b.finish()


def hand_blocks(kind: str) -> list:
    return [*gate_blocks(), loop_block(kind)]


# -- running two threads -----------------------------------------------------------------------
def new_memory() -> GuestMemory:
    memory = GuestMemory(window_bits=WINDOW_BITS)
    memory.map_anonymous(0, 0x1000, PROT_READ | PROT_WRITE)
    memory.map_anonymous(CODE, 0x1000, PROT_READ | PROT_EXEC)
    return memory


_FN = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64)
_JITS = []                                      # (keeps the compiled code alive)


def native_region(blocks: list, opt: int):
    """The blocks as one region function, tier 1 (opt 0) or hot (opt 2)."""
    from dbt.backends.llvm.compiler import LLVMJit
    from dbt.backends.llvm.lower import DECLARATIONS, lower_region
    text = lower_region("atomicity", blocks, WINDOW_BITS, promote=opt > 0)
    jit = LLVMJit(opt_level=opt, size=1 << 20)
    module = f'target triple = "{jit.triple}"\n{text}\n{DECLARATIONS}'
    address = jit.compile(module, ["atomicity"], hot=opt > 0)["atomicity"]
    _JITS.append(jit)
    return _FN(address)


def thread_native(fn, memory: GuestMemory, layout, regs: dict, entry: int, end: int) -> dict:
    """In this thread: the region at `entry` with a state of its own (`regs`), until it
    returns `end`; the final state as a dict."""
    state = (ctypes.c_uint64 * layout.nslots)()
    for field, value in regs.items():
        state[layout.slot(field)] = value
    got = fn(ctypes.addressof(state), memory.base, entry)
    assert got == end, f"the region left at {got:#x}, not {end:#x}"
    return {field: state[layout.slot(field)] for field in layout.fields}


def thread_interp(blocks: list, memory: GuestMemory, layout, regs: dict, entry: int,
                  end: int) -> dict:
    """As thread_native, with the blocks run by the interpreter (tier 0) until the pc is
    `end`, from a namespace of the thread's own."""
    state = GuestState(layout)
    for field, value in regs.items():
        state[field] = value
    ns = make_namespace(state.regs, memory, engine=None)
    fns = {b.pc: compile_block(b, ns)[0] for b in blocks}
    pc, r = entry, state.regs
    while pc != end:
        pc = fns[pc](r)
    return {field: state[field] for field in layout.fields}


def in_two_threads(work) -> list:
    """work(index) in two threads at once, Python switching threads every SWITCH_INTERVAL;
    their results (a failure in one is raised here)."""
    results, errors = [None, None], []

    def run(i):
        try:
            results[i] = work(i)
        except BaseException as exc:           # (re-raised in the main thread)
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    old = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    if errors:
        raise errors[0]
    return results


def count_twice(runner, n: int) -> tuple[int, list]:
    """Run the hand-built loop in two threads, n iterations each: (the word, each thread's
    overlap count x5)."""
    memory = new_memory()
    try:
        states = runner(memory, {"x1": WORD, "x2": n, "x3": GATE}, CODE, CODE + 12)
        return memory.view64[WORD >> 3], [s["x5"] for s in states]
    finally:
        memory.close()


def overlapped(kind: str, foreign: list) -> bool:
    """Did the threads run at once? A failed cmpxchg needs another thread's store between a
    load and the cmpxchg; for atomic_rmw, each thread must have seen the other's updates
    while it ran (the thread that starts second sees the first one's at once anyway)."""
    return sum(foreign) > 0 if kind == "cmpxchg" else min(foreign) > 0


def check_no_lost_update(kind: str, runner, ns: tuple, what: str) -> None:
    for n in ns:
        total, foreign = count_twice(runner, n)
        assert total == 2 * n, f"{what}: {2 * n - total} of {2 * n} updates lost"
        if overlapped(kind, foreign):
            print(f"{what}: {2 * n} updates, none lost; overlap count {foreign}")
            return
    pytest.skip(f"{what}: the two threads never ran at once (a busy machine?), up to N={n}")


@lru_cache(maxsize=None)
def native_fn(kind: str, opt: int):
    return native_region(hand_blocks(kind), opt)


def native_runner(kind: str, opt: int):
    """runner(memory, regs, entry, end): the hand-built loop natively, in two threads."""
    fn = native_fn(kind, opt)
    return lambda *args: in_two_threads(lambda i: thread_native(fn, args[0], A64_LAYOUT,
                                                                *args[1:]))


def interp_runner(kind: str):
    blocks = hand_blocks(kind)
    return lambda *args: in_two_threads(lambda i: thread_interp(blocks, args[0], A64_LAYOUT,
                                                                *args[1:]))


# -- hand-built IR --------------------------------------------------------------------------------
@pytest.mark.parametrize("opt", OPTS)
def test_native_plain_increments_lose_updates(opt):
    """The contrast: a load, add and store from two native threads loses updates (this shows
    the setup can see a lost update; on a machine where the threads never ran at once it is
    skipped, never failed). At -O2 the three are one host instruction (`inc qword [mem]`,
    no lock prefix), which a preemption cannot split: only threads running at the same time
    on two cores lose updates with it; at -O0, a preemption between the load and the store
    loses the other thread's updates meanwhile too."""
    for n in PLAIN_NS:
        total, _ = count_twice(native_runner("plain", opt), n)
        assert total <= 2 * n      # (it can end below n: a stale store undoes many)
        if total < 2 * n:
            print(f"plain, -O{opt}: {2 * n - total} of {2 * n} updates lost")
            return
    pytest.skip(f"plain, -O{opt}: no update lost up to N={n} a thread (threads never ran at "
                "once?)")


@pytest.mark.parametrize("opt", OPTS)
@pytest.mark.parametrize("kind", KINDS)
def test_native_atomics_lose_no_update(kind, opt):
    check_no_lost_update(kind, native_runner(kind, opt), NATIVE_NS, f"{kind}, -O{opt}")


@pytest.mark.parametrize("host", [True, False], ids=["libatomic", "lock"])
@pytest.mark.parametrize("kind", KINDS)
def test_interp_atomics_lose_no_update(kind, host, monkeypatch):
    if not host:                    # the fallback where libatomic is missing
        monkeypatch.setattr(helpers, "_host_functions", lambda: None)
    elif helpers._libatomic() is None:
        pytest.skip("libatomic.so.1 is not installed")
    check_no_lost_update(kind, interp_runner(kind), INTERP_NS,
                         f"{kind}, interpreter ({'libatomic' if host else 'lock'})")


def test_interp_atomics_are_host_atomics_against_native_code():
    """An interpreter thread and a native thread on one word: the interpreter's atomics are
    host atomics (libatomic), atomic against native code too."""
    if helpers._libatomic() is None:
        pytest.skip("libatomic.so.1 is not installed")
    blocks, fn = hand_blocks("atomic_rmw"), native_fn("atomic_rmw", 2)
    native_n, interp_n = 1_000_000, INTERP_NS[-1]
    memory = new_memory()

    def work(i):
        if i == 0:
            return thread_native(fn, memory, A64_LAYOUT,
                                 {"x1": WORD, "x2": native_n, "x3": GATE}, CODE, CODE + 12)
        return thread_interp(blocks, memory, A64_LAYOUT,
                             {"x1": WORD, "x2": interp_n, "x3": GATE}, CODE, CODE + 12)
    try:
        states = in_two_threads(work)
        total = memory.view64[WORD >> 3]
    finally:
        memory.close()
    assert total == native_n + interp_n, f"{native_n + interp_n - total} updates lost"
    if not overlapped("atomic_rmw", [s["x5"] for s in states]):
        pytest.skip("the two threads never ran at once (a busy machine?)")


# -- through the frontends -------------------------------------------------------------------------
# Guest registers: x10 the counter's address, x11 N, x12 the gate's, x13 = 1, x15 = 2; x5 counts
# failed store-conditionals. Each program enters the gate, spins, then loops from LOOP.
E2E_NATIVE_N, E2E_INTERP_N = 200_000, 2_000
LOOP = CODE + 0x10


def riscv_code(kind: str) -> tuple[bytes, int]:
    """(code at CODE, where it ends) of the RISC-V program: amoadd.d or an LR/SC loop."""
    from dbt.frontends.riscv.decode import DEFAULT
    enc = DEFAULT.encode

    def words(*insns):
        return b"".join(enc(name, **fields)[0].to_bytes(4, "little") for name, fields in insns)
    amo = ("amoadd_d", dict(rd=0, rs1=12, rs2=13, aq=1, rl=1))
    gate = [amo, ("ld", dict(rd=14, rs1=12, imm=0)), ("bltu", dict(rs1=14, rs2=15, imm=-4)),
            ("addi", dict(rd=0, rs1=0, imm=0))]                      # (nop: the loop at +16)
    if kind == "amo":
        loop = [("amoadd_d", dict(rd=0, rs1=10, rs2=13, aq=1, rl=1)),
                ("addi", dict(rd=11, rs1=11, imm=-1)), ("bne", dict(rs1=11, rs2=0, imm=-8))]
    else:
        loop = [("lr_d", dict(rd=6, rs1=10, aq=1, rl=0)), ("addi", dict(rd=6, rs1=6, imm=1)),
                ("sc_d", dict(rd=7, rs1=10, rs2=6, aq=0, rl=1)),
                ("add", dict(rd=5, rs1=5, rs2=7)), ("bne", dict(rs1=7, rs2=0, imm=-16)),
                ("addi", dict(rd=11, rs1=11, imm=-1)), ("bne", dict(rs1=11, rs2=0, imm=-24))]
    code = words(*gate, *loop)
    return code, CODE + len(code)


def a64_code(kind: str) -> tuple[bytes, int]:
    """(code at CODE, where it ends) of the AArch64 program: LDADD or an LDXR/STXR loop
    (keystone has no LSE: LDADD is encoded from our own pattern table)."""
    keystone = pytest.importorskip("keystone")
    from dbt.frontends.aarch64.decode import DECODER

    def ldadd(rs, rt, rn):        # LDADDAL
        return f".word {DECODER.encode('ldop', size=3, a=1, r=1, rs=rs, op=0, rn=rn, rt=rt)}"
    gate = [ldadd(13, 31, 12), "ldr x14, [x12]", "cmp x14, x15", f"b.lo {CODE + 4}"]
    if kind == "amo":
        loop = [ldadd(13, 31, 10), "sub x11, x11, #1", f"cbnz x11, {LOOP}"]
    else:
        loop = ["ldaxr x6, [x10]", "add x6, x6, #1", "stlxr w7, x6, [x10]", "add x5, x5, x7",
                f"cbnz w7, {LOOP}", "sub x11, x11, #1", f"cbnz x11, {LOOP}"]
    ks = keystone.Ks(keystone.KS_ARCH_ARM64, keystone.KS_MODE_LITTLE_ENDIAN)
    encoding, _ = ks.asm("\n".join(gate + loop), CODE)
    code = bytes(encoding)
    return code, CODE + len(code)


def lift_program(memory: GuestMemory, lift, entry: int, end: int) -> list:
    """The blocks reachable from `entry` before `end`, lifted and optimized."""
    from dbt.ir.verify import verify
    from dbt.opt import optimize
    blocks, todo = {}, [entry]
    while todo:
        pc = todo.pop()
        if pc in blocks or pc >= end:
            continue
        block = optimize(lift(memory.fetch, pc))
        verify(block)
        blocks[pc] = block
        last = block.ops[-1]
        todo += [last.attrs[k] for k in ("target", "taken", "fallthrough") if k in last.attrs]
    return [blocks[pc] for pc in sorted(blocks)]


E2E = [("riscv", "amo"), ("riscv", "lrsc"), ("aarch64", "amo"), ("aarch64", "lrsc")]


@pytest.mark.parametrize("backend", ["interp", "llvm-O0", "llvm-O2"])
@pytest.mark.parametrize("isa,kind", E2E, ids=[f"{i}-{k}" for i, k in E2E])
def test_frontend_atomics_lose_no_update(isa, kind, backend):
    if isa == "riscv":
        from dbt.frontends.riscv.layout import LAYOUT as layout
        from dbt.frontends.riscv.lifter import lift_block
        code, end = riscv_code(kind)
    else:
        from dbt.frontends.aarch64.lifter import lift_block
        layout = A64_LAYOUT
        code, end = a64_code(kind)
    n = E2E_INTERP_N if backend == "interp" else E2E_NATIVE_N
    regs = {"x10": WORD, "x11": n, "x12": GATE, "x13": 1, "x15": 2}
    memory = new_memory()
    try:
        memory.write(CODE, code, force=True)
        blocks = lift_program(memory, lift_block, CODE, end)
        if backend == "interp":
            states = in_two_threads(lambda i: thread_interp(blocks, memory, layout, regs, CODE,
                                                            end))
        else:
            fn = native_region(blocks, int(backend[-1]))
            states = in_two_threads(lambda i: thread_native(fn, memory, layout, regs, CODE,
                                                            end))
        total = memory.view64[WORD >> 3]
    finally:
        memory.close()
    assert [s["x11"] for s in states] == [0, 0]
    assert total == 2 * n, f"{2 * n - total} of {2 * n} updates lost"
    failed = f"; failed store-conditionals {[s['x5'] for s in states]}" if kind == "lrsc" else ""
    print(f"{isa} {kind} {backend}: {2 * n} updates, none lost{failed}")
