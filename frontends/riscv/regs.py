"""RISC-V register accessors: the one place that owns the ISA's register rules.

* x0 reads as zero and ignores writes;
* `*W` instructions write a 32-bit result sign-extended to 64 bits (`set_x_w`);
* single-precision values live NaN-boxed in the 64-bit f registers: reads of an improperly
  boxed value see the canonical NaN (`get_f(…, F32)`), writes box (`set_f(…, F32)`);
  the transfer instructions (flw/fsw/fmv) use `get_f_raw`/`set_f_raw` and move bits unchecked;
* a dynamic rounding mode is `frm`, and a reserved one (5-7) is an illegal instruction (`rm`).
"""

from __future__ import annotations

from dbt.ir.block import Const, Value
from dbt.ir.builder import IRBuilder
from dbt.ir.ops import RM_RMM, TRAP_ILLEGAL
from dbt.ir.types import F32, F64, I32, I64, Type

XLEN_MASK = (1 << 64) - 1
BOX = 0xFFFFFFFF_00000000
CANONICAL_NAN = {F32: 0x7FC00000, F64: 0x7FF8000000000000}
ABI_NAMES = ("zero ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 "
             "s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6").split()
FP_ABI_NAMES = ("ft0 ft1 ft2 ft3 ft4 ft5 ft6 ft7 fs0 fs1 fa0 fa1 fa2 fa3 fa4 fa5 fa6 fa7 "
                "fs2 fs3 fs4 fs5 fs6 fs7 fs8 fs9 fs10 fs11 ft8 ft9 ft10 ft11").split()
DYNAMIC_RM = 7
_X_FIELDS = tuple(f"x{r}" for r in range(32))
_F_FIELDS = tuple(f"f{r}" for r in range(32))
_ZERO = Const(0, I64)                    # (constants are immutable: one serves every x0 read)


class Ctx:
    """What a `trans_*` function sees: the builder and the instruction's address."""

    __slots__ = ("b", "pc", "next_pc", "frm_checked")

    def __init__(self, b: IRBuilder):
        self.b = b
        self.pc = 0
        self.next_pc = 0
        self.frm_checked = False        # has the block tested frm since it last wrote it?

    # -- integer registers ---------------------------------------------------------------------
    def x(self, r: int) -> Value:
        return _ZERO if r == 0 else self.b.get(_X_FIELDS[r])

    def set_x(self, r: int, value: Value) -> None:
        if r != 0:
            self.b.set(value, field=_X_FIELDS[r])

    def set_x_w(self, r: int, value32: Value) -> None:
        """Write a 32-bit result sign-extended (the RV64 `*W` rule)."""
        if r != 0:
            self.b.set(self.b.sext(value32, type=I64), field=_X_FIELDS[r])

    def x_w(self, r: int) -> Value:
        """The low 32 bits of a register."""
        return self.b.trunc(self.x(r), type=I32)

    def imm(self, value: int) -> Value:
        return Const(value, I64)                # (Const keeps the low 64 bits)

    # -- floating-point registers -----------------------------------------------------------------
    def get_f_raw(self, r: int) -> Value:
        return self.b.get(_F_FIELDS[r])

    def set_f_raw(self, r: int, value64: Value) -> None:
        self.b.set(value64, field=_F_FIELDS[r])

    def get_f(self, r: int, fmt: Type) -> Value:
        """An FP operand as a float value (NaN-unboxed for single precision)."""
        b = self.b
        raw = self.get_f_raw(r)
        if fmt is F64:
            return b.bitcast(raw, type=F64)
        boxed = b.eq(b.shr_u(raw, 32), 0xFFFFFFFF)
        bits = b.select(boxed, b.trunc(raw, type=I32), b.const(CANONICAL_NAN[F32], I32))
        return b.bitcast(bits, type=F32)

    def set_f(self, r: int, value: Value) -> None:
        """Write a float value (single precision is NaN-boxed)."""
        b = self.b
        if value.type is F64:
            self.set_f_raw(r, b.bitcast(value, type=I64))
        else:
            self.set_f_raw(r, box(b, b.bitcast(value, type=I32)))

    def rm(self, rm: int) -> Value:
        """The rounding-mode operand: the static field, or `frm` when it says dynamic. A
        reserved `frm` (5-7) makes the instruction illegal: the first FP instruction of a
        block with a dynamic mode tests it, and the next after a write of frm (the IR's FP ops
        take one of the five modes only)."""
        if rm != DYNAMIC_RM:
            return self.b.const(rm, I64)
        b = self.b
        frm = b.get("frm")
        if not self.frm_checked:
            b.trap_if(b.lt_u(b.const(RM_RMM, I64), frm), kind=TRAP_ILLEGAL)
            self.frm_checked = True
        return frm


def box(b: IRBuilder, bits32: Value) -> Value:
    """NaN-box 32 bits into a 64-bit f register value."""
    return b.or_(b.zext(bits32, type=I64), BOX)
