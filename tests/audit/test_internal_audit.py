"""An internal audit from programme to the report top management reads (9.2)."""

import io
from datetime import date, timedelta

import docx
import pytest
from helpers import act, plant_id, this_year
from sqlmodel import Session, select

from forms import clauses
from steward.demo import DEMO_PASSWORD as PW
from storage.audit_log import verify
from storage.errors import Forbidden, StewardError
from storage.models import ChecklistItem, InternalAudit, Nonconformity, Signature, Task
from workflows.audit import internal_audit as audits
from workflows.engine import clock


def plant_act(plant, fn):
    with plant("system:test") as s:
        return fn(s, None)


def started(plant) -> int:
    audit_id = plant_act(plant, lambda s, a: audits.plan_for_year(s, plant_id(s), this_year(), "test").id)
    act(plant, "zhaom", lambda s, a: audits.start(s, a, s.get(InternalAudit, audit_id)))
    return audit_id


def check_all(plant, audit_id, skip=()):
    def go(s, a):
        audit = s.get(InternalAudit, audit_id)
        for item in audits.checklist(s, audit):
            if item.clause_id not in skip:
                audits.record(s, a, audit, item.clause_id, "conform")
    act(plant, "zhaom", go)


def test_the_yearly_plan_covers_time_method_team_and_schedule_once(plant, engine):
    first = plant_act(plant, lambda s, a: audits.plan_for_year(s, plant_id(s), this_year(), "flow"))
    again = plant_act(plant, lambda s, a: audits.plan_for_year(s, plant_id(s), this_year(), "flow"))
    assert again is None
    with Session(engine) as s:
        audit = s.exec(select(InternalAudit)).one()
        assert audit.planned_start.month == 11 and audit.planned_start.weekday() == 0
        assert audit.method and len(audit.team_ids) == 2  # 赵敏 and 周磊 are the internal auditors
        assert [row["chapter"] for row in audit.schedule] == ["4", "5", "6", "7", "8", "9", "10"]
        lead_task = s.exec(select(Task).where(Task.lifecycle == "internal_audit")).one()
        assert lead_task.assignee_id == audit.lead_auditor_id and lead_task.due == audit.planned_start
    assert first.number.endswith("-IA-%d-001" % this_year())


def test_the_checklist_has_every_auditable_clause_with_evidence_links(plant, engine):
    audit_id = started(plant)
    with Session(engine) as s:
        items = s.exec(select(ChecklistItem).where(ChecklistItem.audit_id == audit_id)).all()
        assert sorted(i.clause_id for i in items) == sorted(c.id for c in clauses.auditable())
        assert len(items) == 201
        by_clause = {i.clause_id: i.evidence for i in items}
    assert any(e["ref"].startswith("/accounting") for e in by_clause["6.1.2d"])  # activity data, opened from the line
    baseline = by_clause["6.3.1b"]  # the signed baseline itself, not a count of activity rows
    assert any(e["ref"].startswith("/registers/baselines/") and e["current"] for e in baseline)
    assert not by_clause["5.2.1a"]  # no policy issued in the demo: nothing is made up


def test_a_finding_becomes_a_nonconformity_and_the_report_reaches_top_management(plant, engine, store):
    audit_id = started(plant)
    act(plant, "zhoul", lambda s, a: audits.record(
        s, a, s.get(InternalAudit, audit_id), "8.3c", "minor_nc",
        "2#水泥磨电能表 M-E021 检定已过期 3 个月\n抽查 2026 年 9 月记录", [{"kind": "record", "ref": "M-E021"}]))
    check_all(plant, audit_id, skip={"8.3c"})
    act(plant, "zhaom", lambda s, a: audits.report(s, a, s.get(InternalAudit, audit_id),
                                                   "体系基本有效运行，计量器具管理需加强。", PW, store))
    with Session(engine) as s:
        audit = s.get(InternalAudit, audit_id)
        nc = s.exec(select(Nonconformity)).one()
        assert nc.clause_id == "8.3c" and nc.source == "audit" and nc.title.startswith("2#水泥磨电能表")
        assert audit.state == "reported" and audit.report_sha256
        top = s.exec(select(Task).where(Task.lifecycle == "internal_audit", Task.status == "open")).all()
        assert [t.title_en.startswith("Read the internal audit report") for t in top] == [True]
    text = "\n".join(c.text for t in docx.Document(io.BytesIO(store.read(audit.report_sha256))).tables
                     for r in t.rows for c in r.cells)
    assert nc.number in text and "M-E021" in text and "8.3c" in text
    act(plant, "wangjg", lambda s, a: audits.accept(s, a, s.get(InternalAudit, audit_id), PW))
    with Session(engine) as s:
        assert s.get(InternalAudit, audit_id).state == "closed"
        assert [x.meaning for x in s.exec(select(Signature).where(Signature.lifecycle == "internal_audit"))] == [
            "prepared", "reviewed"]
    with engine.connect() as conn:
        assert verify(conn).ok


