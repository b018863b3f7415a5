"""Form-driven records for the guideline's long tail of records to keep."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from forms import clauses
from forms.records import FORMS
from steward import demo
from storage.errors import Forbidden, StewardError
from storage.models import FormRecord
from workflows.documents import records
from workflows.engine import clock
from workflows.engine import machine as wf


@pytest.fixture
def plant(uow):
    with uow("demo-seed") as s:
        demo.seed(s)
    return uow


def test_a_training_record_is_validated_linked_and_retained(plant, engine):
    with plant("lixf") as s:
        records.add(s, wf.actor_for(s, "lixf"), "training",
                    {"topic": "全国碳市场履约要求", "kind": "law_policy", "attendees": 24, "hours": 3, "passed": 22},
                    recorded_on=date(2026, 3, 5))
    with Session(engine) as s:
        rec = s.exec(select(FormRecord)).one()
    assert rec.clause_ids == ["7.1.1b", "7.1.2"]
    assert rec.payload["attendees"] == 24 and rec.retain_until == date(2031, 3, 5)


def test_a_wrong_payload_names_each_field_and_writes_nothing(plant, engine):
    with pytest.raises(StewardError) as err, plant("lixf") as s:
        records.add(s, wf.actor_for(s, "lixf"), "training",
                    {"topic": "", "kind": "party", "attendees": 3, "hours": -1, "passed": 1, "colour": "red"})
    assert {d["field"] for d in err.value.details} == {"topic", "kind", "hours", "colour"}
    with pytest.raises(StewardError, match="More passed than attended"), plant("lixf") as s:
        records.add(s, wf.actor_for(s, "lixf"), "training",
                    {"topic": "x", "kind": "standard", "attendees": 3, "hours": 1, "passed": 5})
    with pytest.raises(StewardError, match="future"), plant("lixf") as s:
        records.add(s, wf.actor_for(s, "lixf"), "communication",
                    {"direction": "external", "channel": "letter", "counterpart": "市生态环境局", "subject": "核查"},
                    recorded_on=clock.today() + timedelta(days=3))
    with Session(engine) as s:
        assert s.exec(select(FormRecord)).all() == []


def test_a_viewer_cannot_keep_records(plant):
    with pytest.raises(Forbidden), plant("qianc") as s:
        records.add(s, wf.actor_for(s, "qianc"), "communication",
                    {"direction": "internal", "channel": "meeting", "counterpart": "生产部", "subject": "x"})


def test_every_form_evidences_real_clauses():
    assert all(set(f.clause_ids) <= set(clauses.by_id()) for f in FORMS.values())


def test_record_cli_keeps_a_communication_record(plant, steward_env):
    from helpers import run_steward
    ok = run_steward(["record", "add", "--as", "zhangw", "communication", "direction=external", "channel=letter",
                      "counterpart=晋中市生态环境局", "subject=2025年度排放报告报送", "--date", "2026-03-28"],
                     steward_env, check=True)
    assert "2031-03-28" in ok.stdout
    bad = run_steward(["record", "add", "--as", "zhangw", "communication", "direction=sideways"], steward_env)
    assert bad.returncode == 2 and "内/外部" in bad.stderr and "Internal or external" in bad.stderr


def test_a_suppliers_footprint_is_kept_against_6_1_2_f(plant):
    from helpers import act
    uow = plant
    row = act(uow, "lixf", lambda s, a: records.add(s, a, "footprint_data", {
        "subject": "外购熟料（晋东供应商）", "kind": "material_footprint", "value": 862.5, "unit": "kgCO2e/t",
        "boundary": "cradle_to_gate", "standard": "ISO 14067:2018", "source": "供应商 EPD 2025", "year": 2025}))
    assert row.clause_ids == ["6.1.2f"]
    with pytest.raises(StewardError, match="Unit"):
        act(uow, "lixf", lambda s, a: records.add(s, a, "footprint_data", {
            "subject": "x", "kind": "sink", "value": 1, "unit": "furlongs", "boundary": "annual", "standard": "s",
            "source": "s", "year": 2025}))


def test_a_yearly_duty_record_closes_its_own_enterprises_task_only(plant, engine):
    """The duty's task is keyed by its year, which every enterprise shares: keeping the 2026 training plan at the
    plant must leave the sister plant's 2026 task open."""
    from steward.demo import PLANT, SISTER
    from storage.models import Person, Task
    from tests.record_samples import SAMPLES
    from workflows.people import organisation as org
    from workflows.planning import yearly_duties
    with plant("demo-seed") as s:
        ids = {code: org.enterprise(s, code).id for code in (PLANT, SISTER)}
        yearly_duties.yearly(s, ids[PLANT], 2026)
        sister_person = s.exec(select(Person).where(Person.enterprise_id == ids[SISTER])).first()
        s.add(Task(enterprise_id=ids[SISTER], assignee_id=sister_person.id, lifecycle="training_plan", entity_id=2026,
                   title_zh="制定 2026 年碳排放管理培训计划（7.1）", title_en="Draw up the 2026 carbon training plan (7.1)"))
    with plant("lixf") as s:
        records.add(s, wf.actor_for(s, "lixf"), "training_plan", SAMPLES["training_plan"], recorded_on=date(2026, 2, 1))
    with Session(engine) as s:
        status = {t.enterprise_id: t.status for t in s.exec(
            select(Task).where(Task.lifecycle == "training_plan", Task.entity_id == 2026)).all()}
    assert status == {ids[PLANT]: "done", ids[SISTER]: "open"}
