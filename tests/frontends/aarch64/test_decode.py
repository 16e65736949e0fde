"""The A64 decoder (frontends/aarch64/decode.py) against its own tables and against capstone.

* Every pattern of DECODER decodes a canonical encoding of it: the word the encoder makes from
  its fields where the encoder can (patterns without field post-functions), else the first of
  a fixed sequence of pseudo-random fillings of its operand bits that decodes to it; capstone
  accepts that word too (unless a known disagreement below covers it).
* Random words of the encoding classes our integer, branch, system and load/store tables cover
  (Arm ARM DDI 0487 C4.1, the top-level op0 = instruction bits 28:25: 100x data processing
  immediate, 101x branches, exception generation and system, x1x0 loads and stores, x101
  data processing register): our decoder accepts a word exactly when capstone 5 does.

Where they differ, the reason is in KNOWN below, one entry per disagreement with the Arm ARM
reference: features we do not implement (capstone decodes FEAT_PAuth, FEAT_MTE, FEAT_MOPS, ...),
instructions that are UNDEFINED at EL0 (we decode for Linux user mode), CONSTRAINED
UNPREDICTABLE encodings that we execute as one of the allowed behaviours while capstone (LLVM's
tables) rejects them, encodings capstone accepts that the Arm ARM leaves unallocated, and bugs
of our own tables (FRONTEND_BUGS, pinned as strict xfails). Each entry has an example word that
test_known_disagreement_examples checks, so that a stale entry shows up.
"""

from __future__ import annotations

import random
import re
import struct
from dataclasses import dataclass
from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dbt.frontends.aarch64.decode import DECODER, decode_fields
from dbt.frontends.common.decodetree import EncodeError

capstone = pytest.importorskip("capstone")
CS = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)

#: Arm ARM C4.1 top-level encoding classes (op0 = bits 28:25, as (mask, value)) of our tables.
CLASSES = {"dp_imm": (0b1110, 0b1000), "branch_sys": (0b1110, 0b1010),
           "ldst": (0b0101, 0b0100), "dp_reg": (0b0111, 0b0101)}


def capstone_insn(word: int) -> tuple[str, str] | None:
    """(mnemonic, operands) capstone 5 gives the word, None if it rejects it."""
    for _, _, mnemonic, op_str in CS.disasm_lite(struct.pack("<I", word), 0):
        return mnemonic, op_str
    return None


def in_class(word: int, name: str) -> bool:
    mask, value = CLASSES[name]
    return (word >> 25) & mask == value


# ---------------------------------------------------------------------------- disagreements

@dataclass(frozen=True)
class Known:
    """A known disagreement: ``ours`` is True where we decode and capstone rejects, False
    where capstone decodes and we reject; ``match(word, hit, cs)`` tells whether it covers a
    word (hit: our (name, mnemonic, args) or None; cs: capstone's (mnemonic, operands))."""
    name: str
    ours: bool
    reason: str
    match: Callable
    example: int


def _cs_named(names: str, pattern: str = "") -> Callable:
    wanted = frozenset(names.split())
    rx = re.compile(pattern) if pattern else None

    def match(word, hit, cs):
        return cs is not None and (cs[0] in wanted or rx is not None and rx.match(cs[0]))
    return match


def _ours_named(names: str, test: Callable) -> Callable:
    wanted = frozenset(names.split())

    def match(word, hit, cs):
        return hit is not None and hit[1] in wanted and test(word, hit[2])
    return match


_WB_X = "ldr_pre ldr_post str_pre str_post ldrs_pre ldrs_post ldrsw_pre ldrsw_post"
_WB_PAIR = "ldp_pre ldp_post stp_pre stp_post ldpsw_pre ldpsw_post"
_LOAD_PAIRS = "ldp ldp_pre ldp_post ldnp ldpsw ldpsw_pre ldpsw_post ldp_v ldp_v_pre ldp_v_post " \
              "ldnp_v ldxp"

