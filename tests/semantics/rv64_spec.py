"""What the semantics tests know about each RV64GC instruction, and the reference they compare with.

The reference is Unicorn 2.1, whose RISC-V target is QEMU 5.0's, corrected where QEMU 5.0 is
known to differ from the RISC-V specification (The RISC-V Instruction Set Manual, Volume I:
Unprivileged ISA, version 20191213; "Unpriv" below).  Every correction is a function here with
its spec reference, applied only to the inputs it is about, and :func:`reference` reports which
corrections changed an outcome, so a case file can say why its expected value is not Unicorn's.
"""

from __future__ import annotations

import struct

from dbt.frontends.riscv.decode import DEFAULT, Insn, insn_length
from harness import CODE_BASE, SIGILL, Outcome, Setup

BOX = 0xFFFFFFFF_00000000
CANONICAL_NAN32 = 0x7FC00000
CANONICAL_NAN64 = 0x7FF8000000000000
NV = 0x10

# ------------------------------------------------------------------------------------ classes
# Every semantic name (trans_<name>) of the decoder, by the shape of test it needs.  A name the
# decoder has and no class lists fails test_coverage: nothing is skipped silently.
_W = ("w", "d")
INT_ALU = ("addi slti sltiu xori ori andi add sub sll slt sltu xor srl sra or and "
           "slli srli srai addiw slliw srliw sraiw addw subw sllw srlw sraw "
           "mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw").split()
UPPER = ["lui", "auipc"]
JUMPS = ["jal", "jalr"]
BRANCHES = ["beq", "bne", "blt", "bge", "bltu", "bgeu"]
LOADS = {"lb": 1, "lh": 2, "lw": 4, "ld": 8, "lbu": 1, "lhu": 2, "lwu": 4, "flw": 4, "fld": 8}
STORES = {"sb": 1, "sh": 2, "sw": 4, "sd": 8, "fsw": 4, "fsd": 8}
AMOS = {f"amo{op}_{w}": 4 if w == "w" else 8 for w in _W
        for op in ("swap", "add", "xor", "and", "or", "min", "max", "minu", "maxu")}
LR = {"lr_w": 4, "lr_d": 8}
SC = {"sc_w": 4, "sc_d": 8}
CSRS = ["csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci"]
FENCES = ["fence"]
FP_OPS = [f"{op}_{p}" for p in ("s", "d") for op in (
    "fmadd fmsub fnmsub fnmadd fadd fsub fmul fdiv fsqrt fsgnj fsgnjn fsgnjx fmin fmax "
    "feq flt fle fclass fcvt_w fcvt_wu fcvt_l fcvt_lu").split()] + [
    f"fcvt_{p}_{i}" for p in ("s", "d") for i in ("w", "wu", "l", "lu")] + [
    "fcvt_s_d", "fcvt_d_s", "fmv_x_w", "fmv_w_x", "fmv_x_d", "fmv_d_x"]
RESERVED = ["reserved"]        # RVC code points the spec reserves: our decoder rejects them
#: Not tested here, with the reason.
SKIPPED = {
    "ecall": "a syscall: leaves the block for the Linux layer (tests/linux, tests/programs)",
    "ebreak": "the harness ends every run with an ebreak (our runs stop on its breakpoint "
              "exit, Unicorn reports it as UC_ERR_INSN_INVALID); tests/programs cover SIGTRAP",
    "fence_i": "an icache-flush exit to the runtime, no architectural effect to compare",
}
CLASSES = {
    "alu": INT_ALU, "upper": UPPER, "jump": JUMPS, "branch": BRANCHES, "load": list(LOADS),
    "store": list(STORES), "amo": list(AMOS), "lr": list(LR), "sc": list(SC), "csr": CSRS,
    "fence": FENCES, "fp": FP_OPS, "reserved": RESERVED, "skipped": list(SKIPPED),
}
CLASS_OF = {name: cls for cls, names in CLASSES.items() for name in names}
ACCESS_SIZE = {**LOADS, **STORES, **AMOS, **LR, **SC}

