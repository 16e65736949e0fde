"""RISC-V instructions as qemu-riscv64 prints them in its `-d in_asm` log (qemu 7.2's own
disassembler, disas/riscv.c — not capstone's text, which `disasm.py` follows).

What makes qemu's text its own, all reproduced here:
- a compressed instruction is shown as the 32-bit instruction it expands to (``c.li a0,5`` is
  ``addi a0,zero,5``, ``c.mv`` is ``addi rd,rs2,0``), and an expansion whose immediate must not
  be zero (c.addi, c.addi4spn, c.addi16sp, c.lui and the three shifts) shows as ``illegal``
  when it is;
- then one pseudo-instruction rule per base instruction applies, the first that matches
  (`PSEUDO`): ``mv``, ``nop``, ``not``, ``neg``, ``seqz``, ``ret``, ``jr``, ``j``, ``beqz``,
  ``frflags``... — and ``blt``/``bge``/``bltu``/``bgeu`` always become ``bgt``/``ble``/
  ``bgtu``/``bleu`` with swapped operands (or ``bltz``, ``blez``... against zero);
- operands are ``rd,rs1,imm`` without spaces, immediates in decimal, the mnemonic padded to 24
  columns, and a pc-relative operand followed by ``# 0x<target>`` at column 48;
- FP operations print their rounding mode first, ``dyn`` included (``fadd.d dyn,fa0,fa1,fa2``);
  ``fmv.x.w``/``fmv.w.x`` are named ``fmv.x.s``/``fmv.s.x``; ``fmv.s``/``fabs.d``/... print
  their FP registers with integer names (qemu's format for them uses the integer slots);
- CSRs are named from qemu's table (`CSR_NAMES`: Debian's 7.2 with its pmp fixes), others
  print as ``0x%03x``.
"""
from __future__ import annotations

from dbt.frontends.riscv.decode import Insn
from dbt.frontends.riscv.regs import ABI_NAMES as XREG_NAMES
from dbt.frontends.riscv.regs import FP_ABI_NAMES as FREG_NAMES

__all__ = ["qemu_text", "qemu_line", "qemu_illegal_line", "CSR_NAMES", "PSEUDO"]

TAB = 24                        # the mnemonic column width; '# target' goes at 2 * TAB

# Operand templates, as qemu's format strings after the mnemonic: 0/1/2 = rd/rs1/rs2 as
# integer registers, 3/4/5/6 = rd/rs1/rs2/rs3 as FP registers, i = immediate, o = pc-relative
# immediate and its target, c = CSR, 7 = rs1 as a number (zimm), r = rounding mode,
# p/s = fence sets, A = .aq/.rl suffixes on the mnemonic.
_FORMATS = """
0,i        | lui
0,o        | auipc jal
0,1,i      | jalr addi slti sltiu xori ori andi slli srli srai addiw slliw srliw sraiw
0,i(1)     | lb lh lw ld lbu lhu lwu
2,i(1)     | sb sh sw sd
3,i(1)     | flw fld
5,i(1)     | fsw fsd
1,2,o      | beq bne blt bge bltu bgeu
0,1,2      | add sub sll slt sltu xor srl sra or and addw subw sllw srlw sraw
             mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw
p,s        | fence
-          | fence.i ecall ebreak nop ret illegal
A0,(1)     | lr.w lr.d
A0,2,(1)   | sc.w sc.d amoswap.w amoadd.w amoxor.w amoor.w amoand.w amomin.w amomax.w
             amominu.w amomaxu.w amoswap.d amoadd.d amoxor.d amoor.d amoand.d amomin.d
             amomax.d amominu.d amomaxu.d
0,c,1      | csrrw csrrs csrrc
0,c,7      | csrrwi csrrsi csrrci
r,3,4,5,6  | fmadd.s fmsub.s fnmsub.s fnmadd.s fmadd.d fmsub.d fnmsub.d fnmadd.d
r,3,4,5    | fadd.s fsub.s fmul.s fdiv.s fadd.d fsub.d fmul.d fdiv.d
3,4,5      | fsgnj.s fsgnjn.s fsgnjx.s fmin.s fmax.s fsgnj.d fsgnjn.d fsgnjx.d fmin.d fmax.d
0,4,5      | feq.s flt.s fle.s feq.d flt.d fle.d
r,3,4      | fsqrt.s fsqrt.d fcvt.s.d fcvt.d.s
r,0,4      | fcvt.w.s fcvt.wu.s fcvt.l.s fcvt.lu.s fcvt.w.d fcvt.wu.d fcvt.l.d fcvt.lu.d
r,3,1      | fcvt.s.w fcvt.s.wu fcvt.s.l fcvt.s.lu fcvt.d.w fcvt.d.wu fcvt.d.l fcvt.d.lu
0,4        | fmv.x.s fclass.s fmv.x.d fclass.d
3,1        | fmv.s.x fmv.d.x
0,1        | mv not sext.w seqz sltz fmv.s fabs.s fneg.s fmv.d fabs.d fneg.d
             fscsr fsrm fsflags
0,2        | neg negw snez sgtz
1,o        | beqz bnez bgez bltz
2,o        | blez bgtz
2,1,o      | ble bleu bgt bgtu
o          | j
1          | jr
0          | rdcycle rdtime rdinstret rdcycleh rdtimeh rdinstreth frcsr frrm frflags
0,7        | fsrmi fsflagsi
"""


