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
