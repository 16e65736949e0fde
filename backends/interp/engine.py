"""The interpreter engine: block cache and the dispatch loop.

`run(pc)` executes blocks until one leaves to the runtime (syscall, icache flush, trap) or raises
a guest fault; it never knows which ISA the blocks came from.
"""

from __future__ import annotations

import marshal
import struct
import time
from importlib.util import MAGIC_NUMBER
from typing import Callable

from dbt.cache.code_cache import CodeCache
from dbt.ir.block import Block
from dbt.memory import GuestFault
from dbt.state import COMMON_SLOTS, GuestState
from dbt.traps import GuestTrap

from .codegen import CODE_NAMES, EXIT_SHIFT, Movable, move, translate_block
from .helpers import make_namespace

PC_MASK = (1 << EXIT_SHIFT) - 1
_PC, _INTR = COMMON_SLOTS["pc"], COMMON_SLOTS["interrupt"]
_PAGE = 4096

# Every translation of this process, by content, for every engine of it: the lift's
# identity -> {key: Translation or [Translation, ...]}, where the key is pc's offset in its
# page and the block's first two bytes (_key). The same bytes at the same offset in another
# page are the same block (lifting reads nothing but the block's bytes, and a block ends
# where its bytes say or where the next one cannot be fetched: a block reused where it could
# be fetched on ends with a jump there), and its function moves there (codegen.move). That
# is how an image that a guest's execve runs in this process (linux.spawn.ExecImage) finds
# ld.so's and libc's blocks that its parent translated, wherever the new image maps them; a
# forked child has its parent's; and translations kept on disk by earlier processes come
# back through `absorb`. (Few objects per block: the collector walks them all.)
_REUSABLE: dict = {}
_NEW: list = []                           # translations this process made and nobody kept yet


class Translation:
    """One translation of a block: where it was made, the block's bytes, its function as a
    codegen.Movable (None: it cannot move), and what locates a fault in it (the IR block,
    None for one read from disk; the source; the linemap; the offsets of its
    instructions)."""
    __slots__ = ("pc", "code", "movable", "ninsns", "block", "source", "linemap", "offsets")

    def __init__(self, pc: int, code: bytes | None, movable, ninsns: int, block, source: str,
                 linemap: dict, offsets: tuple | None = None):
        self.pc = pc
        self.code = code
        self.movable = movable
        self.ninsns = ninsns
        self.block = block
        self.source = source
        self.linemap = linemap
        self.offsets = offsets

    def index(self, pc: int) -> int:
        """The index in the block of its instruction at `pc` (as made)."""
        if self.block is not None:
            return self.block.insn_pcs().index(pc)
        return self.offsets.index(pc - self.pc)


# Tier 0's translations on disk: _FORMAT, then chunks, each a 4-byte length and the marshal
# of [(pc, bytes, shape, numbers, pcs, ninsns, offsets, linemap), ...]; blocks of one shape
# share its code object (marshal writes it once). Adding translations adds a chunk.
_FORMAT = b"dbt-vm tier 0 2 " + MAGIC_NUMBER     # (bytecode: this Python's only)
_LENGTH = struct.Struct("<I")


def pack(translations: list, old: bytes | None = None) -> bytes:
    """`old` (bytes `pack` made, or None) with `translations` added, to be read by `unpack` in
    a process of this same dbt-vm and Python (the persistent cache's key says which)."""
    rows = []
    for t in translations:
        offsets = t.offsets if t.block is None else tuple(p - t.pc for p in t.block.insn_pcs())
        rows.append((t.pc, t.code, *t.movable, t.ninsns, offsets, t.linemap))
    chunk = marshal.dumps(rows)
    if old is None or not old.startswith(_FORMAT):
        old = _FORMAT
    return b"".join((old, _LENGTH.pack(len(chunk)), chunk))


