"""AArch64 register accessors: the one place that owns the ISA's register rules.

* Register 31 is the stack pointer or the zero register depending on the instruction: `x`/`w`
  read XZR (zero) and `set_x`/`set_w` discard writes to it; `xsp`/`set_xsp` are the SP forms.
  SP lives in the state field `x31`.
* A W-register write zero-extends the 32-bit result into the X register (`set_w`); `reg`/
  `set_reg` pick the width from an instruction's `sf` bit.
* The SIMD&FP register Vn is the pair of 64-bit fields (f<n>: bits 63..0, vhi<n>: 127..64). A
  scalar write (B, H, S, D) zeroes the rest of the register, as every AArch64 scalar FP/SIMD
  write does.
* NZCV are the i1 fields n, z, c, v. A flag-setting instruction also leaves in the context what
  it compared (`flags_from`), so that a condition later in the same block is one compare of the
  original operands (`cond`), which is what makes `cmp x0, x1; b.lt` a compare and a branch;
  the flag fields are still written, and dead writes go in the optimiser.
"""

from __future__ import annotations

from dbt.ir.block import Const, Value
from dbt.ir.builder import IRBuilder
from dbt.ir.types import F16, F32, F64, I1, I8, I16, I32, I64, I128, V128, Type

_X_FIELDS = tuple(f"x{r}" for r in range(32))          # x31 is SP
_F_FIELDS = tuple(f"f{r}" for r in range(32))
_VHI_FIELDS = tuple(f"vhi{r}" for r in range(32))
ZERO64 = Const(0, I64)
ZERO32 = Const(0, I32)
INT_TYPES = {0: I8, 1: I16, 2: I32, 3: I64, 4: I128}  # log2 bytes -> type
_FLOAT_SIZES = {F16: 1, F32: 2, F64: 3}

# Conditions (Arm ARM C1.2.4): code >> 1 names the test, code & 1 inverts it (except AL/NV).
COND_NAMES = ("eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc",
              "hi", "ls", "ge", "lt", "gt", "le", "al", "nv")


