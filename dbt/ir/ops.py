"""The IR op table: the single source of truth for every op's name, operands, result and flags.

Operand and result signatures use a small vocabulary:

    T    an integer type shared by every `T` operand (and the result, when it is `T`)
    F    a float type shared by every `F` operand (and the result)
    A    any type shared by every `A` operand (select's arms)
    I    any integer type, independent of the others
    i1, i64, ...   exactly that type
    @    the result type is given by the op's `type` attribute

Semantics that differ between guest ISAs are pinned down here, once, so that no backend needs
an ISA special case:

* Integer values are unsigned bit patterns of their type's width; every op wraps modulo 2**bits.
* `shl`/`shr_u`/`shr_s` take the shift amount modulo the width (as RISC-V, AArch64 and x86 do).
* `div_*`/`rem_*` are total: x/0 gives all ones, x%0 gives x, INT_MIN/-1 gives INT_MIN and
  INT_MIN%-1 gives 0 (the RISC-V rules; other frontends select their own result around them).
* Rounding FP ops (arithmetic and conversions) take a control operand: one of the five
  rounding modes below (a frontend whose ISA has reserved modes traps first, with `trap_if`:
  RISC-V's dynamic `frm` values 5-7), and with the attribute control=full also the bits
  FP_DN (default NaN) and FP_FZ (flush subnormal operands and results to zero, flag FLAG_ID
  for a flushed operand) that an ISA sets at run time (Arm's FPCR.DN and FZ). FP ops OR their
  IEEE exception flags (the IR encoding below) into the state field FP_FLAGS_FIELD, which
  each frontend maps to and from its own status register.
* What else differs between ISAs is a static attribute, whose default is RISC-V's rule
  (FP_DEFAULTS): `nan` canonical (any NaN result is the canonical quiet NaN 0x7fc00000 /
  0x7ff8000000000000) or propagate (the first signalling NaN operand quietened, else the
  first quiet NaN operand, fma's addend first: Arm); `tiny` after or before (rounding, where
  tininess is detected); `nan_to` max or zero (what `fcvt_to_*` makes of a NaN); `minmax`
  number (IEEE 754-2019 minimumNumber: a NaN operand yields the other one), propagate (a NaN
  operand makes the result a NaN, as `nan` propagate: Arm FMIN) or quiet_number (only a quiet
  NaN yields the other operand: Arm FMINNM). dbt/fp.py implements every rule.
* `fcvt_to_si`/`fcvt_to_ui` saturate; NaN converts like +infinity (to the largest value)
  unless nan_to=zero.
* `fclass` gives a one-hot 10-bit mask: -inf, -normal, -subnormal, -0, +0, +subnormal,
  +normal, +inf, signalling NaN, quiet NaN (bit 0 .. bit 9).
"""

from __future__ import annotations

from collections import namedtuple

from .. import fp_convert as _fp       # (dbt.fp's own bits: the interpreter passes them on)

# Op flags ---------------------------------------------------------------------------------
PURE = "pure"          # no side effect, result depends only on operands
MEM = "mem"            # accesses guest memory (may fault)
STATE = "state"        # reads or writes a GuestState field
FPENV = "fpenv"        # reads the rounding-mode operand, accrues FP exception flags
SIDE = "side"          # other side effect (fences, counters)
TERM = "term"          # ends the block
MARK = "mark"          # marker, no code
TRAPS = "traps"        # may leave the block through a trap (besides memory faults)

# IR rounding modes (operand of FP ops) and exception-flag bits (the FP_FLAGS_FIELD state field).
RM_RNE, RM_RTZ, RM_RDN, RM_RUP, RM_RMM = 0, 1, 2, 3, 4
FLAG_NV, FLAG_DZ, FLAG_OF, FLAG_UF, FLAG_NX = 16, 8, 4, 2, 1
FLAG_ID = _fp.ID                # a subnormal operand was flushed to zero (FP_FZ)
FP_FLAGS_FIELD = "fpflags"      # the GuestState field FP ops accrue their flags into
FP_DN, FP_FZ = _fp.DN, _fp.FZ   # control-operand bits above the rounding mode (control=full)
# The FP rule attributes and their defaults (RISC-V's rules; the module doc lists the others).
FP_DEFAULTS = {"nan": "canonical", "tiny": "after", "nan_to": "max", "minmax": "number",
               "control": "rm"}
