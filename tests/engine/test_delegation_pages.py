"""Standing in and handing a task on, as people do it in the browser (Debian chromium, zh and en, a phone for
the substitute). Screenshots under test-artifacts/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from improvement.test_nonconformity import analysed, planned, raised
from playwright.sync_api import expect
from test_browser import shot, sign_in, site  # noqa: F401  (the served demo plant)

from workflows.engine import clock

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_a_staff_member_away_names_a_substitute_who_does_the_action_on_a_phone_and_is_seen_to(site, page, plant):  # noqa: F811
    base, _ = site
    nc_id = raised(plant)
    analysed(plant, nc_id)
    planned(plant, nc_id, owners=("zhoul",))
    today = clock.today()
    sign_in(page, base, "zhoul")
    page.goto(f"{base}/tasks")
    form = page.locator("#delegation-form")
    form.locator("select[name=substitute]").select_option("yangf")
    form.locator("input[name=starts]").fill(today.isoformat())
    form.locator("input[name=ends]").fill((today + timedelta(days=3)).isoformat())
    form.locator("input[name=reason]").fill("外出参加计量培训")
    form.locator("button[type=submit]").click()
    page.locator("#standin-list td", has_text="杨帆").wait_for()
    assert "代理中" in page.inner_text("#standin-list")
    shot(page, "delegation-01-named-zh")
    page.click("#name-substitute summary")  # a second stand-in over the same days is refused beside its date
    form.locator("select[name=substitute]").select_option("sunt")
    form.locator("input[name=starts]").fill((today + timedelta(days=1)).isoformat())
    form.locator("input[name=ends]").fill((today + timedelta(days=5)).isoformat())
    form.locator("button[type=submit]").click()
    error = page.locator("input[name=starts] + .field-error")
    error.wait_for()
    assert "已有代理人" in error.inner_text() and "孙涛" not in page.inner_text("#standin-list")
    shot(page, "delegation-02-overlap-refused-zh", full=False)

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "yangf")
    page.goto(f"{base}/tasks")
    row = page.locator("#tasks tr", has_text="送检")
    assert "代 周磊" in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways
    shot(page, "delegation-03-substitute-inbox-phone-zh")
    row.locator("a").first.click()
    page.fill("input[name=comment]", "已送检，证书已归档")
    page.click("form.action button[type=submit]")
    page.locator("text=✓ 已送检，证书已归档").wait_for()
    shot(page, "delegation-04-done-for-zhoul-phone-zh")

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, "zhoul")
    page.goto(f"{base}/lang/en?back=/tasks")
    done = page.inner_text("#done-for-me")
    assert "Done on my behalf" in done and "杨帆" in done and "Report done" in done
    shot(page, "delegation-05-done-on-my-behalf-en")


def test_a_head_hands_a_task_on_with_a_reason_and_the_new_holder_sees_why(site, page, plant):  # noqa: F811
    base, _ = site
    nc_id = raised(plant)
    analysed(plant, nc_id)
    planned(plant, nc_id, owners=("yangf",))
    sign_in(page, base, "chenj")
    page.goto(f"{base}/tasks?scope=department")
    row = page.locator("#tasks tr", has_text="送检")
    row.locator("details.reassign summary").click()
    row.locator("select[name=assignee]").select_option("sunt")
    row.locator("input[name=reason]").fill("杨帆倒班，由采购主管送检")
    shot(page, "delegation-06-reassign-zh", full=False)
    row.locator("button[type=submit]").click()
    expect(page.locator("#tasks tr", has_text="送检")).to_have_count(0)  # no longer the department's
    sign_in(page, base, "sunt")
    page.goto(f"{base}/lang/en?back=/tasks")
    line = page.inner_text("#tasks .handover")
    assert "陈静" in line and "杨帆 → 孙涛" in line and "杨帆倒班" in line
    shot(page, "delegation-07-reassigned-history-en")
