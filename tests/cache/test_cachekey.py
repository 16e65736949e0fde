"""The key of the persistent cache (backends/llvm/cachekey.py): everything translations depend
on changes it, so that a stale or foreign entry is never found."""

from __future__ import annotations

import os
import sys

import pytest

from dbt.backends.llvm import cachekey
from dbt.cache.disk import DiskCache
from dbt.frontends.aarch64.layout import LAYOUT as A64
from dbt.frontends.riscv.layout import LAYOUT as RV


def test_options_that_change_code_change_the_key(monkeypatch):
    monkeypatch.delenv("DBT_VM_CACHE_SALT", raising=False)
    base = cachekey.config_key(32, 400_000, RV)
    assert cachekey.config_key(32, 400_000, RV) == base            # deterministic
    assert cachekey.config_key(24, 400_000, RV) != base            # the guest window
    assert cachekey.config_key(32, 1_000, RV) != base              # the hot threshold
    assert cachekey.config_key(32, 400_000, A64) != base           # the GuestState layout
    monkeypatch.setattr(cachekey.region, "MAX_REGION_BLOCKS",
                        cachekey.region.MAX_REGION_BLOCKS + 1)
    assert cachekey.config_key(32, 400_000, RV) != base            # region sizes
    monkeypatch.undo()
    monkeypatch.setenv("DBT_VM_CACHE_SALT", "another build")
    assert cachekey.config_key(32, 400_000, RV) != base
    monkeypatch.setattr(cachekey, "host_cpu", lambda: "vendor_id=Other;flags=sse2")
    monkeypatch.setattr(cachekey, "llvm_identity", lambda: "libllvmlite.so:1:2")
    salted = cachekey.config_key(32, 400_000, RV)
    monkeypatch.delenv("DBT_VM_CACHE_SALT")
    assert cachekey.config_key(32, 400_000, RV) not in (base, salted)   # CPU and LLVM


def test_the_image_key_depends_on_both_halves():
    assert len({cachekey.image_key("a", "1"), cachekey.image_key("b", "1"),
                cachekey.image_key("a", "2")}) == 3


@pytest.fixture
def sources(tmp_path, monkeypatch):
    """A package standing in for dbt-vm's sources."""
    package = tmp_path / "fake_sources"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "a.py").write_text("x = 1\n")
    (package / "sub" / "b.dec").write_text("pattern\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cachekey, "_PACKAGES", ("fake_sources",))
    cachekey.source_digest.cache_clear()
    yield package
    cachekey.source_digest.cache_clear()
    sys.modules.pop("fake_sources", None)


def test_the_source_digest_is_remembered_and_follows_edits(sources, tmp_path):
    cache = DiskCache(tmp_path / "cache")
    plain = cachekey.source_digest()
    cachekey.source_digest.cache_clear()
    assert cachekey.source_digest(cache) == plain and cache.writes == 1   # remembered
    cachekey.source_digest.cache_clear()
    assert cachekey.source_digest(cache) == plain and cache.hits == 1     # found again

    edited = sources / "sub" / "a.py"
    edited.write_text("x = 2\n")                        # same size, new bytes and mtime
    os.utime(edited, ns=(1, 1))
    cachekey.source_digest.cache_clear()
    changed = cachekey.source_digest(cache)
    cachekey.source_digest.cache_clear()
    assert changed != plain and changed == cachekey.source_digest()

    (sources / "sub" / "new.py").write_text("")         # a new file counts too
    cachekey.source_digest.cache_clear()
    assert cachekey.source_digest(cache) not in (plain, changed)
