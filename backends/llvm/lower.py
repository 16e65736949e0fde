"""Lower IR blocks to one LLVM function per region (the lowering of each IR op is in
lower_ops.py, lower_fp.py and lower_vfp.py, registered in optable.LOWER).

A region is a set of guest blocks compiled together:

    i64 @<name>(ptr %st, ptr %mem, i64 %pc)

`%st` is the GuestState slot array, `%mem` the base of the guest window, `%pc` the block to
start at (a switch picks it; in tier 1 a chain of compares). In hot code the guest state fields
used by the region live in allocas (promoted to SSA by SROA), loaded at entry and stored back at
the single exit; tier-1 code (no `promote`) uses the slots in place, counts its entries and
backward branches towards the hot threshold and marks each block that runs. A branch to a block
of the region is a plain LLVM branch; any other target goes on to the region that enters there
through the dispatcher's jump cache (a tail call, `_chain`), else returns its pc to it. Leaving
for the runtime (syscall, icache flush, trap, guest fault, hot, deopt) stores the reason in the
`exit_reason` slot and returns EXIT_SENTINEL, an odd value no guest pc can have.

A guest access costs a window check (one per base register and block: `address`) and the
access; its guest pc is not stored. A failed check passes the pc to the fault block; a fault
on the host finds it in the pc notes LLVM lists beside the code (`pc_note`, objlink).

The backend knows no guest ISA: it reads the IR op table and the GuestState layout that the
region's blocks were lifted for (`Block.layout`) only.
"""

from __future__ import annotations

import functools
import re

from dbt.ir.block import Block, Const, Op, Temp
from dbt.ir.ops import FLAG_NX, FP_FLAGS_FIELD, FPENV, MEM, OPS, PURE
from dbt.memory import WINDOW_GUARD
from dbt.region import successors

from . import lower_fp, lower_ops, lower_vfp
from .irtext import LLTYPES, FnBuilder, int_literal
from .objlink import PC_SECTION
from .optable import (EXIT_SENTINEL, LOWER, REASON_HOT, REASON_INTERP, REASON_INTERRUPT,
                      REASON_MISALIGNED, REASON_READ_FAULT, REASON_WRITE_FAULT, Unsupported,
                      jc_index_text)

# A tier-1 FP op is a call to its out-of-line helper, several times the cost of an integer op:
# a tier-1 region counts 1 + (its FP ops) // FP_OPS_PER_COUNT per entry and backward branch, so
# FP-heavy code reaches the hot tier after about as much time in tier 1 as integer code does
# (measured, min of 3 runs: montecarlo 2.23 -> 1.92 s CPU, nbody 1.27 -> 1.16 s, matmul and
# mandelbrot unchanged; with 4 instead of 8, montecarlo 1.87 s but nbody 1.27 s again).
FP_OPS_PER_COUNT = 8
_ACCESSES = frozenset(name for name, op in OPS.items() if MEM in op.flags)   # may fault
_COMMITS = frozenset({"set", "store", "cmpxchg", "atomic_rmw"})  # effects a deopt cannot undo
_PURE_ONLY = frozenset(name for name, d in OPS.items() if d.flags == {PURE})
_FPENV_OPS = frozenset(name for name, d in OPS.items() if d.has(FPENV))
_ROUNDED_OPS = frozenset(name for name, d in OPS.items()     # (a rounding-mode operand last)
                         if d.has(FPENV) and d.operands[-1] == "i64")


def _fp_lowering(op: Op):
    """The module that lowers a rounded FP op: lane-wise (lower_vfp) or scalar (lower_fp)."""
    return lower_vfp if op.name in lower_vfp.VECTOR_FP else lower_fp


def slot_ptr(fb: FnBuilder, field: str) -> str:
    """The pointer to a state slot (computed once, in the entry block of the region)."""
    return f"%s.{field}"


_ENTRY_SLOTS = ("pc", "exit_reason", "fault_addr", "jcache", "interrupt")


def count_weight(blocks: list[Block]) -> int:
    """What a tier-1 region of `blocks` adds to its counter per entry or backward branch: its
    FP ops are helper calls (a lane-wise one, one per lane), so FP-heavy code reaches the hot
    tier sooner."""
    calls = sum(op.attrs.get("count", 1) for b in blocks for op in b.ops
                if op.name in _FPENV_OPS)                 # (count: a lane-wise op's lanes)
    return 1 + calls // FP_OPS_PER_COUNT