def _parse_formats(text: str) -> dict[str, str]:
    formats: dict[str, str] = {}
    current = ""
    for line in text.strip().splitlines():
        if "|" in line:
            current, line = (part.strip() for part in line.split("|"))
            current = "" if current == "-" else current
        for name in line.split():
            formats[name] = current
    return formats


FORMATS = _parse_formats(_FORMATS)

# Pseudo-instructions: for a base instruction, (pseudo, condition) tried in order; a condition
# is a conjunction of field tests ("rd=0", "rs1=ra", "imm=-1", "rs2=rs1", "csr=0xc00").
_PSEUDO = """
jal     j: rd=0
jalr    ret: rd=0 rs1=1 | jr: rd=0 imm=0
beq     beqz: rs2=0
bne     bnez: rs2=0
blt     bltz: rs2=0 | bgtz: rs1=0 | bgt:
bge     blez: rs1=0 | bgez: rs2=0 | ble:
bltu    bgtu:
bgeu    bleu:
addi    nop: rd=0 rs1=0 imm=0 | mv: imm=0
sltiu   seqz: imm=1
xori    not: imm=-1
sub     neg: rs1=0
slt     sltz: rs2=0 | sgtz: rs1=0
sltu    snez: rs1=0
addiw   sext.w: imm=0
subw    negw: rs1=0
csrrw   fscsr: csr=0x003 | fsrm: csr=0x002 | fsflags: csr=0x001
csrrs   rdcycle: rs1=0 csr=0xc00 | rdtime: rs1=0 csr=0xc01 | rdinstret: rs1=0 csr=0xc02
        | rdcycleh: rs1=0 csr=0xc80 | rdtimeh: rs1=0 csr=0xc81 | rdinstreth: rs1=0 csr=0xc82
        | frcsr: rs1=0 csr=0x003 | frrm: rs1=0 csr=0x002 | frflags: rs1=0 csr=0x001
csrrwi  fsrmi: csr=0x002 | fsflagsi: csr=0x001
fsgnj.s fmv.s: rs2=rs1
fsgnjn.s fneg.s: rs2=rs1
fsgnjx.s fabs.s: rs2=rs1
fsgnj.d fmv.d: rs2=rs1
fsgnjn.d fneg.d: rs2=rs1
fsgnjx.d fabs.d: rs2=rs1
"""


def _parse_pseudo(text: str) -> dict[str, tuple[tuple[str, tuple[tuple[str, str], ...]], ...]]:
    joined = text.strip().replace("\n        |", " |")
    rules = {}
    for line in joined.splitlines():
        base, rest = line.split(None, 1)
        alternatives = []
        for alt in rest.split("|"):
            name, cond = alt.split(":")
            tests = tuple(tuple(t.split("=")) for t in cond.split())
            alternatives.append((name.strip(), tests))
        rules[base] = tuple(alternatives)
    return rules


