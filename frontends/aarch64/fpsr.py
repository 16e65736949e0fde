"""FPCR and FPSR as the IR sees them.

The IR's FP ops take a control operand (rounding mode | FP_DN | FP_FZ) and accrue their
exception flags into the field FP_FLAGS_FIELD in the IR's own bit order; this module converts
between those and Arm's registers (Arm ARM D13.2.48 FPCR, D13.2.51 FPSR). FPCR itself is kept
as written (the field `fpcr`); FPSR's cumulative exception bits live in the IR flags field and
its other bits (QC, and the reserved ones Linux keeps) in the field `fpsr`.
"""

from __future__ import annotations

from dbt.ir import ops

# Arm FPCR.RMode (bits 23:22): RN, RP, RM, RZ -> the IR's rounding modes
RMODE_TO_IR = (ops.RM_RNE, ops.RM_RUP, ops.RM_RDN, ops.RM_RTZ)
FPCR_DN, FPCR_FZ = 1 << 25, 1 << 24
#: FPCR bits a write keeps (AHP, DN, FZ, RMode, FZ16; the trap enables read as 0 (qemu))
FPCR_MASK = 0x07C00000 | (1 << 26) | (1 << 19)
# FPSR cumulative bits (IOC DZC OFC UFC IXC IDC) and the IR flags they are
FPSR_FLAGS = ((1 << 0, ops.FLAG_NV), (1 << 1, ops.FLAG_DZ), (1 << 2, ops.FLAG_OF),
              (1 << 3, ops.FLAG_UF), (1 << 4, ops.FLAG_NX), (1 << 7, ops.FLAG_ID))
FPSR_CUMULATIVE = sum(arm for arm, _ in FPSR_FLAGS)
FPSR_KEEP = 0xF8000000         # N Z C V (AArch32) and QC: kept as written


def flags_to_fpsr(flags: int) -> int:
    return sum(arm for arm, ir in FPSR_FLAGS if flags & ir)


def fpcr_control(fpcr: int) -> int:
    """The control operand of FP ops for an FPCR value."""
    control = RMODE_TO_IR[(fpcr >> 22) & 3]
    if fpcr & FPCR_DN:
        control |= ops.FP_DN
    if fpcr & FPCR_FZ:
        control |= ops.FP_FZ
    return control


def fpsr_read(b):
    """FPSR from the flags field and the kept bits."""
    flags = b.get(ops.FP_FLAGS_FIELD)
    value = b.get("fpsr")
    for arm, ir in FPSR_FLAGS:
        bit = b.and_(flags, ir)
        shift = arm.bit_length() - ir.bit_length()
        bit = b.shl(bit, shift) if shift > 0 else b.shr_u(bit, -shift) if shift < 0 else bit
        value = b.or_(value, bit)
    return value


def fpsr_write(b, value) -> None:
    flags = None
    for arm, ir in FPSR_FLAGS:
        bit = b.and_(value, arm)
        shift = ir.bit_length() - arm.bit_length()
        bit = b.shl(bit, shift) if shift > 0 else b.shr_u(bit, -shift) if shift < 0 else bit
        flags = bit if flags is None else b.or_(flags, bit)
    b.set(flags, field=ops.FP_FLAGS_FIELD)
    b.set(b.and_(value, FPSR_KEEP), field="fpsr")


def fpcr_write(ctx, value) -> None:
    ctx.b.set(ctx.b.and_(value, FPCR_MASK), field="fpcr")
    ctx.control = None


def control_from_fpcr(b, fpcr):
    """The control operand computed from an FPCR value in the IR: RMode mapped to the IR's
    mode ((rmode * 3) & 3 maps RN RP RM RZ = 0 1 2 3 to RNE RUP RDN RTZ = 0 3 2 1), DN (bit
    25) to FP_DN (bit 3), FZ (bit 24) to FP_FZ (bit 4)."""
    assert ops.FP_DN == 8 and ops.FP_FZ == 16
    rmode = b.and_(b.shr_u(fpcr, 22), 3)
    mode = b.and_(b.mul(rmode, 3), 3)
    dn = b.and_(b.shr_u(fpcr, 22), ops.FP_DN)
    fz = b.and_(b.shr_u(fpcr, 20), ops.FP_FZ)
    return b.or_(b.or_(mode, dn), fz)


