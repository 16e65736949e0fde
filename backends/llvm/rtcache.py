"""The runtime's own code (the dispatcher, the FP helpers) as blobs kept in the persistent
cache, so that a run whose guest code is all in the cache loads LLVM not at all.

`use_cache(cache, config)` says which cache and which configuration key (cachekey.py) this
process uses (the engine sets it; without it every blob is compiled). `blob(name, make)` is
the blob of runtime code `name`: from the cache, else linked from the object file `make()`
compiles, and kept.
"""

from __future__ import annotations

from dbt.cache.disk import sha256
from collections.abc import Callable

from .objlink import Blob, LinkError, link

_where: list = []                 # [(DiskCache, config key)]


def use_cache(cache, config: str) -> None:
    _where[:] = [(cache, config)]


def cached(name: str) -> Blob | None:
    """The runtime blob `name` from the persistent cache, or None."""
    if _where:
        cache, config = _where[0]
        data = cache.read("rt", _key(config, name))
        if data is not None:
            try:
                return Blob.from_bytes(data)
            except LinkError:
                pass                        # (an old format: to be made again)
    return None


def blob(name: str, make: Callable[[], bytes]) -> Blob:
    found = cached(name)
    if found is not None:
        return found
    made = link(make())
    if _where:
        cache, config = _where[0]
        cache.write("rt", _key(config, name), made.to_bytes(),
                    label=f"dbt-vm runtime: {name}")
    return made


def _key(config: str, name: str) -> str:
    return sha256(f"{config}\nruntime {name}".encode()).hexdigest()
