"""More than one management review in a year (issue 33): a second one is extraordinary and says why, is numbered
after the year's others, and the yearly review (its schedule, the flow that plans it, the review that follows up the
last one's decisions) is left as it was."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from helpers import act, plant_id, run_steward
from sqlmodel import select
from test_browser import shot, sign_in, site  # noqa: F401  (the served demo plant)

from flows import cycles
from storage.errors import Forbidden, StewardError
from storage.models import ManagementReview, ReviewAction, Task
from workflows.engine import clock
from workflows.review import review as reviews

NEXT = clock.today().year + 1  # a whole year ahead, so every date below is in the future


def by_number(plant, number: str) -> ManagementReview:
    with plant("reader") as s:
        return s.exec(select(ManagementReview).where(ManagementReview.number == number)).one()


def test_a_second_review_needs_a_reason_and_leaves_the_yearly_one_where_it_was(plant):
    yearly = act(plant, "lixf", lambda s, a: reviews.plan_as(s, a, date(NEXT, 12, 10), ["wangjg"]).number)
    with pytest.raises(StewardError, match="needs a reason") as caught:
        act(plant, "wangjg", lambda s, a: reviews.call(s, a, date(NEXT, 6, 1), "  ", ["lixf"]))
    assert caught.value.field == "reason" and "须说明原因" in caught.value.zh
    with pytest.raises(Forbidden):  # staff cannot call one
        act(plant, "yangf", lambda s, a: reviews.call(s, a, date(NEXT, 6, 1), "窑尾除尘改造", []))
    second = act(plant, "wangjg", lambda s, a: reviews.call(s, a, date(NEXT, 6, 1), "2# 窑投运（重大变化）",
                                                           ["lixf", "chenj"]).number)
    assert (yearly, second) == (f"JYCEM-MR-{NEXT}-001", f"JYCEM-MR-{NEXT}-002")
    extra = by_number(plant, second)
    assert extra.reason == "2# 窑投运（重大变化）" and extra.attendees == ["李秀芳", "陈静"]
    with plant("reader") as s:  # its own compile task and invitations, under its own number
        titles = s.exec(select(Task.title_en).where(Task.lifecycle == "management_review", Task.entity_id == extra.id,
                                                    Task.status == "open")).all()
    assert sorted(titles) == sorted([f"Compile the inputs for {second} ({NEXT} extraordinary management review)"]
                                    * len([t for t in titles if t.startswith("Compile")])
                                    + [f"Attend management review {second} ({NEXT}-06-01)"] * 2)
    assert by_number(plant, yearly).planned_on == date(NEXT, 12, 10)  # the yearly one did not move
    # planning without a reason is still the yearly review: moved, not a third one
    moved = act(plant, "lixf", lambda s, a: reviews.plan_as(s, a, date(NEXT, 12, 20), ["wangjg"]).number)
    assert moved == yearly and by_number(plant, yearly).planned_on == date(NEXT, 12, 20)
    assert by_number(plant, second).planned_on == date(NEXT, 6, 1)
    with plant("system:test") as s:
        found, created = reviews.ensure(s, plant_id(s), NEXT)
        assert (found.number, created) == (yearly, False)


def test_a_year_whose_only_review_is_extraordinary_still_gets_its_yearly_one_from_the_flow(plant, engine):
    first = act(plant, "zhangw", lambda s, a: reviews.call(s, a, date(NEXT, 3, 2), "重大设备事故", []).number)
    assert first == f"JYCEM-MR-{NEXT}-001"
    assert cycles.plan_reviews(engine, NEXT) == {"JYCEM": f"JYCEM-MR-{NEXT}-002"}
    assert cycles.plan_reviews(engine, NEXT) == {"JYCEM": "exists"}  # and once only
    yearly = by_number(plant, f"JYCEM-MR-{NEXT}-002")
    assert yearly.reason == "" and yearly.planned_on == date(NEXT, 12, 15)


def test_once_the_yearly_review_is_held_another_one_is_called_with_a_reason(plant):
    yearly = act(plant, "lixf", lambda s, a: reviews.plan_as(s, a, date(NEXT, 3, 2), []))
    with plant("system:test") as s:  # the meeting is behind it (the meeting itself: tests/review/test_review.py)
        row = s.get(ManagementReview, yearly.id)
        row.state, row.held_on = "held", date(NEXT, 3, 2)
        s.add(row)
    with pytest.raises(StewardError, match="call an extraordinary review") as caught:
        act(plant, "lixf", lambda s, a: reviews.plan_as(s, a, date(NEXT, 9, 1), []))
    assert caught.value.field == "planned_on" and "召开专项管理评审" in caught.value.zh
    with plant("reader") as s:
        assert len(s.exec(select(ManagementReview).where(ManagementReview.year == NEXT)).all()) == 1
    called = act(plant, "lixf", lambda s, a: reviews.call(s, a, date(NEXT, 9, 1), "新建余热发电投运", []).number)
    assert called == f"JYCEM-MR-{NEXT}-002"


def test_the_next_review_follows_up_the_decisions_of_every_review_since_the_last_yearly_one(plant):
    """Yearly 001 (March) → extraordinary 002 (June) → yearly of the next year: 9.3.1 a) reports both meetings'
    decisions, and its period starts at the June meeting; the June one reports March's decisions only."""
    march = act(plant, "lixf", lambda s, a: reviews.plan_as(s, a, date(NEXT, 3, 2), []))
    june = act(plant, "lixf", lambda s, a: reviews.call(s, a, date(NEXT, 6, 1), "2# 窑投运", []))
    with plant("system:test") as s:
        owner = reviews.lookup.person(s, plant_id(s), "liuy")
        for review, text in ((march, "更换 M-E021"), (june, "2# 窑能效对标")):
            s.add(ReviewAction(enterprise_id=review.enterprise_id, review_id=review.id, decision=text,
                               owner_id=owner.id, due=date(NEXT, 10, 1)))
        nxt, _ = reviews.ensure(s, plant_id(s), NEXT + 1)
        nxt_id = nxt.id
    act(plant, "lixf", lambda s, a: reviews.compile_inputs(s, a, reviews.get(s, a, june.number)))
    act(plant, "lixf", lambda s, a: reviews.compile_inputs(s, a, s.get(ManagementReview, nxt_id)))
    got = by_number(plant, june.number).inputs["9.3.1a"]
    assert got["facts"] == {"actions": 1, "done": 0} and "更换 M-E021" in " ".join(got["zh"])
    got = {r.number: r for r in [by_number(plant, f"JYCEM-MR-{NEXT + 1}-001")]}[f"JYCEM-MR-{NEXT + 1}-001"].inputs
    assert got["9.3.1a"]["facts"] == {"actions": 2, "done": 0}
    assert got["9.3.1a"]["en"] == [f"{march.number}: 0 of 1 actions done", f"{june.number}: 0 of 1 actions done"]
    assert got["9.3.1a"]["since"] == f"{NEXT}-06-01"


