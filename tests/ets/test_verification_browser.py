"""The carbon manager records the 2025 verification in a real browser (Debian chromium through Playwright), two
months into 2026: from the carbon-market page to the year's verification, refused beside the field when the end
comes before the start, then recorded; top management reads the surrender due on the verified figure on the assets
page and the verification behind it, in Chinese and in English. Screenshots are kept under test-artifacts/."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import Session, select
from test_browser import serving, shot, sign_in

from steward.context import Context
from steward.settings import load
from storage.models.ets import EtsVerification
from workflows.engine import clock

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
MIDYEAR = datetime(2026, 2, 28, 23, 30, tzinfo=timezone.utc)  # 1 March at the plant
VERIFIER = "晋融碳核查技术服务有限公司"


@pytest.fixture
def site(plant, db_url, tmp_path):
    with clock.reading(MIDYEAR):
        yield from serving(Context(load({"STEWARD_HOME": str(tmp_path / "home"), "STEWARD_DATABASE_URL": db_url})))


def test_the_carbon_manager_records_the_verification_and_top_management_reads_it(site, page, engine):
    base, _ = site
    sign_in(page, base, "lixf")
    page.click("nav a[href='/ets']")
    page.click("#ets-verifications a:text-is('2025')")
    page.wait_for_url(f"{base}/ets/reports/2025/verification")
    assert "未经核查" in page.inner_text("#not-verified")
    form = page.locator("#verification-form")
    form.locator("input[name=verifier]").fill(VERIFIER)
    form.locator("input[name=started_on]").fill("2026-01-12")
    form.locator("input[name=ended_on]").fill("2026-01-05")
    form.locator("input[name=verified]").fill("1212876.3")
    form.locator("textarea[name=findings]").fill("3 月一批次入厂煤低位发热量化验记录缺失，按缺省值补正")
    page.click("#verification-save")
    refused = form.locator(".field-error")
    refused.wait_for()
    assert "早于开始日期" in refused.inner_text()
    assert form.locator("input[name=ended_on] ~ .field-error, .date-field:has(input[name=ended_on]) .field-error") \
        .count() == 1  # beside the end date, what was typed kept
    assert form.locator("input[name=verifier]").input_value() == VERIFIER
    shot(page, "verification-1-refused-zh", full=False)
    form.locator("input[name=ended_on]").fill("2026-02-26")
    page.click("#verification-save")
    page.locator("#verified-t").wait_for()
    assert page.inner_text("#verified-t") == "1,212,876.3 t" and page.inner_text("#verifier") == VERIFIER
    assert "%" in page.inner_text("#difference")
    shot(page, "verification-2-recorded-zh")
    page.click("#verification-change summary")  # the verifier's corrected report: a change needs its reason
    page.locator("#verification-form input[name=verified]").fill("1212880.1")
    page.click("#verification-save")
    page.locator("#verification-form .field-error").wait_for()
    assert "原因" in page.inner_text("#verification-form .field-error")
    page.locator("#verification-form input[name=reason]").fill("核查机构出具更正版核查报告")
    page.click("#verification-save")
    page.locator("#verification-history").wait_for()
    assert "核查机构出具更正版核查报告" in page.inner_text("#verification-history")
    assert "1,212,876.3 t" in page.inner_text("#verification-history")  # what it replaced
    assert page.inner_text("#verified-t") == "1,212,880.1 t"
    shot(page, "verification-3-corrected-zh")
    with Session(engine) as s:
        assert s.exec(select(EtsVerification)).one().verified_tco2e == 1212880.1

    sign_in(page, base, "wangjg")
    page.goto(f"{base}/assets?year=2025")
    basis = page.inner_text("#due-basis")
    assert "核查量" in basis and VERIFIER in basis and "2026-02-26" in basis
    assert page.inner_text("#due h3") == "1,212,880 t"
    assert "核查量" in page.inner_text("#open-2025")
    shot(page, "verification-4-assets-top-management-zh")
    page.click("#due-basis a")
    page.wait_for_url(f"{base}/ets/reports/2025/verification")
    assert page.locator("#verification-form").count() == 0 and VERIFIER in page.inner_text("#verifier")
    page.click("#lang-switch")
    page.wait_for_url(f"{base}/ets/reports/2025/verification")
    assert "Verified emissions" in page.inner_text("main") and "Findings" in page.inner_text("main")
    shot(page, "verification-5-read-en")
    page.goto(f"{base}/assets?year=2025")
    assert "Verified" in page.inner_text("#due-basis")
    shot(page, "verification-6-assets-en")
