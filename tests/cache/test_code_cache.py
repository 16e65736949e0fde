"""The translation cache: lookups, page-precise invalidation, flush, counters."""

from dbt.cache.code_cache import CodeCache


def test_insert_and_lookup():
    cache = CodeCache()
    cache.insert(0x1000, 0x1000, 0x1010, "a")
    assert cache.get(0x1000) == "a" and cache.get(0x1004) is None and len(cache) == 1


def test_invalidation_drops_only_translations_on_touched_pages():
    cache = CodeCache()
    cache.insert(0x1000, 0x1000, 0x1010, "a")          # page 1
    cache.insert(0x1ff8, 0x1ff8, 0x2008, "b")          # pages 1 and 2
    cache.insert(0x3000, 0x3000, 0x3004, "c")          # page 3
    cache.invalidate(0x2000, 0x1000)                   # page 2 only
    assert cache.get(0x1000) == "a" and cache.get(0x1ff8) is None and cache.get(0x3000) == "c"
    assert cache.stats.invalidated == 1


def test_invalidating_a_huge_range_walks_the_index_not_the_range():
    cache = CodeCache()
    cache.insert(0x10000, 0x10000, 0x10004, "a")
    cache.invalidate(0, 1 << 40)                       # would be 2**28 pages to walk
    assert len(cache) == 0


def test_flush_and_discard():
    cache = CodeCache()
    cache.insert(0x1000, 0x1000, 0x1004, "a")
    cache.insert(0x2000, 0x2000, 0x2004, "b")
    cache.discard(0x1000)
    assert cache.get(0x1000) is None and cache.get(0x2000) == "b"
    cache.flush()
    assert len(cache) == 0 and cache.stats.flushes == 1 and cache.stats.translations == 2