def test_the_command_line_calls_an_extraordinary_review_with_its_reason(plant, steward_env):
    year = clock.today().year + 1
    run_steward(["review", "plan", "--as", "lixf", "--year", str(year)], steward_env, check=True)
    missing = run_steward(["review", "plan", "--as", "lixf", "--reason", "重大变化"], steward_env)
    assert missing.returncode == 2 and "须给出 --date" in missing.stderr and "needs --date" in missing.stderr
    refused = run_steward(["review", "plan", "--as", "yangf", "--reason", "重大变化", "--date", f"{year}-05-04"],
                          steward_env)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    called = run_steward(["review", "plan", "--as", "wangjg", "--reason", "2# 窑投运", "--date", f"{year}-05-04"],
                         steward_env, check=True)
    assert f"JYCEM-MR-{year}-002 {year}-05-04" in called.stdout and "2# 窑投运" in called.stdout


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_top_management_calls_an_extraordinary_review_from_the_reviews_page(site, page, plant):  # noqa: F811
    base, _ = site
    day = clock.today() + timedelta(days=3)
    with plant("system:test") as s:
        yearly, _ = reviews.ensure(s, plant_id(s), day.year)
        yearly_number = yearly.number
    sign_in(page, base, "wangjg")
    page.goto(f"{base}/reviews")
    page.click("#call-review summary")
    form = page.locator("#call-review-form")
    form.locator("input[name=planned_on]").fill(day.isoformat())
    form.locator("input[name=attendees][value=lixf]").check()
    form.locator("button[type=submit]").click()  # no reason yet
    error = form.locator("input[name=reason] + .field-error")
    error.wait_for()
    assert "须说明原因" in error.inner_text()
    shot(page, "review-01-extraordinary-needs-reason-zh", full=False)
    form.locator("input[name=reason]").fill("2# 窑投运（重大变化）")
    form.locator("button[type=submit]").click()
    number = f"JYCEM-MR-{day.year}-{int(yearly_number[-3:]) + 1:03d}"
    page.wait_for_url(f"{base}/reviews/{number}")
    assert "2# 窑投运（重大变化）" in page.inner_text("#review-reason")
    shot(page, "review-02-extraordinary-zh")
    page.goto(f"{base}/lang/en?back=/reviews")
    row = page.locator("#reviews tr", has_text=number)
    assert "extraordinary" in row.inner_text()
    assert "extraordinary" not in page.locator("#reviews tr", has_text=yearly_number).inner_text()
    page.click("#call-review summary")
    assert "Call an extraordinary review" in page.inner_text("#call-review")
    shot(page, "review-03-extraordinary-list-en")
    with page.expect_download() as got:  # the export says which one is extraordinary and why
        page.click("#export-xlsx")
    import io

    import openpyxl
    sheet = openpyxl.load_workbook(io.BytesIO(got.value.path().read_bytes())).active
    rows = {r[0]: r for r in sheet.iter_rows(values_only=True)}
    assert rows["Number"][-1] == "Extraordinary, because" and rows[number][-1] == "2# 窑投运（重大变化）"
    assert rows[yearly_number][-1] in ("", None)
    assert by_number(plant, yearly_number).planned_on == yearly.planned_on  # the yearly one as it was


