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
* FP ops take a rounding mode operand in the IR encoding below, always one of the five modes
  (a frontend whose ISA has reserved modes traps first, with `trap_if`: RISC-V's dynamic `frm`
  values 5-7). They OR their IEEE exception flags (the IR encoding below) into the state field
  FP_FLAGS_FIELD, which each frontend maps to and from its own status register, and any NaN
  they produce is the canonical quiet NaN (0x7fc00000 / 0x7ff8000000000000).
* `fcvt_to_si`/`fcvt_to_ui` saturate; NaN converts like +infinity (to the largest value).
* `fclass` gives a one-hot 10-bit mask: -inf, -normal, -subnormal, -0, +0, +subnormal,
  +normal, +inf, signalling NaN, quiet NaN (bit 0 .. bit 9).
"""

from __future__ import annotations

from collections import namedtuple

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
FP_FLAGS_FIELD = "fpflags"      # the GuestState field FP ops accrue their flags into

# Reasons of an `exit` terminator, and kinds of a `trap` terminator.
EXIT_SYSCALL = "syscall"
EXIT_ICACHE_FLUSH = "icache_flush"
EXIT_REASONS = (EXIT_SYSCALL, EXIT_ICACHE_FLUSH)
TRAP_ILLEGAL = "illegal"          # SIGILL
TRAP_BREAKPOINT = "breakpoint"    # SIGTRAP
TRAP_FETCH = "fetch"              # instruction fetch from an unmapped/non-executable page: SIGSEGV
TRAP_KINDS = (TRAP_ILLEGAL, TRAP_BREAKPOINT, TRAP_FETCH)

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
for _name in ("fadd", "fsub", "fmul", "fdiv"):
    _op(_name, "F F i64", "F", (PURE, FPENV), doc="operands a, b, rounding mode")
_op("fsqrt", "F i64", "F", (PURE, FPENV))
_op("fma", "F F F i64", "F", (PURE, FPENV), doc="a*b+c rounded once")
_op("fmin", "F F", "F", (PURE, FPENV), doc="IEEE 754-2019 minimumNumber, -0 < +0")
_op("fmax", "F F", "F", (PURE, FPENV), doc="IEEE 754-2019 maximumNumber, -0 < +0")
_op("feq", "F F", "i1", (PURE, FPENV), doc="quiet compare: NV only on signalling NaN")
_op("flt", "F F", "i1", (PURE, FPENV), doc="signalling compare: NV on any NaN")
_op("fle", "F F", "i1", (PURE, FPENV), doc="signalling compare: NV on any NaN")
_op("fclass", "F", "i64", doc="one-hot class mask (see module doc)")
_op("fcvt_to_si", "F i64", "@", (PURE, FPENV), attrs="type",
    doc="float -> signed int, saturating, NaN -> max")
_op("fcvt_to_ui", "F i64", "@", (PURE, FPENV), attrs="type",
    doc="float -> unsigned int, saturating, NaN -> max")
_op("fcvt_from_si", "I i64", "@", (PURE, FPENV), attrs="type",
    doc="signed int -> float")
_op("fcvt_from_ui", "I i64", "@", (PURE, FPENV), attrs="type",
    doc="unsigned int -> float")
_op("fcvt_f", "F i64", "@", (PURE, FPENV), attrs="type",
    doc="float -> float of the other width")

# Guest code addresses
_op("pc_addr", "", "i64", attrs="addr",
    doc="the guest code address `addr` (a return address, an auipc/adr result): a value "
        "that moves with the code when the same code is mapped elsewhere, which a "
        "translation kept for another process computes from where the code is mapped")

# Guest state and memory
_op("get", "", "@", (STATE,), attrs="field type", doc="read a GuestState field")
_op("set", "A", None, (STATE,), attrs="field", doc="write a GuestState field")
_op("load", "i64", "@", (MEM,), attrs="type align",
    doc="little-endian load of `type` from a guest address; align=True faults (SIGBUS) "
        "when misaligned")
_op("store", "i64 I", None, (MEM,), attrs="align", doc="little-endian store")
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
