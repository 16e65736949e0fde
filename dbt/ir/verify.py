"""The IR verifier: types match the op table, temps are defined once before use, markers and
the single terminator are where they belong."""

from __future__ import annotations

from .block import Block, Const, Temp
from .builder import IRError
from .ops import (FP_RULES, MARK, OPS, RMW_KINDS, TERMINATORS, VEC_FP_KINDS, VEC_FP_LANES,
                  VEC_KINDS, VEC_LANES, VEC_REDUCTIONS, VEC_SHIFTS)


def verify(block: Block) -> None:
    """Raise IRError describing the first problem found in `block`."""
    ops = block.ops
    if not ops or ops[-1].name not in TERMINATORS:
        raise IRError(f"block {block.pc:#x}: must end with a terminator")
    if ops[0].name != "insn":
        raise IRError(f"block {block.pc:#x}: must start with an insn marker")
    defined: set[int] = set()
    for index, op in enumerate(ops):
        where = f"block {block.pc:#x} op {index} ({op!r})"
        opdef = OPS.get(op.name)
        if opdef is None:
            raise IRError(f"{where}: unknown op")
        if op.name in TERMINATORS and index != len(ops) - 1:
            raise IRError(f"{where}: terminator before the end")
        _check_operands(op, opdef, defined, where)
        if op.result is not None:
            if op.result.id in defined:
                raise IRError(f"{where}: temp %{op.result.id} defined twice")
            defined.add(op.result.id)
        if op.name in ("get", "set") and op.attrs["field"] not in block.layout:
            raise IRError(f"{where}: unknown state field {op.attrs['field']}")
        for rule, values in FP_RULES.items():
            if rule in op.attrs and op.attrs[rule] not in values:
                raise IRError(f"{where}: {rule}={op.attrs[rule]!r} is none of {values}")
        if op.name in _VECTOR_OPS:
            _check_vector(op, where)
        elif op.name in ("vfbin", "vfma"):
            _check_vector_fp(op, where)
        if op.name == "store" and op.args[1].type.is_float:
            raise IRError(f"{where}: a float is stored as an integer (bitcast)")
        if op.name == "atomic_rmw" and op.attrs["kind"] not in RMW_KINDS:
            raise IRError(f"{where}: unknown atomic_rmw kind {op.attrs['kind']!r}")
        if opdef.has(MARK) and op.result is not None:
            raise IRError(f"{where}: a marker has no result")


_VECTOR_OPS = frozenset({"vbin", "vshift", "vreduce", "vwiden", "vnarrow", "vdup",
                         "vextract", "vinsert", "vshuffle"})
_VECTOR_KINDS = {"vbin": VEC_KINDS, "vshift": VEC_SHIFTS, "vreduce": VEC_REDUCTIONS}


def _check_vector(op, where: str) -> None:
    if op.name == "vshuffle":
        select = op.attrs["select"]
        if len(select) != 16 or not all(0 <= i < 32 for i in select):
            raise IRError(f"{where}: select must be 16 byte indices below 32")
        return
    lane = op.attrs["lane"]
    if lane not in VEC_LANES or op.name == "vwiden" and lane == 64 \
            or op.name == "vnarrow" and lane == 8:
        raise IRError(f"{where}: lane width {lane!r} does not fit {op.name}")
    kinds = _VECTOR_KINDS.get(op.name)
    if kinds is not None and op.attrs["kind"] not in kinds:
        raise IRError(f"{where}: unknown {op.name} kind {op.attrs['kind']!r}")
    if op.name == "vreduce" and op.result.type.bits < lane:
        raise IRError(f"{where}: a lane of {lane} bits does not fit {op.result.type.name}")
    if op.name in ("vextract", "vinsert") and not 0 <= op.attrs["index"] < 128 // lane:
        raise IRError(f"{where}: lane index {op.attrs['index']} out of range")
    if op.name == "vextract" and op.result.type.bits < lane:
        raise IRError(f"{where}: a lane of {lane} bits does not fit {op.result.type.name}")


def _check_vector_fp(op, where: str) -> None:
    lane, count = op.attrs["lane"], op.attrs["count"]
    if lane not in VEC_FP_LANES:
        raise IRError(f"{where}: FP lanes are 32 or 64 bits, not {lane!r}")
    if not (isinstance(count, int) and 1 <= count <= 128 // lane):
        raise IRError(f"{where}: {count!r} lanes of {lane} bits do not fit a v128")
    if op.name == "vfbin" and op.attrs["kind"] not in VEC_FP_KINDS:
        raise IRError(f"{where}: unknown vfbin kind {op.attrs['kind']!r}")


def _check_operands(op, opdef, defined: set[int], where: str) -> None:
    if len(op.args) != len(opdef.operands):
        raise IRError(f"{where}: wrong operand count")
    shared = {}
    for spec, arg in zip(opdef.operands, op.args):
        if isinstance(arg, Temp) and arg.id not in defined:
            raise IRError(f"{where}: %{arg.id} used before it is defined")
        if not isinstance(arg, (Temp, Const)):
            raise IRError(f"{where}: operand {arg!r} is not a value")
        t = arg.type
        if spec in ("T", "F", "A"):
            if shared.setdefault(spec, t) is not t:
                raise IRError(f"{where}: operands of kind {spec} disagree in type")
            if spec == "T" and not t.is_int or spec == "F" and not t.is_float:
                raise IRError(f"{where}: operand type {t.name} does not fit {spec}")
        elif spec == "I":
            if not t.is_int:
                raise IRError(f"{where}: operand type {t.name} is not an integer")
        elif t.name != spec:
            raise IRError(f"{where}: operand type {t.name}, expected {spec}")
    if op.result is not None and opdef.result in shared and op.result.type is not shared[opdef.result]:
        raise IRError(f"{where}: result type disagrees with its operands")
    if op.name in ("sext", "zext") and op.result.type.bits < op.args[0].type.bits:
        raise IRError(f"{where}: extension to a narrower type")
    if op.name == "trunc" and op.result.type.bits > op.args[0].type.bits:
        raise IRError(f"{where}: truncation to a wider type")
    if op.name == "bitcast" and op.result.type.bits != op.args[0].type.bits:
        raise IRError(f"{where}: bitcast changes the width")
