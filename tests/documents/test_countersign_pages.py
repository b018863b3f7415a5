"""Countersigning (会签) in a real browser: the carbon manager names two countersigners for procedures, the author
submits, each signs from their task, and the procedure reaches approval; zh and en screenshots kept."""

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


def sign_from_task(page, base: str, username: str, number: str) -> None:
    sign_in(page, base, username)
    page.goto(f"{base}/tasks")
    page.click(f"a[href='/documents/{number}']")
    page.fill("#my-countersign input[name=password]", PW)
    page.click("#countersign-sign")
    page.wait_for_selector("#my-countersign", state="detached")


def test_two_countersigners_sign_from_their_tasks_and_the_procedure_reaches_approval(site, page, tmp_path):
    import docx as _docx
    base, _ = site
    body = tmp_path / "能源计量管理制度.docx"
    d = _docx.Document()
    d.add_paragraph("计量器具按期检定。")
    d.save(body)

    sign_in(page, base, "lixf")  # the carbon manager names 周磊 and the head of 设备动力部 for procedures
    page.goto(f"{base}/documents")
    page.click("#countersign-settings")
    page.check("input[name=people][value=zhoul]")
    page.check("input[name=departments] >> xpath=..//self::label[contains(., '设备动力部')]/input")
    page.click("#save-countersign")
    page.wait_for_selector("#countersign-types tr:has-text('管理制度'):has-text('周磊')")
    row = page.inner_text("#countersign-types tr:has-text('管理制度')")
    assert "周磊" in row and "设备动力部的负责人" in row
    shot(page, "cs-1-settings-zh")
    page.goto(f"{base}/lang/en?back=/countersign")
    page.wait_for_selector("#countersign-types")
    assert "Equipment" not in page.inner_text("h2") and "Countersigning" in page.inner_text("h2")
    assert "Management procedure" in page.inner_text("#countersign-types")
    shot(page, "cs-2-settings-en")
    page.goto(f"{base}/lang/zh?back=/documents")

    page.click("#new-document")  # the author writes a procedure and submits it
    form = page.locator("#new-document-form")
    form.locator("select[name=doc_type]").select_option("procedure")
    form.locator("input[name=title]").fill("能源计量管理制度")
    form.locator("input[name=file]").set_input_files(str(body))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#doc-state")
    number = page.url.rsplit("/", 1)[1]
    page.fill("input[name=password]", PW)
    page.click("button:has-text('提交审核')")
    page.wait_for_selector("#doc-state:has-text('待审核')")
    assert page.locator("#countersign tr.pending").count() == 2  # both pending, named on the page
    assert page.locator("form.action[action$='/review']").count() == 0  # nobody reviews around the round

    sign_from_task(page, base, "zhoul", number)  # a staff member named by the manager
    assert page.inner_text("#doc-state") == "待审核"
    assert page.locator("#countersign tr.signed").count() == 1
    shot(page, "cs-3-one-signed-zh")

    sign_from_task(page, base, "liuy", number)  # the head of 设备动力部
    page.wait_for_selector("#doc-state:has-text('已审核')")
    assert page.locator("#countersign tr.signed").count() == 2
    shot(page, "cs-4-countersigned-zh")

    sign_in(page, base, "wangjg")  # top management now has the approval task
    page.goto(f"{base}/tasks")
    page.click(f"a[href='/documents/{number}']")
    page.goto(f"{base}/lang/en?back=/documents/{number}")
    page.wait_for_selector("#countersign")
    assert "Signed" in page.inner_text("#countersign") and page.inner_text("#doc-state") == "Reviewed"
    shot(page, "cs-5-countersigned-en")
    page.fill("input[name=password]", PW)
    page.click("button:has-text('Approve')")
    page.wait_for_selector("#doc-state:has-text('Approved')")


def test_a_rejection_with_its_reason_is_seen_by_the_author_in_both_languages(site, page, plant):
    import io

    import docx as _docx
    from helpers import act

    from workflows.documents import document as docs
    from workflows.engine import countersign
    from workflows.engine import machine as wf
    base, ctx = site
    body = io.BytesIO()
    d = _docx.Document()
    d.add_paragraph("计量器具按期检定。")
    d.save(body)

    def ready(s, a):  # set up by the engine: the walk above does these steps in the browser
        countersign.configure(s, a, docs.LIFECYCLE, "procedure", "in_review", people=["zhoul"], departments=["EQP"])
        doc, rev = docs.create(s, a, doc_type="procedure", title="能源计量管理制度")
        docs.upload(s, a, rev, "计量.docx", io.BytesIO(body.getvalue()), ctx.files, 1 << 22)
        wf.fire(s, docs.LIFECYCLE, rev, "submit", a, password=PW)
        return doc.number
    number = act(plant, "lixf", ready)
    sign_in(page, base, "liuy")
    page.goto(f"{base}/tasks")
    page.click(f"a[href='/documents/{number}']")
    page.fill("#my-countersign input[name=comment]", "第三条检定周期与规程不符")
    page.click("#countersign-reject")
    page.wait_for_selector("#doc-state:has-text('草稿')")
    sign_in(page, base, "lixf")
    page.goto(f"{base}/documents/{number}")
    row = page.inner_text("#countersign tr.rejected")
    assert "刘洋" in row and "已拒绝" in row and "第三条检定周期与规程不符" in row
    assert "未签（本轮已结束）" in page.inner_text("#countersign")  # 周磊 need not sign a round that ended
    shot(page, "cs-6-rejected-zh")
    page.goto(f"{base}/lang/en?back=/documents/{number}")
    page.wait_for_selector("#countersign")
    assert "Rejected" in page.inner_text("#countersign tr.rejected")
    shot(page, "cs-7-rejected-en")
