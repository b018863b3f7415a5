"""The README stays true: every command it names exists, and every command is documented."""

import re

from helpers import ROOT
from typer.main import get_command

from steward.cli import app


def _cli_commands() -> set[str]:
    root = get_command(app)
    found = set()
    for name, cmd in root.commands.items():
        subs = getattr(cmd, "commands", None)
        found |= {f"{name} {s}" for s in subs} if subs else {name}
    return found


def test_every_command_is_documented_and_every_documented_command_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    mentioned = set()
    for words in re.findall(r"`steward ([a-z][a-z ]*)", readme):
        parts = words.split()
        mentioned.add(" ".join(parts[:2]) if " ".join(parts[:2]) in _cli_commands() else parts[0])
    assert mentioned - _cli_commands() == set(), "README names commands that do not exist"
    assert _cli_commands() - mentioned == set(), "commands missing from the README"


def test_readme_gives_the_two_set_up_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 -m pip install -q uv && python3 -m uv run steward demo" in readme
    assert "bash .ci/run" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "uv run --frozen pytest" in ci


def test_every_folder_the_architecture_names_exists():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:workflows|steward|templates|tests)/[a-z_/]+)`", text))
    assert len(named) >= 40
    assert sorted(p for p in named if not (ROOT / p).exists()) == []


def test_every_area_of_workflows_is_in_the_architecture():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    areas = {p.name for p in (ROOT / "workflows").iterdir() if (p / "__init__.py").exists()}
    assert sorted(a for a in areas if f"`workflows/{a}`" not in text) == []
