"""The `dbt-vm` command line."""

from __future__ import annotations

import argparse
import fcntl
import gc
import io
import os
import signal
import sys
import time

from . import __version__

TRACE_KINDS = ("in_asm", "ir", "llvm", "asm")


def _error(message: str, status: int = 1) -> int:
    print(f"dbt-vm: error: {message}", file=sys.stderr)
    return status


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, told the terminal's width as shutil would find it (argparse
    makes a formatter for every argument added, and would import shutil for it: 2 ms of every
    start)."""

    def __init__(self, prog: str, **kwargs):
        if kwargs.get("width") is None:
            try:
                columns = int(os.environ["COLUMNS"])
            except (KeyError, ValueError):
                try:
                    columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
                except (AttributeError, ValueError, OSError):
                    columns = 80
            kwargs["width"] = columns - 2
        super().__init__(prog, **kwargs)


def _parser() -> argparse.ArgumentParser:
    from .runtime import DEFAULT_MODE, MODES
    p = argparse.ArgumentParser(prog="dbt-vm", description="Run Linux programs built for "
                                "RISC-V on this machine by binary translation.",
                                formatter_class=_Formatter)
    p.add_argument("--version", action="version", version=f"dbt-vm {__version__}")
    for mask in ("--host-sigign", "--host-sigblk"):    # bin/dbt-vm: the signals its caller
        p.add_argument(mask, type=lambda text: int(text, 16), default=0,   # ignores, blocks
                       help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", formatter_class=_Formatter, help="run a guest program",
                         usage="dbt-vm run [options] PROGRAM [ARGS...]")
    run.add_argument("--mode", default=None,
                     help=f"execution mode: {', '.join(MODES)} (default: {DEFAULT_MODE}: the "
                          "interpreter first, LLVM for code that runs often, as the dynamic mode "
                          "for hot code)")
    run.add_argument("-L", dest="sysroot", metavar="DIR",
                     help="the guest's root directory (sysroot): the interpreter of a "
                          "dynamically linked program and absolute guest paths are looked up "
                          "under DIR first, as qemu-user does (default: $QEMU_LD_PREFIX, else "
                          "the Debian cross sysroot of the guest's ISA for dynamic programs)")
    run.add_argument("-E", dest="env_changes", action="append", default=[],
                     type=lambda text: ("set", text), metavar="VAR=VAL,...",
                     help="set variables in the guest's environment (a comma-separated list, "
                          "as qemu-user's; also $QEMU_SET_ENV)")
    run.add_argument("-U", dest="env_changes", action="append", default=[],
                     type=lambda text: ("unset", text), metavar="VAR,...",
                     help="remove variables from the guest's environment (also "
                          "$QEMU_UNSET_ENV)")
    run.add_argument("-0", dest="argv0", metavar="ARGV0",
                     help="the guest's argv[0] (default: PROGRAM)")
    run.add_argument("-s", dest="stack_size", type=_size, default=None, metavar="SIZE",
                     help="the guest's stack size (suffixes K, M, G; default 8M)")
    run.add_argument("-r", dest="uname_release", metavar="RELEASE",
                     help="the kernel release uname reports to the guest")
    run.add_argument("-cpu", dest="cpu", metavar="MODEL",
                     help="accepted for qemu-user's command lines: the CPU model (`-cpu help` "
                          "lists them; dbt-vm emulates one feature set per ISA, which --stats "
                          "reports)")
    run.add_argument("--exec-state", type=int, default=None, help=argparse.SUPPRESS)
    run.add_argument("--strace", "-strace", action="store_true",
                     help="log every syscall on stderr (also $QEMU_STRACE)")
    run.add_argument("-d", dest="qemu_log", metavar="ITEMS", default="",
                     help="qemu-user's -d: in_asm (= --trace in_asm), op (ir), out_asm (asm)")
    run.add_argument("-D", dest="log_file", metavar="FILE",
                     help="write --trace, -d and --strace output to FILE (qemu-user's -D)")
    run.add_argument("--code-cache-size", type=_size, default=None, metavar="BYTES",
                     help="host code kept before the translation cache is flushed "
                          "(dynamic mode; suffixes K, M, G; default 64M)")
    run.add_argument("--speculate", choices=("on", "off", "sync"), default=None,
                     help="translate the code likely to run next, and compile hot regions, "
                          "in a helper process on another CPU (dynamic mode; default: on "
                          "when there is more than one CPU; sync: wait for the helper "
                          "whenever it is busy, which makes what it does deterministic)")
    run.add_argument("--tier-up", type=_count, default=None, metavar="N",
                     help="runs of a block in the interpreter before LLVM compiles it (auto "
                          "mode; default 50; LLVM starts once the interpreter has run 200 "
                          "times N blocks in all)")
    run.add_argument("--hot-threshold", type=_count, default=None, metavar="N",
                     help="counts of LLVM-compiled code (entries and loop iterations) before "
                          "it is compiled again optimized (auto and dynamic modes; default "
                          "400000)")
    run.add_argument("--hot", choices=("regions", "traces"), default=None,
                     help="how hot code is compiled at -O2: regions of the blocks that ran "
                          "around a hot pc, or traces, the paths that run next from it, "
                          "recorded as Dynamo does (auto and dynamic modes; default regions)")
    run.add_argument("--background", choices=("on", "off"), default="on",
                     help="after the run, translate the code that ran only in the interpreter "
                          "into the persistent cache in a background process, for the next "
                          "run (auto mode; default on; `dbt-vm cache wait` waits for it)")
    run.add_argument("--no-cache", dest="cache", action="store_false",
                     help="neither use nor fill the persistent translation cache for this run")
    run.add_argument("--cache-dir", metavar="DIR",
                     help="the persistent translation cache's folder (default: "
                          "$DBT_VM_CACHE_DIR, else $XDG_CACHE_HOME/dbt-vm, else "
                          "~/.cache/dbt-vm)")
    run.add_argument("--trace", default="", metavar="KINDS",
                     help=f"comma-separated debug output on stderr: {', '.join(TRACE_KINDS)}")
    run.add_argument("--stats", action="store_true",
                     help="print instructions executed, MIPS and where time went")
    run.add_argument("--stats-json", metavar="FILE",
                     help="write the --stats figures to FILE as JSON (for benchmark runners)")
    run.add_argument("program", metavar="PROGRAM", nargs="?")
    run.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS")
    tr = sub.add_parser("translate", formatter_class=_Formatter,
                        help="translate a program ahead of time (static mode)",
                        description="Translate a program, its interpreter and the libraries it "
                        "needs into the persistent translation cache, so that `run --mode "
                        "static` (and the dynamic mode) translate nothing discovery found.")
    tr.add_argument("-L", dest="sysroot", metavar="DIR",
                    help="the guest's root directory, as for run")
    tr.add_argument("--cache-dir", metavar="DIR", help="the persistent cache's folder")
    tr.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                    help="worker processes (default: one per CPU)")
    tr.add_argument("--force", action="store_true",
                    help="translate files that were translated before too")
    tr.add_argument("program", metavar="PROGRAM")
    cache = sub.add_parser("cache", formatter_class=_Formatter,
                           help="the persistent translation cache",
                           description="The persistent translation cache lives in "
                           "$DBT_VM_CACHE_DIR, else $XDG_CACHE_HOME/dbt-vm, else "
                           "~/.cache/dbt-vm; DBT_VM_CACHE_LIMIT bounds its size (default 1G).")
    cache.add_argument("action", choices=("info", "clear", "wait"),
                       help="info: what it holds and the last runs' hits and misses; "
                            "clear: remove everything; wait: until the background "
                            "translations of finished auto-mode runs are done")
    cache.add_argument("--cache-dir", metavar="DIR", help="the cache's folder")
    p.set_defaults(subparsers={"run": run, "translate": tr, "cache": cache})
    return p


def host_environment() -> dict:
    """The environment dbt-vm was started with. Python may have added LC_CTYPE at start-up
    (PEP 538 locale coercion); /proc/self/environ still holds what the caller passed."""
    try:
        with open("/proc/self/environ", "rb") as f:
            items = f.read().split(b"\0")
    except OSError:
        return dict(os.environ)
    env = {}
    for item in items:
        if b"=" in item:
            key, value = item.split(b"=", 1)
            env[os.fsdecode(key)] = os.fsdecode(value)
    return env


def _size(text: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    scale = units.get(text[-1:].lower(), 1)
    digits = text[:-1] if scale != 1 else text
    if not digits.isdigit() or int(digits) <= 0:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}")
    return int(digits) * scale


def _count(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"not a positive count: {text!r}")
    return int(text)


def _guest_env(args) -> dict | int:
    """The guest's environment as qemu-user builds it (its envlist): dbt-vm's own in reverse
    order (each variable is inserted at the head of a list), then $QEMU_SET_ENV,
    $QEMU_UNSET_ENV and the -E and -U options in their order, each a comma-separated list; a
    variable that is set goes to the head, replacing an old value."""
    env = dict(reversed(host_environment().items()))
    changes = [("set", os.environ.get("QEMU_SET_ENV", "")),
               ("unset", os.environ.get("QEMU_UNSET_ENV", "")), *args.env_changes]
    for op, text in changes:
        for item in text.split(",") if text else ():
            if op == "unset":
                env.pop(item, None)
                continue
            if "=" not in item:
                return _error(f"-E expects VAR=VALUE, got {item!r}")
            key, value = item.split("=", 1)
            env.pop(key, None)
            env = {key: value, **env}
    return env


# qemu-user's -d log items that dbt-vm has, as its --trace kinds
QEMU_LOG_ITEMS = {"in_asm": "in_asm", "op": "ir", "out_asm": "asm"}
# -cpu models accepted for each guest ISA (dbt-vm emulates one feature set: RV64GC; ARMv8.0-A
# with CRC32 and LSE atomics)
CPU_MODELS = {"riscv64": ("rv64", "max", "any"),
              "aarch64": ("max", "cortex-a53", "cortex-a57", "cortex-a72", "neoverse-n1",
                          "any")}


def cmd_run(args) -> int:
    from .runtime import DEFAULT_MODE, MODES, PLANNED_MODES
    mode = args.mode or DEFAULT_MODE
    if mode not in MODES:
        if mode in PLANNED_MODES:
            return _error(f"mode '{mode}' is not implemented yet (available: {', '.join(MODES)})")
        return _error(f"unknown mode '{mode}' (available: {', '.join(MODES)})")
    if args.cpu == "help":
        for isa, models in CPU_MODELS.items():
            print(f"{isa}: {' '.join(models)}")
        return 0
    trace = [t for t in args.trace.split(",") if t]
    for item in (i for i in args.qemu_log.split(",") if i):
        if item not in QEMU_LOG_ITEMS:
            return _error(f"-d: unknown log item {item!r} (known: {', '.join(QEMU_LOG_ITEMS)})")
        trace.append(QEMU_LOG_ITEMS[item])
    trace = tuple(dict.fromkeys(trace))
    unknown = [t for t in trace if t not in TRACE_KINDS]
    if unknown:
        return _error(f"unknown trace kind {unknown[0]!r} (known: {', '.join(TRACE_KINDS)})")
    if os.environ.get("QEMU_STRACE"):
        args.strace = True
    from .runtime import HostStderr
    err = HostStderr()                     # qemu's log: the host's fd 2, or -D's file
    if args.log_file:
        try:
            err = open(args.log_file, "w", encoding="utf-8", errors="backslashreplace")
        except OSError as exc:
            return _error(f"cannot write -D {args.log_file}: {exc.strerror or exc}")
    from .linux.spawn import ExecState
    if args.exec_state is not None:            # started by a guest's execve (linux/spawn.py)
        image = _Image(args.program, ExecState.load(args.exec_state), strace=args.strace,
                       trace=trace, err=err)
    else:
        env = _guest_env(args)
        if isinstance(env, int):
            return env
        argv = [args.argv0 if args.argv0 is not None else args.program, *args.args]
        first = ExecState(argv, env, None, args.host_sigign, args.host_sigblk, None)
        image = _Image(args.program, first, strace=args.strace, trace=trace, err=err)
    cache = _cache(args, mode)
    if mode == "static" and cache is None:
        return _error("the static mode runs code translated into the persistent cache: "
                      "it cannot run with --no-cache")
    replaced = 0                               # images this process ran before this one
    while True:
        machine = _machine(args, mode, cache, image, exec_here=replaced < EXEC_HERE_LIMIT)
        if isinstance(machine, int):
            return machine
        _tune_gc()
        result = _run_guarded(machine, image.state.ignored >> (signal.SIGINT - 1) & 1)
        if result.image is None:
            break
        image = _next_image(machine, result.image)
        replaced += 1
    if (args.stats or args.stats_json) and not replaced:
        from .stats import print_stats, write_json
        if args.stats:
            print_stats(machine, sys.stderr)
        if args.stats_json:
            try:
                write_json(machine, args.stats_json)
            except OSError as exc:          # the guest's status stands
                _error(f"cannot write --stats-json {args.stats_json}: "
                       f"{exc.strerror or exc}")
    if result.signal:
        from .runtime import die_by_signal
        die_by_signal(result.signal, result.message)
    return result.status


class _Image:
    """A guest program to run in this process: its path, what it starts with (an
    linux.spawn.ExecState: argv, environment, fds, signal masks, children; fds None: the
    command line's own) and what dbt-vm logs of it."""

    def __init__(self, program: str, state, strace: bool, trace: tuple, err):
        self.program, self.state = program, state
        self.strace, self.trace, self.err = strace, trace, err


def _machine(args, mode: str, cache, image: _Image, exec_here: bool):
    """The Machine of `image` (or the exit status of an error about it)."""
    from .loader import LoadError
    from .runtime import Machine
    state = image.state
    try:
        machine = Machine(image.program, state.argv, state.envp, mode=mode, err=image.err,
                          sysroot=_sysroot(args), strace=image.strace, trace=image.trace,
                          code_cache_size=args.code_cache_size,
                          speculate=_speculate(args), cache=cache,
                          tier_up=args.tier_up, hot_threshold=args.hot_threshold,
                          background=args.background == "on", hot=args.hot,
                          closed_fds=_CLOSED_AT_START, ignored_signals=state.ignored,
                          blocked_signals=state.blocked, execfn=state.execfn,
                          fd_map=state.fds, relaunch=_relaunch_options(args, mode),
                          host_env=host_environment(), host_signals=True,
                          stack_size=args.stack_size, uname_release=args.uname_release,
                          exec_here=exec_here)
        if args.cpu is not None and args.cpu not in CPU_MODELS.get(machine.arch.name, ()):
            return _error(f"-cpu: unknown model {args.cpu!r} for {machine.arch.name} "
                          f"(known: {', '.join(CPU_MODELS.get(machine.arch.name, ()))})")
        machine.stats.cpu_model = args.cpu
        machine.kernel.children |= state.children      # (an execve keeps the process's)
        if mode == "static":
            from .static import ensure_translated
            start = time.perf_counter()
            ensure_translated(image.program, machine.program.sysroot, cache)
            machine.stats.translate_seconds = time.perf_counter() - start
    except LoadError as exc:
        return _error(f"{image.program}: {exc}")
    return machine


def _next_image(machine, exec_image) -> _Image:
    """After the guest's execve of a guest program (a linux.spawn.ExecImage), the image that
    runs next in this process, as a new dbt-vm started with _relaunch_options would run it
    (qemu-user's execve under binfmt_misc): no --stats, --strace or --trace of its own,
    qemu's log on stderr. What the old image left on the host goes."""
    from .linux.spawn import leave_image
    from .runtime import HostStderr
    leave_image(machine.kernel, exec_image.state)
    try:
        machine.memory.close()
    except BufferError:                    # (a view of it still alive: left mapped)
        pass
    return _Image(os.fsdecode(exec_image.host), exec_image.state,
                  strace=bool(os.environ.get("QEMU_STRACE")), trace=(), err=HostStderr())


# Images one process runs in turn (execve after execve) before an execve starts a new dbt-vm:
# what a replaced image left in reference cycles stays until the process ends (_tune_gc froze
# it; a full collection would touch every page a forked child shares with its parent), so a
# long chain of them would grow the process.
EXEC_HERE_LIMIT = 16


def _relaunch_options(args, mode: str) -> list[str]:
    """The options of this `run` that a guest's execve runs the new image with (as qemu-user
    started by binfmt_misc would: the same translator settings; the guest's environment and
    argv come from the execve. --stats is the first image's only, and so are --strace and
    --trace: the new qemu of an execve logs nothing unless $QEMU_STRACE, which the guest's
    environment carries, asks it to)."""
    options = ["--mode", mode]
    sysroot = _sysroot(args)
    if sysroot is not None:
        options += ["-L", sysroot]
    for flag, value in (("--code-cache-size", args.code_cache_size),
                        ("--speculate", args.speculate), ("--tier-up", args.tier_up),
                        ("--hot-threshold", args.hot_threshold), ("--hot", args.hot),
                        ("--background", args.background), ("--cache-dir", args.cache_dir)):
        if value is not None:
            options += [flag, str(value)]
    for flag, value in (("-s", args.stack_size), ("-r", args.uname_release),
                        ("-cpu", args.cpu)):
        if value is not None:
            options += [flag, str(value)]
    if not args.cache:
        options.append("--no-cache")
    return options


def _cache(args, mode: str):
    """The persistent translation cache (cache.disk), unless --no-cache or the mode
    translates nothing."""
    if not args.cache or mode == "interp":
        return None
    from .cache.disk import DiskCache
    return DiskCache(args.cache_dir)


def _sysroot(args) -> str | None:
    """-L, else QEMU_LD_PREFIX from dbt-vm's environment (as qemu-user: -L wins)."""
    return args.sysroot if args.sysroot is not None else os.environ.get("QEMU_LD_PREFIX")


def _speculate(args) -> str:
    """--speculate, by default on when there is a second CPU for the helper process."""
    if args.speculate is not None:
        return args.speculate
    return "on" if len(os.sched_getaffinity(0)) > 1 else "off"


def _tune_gc() -> None:
    """Start the cyclic garbage collector (main() stops it for start-up) for the guest's run.

    Everything allocated so far (modules, decode tables, the loaded guest) lives as long as
    the process: gc.freeze() moves it out of the collector's reach, so that a full collection
    does not walk it again. Translation keeps many objects alive; a larger young generation
    means fewer collections of the same survivors. Cycles are still collected, so memory
    stays bounded however long the guest runs."""
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLDS)
    gc.enable()


