"""The data-quality control plan generated from the data (8.1.1) and checked against reality (8.1.3)."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
from helpers import act, plant_id
from sqlmodel import Session, select

from storage.errors import StewardError
from storage.models import ActivityRecord, Document, Revision
from workflows.accounting import dq_plan

MB = 1 << 20


def test_the_plan_is_a_controlled_draft_listing_facilities_sources_and_meters(plant, engine, store):
    rev = act(plant, "lixf", lambda s, a: dq_plan.generate(s, a, 2025, store, 50 * MB))
    with Session(engine) as s:
        doc = s.exec(select(Document).where(Document.doc_type == "dq_plan")).one()
        assert doc.number == "JYCEM-DQ-001" and s.get(Revision, rev.id).state == "draft"
        sha = s.get(Revision, rev.id).file_sha256
    cells = "\n".join(c.text for t in docx.Document(io.BytesIO(store.read(sha))).tables for r in t.rows for c in r.cells)
    assert "F-KL01" in cells and "M-W001" in cells and "0.5" in cells and "企业实测" in cells


def test_the_check_names_what_no_longer_matches(plant, engine, store):
    act(plant, "lixf", lambda s, a: dq_plan.generate(s, a, 2025, store, 50 * MB))
    with plant("system:test") as s:
        items = {i["clause"]: i for i in dq_plan.check(s, plant_id(s), 2025, today=date(2026, 11, 25))}
        assert items["8.1.3a"]["ok"] and items["8.1.3b"]["ok"] and items["8.1.3c"]["ok"] and items["8.1.3e"]["ok"]
        assert not items["8.1.3d"]["ok"] and "M-E021" in items["8.1.3d"]["details"]  # calibration overdue in the demo
        row = s.exec(select(ActivityRecord).where(ActivityRecord.material == "diesel",
                                                  ActivityRecord.period == date(2025, 9, 1))).one()
        row.source = "default"
        s.add(row)
    with plant("system:test") as s:
        items = {i["clause"]: i for i in dq_plan.check(s, plant_id(s), 2025, today=date(2026, 11, 25))}
        assert not items["8.1.3c"]["ok"] and items["8.1.3c"]["details"][0] == (
            "F-MV01 化石燃料燃烧 Fossil-fuel combustion / 柴油 Diesel: 实测 Measured → 缺省值 Default value + 实测 Measured")
        assert not items["8.1.3f"]["ok"]


def test_no_plan_no_check_and_no_data_no_plan(plant, store):
    with pytest.raises(StewardError, match="No data-quality plan"):
        with plant("system:test") as s:
            dq_plan.check(s, plant_id(s), 2025)
    with pytest.raises(StewardError, match="No activity data for 2019"):
        act(plant, "lixf", lambda s, a: dq_plan.generate(s, a, 2019, store, 50 * MB))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_accounting_page_hands_out_the_survey_report_and_writes_the_plan_into_its_document(web, plant):
    """Both reports of 6.1.1 and 8.1 are had from the accounting page, never only from the CLI."""
    from helpers import as_user, csrf

    from workflows.accounting import runs
    year = act(plant, "lixf", lambda s, a: runs.run_as(s, a, 2025).year)
    lixf = as_user(web, "lixf")
    page = lixf.get("/accounting").text
    assert f'href="/accounting/{year}/survey.docx"' in page and 'id="dq-plan-form"' in page
    word = lixf.get(f"/accounting/{year}/survey.docx")
    assert word.status_code == 200 and "status-survey.docx" in word.headers["content-disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert f"{year}" in text and "现状调查" in text
    assert lixf.get("/accounting/1999/survey.docx").status_code == 404  # no run, said so
    made = lixf.post("/accounting/dq-plan", data={"year": year, "csrf_token": csrf(lixf, "/accounting")},
                     follow_redirects=False)
    number = made.headers["location"].rsplit("/", 1)[1]
    document = lixf.get(f"/documents/{number}").text
    assert "碳排放数据质量控制计划" in document and f"/documents/{number}/file" in document
    viewer = as_user(web, "qianc")
    assert 'id="dq-plan-form"' not in viewer.get("/accounting").text