def _note_sources(sources: dict, op: Op) -> None:
    """The fields a pure op's result is a function of, when its operands' are known."""
    out: frozenset = frozenset()
    for a in op.args:
        if isinstance(a, Temp):
            if a.id not in sources:
                return
            out |= sources[a.id]
    sources[op.result.id] = out


class RegionLowerer:
    """Builds the text of one region function."""

    def __init__(self, name: str, blocks: list[Block], window_bits: int,
                 threshold: int | None = None, promote: bool = True, seen: bool = False,
                 base: int = 0, tally: bool = False, jc_shift: int = 1,
                 precise: bool = False, polls: bool = False):
        self.name = name
        self.hot_polls = polls          # hot code: loops test the `interrupt` slot too
        self.jc_shift = jc_shift        # the jump cache's hash (optable.jc_index)
        self.tally = tally              # count entries and exits (@<name>.entries, .exits)
        self.seen = seen                # a byte per block, set when it runs (@<name>.seen)
        self.promote = promote          # fields in allocas for SROA (tier 2), or used in place
        self.precise = precise and promote   # hot code: the state precise at a host fault
        self.threshold = threshold      # tier 1: count towards this (@<name>.counter)
        self.base = base                # guest pcs are `@<name>.bias` + (pc - base)
        self.blocks = blocks
        self.layout = layout = blocks[0].layout
        if any(b.layout != layout for b in blocks):
            raise ValueError(f"region {name}: blocks lifted for different GuestState layouts")
        self.labels = {b.pc: f"b_{b.pc:x}" for b in blocks}
        self.window_bits = window_bits
        self.fb = FnBuilder()
        self.v = self.fb.value          # the operand text of an IR value
        implicit = {"icount"}                   # written by the region itself
        read, written = set(), set()
        rm_fields: set[str | None] = set()      # the fields dynamic rounding modes come from
        self.atomics = False                    # an atomic_rmw needs its operand slot
        for b in blocks:
            sources: dict[int, frozenset] = {}      # temp -> the fields it is a function of
            for op in b.ops:
                if op.name == "get":
                    read.add(op.attrs["field"])
                    sources[op.result.id] = frozenset((op.attrs["field"],))
                elif op.name == "set":
                    written.add(op.attrs["field"])
                elif op.name == "atomic_rmw":
                    self.atomics = True
                elif op.name in _FPENV_OPS:
                    implicit.add(FP_FLAGS_FIELD)    # FP ops accrue their exception flags
                    if op.name in _ROUNDED_OPS and isinstance(op.args[-1], Temp):
                        rm_fields.update(sources.get(op.args[-1].id, (None,)))  # None: other
                elif op.name in _PURE_ONLY and op.result is not None:
                    _note_sources(sources, op)      # (a control computed from fields: Arm's)
        self.fields = sorted(read | written | implicit, key=layout.slot)
        self.written = [f for f in self.fields if f in implicit or f in written]
        self.weight = count_weight(blocks)              # tier-1 counts per entry/back edge
        # every dynamic control is a function of fields never written here: one value throughout
        self.rm_invariant = bool(rm_fields) and not rm_fields & (written | {None})
        self.fpenv_fields = rm_fields - {None} | {FP_FLAGS_FIELD}
        self.block = None
        self.insn_pcs = None
        self.pc = 0                                   # guest pc of the op being lowered
        self.fault_edges: dict[int, list] = {}   # reason -> [(from label, address, pc)]
        self.committed = False        # has the current guest instruction changed state yet?
        self.dirty: set[str] = set()  # hot code: fields set since they were last written
                                      # through to the state (flush_dirty)
        self.dirty_in = _dirty_at_entry(blocks) if self.precise else {}
        self._new_segment()

    # -- structure -------------------------------------------------------------------------
    def lower(self) -> str:
        fb = self.fb
        fb.start("entry")
        fb.emit("%next = alloca i64")
        if self.atomics:
            fb.emit("%rmw.operand = alloca i64")      # (lower_atomic_rmw)
        slots = set(_ENTRY_SLOTS) | (set(self.fields) if self.promote else set())
        slot = self.layout.slot
        for field in sorted(slots, key=slot):
            fb.emit(f"%s.{field} = getelementptr inbounds i64, ptr %st, i64 {slot(field)}")
        for field in self.fields:
            if not self.promote:      # -O0 code would spill SSA values anyway: use the state
                fb.emit(f"%f.{field} = getelementptr inbounds i64, ptr %st, i64 {slot(field)}")
                continue
            fb.emit(f"%f.{field} = alloca i64")
            fb.emit(f"store i64 {fb.assign(f'load i64, ptr %s.{field}')}, ptr %f.{field}")
        fb.emit(f"%bias = load i64, ptr @{self.name}.bias")
        if self.tally:
            self._tally("entries")
        if self.threshold is not None:
            self._count("%pc")
        self.branch_on("%pc", [(b.pc, self.labels[b.pc]) for b in self.blocks], "nomatch")
        fb.start("nomatch")
        fb.emit("store i64 %pc, ptr %next")
        fb.emit("br label %exit")
        for block in self.blocks:
            self._lower_block(block)
        self._fault_blocks()
        fb.start("exit")
        if self.tally:
            self._tally("exits")
        for field in self.written if self.promote else ():
            fb.emit(f"store i64 {fb.assign(f'load i64, ptr %f.{field}')}, ptr %s.{field}")
        self._chain(fb.assign("load i64, ptr %next"))
        head = f"define i64 @{self.name}(ptr noalias %st, ptr noalias %mem, i64 %pc) nounwind {{"
        return "\n".join([*self._globals(), head, *fb.lines, "}"])

    def _globals(self) -> list[str]:
        """The region's own data, reached PC-relatively (so its code runs anywhere): where
        its code is mapped (the loader writes it), its tier-1 counter and "seen" bytes."""
        out = [f"@{self.name}.bias = internal global i64 0"]
        if self.threshold is not None:
            out.append(f"@{self.name}.counter = internal global i64 0")
        if self.seen:
            out.append(f"@{self.name}.seen = internal global [{len(self.blocks)} x i8] "
                       "zeroinitializer")
        if self.tally:
            out += [f"@{self.name}.entries = internal global i64 0",
                    f"@{self.name}.exits = internal global i64 0"]
        return out

    def _tally(self, what: str) -> None:
        """One more of the region's entries or exits (for --stats: a trace's side exits)."""
        fb = self.fb
        old = fb.assign(f"load i64, ptr @{self.name}.{what}")
        fb.emit(f"store i64 {fb.assign(f'add i64 {old}, 1')}, ptr @{self.name}.{what}")

    def _lower_block(self, block: Block) -> None:
        self.block = block
        if self.precise:
            self.dirty = set(self.dirty_in[block.pc])
        self.insn_pcs = None                      # the block's, when a deopt needs them
        fb = self.fb
        fb.temp_prefix = f"t{block.pc:x}_"
        fb.start(self.labels[block.pc])
        count, total = fb.tmp(), fb.tmp()                           # guest instructions run
        fb.emit(f"{count} = load i64, ptr %f.icount",
                f"{total} = add i64 {count}, {block.ninsns}",
                f"store i64 {total}, ptr %f.icount")
        if self.seen:
            flag = fb.tmp()
            fb.emit(f"{flag} = getelementptr i8, ptr @{self.name}.seen, "
                    f"i64 {self.blocks.index(block)}", f"store i8 1, ptr {flag}")
        fb.names = {}
        self._find_offsets(block)
        for op in block.ops:
            name = op.name
            if name == "insn":
                self.pc = op.attrs["pc"]
                self.committed = False
                continue
            try:
                fn = LOWER[name]
            except KeyError:
                raise Unsupported(op, block.pc) from None
            if self.promote and self._speculate(op):
                continue
            fn(self, op)
            if name in _COMMITS:
                self.committed = True

    # -- speculative FP segments (hot code) -------------------------------------------------------
    def _speculate(self, op: Op) -> bool:
        """Hot code runs rounded FP ops in RNE as the host's instruction alone, when the mode is
        RNE and NX is set (it is sticky): their result is then exact unless it is not normal (a
        NaN, an overflow, a tiny result), and no flag but NX can arise. A segment of such ops,
        with the pure ops, register writes and independent memory accesses between them, ends
        at one check: if the mode was not RNE, NX was clear or a result was not normal, its
        slow path redoes the segment's FP ops exactly (the helpers, flags included) and what
        depends on them, and the values join in phis. An op that would observe a speculative
        value any other way (a store or address, a compare, a read of the flags field, a
        branch, a deopt) ends the segment first. Only a guest fault inside a segment sees its
        flags unfinished: a fault ends the process, which never reads them (in the precise
        mode, for a guest that handles faults, a guest access ends the segment too).

        Returns True when the op was lowered here (speculatively)."""
        fp = _fp_lowering(op)
        if op.name in _ROUNDED_OPS and fp.speculative(self, op):
            fp.speculate(self, op)
            self.spec_ops.append(op)
            self.spec_ids.add(op.result.id)
            return True
        if not self.spec_ops:
            return False
        uses = any(isinstance(a, Temp) and a.id in self.spec_ids for a in op.args)
        name, field = op.name, op.attrs.get("field")
        if uses and (name in _PURE_ONLY or name == "set" and field not in self.fpenv_fields):
            LOWER[name](self, op)               # now, and again on the slow path
            self.spec_ops.append(op)
            if name == "set":
                self.spec_fields.add(field)
            else:
                self.spec_ids.add(op.result.id)
            return True
        if name in _PURE_ONLY or name in ("load", "store") and not uses and not self.precise:
            return False                        # independent of the segment (precise: an
                                                # access that may fault ends it first)
        # a field the segment set is read or set again (the slow path's store would come
        # after this one), or the FP environment is: the segment ends first
        if name in ("get", "set") and field not in self.spec_fields \
                and field not in (self.fpenv_fields if name == "set" else (FP_FLAGS_FIELD,)):
            return False
        self.end_segment()
        return False

    def end_segment(self) -> None:
        """The segment's check, its slow path and the joins (see `_speculate`)."""
        fb = self.fb
        flags = fb.assign(f"load i64, ptr %f.{FP_FLAGS_FIELD}")
        conds = [fb.assign(f"icmp ne i64 {fb.assign(f'and i64 {flags}, {FLAG_NX}')}, 0")]
        conds += [lower_fp.spec_mode_ok(fb, rm, full) for rm, full in sorted(self.spec_rms)]
        conds.append(fb.assign(f"xor i1 {self.spec_bad}, true"))
        ok = conds[0]
        for c in conds[1:]:
            ok = fb.assign(f"and i1 {ok}, {c}")
        fast_label, slow, join = fb.current, fb.label("spec_slow"), fb.label("spec")
        fb.emit(f"br i1 {ok}, label %{join}, label %{slow}, !prof !0")
        fb.start(slow)
        fast = {}
        for op in self.spec_ops:
            if op.result is not None:
                fast[op.result.id] = (self.v(op.result), LLTYPES[op.result.type])
                fb.names[op.result.id] = fb.tmp("s")
            if op.name in _PURE_ONLY or op.name == "set":
                LOWER[op.name](self, op)
            else:
                _fp_lowering(op).exact(self, op)
        slow_label = fb.current
        fb.emit(f"br label %{join}")
        fb.start(join)
        for id_, (name, ty) in fast.items():
            fb.names[id_] = fb.assign(f"phi {ty} [ {name}, %{fast_label} ], "
                                      f"[ {fb.names[id_]}, %{slow_label} ]", "j")
        self._new_segment()

    def _new_segment(self) -> None:
        self.spec_ops: list[Op] = []          # the open speculative FP segment (_speculate)
        self.spec_ids: set[int] = set()       # its temps, whose values are speculative
        self.spec_fields: set[str] = set()    # the fields it set from them
        self.spec_bad = "false"               # i1: an FP op's result needs the exact path
        self.spec_rms: set = set()            # the dynamic controls it assumed RNE: (text, full)

    def branch_on(self, value: str, cases: list, default: str) -> None:
        """Branch to the label of the guest pc in `cases` equal to `value`, else to `default`:
        a switch in hot code; in tier 1 a chain of compares, which LLVM's fast instruction
        selector takes (a switch sends the whole function to the slow one: a third more
        compile time). Compared relative to where the code is mapped."""
        fb = self.fb
        rel = fb.assign(f"sub i64 {value}, %bias")
        base = self.base
        if self.promote:
            fb.emit(f"switch i64 {rel}, label %{default} [ "
                    + " ".join(f"i64 {int_literal(pc - base, 64)}, label %{label}"
                               for pc, label in cases) + " ]")
            return
        for pc, label in cases:
            hit = fb.assign(f"icmp eq i64 {rel}, {int_literal(pc - base, 64)}")
            miss = fb.label("case")
            fb.emit(f"br i1 {hit}, label %{label}, label %{miss}")
            fb.start(miss)
        fb.emit(f"br label %{default}")

    def _chain(self, next_pc: str) -> None:
        """Return `next_pc` to the dispatcher, or, when the jump cache holds its function (the
        `jcache` slot: 0 outside the dispatcher), go there at once: a tail call, so the stack
        does not grow, and an indirect branch of its own per region, which the host predicts
        better than the dispatcher's single one. The sentinel (an exit for the runtime)
        always returns."""
        fb = self.fb
        leave = fb.assign(f"icmp ne i64 {fb.assign(f'and i64 {next_pc}, 1')}, 0")
        fb.emit(f"br i1 {leave}, label %ret, label %chain")
        fb.start("chain")
        jc = fb.assign(f"load i64, ptr {slot_ptr(fb, 'jcache')}")
        fb.emit(f"br i1 {fb.assign(f'icmp eq i64 {jc}, 0')}, label %ret, label %look")
        fb.start("look")
        index = jc_index_text(fb, next_pc, self.jc_shift)
        entry = fb.assign(f"add i64 {jc}, {fb.assign(f'shl i64 {index}, 4')}")
        tag = fb.assign(f"load i64, ptr {fb.assign(f'inttoptr i64 {entry} to ptr')}")
        fb.emit(f"br i1 {fb.assign(f'icmp eq i64 {tag}, {next_pc}')}, label %go, label %ret")
        fb.start("go")
        fn_at = fb.assign(f"inttoptr i64 {fb.assign(f'add i64 {entry}, 8')} to ptr")
        fn = fb.assign(f"load ptr, ptr {fn_at}")
        result = fb.assign(f"musttail call i64 {fn}(ptr %st, ptr %mem, i64 {next_pc})")
        fb.emit(f"ret i64 {result}")
        fb.start("ret")
        fb.emit(f"ret i64 {next_pc}")

    # -- helpers for lowering functions --------------------------------------------------------
    def define(self, op: Op, expr: str) -> None:
        """Emit `<op's result> = expr`."""
        self.fb.lines.append(f"  {self.v(op.result)} = {expr}")

    def pc_value(self, pc: int | str) -> str:
        """The text of a guest pc: a runtime value as it is, a constant pc computed from where
        the code is mapped (`%bias`)."""
        if isinstance(pc, str):
            return pc
        return self.fb.assign(f"add i64 %bias, {int_literal(pc - self.base, 64)}")

    def _count(self, pc_text: str) -> None:
        """Tier 1: count region entries and backward branches inside the region (every loop
        has one; counting only those keeps tier-1 code short); from the threshold on, leave
        with REASON_HOT at `pc_text` each time, so the runtime hands every pc this region
        reaches through one of those to the hot tier (it compiles a hot region there, or
        finds one)."""
        fb = self.fb
        old, new, hot = fb.tmp(), fb.tmp(), fb.tmp()
        go, stay = fb.label("hot"), fb.label("cold")
        fb.emit(f"{old} = load i64, ptr @{self.name}.counter",
                f"{new} = add i64 {old}, {self.weight}",
                f"store i64 {new}, ptr @{self.name}.counter",
                f"{hot} = icmp uge i64 {new}, {self.threshold}",
                f"br i1 {hot}, label %{go}, label %{stay}, !prof !1")
        fb.start(go)
        self.leave(REASON_HOT, pc_text)
        fb.start(stay)

    def _poll(self, pc_text: str) -> None:
        """Leave with REASON_INTERRUPT at `pc_text` when the `interrupt` slot is set (a host
        signal for a guest handler arrived: dbt/linux/signals.py), so that a loop that makes
        no syscall still lets the runtime deliver it. A volatile load: LLVM must not hoist
        it out of the loop, since another thread writes the slot."""
        fb = self.fb
        flag = fb.assign(f"load volatile i64, ptr {slot_ptr(fb, 'interrupt')}")
        go, stay = fb.label("intr"), fb.label("run")
        fb.emit(f"br i1 {fb.assign(f'icmp ne i64 {flag}, 0')}, label %{go}, label %{stay}, "
                "!prof !1")
        fb.start(go)
        self.leave(REASON_INTERRUPT, pc_text)
        fb.start(stay)

    @property
    def polls(self) -> bool:
        """Whether loops test the `interrupt` slot: in tier 1, whose backward branches leave
        for the counter anyway (_count), so the test adds a load and a branch and no
        values to keep. Hot code does not: an exit from inside a loop would make LLVM
        compute in every iteration what only the exit needs (lazy flags: see
        tests/backends/test_neutral_ops.py), so a signal reaches a hot loop when it leaves
        or makes a syscall, unless it was made to poll (`polls`: for a guest with a handler
        of a signal that may come at any time)."""
        return self.threshold is not None or self.hot_polls

    def backward(self, pc: int | str) -> bool:
        """Whether a branch to `pc` stays in the region going backwards (closes a loop)."""
        return not isinstance(pc, str) and pc in self.labels and pc <= self.block.pc

    def goto(self, pc: int | str, poll: bool = True) -> None:
        """Continue at a guest pc (a constant, or a runtime value's text): a branch inside the
        region, else leave to the dispatcher. `poll`: test the `interrupt` slot on a backward
        branch (lower_branch tests it together with its condition)."""
        if not isinstance(pc, str) and pc in self.labels:
            if pc <= self.block.pc:              # a backward branch: where every loop passes
                if poll and self.polls:
                    self._poll(self.pc_value(pc))
                if self.threshold is not None:
                    self._count(self.pc_value(pc))
            self.fb.emit(f"br label %{self.labels[pc]}")
            return
        self.fb.emit(f"store i64 {self.pc_value(pc)}, ptr %next", "br label %exit")

    def leave(self, reason: int, pc: int | str, extra: tuple = ()) -> None:
        """Leave for the runtime: reason and pc into the state, then the common exit."""
        fb = self.fb
        stores = [f"store i64 {reason}, ptr {slot_ptr(fb, 'exit_reason')}",
                  f"store i64 {self.pc_value(pc)}, ptr {slot_ptr(fb, 'pc')}"]
        for field, value in extra:
            stores.append(f"store i64 {value}, ptr {slot_ptr(fb, field)}")
        fb.emit(*stores, f"store i64 {EXIT_SENTINEL}, ptr %next", "br label %exit")

    def deopt_if(self, cond: str, op: Op) -> None:
        """Hand this guest instruction to the interpreter when `cond` holds: leave with
        REASON_INTERP at its pc. Only possible while it has changed nothing yet; an op that
        needs it later in an instruction makes its block Unsupported instead."""
        if self.committed:
            raise Unsupported(op, self.block.pc)
        fb = self.fb
        ok = fb.assign(f"xor i1 {cond}, true")
        fine, bail = fb.label("ok"), fb.label("deopt")
        fb.emit(f"br i1 {ok}, label %{fine}, label %{bail}, !prof !0")
        fb.start(bail)
        # the block counted all its instructions on entry: uncount this one and the rest
        if self.insn_pcs is None:
            self.insn_pcs = self.block.insn_pcs()
        rest = len([pc for pc in self.insn_pcs if pc >= self.pc])
        count = fb.assign("load i64, ptr %f.icount")
        fb.emit(f"store i64 {fb.assign(f'sub i64 {count}, {rest}')}, ptr %f.icount")
        self.leave(REASON_INTERP, self.pc)
        fb.start(fine)

    def guard(self, cond_ok: str, reason: int, extra: tuple = ()) -> None:
        """Continue if cond_ok, else leave with `reason` at the current instruction."""
        fb = self.fb
        ok, bad = fb.label("ok"), fb.label("bad")
        fb.emit(f"br i1 {cond_ok}, label %{ok}, label %{bad}, !prof !0")
        fb.start(bad)
        self.leave(reason, self.pc, extra)
        fb.start(ok)

    def _find_offsets(self, block: Block) -> None:
        """Note the block's temps that are another temp plus a constant (guest addresses
        `register + offset`): accesses through one base need one window check (`address`)."""
        self.offsets: dict[int, tuple[int, int]] = {}   # temp id -> (base temp id, offset)
        self.checked: dict[int, int] = {}     # base temp id -> offset of a checked access
        for op in block.ops:
            if op.name != "add" or op.result.type.bits != 64:
                continue
            a, b = op.args
            if isinstance(a, Const):
                a, b = b, a
            if isinstance(a, Temp) and isinstance(b, Const):
                base, offset = self.offsets.get(a.id, (a.id, 0))
                self.offsets[op.result.id] = base, offset + b.signed()

    def _base(self, addr_value) -> tuple[int | None, int]:
        """(base temp id, offset) of a guest address, (None, 0) for a constant."""
        if not isinstance(addr_value, Temp):
            return None, 0
        return self.offsets.get(addr_value.id, (addr_value.id, 0))

    def address(self, addr_value, size: int, write: bool, align: bool,
                dominates: bool = True) -> str:
        """A host pointer for a guest access, after the alignment and window checks
        (alignment first: a misaligned AMO outside the window is SIGBUS, as in qemu).

        A failed check reaches the region's fault block for its reason with the address and
        the pc. A fault on the host (a page of the window the guest has not mapped) is found
        through the access's `pc_note`: nothing is stored per access on the hot path. The
        access itself must be volatile (see `lower_load`).

        An access whose address is a base temp plus an offset within WINDOW_GUARD (less 16
        bytes) of one already checked in this block, through the same base, is not checked:
        it is inside the window or in its guard zones, where it faults on the host. A check
        made on a path that does not reach the rest of the block (`dominates` False: inside
        an op's own branch) is not relied on."""
        fb = self.fb
        addr = self.v(addr_value)
        self.flush_dirty()
        if self._pc_offset() is None:       # (a pc the note cannot hold: store it, as before)
            fb.emit(f"store volatile i64 {self.pc_value(self.pc)}, ptr {slot_ptr(fb, 'pc')}")
        if align and size > 1:
            misaligned = fb.assign(f"and i64 {addr}, {size - 1}")
            self._check(f"icmp eq i64 {misaligned}, 0", REASON_MISALIGNED, addr)
        base, offset = self._base(addr_value)
        checked = self.checked.get(base) if base is not None else None
        if checked is None or abs(offset - checked) + 16 > WINDOW_GUARD:
            limit = (1 << self.window_bits) - size
            self._check(f"icmp ule i64 {addr}, {limit}",
                        REASON_WRITE_FAULT if write else REASON_READ_FAULT, addr)
            if base is not None and dominates and checked is None:
                self.checked[base] = offset
        return fb.assign(f"getelementptr i8, ptr %mem, i64 {addr}", "p")

    def flush_dirty(self) -> None:
        """Hot code: write the fields set since the last guest access through to the state
        before the next one, so that the state is precise when it faults on the host (the
        handler leaves past the region's stores at its exit), as qemu's TCG syncs its globals
        before a guest access. Volatile, as the accesses are: LLVM keeps them in order, and
        keeps them; the fields stay in SSA values for reading, and a loop without guest
        accesses stores nothing (lazy flags stay lazy). A field set from a speculative FP
        segment's values is written after the segment's end (`_speculate`: a fault inside it
        sees the field's value from before)."""
        if not self.dirty:
            return
        fb = self.fb
        for field in sorted(self.dirty - self.spec_fields, key=self.layout.slot):
            fb.emit(f"store volatile i64 {fb.assign(f'load i64, ptr %f.{field}')}, "
                    f"ptr %s.{field}")
        self.dirty &= self.spec_fields

    def _pc_offset(self) -> int | None:
        """The current pc as an offset from the region's base, if a 32-bit note holds it."""
        offset = self.pc - self.base
        return offset if 0 <= offset < 1 << 32 else None

    def pc_note(self) -> str:
        """The metadata that makes LLVM list the host instruction of a guest access with its
        guest pc (as an offset from the base) in the object's PC_SECTION: what the host's
        SIGSEGV handler reports, the engine looks up (objlink keeps the list with the code)."""
        offset = self._pc_offset()
        if offset is None:
            return ""
        return f', !pcsections !{{!"{PC_SECTION}", !{{i32 {offset}}}}}'

    def _check(self, ok_expr: str, reason: int, addr: str) -> None:
        """Continue if the i1 `ok_expr` holds, else go to the region's shared fault block for
        `reason`."""
        fb = self.fb
        cond_ok, ok = fb.tmp(), fb.label("ok")
        self.fault_edges.setdefault(reason, []).append((fb.current, addr, self.pc))
        fb.emit(f"{cond_ok} = {ok_expr}",
                f"br i1 {cond_ok}, label %{ok}, label %fault{reason}, !prof !0")
        fb.start(ok)

    def _fault_blocks(self) -> None:
        """One block per fault reason: the address and the pc arrive through phis."""
        fb = self.fb
        for reason, edges in self.fault_edges.items():
            fb.start(f"fault{reason}")
            incoming = ", ".join(f"[ {addr}, %{label} ]" for label, addr, _pc in edges)
            addr = fb.assign(f"phi i64 {incoming}")
            incoming = ", ".join(f"[ {int_literal(pc - self.base, 64)}, %{label} ]"
                                 for label, _addr, pc in edges)
            offset = fb.assign(f"phi i64 {incoming}")
            fb.emit(f"store i64 {fb.assign(f'add i64 %bias, {offset}')}, "
                    f"ptr {slot_ptr(fb, 'pc')}")
            fb.emit(f"store i64 {reason}, ptr {slot_ptr(fb, 'exit_reason')}")
            fb.emit(f"store i64 {addr}, ptr {slot_ptr(fb, 'fault_addr')}")
            fb.emit(f"store i64 {EXIT_SENTINEL}, ptr %next")
            fb.emit("br label %exit")