_GC_THRESHOLDS = (10_000, 20, 20)


def _run_guarded(machine, sigint_ignored: bool = False):
    """Run the guest; a host-side bug becomes one line (DBT_VM_DEBUG=1 shows the traceback)."""
    # Ctrl-C reaches the guest's default action (death by SIGINT), as under qemu-user, unless
    # whoever started dbt-vm ignores it (then the guest inherits that)
    signal.signal(signal.SIGINT, signal.SIG_IGN if sigint_ignored else signal.SIG_DFL)
    try:
        return machine.run()
    except Exception as exc:                      # a bug in dbt-vm, not guest behaviour
        if os.environ.get("DBT_VM_DEBUG"):
            raise
        pc = machine.state.pc
        print(f"dbt-vm: internal error at guest pc {pc:#x}: {type(exc).__name__}: {exc} "
              "(set DBT_VM_DEBUG=1 for a traceback)", file=sys.stderr)
        sys.exit(70)


_CLOSED_AT_START: frozenset = frozenset()


def hold_standard_fds() -> frozenset:
    """Which of fds 0, 1 and 2 were closed when dbt-vm started (`>&-`): the guest finds them
    closed, as under qemu-user. /dev/null takes their place, so that no file dbt-vm opens
    for itself lands there, and dbt-vm's own messages to a closed stderr go nowhere (never
    to the guest's stdout, where print() would send them with sys.stderr None). dbt-vm's
    own messages go to a copy of stderr, which stays when the guest closes its fd 2."""
    closed = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.append(fd)
    for fd in closed:
        null = os.open(os.devnull, os.O_RDWR)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
    if 1 in closed or sys.stdout is None:
        sys.stdout = open(os.devnull, "w")
    if 2 in closed or sys.stderr is None:
        sys.stderr = open(os.devnull, "w")
    else:                   # a copy the guest cannot close: fd 2 is the guest's to close
        own = fcntl.fcntl(2, fcntl.F_DUPFD_CLOEXEC, 10)
        sys.stderr = io.TextIOWrapper(io.FileIO(own, "w"), encoding=sys.stderr.encoding,
                                      errors="backslashreplace", line_buffering=True)
    return frozenset(closed)