#: Features capstone decodes that we do not implement (we reject them: SIGILL, as on a CPU
#: without the feature; the AT_HWCAP we report does not claim them).
NOT_IMPLEMENTED = [
    Known("FEAT_PAuth", False, "pointer authentication (Arm ARM C6.2 LDRAA, PACGA, PACIA, "
          "AUTIA, BRAA, RETAA...); the hint-space forms (PACIASP...) do decode, as NOPs",
          _cs_named("ldraa ldrab pacga pacia pacib pacda pacdb autia autib autda autdb paciza "
                    "pacizb pacdza pacdzb autiza autizb autdza autdzb xpaci xpacd braa brab "
                    "blraa blrab braaz brabz blraaz blrabz retaa retab eretaa eretab"),
          0xF8375D93),
    Known("FEAT_MTE", False, "memory tagging (C6.2 STG, LDG, ADDG, IRG, GMI, SUBP, STGP...)",
          _cs_named("stg stzg st2g stz2g ldg stgp ldgm stgm stzgm addg subg irg gmi subp subps "
                    "cmpp"), 0xD92A4AA2),
    Known("FEAT_LRCPC2", False, "LDAPUR*/STLUR* (C6.2 LDAPUR, STLUR): unscaled "
          "load-acquire RCpc / store-release", _cs_named(
              "ldapur ldapurb ldapurh ldapursb ldapursh ldapursw stlur stlurb stlurh"),
          0x995880FB),
    Known("FEAT_HBC", False, "BC.cond (C6.2 BC.cond): b.cond with bit 4 set",
          _cs_named("", r"bc\."), 0x54C56C9A),
    Known("FEAT_MOPS", False, "memory copy and set (C6.2 CPYFP..., SETP...)",
          _cs_named("", r"(cpyf?|setg?)[pme]"), 0x1904F4CD),
    Known("FEAT_FlagM", False, "RMIF, SETF8/16, CFINV, XAFLAG, AXFLAG (C6.2)",
          _cs_named("rmif setf8 setf16 cfinv xaflag axflag"), 0xBA1487EA),
    Known("FEAT_TME", False, "transactional memory (TSTART, TCOMMIT, TCANCEL, TTEST)",
          _cs_named("tstart tcommit tcancel ttest"), 0xD4726860),
    Known("FEAT_LS64", False, "LD64B, ST64B, ST64BV, ST64BV0", _cs_named(
        "ld64b st64b st64bv st64bv0"), 0xF822A3AC),
]

#: Allocated instructions that are UNDEFINED at EL0 (Linux gives SIGILL); we reject them.
EL0_UNDEFINED = [
    Known("HVC/SMC/HLT/DCPS", False, "exception generation to EL2/EL3, halting debug and "
          "debug state (C6.2 HVC, SMC, HLT, DCPS1-3): UNDEFINED at EL0",
          _cs_named("hvc smc hlt dcps1 dcps2 dcps3"), 0xD40342A2),
    Known("SYSL", False, "C6.2 SYSL: no SYSL encoding is accessible at EL0",
          _cs_named("sysl"), 0xD528D775),
    Known("MSR (immediate)", False, "C6.2 MSR (immediate), op0=00 CRn=0100 Rt=11111: SPSel, "
          "DAIFSet/Clr (UNDEFINED at EL0 as Linux leaves SCTLR_EL1.UMA = 0), PAN, UAO; "
          "SSBS, DIT, TCO belong to features we do not implement",
          lambda word, hit, cs: word & 0xFFF8F01F == 0xD500401F and cs is not None,
          0xD50040BF),
]

#: Encodings capstone 5 accepts that the Arm ARM leaves unallocated.
CAPSTONE_ACCEPTS = [
    Known("op0=00 system register", False, "C4.1.87 / C5.3: system registers have op0 = 1x; "
          "with op0 = 00 only hints, barriers, PSTATE and the system instructions with a "
          "register argument are allocated; capstone prints any other as MSR/MRS S0_*",
          lambda word, hit, cs: word & 0xFFD80000 == 0xD5000000 and cs is not None
          and cs[0] in ("msr", "mrs") and "s0_" in cs[1], 0xD5016718),
]

LOAD_PAIR_OVERLAP = Known(
    "load pair overlap", True, "C6.2 LDP/LDNP/LDPSW/LDXP (also SIMD&FP) with Rt == Rt2: "
    "CONSTRAINED UNPREDICTABLE (Unpredictable_LDPOVERLAP: UNDEFINED, NOP, or an UNKNOWN "
    "value in Rt); we load both, the second wins",
    _ours_named(_LOAD_PAIRS, lambda w, a: a.rt == a.rt2), 0xA9559D07)
#: Encodings whose architectural result is UNKNOWN: no oracle to compare a run with.
UNKNOWN_RESULT = [LOAD_PAIR_OVERLAP]

