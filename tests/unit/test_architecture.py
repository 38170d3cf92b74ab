"""The shape that keeps the code easy to change: no import cycles, and no module, class or
function too long to read in one sitting. These fail the build when broken, so the next
change cannot quietly bring back a 1,500-line window or a cycle between two services."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("counter_app", "ui")
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 400
MAX_FUNCTION_LINES = 60


def _sources() -> list[Path]:
    return sorted(
        p
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if "migrations" not in p.parts
    )


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    modules = sorted(m for m in graph.modules if m.split(".")[0] in PACKAGES)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c.split(".")[0] in PACKAGES), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    """Function-level (lazy) imports count too: a cycle hidden in a function is still one."""
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    # a package's __init__ importing its own submodules is not a cycle between concerns
    cycles = [
        c for c in _cycles(graph) if not all(m.startswith(c[0] + ".") or m == c[0] for m in c)
    ]
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def _too_long() -> list[str]:
    problems = []
    for path in _sources():
        rel = path.relative_to(ROOT)
        source = path.read_text(encoding="utf-8")
        if (n := len(source.splitlines())) > MAX_MODULE_LINES:
            problems.append(f"{rel}: module of {n} lines (at most {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(source)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1 if hasattr(
                node, "lineno") else 0
            if isinstance(node, ast.ClassDef) and length > MAX_CLASS_LINES:
                problems.append(f"{rel}:{node.lineno}: class {node.name} of {length} lines")
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and length > MAX_FUNCTION_LINES
            ):
                problems.append(f"{rel}:{node.lineno}: function {node.name} of {length} lines")
    return problems


def test_modules_classes_and_functions_fit_on_a_screen() -> None:
    problems = _too_long()
    assert not problems, "\n".join(problems)


def test_the_cycle_check_finds_a_cycle_hidden_in_a_function() -> None:
    graph = grimp.ImportGraph()
    for module in ("counter_app.a", "counter_app.b", "counter_app.c", "ui.x"):
        graph.add_module(module)
    graph.add_import(importer="counter_app.a", imported="counter_app.b")
    graph.add_import(importer="counter_app.b", imported="counter_app.a")  # the lazy one
    graph.add_import(importer="ui.x", imported="counter_app.a")
    graph.add_import(importer="counter_app.c", imported="counter_app.a")
    assert _cycles(graph) == [["counter_app.a", "counter_app.b"]]
