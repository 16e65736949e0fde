"""Guest-visible exceptional events raised by backends and turned into signals by the runtime."""

from __future__ import annotations

import signal

from .ir.ops import TRAP_BREAKPOINT, TRAP_FETCH, TRAP_ILLEGAL, TRAP_PC_ALIGN
from .memory import GuestFault

__all__ = ["GuestFault", "GuestTrap", "TRAP_SIGNALS"]


class GuestTrap(Exception):
    """An instruction trapped (illegal instruction, breakpoint, fetch fault)."""

    def __init__(self, kind: str, pc: int | None = None, addr: int | None = None):
        super().__init__(kind, pc)
        self.kind = kind
        self.pc = pc
        self.addr = addr


# The signal each trap kind delivers (Linux, qemu-user).
TRAP_SIGNALS = {
    TRAP_ILLEGAL: signal.SIGILL,
    TRAP_BREAKPOINT: signal.SIGTRAP,
    TRAP_FETCH: signal.SIGSEGV,
    TRAP_PC_ALIGN: signal.SIGBUS,
}