#: CONSTRAINED UNPREDICTABLE encodings that we execute as one of the allowed behaviours
#: (QEMU does the same) and capstone rejects; and capstone's own bugs.
CAPSTONE_REJECTS = [
    Known("SBO fields of exclusives", True, "C6.2 LDXR, LDAXR, LDAR, STLR, LDLAR, STLLR, LDXP, "
          "STXR: Rs/Rt2 are (1) should-be-one bits; other values are CONSTRAINED UNPREDICTABLE "
          "(K1.2.x: may execute as if they were ones), which we do",
          _ours_named("ldxr ldar stlr ldxp stxr", lambda w, a: (
              (w >> 16) & 31 != 31 and a.rs == 31) or ((w >> 10) & 31 != 31 and a.rt2 == 31)),
          0xC85F0D46),
    Known("writeback overlap", True, "C6.2 LDR/STR/LDRS*/LDP/STP/LDPSW (pre/post-index) with "
          "Rn == Rt (or Rt2), Rn != SP: CONSTRAINED UNPREDICTABLE (Unpredictable_WBOVERLAPLD/ST"
          "); we do the access then the writeback, as QEMU",
          _ours_named(f"{_WB_X} {_WB_PAIR}", lambda w, a: a.rn != 31 and a.rn in (
              a.rt, getattr(a, "rt2", a.rt))), 0xF84B5E52),
    LOAD_PAIR_OVERLAP,
    Known("capstone: LDTR* with Rn == Rt", True, "C6.2 LDTR, LDTRB, LDTRH, LDTRSB, LDTRSH, "
          "LDTRSW have no writeback, so Rn == Rt is an ordinary encoding; capstone 5 (LLVM's "
          "decoder) rejects it as if it wrote back",
          _ours_named("ldtr ldtrs ldtrsw", lambda w, a: a.rn == a.rt), 0x384238C6),
]

#: Decoder bugs found by the sweep and fixed since (pinned in test_fixed_decode_bugs): both
#: decoders reject these now.
FIXED_DECODE_BUGS = [
    Known("CASP odd registers", True, "C6.2 CASP: 'if Rs<0> == 1 then UNDEFINED; if Rt<0> == 1 "
          "then UNDEFINED'; a64_ldst.dec's casp pattern takes any Rs/Rt (and trans_casp reads "
          "register Rs+1 = 32 for Rs = 31)",
          _ours_named("casp", lambda w, a: a.rs & 1 or a.rt & 1), 0x48647C87),
    Known("PRFM (register) option<1> = 0", True, "C6.2 PRFM (register): option<1> == 0 is "
          "UNDEFINED (as for every load/store register-offset form); a64_ldst.dec's prfm_r "
          "ignores bits 15:13", _ours_named("prfm_r", lambda w, a: not (w >> 14) & 1),
          0xF8A3BA1D),
]

KNOWN = NOT_IMPLEMENTED + EL0_UNDEFINED + CAPSTONE_ACCEPTS + CAPSTONE_REJECTS


def explain(word: int) -> tuple[bool, bool, Known | None]:
    """(we decode it, capstone does, the known disagreement that covers it)."""
    hit, cs = decode_fields(word), capstone_insn(word)
    known = None
    if (hit is None) != (cs is None):
        known = next((k for k in KNOWN if k.ours == (hit is not None) and k.match(word, hit, cs)),
                     None)
    return hit is not None, cs is not None, known


def _unexplained(word: int) -> str | None:
    ours, theirs, known = explain(word)
    if ours == theirs or known is not None:
        return None
    hit = decode_fields(word)
    return (f"{word:#010x}: ours={hit[1] + str(hit[2]) if hit else None} "
            f"capstone={capstone_insn(word)}")


# ---------------------------------------------------------------------------------- tests

def _canonical(name: str) -> int | None:
    """A word that decodes to pattern ``name``: the encoder's if it can make one, else the
    first pseudo-random filling of the operand bits that decodes to it."""
    pattern = DECODER.patterns[name]
    rng = random.Random(name)
    for attempt in range(4000):
        word = pattern.value | (rng.getrandbits(32) & ~pattern.mask if attempt else 0)
        hit = DECODER.decode(word)
        if hit is not None and hit[0] is pattern:
            try:
                return DECODER.encode(name, **hit[1]._asdict())
            except EncodeError:       # a field post-function without an inverse
                return word
    return None


@pytest.mark.parametrize("name", sorted(DECODER.patterns))
def test_pattern_decodes_canonical_encoding(name):
    word = _canonical(name)
    assert word is not None, f"no word decodes to {name}"
    hit = decode_fields(word)
    assert hit[1] == name
    ours, theirs, known = explain(word)
    assert theirs or known is not None, (
        f"{name}: {word:#010x} ({hit[2]}) decodes for us, capstone rejects it")


def test_encoder_round_trip():
    """Where the encoder can encode a pattern, decode(encode(fields)) gives those fields."""
    encodable = 0
    for name, pattern in DECODER.patterns.items():
        rng = random.Random(name)
        for _ in range(50):
            hit = DECODER.decode(pattern.value | rng.getrandbits(32) & ~pattern.mask)
            if hit is None or hit[0] is not pattern:
                continue
            try:
                word = DECODER.encode(name, **hit[1]._asdict())
            except EncodeError:
                break
            encodable += 1
            assert DECODER.decode(word) == hit
    assert encodable > 100


