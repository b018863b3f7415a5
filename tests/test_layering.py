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
