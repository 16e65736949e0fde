"""IR passes. Each takes a Block and returns an equivalent Block.

`optimize` is the default pipeline run on every lifted block (the builder has folded
already): `fold_block(forward_state(block))`, fused into one walk (pipeline.py).
"""

from ..ir.fold import fold_block
from .pipeline import optimize
from .state_forwarding import forward_state

__all__ = ["fold_block", "forward_state", "optimize"]
