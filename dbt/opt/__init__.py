"""IR passes. Each takes a Block and returns an equivalent Block."""

from .idioms import fold_idioms
from .state_forwarding import forward_state

__all__ = ["fold_idioms", "forward_state", "optimize"]


def optimize(block):
    """The default pipeline run on every lifted block."""
    return fold_idioms(forward_state(fold_idioms(block)))
