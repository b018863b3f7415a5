"""Imports point down only (ARCHITECTURE.md §Layers)."""

import ast
from pathlib import Path

from helpers import ROOT

# package → packages it may import from
ALLOWED = {
    "steward": {"steward", "flows", "workflows", "forms", "accounting", "storage"},
    "flows": {"flows", "workflows", "forms", "accounting", "storage"},
    "workflows": {"workflows", "forms", "accounting", "storage"},
    "forms": {"forms", "accounting", "storage"},
    "accounting": {"accounting"},
    "storage": {"storage"},
}
OURS = set(ALLOWED) | {"templates"}


def violations(package: str, source: str, filename: str = "<src>") -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in OURS and top not in ALLOWED[package]:
                found.append(f"{filename}:{node.lineno} {package} imports {name}")
    return found


def test_no_module_imports_a_layer_above_it():
    found = []
    for package in ALLOWED:
        for path in sorted((ROOT / package).rglob("*.py")):
            found += violations(package, path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []


def test_checker_catches_an_upward_import():
    assert violations("storage", "from workflows import organisation\n")
    assert violations("accounting", "import storage.models\n")
    assert violations("flows", "from steward.web import app\n")
    assert not violations("workflows", "from storage.models import Meter\n")


def test_flows_and_web_never_import_each_other():
    web = ROOT / "steward" / "web"
    for path in web.rglob("*.py") if web.exists() else []:
        assert "flows" not in {n.split(".")[0] for n in _imports(path)}, path


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | {
        n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}


def workflows_imports() -> dict[str, set[str]]:
    """Each module of workflows/ → the workflows modules it imports, at the top or inside a function."""
    root = ROOT / "workflows"
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        graph[name] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                    node.module.split(".")[0] == "workflows":
                for alias in node.names:  # "from workflows.x import y": y is a module when y.py is there
                    module = f"{node.module}.{alias.name}"
                    as_file = ROOT.joinpath(*module.split(".")).with_suffix(".py")
                    graph[name].add(module if as_file.exists() else node.module)
            elif isinstance(node, ast.Import):
                graph[name] |= {a.name for a in node.names if a.name.split(".")[0] == "workflows"}
        graph[name].discard(name)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one node (Tarjan), each sorted: the import circles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def area_of(module: str) -> str:
    """workflows.<area>.<module> → workflows.<area>; a module at the top of workflows/ is its own node."""
    return ".".join(module.split(".")[:2])


def test_no_import_circle_among_the_modules_of_workflows():
    assert circles(workflows_imports()) == []


def test_no_import_circle_among_the_areas_of_workflows():
    areas: dict[str, set[str]] = {}
    for module, imported in workflows_imports().items():
        areas.setdefault(area_of(module), set()).update(area_of(m) for m in imported if area_of(m) != area_of(module))
    assert circles(areas) == []


def test_the_circle_check_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
