"""Maker-checker in the browser: the operator types a month on a phone and is told it waits; the carbon manager
sees what waits on the accounting page and confirms it with one click (zh and en)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select
from test_browser import shot, sign_in, site  # noqa: F401  (the served demo plant)

from storage.models import ActivityRecord

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_a_typed_figure_waits_on_the_accounting_page_and_one_click_confirms_it(site, page, engine):  # noqa: F811
    base, _ = site
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "yangf")
    page.goto(f"{base}/accounting")
    page.click("#entry-box summary")
    form = page.locator("#entry-form")
    form.locator("input[name=period]").fill("2026-01")
    form.locator("select[name=facility]").select_option("F-BL01")
    form.locator("select[name=category]").select_option("fuel_combustion")
    form.locator("select[name=material]").select_option(label="汽油")
    form.locator("input[name=quantity]").fill("2.5")
    form.locator("select[name=unit]").select_option("t")
    form.locator("button[type=submit]").click()
    page.locator("#awaits-confirmation").wait_for()
    assert "待碳排放管理员确认" in page.inner_text("#imported")
    page.locator("#imported").scroll_into_view_if_needed()
    shot(page, "confirm-01-typed-waits-phone-zh", full=False)

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, "zhangw")
    page.goto(f"{base}/lang/en?back=/accounting")
    waiting = page.locator("#waiting")
    assert "杨帆" in waiting.inner_text() and "Typed in" in waiting.inner_text() and "2026-01" in waiting.inner_text()
    waiting.scroll_into_view_if_needed()
    shot(page, "confirm-02-waiting-en", full=False)
    page.goto(f"{base}/lang/zh?back=/accounting")
    page.locator("#waiting button.confirm-batch").click()
    page.wait_for_url(f"{base}/accounting*")
    expect(page.locator("#waiting-batches")).to_have_count(0)
    assert "没有待确认的数据" in page.inner_text("#waiting")
    shot(page, "confirm-03-confirmed-zh", full=False)
    with Session(engine) as s:
        row = s.exec(select(ActivityRecord).where(ActivityRecord.material == "gasoline",
                                                  ActivityRecord.facility_id.is_not(None))).all()
        assert [(r.quantity, r.pending) for r in row if str(r.period) == "2026-01-01"] == [(2.5, False)]
