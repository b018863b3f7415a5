"""The carbon manager prepares and submits a carbon-market month in a real browser (Debian chromium through
Playwright): opens the month from the menu, types the values the data do not give, uploads each item's evidence,
is refused while one is missing, signs with the password and the platform's receipt, and sees it submitted — in
Chinese, then in English. Screenshots are kept under test-artifacts/."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session, select
from test_browser import serving, shot, sign_in

from steward import demo
from steward.context import Context
from steward.demo import DEMO_PASSWORD as PW
from steward.settings import load
from storage.models import ActivityRecord, EtsEvidence, EtsMonth
from workflows.engine import clock

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
MIDYEAR = datetime(2026, 2, 28, 23, 30, tzinfo=timezone.utc)  # 1 March at the plant


@pytest.fixture
def site(plant, db_url, tmp_path):
    with plant("system:test") as s:
        demo.add_activity(s, demo.new_year(2))
    with clock.reading(MIDYEAR):
        yield from serving(Context(load({"STEWARD_HOME": str(tmp_path / "home"), "STEWARD_DATABASE_URL": db_url})))


def test_the_carbon_manager_uploads_the_evidence_and_signs_the_month_as_submitted(site, page, engine, tmp_path,
                                                                                   plant):
    base, _ = site
    sign_in(page, base, "lixf")
    page.click("nav a[href='/ets']")
    page.click("#m-2026-01 a")
    page.wait_for_url(f"{base}/ets/2026-01")
    assert page.inner_text("#ets-state") == "待补齐" and "剩余天数 11" in page.inner_text("#days-left")
    assert "燃煤低位发热量" in page.inner_text("#ets-lacking")
    for item, value in (("coal_ncv", "23.1"), ("coal_carbon", "0.02655")):  # no measured value in force for 2026
        row = page.locator(f"#i-{item}")
        row.locator("summary").click()
        row.locator("input[name=amount]").fill(value)
        row.locator("input[name=note]").fill("1 月入厂煤化验月报")
        row.locator("button", has_text="保存").click()
        page.locator(f"#i-{item}", has_text="月度填报：1 月入厂煤化验月报").wait_for()  # the page again, with its source
    items = page.eval_on_selector_all("#ets-lines tbody tr", "rows => rows.map(r => r.id.slice(2))")
    names = {item: tmp_path / f"scan-{n}.pdf" for n, item in enumerate(items, 1)}  # as a scanner names them
    for item in items:
        body = names[item]
        body.write_bytes(b"%PDF-1.4\n% " + item.encode() + b"\n%%EOF\n")
        if item == "clinker_mgo":
            continue  # one left out: the submission is refused by its name
        page.locator(f"#i-{item} input[type=file]").set_input_files(str(body))
        page.locator(f"#i-{item} button", has_text="上传").click()
        page.locator(f"#i-{item} ul.files a").first.wait_for()
    page.fill("#ets-submit input[name=receipt]", "CETS-202601-0042")
    page.fill("#ets-submit input[name=password]", PW)
    page.click("#ets-sign")
    refused = page.locator("#ets-submit .field-error")
    refused.wait_for()
    assert "熟料中氧化镁含量（化验报告）" in refused.inner_text()
    shot(page, "ets-1-refused-zh", full=False)
    page.locator("#i-clinker_mgo input[type=file]").set_input_files(str(names["clinker_mgo"]))
    page.locator("#i-clinker_mgo button", has_text="上传").click()
    page.locator("#i-clinker_mgo ul.files a").first.wait_for()
    assert page.inner_text("#ets-state") == "待报送"
    page.fill("#ets-submit input[name=receipt]", "CETS-202601-0042")
    page.fill("#ets-submit input[name=password]", PW)
    page.click("#ets-sign")
    page.locator("#ets-correct").wait_for()
    assert page.inner_text("#ets-state") == "已报送" and page.inner_text("#ets-receipt") == "CETS-202601-0042"
    assert "李秀芳" in page.inner_text("#ets-status") and page.locator("#ets-submit").count() == 0
    shot(page, "ets-2-submitted-zh")
    page.click("#lang-switch")
    page.wait_for_url(f"{base}/ets/2026-01")
    assert page.inner_text("#ets-state") == "Submitted" and "Clinker produced" in page.inner_text("#ets-lines")
    assert "bituminous_coal" not in page.inner_text("body") and "clinker_output" not in page.inner_text("body")
    shot(page, "ets-3-submitted-en")
    page.goto(f"{base}/ets")
    assert "Submitted" in page.inner_text("#m-2026-01") and "CETS-202601-0042" in page.inner_text("#m-2026-01")
    shot(page, "ets-4-months-en")
    with Session(engine) as s:
        row = s.exec(select(EtsMonth)).one()
        assert (row.state, row.receipt) == ("submitted", "CETS-202601-0042")
        assert len(s.exec(select(EtsEvidence)).all()) == len(items)
    with plant("system:test") as s:  # January's clinker raised by 5,000 t after the submission
        clinker = s.exec(select(ActivityRecord).where(ActivityRecord.period == date(2026, 1, 1),
                                                      ActivityRecord.material == "clinker")).first()
        clinker.quantity += 5000
        s.add(clinker)
    page.goto(f"{base}/ets/2026-01")
    changed = page.locator("#ets-changed")
    assert "Clinker produced" in changed.inner_text() and "submitted" in changed.inner_text()
    assert page.inner_text("#ets-state") == "Submitted"  # what the platform has, until a correction
    shot(page, "ets-5-changed-since-submission-en")
