"""IR value types: integers i1..i128, IEEE floats f16/f32/f64 and the 128-bit vector v128.

Signedness is never part of a type: it lives in op names (`div_s`, `shr_u`, `sext`).
Integer values are carried as unsigned bit patterns; floats as their IEEE bit patterns, so a
`bitcast` between i32 and f32 (or i64 and f64) never changes a bit.
"""

from __future__ import annotations


class Type:
    """One IR type. Instances are interned: compare with `is` or `==`."""

    __slots__ = ("name", "bits", "kind", "mask", "is_int", "is_float")

    def __init__(self, name: str, bits: int, kind: str):
        self.name = name
        self.bits = bits
        self.kind = kind  # 'int', 'float' or 'vec'
        self.mask = (1 << bits) - 1
        self.is_int = kind == "int"
        self.is_float = kind == "float"

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self):
        return (by_name, (self.name,))


I1 = Type("i1", 1, "int")
I8 = Type("i8", 8, "int")
I16 = Type("i16", 16, "int")
I32 = Type("i32", 32, "int")
I64 = Type("i64", 64, "int")
I128 = Type("i128", 128, "int")
F16 = Type("f16", 16, "float")      # binary16: converted to and from (fcvt_f), no arithmetic
F32 = Type("f32", 32, "float")
F64 = Type("f64", 64, "float")
V128 = Type("v128", 128, "vec")

ALL_TYPES = (I1, I8, I16, I32, I64, I128, F16, F32, F64, V128)
INT_TYPES = (I1, I8, I16, I32, I64, I128)
FLOAT_TYPES = (F16, F32, F64)
_BY_NAME = {t.name: t for t in ALL_TYPES}
_INT_BY_BITS = {t.bits: t for t in INT_TYPES}


def by_name(name: str) -> Type:
    return _BY_NAME[name]


def int_type(bits: int) -> Type:
    """The integer type of a width (8, 16, 32, 64, 128 or 1)."""
    return _INT_BY_BITS[bits]


def same_width_int(t: Type) -> Type:
    """The integer type with the bit width of a float or vector type (for bitcasts)."""
    return _INT_BY_BITS[t.bits]
