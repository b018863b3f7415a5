"""The carbon manager's pages for daily data: a readings file uploaded on the readings page (refused rows listed
with their reasons), the meter page with its daily curve and the month's finding, the assay form (a percentage
caught beside its field, everything typed kept), and the API push from the monitoring system."""

from __future__ import annotations

import codecs
import json
import re

import pytest
from fastapi.testclient import TestClient
from helpers import as_user, csrf
from sqlmodel import Session, func, select
from test_readings import MONTH, as_csv, coal_in, hourly

from storage.models import FuelAssay, ReadingBatch

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def upload(client, path, name=None):
    return client.post("/readings/import", files={"file": (name or path.name, path.read_bytes(), "text/csv")},
                       data={"csrf_token": csrf(client, "/readings")}, follow_redirects=True)


def test_an_upload_shows_the_months_reconciliation_and_the_meter_its_curve_and_finding(web, engine, tmp_path):
    lixf = as_user(web, "lixf")
    coal = coal_in(engine)
    answer = upload(lixf, as_csv(hourly(coal * 1.03), tmp_path))
    assert answer.status_code == 200 and 'id="r-M-W001" class="overdue"' in answer.text
    assert f"{coal:,.3f}" in answer.text and f"{coal * 1.03:,.3f}" in answer.text and "+3.00%" in answer.text
    meter = lixf.get(f"/meters/M-W001?month={MONTH:%Y-%m}")
    chart = json.loads(re.search(r'<script type="application/json" id="day-data">(.*?)</script>', meter.text).group(1))
    assert len(chart["days"]) == 30 and chart["days"][0] == "2025-11-01"
    assert sum(chart["values"]) == pytest.approx(coal * 1.03, rel=1e-4)
    assert "超出其准确度 ±0.5%" in meter.text and "id=\"meter-findings\"" in meter.text
    lixf.get("/lang/en")
    english = lixf.get(f"/meters/M-W001?month={MONTH:%Y-%m}").text
    assert "beyond its ±0.5% accuracy" in english and "Daily use" in english
    assert lixf.get("/meters/NOPE").status_code == 404


def test_a_refused_file_lists_its_rows_on_the_page_and_nothing_is_kept(web, engine, tmp_path):
    lixf = as_user(web, "lixf")
    rows = hourly(100.0)
    rows[4][2] = -3
    answer = upload(lixf, as_csv(rows, tmp_path))
    assert answer.status_code == 422 and "第 6 行「-3.0」：用量为负" in answer.text
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(ReadingBatch)).one() == 0


@pytest.mark.parametrize("content", [b"", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\r\n", b"   \n"])
def test_an_empty_file_or_a_lone_bom_is_refused_by_name(web, engine, tmp_path, content):
    lixf = as_user(web, "lixf")
    path = tmp_path / "readings.csv"
    path.write_bytes(content)
    answer = upload(lixf, path)
    assert answer.status_code in (400, 422) and ("缺少列" in answer.text or "空" in answer.text), answer.text[-400:]
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(ReadingBatch)).one() == 0


def test_the_template_downloads_with_this_plants_meters(web):
    from io import BytesIO

    from openpyxl import load_workbook
    book = load_workbook(BytesIO(as_user(web, "lixf").get("/readings/template.xlsx").content))
    assert [c.value for c in book.worksheets[0][1]][:3] == ["计量器具编号 Meter", "时间 Time", "用量 Amount"]
    assert "M-W001" in [r[0] for r in book["计量器具 Meters"].iter_rows(values_only=True)]


def test_an_assay_with_a_percentage_comes_back_with_the_fraction_suggested_and_then_is_kept(web, engine):
    lixf = as_user(web, "lixf")
    form = {"material": "bituminous_coal", "sampled_on": "2025-11-06", "quantity": "3000", "ncv": "22.1",
            "carbon_content": "58", "ash": "0.2", "moisture": "0.08", "lab": "晋中煤质检测中心"}
    bad = lixf.post("/assays", data={**form, "csrf_token": csrf(lixf, "/assays")},
                    files={"report": ("JZ-1106.pdf", b"%PDF-1.4 x", "application/pdf")})
    assert bad.status_code == 422 and 'id="error-carbon_content"' in bad.text and "是否要填 0.58" in bad.text
    assert 'value="晋中煤质检测中心"' in bad.text
    good = lixf.post("/assays", data={**form, "carbon_content": "0.58", "csrf_token": csrf(lixf, "/assays")},
                     files={"report": ("JZ-1106.pdf", b"%PDF-1.4 x", "application/pdf")}, follow_redirects=True)
    assert good.status_code == 200 and "JZ-1106.pdf" in good.text and "22.100" in good.text
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(FuelAssay)).one() == 1


def test_the_monitoring_system_pushes_readings_through_the_api(web, engine):
    client = as_user(web, "lixf")
    page = client.post("/settings/token", data={"name": "能源在线监测", "scope": "activity",
                                                "csrf_token": csrf(client, "/settings")})
    token = re.search(r'<pre id="token">([^<]+)</pre>', page.text).group(1)
    api, auth = TestClient(web.app), {"Authorization": f"Bearer {token}"}
    rows = [{"meter": "M-E001", "time": f"2025-11-01 {h:02d}:00", "amount": 12.5, "counter": 100 + h} for h in range(24)]
    done = api.post("/api/v1/readings", json={"rows": rows}, headers=auth)
    assert done.status_code == 201 and done.json()["imported"] == 24 and done.json()["months"] == ["2025-11"]
    back = [{**rows[0], "time": "2025-11-02 00:00", "counter": 200}, {**rows[0], "time": "2025-11-02 01:00",
                                                                     "counter": 150}]
    refused = api.post("/api/v1/readings", json={"rows": back}, headers=auth)
    assert refused.status_code == 400 and refused.json()["details"][0]["kind"] == "backwards"
    assert refused.json()["details"][0]["row"] == 3
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(ReadingBatch)).one() == 1
