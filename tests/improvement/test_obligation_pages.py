"""Obligations kept in the browser (issue 33): registered with their source, the 9.1.1 duty they serve and their
owner; a change opens the obligation's re-evaluation (9.1.2), which its owner finds among their tasks."""

from __future__ import annotations

import pytest
from helpers import act
from playwright.sync_api import expect
from sqlmodel import select
from test_browser import shot, sign_in, site  # noqa: F401  (the served demo plant)

from storage.errors import StewardError
from storage.models import ComplianceEvaluation, Obligation, Person, Task
from workflows.improvement import compliance

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_a_carbon_manager_registers_and_changes_an_obligation_and_its_owner_is_asked_to_re_evaluate(site, page, plant):  # noqa: F811
    base, _ = site
    sign_in(page, base, "lixf")
    page.goto(f"{base}/obligations")
    page.click("#new-obligation summary")
    form = page.locator("#obligation-form")
    form.locator("input[name=code]").fill("OB-001")  # taken: refused beside the code
    form.locator("input[name=title]").fill("水泥单位产品能源消耗限额")
    form.locator("select[name=kind]").select_option("standard")
    form.locator("select[name=clause_id]").select_option("9.1.1b")
    form.locator("input[name=issuer]").fill("国家市场监督管理总局")
    form.locator("input[name=reference]").fill("GB 16780-2021")
    form.locator("input[name=effective_from]").fill("2022-11-01")
    form.locator("select[name=owner]").select_option("chenj")
    form.locator("button[type=submit]").click()
    error = form.locator("input[name=code] + .field-error")
    error.wait_for()
    assert "已存在" in error.inner_text()
    form.locator("input[name=code]").fill("OB-201")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/obligations/OB-201")
    facts = page.inner_text("#obligation-facts")
    assert "GB 16780-2021" in facts and "9.1.1b" in facts and "陈静" in facts
    shot(page, "obligation-01-registered-zh")
    page.click("#change-obligation summary")
    change = page.locator("#obligation-change-form")
    change.locator("input[name=reference]").fill("GB 16780-2025")
    change.locator("input[name=reason]").fill("新版限额标准发布")
    change.locator("button[type=submit]").click()
    expect(page.locator("#re-evaluations a")).to_have_text("change:OB-201:r2")
    shot(page, "obligation-02-changed-re-evaluation-zh")
    sign_in(page, base, "chenj")
    page.goto(f"{base}/lang/en?back=/tasks")
    assert "Re-evaluate: compliance evaluation change:OB-201:r2" in page.inner_text("#tasks")
    page.goto(f"{base}/obligations/OB-201")
    assert "Changes and re-evaluations (9.1.2)" in page.inner_text("#re-evaluations")
    shot(page, "obligation-03-owner-en")


def test_an_obligations_owner_must_be_of_the_enterprise_and_an_empty_change_is_refused(plant):
    with pytest.raises(StewardError, match="No user nobody") as caught:
        act(plant, "lixf", lambda s, a: compliance.add_obligation(
            s, a, "OB-9", title="x", kind="law", clause_id="9.1.1a", owner="nobody"))
    assert caught.value.field == "owner"
    with pytest.raises(StewardError, match="Nothing was changed"):
        act(plant, "lixf", lambda s, a: compliance.change_obligation(s, a, "OB-001", "无", kind=s.exec(
            select(Obligation.kind).where(Obligation.code == "OB-001")).first()))
    with plant("reader") as s:
        assert not s.exec(select(ComplianceEvaluation)).all()
        assert not s.exec(select(Task).join(Person, Person.id == Task.assignee_id).where(
            Task.lifecycle == "compliance")).all()
