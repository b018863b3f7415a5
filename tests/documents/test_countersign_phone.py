"""Countersigning on a phone (390 px, issue 33): the carbon manager sets a document type's countersigners, each
countersigner signs or rejects from the document page, and the author reads who decided what. No table pushes the
page sideways (each scrolls inside its box), and each decision has one primary button, the rejecting one secondary."""

from __future__ import annotations

import pytest
from documents.test_documents import PW, fire, new_draft
from test_browser import shot, sign_in, site  # noqa: F401  (the served demo plant)

from storage.models import Document, Revision

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
PHONE = {"width": 390, "height": 844}
REASON = "第 5.2 条检定周期与 JJG 1000-2005 不符，且未写明计量器具台账由谁更新、多久核对一次"


def nothing_sideways(page, where: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], where


def fits(page, selector: str) -> None:
    """The element lies within the screen's width (a wide table scrolls inside it instead)."""
    box = page.locator(selector).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5, selector


def test_countersign_settings_on_a_phone_per_document_type(site, page, plant):  # noqa: F811
    base, _ = site
    page.set_viewport_size(PHONE)
    sign_in(page, base, "lixf")
    page.goto(f"{base}/countersign")
    nothing_sideways(page, "/countersign")
    fits(page, "#countersign-types")
    page.locator("#countersign-types a", has_text="作业指导书").click()  # the page for one document type
    page.wait_for_url("**/countersign?doc_type=*")
    assert "作业指导书" in page.inner_text("#editing")
    page.locator("input[name=people][value=zhoul]").check()
    page.locator("input[name=departments][value=EQP]").check()
    page.click("#save-countersign")
    page.wait_for_url("**saved=1")
    assert page.inner_text("#countersign-saved") == "会签设置已保存"
    row = page.locator("#countersign-types tr", has_text="作业指导书")
    assert "周磊" in row.inner_text() and "设备动力部" in row.inner_text()
    nothing_sideways(page, "/countersign after saving")
    fits(page, "#countersign-types")
    fits(page, "#save-countersign")
    shot(page, "countersign-phone-01-settings-zh")
    page.goto(f"{base}/lang/en?back=/countersign?doc_type=procedure")
    assert "Management procedure" in page.inner_text("#editing")
    nothing_sideways(page, "/countersign in English")
    shot(page, "countersign-phone-02-settings-en")


def test_countersigning_a_document_on_a_phone(site, page, plant):  # noqa: F811
    base, ctx = site
    page.set_viewport_size(PHONE)
    sign_in(page, base, "lixf")
    page.goto(f"{base}/countersign?doc_type=procedure")
    page.locator("input[name=people][value=zhoul]").check()
    page.locator("input[name=departments][value=EQP]").check()
    page.click("#save-countersign")
    page.wait_for_url("**saved=1")
    rev_id = new_draft(plant, ctx.files)
    fire(plant, "lixf", rev_id, "submit", password=PW)
    with plant("reader") as s:
        number = s.get(Document, s.get(Revision, rev_id).document_id).number

    sign_in(page, base, "zhoul")  # a countersigner: one primary button to sign, the rejecting one secondary
    page.goto(f"{base}/documents/{number}")
    nothing_sideways(page, "the countersigner's document page")
    sign, reject = page.locator("#countersign-sign"), page.locator("#countersign-reject")
    assert "secondary" not in (sign.get_attribute("class") or "") and "secondary" in (reject.get_attribute("class") or "")
    primaries = page.locator("#my-countersign button:not(.secondary)")
    assert primaries.count() == 1
    fits(page, "#my-countersign")
    page.locator("#my-countersign").scroll_into_view_if_needed()
    shot(page, "countersign-phone-03-to-sign-zh", full=False)
    page.fill("#my-countersign input[name=password]", PW)
    sign.click()
    page.locator("#my-countersign").wait_for(state="detached")
    assert "已会签" in page.locator("#countersign tr", has_text="周磊").inner_text()
    assert page.locator("#my-countersign").count() == 0

    sign_in(page, base, "liuy")  # the head of 设备动力部 rejects, with a long reason
    page.goto(f"{base}/documents/{number}")
    page.fill("#my-countersign input[name=comment]", REASON)
    page.click("#countersign-reject")
    page.locator("#my-countersign").wait_for(state="detached")

    sign_in(page, base, "lixf")  # the author reads who decided what
    page.goto(f"{base}/documents/{number}")
    row = page.locator("#countersign tr", has_text="刘洋")
    assert "已拒绝" in row.inner_text() and REASON in row.inner_text()
    nothing_sideways(page, "the author's document page")
    fits(page, "#countersign")
    page.locator("#countersign").scroll_into_view_if_needed()
    shot(page, "countersign-phone-04-rejected-zh", full=False)
    table = page.locator("#countersign")  # the reason is wider than the phone: the table scrolls, not the page
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")
    table.evaluate("t => { t.scrollLeft = t.scrollWidth; }")
    reason = row.locator("td.comment").bounding_box()
    assert reason["x"] >= 0 and reason["x"] + reason["width"] <= PHONE["width"] + 0.5  # scrolled to, read whole
    nothing_sideways(page, "the author's document page, its table scrolled")
    shot(page, "countersign-phone-04b-reason-scrolled-zh", full=False)
    page.goto(f"{base}/lang/en?back=/documents/{number}")
    assert "Rejected" in page.locator("#countersign tr", has_text="刘洋").inner_text()
    nothing_sideways(page, "the author's document page in English")
    page.locator("#countersign").scroll_into_view_if_needed()
    shot(page, "countersign-phone-05-rejected-en", full=False)
