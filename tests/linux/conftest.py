"""Fixtures for the syscall-layer tests (see linux_harness.py)."""

from __future__ import annotations

import pytest
from linux_harness import Guest

from dbt.linux import AARCH64, RISCV64


@pytest.fixture
def exe(tmp_path):
    path = tmp_path / "prog"
    path.write_bytes(b"\x7fELF fake guest program")
    return path


@pytest.fixture
def guest(exe):
    g = Guest(RISCV64, str(exe))
    yield g
    g.close()


@pytest.fixture
def arm_guest(exe):
    g = Guest(AARCH64, str(exe))
    yield g
    g.close()


@pytest.fixture
def make_guest(exe):
    made = []

    def make(abi=RISCV64, **kwargs):
        g = Guest(abi, str(exe), **kwargs)
        made.append(g)
        return g
    yield make
    for g in made:
        g.close()