# What a region's module may declare: the intrinsics and helpers its ops call (only those it
# calls are declared: see declarations_for), and the branch-weight metadata it uses.
DECLARATIONS = "\n".join([
    lower_ops.DECLARATIONS, lower_fp.DECLARATIONS, lower_vfp.DECLARATIONS,
    "!0 = !{!\"branch_weights\", i32 1000, i32 1}",
    "!1 = !{!\"branch_weights\", i32 1, i32 100000}"])

_CALLEE = re.compile(r"@([\w.]+)\(")


def declarations_for(text: str) -> str:
    """The declarations (and metadata) a region's text needs: parsing unused ones costs."""
    declared = _declared(DECLARATIONS)
    return _declarations(DECLARATIONS, declared & frozenset(_CALLEE.findall(text)))


def _declared_name(line: str) -> str:
    return line[line.index("@") + 1:line.index("(")]


@functools.lru_cache(maxsize=4)
def _declared(declarations: str) -> frozenset:
    """The names of the functions that `declarations` declares."""
    return frozenset(_declared_name(line) for line in declarations.splitlines()
                     if line.startswith("declare"))


@functools.lru_cache(maxsize=1024)
def _declarations(declarations: str, callees: frozenset) -> str:
    """`declarations` without the `declare` lines of functions not in `callees`."""
    return "\n".join(line for line in declarations.splitlines()
                     if not line.startswith("declare") or _declared_name(line) in callees)


