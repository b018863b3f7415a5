"""The group's carbon-market grid (issue 32): the group's carbon manager and top management see each member plant's
months as missing / ready / submitted / late (late unsubmitted told apart from submitted late), months not yet due
and years before the plant joined the list; its annual reports with their state, verification and 31 March
deadline; in one query per grid, whatever the number of plants. A plant's people and another group see none of it."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date, datetime, timezone

import pytest
from helpers import as_user
from openpyxl import load_workbook
from sqlalchemy import event
from sqlmodel import select

from steward import demo
from storage.models import Document, Enterprise, EtsMonth, EtsProfile, Person, Revision
from storage.models.ets import EtsReport, EtsVerification
from workflows.engine import clock
from workflows.engine.credentials import hash_password
from workflows.ets import group as groups
from workflows.people import organisation as org

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
MIDYEAR = datetime(2026, 2, 28, 23, 30, tzinfo=timezone.utc)  # 1 March at the plant; still 28 February in UTC
APRIL = datetime(2026, 4, 1, 23, 30, tzinfo=timezone.utc)  # 2 April at the plant: the 2025 report is late


def at(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def person(s, enterprise: str, code: str, name: str, username: str, roles: list[str]) -> None:
    row = org.add(s, "person", {"code": code, "name": name, "username": username, "roles": roles},
                  enterprise_ref=enterprise)
    row.password_hash = hash_password(demo.DEMO_PASSWORD)
    s.add(row)


def report(s, enterprise_id: int, year: int, state: str, verified: float | None = None) -> None:
    doc = Document(enterprise_id=enterprise_id, number=f"ETS-{enterprise_id}-{year}", doc_type="record",
                   title=f"{year} 年度排放报告")
    s.add(doc)
    s.flush()
    s.add(Revision(enterprise_id=enterprise_id, document_id=doc.id, rev=1, state="superseded"))
    s.add(Revision(enterprise_id=enterprise_id, document_id=doc.id, rev=2, state=state))
    s.add(EtsReport(enterprise_id=enterprise_id, year=year, document_id=doc.id, generated_by="test"))
    if verified is not None:
        s.add(EtsVerification(enterprise_id=enterprise_id, year=year, verifier="晋诚核查", started_on=date(year + 1, 4, 1),
                              ended_on=date(year + 1, 4, 20), reported_tco2e=verified, verified_tco2e=verified,
                              recorded_by="test"))


def month(s, enterprise_id: int, first: date, state: str, submitted: date | datetime | None = None) -> None:
    moment = submitted if isinstance(submitted, datetime) else at(submitted) if submitted else None
    s.add(EtsMonth(enterprise_id=enterprise_id, month=first, state=state, deadline=groups.ets_monthly.deadline(first),
                   submitted_at=moment, receipt="R" if submitted else ""))


@pytest.fixture
def group(plant):
    """The demo group with its carbon manager (the demo's own, gaof) and top management; the cement plant with months of 2025 and 2026
    in every state and three years of reports; a second group with its own plant and carbon manager."""
    with plant("system:test") as s:
        person(s, demo.GROUP, "G002", "郭总", "guoz", ["top_management"])
        org.add(s, "enterprise", {"code": "OTGRP", "name_zh": "别家集团", "industry": "cement"})
        org.add(s, "enterprise", {"code": "OTCEM", "name_zh": "别家水泥厂", "industry": "cement", "parent": "OTGRP"})
        person(s, "OTGRP", "O001", "欧阳", "ouy", ["carbon_manager"])
        cement = org.enterprise(s, demo.PLANT).id
        other = org.enterprise(s, "OTCEM").id
        s.add(EtsProfile(enterprise_id=other, sector="cement", listed_from=2024, items=[], updated_by="test"))
        # due 9 September: 23:30 at the plant that day is 15:30 UTC, on time
        month(s, cement, date(2025, 7, 1), "submitted", datetime(2025, 9, 9, 15, 30, tzinfo=timezone.utc))
        # due 10 October: 17:00 UTC that day is already 11 October at the plant, late
        month(s, cement, date(2025, 8, 1), "submitted", datetime(2025, 10, 10, 17, 0, tzinfo=timezone.utc))
        month(s, cement, date(2025, 9, 1), "submitted", date(2025, 11, 2))  # due 9 November: on time
        month(s, cement, date(2025, 10, 1), "submitted", date(2025, 12, 15))  # due 10 December: late
        month(s, cement, date(2025, 11, 1), "ready")  # due 9 January 2026: overdue, not submitted
        month(s, cement, date(2025, 12, 1), "correcting", date(2026, 1, 20))
        month(s, cement, date(2026, 1, 1), "ready")
        report(s, cement, 2024, "issued", verified=812345.0)
        report(s, cement, 2025, "in_review")
    return plant


def test_the_grid_two_months_into_the_year_at_the_plant_date(group):
    with group("system:test") as s, clock.reading(MIDYEAR):
        shown = groups.grid(s, org_actor(s, "gaof"), 2026)
    plants = {p.code: p for p in shown["plants"]}
    assert set(plants) == {demo.PLANT, demo.SISTER}  # the group's members, not the other group's plant
    cement = [c.cell for c in plants[demo.PLANT].cells]
    # 1 March in Shanghai: February has ended (though UTC still says 28 February) and is owed, March is not due
    assert cement == ["ready", "missing"] + ["not_due"] * 10
    assert [c.cell for c in plants[demo.SISTER].cells] == ["not_listed"] * 12  # no carbon-market profile
    assert plants[demo.PLANT].cells[1].deadline == date(2026, 4, 9)
    reports = {r.year: r for r in plants[demo.PLANT].reports}
    assert (reports[2025].cell.value, reports[2025].late, reports[2025].deadline) == ("in_review", False, date(2026, 3, 31))
    assert (reports[2026].cell.value, reports[2026].late) == ("not_due", False)
    assert shown["columns"][0] == Counter({"ready": 1, "not_listed": 1}) and shown["late_months"] == 0
    with group("system:test") as s, clock.reading(MIDYEAR):
        before = groups.grid(s, org_actor(s, "gaof"), 2023, q=demo.PLANT)  # the year before the plant was listed
    assert [c.cell for c in before["plants"][0].cells] == ["not_listed"] * 12
    assert [r.cell.value for r in before["plants"][0].reports] == ["not_listed", "not_listed"]


def test_late_months_and_reports_are_told_apart(group):
    with group("system:test") as s, clock.reading(APRIL):
        last_year = groups.grid(s, org_actor(s, "guoz"), 2025)
        only_late = groups.grid(s, org_actor(s, "guoz"), 2025, state="late_unsubmitted", q="水泥")
    cement = next(p for p in last_year["plants"] if p.code == demo.PLANT)
    cells = {c.month.month: c.cell for c in cement.cells}
    assert cells[7] == "submitted" and cells[8] == "submitted_late"  # the deadline's day is the plant's day
    assert cells[9] == "submitted" and cells[10] == "submitted_late" and cells[11] == "late_unsubmitted"
    assert cells[12] == "correcting" and cells[1] == "late_unsubmitted"  # January 2025 was never opened: owed, and late
    assert cement.counts["late_unsubmitted"] == 7 and cement.counts["submitted_late"] == 2
    reports = {r.year: r for r in cement.reports}
    assert reports[2024].cell.value == "approved" and reports[2024].verified and not reports[2024].late
    assert reports[2025].cell.value == "in_review" and reports[2025].late  # 31 March 2026 has passed, not approved
    assert [p.code for p in only_late["plants"]] == [demo.PLANT]
    assert only_late["columns"][10] == Counter({"late_unsubmitted": 1})


def org_actor(s, username):
    from workflows.engine.machine import actor_for
    return actor_for(s, username)


def test_a_plants_people_and_another_group_are_refused(group, web):
    with clock.reading(MIDYEAR):
        for username in ("lixf", "wangjg", "yangf"):  # the plant's carbon manager, its top management, its staff
            answer = as_user(web, username).get("/ets/group")
            assert answer.status_code == 403, username
        other = as_user(web, "ouy")
        page = other.get("/ets/group?year=2026").text
        assert "别家水泥厂" in page and "山西晋岩水泥有限公司" not in page
        assert other.get(f"/ets/group/{demo.PLANT}/2026-01").status_code == 404
        assert other.get("/ets/group.xlsx").status_code == 200
        assert as_user(web, "lixf").get(f"/ets/group/{demo.PLANT}/2026-01").status_code == 403
        refused = as_user(web, "gaof").get("/ets/group?year=abc")
        assert refused.status_code == 400 and "四位数字" in refused.text
        assert as_user(web, "gaof").get("/ets/group?state=bogus").status_code == 400


def test_the_page_links_a_month_and_exports_what_it_shows(group, web):
    with clock.reading(APRIL):
        manager = as_user(web, "gaof")
        assert 'href="/ets/group"' in manager.get("/ets").text
        page = manager.get("/ets/group?year=2025").text
        assert "逾期报送" in page and "逾期未报" in page and "已核查" in page and "审核中" in page
        assert f'href="/ets/group/{demo.PLANT}/2025-11"' in page
        month_page = manager.get(f"/ets/group/{demo.PLANT}/2025-11").text
        assert "已逾期天数" in month_page and "熟料产量" in month_page and "只读" in month_page
        assert 'action="/ets/' not in month_page  # nothing to fill in or sign: that is the plant's
        clinker = re.search(r'<tr id="i-clinker_output">(.*?)</tr>', month_page, re.S).group(1)
        assert re.search(r'class="num">[0-9,.]+ t<', clinker), clinker  # a figure is read with its unit
        assert "生产报表" in clinker  # and the evidence the platform wants beside it
        workbook = manager.get("/ets/group.xlsx?year=2025&q=水泥")
        assert workbook.status_code == 200
        sheet = load_workbook(io.BytesIO(workbook.content)).active
        rows = list(sheet.values)
        assert rows[0][0] == "企业" and rows[0][1] == "2025-01" and rows[0][13] == "2024 年度排放报告"
        assert len(rows) == 2 and rows[1][0] == "山西晋岩水泥有限公司"
        assert rows[1][10] == "逾期报送" and rows[1][11] == "逾期未报" and rows[1][13] == "已批准，已核查"
        assert rows[1][14] == "审核中，逾期" and rows[1][15] == 9
        manager.get("/lang/en?back=/")
        english = manager.get("/ets/group?year=2025").text
        assert "Submitted late" in english and "Late, not submitted" in english and "Shanxi Jinyan Cement" in english
        assert "submitted_late" not in english.replace("g-submitted_late", "").replace('value="submitted_late"', "")


def test_no_code_reaches_the_group_in_either_language(group, web):
    from test_words_not_codes import leaks, page_text, xlsx_text
    with clock.reading(APRIL):
        manager = as_user(web, "gaof")
        for lang in ("zh", "en"):
            manager.get(f"/lang/{lang}?back=/")
            texts = [*page_text(manager.get("/ets/group?year=2025").content),
                     *page_text(manager.get("/ets/group?year=2026&state=late_unsubmitted").content),
                     *page_text(manager.get(f"/ets/group/{demo.PLANT}/2025-10").content)]
            workbook = xlsx_text(manager.get("/ets/group.xlsx?year=2025").content)
            assert "已批准，已核查" in workbook or "Approved, verified" in workbook
            assert leaks(texts, lang) == [] and leaks(workbook, lang) == []
            assert leaks(page_text("<p><span>late_unsubmitted</span></p>"), lang)  # the matcher sees ours


def test_the_grid_reads_as_many_statements_for_many_plants_as_for_few(group, web):
    engine = web.app.state.ctx.engine
    client = as_user(web, "gaof")
    statements = [0]

    def count(*_):
        statements[0] += 1

    def grow(start: int, n: int) -> None:
        with group("system:test") as s:
            parent = org.enterprise(s, demo.GROUP).id
            for k in range(start, start + n):
                plant = Enterprise(code=f"P{k:04d}", name_zh=f"成员水泥厂{k}", industry="cement", parent_id=parent)
                s.add(plant)
                s.flush()
                s.add(EtsProfile(enterprise_id=plant.id, sector="cement", listed_from=2024, items=[], updated_by="t"))
                month(s, plant.id, date(2025, 1 + k % 12, 1), "submitted", date(2025, 12, 1))
                report(s, plant.id, 2025, "draft")

    def measured() -> int:
        with clock.reading(APRIL):
            client.get("/ets/group?year=2025")  # the first view fills caches
            statements[0] = 0
            event.listen(engine, "before_cursor_execute", count)
            try:
                assert client.get("/ets/group?year=2025").status_code == 200
            finally:
                event.remove(engine, "before_cursor_execute", count)
        return statements[0]

    few = measured()
    grow(0, 5)
    five = measured()
    grow(5, 40)
    assert measured() == five == few
    with group("system:test") as s:
        assert len(s.exec(select(Person).where(Person.username == "gaof")).all()) == 1
