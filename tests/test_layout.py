"""The package layout's rules, read from the source: who may import whom.

Every ``import`` and ``from ... import`` node of ``forecast/``, ``roster/``
and ``ui/`` counts, including those under ``if TYPE_CHECKING:`` and inside
functions: a circle in the static import graph is a circle, whether or not
it bites at run time.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("forecast", "roster", "ui")

#: what roster/rostering/validation.py may import besides the standard library
VALIDATION_MAY_IMPORT = ("roster.schema", "roster.rostering.rules", "forecast", "numpy", "pandas")


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Module name -> file, for every module of the project's packages (a package is its ``__init__.py``)."""
    out = {}
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imported_names(module: str, path: Path, modules: set[str]) -> set[str]:
    """Every module name ``module``'s import nodes name (project modules as precisely as they resolve).

    ``from a.b import c`` names ``a.b.c`` when that is a project module, else
    ``a.b``; relative imports are resolved against ``module``'s package.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                drop = node.level - 1 if is_package else node.level
                base = base[: len(base) - drop] if drop else base
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in modules else target)
    return out


def import_graph(root: Path = ROOT) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """``(internal, everything)``: per module, the project modules it imports, and every name it imports."""
    files = module_files(root)
    names = set(files)
    everything = {m: imported_names(m, p, names) for m, p in files.items()}
    internal = {m: {n for n in imp if n in names} for m, imp in everything.items()}
    return internal, everything


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with a circle in them (more than one module, or one importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph) + 100))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(out)


def within(name: str, prefix: str) -> bool:
    """Whether module ``name`` is ``prefix`` or inside it."""
    return name == prefix or name.startswith(prefix + ".")


def offending(everything: dict[str, set[str]], source: str, target: str, allowed_sources: tuple[str, ...] = ()) -> list[str]:
    """``module -> name`` for every import from inside ``source`` of a name inside ``target``."""
    return sorted(f"{m} -> {n}" for m, imp in everything.items() if within(m, source)
                  and not any(within(m, a) for a in allowed_sources) for n in imp if within(n, target))


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_graph_is_read(graph):
    internal, everything = graph
    # imports under TYPE_CHECKING, inside functions and relative ones all count: the reader must see them
    assert "roster.rostering.rules.coverage" in internal["roster.rostering.model"]
    assert "roster.rostering.variables" in internal["roster.rostering.rules.coverage"]
    assert "ortools.sat.python" in everything["roster.rostering.variables"]
    assert len(internal) > 50


def test_no_import_cycle(graph):
    internal, _ = graph
    assert cycles(internal) == []


def test_staffing_and_rostering_never_import_each_other(graph):
    _, everything = graph
    assert offending(everything, "roster.staffing", "roster.rostering") == []
    assert offending(everything, "roster.rostering", "roster.staffing") == []


def test_imports_flow_ui_roster_forecast(graph):
    _, everything = graph
    assert offending(everything, "forecast", "roster") == []
    assert offending(everything, "forecast", "ui") == []
    assert offending(everything, "roster", "ui") == []


def test_only_the_app_imports_streamlit(graph):
    _, everything = graph
    for package in PACKAGES:
        assert offending(everything, package, "streamlit", allowed_sources=("ui.app",)) == []


def test_validation_needs_no_solver(graph):
    _, everything = graph
    bad = sorted(n for n in everything["roster.rostering.validation"]
                 if n.split(".")[0] not in sys.stdlib_module_names and not any(within(n, a) for a in VALIDATION_MAY_IMPORT))
    assert bad == []


def test_cycles_are_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}, "e": {"a"}}
    assert cycles(graph) == [["a", "b", "c"], ["d"]]
