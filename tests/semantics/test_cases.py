"""Run every case of tests/cases/rv64_*.txt on every backend (format: rv64_cases.py), the
dynamic one on both of its tiers.

The expected values are in the files (recorded from Unicorn by make_cases.py, or argued in a
``reasoned:`` comment), so this runs without Unicorn; ``test_cases_are_recorded_honestly``
re-derives the recorded ones when Unicorn is there.
"""

from __future__ import annotations

import pytest

from harness import BACKENDS, UnicornOracle, unicorn_available
from make_cases import REASONED, SPEC_NOTE
from rv64_cases import case_files, parse_file
from rv64_spec import reference

CASES = [case for path in case_files() for case in parse_file(path)]


def test_case_tables_exist():
    names = {path.name for path in case_files()}
    assert {"rv64_i.txt", "rv64_m.txt", "rv64_a.txt", "rv64_f.txt", "rv64_d.txt",
            "rv64_c.txt"} <= names
    assert all(case.outputs is not None for case in CASES), \
        "unrecorded cases ('=> ?'): run tests/semantics/make_cases.py"


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("case", CASES, ids=[case.where for case in CASES])
def test_case(case, backend):
    if case.backend and case.backend != backend:
        pytest.skip(f"case for {case.backend} only")
    want = case.expected()
    setup = case.setup()
    runner = BACKENDS[backend]
    for options in ({"tier": 1}, {"tier": 2}) if backend == "dynamic" else ({},):
        got = runner.run(setup, **options)
        diff = got.diff(want, (backend, "case"))
        assert not diff, (f"{case.where}: {case.insns} ; {case.inputs}\n"
                          + getattr(runner, "last_run", backend) + "\n" + "\n".join(diff))


@pytest.mark.oracle
@pytest.mark.skipif(not unicorn_available(), reason="needs unicorn")
def test_cases_are_recorded_honestly():
    """Every recorded expectation is still what the reference says, and says which spec
    corrections it needed."""
    oracle = UnicornOracle()
    wrong = []
    for case in CASES:
        if case.comment.startswith(REASONED):
            continue
        want, fixes = reference(oracle, case.setup())
        if want != case.expected():
            wrong.append(f"{case.where}: recorded outputs differ from the reference")
        noted = SPEC_NOTE in case.comment
        if bool(fixes) != noted:
            wrong.append(f"{case.where}: spec corrections {fixes} vs comment {case.comment!r}")
    assert not wrong, "\n".join(wrong) + "\n(re-record with make_cases.py --refresh)"
