"""RISC-V disassembler: text in the style capstone 5 prints RV64GC (`disasm`), and the lines of
`--trace in_asm`, which are qemu's own text instead (`in_asm_line`, from qemu_disasm).

Registers use ABI names; immediates are decimal up to 9 in magnitude and hex above (as LLVM's
printer does); branch and jump targets are printed as pc-relative offsets; ``lui``/``auipc``/
``c.lui`` show the 20-bit immediate field.  Unlike capstone, we print the instruction itself,
never a pseudo-instruction alias (``addi a0, zero, 1``, not ``li``/``mv``/``nop``), so every
line maps back to one encoding.  Rounding modes are printed unless dynamic; for the exact
conversions fcvt.d.s/fcvt.d.w/fcvt.d.wu they are printed unless ``rne`` (LLVM's convention).
Only the CSRs a user-mode program can use are named; the others are printed as numbers.
"""
from __future__ import annotations

from dbt.frontends.riscv.decode import Insn

__all__ = ["disasm", "in_asm_line", "XREG_NAMES", "FREG_NAMES", "CSR_NAMES",
           "ROUNDING_MODES"]

XREG_NAMES = ("zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1",
              *(f"a{i}" for i in range(8)), *(f"s{i}" for i in range(2, 12)),
              *(f"t{i}" for i in range(3, 7)))
FREG_NAMES = (*(f"ft{i}" for i in range(8)), "fs0", "fs1", *(f"fa{i}" for i in range(8)),
              *(f"fs{i}" for i in range(2, 12)), *(f"ft{i}" for i in range(8, 12)))
ROUNDING_MODES = ("rne", "rtz", "rdn", "rup", "rmm", None, None, "dyn")
#: Unprivileged CSRs (Zicsr / F / Zicntr); RV32-only cycleh & co. do not exist on RV64.
CSR_NAMES = {0x001: "fflags", 0x002: "frm", 0x003: "fcsr",
             0xC00: "cycle", 0xC01: "time", 0xC02: "instret",
             **{0xC00 + n: f"hpmcounter{n}" for n in range(3, 32)}}

# Operand layouts, one per group of mnemonics.  x/f = integer/FP register field, i = immediate,
# u = 20-bit upper immediate, m = imm(rs1) memory operand, a = (rs1) atomic address, c = CSR,
# p = fence set, r = rounding mode unless dynamic, e = rounding mode unless rne.
_LAYOUTS = """
x:rd x:rs1 x:rs2 | add sub sll slt sltu xor srl sra or and addw subw sllw srlw sraw
                   mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw
x:rd x:rs1 i:imm | addi slti sltiu xori ori andi addiw jalr
x:rd x:rs1 i:shamt | slli srli srai slliw srliw sraiw
x:rd m | lb lh lw ld lbu lhu lwu
x:rs2 m | sb sh sw sd
f:rd m | flw fld
f:rs2 m | fsw fsd
x:rs1 x:rs2 i:imm | beq bne blt bge bltu bgeu
x:rd u:imm | lui auipc
x:rd i:imm | jal
x:rd c:csr x:rs1 | csrrw csrrs csrrc
x:rd c:csr i:rs1 | csrrwi csrrsi csrrci
| ecall ebreak fence.i c.ebreak c.nop
p:pred p:succ | fence
x:rd a | lr.w lr.d
x:rd x:rs2 a | sc.w sc.d amoswap.w amoadd.w amoxor.w amoand.w amoor.w amomin.w amomax.w
               amominu.w amomaxu.w amoswap.d amoadd.d amoxor.d amoand.d amoor.d
               amomin.d amomax.d amominu.d amomaxu.d
f:rd f:rs1 f:rs2 f:rs3 r:rm | fmadd.s fmsub.s fnmsub.s fnmadd.s fmadd.d fmsub.d fnmsub.d
                              fnmadd.d
f:rd f:rs1 f:rs2 r:rm | fadd.s fsub.s fmul.s fdiv.s fadd.d fsub.d fmul.d fdiv.d
f:rd f:rs1 f:rs2 | fsgnj.s fsgnjn.s fsgnjx.s fmin.s fmax.s fsgnj.d fsgnjn.d fsgnjx.d
                   fmin.d fmax.d
x:rd f:rs1 f:rs2 | feq.s flt.s fle.s feq.d flt.d fle.d
f:rd f:rs1 r:rm | fsqrt.s fsqrt.d fcvt.s.d
f:rd f:rs1 e:rm | fcvt.d.s
x:rd f:rs1 r:rm | fcvt.w.s fcvt.wu.s fcvt.l.s fcvt.lu.s fcvt.w.d fcvt.wu.d fcvt.l.d
                  fcvt.lu.d
f:rd x:rs1 r:rm | fcvt.s.w fcvt.s.wu fcvt.s.l fcvt.s.lu fcvt.d.l fcvt.d.lu
f:rd x:rs1 e:rm | fcvt.d.w fcvt.d.wu
x:rd f:rs1 | fmv.x.w fclass.s fmv.x.d fclass.d
f:rd x:rs1 | fmv.w.x fmv.d.x
x:rd x:rs1 i:imm | c.addi4spn
x:rd m | c.lw c.ld c.lwsp c.ldsp
f:rd m | c.fld c.fldsp
x:rs2 m | c.sw c.sd c.swsp c.sdsp
f:rs2 m | c.fsd c.fsdsp
x:rd i:imm | c.addi c.addiw c.li c.addi16sp c.andi
x:rd u:imm | c.lui
x:rd i:shamt | c.srli c.srai c.slli
x:rd x:rs2 | c.sub c.xor c.or c.and c.subw c.addw c.mv c.add
i:imm | c.j
x:rs1 i:imm | c.beqz c.bnez
x:rs1 | c.jr c.jalr
"""