def unpack(data: bytes) -> list:
    """The translations of `pack`'s bytes (as far as they are whole); [] for bytes it did not
    make."""
    out: list = []
    if not data.startswith(_FORMAT):
        return out
    view, at = memoryview(data), len(_FORMAT)
    try:
        while at + 4 <= len(data):
            (length,), at = _LENGTH.unpack_from(data, at), at + 4
            rows, at = marshal.loads(view[at:at + length]), at + length
            out += [Translation(pc, code, Movable(shape, numbers, pcs), ninsns, None, "",
                                linemap, offsets)
                    for pc, code, shape, numbers, pcs, ninsns, offsets, linemap in rows]
    except (ValueError, EOFError, TypeError):
        pass
    return out


def _key(pc: int, code: bytes) -> int:
    """A block's key in the memo: pc's offset in its page and the block's first two bytes."""
    return pc & (_PAGE - 1) | code[0] << 12 | code[1] << 20


def _remember(memo: dict, key: int, made: Translation) -> bool:
    """Add a translation to the memo under `key`; False if one of the same bytes is there."""
    known = memo.get(key)
    if known is None:
        memo[key] = made
    elif type(known) is list:
        if any(k.code == made.code for k in known):
            return False
        known.append(made)
    elif known.code == made.code:
        return False
    else:
        memo[key] = [known, made]
    return True


def absorb(identity, translations: list) -> int:
    """Make translations (read from disk) reusable by engines lifting for `identity`; the
    number that were new here."""
    memo = _REUSABLE.setdefault(identity, {})
    return sum(_remember(memo, _key(t.pc, t.code), t) for t in translations
               if len(t.code) >= 2)


def take_new() -> list:
    """The translations made in this process since the last call (to keep them on disk)."""
    new = _NEW[:]
    _NEW.clear()
    return new


def forget_new() -> None:
    """In a forked child: what the parent made is the parent's to keep."""
    _NEW.clear()


