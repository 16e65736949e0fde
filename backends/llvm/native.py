"""The native side of dynamic translation: dispatcher, jump cache and guest-fault handling.

`dbt_dispatch(st, mem, jc, mask)` runs translated regions back to back without returning to
Python: it looks the next guest pc up in a direct-mapped jump cache (entries {pc, function}),
calls the region, and repeats. It returns 0 when a pc has no entry (Python translates it), or 1
when a region left for the runtime (the reason is in the `exit_reason` slot).

Guest accesses are checked against the window by the generated code; what is inside the window
but not mapped (or not writable) faults on the host. A SIGSEGV handler, also compiled here,
recognises a fault at a guest address while guest code runs and `siglongjmp`s back into the
dispatcher (as qemu-user does), which reports REASON_HOST_FAULT with the guest address and
whether it was a write. Any other SIGSEGV gets the default action: a real crash stays a crash.
"""

from __future__ import annotations

import ctypes

from dbt.state import LAYOUT

from .optable import REASON_HOST_FAULT

JC_BITS = 16                      # jump cache entries: 64 Ki
SIGSEGV = 11
_SA_SIGINFO, _SA_NODEFER = 4, 0x40000000
# x86-64 Linux: siginfo_t.si_addr is at offset 16; ucontext_t.uc_mcontext.gregs[REG_ERR]
# (REG_ERR = 19) at 40 + 19 * 8; bit 1 of the page-fault error code means "write".
_SI_ADDR, _REG_ERR = 16, 40 + 19 * 8


class JumpEntry(ctypes.Structure):
    _fields_ = [("pc", ctypes.c_uint64), ("fn", ctypes.c_uint64)]


class _Sigaction(ctypes.Structure):          # glibc's struct sigaction on x86-64
    _fields_ = [("handler", ctypes.c_void_p), ("mask", ctypes.c_uint64 * 16),
                ("flags", ctypes.c_int), ("restorer", ctypes.c_void_p)]


def _slot(name: str) -> int:
    return LAYOUT[name].slot


BASE_MODULE = """
@jmpbuf = global [512 x i8] zeroinitializer, align 16
@in_guest = global i32 0
@win_lo = global i64 0
@win_hi = global i64 0
@cur_st = global ptr null
@fault_addr = global i64 0
@fault_err = global i64 0

declare i32 @__sigsetjmp(ptr, i32) returns_twice
declare void @siglongjmp(ptr, i32) noreturn
declare ptr @signal(i32, ptr)

define void @dbt_segv_handler(i32 %sig, ptr %info, ptr %uctx) {{
entry:
  %ig = load volatile i32, ptr @in_guest
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
  store i64 %addr, ptr @fault_addr
  store i64 %err, ptr @fault_err
  store volatile i32 0, ptr @in_guest
  call void @siglongjmp(ptr @jmpbuf, i32 1)
  unreachable
host:
  %old = call ptr @signal(i32 %sig, ptr null)
  ret void
}}

define i64 @dbt_dispatch(ptr %st, ptr %mem, ptr %jc, i64 %mask) {{
entry:
  store ptr %st, ptr @cur_st
  %r = call i32 @__sigsetjmp(ptr @jmpbuf, i32 0) returns_twice
  %first = icmp eq i32 %r, 0
  br i1 %first, label %start, label %faulted
faulted:
  %fst = load ptr, ptr @cur_st
  %lo = load i64, ptr @win_lo
  %a = load i64, ptr @fault_addr
  %ga = sub i64 %a, %lo
  %err = load i64, ptr @fault_err
  %w = and i64 %err, 2
  %pf = getelementptr inbounds i64, ptr %fst, i64 {fault_addr}
  store i64 %ga, ptr %pf
  %reason = add i64 %w, {host_fault}
  %pr = getelementptr inbounds i64, ptr %fst, i64 {exit_reason}
  store i64 %reason, ptr %pr
  ret i64 1
start:
  store volatile i32 1, ptr @in_guest
  %ppc = getelementptr inbounds i64, ptr %st, i64 {pc}
  %pc0 = load i64, ptr %ppc
  br label %loop
loop:
  %pc = phi i64 [ %pc0, %start ], [ %next, %call ]
  %h = lshr i64 %pc, 1
  %idx = and i64 %h, %mask
  %pt = getelementptr {{ i64, ptr }}, ptr %jc, i64 %idx, i32 0
  %tag = load i64, ptr %pt
  %hit = icmp eq i64 %tag, %pc
  br i1 %hit, label %call0, label %miss
call0:
  %pf2 = getelementptr {{ i64, ptr }}, ptr %jc, i64 %idx, i32 1
  %fn = load ptr, ptr %pf2
  %next = call i64 %fn(ptr %st, ptr %mem, i64 %pc)
  %odd = and i64 %next, 1
  %out = icmp ne i64 %odd, 0
  br i1 %out, label %leave, label %call
call:
  br label %loop
miss:
  store i64 %pc, ptr %ppc
  %pr2 = getelementptr inbounds i64, ptr %st, i64 {exit_reason}
  store i64 0, ptr %pr2
  store volatile i32 0, ptr @in_guest
  ret i64 0
leave:
  store volatile i32 0, ptr @in_guest
  ret i64 1
}}
"""


