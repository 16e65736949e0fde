"""Block functions stitched from per-line bytecode (backends/interp/stitch.py), checked against
what CPython's own compiler makes of the same source: the same instructions, operands and line
numbers, the same results, the same line for a raising access; and the fallbacks to compile()
for what stitching does not cover."""

from __future__ import annotations

import dis
from pathlib import Path
from types import CodeType

import pytest

from dbt.backends.interp import codegen
from dbt.backends.interp import stitch as S

pytestmark = pytest.mark.skipif(not S.ENABLED, reason="stitching relocates CPython 3.11 "
                                "bytecode; other versions compile every block")

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello-rv64"


def _listing(code: CodeType) -> list[tuple]:
    """(opname, operand value, line) of each instruction: what the code does, whatever the
    order of its constant, name and local tables."""
    return [(i.opname, repr(i.argval), i.positions.lineno)
            for i in dis.get_instructions(code) if i.opname != "CACHE"]


def _stitched(body: str) -> CodeType | None:
    """`stitch` of a block body, with its literals put in their constant slots as codegen does."""
    parts = codegen._LITERAL.split(body)
    values = parts[1::2]
    shape = S.stitch("#".join(parts[::2]), len(values))
    if shape is None:
        return None
    code, others = shape                 # (its constants: the literals, then `others`)
    assert len(code.co_consts) == len(values) + len(others)
    return code.replace(co_consts=(*(int(v, 0) for v in values), *others))


def _compiled(body: str) -> CodeType:
    module = compile(f"def blk(R):\n{body}\n", "<block>", "exec")
    return next(c for c in module.co_consts if isinstance(c, CodeType))


def test_the_blocks_of_a_program_stitch_to_what_compile_makes():
    from dbt.runtime import Machine

    machine = Machine(str(HELLO), [str(HELLO)], {}, mode="interp")
    assert machine.run().status == 0
    bodies = [machine.engine.translation(pc)[0].source.split("\n", 1)[1].rstrip("\n")
              for pc in machine.engine.debug]
    assert len(bodies) > 50
    same = folded = not_stitched = 0
    for body in bodies:
        stitched = _stitched(body)
        if stitched is None:
            not_stitched += 1
            continue
        reference = _compiled(body)
        literals = {int(v, 0) for v in codegen._LITERAL.findall(body)} | {0}
        if any(type(c) is int and c not in literals for c in reference.co_consts):
            folded += 1            # compile() folded a constant expression: stitched code
            continue               # computes it at run time (checked by running, below)
        assert _listing(stitched) == _listing(reference), body
        same += 1
    assert same > 0.9 * len(bodies), (same, folded, not_stitched)


def test_a_folded_expression_runs_unfolded_or_falls_back():
    body = "    R[1] = (3 + 4)\n    R[2] = (0x10 << 60) & 0xffffffffffffffff\n    return 0x40"
    # (3 + 4): with sentinels, too, the compiler folds it, so no piece holds it
    assert _stitched(body) is None
    fn, _ = codegen._function("blk_40", body, {})
    R = [0] * 4
    assert fn(R) == 0x40 and R[1:3] == [7, 0]
    body = "    R[2] = (0x11 << 60) & 0xffffffffffffffff\n    return 0x40"
    stitched = _stitched(body)           # (a shift by a sentinel is too big to fold)
    assert stitched is not None
    R = [0] * 4
    fn = codegen.FunctionType(stitched, {})
    assert fn(R) == 0x40 and R[2] == (0x11 << 60) & (2**64 - 1)


def test_more_locals_than_one_byte_indexes_fall_back_to_compile():
    lines = ["    t0 = R[1]"] + [f"    t{i} = (t{i - 1} + 1) & 0xff" for i in range(1, 300)]
    body = "\n".join(lines + ["    return t299"])
    assert _stitched(body) is None
    fn, _ = codegen._function("blk_0", body, {})
    assert fn([0, 5]) == (5 + 299) & 0xff


def test_a_raising_access_is_on_the_line_compile_gives_it():
    body = ("    a1 = R[1]\n"
            "    if not a1 & 7 and P[a1 >> 12] & 2: MQ[a1 >> 3] = R[2]\n"
            "    else: ST(a1, 8, R[2])\n"
            "    R[3] = 0x99\n"
            "    return 0x40")
    stitched = _stitched(body)
    assert stitched is not None and _listing(stitched) == _listing(_compiled(body))

    def store(addr, size, value):
        raise LookupError(addr)

    namespace = {"P": bytearray(16), "MQ": None, "ST": store}
    R = [0, 0x2008, 7, 0]
    with pytest.raises(LookupError) as info:
        codegen.FunctionType(stitched, namespace)(R)
    tb = info.tb
    while tb.tb_frame.f_code is not stitched:
        tb = tb.tb_next
    assert tb.tb_lineno == 4             # def 1, a1 2, if 3, else 4
    assert tb.tb_frame.f_locals["a1"] == 0x2008 and R[3] == 0
    namespace["P"] = bytearray([2] * 16)
    namespace["MQ"] = [0] * 0x500
    assert codegen.FunctionType(stitched, namespace)(R) == 0x40
    assert namespace["MQ"][0x2008 >> 3] == 7 and R[3] == 0x99