class InterpEngine:
    name = "interp"

    def __init__(self, state: GuestState, memory, lift: Callable[[int], Block],
                 on_block: Callable[[Block], None] | None = None):
        self.state = state
        self.layout = state.layout        # what the blocks it runs are lifted for
        self.memory = memory
        self.lift = lift
        self.on_block = on_block          # trace hook: sees every newly lifted block
        self.code = CodeCache()           # pc -> (function, guest instructions)
        # pc -> its last Translation, or (Translation, delta) for one made `delta` bytes
        # before pc (reused: the pcs in its block and linemap are `delta` lower): translation()
        self.debug: dict[int, object] = {}
        self.find = None                  # find(pc): True if it made translations of pc's
        #                                   code reusable (absorb), which were not before
        self.ns = make_namespace(state.regs, memory, self)
        self.icount = 0                   # guest instructions retired
        self.blocks_lifted = 0
        self.insns_lifted = 0
        self.blocks_reused = 0            # of them translations made elsewhere (see _REUSABLE)
        self.blocks_stored = 0            # ... of them by earlier processes (read from disk)
        self.lift_seconds = 0.0
        # Translations are shared by content when the lift says what it lifts for (its
        # `identity`: the same bytes give the same block) and no hook sees each new block
        self.identity = getattr(lift, "identity", None) if on_block is None else None
        self.memo = None if self.identity is None else _REUSABLE.setdefault(self.identity, {})
        memory.write_listeners.append(self._on_memory_change)

    def bind(self, task) -> None:
        """Run the state of `task` (a guest thread, threads.Task) from now on: the runtime
        binds the engine to the thread that holds the big lock."""
        self.state = task.state

    # -- translation ---------------------------------------------------------------------------
    def translate(self, pc: int) -> tuple:
        start = time.perf_counter()
        memo = self.memo
        key = None
        if memo is not None:
            head = self.memory.fetch(pc, 2)
            key = None if head is None else _key(pc, head)
            entry = None
            if key is not None:
                if key in memo:
                    entry = self._reuse(pc, memo[key])
                if entry is None and self.find is not None and self.find(pc) and key in memo:
                    entry = self._reuse(pc, memo[key])
            if entry is not None:
                self.lift_seconds += time.perf_counter() - start
                return entry
        block = self.lift(pc)
        if self.on_block is not None:
            self.on_block(block)
        if block.layout is not self.layout and block.layout != self.layout:
            raise ValueError(f"block {pc:#x} was lifted for another GuestState layout")
        fn, source, linemap, movable = translate_block(block, self.ns)
        entry = (fn, block.ninsns)
        self.code.insert(pc, block.pc, block.end_pc, entry)
        made = Translation(pc, None, movable, block.ninsns, block, source, linemap)
        self.debug[pc] = made
        self.blocks_lifted += 1
        self.insns_lifted += block.ninsns
        if key is not None and movable is not None:
            made.code = self.memory.fetch(pc, block.end_pc - pc)
            if made.code is not None and _remember(memo, key, made):
                _NEW.append(made)
        self.lift_seconds += time.perf_counter() - start
        return entry

    def _reuse(self, pc: int, known) -> tuple | None:
        """The entry of a translation of the same bytes at pc's offset in another page (or
        in another image at pc), now made for pc; None when there is none."""
        fetch = self.memory.fetch
        for made in (known if type(known) is list else (known,)):
            code = made.code
            if fetch(pc, len(code)) == code:
                break
        else:
            return None
        self.blocks_stored += made.block is None
        delta = pc - made.pc
        entry = (move(made.movable, delta, f"blk_{pc:x}", self.ns), made.ninsns)
        self.code.insert(pc, pc, pc + len(code), entry)
        self.debug[pc] = (made, delta)
        self.blocks_lifted += 1
        self.insns_lifted += made.ninsns
        self.blocks_reused += 1
        return entry

    def translation(self, pc: int) -> tuple:
        """(Translation, delta) of the block at pc: made `delta` bytes before pc."""
        made = self.debug[pc]
        return (made, 0) if type(made) is Translation else made

    def block_at(self, pc: int) -> Block:
        """The IR block of the translation at pc (lifted again if it was made elsewhere)."""
        made, delta = self.translation(pc)
        return made.block if made.block is not None and not delta else self.lift(pc)

    def flush(self) -> None:
        """Forget every translation (fence.i)."""
        self.code.flush()
        self.debug.clear()

    def _on_memory_change(self, addr: int, length: int) -> None:
        """Drop the translations of code on pages that were remapped or reprotected."""
        self.code.invalidate(addr, length)

    # -- execution -----------------------------------------------------------------------------
    def run(self, pc: int) -> tuple[str, int]:
        """Run from `pc` until an exit; return (reason, pc) with R[pc] updated."""
        R = self.state.regs
        get = self.code.entries.get
        translate = self.translate
        icount = 0
        k = 0
        try:
            while True:
                entry = get(pc)
                if entry is None:
                    entry = translate(pc)
                fn, k = entry
                icount += k
                pc = fn(R)
                if pc >> EXIT_SHIFT:
                    break
                if R[_INTR]:                # a signal for a guest handler (linux/signals.py)
                    self.icount += icount
                    R[_PC] = pc
                    return "interrupt", pc
        except (GuestFault, GuestTrap, IndexError) as exc:
            raise self._fault(exc, pc, icount - k) from None
        self.icount += icount
        R[_PC] = pc & PC_MASK
        return CODE_NAMES[pc >> EXIT_SHIFT], pc & PC_MASK

    def run_counted(self, pc: int, runs: dict, limit: int, native, force: bool = False,
                    every: int = 1) -> tuple[str, int]:
        """`run` as a first tier under a JIT (the auto mode): count each block's runs in
        `runs`, and stop with ("jump", pc) before a block that ran `limit` times already,
        and after that before every `every`-th run of it (unless it is the first block and
        `force`), or before a block for which `native(pc)` says that there is native code.
        (`run`'s loop with counting added: the interp mode's own loop stays free of it.)"""
        R = self.state.regs
        get = self.code.entries.get
        translate = self.translate
        icount = 0
        k = 0
        try:
            while True:
                n = runs.get(pc, 0)
                if n >= limit and not force and (n == limit or n % every == 0):
                    break
                force = False
                runs[pc] = n + 1
                entry = get(pc)
                if entry is None:
                    entry = translate(pc)
                fn, k = entry
                icount += k
                pc = fn(R)
                if pc >> EXIT_SHIFT:
                    self.icount += icount
                    R[_PC] = pc & PC_MASK
                    return CODE_NAMES[pc >> EXIT_SHIFT], pc & PC_MASK
                if R[_INTR]:                # a signal for a guest handler (linux/signals.py)
                    self.icount += icount
                    R[_PC] = pc
                    return "interrupt", pc
                if native(pc):
                    break
        except (GuestFault, GuestTrap, IndexError) as exc:
            raise self._fault(exc, pc, icount - k) from None
        self.icount += icount
        R[_PC] = pc
        return "jump", pc

    def step(self, pc: int) -> tuple[str, int]:
        """Run the one block at `pc`: ("jump", next pc), or an exit as `run` returns it."""
        R = self.state.regs
        entry = self.code.entries.get(pc) or self.translate(pc)
        fn, k = entry
        icount = k                       # read by retired() through this frame, as in run()
        try:
            nxt = fn(R)
        except (GuestFault, GuestTrap, IndexError) as exc:
            raise self._fault(exc, pc, 0) from None
        self.icount += icount
        R[_PC] = nxt & PC_MASK
        if nxt >> EXIT_SHIFT:
            return CODE_NAMES[nxt >> EXIT_SHIFT], nxt & PC_MASK
        return "jump", nxt

    def _fault(self, exc: Exception, block_pc: int, retired: int) -> Exception:
        """The guest exception of a block's raising line, with the pc and the instructions
        retired (`retired` before the block, then the block's up to that line) updated."""
        fault_pc, index, addr = self._locate(exc, block_pc)
        self.icount += retired + index
        self.state.regs[_PC] = fault_pc
        return _as_guest_exception(exc, fault_pc, addr)

    def _locate(self, exc: Exception, block_pc: int) -> tuple[int, int, tuple]:
        """(guest pc, instruction index in its block, (address, access)) of a raising line."""
        tb = exc.__traceback__
        while tb is not None and not tb.tb_frame.f_code.co_name.startswith("blk_"):
            tb = tb.tb_next
        if tb is None or isinstance(exc, IndexError) and tb.tb_next is not None:
            raise exc                     # not raised by a block's own memory access: a bug
        made, delta = self.translation(int(tb.tb_frame.f_code.co_name[4:], 16))
        pc, addr_name, access = made.linemap[tb.tb_lineno]
        addr = None
        if addr_name is not None:
            addr = tb.tb_frame.f_locals.get(addr_name)
            if addr is None:
                addr = int(addr_name, 0) + (delta if addr_name.startswith("0X") else 0)
        return pc + delta, made.index(pc), (addr, access)

    def retired(self, block_frame, index: int) -> int:
        """Instructions retired before instruction `index` of the running block."""
        run_frame = block_frame.f_back
        return self.icount + run_frame.f_locals["icount"] - run_frame.f_locals["k"] + index


def _as_guest_exception(exc: Exception, pc: int, where: tuple) -> Exception:
    if isinstance(exc, (GuestFault, GuestTrap)):
        exc.pc = pc
        return exc
    addr, access = where                   # IndexError: an address outside the guest window
    return GuestFault(addr, access or "read", pc=pc)


def make_engine(state: GuestState, memory, lift: Callable[[int], Block], options) -> InterpEngine:
    """The runtime's entry point (dbt.runtime.ENGINES)."""
    return InterpEngine(state, memory, lift, options.on_block)