def test_an_audit_that_skips_a_clause_cannot_be_reported(plant, engine, store):
    audit_id = started(plant)
    check_all(plant, audit_id, skip={"6.4.4f", "10.3"})
    with pytest.raises(StewardError) as err:
        act(plant, "zhaom", lambda s, a: audits.report(s, a, s.get(InternalAudit, audit_id), "结论", PW, store))
    assert "2 个条款未检查" in err.value.zh and "6.4.4f" in err.value.en and "10.3" in err.value.en
    assert "must cover" not in err.value.zh and "未检查" not in err.value.en  # each language on its own
    with Session(engine) as s:
        assert s.get(InternalAudit, audit_id).state == "in_progress"
        assert s.get(InternalAudit, audit_id).report_sha256 is None


def test_only_the_team_records_and_a_finding_needs_its_facts(plant):
    audit_id = started(plant)
    with pytest.raises(Forbidden):
        act(plant, "lixf", lambda s, a: audits.record(s, a, s.get(InternalAudit, audit_id), "4.1", "conform"))
    with pytest.raises(StewardError, match="needs the facts"):
        act(plant, "zhaom", lambda s, a: audits.record(s, a, s.get(InternalAudit, audit_id), "4.1", "major_nc"))
    with pytest.raises(StewardError, match="not on the checklist"):
        act(plant, "zhaom", lambda s, a: audits.record(s, a, s.get(InternalAudit, audit_id), "4.9", "conform"))


def test_a_plan_that_ends_before_it_starts_is_refused(plant):
    from workflows.engine import machine as wf

    def go(s, a):
        zhaom = wf.actor_for(s, "zhaom").person
        return audits.plan(s, plant_id(s), year=this_year(), start=date(this_year(), 6, 3),
                           end=date(this_year(), 6, 3) - timedelta(days=1), lead=zhaom, team=[zhaom], created_by="t")
    with pytest.raises(StewardError, match="cannot end before it starts"):
        plant_act(plant, go)


def test_evidence_over_the_size_limit_is_refused_and_nothing_is_kept(plant, store):
    from workflows.audit import evidence_links
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * (1 << 20)
    with pytest.raises(StewardError) as err, plant("zhaom") as s:
        evidence_links.keep_file(s, store, "现场照片.jpg", io.BytesIO(photo), 1 << 20)
    assert err.value.status == 413 and "1 MB" in err.value.zh
    assert not [p for p in store.root.rglob("*") if p.is_file()]  # no part of it left in the store


def test_a_photo_kept_for_a_refused_line_leaves_the_store_unless_another_line_holds_it(plant, store):
    from workflows.audit import evidence_links
    audit_id = started(plant)
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 kiln inlet, 2026-11-03 \xff\xd9"

    def check(clause_id: str, result: str, notes: str = ""):
        def go(s, a):
            found = evidence_links.keep_file(s, store, "窑尾.jpg", io.BytesIO(photo), 1 << 20)
            audits.record(s, a, s.get(InternalAudit, audit_id), clause_id, result, notes, evidence=[found])
            return found["ref"]
        return act(plant, "zhaom", go)
    with pytest.raises(StewardError, match="needs the facts"):
        check("7.1.2", "minor_nc")
    assert not [p for p in store.root.rglob("*") if p.is_file()]  # nothing of the refused line is left
    sha = check("6.3.3", "conform")
    with pytest.raises(StewardError, match="needs the facts"):
        check("7.1.2", "minor_nc")
    assert store.read(sha) == photo  # the bytes another line holds stay


def test_a_record_of_another_enterprise_cannot_be_linked_as_evidence(plant):
    from steward import demo
    from storage.models import FormRecord
    from workflows.audit import evidence_links
    from workflows.people import organisation as org
    with plant("system:test") as s:
        row = FormRecord(enterprise_id=org.enterprise(s, demo.SISTER).id, form="training", recorded_on=clock.today(),
                         retain_until=clock.today() + timedelta(days=1800), created_by="maq",
                         payload={"topic": "电解铝核算", "kind": "standard", "attendees": 5, "hours": 2})
        s.add(row)
        s.flush()
        foreign = row.id
    with pytest.raises(StewardError) as err, plant("zhaom") as s:
        evidence_links.resolve(s, plant_id(s), f"R{foreign}", "7.1.2")
    assert err.value.field == "link" and f"R{foreign}" in err.value.en  # named as unknown, nothing of it shown