#: CSRs: the user-mode FP CSRs, and numbers that are illegal both here (user mode under Linux)
#: and in Unicorn at U-mode.  The counters (cycle/time/instret, 0xC00-0xC02) are not generated:
#: their values depend on the run, not on the instruction's semantics.
FP_CSRS = (0x001, 0x002, 0x003)
ILLEGAL_CSRS = (0x000, 0x004, 0x040, 0x100, 0x180, 0x300, 0x305, 0x340, 0x7C0, 0x800, 0xB00,
                0xF11, 0xFFF)


def operand_kinds(name: str) -> dict[str, str]:
    """Register operands of a semantic name -> 'x' (integer), 's'/'d' (an FP value of that
    precision: single is NaN-unboxed on read and boxed on write) or 'raw' (FP bits moved as
    they are: the fsw/fsd data, the fmv.x.* source)."""
    kinds = dict.fromkeys(("rd", "rs1", "rs2", "rs3"), "x")
    special = {"flw": {"rd": "s"}, "fld": {"rd": "d"}, "fsw": {"rs2": "raw"},
               "fsd": {"rs2": "raw"}, "fmv_x_w": {"rs1": "raw"}, "fmv_x_d": {"rs1": "raw"},
               "fmv_w_x": {"rd": "s"}, "fmv_d_x": {"rd": "d"}}
    if name in special:
        return {**kinds, **special[name]}
    if CLASS_OF.get(name) != "fp":
        return kinds
    parts = name.split("_")
    if parts[0] == "fcvt":                   # fcvt_<dst>_<src>, w/wu/l/lu are integers
        fmt = {"s": "s", "d": "d"}
        return {**kinds, "rd": fmt.get(parts[1], "x"), "rs1": fmt.get(parts[2], "x")}
    kinds = dict.fromkeys(kinds, parts[-1])
    if parts[0] in ("feq", "flt", "fle", "fclass"):
        kinds["rd"] = "x"
    return kinds


# ---------------------------------------------------------------------------------- reference

def split_code(code: bytes) -> list[bytes]:
    """The instructions of straight-line code, as byte strings."""
    out, offset = [], 0
    while offset < len(code):
        length = insn_length(int.from_bytes(code[offset:offset + 2], "little"))
        out.append(code[offset:offset + length])
        offset += length
    return out


def decode_all(code: bytes, pc: int = CODE_BASE) -> list[Insn | None]:
    insns = []
    for raw in split_code(code):
        insns.append(DEFAULT.decode(int.from_bytes(raw, "little"), len(raw), pc))
        pc += len(raw)
    return insns


def reference(oracle, setup: Setup) -> tuple[Outcome, list[str]]:
    """The spec-defined outcome of ``setup``: Unicorn's, with the corrections below.
    Returns it with the names of the corrections that changed it.

    Several instructions run one at a time, each step corrected and its state handed to the
    next, except when the code has an LR or SC: the reservation does not survive a step."""
    parts = split_code(setup.code)
    names = {insn.name for insn in decode_all(setup.code, setup.pc) if insn is not None}
    if len(parts) == 1 or names & {"lr_w", "lr_d", "sc_w", "sc_d"}:
        return reference_one(oracle, setup)
    got, applied, pc = setup.initial(), [], setup.pc
    for raw in parts:
        got, fixes = reference_one(oracle, Setup.after(got, raw, pc))
        applied += [fix for fix in fixes if fix not in applied]
        if got.fault or got.pc != pc + len(raw):
            break                                # a fault, or a control transfer (the last)
        pc = got.pc
    return got, applied


def reference_one(oracle, setup: Setup) -> tuple[Outcome, list[str]]:
    """The reference for a single instruction (or code the corrections do not look into)."""
    insns = decode_all(setup.code, setup.pc)
    single = insns[0] if len(insns) == 1 and insns[0] is not None else None
    kinds = operand_kinds(single.name) if single else {}
    uc_setup, unboxed = unbox_single_inputs(setup, single, kinds)
    got = oracle.run(uc_setup)
    applied = ["nan-unboxing"] if unboxed else []
    reserved = reserved_rvc(got, setup)
    if reserved != got:
        return reserved, ["reserved-rvc"]
    fixed = restore_unboxed_inputs(got, setup, single, unboxed)
    for name, fix in (("nan-boxing", box_single_result), ("fmin/fmax-snan", min_max_snan),
                      ("fma-inf-zero", fma_inf_times_zero),
                      ("precise-store-fault", precise_store_fault)):
        new = fix(fixed, setup, single, kinds)
        if new != fixed:
            applied.append(name)
            fixed = new
    return fixed, applied


