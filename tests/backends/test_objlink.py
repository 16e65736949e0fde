"""objlink (our linker for LLVM's object files) and codemem (executable memory, symbols).

The module below uses every relocation LLVM makes for generated code: a switch lowered to a
jump table (PC-relative entries in .rodata), an FP constant pool (.rodata.cst8), a call to a
function the module does not define (a stub and an import slot), a global it does not define
(a GOT slot), and zero-initialised globals of its own (.bss). What each function returns
follows from the IR text (written next to each check).
"""

from __future__ import annotations

import ctypes

import pytest

pytest.importorskip("llvmlite")

from dbt.backends.llvm.codemem import CodeArena, CodeError, Symbols  # noqa: E402
from dbt.backends.llvm.compiler import Compiler  # noqa: E402
from dbt.backends.llvm.objlink import LinkError, link  # noqa: E402

MODULE = """
@g = internal global [8 x i8] zeroinitializer
@calls = internal global i64 0
@ext = external global i64
declare i64 @labs(i64)

define i64 @pick(i64 %x, double %d) {
entry:
  %v = load i64, ptr @calls
  %v2 = add i64 %v, 1
  store i64 %v2, ptr @calls
  switch i64 %x, label %other [ i64 0, label %zero  i64 1, label %one  i64 2, label %two
                                i64 3, label %three  i64 4, label %four  i64 5, label %five ]
zero:
  ret i64 11
one:
  %n = sub i64 0, %v2
  %r = call i64 @labs(i64 %n)
  ret i64 %r
two:
  %e = load i64, ptr @ext
  ret i64 %e
three:
  %p = fmul double %d, 2.5
  %i = fptosi double %p to i64
  ret i64 %i
four:
  store i8 7, ptr getelementptr (i8, ptr @g, i64 3)
  ret i64 44
five:
  %b = load i8, ptr getelementptr (i8, ptr @g, i64 3)
  %z = zext i8 %b to i64
  ret i64 %z
other:
  ret i64 -1
}
"""

_PICK = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_double)


@pytest.fixture(scope="module")
def obj():
    compiler = Compiler(2)
    return compiler.object(f'target triple = "{compiler.triple}"\n{MODULE}')


def _symbols(ext: ctypes.c_int64) -> Symbols:
    symbols = Symbols()
    symbols.define("ext", ctypes.addressof(ext))
    return symbols


def test_a_linked_module_runs_with_every_kind_of_relocation(obj):
    blob = link(obj)
    assert sorted(name for _, name in blob.imports) == ["ext", "labs"]
    ext = ctypes.c_int64(777)
    arena = CodeArena(1 << 20)
    try:
        at = arena.place(blob, _symbols(ext))
        pick = _PICK(at.address(blob.symbols["pick"]))
        # 0 -> 11; 1 -> labs(-calls) with calls = 2 then; 2 -> ext; 3 -> int(4.0 * 2.5);
        # 4 stores 7 in g[3] and gives 44; 5 reads g[3]; anything else -> -1
        got = [pick(x, 4.0) for x in (0, 1, 2, 3, 5, 4, 5, 9)]
        assert got == [11, 2, 777, 10, 0, 44, 7, -1]
        calls = ctypes.c_int64.from_address(at.address(blob.symbols["calls"])).value
        assert calls == 8
    finally:
        arena.close()


def test_a_blob_is_the_same_wherever_it_runs(obj):
    """Position independence: the image does not depend on the load address, and two copies
    placed apart run alike (each with its own data)."""
    first, second = link(obj), link(obj)
    assert first.image == second.image
    ext = ctypes.c_int64(5)
    arena = CodeArena(1 << 22)
    try:
        arena.allocate(12345)                       # an odd start for the first copy
        a = arena.place(first, _symbols(ext))
        arena.allocate(1 << 20)
        arena.allocate_data(777)
        b = arena.place(second, _symbols(ext))
        assert b.text - a.text > 1 << 20 and b.data - a.data != b.text - a.text
        for at in (a, b):
            pick = _PICK(at.address(first.symbols["pick"]))
            assert [pick(2, 0.0), pick(4, 0.0), pick(5, 0.0), pick(3, -1.0)] == [5, 44, 7, -2]
    finally:
        arena.close()


def test_writable_data_is_placed_on_pages_without_code(obj):
    """A store next to running code costs as much as self-modifying code: a blob's writable
    data is placed apart from all text, and the code reaches it there (cross references)."""
    blob = link(obj)
    split = blob.split
    assert split <= blob.symbols["calls"] < blob.size and split <= blob.symbols["g"]
    assert blob.symbols["pick"] < blob.code_size <= split
    assert len(blob.cross) >= 2                    # the loads and stores of @calls and @g
    arena = CodeArena(1 << 22)
    try:
        at = arena.place(blob, _symbols(ctypes.c_int64(0)))
        text_pages = range(at.text >> 12, (at.text + split - 1 >> 12) + 1)
        data_pages = range(at.data >> 12, (at.data + blob.size - split - 1 >> 12) + 1)
        assert not set(text_pages) & set(data_pages)
        assert at.data >= arena.base + arena.half > at.text
    finally:
        arena.close()


def test_an_absolute_relocation_is_refused():
    """A pointer stored in data needs the load address: position-dependent, refused."""
    compiler = Compiler(0)
    obj = compiler.object(f'target triple = "{compiler.triple}"\n'
                          "define void @f() { ret void }\n@p = global ptr @f\n")
    with pytest.raises(LinkError, match="relocation type 1 "):
        link(obj)


def test_an_undefined_import_is_an_error_before_anything_is_placed(obj):
    arena = CodeArena(1 << 20)
    try:
        with pytest.raises(CodeError, match="undefined symbol ext"):
            arena.place(link(obj), Symbols())
        assert arena.used == 0
    finally:
        arena.close()


def test_a_full_arena_says_so_and_a_reset_empties_it(obj):
    blob = link(obj)
    arena = CodeArena(2 * 4096)
    try:
        ext = ctypes.c_int64(1)
        while arena.room(blob.split, blob.align):
            arena.place(blob, _symbols(ext))
        with pytest.raises(CodeError, match="full"):
            arena.place(blob, _symbols(ext))
        arena.reset()
        assert arena.used == 0 and arena.room(blob.split)
    finally:
        arena.close()


def test_symbols_fall_back_to_the_c_library():
    symbols = Symbols()
    assert symbols.address("labs") == ctypes.cast(ctypes.CDLL(None).labs, ctypes.c_void_p).value
    with pytest.raises(CodeError):
        symbols.address("no_such_function_anywhere_42")