FP_RULES = {"nan": ("canonical", "propagate"), "tiny": ("after", "before"),
            "nan_to": ("max", "zero"), "minmax": ("number", "propagate", "quiet_number"),
            "control": ("rm", "full")}

# Reasons of an `exit` terminator, and kinds of a `trap` terminator.
EXIT_SYSCALL = "syscall"
EXIT_ICACHE_FLUSH = "icache_flush"
EXIT_REASONS = (EXIT_SYSCALL, EXIT_ICACHE_FLUSH)
TRAP_ILLEGAL = "illegal"          # SIGILL
TRAP_BREAKPOINT = "breakpoint"    # SIGTRAP
TRAP_FETCH = "fetch"              # instruction fetch from an unmapped/non-executable page: SIGSEGV
TRAP_PC_ALIGN = "pc_align"         # execution at a pc the ISA cannot hold (AArch64 BR to pc & 3): SIGBUS
TRAP_KINDS = (TRAP_ILLEGAL, TRAP_BREAKPOINT, TRAP_FETCH, TRAP_PC_ALIGN)

# Kinds of the `vbin` op, and its lane widths.
VEC_KINDS = ("add", "sub", "mul", "and", "or", "xor", "min_s", "max_s", "min_u", "max_u",
             "eq", "gt_s", "gt_u")
VEC_LANES = (8, 16, 32, 64)
VEC_SHIFTS = ("shl", "shr_u", "shr_s")
VEC_REDUCTIONS = ("add", "min_s", "max_s", "min_u", "max_u")
VEC_FP_KINDS = ("fadd", "fsub", "fmul", "fdiv")     # `vfbin`: the scalar op of each lane
VEC_FP_LANES = (32, 64)

# Kinds of the `atomic_rmw` op.
RMW_KINDS = ("swap", "add", "and", "or", "xor", "min_s", "max_s", "min_u", "max_u")

# Counters readable by the `counter` op.
COUNTERS = ("cycle", "time", "instret")


class OpDef(namedtuple("OpDef", "name operands result attrs flags doc")):
    """An op: its name, operand and result signatures (the module docstring's vocabulary),
    attributes, flags and what it does."""
    __slots__ = ()

    def has(self, flag: str) -> bool:
        return flag in self.flags


OPS: dict[str, OpDef] = {}


def _op(name: str, operands: str, result: str | None, flags: tuple = (PURE,),
        attrs: str = "", doc: str = "") -> None:
    assert name not in OPS, name
    OPS[name] = OpDef(name, tuple(operands.split()), result, tuple(attrs.split()),
                      frozenset(flags), doc)


# Integer arithmetic and logic
for _name in ("add", "sub", "mul", "and", "or", "xor"):
    _op(_name, "T T", "T", doc=f"{_name}, wrapping")
for _name in ("div_s", "div_u", "rem_s", "rem_u"):
    _op(_name, "T T", "T", doc="total division (see module doc)")
for _name in ("shl", "shr_u", "shr_s", "rotl", "rotr"):
    _op(_name, "T T", "T", doc="shift/rotate, amount modulo the width")
_op("neg", "T", "T")
_op("not", "T", "T")
_op("clz", "T", "T", doc="count leading zeros (width for 0)")
_op("ctz", "T", "T", doc="count trailing zeros (width for 0)")
_op("popcnt", "T", "T")
for _name in ("eq", "ne", "lt_s", "lt_u", "le_s", "le_u"):
    _op(_name, "T T", "i1")
_op("add_carry", "T T i1", "i1", doc="carry out of a + b + carry_in as unsigned numbers (a "
    "subtraction a - b is a + not(b) + 1: its carry is 'no borrow', as Arm's C flag)")
_op("add_overflow", "T T i1", "i1", doc="a + b + carry_in overflows as signed numbers (Arm's V "
    "flag of an addition; of a - b with not(b) and carry_in 1)")
