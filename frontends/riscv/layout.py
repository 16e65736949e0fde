"""The GuestState fields of RV64GC: what its `Arch.state_fields` declares, and the layout
its lifter builds blocks for."""

from __future__ import annotations

from dbt.ir.types import I64
from dbt.state import layout_of

# (after dbt.state.COMMON_FIELDS: pc, the LR/SC reservation, and fpflags, which holds fcsr's
# fflags in the IR's bit order)
STATE_FIELDS = (
    *((f"x{i}", I64) for i in range(32)),       # integer registers
    *((f"f{i}", I64) for i in range(32)),       # FP registers (f32 values NaN-boxed)
    ("frm", I64),                               # fcsr.frm, the dynamic rounding mode
)

LAYOUT = layout_of(STATE_FIELDS)

# ABI names of the registers (the Python API's Machine.reg), and fcsr's parts
_X_ABI = ("zero ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 "
          "s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6").split()
_F_ABI = ("ft0 ft1 ft2 ft3 ft4 ft5 ft6 ft7 fs0 fs1 fa0 fa1 fa2 fa3 fa4 fa5 fa6 fa7 "
          "fs2 fs3 fs4 fs5 fs6 fs7 fs8 fs9 fs10 fs11 ft8 ft9 ft10 ft11").split()
REG_ALIASES = {**{name: f"x{i}" for i, name in enumerate(_X_ABI)},
               **{name: f"f{i}" for i, name in enumerate(_F_ABI)},
               "fp": "x8", "fflags": "fpflags"}
