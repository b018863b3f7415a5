"""More than one internal audit in a year (issue 33): a second one is extraordinary and says why, the yearly one is
planned all the same, and next year's audit is planned from this one with its open findings to follow up."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import act, plant_id
from playwright.sync_api import expect
from sqlmodel import select
from test_browser import shot, sign_in, site  # noqa: F401  (the served demo plant)

from storage.errors import StewardError
from storage.models import InternalAudit, Person
from workflows.audit import internal_audit
from workflows.improvement import nonconformity as ncs

YEAR = date.today().year + 1


def planned(plant, start: date, reason: str = "", team=("zhoul",)) -> str:
    return act(plant, "lixf", lambda s, a: internal_audit.plan_as(
        s, a, start=start, end=start.replace(day=start.day + 1), lead="zhaom", team=list(team), scope="第 8 章 运行",
        reason=reason).number)


def test_a_second_audit_in_a_year_needs_a_reason_and_leaves_the_yearly_one_in_place(plant):
    first = planned(plant, date(YEAR, 3, 2))
    with pytest.raises(StewardError, match="another one needs a reason") as caught:
        planned(plant, date(YEAR, 6, 1))
    assert caught.value.field == "reason"
    second = planned(plant, date(YEAR, 6, 1), reason="新建余热发电机组投运（重大变化）")
    assert (first, second) == (f"JYCEM-IA-{YEAR}-001", f"JYCEM-IA-{YEAR}-002")
    with plant("system:test") as s:
        assert internal_audit.plan_for_year(s, plant_id(s), YEAR, "flow") is None  # the year has its audit
        # a year whose only audit so far is extraordinary still gets its yearly one from the flow
    planned(plant, date(YEAR + 1, 2, 1), reason="相关方投诉")
    with plant("system:test") as s:
        yearly = internal_audit.plan_for_year(s, plant_id(s), YEAR + 1, "flow")
        assert yearly is not None and yearly.reason == "" and yearly.number == f"JYCEM-IA-{YEAR + 1}-002"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_next_years_audit_is_planned_from_this_one_with_its_open_findings_to_follow_up(site, page, plant):  # noqa: F811
    base, _ = site
    number = planned(plant, date(YEAR, 3, 2), team=("zhoul", "zhaom"))
    with plant("system:test") as s:
        ncs.raise_nc(s, plant_id(s), source="audit", source_ref=f"{number}/8.3c", clause_id="8.3c",
                     title="M-E021 检定过期", raised_by="zhaom")
    sign_in(page, base, "lixf")
    page.goto(f"{base}/audits")
    page.click("#plan-one summary")  # a second audit in the year, first without a reason
    form = page.locator("#plan-audit-form")
    form.locator("input[name=start]").fill(f"{YEAR}-06-01")
    form.locator("input[name=end]").fill(f"{YEAR}-06-02")
    form.locator("select[name=lead]").select_option("zhaom")
    form.locator("button[type=submit]").click()
    error = form.locator("input[name=reason] + .field-error")
    error.wait_for()
    assert "须说明原因" in error.inner_text()
    shot(page, "audit-01-second-needs-reason-zh", full=False)
    form.locator("input[name=reason]").fill("新建余热发电机组投运")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/audits/JYCEM-IA-{YEAR}-002")
    assert "新建余热发电机组投运" in page.inner_text("#audit-reason")
    page.goto(f"{base}/audits/{number}")
    page.click("#plan-next-year button")
    page.wait_for_url(f"{base}/audits/JYCEM-IA-{YEAR + 1}-001")
    expect(page.locator("#follow-up")).to_contain_text("M-E021 检定过期")
    assert "第 8 章 运行" in page.inner_text("#audit-plan") and "周磊" in page.inner_text("#audit-plan")
    shot(page, "audit-02-next-year-follow-up-zh")
    page.goto(f"{base}/lang/en?back=/audits/JYCEM-IA-{YEAR + 1}-001")
    assert "Planned from the previous audit" in page.inner_text("#follow-up")
    shot(page, "audit-03-next-year-en")
    with plant("reader") as s:
        before, after = (s.exec(select(InternalAudit).where(InternalAudit.number == n)).one()
                         for n in (number, f"JYCEM-IA-{YEAR + 1}-001"))
        assert after.team_ids == before.team_ids and after.scope == before.scope
        assert after.planned_start.weekday() == before.planned_start.weekday()
        assert [r["chapter"] for r in after.schedule] == [r["chapter"] for r in before.schedule]
        assert s.get(Person, after.lead_auditor_id).username == "zhaom"
    with pytest.raises(StewardError, match="already has its audit"):
        act(plant, "lixf", lambda s, a: internal_audit.plan_next_year(s, a, number))