PSEUDO = _parse_pseudo(_PSEUDO)


_CSR_TABLE = """
000 ustatus 001 fflags 002 frm 003 fcsr 004 uie 005 utvec 008 vstart 009 vxsat 00a vxrm
00f vcsr 015 seed 040 uscratch 041 uepc 042 ucause 043 utval 044 uip 100 sstatus 104 sie
105 stvec 106 scounteren 140 sscratch 141 sepc 142 scause 143 stval 144 sip 180 satp
200 hstatus 202 hedeleg 203 hideleg 204 hie 205 htvec 240 hscratch 241 hepc 242 hcause
243 hbadaddr 244 hip 300 mstatus 301 misa 302 medeleg 303 mideleg 304 mie 305 mtvec
306 mcounteren 320 mucounteren 321 mscounteren 322 mhcounteren 340 mscratch 341 mepc
342 mcause 343 mtval 344 mip 380 mbase 381 mbound 382 mibase 383 mibound 384 mdbase
385 mdbound 780 mtohost 781 mfromhost 782 mreset 783 mipi 784 miobase 7a0 tselect
7a1 tdata1 7a2 tdata2 7a3 tdata3 7b0 dcsr 7b1 dpc 7b2 dscratch b00 mcycle b01 mtime
b02 minstret b80 mcycleh b81 mtimeh b82 minstreth c00 cycle c01 time c02 instret c20 vl
c21 vtype c22 vlenb c80 cycleh c81 timeh c82 instreth d00 scycle d01 stime d02 sinstret
d80 scycleh d81 stimeh d82 sinstreth e00 hcycle e01 htime e02 hinstret e80 hcycleh
e81 htimeh e82 hinstreth f11 mvendorid f12 marchid f13 mimpid f14 mhartid
"""


def _csr_names() -> dict[int, str]:
    words = _CSR_TABLE.split()
    names = {int(number, 16): name for number, name in zip(words[::2], words[1::2])}
    for n in range(3, 32):      # hpmcounter3..31 (0xc03...) are not in qemu's table
        names[0x320 + n] = f"mhpmevent{n}"
        names[0xB00 + n] = f"mhpmcounter{n}"
        names[0xB80 + n] = f"mhpmcounter{n}h"
    names.update({0x3A0 + n: f"pmpcfg{n}" for n in range(16)})
    names.update({0x3B0 + n: f"pmpaddr{n}" for n in range(64)})
    return names


CSR_NAMES = _csr_names()

_ROUNDING = ("rne", "rtz", "rdn", "rup", "rmm", "inv", "inv", "dyn")

# qemu's names where they differ from the encoding's mnemonic
_RENAMED = {"fmv.x.w": "fmv.x.s", "fmv.w.x": "fmv.s.x"}

# compressed instructions whose expansion needs a nonzero immediate (qemu: rvcd_imm_nz)
_IMM_NONZERO = {"c.addi4spn", "c.addi", "c.addi16sp", "c.lui", "c.srli", "c.srai", "c.slli"}


class _Fields:
    """The operand fields qemu's decoder fills in (unset ones are zero)."""
    __slots__ = ("rd", "rs1", "rs2", "rs3", "imm", "rm", "pred", "succ", "aq", "rl")

    def __init__(self, fields: dict) -> None:
        get = fields.get
        for name in ("rd", "rs1", "rs2", "rs3", "rm", "pred", "succ", "aq", "rl"):
            setattr(self, name, get(name, 0))
        imm = get("imm", get("shamt", get("csr", 0))) & 0xFFFFFFFF
        self.imm = imm - (1 << 32) if imm & (1 << 31) else imm     # an int32, as qemu's


def _matches(f: _Fields, tests) -> bool:
    for field, want in tests:
        have = getattr(f, "imm" if field == "csr" else field)
        if have != (f.rs1 if want == "rs1" else int(want, 0)):
            return False
    return True