def _parse_layouts(text: str) -> dict[str, tuple[tuple[str, str], ...]]:
    layouts: dict[str, tuple[tuple[str, str], ...]] = {}
    current: tuple[tuple[str, str], ...] = ()
    for line in text.strip().splitlines():
        if "|" in line:
            spec, line = line.split("|")
            current = tuple((t[0], t[2:]) for t in spec.split())
        for mnemonic in line.split():
            layouts[mnemonic] = current
    return layouts


LAYOUTS = _parse_layouts(_LAYOUTS)


def fmt_imm(value: int) -> str:
    """An immediate as capstone/LLVM print it: decimal up to 9 in magnitude, else hex."""
    if -9 <= value <= 9:
        return str(value)
    return f"-{-value:#x}" if value < 0 else f"{value:#x}"


def _fence_set(bits: int) -> str:
    return "".join(c for c, b in zip("iorw", (8, 4, 2, 1)) if bits & b) or "0"


def _operand(kind: str, field: str, args) -> str | None:
    if kind == "x":
        return XREG_NAMES[getattr(args, field)]
    if kind == "f":
        return FREG_NAMES[getattr(args, field)]
    if kind == "i":
        return fmt_imm(getattr(args, field))
    if kind == "u":
        return fmt_imm((args.imm >> 12) & 0xFFFFF)
    if kind == "m":
        return f"{fmt_imm(args.imm)}({XREG_NAMES[args.rs1]})"
    if kind == "a":
        return f"({XREG_NAMES[args.rs1]})"
    if kind == "c":
        return CSR_NAMES.get(args.csr, str(args.csr))
    if kind == "p":
        return _fence_set(getattr(args, field))
    default = 7 if kind == "r" else 0        # "r": omit dyn, "e": omit rne
    return None if args.rm == default else ROUNDING_MODES[args.rm]


def disasm(insn: Insn) -> str:
    """``mnemonic operands`` for a decoded instruction, e.g. ``addi a0, a0, 1``."""
    args = insn.args
    if insn.mnemonic == "fence" and args.fm == 0b1000 and args.pred == args.succ == 0b0011:
        return "fence.tso"                   # its own instruction in the spec (2.7)
    operands = [_operand(kind, field, args) for kind, field in LAYOUTS[insn.mnemonic]]
    mnemonic = insn.mnemonic
    if hasattr(args, "aq"):
        mnemonic += "." * (args.aq | args.rl) + "aq" * args.aq + "rl" * args.rl
    text = ", ".join(op for op in operands if op is not None)
    return f"{mnemonic} {text}" if text else mnemonic


def in_asm_line(fetch, pc: int) -> str | None:
    """The line qemu-riscv64's `-d in_asm` log has for the instruction at pc (qemu's own
    disassembler: see qemu_disasm), or None if pc cannot be fetched."""
    from dbt.frontends.riscv.lifter import fetch_insn
    from dbt.frontends.riscv.qemu_disasm import qemu_illegal_line, qemu_line
    insn, length = fetch_insn(fetch, pc)
    if insn is not None:
        return qemu_line(insn)
    if length == 0:
        return None
    return qemu_illegal_line(int.from_bytes(fetch(pc, length), "little"), length, pc)
