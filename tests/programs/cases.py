"""The table of whole-program test cases.

Each case runs one program from tests/programs/*.c with a given argv, stdin and environment.
Guests run with exactly ``env`` as their environment (never the host's), with the current
directory set to a fresh, empty temporary directory, and with stdin fed from ``stdin`` through
a pipe (empty bytes = immediate end of file). ``stderr_to_stdout`` runs the guest with fd 2
pointing at the same pipe as fd 1, so the relative order of its writes is compared too.

A case runs for each guest architecture in ``archs`` (RISC-V 64 and AArch64 unless it says
otherwise), built with each of its variants (build.py): ``libcs`` are the RISC-V variants
(``musl``, ``glibc``, ``musl-pie``, ``glibc-dyn``); for AArch64 the same ones with
``aarch64-`` in front, or ``a64_libcs`` when given (names without the prefix; the -O3 build
``glibc-O3`` exists for AArch64 only). ``case_libc_pairs`` spells every (case, variant) out.

Expected outputs live in ``expected/<case>.<variant>.json`` (``printf_int.musl.json``,
``printf_int.aarch64-musl.json``), written by record.py from qemu-riscv64 or qemu-aarch64.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LIBCS = ("musl", "glibc")
WITH_PIE = LIBCS + ("musl-pie",)    # also as a static-pie (ET_DYN) build
# Also dynamically linked (glibc's ld.so, libc.so.6, libm.so.6 and libatomic.so.1 from the Debian
# cross sysroot; build.py says why there is no dynamic musl). Each run also pays ld.so's start-up
# (about twice the blocks of a static run, ~1.7 s in interp), so the table runs a representative
# subset dynamically: formatted output (printf_*), files and stdio (fileio, stdin_text_stdio,
# stdio_line_merged), malloc and mmap (malloc_mmap), qsort/strings, setjmp, function pointers,
# libatomic and libm through their shared libraries (atomics, libm_fenv), argv/env, exit paths
# (exit_flush_0, abort_plain), faults and traps (segv_read, trap_illegal), code remapped with
# mremap (smc_remap), and the guest's /proc/self files (proc_self).
WITH_DYN = LIBCS + ("glibc-dyn",)
ALL_LIBCS = ("musl", "glibc", "musl-pie", "glibc-dyn")

ARCHS = ("riscv64", "aarch64")
# AArch64 also as a static glibc build at -O3, for the loops gcc vectorizes with AdvSIMD only
# there (build.py); a few programs with loops that it vectorizes
WITH_O3 = LIBCS + ("glibc-O3",)


def variant(arch: str, libc: str) -> str:
    """The build variant (build.TOOLCHAINS key) of a libc on an architecture."""
    return libc if arch == "riscv64" else f"{arch}-{libc}"


def arch_of(variant_name: str) -> str:
    """The guest architecture of a build variant ('aarch64-musl' -> 'aarch64')."""
    head = variant_name.split("-", 1)[0]
    return head if head in ARCHS else "riscv64"


# The environment every guest gets unless a case says otherwise: fixed and small.
BASE_ENV: dict[str, str] = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/home/guest",
    "LANG": "C",
    "DBT_TEST_GREETING": "hello from the test table",
    "DBT_TEST_EMPTY": "",
}


@dataclass(frozen=True)
class Case:
    name: str                       # unique; used in file names
    program: str                    # tests/programs/<program>.c
    args: tuple[str, ...] = ()      # argv[1:]
    stdin: bytes = b""
    env: dict[str, str] = field(default_factory=lambda: dict(BASE_ENV))
    libcs: tuple[str, ...] = LIBCS
    stderr_to_stdout: bool = False
    timeout: float = 60.0           # seconds, under qemu
    needs: tuple[str, ...] = ()     # dbt-vm features the case depends on (see PENDING)
    archs: tuple[str, ...] = ARCHS  # guest architectures it runs on
    a64_libcs: tuple[str, ...] | None = None  # AArch64 libcs, when not the same as ``libcs``

    def variants(self, arch: str) -> tuple[str, ...]:
        """The build variants the case runs with on ``arch`` (none if not one of its archs)."""
        if arch not in self.archs:
            return ()
        libcs = self.libcs if arch == "riscv64" or self.a64_libcs is None else self.a64_libcs
        return tuple(variant(arch, libc) for libc in libcs)


# Features some cases need that dbt-vm does not have yet: those cases are expected to fail
# (strict xfail in test_programs.py, so the day they pass the marker must go).
PENDING: dict[str, str] = {
}

# AArch64 cases that fail today (while the frontend grows, mostly because an instruction they
# run is not translated yet): strict xfails in test_programs.py, so that an entry is removed
# the day it passes. A key is "<case>" (every AArch64 variant and mode), "<case>.<variant>"
# (that build only), either of them with "@<mode>" (that mode only: a bug of one backend); the
# reason names what fails: the first instruction dbt-vm stops at (its SIGILL message and
# `--trace in_asm`; objdump for the name), or the difference and where it comes from.
A64_PENDING: dict[str, str] = {
}

# Lines that print the CPU's feature bits (AT_HWCAP): qemu-aarch64 reports those of its CPU
# model, dbt-vm those it implements (FP, ASIMD, CRC32, ATOMICS), so on AArch64 the value (the
# regular expression's group) is masked on both sides before the outputs are compared. On
# RISC-V both report the same bits, and nothing is masked.
A64_MASKS: dict[str, tuple[bytes, ...]] = {
    "argv_env": (rb"AT_HWCAP letters:([A-Z ]*)\n",),
    "proc_self": (rb"AT_HWCAP (0x[0-9a-f]+) ",),
}


def a64_pending_reason(case_name: str, variant_name: str, mode: str) -> str | None:
    """Why an AArch64 (case, variant) is expected to fail in a mode today, or None."""
    if arch_of(variant_name) != "aarch64":
        return None
    for key in (f"{case_name}.{variant_name}@{mode}", f"{case_name}@{mode}",
                f"{case_name}.{variant_name}", case_name):
        if key in A64_PENDING:
            return A64_PENDING[key]
    return None


def _text_input() -> bytes:
    lines = [
        "The quick brown fox jumps over the lazy dog.",
        "",
        "  leading spaces\tand\ttabs  ",
        "Zahlen: 0123456789 und Umlaute: äöü ß — UTF-8 ✓",
        "last line without a newline",
    ]
    return ("\n".join(lines)).encode()


def _binary_input(size: int) -> bytes:
    """Deterministic pseudo-random bytes (xorshift32), with some text and NULs mixed in."""
    out = bytearray()
    x = 2463534242
    while len(out) < size:
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        if x % 7 == 0:
            out += b"line of text %d\n" % (x % 1000)
        else:
            out += x.to_bytes(4, "little")
    return bytes(out[:size])


_LONG_ARG = "x" * 300 + "-end"

CASES: tuple[Case, ...] = (
    Case("printf_int", "printf_int", libcs=ALL_LIBCS),
    Case("printf_float", "printf_float", libcs=WITH_DYN),
    Case("fileio", "fileio", libcs=WITH_DYN, a64_libcs=WITH_DYN + ("glibc-O3",)),
    Case("malloc_mmap", "malloc_mmap", libcs=ALL_LIBCS),
    Case("strings_sort", "strings_sort", libcs=WITH_DYN, a64_libcs=WITH_DYN + ("glibc-O3",)),
    Case("setjmp_longjmp", "setjmp_longjmp", libcs=WITH_DYN),
    Case("funcptr_switch", "funcptr_switch", libcs=ALL_LIBCS),
    Case("hidden_entry", "hidden_entry", libcs=ALL_LIBCS),
    Case("pipe_writer", "pipe_writer", args=("3",)),
    Case("close_std", "close_std"),
    Case("int128", "int128", a64_libcs=WITH_O3),
    Case("int_ops", "int_ops", a64_libcs=WITH_O3),
    Case("atomics", "atomics", libcs=WITH_DYN),
    Case("libm_fenv", "libm_fenv", libcs=WITH_DYN),
    Case("fp_edge", "fp_edge"),
    # AArch64 only: AdvSIMD through arm_neon.h, LSE atomics (built for ARMv8.1-A) and the
    # CRC32 instructions through arm_acle.h (built with +crc)
    Case("neon_int", "neon_int", archs=("aarch64",), a64_libcs=WITH_O3),
    Case("neon_float", "neon_float", archs=("aarch64",)),
    Case("lse_atomics", "lse_atomics", archs=("aarch64",)),
    Case("crc32", "crc32", archs=("aarch64",)),
    # stdin
    Case("stdin_text", "stdin_stats", stdin=_text_input()),
    Case("stdin_text_stdio", "stdin_stats", args=("stdio",), stdin=_text_input(),
         libcs=WITH_DYN),
    Case("stdin_empty", "stdin_stats"),
    # more than one 64 KiB pipe buffer: the feeder blocks until the guest reads
    Case("stdin_binary", "stdin_stats", stdin=_binary_input(70_000), a64_libcs=WITH_O3),
    # argv and environment
    Case("argv_none", "argv_env"),
    Case("argv_many", "argv_env", libcs=ALL_LIBCS,
         args=("one", "two words", "", "--flag=value", "héllo wörld ✓", "'quoted'", "a\tb",
               _LONG_ARG)),
    Case("argv_empty_env", "argv_env", args=("x",), env={}),
    Case("argv_custom_env", "argv_env",
         env={"HOME": "/", "DBT_TEST_GREETING": "custom = with = equals", "ZZZ": "last",
              "AAA": "first"}),
    # exit paths
    Case("exit_42", "exit_code"),
    Case("exit_return_3", "exit_code", args=("return", "3")),
    Case("exit__exit_7", "exit_code", args=("_exit", "7")),
    Case("exit_flush_0", "exit_code", args=("flush_exit", "0"), libcs=WITH_DYN),
    Case("exit_256", "exit_code", args=("exit", "256")),
    Case("exit_minus_1", "exit_code", args=("exit", "-1")),
    # signals
    Case("abort_plain", "abort_signal", args=("plain",), libcs=WITH_DYN),
    Case("abort_handler", "abort_signal", args=("handler",)),
    Case("abort_blocked", "abort_signal", args=("blocked",)),
    Case("signal_usr1_usr2", "abort_signal", args=("raise_usr1",)),
    # handlers: faults with siginfo and ucontext, sigaltstack, masks, EINTR and SA_RESTART,
    # sigsuspend, sigtimedwait, SIGCHLD
    Case("signal_handlers", "signals", libcs=WITH_DYN),
    Case("spin_alarm", "spin_alarm"),
    # child processes: fork, vfork, pipes, wait statuses (deaths by signal included)
    Case("fork_wait", "fork_wait", libcs=ALL_LIBCS),
    Case("poll_wait", "poll_wait", libcs=WITH_DYN),
    Case("socket_echo", "socket_echo", libcs=WITH_DYN),
    Case("fd_extra", "fd_extra"),
    Case("signalfd", "signalfd"),
    # threads: pthread mutexes, condvars, barriers, TLS, atomics, many threads; how a
    # threaded process ends (a thread's exit(), main's pthread_exit, a fatal signal)
    Case("threads", "threads", libcs=WITH_DYN),
    Case("threads_exit", "threads", args=("exit",)),
    Case("threads_lastexit", "threads", args=("lastexit",)),
    Case("threads_raise", "threads", args=("raise",)),
    Case("threads_tkill", "threads", args=("tkill",)),
    Case("threads_fork", "threads", args=("fork",)),
    # execve of files that cannot run (what a successful execve does: tests/test_spawn.py)
    Case("exec_errors", "exec_prog", args=("errors",)),
    Case("segv_read", "segv", args=("read",), libcs=WITH_DYN),
    Case("segv_write", "segv", args=("write",)),
    Case("segv_exec", "segv", args=("exec",)),
    Case("segv_handler", "segv", args=("handler",)),
    Case("segv_resume", "segv", args=("resume",)),
    # instructions that trap (traps.c says what each is on AArch64; it has no reserved
    # rounding mode, so trap_frm is RISC-V's only)
    *(Case(f"trap_{what}", "traps", args=(what,),
           libcs=WITH_DYN if what == "illegal" else LIBCS,
           archs=("riscv64",) if what == "frm" else ARCHS)
      for what in ("illegal", "csr", "frm", "ebreak", "amo_misaligned", "lr_misaligned",
                   "jump_null")),
    # self-modifying code: stores + fence.i, mprotect, kernel writes (read/pread64/readv), remaps
    *(Case(f"smc_{what}", "smc", args=(what,), libcs=WITH_DYN if what == "remap" else LIBCS)
      for what in ("store", "read", "pread", "remap")),
    # stdout/stderr interleaving
    Case("stdio_full", "stdio_mix", args=("full",)),
    Case("stdio_line", "stdio_mix", args=("line",)),
    Case("stdio_none", "stdio_mix", args=("none",)),
    Case("stdio_full_merged", "stdio_mix", args=("full",), stderr_to_stdout=True),
    Case("stdio_line_merged", "stdio_mix", args=("line",), stderr_to_stdout=True,
         libcs=WITH_DYN),
    # the guest's /proc/self/maps, auxv and cmdline (what does not depend on addresses)
    Case("proc_self", "proc_self", args=("a", "b c"), libcs=ALL_LIBCS),
    Case("stdio_none_merged", "stdio_mix", args=("none",), stderr_to_stdout=True),
)

CASES_BY_NAME: dict[str, Case] = {c.name: c for c in CASES}
assert len(CASES_BY_NAME) == len(CASES), "duplicate case names"


def case_libc_pairs(arch: str | None = None) -> list[tuple[Case, str]]:
    """Every (case, variant) combination the table asks for (of one architecture, or all:
    RISC-V first, in table order)."""
    archs = ARCHS if arch is None else (arch,)
    return [(c, v) for a in archs for c in CASES for v in c.variants(a)]
