"""The carbon-market pages over HTTP: bad input gets its reason beside the field in the reader's language and
writes nothing; a role or another enterprise cannot reach what is not theirs; the download is one zip."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timezone

import pytest
from helpers import as_user, csrf
from sqlmodel import Session, func, select

from steward import demo
from storage.models import EtsEvidence, EtsMonth, EtsProfile
from workflows.engine import clock

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
HX = {"HX-Request": "true"}


@pytest.fixture
def lixf(web, plant):
    with plant("system:test") as s:
        demo.add_activity(s, demo.new_year(2))
    with clock.reading(datetime(2026, 2, 28, 23, 30, tzinfo=timezone.utc)):
        yield as_user(web, "lixf")


def count(engine, model) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_bad_uploads_and_values_are_named_beside_their_field_and_write_nothing(lixf, engine):
    token = csrf(lixf, "/ets/2026-01")
    form = {"csrf_token": token, "item": "coal_used"}
    fake = lixf.post("/ets/2026-01/evidence", data=form, files={"file": ("抄表单.pdf", b"MZ\x90\x00not a pdf")},
                     headers=HX)
    assert fake.status_code == 415 and fake.json()["field"] == "file" and "pdf" in fake.json()["message"]
    kind = lixf.post("/ets/2026-01/evidence", data=form, files={"file": ("run.exe", b"MZ")}, headers=HX)
    assert kind.status_code == 400 and "exe" in kind.json()["message"]
    negative = lixf.post("/ets/2026-01/value", data={**form, "amount": "-5", "note": "x"}, headers=HX)
    assert negative.json()["field"] == "value" and "不小于 0" in negative.json()["message"]
    infinite = lixf.post("/ets/2026-01/value", data={**form, "amount": "inf", "note": "x"}, headers=HX)
    assert infinite.json()["field"] == "amount"
    unknown = lixf.post("/ets/2026-01/value", data={**form, "item": "bituminous", "amount": "1", "note": "x"},
                        headers=HX)
    assert unknown.json()["field"] == "item"
    future = lixf.post("/ets/2027-05/value", data={**form, "amount": "1", "note": "x"}, headers=HX)
    assert future.json()["field"] == "month" and "尚未开始" in future.json()["message"]
    before = lixf.post("/ets/2023-05/value", data={**form, "amount": "1", "note": "x"}, headers=HX)
    assert "2024" in before.json()["message"]  # the plant joined the list with its 2024 data
    lacking = lixf.post("/ets/2026-01/submit", data={"csrf_token": token, "receipt": "R1", "password": demo.DEMO_PASSWORD},
                        headers=HX)
    assert lacking.status_code == 409 and "燃煤消耗量（计量抄表单）" in lacking.json()["message"]
    forged = lixf.post("/ets/2026-01/value", data={**form, "csrf_token": "forged", "amount": "1", "note": "x"})
    assert forged.status_code == 403
    assert count(engine, EtsEvidence) == 0 and count(engine, EtsMonth) == 0  # nothing half-written
    assert lixf.get("/ets/2026-13").status_code == 400 and lixf.get("/ets/abc").status_code == 400
    lixf.get("/lang/en?back=/")
    english = lixf.post("/ets/2026-01/value", data={**form, "amount": "-5", "note": "x"}, headers=HX)
    assert "must be a finite number, not negative" in english.json()["message"]


def test_the_page_the_download_and_who_may_do_what(lixf, web, engine, plant):
    token = csrf(lixf, "/ets/2026-01")
    page = lixf.get("/ets/2026-01").text
    assert "熟料产量" in page and "剩余天数 11" in page and "clinker_output" not in page.replace('"i-clinker_output"', "") \
        .replace('value="clinker_output"', "")
    kept = lixf.post("/ets/2026-01/evidence", data={"csrf_token": token, "item": "clinker_output"},
                     files={"file": ("3月生产报表.pdf", b"%PDF-1.4\n%%EOF\n")}, follow_redirects=False)
    assert kept.status_code == 303
    with Session(engine) as s:
        evidence = s.exec(select(EtsEvidence)).one()
    assert lixf.get(f"/ets/2026-01/evidence/{evidence.id}").content.startswith(b"%PDF")
    bundle = lixf.get("/ets/2026-01/package.zip")
    assert "JYCEM_2026-01.zip" in bundle.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as zf:
        assert sorted(zf.namelist()) == ["JYCEM_2026-01_月度数据.xlsx", "evidence/JYCEM_2026-01_熟料产量_1.pdf"]
    auditor = as_user(web, "zhaom")  # reads the month, may not upload or submit
    assert auditor.get("/ets/2026-01").status_code == 200
    refused = auditor.post("/ets/2026-01/submit", data={"csrf_token": csrf(auditor, "/ets"), "receipt": "R",
                                                        "password": demo.DEMO_PASSWORD})
    assert refused.status_code == 403
    assert as_user(web, "yangf").get("/ets/2026-01").status_code == 403  # staff: not their page
    from workflows.people import organisation as org
    with plant("system:test") as s:
        org.add(s, "person", {"code": "E002", "name": "范婷", "username": "fant", "roles": ["carbon_manager"]},
                enterprise_ref=demo.SISTER)
        from storage.models import Person
        from workflows.engine.credentials import hash_password
        sister = s.exec(select(Person).where(Person.username == "fant")).one()
        sister.password_hash = hash_password(demo.DEMO_PASSWORD)
        s.add(sister)
    other = as_user(web, "fant")
    assert other.get(f"/ets/2026-01/evidence/{evidence.id}").status_code == 404  # another enterprise's file
    assert "尚未登记" in other.get("/ets").text
    saved = other.post("/ets/profile", data={"csrf_token": csrf(other, "/ets"), "sector": "aluminium",
                                             "listed_from": "2024", "deadline_days": "20"}, follow_redirects=False)
    assert saved.status_code == 303 and count(engine, EtsProfile) == 2
    assert "阳极效应持续时间" in other.get("/ets").text


def test_the_sectors_first_months_are_due_together_and_its_first_listed_year_has_no_monthly_upload(lixf, web):
    """Cement (on the list from data year 2024) uploads month by month from July 2025; January–June 2025 were due
    together on 31 October 2025, and 2024 was reported for the year only: no month of it is owed or late."""
    from accounting import ets_monthly
    assert ets_monthly.deadline(date(2025, 3, 1), 40, "cement") == date(2025, 10, 31)
    assert ets_monthly.deadline(date(2025, 7, 1), 40, "cement") == date(2025, 9, 9)  # 31 July + 40 days
    assert ets_monthly.deadline(date(2025, 3, 1), 40, "power") == date(2025, 5, 10)  # power: every month by itself
    assert ets_monthly.first_month("cement", 2024) == date(2025, 1, 1)
    assert ets_monthly.first_month("power", 2021) == date(2021, 1, 1)
    assert ets_monthly.first_month("cement", 2026) == date(2026, 1, 1)
    year = lixf.get("/ets?year=2025").text
    assert "2025-10-31" in year and "2025-03-12" not in year
    assert "本行业逐月上传自 2025-07；此前自 2025-01 起的月份一并补填，截止 2025-10-31" in year  # the rule, with its source
    earlier = lixf.get("/ets?year=2024").text
    assert "本行业按月报送的第一个月：2025-01" in earlier and 'id="m-2024-' not in earlier
    assert 'href="/ets/reports/2024/verification"' in earlier  # the year's report is still reached from here
    refused = lixf.get("/ets/2024-05")
    assert refused.status_code == 400 and "2025-01 起按月上传" in refused.text
    lixf.get("/lang/en?back=/")
    assert "first monthly upload: 2025-01; earlier years are reported for the year only" in lixf.get("/ets?year=2024").text
    lixf.get("/lang/zh?back=/")
    grid = as_user(web, "gaof").get("/ets/group?year=2024").text
    plant_row = grid[grid.index("山西晋岩水泥有限公司"):].split("</tr>")[0]
    assert plant_row.count("仅报年度") == 12 and "g-late_unsubmitted" not in plant_row