def _dirty_at_entry(blocks: list[Block]) -> dict[int, frozenset]:
    """For each block of a region, the fields that may have been set since the last guest
    access on some path that reaches it inside the region (entering the region, the state
    is current): what flush_dirty writes before the block's first access."""
    after: dict[int, tuple[bool, set]] = {}        # pc -> (accesses?, set after the last)
    for block in blocks:
        accesses, since = False, set()
        for op in block.ops:
            if op.name in _ACCESSES:
                accesses, since = True, set()
            elif op.name == "set":
                since.add(op.attrs["field"])
            elif op.name in _FPENV_OPS:
                since.add(FP_FLAGS_FIELD)           # (they accrue their flags: lower_fp)
        after[block.pc] = (accesses, since)
    dirty: dict[int, set] = {block.pc: set() for block in blocks}
    changed = True
    while changed:
        changed = False
        for block in blocks:
            accesses, since = after[block.pc]
            out = since if accesses else dirty[block.pc] | since
            for succ in successors(block):
                if succ in dirty and not out <= dirty[succ]:
                    dirty[succ] |= out
                    changed = True
    return {pc: frozenset(fields) for pc, fields in dirty.items()}


def lower_region(name: str, blocks: list[Block], window_bits: int,
                 threshold: int | None = None, promote: bool = True, seen: bool = False,
                 base: int = 0, tally: bool = False, jc_shift: int = 1,
                 precise: bool = False, polls: bool = False) -> str:
    """The LLVM IR text of a region function and its data (raises Unsupported). With a
    `threshold`, the region counts its executions in `@<name>.counter` and leaves with
    REASON_HOT from there on; `promote` keeps guest state in allocas (for -O2) instead of
    using the state array in place; with `seen`, block i of `blocks` sets byte i of
    `@<name>.seen` each time it runs. Guest pcs are `@<name>.bias + (pc - base)`: the
    loader writes the bias, so the same code serves wherever the guest code is mapped. With
    `tally`, it counts its entries and exits in `@<name>.entries` and `.exits`. `jc_shift`
    is the jump cache's (optable.jc_shift of the guest's alignment; 1, 2-byte alignment,
    serves every guest, only less densely than its own). `precise` (with `promote`): the
    guest state is precise when a guest access faults on the host (flush_dirty), for a guest
    that can see it (a handler of SIGSEGV or SIGBUS); it costs hot loops with guest accesses
    a store per field they set. `polls`: hot code's loops test the `interrupt` slot too, as
    tier 1's do (it costs them what they compute only for their exits: lazy flags)."""
    return RegionLowerer(name, blocks, window_bits, threshold, promote, seen, base,
                         tally, jc_shift, precise, polls).lower()

