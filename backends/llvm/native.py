"""The native side of translated code: dispatcher, jump cache, unit tables, guest faults.

`dbt_dispatch(st, mem, ctx)` runs translated regions back to back without returning to Python:
it looks the next guest pc up in a direct-mapped jump cache (entries {pc, function}), calls the
region, and repeats. On a jump-cache miss it searches the unit tables: code loaded from the
persistent cache (a file's translations) comes with a table of (guest offset, function offset)
pairs, sorted, one per block, and a unit entry {lo, hi, bias, table, count, image base} per
guest range where it applies; a pc found there enters the jump cache without Python. It
returns 0 when a pc has no translation (Python translates it), or 1 when a region left for the
runtime (the reason is in the `exit_reason` slot). `ctx` is the Context structure below.

Guest accesses are checked against the window by the generated code; what is inside the window
but not mapped (or not writable) faults on the host. A SIGSEGV handler, also compiled here,
recognises a fault at a guest address while guest code runs and `siglongjmp`s back into the
dispatcher (as qemu-user does), which reports REASON_HOST_FAULT with the guest address and
whether it was a write; the faulting host instruction (`fault_host_pc`) tells the engine the
guest pc (objlink.fault_pc). The guard zones around the window (dbt.memory.WINDOW_GUARD) count
as the window. Any other SIGSEGV gets the default action: a real crash stays a crash.

The module is compiled once per process (or comes from the persistent cache) into a blob; each
runtime places a copy of it, whose globals (the window, the jump buffer) are its own.
"""

from __future__ import annotations

import array
import ctypes
import threading

from dbt.memory import WINDOW_GUARD
from dbt.state import COMMON_SLOTS

from . import rtcache
from .codemem import SYMBOLS, CodeArena
from .objlink import Blob
from .optable import JC_BITS, REASON_HOST_FAULT, jc_index

SIGSEGV = 11
_SA_SIGINFO, _SA_NODEFER = 4, 0x40000000
# x86-64 Linux: siginfo_t.si_addr is at offset 16; ucontext_t.uc_mcontext.gregs[REG_ERR]
# (REG_ERR = 19) at 40 + 19 * 8; bit 1 of the page-fault error code means "write";
# gregs[REG_RIP] (REG_RIP = 16), the faulting instruction, at 40 + 16 * 8.
_SI_ADDR, _REG_ERR, _REG_RIP = 16, 40 + 19 * 8, 40 + 16 * 8


_ODD_TAGS = memoryview(array.array("Q", [(1 << 64) - 1]) * (1 << JC_BITS))
MAX_UNITS = 256                   # guest ranges with a unit table at once


class JumpEntry(ctypes.Structure):
    _fields_ = [("pc", ctypes.c_uint64), ("fn", ctypes.c_uint64)]


class UnitEntry(ctypes.Structure):
    """A guest range [lo, hi) whose translations are in a table: entry i is
    (guest pc - bias) << 32 | (function - base), sorted."""
    _fields_ = [("lo", ctypes.c_uint64), ("hi", ctypes.c_uint64), ("bias", ctypes.c_uint64),
                ("table", ctypes.c_uint64), ("count", ctypes.c_uint64),
                ("base", ctypes.c_uint64)]


class Context(ctypes.Structure):
    """What the dispatcher reads besides the state, the guest window and the thread's own
    (ThreadContext): shared by the guest's threads."""
    _fields_ = [("unused", ctypes.c_void_p), ("mask", ctypes.c_uint64),
                ("units", ctypes.c_void_p), ("nunits", ctypes.c_uint64),
                ("shift", ctypes.c_uint64)]


class ThreadContext(ctypes.Structure):
    """A host thread's own dispatcher state: the jump buffer a guest fault returns through
    (first: the handler longjmps to the structure's address), whether guest code runs, the
    state it runs, the fault's address, error code and host pc, and the thread's jump cache
    (each thread fills its own: another thread's entry is never half-written under it). The
    SIGSEGV handler finds the faulting thread's one with pthread_getspecific."""
    _fields_ = [("jmpbuf", ctypes.c_uint64 * 64), ("in_guest", ctypes.c_int32),
                ("pad", ctypes.c_int32), ("cur_st", ctypes.c_void_p),
                ("fault_addr", ctypes.c_uint64), ("fault_err", ctypes.c_uint64),
                ("fault_rip", ctypes.c_uint64), ("jc", ctypes.c_void_p)]