def rvc_reserved(halfword: int) -> bool:
    """Unpriv 16.8, Tables 16.5/16.6 (RVC opcode map, RV64): quadrant 0 funct3=100 is
    Reserved, and so are the two funct2 slots after C.SUBW/C.ADDW (100 1 11 xxx 1x xxx 01)."""
    if halfword & 3 == 0 and halfword >> 13 == 0b100:
        return True
    return (halfword & 3 == 1 and halfword >> 13 == 0b100 and (halfword >> 10) & 7 == 0b111
            and (halfword >> 5) & 3 >= 2)


def reserved_rvc(got: Outcome, setup: Setup) -> Outcome:
    """QEMU 5.0 executes the reserved RVC code points of :func:`rvc_reserved` as no-ops (its
    decoder had no entry that rejects them); a reserved encoding is an illegal instruction
    here, as in later QEMU, so the reference is SIGILL with nothing changed."""
    if len(setup.code) != 2 or got.fault or not rvc_reserved(int.from_bytes(setup.code, "little")):
        return got
    return setup.initial().replace(fault=SIGILL)


def _boxed(value: int) -> bool:
    return value >> 32 == 0xFFFFFFFF


def _single_sources(single: Insn | None, kinds: dict) -> list[int]:
    if single is None:
        return []
    args = single.args._asdict()
    return sorted({args[r] for r in ("rs1", "rs2", "rs3") if r in args and kinds[r] == "s"})


def unbox_single_inputs(setup: Setup, single: Insn | None, kinds: dict):
    """Unpriv 12.2 "NaN Boxing of Narrower Values": a single-precision operand whose upper 32
    bits are not all ones is read as the canonical NaN.  QEMU 5.0 ignores the upper bits (boxing
    came in QEMU 5.1/5.2), so Unicorn gets the canonical NaN it should have seen instead."""
    bad = [r for r in _single_sources(single, kinds) if not _boxed(setup.f[r])]
    if not bad:
        return setup, []
    f = list(setup.f)
    for r in bad:
        f[r] = BOX | CANONICAL_NAN32
    return Setup(setup.code, setup.x, tuple(f), setup.fflags, setup.frm, setup.mem,
                 setup.pc), bad


def restore_unboxed_inputs(got: Outcome, setup: Setup, single, unboxed: list[int]) -> Outcome:
    """Put back the original bits of the operands replaced above, unless the result went there."""
    if not unboxed:
        return got
    rd = single.args._asdict().get("rd")
    written = rd if got.fault is None and operand_kinds(single.name)["rd"] != "x" else None
    f = list(got.f)
    for r in unboxed:
        if r != written:
            f[r] = setup.f[r]
    return got.replace(f=tuple(f))


def box_single_result(got: Outcome, setup: Setup, single, kinds: dict) -> Outcome:
    """Unpriv 12.2: every single-precision result written to an f register is NaN-boxed (upper
    32 bits all ones).  QEMU 5.0 leaves them as the helper returned them (fmv.w.x: the whole
    64-bit integer register, fadd.s: zero upper bits)."""
    if single is None or got.fault is not None or kinds.get("rd") != "s":
        return got
    rd = single.args.rd
    f = list(got.f)
    f[rd] = BOX | (f[rd] & 0xFFFFFFFF)
    return got.replace(f=tuple(f))


