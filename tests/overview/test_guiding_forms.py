"""Forms that guide (issue 33), walked in the browser: the NC action owner defaults to the head of the department
the NC concerns, the rejecting button is the secondary one, dates read as the page's language writes them, and on
a phone (390 px) a person's own tasks come before the charts with no table pushing the page sideways."""

from __future__ import annotations

import pytest
from documents.test_documents import PW, fire, new_draft
from helpers import plant_id
from test_browser import shot, sign_in, site  # noqa: F401  (the served demo plant)

from storage.models import Nonconformity, Person
from workflows.improvement import nonconformity as ncs

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def analysed_nc(plant, owner: str | None) -> str:
    from improvement.test_nonconformity import analysed
    with plant("system:test") as s:
        from sqlmodel import select
        person = s.exec(select(Person).where(Person.username == owner)).one() if owner else None
        nc = ncs.raise_nc(s, plant_id(s), source="audit", clause_id="8.3c", title="M-E021 检定过期", raised_by="zhaom",
                          owner=person)
        nc_id, number = nc.id, nc.number
    analysed(plant, nc_id)
    return number


def test_an_nc_action_falls_to_the_head_of_the_department_it_concerns_not_the_general_manager(site, page, plant):  # noqa: F811
    base, _ = site
    metering, unowned = analysed_nc(plant, "zhoul"), analysed_nc(plant, None)
    sign_in(page, base, "lixf")
    page.goto(f"{base}/nonconformities/{metering}")
    owner = page.locator("#action-rows select[name=owner]").first
    assert owner.locator("option:checked").inner_text() == "刘洋"  # head of 周磊's department, 设备动力部
    shot(page, "guide-01-nc-owner-head-zh", full=False)
    page.goto(f"{base}/nonconformities/{unowned}")
    assert page.locator("#action-rows select[name=owner] option:checked").first.inner_text() == "李秀芳"


def test_the_send_back_button_is_secondary_beside_the_primary_decision(site, page, plant):  # noqa: F811
    base, ctx = site
    rev_id = new_draft(plant, ctx.files)  # the served site's own store, so the page finds the file it signed
    fire(plant, "lixf", rev_id, "submit", password=PW)
    with plant("reader") as s:
        from storage.models import Document, Revision
        number = s.get(Document, s.get(Revision, rev_id).document_id).number
    sign_in(page, base, "zhaom")
    page.goto(f"{base}/documents/{number}")
    review = page.locator("form.action", has=page.locator("button", has_text="审核")).locator("button").last
    back = page.locator("form.action", has=page.locator("button", has_text="退回修改")).locator("button")
    assert "secondary" not in (review.get_attribute("class") or "")
    assert "secondary" in (back.get_attribute("class") or "")
    shot(page, "guide-02-one-primary-zh", full=False)


def test_dates_read_in_the_pages_language_and_a_phone_shows_ones_tasks_first_with_nothing_sideways(site, page, plant):  # noqa: F811
    base, _ = site
    analysed_nc(plant, "yangf")
    with plant("system:test") as s:
        from sqlmodel import select
        nc = s.exec(select(Nonconformity)).one()
        nc_number = nc.number
    from improvement.test_nonconformity import planned
    planned(plant, nc.id, owners=("yangf",))
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "yangf")
    mine, chart = page.locator("#my-work").bounding_box(), page.locator("#intensity-chart").bounding_box()
    assert mine["y"] < chart["y"] and "送检" in page.inner_text("#dashboard-tasks")
    shot(page, "guide-03-phone-dashboard-tasks-first-zh", full=False)
    for path in ("/", "/tasks", f"/nonconformities/{nc_number}", "/accounting", "/documents"):
        page.goto(f"{base}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path  # tables scroll in their box
    page.goto(f"{base}/tasks")
    if not page.locator("#delegation-form").is_visible():
        page.click("#name-substitute summary")
    starts = page.locator("#delegation-form input[name=starts]")
    assert (starts.get_attribute("type"), starts.get_attribute("placeholder")) == ("text", "年-月-日")
    shot(page, "guide-04-date-zh-phone", full=False)
    page.goto(f"{base}/lang/en?back=/tasks")
    if not page.locator("#delegation-form").is_visible():
        page.click("#name-substitute summary")
    starts = page.locator("#delegation-form input[name=starts]")
    assert starts.get_attribute("placeholder") == "YYYY-MM-DD"
    starts.fill("2031-02-30")  # no such day: refused beside the field, in English
    page.locator("#delegation-form input[name=ends]").fill("2031-03-05")
    page.locator("#delegation-form select[name=substitute]").select_option("sunt")
    page.locator("#delegation-form button[type=submit]").click()
    error = page.locator("#delegation-form input[name=starts] + .field-error")
    error.wait_for()
    assert "YYYY-MM-DD" in error.inner_text()
    shot(page, "guide-05-date-en-phone", full=False)