def test_the_signed_minutes_of_an_extraordinary_review_say_why_it_was_convened(plant, store):
    from review.test_review import held, state_the_rest

    from steward.demo import DEMO_PASSWORD
    day = clock.today() + timedelta(days=1)
    review = act(plant, "lixf", lambda s, a: reviews.call(s, a, day, "2# 窑投运（重大变化）", ["wangjg"]))
    act(plant, "lixf", lambda s, a: reviews.compile_inputs(s, a, s.get(ManagementReview, review.id)))
    state_the_rest(plant, review.id)
    held(plant, review.id)
    act(plant, "wangjg", lambda s, a: reviews.sign_off(s, a, s.get(ManagementReview, review.id), DEMO_PASSWORD, store))
    import io

    import docx
    signed = by_number(plant, review.number)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(store.read(signed.minutes_sha256))).paragraphs)
    assert "专项评审的召开原因 Extraordinary review, convened because: 2# 窑投运（重大变化）" in text
    with plant("reader") as s:  # the reason is part of what was signed
        [(_, valid)] = reviews.machine.signatures(s, reviews.LIFECYCLE, s.get(ManagementReview, review.id))
        assert valid
        row = s.get(ManagementReview, review.id)
        before = reviews.content_hash(row)
        row.reason = "另一个原因"
        assert reviews.content_hash(row) != before
        s.rollback()
