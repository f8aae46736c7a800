"""Dependencies run one way (README "Layout"), read from every file's imports, lazy ones included.

pupils <- assessments <- interventions <- plans <- reports <- imports, demo. ``sencotrack`` is the
configuration on top (settings, URLs, Celery, WSGI/ASGI) and, below every app, a few foundation
modules that import no app. No file imports itself through a circle of other files.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", ".git", "node_modules", "staticfiles", "test-artifacts", "tools"}
#: Each app and the apps it may import (those below it).
LAYERS = ["pupils", "assessments", "interventions", "plans", "reports"]
TOP = ["imports", "demo"]
#: sencotrack modules that may import apps: the configuration that wires them together.
CONFIG = {"sencotrack.settings", "sencotrack.urls", "sencotrack.celery", "sencotrack.wsgi", "sencotrack.asgi",
          "sencotrack.apps"}


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        if not SKIP.intersection(path.relative_to(ROOT).parts):
            found[_name(path)] = path
    return found


def _resolve(name: str) -> str | None:
    """The project module ``name`` is, or is inside; None for a third-party or standard module."""
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name or None


@cache
def imports() -> dict[str, set[str]]:
    """Module -> the project modules it imports, at any depth of the file (function-level too)."""
    graph = {}
    for name, path in modules().items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                # "from package import module" names the module; "from module import name" the module.
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base
                           for alias in node.names]
            else:
                continue
            found |= {target for t in targets if (target := _resolve(t)) and target != name}
        graph[name] = found
    return graph


def _app(module: str) -> str:
    return module.split(".")[0]


def _allowed(module: str) -> set[str]:
    """The apps ``module`` may import (besides its own app and the sencotrack foundation)."""
    app = _app(module)
    if app in LAYERS:
        return set(LAYERS[: LAYERS.index(app)])
    if app in TOP:
        return set(LAYERS)
    return set(LAYERS + TOP)  # tests, bench, manage.py: on top of everything


def test_the_graph_sees_the_apps():
    graph = imports()
    assert "pupils.models" in graph["pupils.access"]
    assert "reports.pupil_page" in graph["reports.views_pupil"]


def test_apps_import_only_apps_below_them():
    wrong = []
    for module, targets in imports().items():
        app = _app(module)
        if app not in LAYERS + TOP:
            continue
        for target in targets:
            other = _app(target)
            if other == app:
                continue
            if other == "sencotrack":
                if target in CONFIG - {"sencotrack.celery"}:
                    wrong.append(f"{module} -> {target} (configuration)")
            elif other in LAYERS + TOP and other not in _allowed(module):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_sencotrack_imports_apps_only_from_its_configuration():
    wrong = [
        f"{module} -> {target}"
        for module, targets in imports().items()
        if _app(module) == "sencotrack" and module not in CONFIG
        for target in targets
        if _app(target) != "sencotrack" or target in CONFIG - {"sencotrack.celery"}
    ]
    assert wrong == []


def test_sencotrack_holds_configuration_and_a_small_foundation():
    foundation = {m for m in modules() if _app(m) == "sencotrack"} - CONFIG - {"sencotrack"}
    assert foundation <= {
        "sencotrack.auth", "sencotrack.client_ip", "sencotrack.middleware",  # wired by settings
        "sencotrack.parsing", "sencotrack.csvsafe", "sencotrack.conflicts", "sencotrack.versions",
        "sencotrack.fragments", "sencotrack.background",  # background: Celery or a thread, for every app's tasks
        "sencotrack.source",  # the AGPL source offer: a footer link and /source/, importing no app
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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


def test_no_file_imports_itself_through_other_files():
    assert _cycles(imports()) == []


@pytest.mark.parametrize(
    "graph, expected",
    [
        ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}}, [["a", "b", "c"]]),
    ],
)
def test_the_circle_finder_finds_circles(graph, expected):
    assert _cycles(graph) == expected


def test_the_root_url_configuration_includes_the_apps_by_name_and_imports_none():
    assert {_app(target) for target in imports()["sencotrack.urls"]} <= {"sencotrack"}