_T_OFFSETS = {f"t_{name}": getattr(ThreadContext, name).offset
              for name in ("in_guest", "cur_st", "fault_addr", "fault_err", "fault_rip", "jc")}


class _Sigaction(ctypes.Structure):          # glibc's struct sigaction on x86-64
    _fields_ = [("handler", ctypes.c_void_p), ("mask", ctypes.c_uint64 * 16),
                ("flags", ctypes.c_int), ("restorer", ctypes.c_void_p)]


def _slot(name: str) -> int:
    """The slot of a field every GuestState layout has at the same place (the C code below
    addresses it at a constant offset, whatever the guest)."""
    return COMMON_SLOTS[name]


BASE_MODULE = """
@win_lo = dso_local global i64 0
@win_hi = dso_local global i64 0
@win_base = dso_local global i64 0
@thread_key = dso_local global i32 0

declare i32 @__sigsetjmp(ptr, i32) returns_twice
declare void @siglongjmp(ptr, i32) noreturn
declare ptr @signal(i32, ptr)
declare ptr @pthread_getspecific(i32)
declare i32 @pthread_setspecific(i32, ptr)

define void @dbt_segv_handler(i32 %sig, ptr %info, ptr %uctx) {{
entry:
  %key = load i32, ptr @thread_key
  %t = call ptr @pthread_getspecific(i32 %key)
  %known = icmp ne ptr %t, null
  br i1 %known, label %check, label %host
check:
  %pig = getelementptr inbounds i8, ptr %t, i64 {t_in_guest}
  %ig = load volatile i32, ptr %pig
  %pa = getelementptr i8, ptr %info, i64 {si_addr}
  %addr = load i64, ptr %pa
  %lo = load i64, ptr @win_lo
  %hi = load i64, ptr @win_hi
  %c1 = icmp ne i32 %ig, 0
  %c2 = icmp uge i64 %addr, %lo
  %c3 = icmp ult i64 %addr, %hi
  %c12 = and i1 %c1, %c2
  %ours = and i1 %c12, %c3
  br i1 %ours, label %guest, label %host
guest:
  %pe = getelementptr i8, ptr %uctx, i64 {reg_err}
  %err = load i64, ptr %pe
  %pfa = getelementptr inbounds i8, ptr %t, i64 {t_fault_addr}
  store i64 %addr, ptr %pfa
  %pfe = getelementptr inbounds i8, ptr %t, i64 {t_fault_err}
  store i64 %err, ptr %pfe
  %pr = getelementptr i8, ptr %uctx, i64 {reg_rip}
  %rip = load i64, ptr %pr
  %pfr = getelementptr inbounds i8, ptr %t, i64 {t_fault_rip}
  store i64 %rip, ptr %pfr
  store volatile i32 0, ptr %pig
  call void @siglongjmp(ptr %t, i32 1)
  unreachable
host:
  %old = call ptr @signal(i32 %sig, ptr null)
  ret void
}}

; the function of `pc` in the unit tables, or null
define internal ptr @find(ptr %ctx, i64 %pc) {{
entry:
  %pu = getelementptr inbounds {{ ptr, i64, ptr, i64 }}, ptr %ctx, i64 0, i32 2
  %units = load ptr, ptr %pu
  %pn = getelementptr inbounds {{ ptr, i64, ptr, i64 }}, ptr %ctx, i64 0, i32 3
  %n = load i64, ptr %pn
  br label %unit
unit:
  %i = phi i64 [ 0, %entry ], [ %i1, %next ]
  %more = icmp ult i64 %i, %n
  br i1 %more, label %check, label %none
check:
  %u = getelementptr inbounds [6 x i64], ptr %units, i64 %i
  %lo = load i64, ptr %u
  %phi_ = getelementptr inbounds i64, ptr %u, i64 1
  %hi = load i64, ptr %phi_
  %in1 = icmp uge i64 %pc, %lo
  %in2 = icmp ult i64 %pc, %hi
  %in = and i1 %in1, %in2
  br i1 %in, label %search, label %next
next:
  %i1 = add i64 %i, 1
  br label %unit
search:
  %pb = getelementptr inbounds i64, ptr %u, i64 2
  %bias = load i64, ptr %pb
  %pt = getelementptr inbounds i64, ptr %u, i64 3
  %table = load ptr, ptr %pt
  %pc_ = getelementptr inbounds i64, ptr %u, i64 4
  %count = load i64, ptr %pc_
  %off = sub i64 %pc, %bias
  br label %bisect
bisect:
  %a = phi i64 [ 0, %search ], [ %a2, %step ]
  %b = phi i64 [ %count, %search ], [ %b2, %step ]
  %left = icmp ult i64 %a, %b
  br i1 %left, label %probe, label %next
probe:
  %mid0 = add i64 %a, %b
  %mid = lshr i64 %mid0, 1
  %pe = getelementptr inbounds i64, ptr %table, i64 %mid
  %e = load i64, ptr %pe
  %key = lshr i64 %e, 32
  %eq = icmp eq i64 %key, %off
  br i1 %eq, label %found, label %step
step:
  %lt = icmp ult i64 %key, %off
  %mid1 = add i64 %mid, 1
  %a2 = select i1 %lt, i64 %mid1, i64 %a
  %b2 = select i1 %lt, i64 %b, i64 %mid
  br label %bisect
found:
  %fo = and i64 %e, 4294967295
  %pbase = getelementptr inbounds i64, ptr %u, i64 5
  %base = load i64, ptr %pbase
  %fa = add i64 %base, %fo
  %fn = inttoptr i64 %fa to ptr
  ret ptr %fn
none:
  ret ptr null
}}

define i64 @dbt_dispatch(ptr %st, ptr %mem, ptr %ctx, ptr %t) {{
entry:
  %key = load i32, ptr @thread_key
  %set = call i32 @pthread_setspecific(i32 %key, ptr %t)
  %pcur = getelementptr inbounds i8, ptr %t, i64 {t_cur_st}
  store ptr %st, ptr %pcur
  %pig = getelementptr inbounds i8, ptr %t, i64 {t_in_guest}
  %r = call i32 @__sigsetjmp(ptr %t, i32 0) returns_twice
  %first = icmp eq i32 %r, 0
  br i1 %first, label %start, label %faulted
faulted:
  %fst = load ptr, ptr %pcur
  %fbase = load i64, ptr @win_base
  %pfa = getelementptr inbounds i8, ptr %t, i64 {t_fault_addr}
  %a = load i64, ptr %pfa
  %ga = sub i64 %a, %fbase
  %pfe = getelementptr inbounds i8, ptr %t, i64 {t_fault_err}
  %err = load i64, ptr %pfe
  %w = and i64 %err, 2
  %pf = getelementptr inbounds i64, ptr %fst, i64 {fault_addr}
  store i64 %ga, ptr %pf
  %reason = add i64 %w, {host_fault}
  %pr = getelementptr inbounds i64, ptr %fst, i64 {exit_reason}
  store i64 %reason, ptr %pr
  ret i64 1
start:
  store volatile i32 1, ptr %pig
  %pjc = getelementptr inbounds i8, ptr %t, i64 {t_jc}
  %jc = load ptr, ptr %pjc
  %pjs = getelementptr inbounds i64, ptr %st, i64 {jcache}
  store ptr %jc, ptr %pjs
  %pm = getelementptr inbounds {{ ptr, i64, ptr, i64 }}, ptr %ctx, i64 0, i32 1
  %mask = load i64, ptr %pm
  %psh = getelementptr inbounds {{ ptr, i64, ptr, i64, i64 }}, ptr %ctx, i64 0, i32 4
  %shift = load i64, ptr %psh
  %ppc = getelementptr inbounds i64, ptr %st, i64 {pc}
  %pc0 = load i64, ptr %ppc
  br label %loop
loop:
  %pc = phi i64 [ %pc0, %start ], [ %next, %call ]
  %h = lshr i64 %pc, %shift
  %idx = and i64 %h, %mask
  %pt = getelementptr {{ i64, ptr }}, ptr %jc, i64 %idx, i32 0
  %tag = load i64, ptr %pt
  %hit = icmp eq i64 %tag, %pc
  %pf2 = getelementptr {{ i64, ptr }}, ptr %jc, i64 %idx, i32 1
  br i1 %hit, label %call0, label %lookup
call0:
  %fn = load ptr, ptr %pf2
  br label %call1
lookup:
  %found = call ptr @find(ptr %ctx, i64 %pc)
  %none = icmp eq ptr %found, null
  br i1 %none, label %miss, label %fill
fill:
  store i64 %pc, ptr %pt
  store ptr %found, ptr %pf2
  br label %call1
call1:
  %f = phi ptr [ %fn, %call0 ], [ %found, %fill ]
  %next = call i64 %f(ptr %st, ptr %mem, i64 %pc)
  %odd = and i64 %next, 1
  %out = icmp ne i64 %odd, 0
  br i1 %out, label %leave, label %call
call:
  br label %loop
miss:
  store i64 %pc, ptr %ppc
  %pr2 = getelementptr inbounds i64, ptr %st, i64 {exit_reason}
  store i64 0, ptr %pr2
  store volatile i32 0, ptr %pig
  ret i64 0
leave:
  store volatile i32 0, ptr %pig
  ret i64 1
}}
"""


