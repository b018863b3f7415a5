"""The verification of a data year's report (issue 32): recorded by the carbon manager beside the report's figure
with the difference, corrected only with a reason kept in its history, each bad input named by its field with
nothing written; the verified figure becomes what the year's surrender is due on (8.5.2), two months into the next
year; the page, the form, the roles and the CLI."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from helpers import act, as_user, csrf, plant_id, run_steward, year_in_progress
from sqlmodel import Session, func, select

from storage.errors import StewardError
from storage.models import AuditEntry, Document
from storage.models.ets import EtsReport, EtsVerification
from workflows.engine import clock
from workflows.ets import verification
from workflows.planning import carbon_assets as assets

# two months into 2026 at 23:30 UTC: already 1 March at the plant, with 2025's surrender still open
MIDYEAR = datetime(2026, 2, 28, 23, 30, tzinfo=timezone.utc)
VERIFIER = "中环联合碳核查中心（测试）"
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
BOTH = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
HX = {"HX-Request": "true"}


@pytest.fixture
def midyear(plant):
    with clock.reading(MIDYEAR):
        yield plant


def good(**changes) -> dict:
    return {"year": 2025, "verifier": VERIFIER, "started_on": date(2026, 1, 12), "ended_on": date(2026, 2, 26),
            "verified_tco2e": 1_000_000.0, "findings": "一批次煤样化验记录缺失，按缺省值补正", **changes}


def count(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(EtsVerification)).one()


@BOTH
def test_the_verification_is_kept_beside_the_reported_figure_and_a_change_needs_a_reason(midyear, engine):
    with midyear("test") as s:
        run_figure = assets.run_emissions(s, plant_id(s), 2025)
    verified = round(run_figure * 1.0042, 1)
    row = act(midyear, "lixf", lambda s, a: verification.record(s, a, **good(verified_tco2e=verified)))
    assert row.reported_tco2e == pytest.approx(run_figure)  # no report yet: the frozen run's covered total
    diff_t, diff_pct = verification.difference(row.verified_tco2e, row.reported_tco2e)
    assert diff_t == pytest.approx(verified - run_figure) and diff_pct == pytest.approx(0.42, abs=0.005)
    with Session(engine) as s:  # written with its audit-log entry, in the same transaction
        logged = s.exec(select(AuditEntry).where(AuditEntry.entity == "ets_verification")).all()
        assert [(e.action, e.actor) for e in logged] == [("insert", "lixf")]
    with pytest.raises(StewardError) as no_reason:
        act(midyear, "lixf", lambda s, a: verification.record(s, a, **good(verified_tco2e=verified + 10)))
    assert no_reason.value.field == "reason" and "give the reason" in no_reason.value.en
    with pytest.raises(StewardError) as stale:
        act(midyear, "lixf", lambda s, a: verification.record(s, a, **good(verified_tco2e=1.0), reason="x",
                                                                expected_version=row.version + 5))
    assert stale.value.status == 409
    fixed = act(midyear, "lixf", lambda s, a: verification.record(
        s, a, **good(verified_tco2e=verified + 120.5, ended_on=date(2026, 2, 27)),
        reason="核查机构出具更正后的核查报告", expected_version=row.version))
    assert fixed.verified_tco2e == verified + 120.5 and fixed.ended_on == date(2026, 2, 27)
    [kept] = fixed.history
    assert kept["reason"] == "核查机构出具更正后的核查报告" and kept["by"] == "李秀芳"
    assert kept["before"]["verified_tco2e"] == verified and kept["before"]["ended_on"] == "2026-02-26"
    assert count(engine) == 1


@SQLITE
def test_the_report_figure_is_what_the_verification_is_compared_with_once_there_is_a_report(midyear):
    def report(s, a):
        doc = Document(enterprise_id=a.enterprise_id, number="JYCEM-RP-2025", doc_type="record",
                       title="2025 年度温室气体排放报告")
        s.add(doc)
        s.flush()
        s.add(EtsReport(enterprise_id=a.enterprise_id, year=2025, document_id=doc.id, reported_tco2e=1_234_567.8,
                        generated_by=a.label))
        s.flush()
    act(midyear, "lixf", report)
    row = act(midyear, "lixf", lambda s, a: verification.record(s, a, **good(verified_tco2e=1_240_000.0)))
    assert row.reported_tco2e == 1_234_567.8
    assert verification.difference(row.verified_tco2e, row.reported_tco2e)[0] == pytest.approx(5_432.2)


@SQLITE
@pytest.mark.parametrize("changes, field, words", [
    ({"ended_on": date(2026, 1, 5)}, "ended_on", "ends (2026-01-05) before it starts"),
    ({"ended_on": date(2026, 3, 2)}, "ended_on", "after today (2026-03-01)"),  # 1 March at the plant, not UTC's 28 Feb
    ({"started_on": date(2025, 12, 20)}, "started_on", "after the year has ended"),
    ({"verified_tco2e": -5.0}, "verified", "finite number above 0"),
    ({"verified_tco2e": float("inf")}, "verified", "finite number above 0"),
    ({"verified_tco2e": float("nan")}, "verified", "finite number above 0"),
    ({"verifier": "   "}, "verifier", "Enter the verification body"),
    ({"year": 2021}, "year", "neither an annual emission report nor an accounting run"),
    ({"year": 2026}, "year", "not over yet"),
])
def test_each_bad_input_is_named_by_its_field_and_nothing_is_written(midyear, engine, changes, field, words):
    with pytest.raises(StewardError) as err:
        act(midyear, "lixf", lambda s, a: verification.record(s, a, **good(**changes)))
    assert err.value.field == field and words in err.value.en and err.value.zh
    assert count(engine) == 0


@SQLITE
def test_only_a_carbon_manager_records_and_each_enterprise_sees_its_own(midyear):
    for who in ("yangf", "wangjg"):  # staff; top management reads but does not record
        with pytest.raises(StewardError) as err:
            act(midyear, who, lambda s, a: verification.record(s, a, **good()))
        assert err.value.status == 403
    with pytest.raises(StewardError):
        act(midyear, "yangf", lambda s, a: verification.view(s, a, 2025))
    act(midyear, "lixf", lambda s, a: verification.record(s, a, **good()))
    shown = act(midyear, "wangjg", lambda s, a: verification.view(s, a, 2025))
    assert shown["verification"].verifier == VERIFIER and not shown["can_record"]
    other = act(midyear, "maq", lambda s, a: verification.view(s, a, 2025))  # the sister plant's top management
    assert other["verification"] is None and other["problem"].code == "no_report"


@BOTH
def test_two_months_into_2026_the_2025_surrender_is_due_on_the_verified_figure(midyear):
    year_in_progress(midyear)  # January and February 2026 entered and accounted
    today = assets.local_today()
    assert today == date(2026, 3, 1)
    with midyear("test") as s:
        run_2025 = assets.run_emissions(s, plant_id(s), 2025)
        before = {p["year"]: p for p in assets.open_years(s, plant_id(s), today)}
    assert before[2025]["due_t"] == round(run_2025, 3) and before[2025]["verified"] is None
    verified = round(run_2025 * 1.01, 1)  # 1 % above the run: the offset limit and the plan move with it
    act(midyear, "lixf", lambda s, a: [
        verification.record(s, a, **good(verified_tco2e=verified)),
        assets.record(s, a, kind="CEA", vintage=2025, txn="allocate", quantity=1_000_000, on=date(2026, 2, 1)),
        assets.record(s, a, kind="CCER", vintage=2024, txn="buy", quantity=80_000, on=date(2026, 2, 1), price=70.0),
        assets.add_price(s, a, "CEA", date(2026, 2, 27), 90.0, "全国碳市场收盘价"),
        assets.add_price(s, a, "CCER", date(2026, 2, 27), 70.0, "交易所挂牌价")])
    with midyear("test") as s:
        years = {p["year"]: p for p in assets.open_years(s, plant_id(s), today)}
        pos = assets.position(s, plant_id(s), 2025, today)
        assert assets.verified_emissions(s, plant_id(s), 2025) == verified
    y2025, y2026 = years[2025], years[2026]
    assert y2025["state"] == "open" and y2025["due_t"] == y2025["remaining_t"] == verified
    assert y2025["verified"] == {"verifier": VERIFIER, "ended_on": "2026-02-26", "run_t": round(run_2025, 3)}
    assert y2026["state"] == "in_progress" and y2026["verified"] is None and y2026["months"] == 2
    assert pos["plan"]["offset_used_t"] == pytest.approx(verified * 0.05, abs=1)  # 5 % of the verified figure
    assert pos["plan"]["buy_cea_t"] == pytest.approx(verified - 1_000_000 - verified * 0.05, abs=1)
    between = round((run_2025 * 0.05 + verified * 0.05) / 2)  # above 5 % of the run, within 5 % of the verified
    act(midyear, "lixf", lambda s, a: assets.record(s, a, kind="CCER", vintage=2024, txn="surrender", quantity=between,
                                                    on=date(2026, 2, 28), compliance_year=2025))


@SQLITE
def test_the_assets_page_labels_the_figure_verified_or_not(midyear, web):
    year_in_progress(midyear)
    manager = as_user(web, "lixf")
    unverified = manager.get("/assets?year=2025").text
    assert "未经核查" in unverified and "核查量" not in unverified
    act(midyear, "lixf", lambda s, a: verification.record(s, a, **good(verified_tco2e=1_234_567.0)))
    page = as_user(web, "wangjg").get("/assets?year=2025").text
    assert "1,234,567 t" in page and "核查量" in page and VERIFIER in page and "2026-02-26" in page
    assert "核算值，年度结束后核查" in manager.get("/assets?year=2026").text  # the year in progress
    manager.get("/lang/en?back=/")
    english = manager.get("/assets?year=2025").text
    assert "Verified" in english and "核查量" not in english


@SQLITE
def test_the_form_names_each_mistake_beside_its_field_refuses_a_forged_post_and_the_roles(midyear, web, engine):
    manager = as_user(web, "lixf")
    page = manager.get("/ets/reports/2025/verification")
    assert page.status_code == 200 and 'id="verification-form"' in page.text and "未经核查" in page.text
    token = csrf(manager, "/ets/reports/2025/verification")
    form = {"csrf_token": token, "verifier": VERIFIER, "started_on": "2026-01-12", "ended_on": "2026-02-26",
            "verified": "1163204.5", "findings": "无重大发现"}
    for changes, field, words in (({"ended_on": "2026-01-02"}, "ended_on", "早于开始日期"),
                                  ({"ended_on": "2026-13-01"}, "ended_on", "YYYY-MM-DD"),
                                  ({"verified": "-3"}, "verified", "大于 0"),
                                  ({"verified": "nan"}, "verified", "有限"),
                                  ({"verified": "1,2"}, "verified", "应为数字"),
                                  ({"verifier": ""}, "verifier", "核查机构"),
                                  ({"started_on": "2027-01-01", "ended_on": "2027-01-02"}, "started_on", "晚于今天")):
        refused = manager.post("/ets/reports/2025/verification", data={**form, **changes}, headers=HX)
        assert refused.status_code in (400, 409) and refused.json()["field"] == field, (changes, refused.json())
        assert words in refused.json()["message"]
    assert manager.post("/ets/reports/2025/verification", data={**form, "csrf_token": "forged"}).status_code == 403
    assert manager.post("/ets/reports/2021/verification", data=form, headers=HX).json()["field"] == "year"
    assert count(engine) == 0
    top = as_user(web, "wangjg")
    assert top.post("/ets/reports/2025/verification", data={**form, "csrf_token": csrf(top, "/ets")}).status_code == 403
    saved = manager.post("/ets/reports/2025/verification", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/ets/reports/2025/verification"
    shown = top.get("/ets/reports/2025/verification").text
    assert VERIFIER in shown and "1,163,204.5 t" in shown and "无重大发现" in shown
    assert 'id="verification-form"' not in shown  # top management reads it
    again = manager.post("/ets/reports/2025/verification", data={**form, "verified": "1163300"}, headers=HX)
    assert again.json()["field"] == "reason"
    with Session(engine) as s:
        version = s.exec(select(EtsVerification)).one().version
    fixed = manager.post("/ets/reports/2025/verification", data={**form, "verified": "1163300", "reason": "更正报告",
                                                                 "version": str(version)}, follow_redirects=False)
    assert fixed.status_code == 303
    assert "更正报告" in manager.get("/ets/reports/2025/verification").text
    stale = manager.post("/ets/reports/2025/verification", data={**form, "reason": "再改", "version": str(version)},
                         headers=HX)
    assert stale.status_code == 409
    assert as_user(web, "yangf").get("/ets/reports/2025/verification").status_code == 403  # staff
    with midyear("system:test") as s:  # the sister plant's top management, given a password to sign in with
        from steward.demo import DEMO_PASSWORD
        from storage.models import Person
        from workflows.engine.credentials import hash_password
        other = s.exec(select(Person).where(Person.username == "maq")).one()
        other.password_hash = hash_password(DEMO_PASSWORD)
        s.add(other)
    sister = as_user(web, "maq").get("/ets/reports/2025/verification").text  # another enterprise's top management
    assert VERIFIER not in sister
    assert manager.get("/ets/reports/99999/verification").status_code == 404
    ets = manager.get("/ets?year=2025").text
    assert 'href="/ets/reports/2025/verification"' in ets and 'href="/ets/reports/2024/verification"' in ets


@SQLITE
def test_the_cli_records_it_and_refuses_by_name(plant, steward_env, engine):
    base = ["ets", "verification", "--as", "lixf", "--year", "2025", "--verifier", VERIFIER, "--start", "2026-04-20",
            "--end", "2026-05-22"]
    for extra, words in ((["--verified", "-5"], "above 0"), (["--verified", "inf"], "above 0"),
                         (["--verified", "1000", "--end", "2026-04-01"], "before it starts"),
                         (["--verified", "1000", "--end", "2026-5-40"], "YYYY-MM-DD")):
        refused = run_steward(base + extra, steward_env)
        assert refused.returncode == 2 and words in refused.stderr and "Traceback" not in refused.stderr, refused
    staff = run_steward([*base[:2], "--as", "yangf", *base[4:], "--verified", "1000"], steward_env)
    assert staff.returncode == 2 and "requires one of" in staff.stderr
    assert count(engine) == 0
    done = run_steward(base + ["--verified", "1163204.5", "--findings", "无重大发现"], steward_env)
    assert done.returncode == 0, done.stderr
    assert VERIFIER in done.stdout and "verified 1,163,204.5 t" in done.stdout
    again = run_steward(base + ["--verified", "1163300", "--json"], steward_env)
    assert again.returncode == 2 and "reason" in again.stderr
    fixed = run_steward(base + ["--verified", "1163300", "--reason", "核查报告更正", "--json"], steward_env)
    assert fixed.returncode == 0 and '"corrections": 1' in fixed.stdout
    position = run_steward(["assets", "position", "-e", "JYCEM", "--year", "2025"], steward_env, check=True).stdout
    assert f"核查量 verified: {VERIFIER} 2026-05-22" in position and "应清缴 due 1,163,300.0 t" in position


@SQLITE
def test_a_verification_that_brings_the_due_down_to_what_was_surrendered_ends_the_reminders(plant, engine):
    from storage.models import Task
    from workflows.planning import yearly_duties
    with plant("test") as s:
        run_2025 = assets.run_emissions(s, plant_id(s), 2025)
    surrendered = round(run_2025) - 3000  # the run's figure less 3,000 t: still owing on the run
    act(plant, "lixf", lambda s, a: [
        assets.record(s, a, kind="CEA", vintage=2025, txn="allocate", quantity=surrendered, on=date(2026, 9, 1)),
        assets.record(s, a, kind="CEA", vintage=2025, txn="surrender", quantity=surrendered, on=date(2026, 11, 20),
                      compliance_year=2025)])
    with plant("system:flow") as s:
        assert yearly_duties.surrender_reminders(s, plant_id(s), date(2026, 11, 25)) == 3

    def still_open() -> int:
        with Session(engine) as s:
            return len(s.exec(select(Task).where(Task.lifecycle == "surrender", Task.status == "open")).all())
    assert still_open() == 3
    with clock.reading(datetime(2026, 11, 26, 2, tzinfo=timezone.utc)):
        act(plant, "lixf", lambda s, a: verification.record(s, a, **good(
            started_on=date(2026, 4, 20), ended_on=date(2026, 5, 22), verified_tco2e=float(surrendered))))
    assert still_open() == 0  # verified at what was surrendered: nothing is owed


@SQLITE
def test_the_year_in_progress_has_no_form_only_the_reason(midyear, web):
    page = as_user(web, "lixf").get("/ets/reports/2026/verification").text
    assert "2026 年尚未结束" in page and 'id="verification-form"' not in page
