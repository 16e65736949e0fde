"""The Linux user-mode syscall layer (asm-generic ABI: riscv64, aarch64) on an x86-64 host."""

from .abi import AARCH64, RISCV64, FatalSignal, ProcessExit, SyscallABI, SyscallError
from .kernel import LinuxKernel, SyscallStats
from .numbers import syscall_names, syscall_table

__all__ = ["AARCH64", "RISCV64", "FatalSignal", "LinuxKernel", "ProcessExit", "SyscallABI",
           "SyscallError", "SyscallStats", "syscall_names", "syscall_table"]
