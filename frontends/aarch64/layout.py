"""The GuestState fields of AArch64: what its `Arch.state_fields` declares, and the layout
its lifter builds blocks for."""

from __future__ import annotations

from dbt.ir.types import I1, I64
from dbt.state import layout_of

# (after dbt.state.COMMON_FIELDS: pc, the exclusive monitor's reservation, and fpflags, which
# holds FPSR's cumulative exception flags in the IR's bit order)
STATE_FIELDS = (
    *((f"x{i}", I64) for i in range(32)),       # x0-x30, and x31: SP
    *((f"f{i}", I64) for i in range(32)),       # bits 63..0 of V0-V31
    *((f"vhi{i}", I64) for i in range(32)),     # bits 127..64 of V0-V31
    ("n", I1), ("z", I1), ("c", I1), ("v", I1),  # NZCV
    ("fpcr", I64), ("fpsr", I64),               # FPCR; FPSR but for its flags (fpsr.py)
    ("tpidr", I64),                             # TPIDR_EL0
    ("res_hi", I64),                            # LDXP's high doubleword (res_val: its low)
)

LAYOUT = layout_of(STATE_FIELDS)

# Names of the registers for the Python API's Machine.reg: sp, fp (x29), lr (x30), and the
# low 64 bits of each V register as d0-d31
REG_ALIASES = {"sp": "x31", "fp": "x29", "lr": "x30", "tpidr_el0": "tpidr",
               **{f"d{i}": f"f{i}" for i in range(32)}}
