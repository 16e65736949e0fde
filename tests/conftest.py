"""Every test run gets a persistent translation cache of its own (DBT_VM_CACHE_DIR, inherited by
the dbt-vm processes the tests start), empty at the start of the session: tests never read or
fill the user's cache. Tests about the cache itself point DBT_VM_CACHE_DIR at their own folder.

Tests marked `slow` (the long randomized campaigns, fixed seeds) are deselected unless the
marker expression names them: ``python -m pytest -m slow`` runs them (.ci/run does).
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _private_translation_cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dbt-vm-cache")
    old = os.environ.get("DBT_VM_CACHE_DIR")
    os.environ["DBT_VM_CACHE_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("DBT_VM_CACHE_DIR", None)
    else:
        os.environ["DBT_VM_CACHE_DIR"] = old


def pytest_collection_modifyitems(config, items):
    if "slow" in (config.getoption("markexpr") or ""):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]
