"""The AArch64 frontend tests share tests/semantics/a64_harness.py (the differential harness)."""

import sys
from pathlib import Path

_SEMANTICS = str(Path(__file__).resolve().parents[2] / "semantics")
if _SEMANTICS not in sys.path:
    sys.path.insert(0, _SEMANTICS)
