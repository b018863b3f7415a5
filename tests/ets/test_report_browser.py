"""The 2025 annual emission report in a real browser (Debian chromium through Playwright): the carbon manager opens it
from the carbon-market page, generates it and signs it for review; a department head reviews it; top management
approves it with the password from the same page and sees the signatures — then reads it in English.
Screenshots are kept under test-artifacts/."""

from __future__ import annotations

import pytest
from test_browser import serving, shot, sign_in

from steward.context import Context
from steward.demo import DEMO_PASSWORD as PW
from steward.settings import load

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def site(plant, db_url, tmp_path):
    yield from serving(Context(load({"STEWARD_HOME": str(tmp_path / "home"), "STEWARD_DATABASE_URL": db_url})))


def sign_step(page, trigger: str) -> None:
    form = page.locator(f"form[action$='/{trigger}']")
    form.locator("input[name=password]").fill(PW)
    form.locator("button[type=submit]").click()


def test_the_report_is_generated_reviewed_and_approved_by_top_management(site, page):
    base, _ = site
    sign_in(page, base, "lixf")
    page.click("nav a[href='/ets']")
    page.click("#ets-reports a[href='/ets/reports/2025']")
    page.wait_for_url(f"{base}/ets/reports/2025")
    assert page.inner_text("#covered-total") == "1,208,645.374" and "ICAP（官方原文）" in page.inner_text("#rule-source")
    page.click("#generate")
    page.locator("#document-link").wait_for()
    assert page.inner_text("#doc-state") == "草稿" and page.inner_text("#document-link") == "JYCEM-ER-001"
    sign_step(page, "submit")
    page.locator("#doc-state", has_text="待审核").wait_for()
    shot(page, "ets-report-1-submitted-zh")
    sign_in(page, base, "chenj")
    page.goto(f"{base}/documents/JYCEM-ER-001")
    sign_step(page, "review")
    page.locator("#doc-state", has_text="已审核").wait_for()
    sign_in(page, base, "wangjg")
    page.goto(f"{base}/ets/reports/2025")
    assert "3. 活动数据及来源" in page.inner_text("body") and "烟煤" in page.inner_text("#s-activity + div")
    form = page.locator("form[action$='/approve']")
    form.locator("input[name=password]").fill("wrong")
    form.locator("button[type=submit]").click()
    page.locator(".field-error, #error-message").first.wait_for()
    page.goto(f"{base}/ets/reports/2025")
    sign_step(page, "approve")
    page.locator("#doc-state", has_text="已批准").wait_for()
    signatures = page.inner_text("#signatures")
    assert "批准 王建国" in signatures and "审核 陈静" in signatures and "编制 李秀芳" in signatures
    shot(page, "ets-report-2-approved-zh")
    page.click("#lang-switch")
    page.wait_for_url(f"{base}/ets/reports/2025")
    body = page.inner_text("body")
    assert page.inner_text("#doc-state") == "Approved" and "Approved 王建国" in page.inner_text("#signatures")
    assert "Factors and their sources" in body and "Bituminous coal" in body and "bituminous_coal" not in body
    assert "(official text)" in page.inner_text("#rule-source") and "(credible transcription)" in body
    assert "[M]" not in body and "[H]" not in body  # how sure a source is, in words
    shot(page, "ets-report-3-approved-en")