def base_module_text(triple: str) -> str:
    return f'target triple = "{triple}"\n' + BASE_MODULE.format(
        si_addr=_SI_ADDR, reg_err=_REG_ERR, reg_rip=_REG_RIP, fault_addr=_slot("fault_addr"),
        exit_reason=_slot("exit_reason"), pc=_slot("pc"), host_fault=REASON_HOST_FAULT,
        jcache=_slot("jcache"), **_T_OFFSETS)


_libc = ctypes.CDLL(None, use_errno=True)
_libc.sigaction.argtypes = [ctypes.c_int, ctypes.POINTER(_Sigaction), ctypes.POINTER(_Sigaction)]

_libc.pthread_key_create.argtypes = [ctypes.POINTER(ctypes.c_uint32), ctypes.c_void_p]
DispatchFn = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p,
                              ctypes.c_void_p, ctypes.c_void_p)
_thread_key: list = []            # the pthread key of the ThreadContexts, once per process


def _key() -> int:
    if not _thread_key:
        key = ctypes.c_uint32()
        if _libc.pthread_key_create(ctypes.byref(key), None) != 0:
            raise OSError("pthread_key_create failed")
        _thread_key.append(key.value)
    return _thread_key[0]
_blob: list = []                  # the base module linked, once per process


def base_blob() -> Blob:
    """The base module as a blob (from the persistent cache, or compiled, on first use)."""
    if not _blob:
        _blob.append(rtcache.blob("dispatcher", _compile))
    return _blob[0]


