"""The layering rules of DESIGN.md, checked on the source: the core (dbt/) imports no backend
and no frontend, backends import no frontend, and no modules import each other in a cycle
(imports inside functions count; imports under `if TYPE_CHECKING:` do not run, so they do not).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# repository folder -> the package it is installed as (pyproject.toml's package-dir)
PACKAGES = {"dbt": "dbt", "frontends": "dbt.frontends", "backends": "dbt.backends",
            "cache": "dbt.cache"}


def _modules() -> dict[str, Path]:
    mods = {}
    for folder, package in PACKAGES.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = [p for p in path.relative_to(ROOT / folder).with_suffix("").parts
                     if p != "__init__"]
            mods[".".join([package, *parts])] = path
    return mods


MODULES = _modules()


def _imported(module: str, node) -> set[str]:
    """The project modules an import statement imports (`from pkg import sub` imports sub;
    `from . import x` in a package's module does not import the package itself)."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in MODULES}
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        if MODULES[module].name != "__init__.py":
            parts = parts[:-1]
        parts = parts[:len(parts) - node.level + 1]
        base = ".".join(parts + ([node.module] if node.module else []))
    subs = {f"{base}.{a.name}" for a in node.names} & MODULES.keys()
    named = {a.name for a in node.names}
    if base in MODULES and (node.module or not {f"{base}.{n}" for n in named} <= subs):
        subs.add(base)
    return subs


def _graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        skipped = {id(n) for node in ast.walk(tree)
                   if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
                   for n in ast.walk(node)}
        deps = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skipped:
                deps |= _imported(module, node)
        graph[module] = deps - {module}
    return graph


GRAPH = _graph()


def _is_core(module: str) -> bool:
    return not module.startswith(("dbt.backends", "dbt.frontends", "dbt.cache"))


def test_core_imports_no_backend_and_no_frontend():
    bad = {m: sorted(d for d in deps if d.startswith(("dbt.backends", "dbt.frontends")))
           for m, deps in GRAPH.items() if _is_core(m)}
    assert {m: d for m, d in bad.items() if d} == {}


def test_backends_and_caches_import_no_frontend():
    bad = {m: sorted(d for d in deps if d.startswith("dbt.frontends"))
           for m, deps in GRAPH.items() if m.startswith(("dbt.backends", "dbt.cache"))}
    assert {m: d for m, d in bad.items() if d} == {}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                out.append(sorted(scc))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_inside_functions():
    """dbt.runtime imports dbt.opt inside a method: the graph must have that edge."""
    assert "dbt.opt" in GRAPH["dbt.runtime"]
