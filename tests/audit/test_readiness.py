"""Evidence for every clause item: present, stale or missing, as the readiness page and its workbook show it."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from helpers import act, as_user, plant_id
from openpyxl import load_workbook
from record_samples import SAMPLES

from workflows.audit import evidence_map
from workflows.documents import records
from workflows.engine import clock

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def status(plant, clause_id: str, today: date | None = None) -> evidence_map.Item:
    with plant("test") as s:
        return next(i for i in evidence_map.build(s, plant_id(s), today) if i.clause.id == clause_id)


def test_evidence_is_present_stale_or_missing_by_what_makes_it_current(plant):
    baseline = status(plant, "6.3.1b")
    assert baseline.status == "present" and any("/registers/baselines/" in (f.href or "") for f in baseline.found)
    assert status(plant, "5.2.1a").status == "missing"  # no policy issued: nothing made up
    meters = status(plant, "8.1.3d")
    assert meters.status == "stale" and "M-E021" in meters.found[0].zh  # the overdue meter is named
    assert status(plant, "6.2.1").status == "missing"
    act(plant, "lixf", lambda s, a: records.add(s, a, "risk", SAMPLES["risk"], clock.today() - timedelta(days=400)))
    old = status(plant, "6.2.1")
    assert old.status == "stale" and "12 个月" in old.found[0].why_stale  # a register nobody has kept for a year
    act(plant, "lixf", lambda s, a: records.add(s, a, "risk", SAMPLES["risk"]))
    assert status(plant, "6.2.1").status == "present"
    assert status(plant, "6.3.1b", today=clock.today() + timedelta(days=3650)).status == "present"  # in force stays


def test_the_readiness_page_filters_and_exports_for_the_certification_audit(web):
    zhaom = as_user(web, "zhaom")
    page = zhaom.get("/readiness").text
    assert 'id="readiness-summary"' in page and 'id="readiness-chart"' in page
    total = len(re.findall(r'<tr id="r-', page))
    assert total == 201
    missing = zhaom.get("/readiness?status=missing").text
    assert 'id="r-5.2.1a"' in missing and 'id="r-6.3.1b"' not in missing
    chapter = zhaom.get("/readiness?chapter=8").text
    assert all(cid.startswith("8.") for cid in re.findall(r'<tr id="r-([^"]+)"', chapter))
    book = load_workbook(io.BytesIO(zhaom.get("/readiness.xlsx").content))
    rows = list(book.active.values)
    assert rows[0] == ("条款", "要求", "状态", "证据", "负责部门", "差距") and len(rows) == 202
    meter_row = next(r for r in rows if r[0] == "8.1.3d")
    assert meter_row[2] == "证据过期" and "检定逾期" in meter_row[5]
    assert next(r for r in rows if r[0] == "5.2.1a")[5] == "无证据记录"
    assert 'href="/readiness"' in zhaom.get("/audits").text  # found where an auditor looks
    import docx
    word = docx.Document(io.BytesIO(zhaom.get("/readiness/report.docx").content))
    cells = [c.text for t in word.tables for r in t.rows for c in r.cells]
    assert "8.1.3d" in cells and "无证据记录" in cells and any("M-E021" in c for c in cells)
    assert "认证准备情况报告" in word.paragraphs[0].text


def test_gaps_become_tasks_when_an_audit_is_near_once_per_person(plant, engine):
    from sqlmodel import Session, select

    from storage.models import Task
    from workflows.audit import internal_audit, readiness
    today = clock.today()
    with plant("system:test") as s:
        assert readiness.gap_tasks(s, plant_id(s), today) == 0  # nothing near: no task
    act(plant, "lixf", lambda s, a: internal_audit.plan_as(
        s, a, start=today + timedelta(days=20), end=today + timedelta(days=22), lead="zhaom", team=["zhaom"]))
    with plant("system:test") as s:
        assert readiness.gap_tasks(s, plant_id(s), today, lead_days=10) == 0  # outside the lead time
        first = readiness.gap_tasks(s, plant_id(s), today)
        again = readiness.gap_tasks(s, plant_id(s), today)
    assert first >= 1 and again == 0  # one task a person, not one a day
    with Session(engine) as s:
        tasks = s.exec(select(Task).where(Task.lifecycle == "readiness_audit")).all()
    assert len(tasks) == first and len({t.assignee_id for t in tasks}) == first  # one a person
    assert any("5.2.1a" in t.title_zh for t in tasks) and all(t.due == today + timedelta(days=20) for t in tasks)


def test_the_daily_snapshot_draws_the_readiness_trend_on_the_dashboard(plant, web):
    from workflows.audit import readiness
    today = clock.today()
    with plant("system:test") as s:
        first = readiness.snapshot(s, plant_id(s), today - timedelta(days=7))
        readiness.snapshot(s, plant_id(s), today - timedelta(days=7))  # the same day again updates, never doubles
    act(plant, "lixf", lambda s, a: records.add(s, a, "risk", SAMPLES["risk"]))
    with plant("system:test") as s:
        later = readiness.snapshot(s, plant_id(s), today)
        trend = readiness.trend(s, plant_id(s), "zh")
    assert later["present"] > first["present"] and len(trend["days"]) == 2
    assert trend["share"][1] > trend["share"][0]
    assert 'id="readiness-trend"' in as_user(web, "wangjg").get("/").text