@pytest.mark.parametrize("cls", sorted(CLASSES))
@settings(max_examples=1500, derandomize=True, deadline=None, database=None)
@given(data=st.data())
def test_validity_agrees_with_capstone(cls, data):
    """Hypothesis over random words of one encoding class: we accept a word iff capstone
    does, or a KNOWN entry explains the difference."""
    mask, value = CLASSES[cls]
    word = data.draw(st.integers(0, (1 << 32) - 1).map(
        lambda w: (w & ~(mask << 25)) | (value << 25)), label="word")
    assert _unexplained(word) is None


def test_validity_sweep():
    """A larger fixed-seed sweep over the same classes (one pass, about 2 s): every
    disagreement explained, and every KNOWN entry that the sweep reaches is needed."""
    rng = random.Random(0xA64)
    failures, used = [], set()
    for _ in range(240_000):
        word = rng.getrandbits(32)
        if not any(in_class(word, cls) for cls in CLASSES):
            continue
        ours, theirs, known = explain(word)
        if ours != theirs:
            if known is None:
                failures.append(_unexplained(word))
            else:
                used.add(known.name)
    assert not failures, "\n".join(failures[:40])
    assert used >= {k.name for k in KNOWN if k.name not in RARE}, \
        f"KNOWN entries no word needed: {sorted({k.name for k in KNOWN} - used - RARE)}"


#: KNOWN entries whose encodings are too few for the sweep to hit reliably.
RARE = {"FEAT_TME", "FEAT_LS64", "FEAT_FlagM", "MSR (immediate)", "FEAT_PAuth"}


@pytest.mark.parametrize("known", KNOWN, ids=lambda k: k.name)
def test_known_disagreement_examples(known):
    """Each KNOWN entry's example still shows its disagreement (a stale entry fails)."""
    hit, cs = decode_fields(known.example), capstone_insn(known.example)
    assert (hit is not None, cs is not None) == (known.ours, not known.ours)
    assert known.match(known.example, hit, cs)


@pytest.mark.parametrize("known", FIXED_DECODE_BUGS, ids=lambda k: k.name)
def test_fixed_decode_bugs(known):
    """The Arm ARM says UNDEFINED (and capstone agrees): the decoder must reject the
    example."""
    assert capstone_insn(known.example) is None
    assert decode_fields(known.example) is None


def test_unallocated_words_decode_to_none():
    """Fixed unallocated/reserved encodings (Arm ARM C4.1) decode to None, as capstone
    agrees: a logical immediate with N=1 in a 32-bit form, ROR in add/sub shifted,
    a 32-bit move-wide with hw >= 2, a 32-bit EXTR with imms >= 32, LDR (register) with
    option 000."""
    words = [0x12400000, 0x0BC00000, 0x52C00000, 0x13808000, 0xB8600800]
    for word in words:
        assert decode_fields(word) is None, hex(word)
        assert capstone_insn(word) is None, hex(word)
    # UDF #imm16 (C6.2 UDF, op0 = 0000 "reserved"): capstone names it; it is UNDEFINED
    assert decode_fields(0x00000000) is None and capstone_insn(0x00000000) == ("udf", "#0")


def crc_word(sf: int, c: int, sz: int) -> int:
    """CRC32{B,H,W,X} / CRC32C* w0, w1, {w,x}2 (C6.2: sf 0 0 11010110 Rm 010 C sz Rn Rd)."""
    return sf << 31 | 0b11010110 << 21 | 2 << 16 | 0b010 << 13 | c << 12 | sz << 10 | 1 << 5


def test_crc32_sf_must_match_sz():
    """C6.2 CRC32B..CRC32CX: sf = 1 with sz = 11 (X) or sf = 0 with sz < 11 (B, H, W); the
    other pairings are unallocated (UNDEFINED, as capstone agrees)."""
    names = ["crc32b", "crc32h", "crc32w", "crc32x"]
    for c in (0, 1):
        for sz in range(4):
            for sf in (0, 1):
                word = crc_word(sf, c, sz)
                hit = decode_fields(word)
                if sf == (sz == 3):
                    want = names[sz].replace("crc32", "crc32c") if c else names[sz]
                    assert hit[1] == want and hit[2].sz == sz, hex(word)
                    assert capstone_insn(word)[0] == want, hex(word)
                else:
                    assert hit is None and capstone_insn(word) is None, hex(word)