def _compile() -> bytes:
    from .compiler import Compiler
    compiler = Compiler(2)
    return compiler.object(base_module_text(compiler.triple))


# (the runtime whose handler has SIGSEGV now, the action the process had before)
_handler_owner: list = [None, None]


class NativeRuntime:
    """The dispatcher and fault handler placed for one guest window, the jump cache and the
    unit tables."""

    def __init__(self, arena: CodeArena, window_base: int, window_size: int,
                 blob: Blob | None = None, jc_shift: int = 1):
        blob = blob or base_blob()
        at = arena.place(blob, SYMBOLS)
        self.dispatch = DispatchFn(at.address(blob.symbols["dbt_dispatch"]))
        self.handler = at.address(blob.symbols["dbt_segv_handler"])
        # the guard zones around the window are the guest's too (dbt.memory.WINDOW_GUARD):
        # a fault there is at a guest address below 0 (wrapped) or past the window
        for name, value in (("win_lo", window_base - WINDOW_GUARD), ("win_base", window_base),
                            ("win_hi", window_base + window_size + WINDOW_GUARD)):
            ctypes.c_uint64.from_address(at.address(blob.symbols[name])).value = value
        ctypes.c_uint32.from_address(at.address(blob.symbols["thread_key"])).value = _key()
        self.mask = (1 << JC_BITS) - 1
        self.units = (UnitEntry * MAX_UNITS)()
        self.jc_shift = jc_shift          # (optable.jc_shift of the guest's alignment)
        self.ctx = Context(0, self.mask, ctypes.addressof(self.units), 0, jc_shift)
        self._ctx_address = ctypes.addressof(self.ctx)
        self._local = threading.local()   # .mine: this host thread's (ThreadContext, cache)
        self.threads: list = []           # (ThreadContext, jump cache) of every thread so far
        self._mine()

    def _mine(self):
        """This host thread's (ThreadContext, jump cache), made on its first use."""
        mine = getattr(self._local, "mine", None)
        if mine is None:
            jc = (JumpEntry * (1 << JC_BITS))()
            ctypes.memset(jc, 0xFF, ctypes.sizeof(jc))         # odd tags: never a guest pc
            t = ThreadContext()
            t.jc = ctypes.addressof(jc)
            mine = self._local.mine = (t, jc, ctypes.addressof(t))
            self.threads.append(mine)
        return mine

    @property
    def jc(self):
        return self._mine()[1]

    @property
    def fault_host_pc(self) -> int:
        """The host instruction of the last guest fault the handler caught in this thread."""
        return self._mine()[0].fault_rip

    def clear_jump_cache(self) -> None:
        """Empty every thread's jump cache. Another thread's is emptied tag by tag (one 8-byte
        store each: its dispatcher, which may be reading it, sees an old entry whole or a
        miss)."""
        own = self._mine()[1]
        ctypes.memset(own, 0xFF, ctypes.sizeof(own))
        for _t, jc, _a in self.threads:
            if jc is not own:
                tags = memoryview(jc).cast("B").cast("Q")
                tags[0::2] = _ODD_TAGS[:len(tags) // 2]

    def set_entry(self, pc: int, fn: int) -> None:
        """Enter pc -> fn in this thread's jump cache (the others find it when they miss)."""
        entry = self._mine()[1][jc_index(pc, self.jc_shift)]
        entry.pc = pc
        entry.fn = fn

    def forget(self, pc: int) -> None:
        index = jc_index(pc, self.jc_shift)
        for _t, jc, _a in self.threads:
            entry = jc[index]
            if entry.pc == pc:
                entry.pc = (1 << 64) - 1

    # -- unit tables ---------------------------------------------------------------------------
    def add_unit(self, lo: int, hi: int, bias: int, table: int, count: int, base: int) -> bool:
        """Let the dispatcher find the functions of [lo, hi) in `table` (False: no room)."""
        n = self.ctx.nunits
        if n == MAX_UNITS:
            return False
        self.units[n] = UnitEntry(lo, hi, bias, table, count, base)
        self.ctx.nunits = n + 1
        return True

    def remove_units(self, lo: int, hi: int) -> bool:
        """Forget the unit tables of ranges overlapping [lo, hi) (the jump cache is cleared:
        it may hold their functions). True if there were any."""
        kept = [u for u in self.units[:self.ctx.nunits] if u.hi <= lo or u.lo >= hi]
        if len(kept) == self.ctx.nunits:
            return False
        for i, u in enumerate(kept):
            self.units[i] = UnitEntry(u.lo, u.hi, u.bias, u.table, u.count, u.base)
        self.ctx.nunits = len(kept)
        self.clear_jump_cache()
        return True

    # -- running -------------------------------------------------------------------------------
    def install_handler(self) -> None:
        """Make this runtime's handler the process's SIGSEGV handler (until
        `restore_handler`); a no-op when it is already. Between runs of guest code the handler
        is harmless: it acts only while its `in_guest` is set."""
        if _handler_owner[0] is self:
            return
        old = _Sigaction()
        self._sigaction(old)
        if _handler_owner[0] is None:
            _handler_owner[1] = old              # what the process had before any of ours
        _handler_owner[0] = self

    def _sigaction(self, old) -> None:
        action = _Sigaction()
        action.handler = self.handler
        action.flags = _SA_SIGINFO | _SA_NODEFER
        if _libc.sigaction(SIGSEGV, ctypes.byref(action),
                           ctypes.byref(old) if old is not None else None) != 0:
            raise OSError(ctypes.get_errno(), "sigaction(SIGSEGV) failed")

    def restore_handler(self) -> None:
        if _handler_owner[0] is self:
            _libc.sigaction(SIGSEGV, ctypes.byref(_handler_owner[1]), None)
            _handler_owner[0] = _handler_owner[1] = None

    def run(self, state_buffer, mem_base: int) -> int:
        return self.dispatch(ctypes.addressof(state_buffer), mem_base, self._ctx_address,
                             self._mine()[2])
