"""The `debian` tests download about 21 MB of Debian packages per guest architecture (trixie
riscv64, bookworm arm64) and take minutes, so a plain ``python -m pytest`` leaves them out
(reported as deselected). They run when asked for: ``python -m pytest -m debian`` (what
.ci/run does), or by naming this folder or a file in it (``python -m pytest tests/debian``)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def _asked_for(config) -> bool:
    if "debian" in (config.getoption("markexpr") or ""):
        return True
    for arg in config.args:
        path = Path(arg.split("::")[0]).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False


def pytest_collection_modifyitems(config, items):
    if _asked_for(config):
        return
    dropped = [item for item in items if item.get_closest_marker("debian")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker("debian")]
