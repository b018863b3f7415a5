"""The carbon manager in a real browser: uploads the monitoring system's readings export, sees the month's
meter beyond its accuracy, opens the meter's daily curve and its finding, records a coal assay (a percentage
caught beside its field first); in Chinese and in English, with screenshots kept under test-artifacts/."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from test_browser import shot, sign_in, site  # noqa: F401  (the served demo plant)
from test_readings import MONTH, as_csv, coal_in, hourly

from storage.models import DataAnomaly, FuelAssay

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_the_carbon_manager_uploads_readings_and_an_assay_and_sees_the_curve_and_the_finding(site, page, engine,  # noqa: F811
                                                                                              tmp_path):
    base, _ = site
    coal = coal_in(engine)
    export = as_csv(hourly(coal * 1.03), tmp_path, "能源在线监测-2025-11.csv")
    report = tmp_path / "JZ-2025-1106.pdf"
    report.write_bytes(b"%PDF-1.4 coal assay report")
    sign_in(page, base, "lixf")
    page.goto(f"{base}/accounting")
    page.click("#daily-data >> text=计量读数")
    page.set_input_files("#import-readings input[name=file]", str(export))
    page.click("#import-readings button[type=submit]")
    row = page.locator("#r-M-W001")
    row.wait_for()
    assert "超出准确度" in row.inner_text() and "+3.00%" in row.inner_text()
    shot(page, "32-readings-imported-zh")
    row.locator("a").click()
    page.wait_for_selector("#day-chart canvas")
    findings = page.locator("#meter-findings").inner_text()
    assert f"{coal:,.3f}" in findings and "超出其准确度 ±0.5%" in findings
    shot(page, "32-meter-curve-zh")
    page.goto(f"{base}/assays")
    form = page.locator("#record-assay form")
    form.locator("input[name=sampled_on]").fill(f"{MONTH:%Y-%m}-06")
    form.locator("input[name=quantity]").fill("3000")
    form.locator("input[name=ncv]").fill("22.1")
    form.locator("input[name=carbon_content]").fill("58")
    form.locator("input[name=lab]").fill("晋中煤质检测中心")
    form.locator("input[name=report]").set_input_files(str(report))
    form.locator("button[type=submit]").click()
    hint = page.locator("#error-carbon_content")
    hint.wait_for()
    assert "0.58" in hint.inner_text() and page.locator("input[name=lab]").input_value() == "晋中煤质检测中心"
    shot(page, "32-assay-percentage-caught-zh", full=False)
    form = page.locator("#record-assay form")
    form.locator("input[name=carbon_content]").fill("0.58")
    form.locator("input[name=report]").set_input_files(str(report))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#assays >> text=JZ-2025-1106.pdf")
    assert "22.100" in page.locator("#assay-months").inner_text()
    shot(page, "32-assay-recorded-zh")
    page.goto(f"{base}/lang/en")
    page.goto(f"{base}/meters/M-W001?month={MONTH:%Y-%m}")
    page.wait_for_selector("#day-chart canvas")
    assert "beyond its ±0.5% accuracy" in page.locator("#meter-findings").inner_text()
    assert "Daily use" in page.content()
    shot(page, "32-meter-curve-en")
    page.goto(f"{base}/readings?month={MONTH:%Y-%m}")
    assert "Beyond its accuracy" in page.locator("#r-M-W001").inner_text()
    shot(page, "32-readings-en")
    page.goto(f"{base}/assays")
    shot(page, "32-assays-en")
    with Session(engine) as s:
        assert s.exec(select(DataAnomaly).where(DataAnomaly.kind == "meter_mismatch")).one().expected == \
            pytest.approx(coal)
        assert len(s.exec(select(FuelAssay)).all()) == 1