def min_max_snan(got: Outcome, setup: Setup, single, kinds: dict) -> Outcome:
    """Unpriv 11.6 (F 2.2): FMIN/FMAX are IEEE 754-2019 minimumNumber/maximumNumber: "If only
    one operand is a NaN, the result is the non-NaN operand.  Signaling NaN inputs set the
    invalid operation exception flag, even when the result is not NaN."  QEMU 5.0 uses the
    754-2008 minNum/maxNum, which return the canonical NaN when an operand is a signalling
    NaN.  For those inputs the result here is computed exactly."""
    if single is None or got.fault is not None or single.name[:4] not in ("fmin", "fmax"):
        return got
    prec = single.name[-1]
    a, b = _fp_operands(setup, single, prec)
    if not (_is_snan(a, prec) or _is_snan(b, prec)):
        return got
    value = _min_max(a, b, prec, single.name.startswith("fmax"))
    f = list(got.f)
    f[single.args.rd] = BOX | value if prec == "s" else value
    return got.replace(f=tuple(f), fflags=setup.fflags | NV)


def fma_inf_times_zero(got: Outcome, setup: Setup, single, kinds: dict) -> Outcome:
    """Unpriv 11.6: "The fused multiply-add instructions must set the invalid operation
    exception flag when the multiplicands are infinity and zero, even when the addend is a quiet
    NaN."  QEMU 5.0 returns the canonical NaN without NV when the addend is a quiet NaN."""
    if single is None or got.fault is not None or single.name[:-2] not in (
            "fmadd", "fmsub", "fnmsub", "fnmadd"):
        return got
    prec = single.name[-1]
    a, b = _fp_operands(setup, single, prec)
    if {_fp_class(a, prec), _fp_class(b, prec)} != {"inf", "zero"}:
        return got
    return got.replace(fflags=got.fflags | NV)


def _fp_class(bits: int, prec: str) -> str:
    exp_mask, frac_mask = (0x7F800000, 0x7FFFFF) if prec == "s" else \
        (0x7FF0000000000000, (1 << 52) - 1)
    if bits & exp_mask == exp_mask:
        return "nan" if bits & frac_mask else "inf"
    return "zero" if not bits & (exp_mask | frac_mask) else "finite"


def _fp_operands(setup: Setup, single: Insn, prec: str) -> tuple[int, int]:
    """rs1 and rs2 as the instruction reads them (unboxed)."""
    return (_fp_operand(setup.f[single.args.rs1], prec),
            _fp_operand(setup.f[single.args.rs2], prec))


def _fp_operand(raw: int, prec: str) -> int:
    if prec == "d":
        return raw
    return raw & 0xFFFFFFFF if _boxed(raw) else CANONICAL_NAN32


def _is_nan(bits: int, prec: str) -> bool:
    return (bits & 0x7FFFFFFF > 0x7F800000) if prec == "s" else \
        (bits & 0x7FFFFFFFFFFFFFFF > 0x7FF0000000000000)


def _is_snan(bits: int, prec: str) -> bool:
    quiet = 1 << 22 if prec == "s" else 1 << 51
    return _is_nan(bits, prec) and not bits & quiet


def _min_max(a: int, b: int, prec: str, is_max: bool) -> int:
    """minimumNumber/maximumNumber on bit patterns, -0 < +0."""
    if _is_nan(a, prec) and _is_nan(b, prec):
        return CANONICAL_NAN32 if prec == "s" else CANONICAL_NAN64
    if _is_nan(a, prec):
        return b
    if _is_nan(b, prec):
        return a
    fmt = "<f" if prec == "s" else "<d"
    size = 4 if prec == "s" else 8
    x = struct.unpack(fmt, a.to_bytes(size, "little"))[0]
    y = struct.unpack(fmt, b.to_bytes(size, "little"))[0]
    if x == y:                                   # only ±0 can compare equal with other bits
        sign = 1 << (8 * size - 1)
        neg = a if a & sign else b
        pos = b if a & sign else a
        return pos if is_max else neg
    return (a if x > y else b) if is_max else (a if x < y else b)


def precise_store_fault(got: Outcome, setup: Setup, single, kinds: dict) -> Outcome:
    """Traps are precise (Unpriv 1.6; Privileged 3.1.15 / 3.3.1): an instruction that takes an
    exception has no effect.  QEMU 5.0 splits a misaligned store that crosses into a page it
    may not write and stores the first part before it faults on the second; the reference
    memory after a single instruction that faults is the memory before it."""
    if single is None or got.fault is None:
        return got
    return got.replace(mem=setup.region())
