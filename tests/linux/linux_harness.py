"""Test harness for the syscall layer: a guest address space, a LinuxKernel and a way to make
syscalls by name, as the runtime does:
number and arguments in the ABI's GuestState slots, result read back from the result slot."""

from __future__ import annotations

import io
import os

from dbt.arch import EM_AARCH64, EM_RISCV, arch_for_machine
from dbt.frontends.aarch64.layout import LAYOUT as AARCH64_LAYOUT
from dbt.frontends.riscv.layout import LAYOUT as RISCV64_LAYOUT
from dbt.linux import LinuxKernel, syscall_table
from dbt.memory import PAGE_SIZE, PROT_READ, PROT_WRITE, GuestMemory
from dbt.state import GuestState

SCRATCH = 0x100000          # 16 RW pages
SCRATCH_SIZE = 16 * PAGE_SIZE
RO_PAGE = 0x120000          # one read-only page
UNMAPPED = 0x130000         # never mapped
BRK_START = 0x200000
LAYOUTS = {"riscv64": RISCV64_LAYOUT, "aarch64": AARCH64_LAYOUT}   # ABI machine -> GuestState's
ARCHES = {"riscv64": arch_for_machine(EM_RISCV), "aarch64": arch_for_machine(EM_AARCH64)}


class Guest:
    def __init__(self, abi, exe_path, sysroot=None, strace=False):
        self.mem = GuestMemory()
        self.mem.map_anonymous(SCRATCH, SCRATCH_SIZE, PROT_READ | PROT_WRITE)
        self.mem.map_anonymous(RO_PAGE, PAGE_SIZE, PROT_READ)
        self.mem.brk_start = self.mem.brk_end = self.mem.brk_page = BRK_START
        self.err = io.StringIO()
        self.abi = abi
        arch = ARCHES[abi.machine]
        self.kernel = LinuxKernel(self.mem, abi, exe_path=exe_path, sysroot=sysroot,
                                  strace=strace, err=self.err,
                                  signal_frames=arch.signal_frames,
                                  stack_pointer=arch.stack_pointer)
        self.numbers = syscall_table(abi.machine)
        self.state = GuestState(LAYOUTS[abi.machine])
        self._next = SCRATCH

    def call(self, name: str, *args: int) -> int:
        """Make syscall `name`; returns the result as a signed 64-bit value."""
        state = self.state
        state[self.abi.nr] = self.numbers[name] if isinstance(name, str) else name
        for field, value in zip(self.abi.args, list(args) + [0] * 6):
            state[field] = value
        self.kernel.syscall(state)
        ret = state[self.abi.ret]
        return ret - (1 << 64) if ret >> 63 else ret

    def alloc(self, data: bytes | int) -> int:
        """Put bytes (or zeros) into the scratch area; returns their guest address."""
        raw = bytes(data) if isinstance(data, int) else data
        addr = self._next
        self._next = (addr + len(raw) + 16) & ~7
        assert self._next <= SCRATCH + SCRATCH_SIZE
        self.mem.write(addr, raw)
        return addr

    def cstr(self, text: str | bytes) -> int:
        raw = text.encode() if isinstance(text, str) else text
        return self.alloc(raw + b"\0")

    def read(self, addr: int, length: int) -> bytes:
        return self.mem.read(addr, length)

    def warnings(self) -> list[str]:
        return [line for line in self.err.getvalue().splitlines()
                if line.startswith("dbt-vm: warning:")]

    def close(self):
        for fd, entry in list(self.kernel.fds.entries.items()):
            if entry.host > 2:
                os.close(entry.host)
        self.mem.close()