def base_module_text(triple: str) -> str:
    return f'target triple = "{triple}"\n' + BASE_MODULE.format(
        si_addr=_SI_ADDR, reg_err=_REG_ERR, fault_addr=_slot("fault_addr"),
        exit_reason=_slot("exit_reason"), pc=_slot("pc"), host_fault=REASON_HOST_FAULT)


_libc = ctypes.CDLL(None, use_errno=True)
_libc.sigaction.argtypes = [ctypes.c_int, ctypes.POINTER(_Sigaction), ctypes.POINTER(_Sigaction)]

DispatchFn = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p,
                              ctypes.c_void_p, ctypes.c_uint64)


class NativeRuntime:
    """The dispatcher and fault handler compiled for one guest window, plus the jump cache."""

    def __init__(self, jit, window_base: int, window_size: int):
        self.jit = jit
        self.window_base = window_base
        self.window_size = window_size
        self.jc = (JumpEntry * (1 << JC_BITS))()
        self.mask = (1 << JC_BITS) - 1
        self.clear_jump_cache()
        self._old_action = None
        self.load()

    def rebind(self, jit) -> None:
        """Move to a new LLVM engine: the dispatcher and handler are compiled there, and the
        handler installed now is the new one (the old engine's code is about to be freed)."""
        self.jit = jit
        self.load()
        if self._old_action is not None:
            self._sigaction(None)

    def load(self) -> None:
        """(Re)compile the base module into the current LLVM engine."""
        text = base_module_text(self.jit.triple)
        addrs = self.jit.compile(text, ["dbt_dispatch", "dbt_segv_handler"])
        self.base_module = self.jit.modules[-1]
        self.dispatch = DispatchFn(addrs["dbt_dispatch"])
        self.handler = addrs["dbt_segv_handler"]
        for name, value in (("win_lo", self.window_base),
                            ("win_hi", self.window_base + self.window_size)):
            addr = self.jit.global_address(self.base_module, name)
            ctypes.c_uint64.from_address(addr).value = value

    def clear_jump_cache(self) -> None:
        ctypes.memset(self.jc, 0xFF, ctypes.sizeof(self.jc))      # odd tags: never a guest pc

    def set_entry(self, pc: int, fn: int) -> None:
        entry = self.jc[(pc >> 1) & self.mask]
        entry.pc = pc
        entry.fn = fn

    def forget(self, pc: int) -> None:
        entry = self.jc[(pc >> 1) & self.mask]
        if entry.pc == pc:
            entry.pc = (1 << 64) - 1

    def install_handler(self) -> None:
        old = _Sigaction()
        self._sigaction(old)
        self._old_action = old

    def _sigaction(self, old) -> None:
        action = _Sigaction()
        action.handler = self.handler
        action.flags = _SA_SIGINFO | _SA_NODEFER
        if _libc.sigaction(SIGSEGV, ctypes.byref(action),
                           ctypes.byref(old) if old is not None else None) != 0:
            raise OSError(ctypes.get_errno(), "sigaction(SIGSEGV) failed")

    def restore_handler(self) -> None:
        if self._old_action is not None:
            _libc.sigaction(SIGSEGV, ctypes.byref(self._old_action), None)
            self._old_action = None

    def run(self, state_buffer, mem_base: int) -> int:
        return self.dispatch(ctypes.addressof(state_buffer), mem_base,
                             ctypes.addressof(self.jc), self.mask)