_op("select", "i1 A A", "A", doc="cond ? a : b")
_op("sext", "I", "@", attrs="type", doc="sign-extend to a wider integer type")
_op("zext", "I", "@", attrs="type", doc="zero-extend to a wider integer type")
_op("trunc", "I", "@", attrs="type", doc="keep the low bits")
_op("bitcast", "A", "@", attrs="type", doc="reinterpret bits between int and float of one width")

# Floating point (IEEE-754, flags accrued into FP_FLAGS_FIELD, canonical NaN results)
_ROUNDED = "nan tiny control"
for _name in ("fadd", "fsub", "fmul", "fdiv"):
    _op(_name, "F F i64", "F", (PURE, FPENV), attrs=_ROUNDED, doc="operands a, b, control")
_op("fsqrt", "F i64", "F", (PURE, FPENV), attrs=_ROUNDED)
_op("fma", "F F F i64", "F", (PURE, FPENV), attrs=_ROUNDED, doc="a*b+c rounded once")
_op("fmin", "F F", "F", (PURE, FPENV), attrs="minmax",
    doc="minimum by `minmax` (default IEEE 754-2019 minimumNumber), -0 < +0")
_op("fmax", "F F", "F", (PURE, FPENV), attrs="minmax",
    doc="maximum by `minmax` (default IEEE 754-2019 maximumNumber), -0 < +0")
_op("feq", "F F", "i1", (PURE, FPENV), doc="quiet compare: NV only on signalling NaN")
_op("flt", "F F", "i1", (PURE, FPENV), doc="signalling compare: NV on any NaN")
_op("fle", "F F", "i1", (PURE, FPENV), doc="signalling compare: NV on any NaN")
_op("fclass", "F", "i64", doc="one-hot class mask (see module doc)")
_op("fcvt_to_si", "F i64", "@", (PURE, FPENV), attrs="type nan_to control",
    doc="float -> signed int, saturating, NaN -> max (or 0: nan_to)")
_op("fcvt_to_ui", "F i64", "@", (PURE, FPENV), attrs="type nan_to control",
    doc="float -> unsigned int, saturating, NaN -> max (or 0: nan_to)")
_op("fcvt_from_si", "I i64", "@", (PURE, FPENV), attrs="type control",
    doc="signed int -> float")
_op("fcvt_from_ui", "I i64", "@", (PURE, FPENV), attrs="type control",
    doc="unsigned int -> float")
_op("fcvt_f", "F i64", "@", (PURE, FPENV), attrs="type nan tiny control",
    doc="float -> float of another format (f16 only converts: it has no arithmetic)")

# 128-bit vectors: a v128 is 128//lane lanes of `lane` bits (8, 16, 32 or 64), lane 0 in the
# low bits; it converts to and from i128 with `bitcast`.
_op("vbin", "v128 v128", "v128", attrs="kind lane",
    doc="lane-wise `kind` (VEC_KINDS), wrapping; a compare gives all-ones or zero lanes")
_op("vshift", "v128 i64", "v128", attrs="kind lane",
    doc="every lane shifted by the amount (shl, shr_u, shr_s): an amount of `lane` or more "
        "gives 0, or the lane's sign in every bit for shr_s (Arm's immediate shifts)")
_op("vshuffle", "v128 v128", "v128", attrs="select",
    doc="byte i of the result is byte select[i] (0-31) of the 32 bytes a, b (a's byte 0 "
        "first): EXT, ZIP, UZP, TRN, REV, element moves")
_op("vtbl", "v128 v128", "v128",
    doc="byte i of the result is byte b[i] of a, or 0 when b[i] > 15 (TBL of one register; "
        "more registers: OR of lookups with the indices lowered by 16 each)")
_op("vreduce", "v128", "@", attrs="type kind lane",
    doc="the lanes folded by `kind` (add wrapping, min_s, max_s, min_u, max_u), "
        "zero-extended to `type`")
_op("vwiden", "v128", "v128", attrs="lane signed high",
    doc="the lanes of the low (or `high`) 64 bits, sign- or zero-extended to 2 * lane bits")
