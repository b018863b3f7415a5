"""The clause catalogue covers every clause and item of the guideline text."""

import json
import re

from helpers import ROOT, run_steward

from forms import clauses

GUIDELINE = ROOT / "docs" / "guideline" / "guideline.zh.md"  # kept in the repo: tests need nothing beside it


def ids_in_guideline() -> set[str]:
    """Read clause, item and sub-item numbers straight from the guideline's text (chapters 4–10)."""
    text = GUIDELINE.read_text(encoding="utf-8")
    body = text[text.index("## 4 管理机构建立"):text.index("参 考 文 献")]
    found, clause, letter = set(), None, None
    for line in body.splitlines():
        s = line.strip().lstrip("#").strip().removeprefix("- ").strip()
        if m := re.match(r"^(\d+)\s+\S", s):
            clause, letter = m[1], None
            found.add(clause)
        elif m := re.match(r"^(\d+(?:\.\d+)+)\s", s):
            clause, letter = m[1], None
            found.add(clause)
        elif m := re.match(r"^\*\*(\d+(?:\.\d+)+)\*\*", s):
            clause, letter = m[1], None
            found.add(clause)
        elif m := re.match(r"^([a-g])\)", s):
            letter = m[1]
            found.add(clause + letter)
        elif (m := re.match(r"^(\d)\)", s)) and letter:
            found.add(clause + letter + m[1])
    return found


def test_every_clause_and_item_of_the_guideline_is_in_the_catalogue():
    expected = ids_in_guideline()
    assert {"4.2a", "6.4.4f", "9.3.1b3", "9.3.1c5", "7.4.2e", "9.3.2", "10.4d"} <= expected
    assert len(expected) > 200
    assert expected - set(clauses.by_id()) == set()
    assert set(clauses.by_id()) - expected == set()


def test_clauses_json_lists_ids_with_summaries_in_both_languages(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "STEWARD_HOME": str(tmp_path)}
    result = run_steward(["clauses", "--json"], env, check=True)
    items = json.loads(result.stdout)
    by_id = {i["id"]: i for i in items}
    assert by_id["9.3.1b3"]["zh"] and by_id["9.3.1b3"]["en"]
    assert by_id["9.3.1b3"]["parent"] == "9.3.1b"
    assert all(i["zh"] and i["en"] for i in items)
    assert all(re.search(r"[\u4e00-\u9fff]", i["zh"]) for i in items)


def test_auditable_items_are_the_leaves_and_name_their_evidence():
    leaves = clauses.auditable()
    ids = {c.id for c in leaves}
    assert "9.3.1b" not in ids and "9.3.1b3" in ids and "9.2.2" in ids
    assert all(c.records for c in leaves), [c.id for c in leaves if not c.records]
    known = clauses.record_types()
    assert all(r in known for c in leaves for r in c.records)


def test_parent_ids_are_derived_from_the_numbering():
    assert clauses.parent_of("9.3.1b3") == "9.3.1b"
    assert clauses.parent_of("9.3.1b") == "9.3.1"
    assert clauses.parent_of("7.2a") == "7.2"
    assert clauses.parent_of("10.4") == "10"
    assert clauses.parent_of("4") is None