def main(argv: list[str] | None = None) -> int:
    """The command line. `main()` (argv from sys.argv) is the process entry point: once the
    guest is done it ends the process at once (see _exit); `main(argv)` returns the status."""
    global _CLOSED_AT_START
    if argv is None:
        _CLOSED_AT_START = hold_standard_fds()
    # Start-up (imports, parsing, loading the guest) makes few objects and no garbage worth a
    # collection: the cyclic collector waits until the guest runs (_tune_gc).
    gc.disable()
    try:
        parser = _parser()
        args, extra = parser.parse_known_args(_with_command(sys.argv[1:] if argv is None
                                                            else argv))
        command = args.subparsers.get(args.command, parser)
        if extra:                   # named by the command's own usage (exits with status 2)
            command.error(f"unrecognized arguments: {' '.join(extra)}")
        if args.command == "run" and args.program is None and args.cpu != "help":
            command.error("the following arguments are required: PROGRAM")
        if args.command == "run":
            status = cmd_run(args)
        elif args.command == "translate":
            from . import static
            status = static.main(args)
        elif args.command == "cache":
            from . import cache_cmd
            status = cache_cmd.main(args.action, args.cache_dir, sys.stdout)
        else:
            status = _error(f"unknown command {args.command}")
    finally:
        gc.enable()
    if argv is None:
        _exit(status)
    return status


COMMANDS = ("run", "translate", "cache")


def _with_command(argv: list[str]) -> list[str]:
    """qemu-user's command line, `dbt-vm [options] PROGRAM [ARGS]`, is `dbt-vm run ...`: a
    first argument (after the options of bin/dbt-vm) that is not a command gets `run` before
    it."""
    at = 0
    while at < len(argv) and argv[at] in ("--host-sigign", "--host-sigblk"):
        at += 2
    if at < len(argv) and argv[at] not in COMMANDS and argv[at] not in (
            "-h", "--help", "--version"):
        return [*argv[:at], "run", *argv[at:]]
    return argv


def _exit(status: int) -> None:
    """End the process with `status` as the guest's exit_group does: without Python's
    interpreter teardown (freeing every module, the JIT's code, the translation cache), which
    costs 10-20 ms and has nothing left to do: guest I/O goes straight to file descriptors,
    dbt-vm's own output is flushed here, and dbt-vm registers no atexit handlers."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return                      # let the normal exit report it, as it always did
    os._exit(status)


if __name__ == "__main__":
    sys.exit(main())