_op("vnarrow", "v128", "v128", attrs="lane",
    doc="every lane's low lane / 2 bits, packed into the low 64 bits; the high 64 bits 0")
_op("vdup", "I", "v128", attrs="lane", doc="every lane the low `lane` bits of the operand")
_op("vextract", "v128", "@", attrs="type lane index",
    doc="lane `index`, zero-extended to `type`")
_op("vinsert", "v128 I", "v128", attrs="lane index",
    doc="the vector with lane `index` replaced by the low `lane` bits of the operand")
# Lane-wise FP: lanes 0..count-1 (of `lane` bits: f32 or f64) are the scalar op's on the
# lanes of the operands, with the same rules, control operand and flags (the ORed flags of
# the lanes); lanes from `count` on are 0 (a 64-bit Arm vector: nothing is computed there).
_op("vfbin", "v128 v128 i64", "v128", (PURE, FPENV), attrs="kind lane count " + _ROUNDED,
    doc="lane-wise `kind` (VEC_FP_KINDS: fadd fsub fmul fdiv) of a, b; operands a, b, control")
_op("vfma", "v128 v128 v128 i64", "v128", (PURE, FPENV), attrs="lane count " + _ROUNDED,
    doc="lane-wise fma: a*b+c rounded once in each lane; operands a, b, c, control")

# Guest code addresses
_op("pc_addr", "", "i64", attrs="addr",
    doc="the guest code address `addr` (a return address, an auipc/adr result): a value "
        "that moves with the code when the same code is mapped elsewhere, which a "
        "translation kept for another process computes from where the code is mapped")

# Guest state and memory
_op("get", "", "@", (STATE,), attrs="field type", doc="read a GuestState field")
_op("set", "A", None, (STATE,), attrs="field", doc="write a GuestState field")
_op("load", "i64", "@", (MEM,), attrs="type align",
    doc="little-endian load of `type` (an integer, i128 and v128 included) from a guest "
        "address; align=True faults (SIGBUS) when misaligned")
_op("store", "i64 A", None, (MEM,), attrs="align",
    doc="little-endian store of an integer or v128 (a float is bitcast first)")
_op("cmpxchg", "i64 T T i1", "T", (MEM,), attrs="align",
    doc="addr, expected, new, enable: if enable, atomically compare memory with expected and "
        "store new when equal; returns the old memory value. Disabled: no access, returns "
        "expected ^ 1 (so success == (result == expected) holds)")
_op("atomic_rmw", "i64 T", "T", (MEM,), attrs="kind align",
    doc="addr, value: atomically replace memory with `kind`(old, value) and return the old "
        "value; kind is one of RMW_KINDS (swap: the new value is `value`; min/max compare as "
        "signed (_s) or unsigned (_u) numbers). It faults as a write (as RISC-V's store/AMO "
        "page fault and Arm's atomics, WnR=1, do) where memory cannot be written")
_op("fence", "", None, (SIDE,), attrs="kind", doc="memory ordering barrier")
_op("counter", "", "i64", (SIDE,), attrs="kind",
    doc="read a counter: cycle, time (ns) or instret (instructions retired before this one)")
_op("trap_if", "i1", None, (TRAPS,), attrs="kind", doc="trap at this instruction if cond")

# Markers
_op("insn", "", None, (MARK,), attrs="pc length", doc="start of a guest instruction")

# Terminators: exactly one ends every block
_op("jump", "", None, (TERM,), attrs="target", doc="go to a constant guest pc")
_op("branch", "i1", None, (TERM,), attrs="taken fallthrough", doc="conditional branch")
_op("jump_ind", "i64", None, (TERM,), doc="go to a computed guest pc")
_op("exit", "", None, (TERM,), attrs="reason next_pc",
    doc="leave to the runtime (syscall, icache flush), then continue at next_pc")
_op("trap", "", None, (TERM,), attrs="kind pc", doc="guest trap at pc")

TERMINATORS = frozenset(name for name, d in OPS.items() if d.has(TERM))