class Ctx:
    """What a `trans_*` function sees: the builder, the instruction's address and what the
    block knows about the flags."""

    __slots__ = ("b", "pc", "next_pc", "flags", "compared", "control")

    def __init__(self, b: IRBuilder):
        self.b = b
        self.pc = 0
        self.next_pc = 0
        self.flags = None       # (n, z, c, v) values written in this block, if any
        self.compared = None    # ("sub" | "logic", a, b-or-None) behind self.flags
        self.control = None     # the FP ops' control operand, made from FPCR once per block

    # -- general-purpose registers ---------------------------------------------------------------
    def x(self, r: int) -> Value:
        return ZERO64 if r == 31 else self.b.get(_X_FIELDS[r])

    def xsp(self, r: int) -> Value:
        return self.b.get(_X_FIELDS[r])

    def w(self, r: int) -> Value:
        return ZERO32 if r == 31 else self.b.trunc(self.b.get(_X_FIELDS[r]), type=I32)

    def wsp(self, r: int) -> Value:
        return self.b.trunc(self.b.get(_X_FIELDS[r]), type=I32)

    def set_x(self, r: int, value: Value) -> None:
        if r != 31:
            self.b.set(value, field=_X_FIELDS[r])

    def set_xsp(self, r: int, value: Value) -> None:
        self.b.set(value, field=_X_FIELDS[r])

    def set_w(self, r: int, value32: Value) -> None:
        if r != 31:
            self.b.set(self.b.zext(value32, type=I64), field=_X_FIELDS[r])

    def reg(self, r: int, sf: int) -> Value:
        """Xr (sf = 1) or Wr, register 31 the zero register."""
        return self.x(r) if sf else self.w(r)

    def reg_sp(self, r: int, sf: int) -> Value:
        return self.xsp(r) if sf else self.wsp(r)

    def set_reg(self, r: int, sf: int, value: Value) -> None:
        self.set_x(r, value) if sf else self.set_w(r, value)

    def set_reg_sp(self, r: int, sf: int, value: Value) -> None:
        if sf:
            self.set_xsp(r, value)
        else:
            self.b.set(self.b.zext(value, type=I64), field=_X_FIELDS[r])

    # -- SIMD&FP registers ------------------------------------------------------------------------
    def v_lo(self, r: int) -> Value:
        return self.b.get(_F_FIELDS[r])

    def v_hi(self, r: int) -> Value:
        return self.b.get(_VHI_FIELDS[r])

    def set_v_parts(self, r: int, lo: Value, hi: Value) -> None:
        self.b.set(lo, field=_F_FIELDS[r])
        self.b.set(hi, field=_VHI_FIELDS[r])

    def vreg(self, r: int) -> Value:
        """Vr as a v128."""
        b = self.b
        wide = b.or_(b.zext(self.v_lo(r), type=I128),
                     b.shl(b.zext(self.v_hi(r), type=I128), 64))
        return b.bitcast(wide, type=V128)

    def set_vreg(self, r: int, value: Value) -> None:
        """Write Vr from a v128 or an i128."""
        b = self.b
        wide = value if value.type is I128 else b.bitcast(value, type=I128)
        self.set_v_parts(r, b.trunc(wide, type=I64), b.trunc(b.shr_u(wide, 64), type=I64))

    def vscalar(self, r: int, size: int) -> Value:
        """The low 8 << size bits of Vr as an integer (size 0..4: B H S D Q)."""
        if size == 4:
            return self.b.bitcast(self.vreg(r), type=I128)
        lo = self.v_lo(r)
        return lo if size == 3 else self.b.trunc(lo, type=INT_TYPES[size])

    def set_vscalar(self, r: int, value: Value) -> None:
        """Write an integer of 8..128 bits to Vr, zeroing the rest of the register."""
        b = self.b
        if value.type is I128 or value.type is V128:
            self.set_vreg(r, value)
            return
        lo = value if value.type is I64 else b.zext(value, type=I64)
        self.set_v_parts(r, lo, ZERO64)

    # -- floating point ---------------------------------------------------------------------------
    def fp(self, r: int, t: Type) -> Value:
        """The low bits of Vr as a float of type t (F16, F32, F64)."""
        return self.b.bitcast(self.vscalar(r, _FLOAT_SIZES[t]), type=t)

    def set_fp(self, r: int, value: Value) -> None:
        """Write a float to the low bits of Vr, zeroing the rest of the register."""
        self.set_vscalar(r, self.b.bitcast(value, type=INT_TYPES[_FLOAT_SIZES[value.type]]))

    def fp_control(self) -> Value:
        """The control operand of FP ops (rounding mode, DN, FZ) from FPCR (made once per
        block; an MSR FPCR forgets it)."""
        if self.control is None:
            from .fpsr import control_from_fpcr
            self.control = control_from_fpcr(self.b, self.b.get("fpcr"))
        return self.control

    # -- flags ------------------------------------------------------------------------------------
    def set_flags(self, n: Value, z: Value, c: Value, v: Value, compared=None) -> None:
        b = self.b
        for field, value in zip("nzcv", (n, z, c, v)):
            b.set(value, field=field)
        self.flags = (n, z, c, v)
        self.compared = compared

    def get_flags(self) -> tuple:
        if self.flags is None:
            b = self.b
            self.flags = (b.get("n"), b.get("z"), b.get("c"), b.get("v"))
        return self.flags

    def set_nzcv_bits(self, nzcv: int) -> None:
        """Set the flags from a 4-bit constant (N is bit 3)."""
        bits = [Const((nzcv >> i) & 1, I1) for i in (3, 2, 1, 0)]
        self.set_flags(*bits)

    def cond(self, code: int) -> Value:
        """The i1 value of condition `code` (0-15) from the current flags."""
        b = self.b
        if code >= 14:
            return Const(1, I1)
        if self.compared is not None:
            value = self._lazy(code)
            if value is not None:
                return value
        test, invert = code >> 1, code & 1
        n, z, c, v = self.get_flags()
        if test == 0:
            value = z
        elif test == 1:
            value = c
        elif test == 2:
            value = n
        elif test == 3:
            value = v
        elif test == 4:
            value = b.and_(c, b.xor(z, 1))
        elif test == 5:
            value = b.eq(n, v)
        else:
            value = b.and_(b.xor(z, 1), b.eq(n, v))
        return b.xor(value, 1) if invert else value

    # condition -> (op, swap operands) on what set the flags: x - y, or a result x (C = V = 0)
    _SUB_CONDS = {0: ("eq", False), 1: ("ne", False), 2: ("le_u", True), 3: ("lt_u", False),
                  8: ("lt_u", True), 9: ("le_u", False), 10: ("le_s", True),
                  11: ("lt_s", False), 12: ("lt_s", True), 13: ("le_s", False)}
    _LOGIC_CONDS = {0: ("eq", False), 1: ("ne", False), 4: ("lt_s", False), 5: ("le_s", True),
                    10: ("le_s", True), 11: ("lt_s", False), 12: ("lt_s", True),
                    13: ("le_s", False)}

    def _lazy(self, code: int) -> Value | None:
        """The condition as one compare of what set the flags (None: use the flags)."""
        kind, x, y = self.compared
        if kind == "logic":
            rule, y = self._LOGIC_CONDS.get(code), Const(0, x.type)
        else:
            rule = self._SUB_CONDS.get(code)
        if rule is None:
            return None
        op, swap = rule
        return self.b.emit(op, y, x) if swap else self.b.emit(op, x, y)
