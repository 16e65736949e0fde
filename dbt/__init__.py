"""dbt-vm: run Linux programs built for other instruction sets by binary translation."""

import os as _os
import signal as _signal
import sys as _sys

__version__ = "0.1.0"

# Installed from a wheel, frontends/, backends/ and cache/ are subpackages of dbt (see
# pyproject.toml's package-dir). In a checkout they sit next to dbt/: the checkout's root then
# joins dbt's search path, so that `dbt.backends` is found there without an import hook
# (setuptools' editable-install finder costs ~20 ms of every start).
_root = _os.path.dirname(_os.path.dirname(__file__))
if (not _os.path.isdir(_os.path.join(__path__[0], "backends"))
        and _os.path.isfile(_os.path.join(_root, "backends", "__init__.py"))):
    __path__.append(_root)


def _command_line() -> list[str] | None:
    """The arguments after `-m dbt` when this process is the dbt-vm command (bin/dbt-vm runs
    `python -m dbt`), else None."""
    argv = getattr(_sys, "orig_argv", [])
    if "-m" not in argv:
        return None
    at = argv.index("-m") + 1
    return argv[at + 1:] if argv[at:at + 1] == ["dbt"] else None


def _host_mask(args: list[str], option: str) -> int:
    """The signal mask bin/dbt-vm passed with `option` (0 when it did not)."""
    try:
        return int(args[args.index(option) + 1], 16)
    except (ValueError, IndexError):
        return 0


def _take_ctrl_c(args: list[str]) -> None:
    """Ctrl-C is the guest's, which dies of it by default (status 130, no traceback), as under
    qemu-user: from the first moment dbt-vm's own code runs. bin/dbt-vm held it blocked
    through Python's start-up: a Ctrl-C pressed then is delivered now. A SIGINT that dbt-vm's
    caller ignored or blocked stays so."""
    ignored = _host_mask(args, "--host-sigign") >> (_signal.SIGINT - 1) & 1
    blocked = _host_mask(args, "--host-sigblk") >> (_signal.SIGINT - 1) & 1
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN if ignored else _signal.SIG_DFL)
    if not blocked:
        _signal.pthread_sigmask(_signal.SIG_UNBLOCK, [_signal.SIGINT])


_args = _command_line()
if _args is not None:
    _take_ctrl_c(_args)


def __getattr__(name):
    # `from dbt import Machine` without importing the runtime on every `import dbt`.
    if name == "Machine":
        from .runtime import Machine
        return Machine
    raise AttributeError(name)
