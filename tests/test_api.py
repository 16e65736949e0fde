"""The Python API (`from dbt import Machine`), as the README shows it: registers by assembly
name, memory, syscall hooks, and Python file objects as the guest's stdio."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import pytest

from dbt import Machine

ROOT = Path(__file__).resolve().parent.parent
HELLO = str(ROOT / "examples" / "hello-rv64")
HELLO_A64 = str(ROOT / "examples" / "hello-a64")
EXPECTED = ROOT / "tests" / "programs" / "expected"


def test_registers_by_assembly_name():
    m = Machine(HELLO, [HELLO], {})
    assert m.reg("sp") == m.reg("x2") and m.reg("sp") % 16 == 0
    m.set_reg("a0", 1234)
    assert m.reg("x10") == 1234 and m.reg("a0") == 1234
    assert m.reg("fa0") == m.reg("f10")
    with pytest.raises(KeyError):
        m.reg("eax")
    a64 = Machine(HELLO_A64, [HELLO_A64], {})
    assert a64.reg("sp") == a64.reg("x31")
    a64.set_reg("lr", 8)
    assert a64.reg("x30") == 8


def test_output_goes_to_the_file_objects_given():
    # the output hello.c prints (examples/hello.c): a greeting, then each argv
    out, err = io.BytesIO(), io.StringIO()
    m = Machine(HELLO, [HELLO, "one", "two words"], {}, stdout=out, stderr=err)
    assert m.run().status == 0
    assert out.getvalue() == (b"Hello from RISC-V!\nargv[0] = " + HELLO.encode() +
                              b"\nargv[1] = one\nargv[2] = two words\n")
    assert err.getvalue() == ""


def test_stdin_from_a_file_object():
    # stdin_stats's output for this input, as qemu-riscv64 printed it (tests/programs)
    from test_programs import build, cases
    case = cases.CASES_BY_NAME["stdin_text"]
    binary = str(build.build("stdin_stats", "musl"))
    want = json.loads((EXPECTED / "stdin_text.musl.json").read_text())
    out = io.BytesIO()
    m = Machine(binary, [binary], case.env, stdin=io.BytesIO(case.stdin), stdout=out)
    assert m.run().status == want["exit_status"]
    assert out.getvalue().decode() == want["stdout"]


def test_a_syscall_hook_sees_the_arguments_and_gives_the_result():
    writes = []

    def on_write(machine, args):
        fd, buf, count = args[:3]
        writes.append((fd, machine.read(buf, count)))
        return count                     # written, as far as the guest knows

    out = io.BytesIO()
    m = Machine(HELLO, [HELLO], {}, stdout=out)
    m.on_syscall("write", on_write)
    assert m.run().status == 0
    assert out.getvalue() == b""                           # the kernel never ran them
    assert b"".join(data for _, data in writes).startswith(b"Hello from RISC-V!\n")
    assert {fd for fd, _ in writes} == {1}


def test_memory_read_and_write():
    m = Machine(HELLO, [HELLO], {})
    sp = m.reg("sp")
    argc = struct.unpack("<Q", m.read(sp, 8))[0]           # the initial stack: argc first
    assert argc == 1
    m.write(sp - 64, b"written")
    assert m.read(sp - 64, 7) == b"written"
