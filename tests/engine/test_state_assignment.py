"""Nothing outside the engine moves a lifecycle: a state changes only through ``machine.fire``, so
every change has its transition-log row, its checks and its tasks."""

import ast

from helpers import ROOT

PACKAGES = ("steward", "workflows", "flows", "forms", "accounting", "storage")
ENGINE = ROOT / "workflows" / "engine" / "machine.py"


def state_assignments(source: str) -> list[int]:
    """Line numbers where ``something.state`` is assigned (plain, tuple, augmented, annotated or setattr)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr" and len(node.args) >= 2
              and isinstance(node.args[1], ast.Constant) and node.args[1].value == "state"):
            lines.append(node.lineno)
        for target in targets:
            for t in ast.walk(target):
                if isinstance(t, ast.Attribute) and t.attr == "state" and isinstance(t.ctx, ast.Store):
                    lines.append(t.lineno)
    return lines


def test_the_check_finds_every_kind_of_assignment():
    bad = "row.state = 'x'\na.b, row.state = 1, 2\nrow.state += 'y'\nsetattr(row, 'state', 'z')\nx = row.state\n"
    assert state_assignments(bad) == [1, 2, 3, 4]


def test_only_the_engine_assigns_state():
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path != ENGINE:
                offenders += [f"{path.relative_to(ROOT)}:{n}" for n in state_assignments(path.read_text())]
    assert offenders == []
    assert state_assignments(ENGINE.read_text()), "the engine itself must be where states change"


def test_the_registry_knows_how_to_find_every_lifecycle():
    from workflows.engine.lifecycle_index import FINDERS, HANDLERS
    from workflows.lifecycles import LIFECYCLES
    assert set(FINDERS) == set(LIFECYCLES)
    assert all(name in LIFECYCLES and LIFECYCLES[name].transition(t) for name, t in HANDLERS)