def _format(name: str, f: _Fields, pc: int) -> str:
    text = name
    template = FORMATS[name]
    if template.startswith("A"):
        text += ".aq" * f.aq + ".rl" * f.rl
        template = template[1:]
    text = text.ljust(TAB)
    for ch in template:
        if ch in "012":
            text += XREG_NAMES[getattr(f, ("rd", "rs1", "rs2")[int(ch)])]
        elif ch in "3456":
            text += FREG_NAMES[getattr(f, ("rd", "rs1", "rs2", "rs3")[int(ch) - 3])]
        elif ch == "i":
            text += str(f.imm)
        elif ch == "o":
            text += str(f.imm)
            text = text.ljust(2 * TAB) + f"# {(pc + f.imm) & (1 << 64) - 1:#x}"
        elif ch == "c":
            csr = f.imm & 0xFFF
            text += CSR_NAMES.get(csr) or f"0x{csr:03x}"
        elif ch == "7":
            text += str(f.rs1)
        elif ch == "r":
            text += _ROUNDING[f.rm]
        elif ch in "ps":
            bits = f.pred if ch == "p" else f.succ
            text += "".join(c for c, b in zip("iorw", (8, 4, 2, 1)) if bits & b)
        else:
            text += ch
    return text


def qemu_text(insn: Insn) -> str:
    """The disassembly qemu prints after the encoding, e.g. ``mv                      a0,sp``
    (trailing spaces included: qemu pads the mnemonic even with no operands)."""
    mnemonic, args = insn.mnemonic, insn.args
    f = _Fields(args._asdict())
    if mnemonic in _IMM_NONZERO and f.imm == 0:
        return _format("illegal", f, insn.pc)
    if mnemonic == "c.mv":                  # qemu expands c.mv rd,rs2 to addi rd,rs2,0
        f.rs1, f.rs2 = f.rs2, 0
        base = "addi"
    elif mnemonic.startswith("c."):
        base = insn.name.replace("_", ".")  # the instruction it expands to
    else:
        base = _RENAMED.get(mnemonic, mnemonic)
    name = base
    for pseudo, tests in PSEUDO.get(base, ()):
        if _matches(f, tests):
            name = pseudo
            break
    return _format(name, f, insn.pc)


def _encoding(raw: int, length: int) -> str:
    return f"{raw:04x}" + " " * 14 if length == 2 else f"{raw:08x}" + " " * 10


def qemu_line(insn: Insn) -> str:
    """One line of qemu-riscv64's `-d in_asm` log for a decoded instruction."""
    return f"0x{insn.pc:016x}:  {_encoding(insn.raw, insn.length)}{qemu_text(insn)}"


def qemu_illegal_line(raw: int, length: int, pc: int) -> str:
    """The line for an encoding that is not an RV64GC instruction.  qemu's disassembler still
    names the few reserved compressed forms (register x0 where the spec reserves it):
    c.lwsp/c.ldsp with rd=x0, c.jr with rs1=x0, c.addiw with rd=x0; everything else (and
    the zero-immediate forms) prints as ``illegal``."""
    name, f = "illegal", _Fields({})
    if length == 2:
        quadrant, funct3 = raw & 3, raw >> 13
        rd, imm6 = (raw >> 7) & 31, ((raw >> 2) & 31) | ((raw >> 7) & 32)
        if quadrant == 2 and funct3 in (2, 3) and rd == 0:
            name = ("lw", "ld")[funct3 - 2]
            if funct3 == 2:
                f.imm = ((raw >> 2) & 0x1C) | ((raw >> 7) & 0x20) | ((raw << 4) & 0xC0)
            else:
                f.imm = ((raw >> 2) & 0x18) | ((raw >> 7) & 0x20) | ((raw << 4) & 0x1C0)
            f.rs1 = 2
        elif quadrant == 2 and raw == 0x8002:
            name = "jr"
        elif quadrant == 1 and funct3 == 1 and rd == 0:
            f.imm = imm6 - 64 if imm6 & 32 else imm6
            name = "sext.w" if f.imm == 0 else "addiw"
    return f"0x{pc:016x}:  {_encoding(raw, length)}{_format(name, f, pc)}"
