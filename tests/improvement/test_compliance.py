"""Compliance obligations, the yearly evaluation and the re-evaluation a change triggers (9.1)."""

import pytest
from helpers import act, plant_id
from sqlmodel import Session, select

from steward import demo
from storage.errors import StewardError
from storage.models import ComplianceEvaluation, ComplianceItem, Nonconformity, Task
from workflows.improvement import compliance


def test_the_yearly_evaluation_covers_every_obligation_once(plant, engine):
    with plant("system:flow") as s:
        first, created = compliance.start(s, plant_id(s), "2026", "periodic")
        again, created_again = compliance.start(s, plant_id(s), "2026", "periodic")
    assert created and not created_again and first.id == again.id
    with Session(engine) as s:
        assert len(s.exec(select(ComplianceItem)).all()) == len(demo.OBLIGATIONS) == 6
        assert s.exec(select(Task).where(Task.lifecycle == "compliance")).all()


def test_a_noncompliance_raises_a_nonconformity_and_completion_needs_every_item(plant, engine):
    with plant("system:flow") as s:
        compliance.start(s, plant_id(s), "2026", "periodic")

    def evaluate(code, result, finding=""):
        act(plant, "lixf", lambda s, a: compliance.evaluate(s, a, compliance.get(s, a, "2026"), code, result, finding))
    evaluate("OB-004", "noncompliant", "熟料综合能耗 112 kgce/t，高于限定值 110")
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", lambda s, a: compliance.complete(s, a, compliance.get(s, a, "2026")))
    assert "5 项义务未评价" in err.value.zh and "OB-001" in err.value.zh and "OB-004" not in err.value.zh
    for code in ("OB-001", "OB-002", "OB-003", "OB-005", "OB-006"):
        evaluate(code, "compliant")
    act(plant, "lixf", lambda s, a: compliance.complete(s, a, compliance.get(s, a, "2026"), "1 项不符合"))
    with Session(engine) as s:
        nc = s.exec(select(Nonconformity)).one()
        assert nc.source == "compliance" and nc.clause_id == "9.1.1b" and "112" in nc.description
        assert s.exec(select(ComplianceEvaluation)).one().state == "completed"


def test_changing_an_obligation_starts_its_re_evaluation(plant, engine):
    evaluation = act(plant, "lixf", lambda s, a: compliance.change_obligation(
        s, a, "OB-001", "2024 年《碳排放权交易管理暂行条例》施行", title="碳排放权交易管理暂行条例",
        reference="国务院令第775号", kind="law"))
    assert evaluation.period == "change:OB-001:r2" and evaluation.trigger == "obligation_changed"
    with Session(engine) as s:
        items = s.exec(select(ComplianceItem).where(ComplianceItem.evaluation_id == evaluation.id)).all()
        assert [(i.obligation_revision, i.result) for i in items] == [(2, "pending")]


def test_bad_obligations_are_refused(plant):
    with pytest.raises(StewardError, match="9.1.1a"):
        act(plant, "lixf", lambda s, a: compliance.add_obligation(s, a, "OB-9", title="x", kind="law", clause_id="8.1"))
    with pytest.raises(StewardError, match="already exists"):
        act(plant, "lixf", lambda s, a: compliance.add_obligation(s, a, "OB-001", title="x", kind="law",
                                                                  clause_id="9.1.1a"))
    with pytest.raises(StewardError, match="Say what changed"):
        act(plant, "lixf", lambda s, a: compliance.change_obligation(s, a, "OB-001", " ", title="y"))
