"""IR passes. Each takes a Block and returns an equivalent Block."""

from ..ir.fold import fold_block
from .state_forwarding import forward_state

__all__ = ["fold_block", "forward_state", "optimize"]


def optimize(block):
    """The default pipeline run on every lifted block (the builder has folded already)."""
    return fold_block(forward_state(block))
