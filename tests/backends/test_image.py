"""The persistent cache's image format (backends/llvm/image.py): the index a run loads.

A run whose guest has signal handlers needs hot code with guarantees (PRECISE, POLLS); the
index it loads leaves the other hot regions out. `Image.index_for` builds that index from the
region and block tables alone; it must pick what the rules pick: per guest pc, hot over static
over tier 1, a later region over an earlier one of the same rank.
"""
from __future__ import annotations

import pytest

pytest.importorskip("llvmlite")

from dbt.backends.llvm.image import (KIND_HOT, KIND_STATIC, KIND_TIER1, NONE,  # noqa: E402
                                     POLLS, PRECISE, Image, ImageRegion, build)


def _region(kind: int, name: str, pcs: list[int]) -> ImageRegion:
    return ImageRegion(kind, name, b"\x90" * 16, bytes(8), 16, 8, 0, 0, NONE, NONE, [], [],
                       [(pc, pc + 4, 1) for pc in pcs])


REGIONS = [
    _region(KIND_TIER1, "t0", [0x100, 0x200]),              # 0
    _region(KIND_STATIC, "s1", [0x200, 0x300]),             # 1
    _region(KIND_HOT, "h2", [0x100]),                       # 2: hot, no guarantees
    _region(KIND_HOT + (PRECISE | POLLS), "h3", [0x300]),   # 3: hot, both guarantees
    _region(KIND_TIER1, "t4", [0x400]),                     # 4
    _region(KIND_TIER1, "t5", [0x400]),                     # 5: same rank, later: wins
    _region(KIND_HOT + PRECISE, "h6", [0x500]),             # 6: hot, precise only
    _region(KIND_TIER1, "t7", [0x500]),                     # 7
]

# pc -> the region the index must enter, for each `need` (by the rules in the docstring)
WANT = {
    0: {0x100: 2, 0x200: 1, 0x300: 3, 0x400: 5, 0x500: 6},
    PRECISE: {0x100: 0, 0x200: 1, 0x300: 3, 0x400: 5, 0x500: 6},
    POLLS: {0x100: 0, 0x200: 1, 0x300: 3, 0x400: 5, 0x500: 7},
    PRECISE | POLLS: {0x100: 0, 0x200: 1, 0x300: 3, 0x400: 5, 0x500: 7},
}


@pytest.mark.parametrize("need", sorted(WANT))
def test_index_for_a_need_picks_the_best_region_with_its_guarantees(need):
    image = Image.parse(build(REGIONS))
    regions = image.regions()                    # where build placed each function
    entry = {i: r.at + r.fn for i, r in enumerate(regions)}
    want = sorted((pc << 32) | entry[i] for pc, i in WANT[need].items())
    assert list(image.index_for(need)) == want
    if need == 0:
        assert list(image.index) == want         # what build stored


def test_an_image_without_hot_code_to_leave_out_keeps_its_index():
    # (the common warm run: no hot region lacks the guarantees, nothing is rebuilt)
    image = Image.parse(build([r for r in REGIONS if r.kind in (KIND_TIER1, KIND_STATIC)]
                              + [REGIONS[3]]))
    for need in (PRECISE, POLLS, PRECISE | POLLS):
        assert image.index_for(need) is image.index
