"""Tests for the decodetree pattern compiler (frontends/common/decodetree.py).

Fixture files live in ``decode/`` (QEMU tests/decode style): every ``ok_*.dec`` must build and
decode the words listed in its ``# expect WORD NAME arg=value...`` lines; every ``err_*.dec``
must fail with a DecodeTreeError whose message contains its ``# error: ...`` text and starts
with the file name and line.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from dbt.frontends.common import decodetree
from dbt.frontends.common.decodetree import DecodeTreeError, EncodeError, Group, Pattern
from dbt.frontends.riscv import decode as rv

FIXTURES = Path(__file__).with_name("decode")
OK_FILES = sorted(FIXTURES.glob("ok_*.dec"))
ERR_FILES = sorted(FIXTURES.glob("err_*.dec"))

FUNCTIONS = {
    "times2": (lambda v: v * 2, lambda v: v // 2),
    "plus8": (lambda v: v + 8, lambda v: v - 8),
    "nonzero": (lambda v: v or None, lambda v: v),
}


def _build_file(path: Path, width: int = 32) -> decodetree.Decoder:
    return decodetree.build([(path.name, path.read_text())], FUNCTIONS, width=width)


def _expectations(path: Path) -> list[tuple[int, str, dict[str, int]]]:
    rows = []
    for line in path.read_text().splitlines():
        m = re.match(r"#\s*expect\s+(\S+)\s+(\S+)(.*)$", line)
        if m:
            args = dict(kv.split("=") for kv in m[3].split())
            rows.append((int(m[1], 0), m[2], {k: int(v, 0) for k, v in args.items()}))
    return rows


def test_decodetree_fixture_sets_are_not_empty():
    assert len(OK_FILES) >= 5 and len(ERR_FILES) >= 20


@pytest.mark.parametrize("path", OK_FILES, ids=lambda p: p.name)
def test_decodetree_ok_fixture_builds_and_decodes(path: Path):
    decoder = _build_file(path)
    rows = _expectations(path)
    assert rows, f"{path.name} has no '# expect' lines"
    for word, name, args in rows:
        hit = decoder.decode(word)
        if name == "none":
            assert hit is None, f"{word:#010x} decoded as {hit}"
            continue
        assert hit is not None, f"{word:#010x} did not decode"
        assert (hit[0].name, hit[1]._asdict()) == (name, args), f"{word:#010x}"
        # the encoder inverts the decoder (ignored bits come back as zero), unless that
        # word is taken by an earlier member of an ordered group
        canonical = word & ~hit[0].ignored
        if decoder.decode(canonical) == hit:
            assert decoder.encode(name, **args) == canonical
        else:
            with pytest.raises(EncodeError, match="decodes as"):
                decoder.encode(name, **args)


@pytest.mark.parametrize("path", ERR_FILES, ids=lambda p: p.name)
def test_decodetree_err_fixture_fails(path: Path):
    expected = re.search(r"#\s*error:\s*(.+)", path.read_text())
    assert expected, f"{path.name} has no '# error:' line"
    with pytest.raises(DecodeTreeError) as info:
        _build_file(path)
    message = str(info.value)
    assert expected[1].strip() in message
    assert re.match(rf"{re.escape(path.name)}:\d+: ", message), message


def test_decodetree_overlap_error_names_both_patterns_and_lines():
    text = ("%rd 7:5\n"
            "a  0000000 00000 00000 000 ..... 0110011 %rd\n"
            "\n"
            "b  0000000 00000 00000 000 ..... 011--11 %rd\n")
    with pytest.raises(DecodeTreeError) as info:
        decodetree.build([("t.dec", text)])
    assert str(info.value).startswith("t.dec:4: pattern 'b' overlaps pattern 'a' (t.dec:2)")


def test_decodetree_overlap_allowed_in_ordered_group_first_match_wins():
    text = "{\n  one 0000000000000000000000000000000.\n  any ------------------------------..\n}\n"
    with pytest.raises(DecodeTreeError):     # '.' bits without fields are refused ...
        decodetree.build(text)
    text = text.replace("0.", "0-").replace("..", "--")
    dec = decodetree.build(text)             # ... '-' bits are fine
    assert dec.decode(0)[0].name == "one"
    assert dec.decode(1)[0].name == "one"
    assert dec.decode(2)[0].name == "any"


def test_decodetree_width_16():
    dec = decodetree.build("%r 7:5\nc_x 100 0 ..... 00000 10 %r\n", width=16)
    assert dec.decode(0x8082)[1].r == 1
    assert dec.encode("c_x", r=1) == 0x8082
    with pytest.raises(DecodeTreeError, match="has 16 bits, expected 32"):
        decodetree.build("c_x 100 0 ----- 00000 10\n", width=32)


def test_decodetree_keep_drops_patterns_after_checking():
    text = "a 0000000000000000000000000000000-\nb 0000000000000000000000000000001-\n"
    dec = decodetree.build(text, keep=lambda p: p.name != "b")
    assert dec.decode(0)[0].name == "a"
    assert dec.decode(2) is None and "b" not in dec.patterns
    with pytest.raises(DecodeTreeError, match="overlaps"):
        decodetree.build(text + "c 000000000000000000000000000000--\n",
                         keep=lambda p: p.name == "a")


def test_decodetree_encode_errors():
    dec = _build_file(FIXTURES / "ok_functions.dec")
    with pytest.raises(EncodeError, match="unknown pattern"):
        dec.encode("nosuch")
    with pytest.raises(EncodeError, match="missing value for imm"):
        dec.encode("beq", rs1=1, rs2=2)
    with pytest.raises(EncodeError, match="no argument"):
        dec.encode("beq", rs1=1, rs2=2, imm=4, rd=3)
    with pytest.raises(EncodeError, match="not encodable"):
        dec.encode("beq", rs1=1, rs2=2, imm=3)          # odd offset: bit 0 does not exist
    with pytest.raises(EncodeError, match="not encodable"):
        dec.encode("beq", rs1=1, rs2=2, imm=4096)       # out of range
    with pytest.raises(EncodeError, match="decodes as c_any"):
        dec.encode("c_nz", rd=1, nz=0)                  # rejected by its post-function
    inline = _build_file(FIXTURES / "ok_inline.dec")
    with pytest.raises(EncodeError, match="rs2 is always 0"):
        inline.encode("lr_w", rd=1, rs1=2, rs2=3, aq=0, rl=0)
    syntax = _build_file(FIXTURES / "ok_syntax.dec")
    with pytest.raises(EncodeError, match="not encodable"):
        syntax.encode("long", rd=1, rs1=2, k=-16)       # rd and rs1 share their bits


def test_decodetree_encode_needs_inverse():
    dec = decodetree.build("%f 20:5 !function=ex\np ------- ..... ----- 000 ----- 0010011 %f\n",
                           {"ex": lambda v: v + 1}, width=32)
    assert dec.decode(0x00500013)[1].f == 6
    with pytest.raises(EncodeError, match="no inverse"):
        dec.encode("p", f=6)


# --- properties over the real RISC-V tables ------------------------------------------------

def _tables():
    return [rv.DEFAULT.dec32, rv.DEFAULT.dec16]


def _naive(item, insn: int):
    """Reference semantics: walk the group tree in order, no decision tree."""
    if isinstance(item, Pattern):
        if insn & item.mask != item.value:
            return None
        args = item.extract(insn)
        return None if args is None else (item, args)
    for member in item.members:
        hit = _naive(member, insn)
        if hit is not None:
            return hit
    return None


@st.composite
def table_words(draw):
    """A decoder and a word: uniformly random, or random free bits of a random pattern."""
    dec = draw(st.sampled_from(_tables()))
    word = draw(st.integers(0, (1 << dec.width) - 1))
    if draw(st.booleans()):
        pattern = draw(st.sampled_from(sorted(dec.patterns.values(), key=lambda p: p.name)))
        word = (word & ~pattern.mask) | pattern.value
    return dec, word


@settings(max_examples=1500, deadline=None)
@given(table_words())
def test_decodetree_tree_agrees_with_linear_reference(case):
    dec, word = case
    assert dec.decode(word) == _naive(dec.root, word)


@settings(max_examples=1500, deadline=None)
@given(table_words())
@example((rv.DEFAULT.dec16, 0x0000))        # reserved c.addi4spn: still round-trips
@example((rv.DEFAULT.dec32, 0x00B55553))    # fadd.s with rm=5: rejected by ex_rm
def test_decodetree_decode_encode_round_trip(case):
    dec, word = case
    hit = dec.decode(word)
    if hit is None:
        return
    pattern, args = hit
    encoded = dec.encode(pattern.name, **args._asdict())
    assert encoded == word & ~pattern.ignored
    assert dec.decode(encoded) == (pattern, args)


def _in_overlap_group(group: Group, inside: bool = False) -> set[str]:
    names = set()
    for m in group.members:
        if isinstance(m, Group):
            names |= _in_overlap_group(m, inside or m.overlap)
        elif inside:
            names.add(m.name)
    return names


SHADOWABLE = {dec.width: _in_overlap_group(dec.root) for dec in _tables()}


@st.composite
def pattern_fields(draw):
    """A pattern and field values drawn from its field definitions (fields that share one
    definition, such as c.addi's rd and rs1, get one value)."""
    dec = draw(st.sampled_from(_tables()))
    pattern = draw(st.sampled_from(sorted(dec.patterns.values(), key=lambda p: p.name)))
    chosen, values = {}, {}
    for arg, spec in pattern.fields.items():
        if isinstance(spec, int):
            values[arg] = spec
            continue
        if id(spec) not in chosen:
            raw = spec.raw(spec.deposit(draw(st.integers(0, (1 << spec.width) - 1))))
            fn = rv.FIELD_FUNCTIONS[spec.func][0] if spec.func else (lambda v: v)
            chosen[id(spec)] = fn(raw)
        values[arg] = chosen[id(spec)]
    assume(None not in values.values())       # e.g. a reserved rounding mode
    return dec, pattern, values


@settings(max_examples=1500, deadline=None)
@given(pattern_fields())
def test_decodetree_encode_decode_round_trip(case):
    dec, pattern, values = case
    try:
        word = dec.encode(pattern.name, **values)
    except EncodeError:
        # only an earlier member of an ordered group can take a word away from a pattern
        assert pattern.name in SHADOWABLE[dec.width]
        return
    assert dec.decode(word) == (pattern, pattern.argtype(**values))


def test_decodetree_real_tables_have_groups_and_split_nodes():
    assert any(isinstance(m, Group) and m.overlap for m in rv.DEFAULT.dec16.root.members)
    assert rv.DEFAULT.dec32._tree.mask == 0x7F              # split on the major opcode first
    assert rv.DEFAULT.dec16._tree.mask == 0xE003            # quadrant and funct3
