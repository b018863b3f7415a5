"""The scheduled flows, run for real under Prefect's test harness: each period's work happens once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import this_year
from sqlmodel import Session, func, select

from flows import cycles
from flows.schedules import BY_NAME, SCHEDULES
from storage.models import AuditProgramme, ComplianceEvaluation, InternalAudit, ManagementReview, Outbox, Task


def count(engine, model) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def wired(db_url, tmp_path):
    """The flows find this test's database and key as a worker finds its own: provided by the shell, not a parameter
    (the db_url fixture keeps the installation's audit key in the test's home)."""
    from flows import wiring
    wiring.provide(lambda: wiring.Wiring(db_url, audit_key_file=str(tmp_path / "home" / "audit_key")))
    yield db_url
    wiring.provide(None)


def test_running_each_yearly_flow_twice_creates_nothing_twice(plant, engine, wired, prefect_harness):
    year = this_year()
    first = [cycles.audit_programme_flow(year), cycles.management_review_flow(year), cycles.compliance_flow(year)]
    tasks_after_first = count(engine, Task)
    second = [cycles.audit_programme_flow(year), cycles.management_review_flow(year), cycles.compliance_flow(year)]
    assert first[0] == {"JYCEM": f"JYCEM-IA-{year}-001"} and first[1] == {"JYCEM": f"JYCEM-MR-{year}-001"}
    assert first[2] == {"JYCEM": str(year)}
    assert all(result == {"JYCEM": "exists"} for result in second)
    assert [count(engine, m) for m in (AuditProgramme, InternalAudit, ManagementReview, ComplianceEvaluation)] == [
        1, 1, 1, 1]
    assert count(engine, Task) == tasks_after_first


def test_the_daily_round_and_dispatch_run_as_flows(plant, engine, wired, prefect_harness, tmp_path):
    cycles.management_review_flow(this_year())
    first = cycles.daily_tasks_flow()
    again = cycles.daily_tasks_flow()
    assert first["JYCEM"]["digests"] >= 1
    assert again["JYCEM"] == {"reminders": 0, "escalations": 0, "digests": 0, "surrender_reminders": 0,
                              "document_reviews": 0, "evidence_gaps": 0, "ets_reminders": 0,
                              "notifications_pruned": 0}
    sent = cycles.outbox_dispatch_flow()
    assert sent["claimed"] == count(engine, Outbox) and sent["no_channel"] == sent["claimed"]  # nobody has a channel
    anchors = (tmp_path / "home" / "audit-anchors.jsonl").read_text().splitlines()
    assert len(anchors) == 2 and json.loads(anchors[-1])["keyed"]  # each whole daily round signs the log's tip


def test_schedules_are_in_shanghai_time():
    after = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    audit = BY_NAME["audit-programme"].next_runs("Asia/Shanghai", after=after)[0]
    assert (audit.year, audit.month, audit.day, audit.hour) == (2027, 1, 2, 8)
    assert audit.utcoffset().total_seconds() == 8 * 3600
    assert {s.name for s in SCHEDULES} == {"audit-programme", "compliance-evaluation", "management-review",
                                           "daily-tasks", "outbox-dispatch", "accounting", "accounting-yearly",
                                           "yearly-planning", "ets-month"}


def test_the_embedded_scheduler_runs_each_flow_at_its_time():
    """Three simulated hours from 07:00 Shanghai: dispatch every minute, the daily round once at 08:00."""
    from datetime import timedelta

    from flows.schedules import serve_embedded
    tz = ZoneInfo("Asia/Shanghai")
    now = [datetime(2026, 11, 25, 7, 0, 30, tzinfo=tz)]
    ran = []

    def sleep(seconds):
        now[0] += timedelta(seconds=seconds)

    def run(schedule):
        ran.append((schedule.name, now[0].strftime("%H:%M")))
        if schedule.name == "daily-tasks":
            raise RuntimeError("a failing run does not stop the loop")

    count = serve_embedded(run, "Asia/Shanghai", until=datetime(2026, 11, 25, 10, 0, 30, tzinfo=tz),
                           clock=lambda: now[0], sleep=sleep)
    assert count == len(ran) == 181
    assert [r for r in ran if r[0] != "outbox-dispatch"] == [("daily-tasks", "08:00")]
    assert ran[0] == ("outbox-dispatch", "07:01") and ran[-1] == ("outbox-dispatch", "10:00")


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_overlapping_runs_take_turns_and_make_each_yearly_duty_once(plant, engine):
    """A manual trigger meeting the cron: the second run waits for the enterprise, then finds the tasks made."""
    import threading
    import time

    from workflows.planning import yearly_duties
    barrier, results = threading.Barrier(2), []

    def slow(session, enterprise_id):
        made = yearly_duties.yearly(session, enterprise_id, 2031)
        time.sleep(0.5)  # not yet committed while the other run looks
        return made

    def run():
        barrier.wait(timeout=10)
        results.append(cycles.per_enterprise(engine, "system:test", None, slow))
    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(timeout=30) for t in threads]
    assert sorted(r["JYCEM"]["training_plan"] for r in results) == [0, 2]  # two carbon managers, told once
    with Session(engine) as s:
        made = s.exec(select(Task).where(Task.lifecycle == "training_plan", Task.entity_id == 2031)).all()
    assert len(made) == 2 and len({t.assignee_id for t in made}) == 2


def test_one_enterprise_failing_stops_no_other_and_the_run_names_it(plant, engine):
    from steward import demo
    from storage.errors import StewardError
    from workflows.people import organisation as org
    with plant("system:test") as s:
        org.add(s, "person", {"code": "E002", "name": "范婷", "username": "fant", "roles": ["carbon_manager"]},
                enterprise_ref=demo.SISTER)
        sister = org.enterprise(s, demo.SISTER).id

    def work(session, enterprise_id):
        if enterprise_id != sister:
            raise StewardError("no_lab", "缺少 2026 年熟料 CaO 化验值", "The 2026 clinker CaO lab value is missing")
        return yearly_duties.yearly(session, enterprise_id, 2031)
    from workflows.planning import yearly_duties
    with pytest.raises(cycles.EnterprisesFailed) as err:
        cycles.per_enterprise(engine, "system:test", None, work)
    assert set(err.value.failed) == {"JYCEM"} and "CaO" in err.value.zh and "JYCEM" in err.value.en
    # its manager; and top management; not on the national list, so no annual emission report
    assert err.value.done == {demo.SISTER: {"ets_report": 0, "training_plan": 1, "target_review": 2}}
    with Session(engine) as s:  # the sister's tasks were kept though the plant failed
        assert s.exec(select(func.count()).select_from(Task).where(Task.entity_id == 2031)).one() == 3

    def told():
        with Session(engine) as s:
            return s.exec(select(Task).where(Task.lifecycle == "flow_test")).all()
    first = told()  # the plant's two carbon managers, with the reason in both languages
    assert len(first) == 2 and all("CaO" in t.title_zh and "CaO" in t.title_en for t in first)
    with pytest.raises(cycles.EnterprisesFailed):
        cycles.per_enterprise(engine, "system:test", None, work)
    assert len(told()) == 2  # still failing: still one task each, not one per run
    cycles.per_enterprise(engine, "system:test", "JYCEM", lambda s, e: "fixed")
    assert {t.status for t in told()} == {"done"}  # the run got through: the task closed itself


def test_no_address_or_password_is_ever_a_flow_parameter(plant, wired, prefect_harness):
    """What a Prefect server stores with each run: year, enterprise, time zone — the database URL is not there."""
    from prefect.client.orchestration import get_client
    cycles.accounting_flow(2025, "JYCEM")
    cycles.outbox_dispatch_flow()
    with get_client(sync_client=True) as client:
        seen = client.read_flow_runs()
    assert {r.name for r in seen} and all(set(r.parameters) <= {"year", "enterprise", "enterprises", "tz", "limit",
                                                                "readiness_lead_days"} for r in seen)
    assert not any(wired in str(r.parameters) or "sqlite" in str(r.parameters) or "postgresql" in str(r.parameters)
                   for r in seen)


def test_a_flow_with_no_database_provided_or_an_unknown_enterprise_says_so(plant, engine, monkeypatch):
    from flows import wiring
    from storage.errors import StewardError
    wiring.provide(None)
    with pytest.raises(StewardError, match="STEWARD_DATABASE_URL"):
        wiring.current()
    import importlib

    from steward import scheduled
    importlib.reload(scheduled)  # as a worker imports it: from then on the worker's own environment is read
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    monkeypatch.delenv("STEWARD_HOME", raising=False)
    with pytest.raises(StewardError) as err:
        wiring.current()
    assert err.value.code == "no_database" and "work pool" in err.value.en
    monkeypatch.setenv("STEWARD_DATABASE_URL", "postgresql://steward@db.example/steward")
    assert scheduled.from_environment().db_url == "postgresql://steward@db.example/steward"
    wiring.provide(None)
    with pytest.raises(StewardError) as err:
        cycles.per_enterprise(engine, "system:test", "NOSUCH", lambda s, e: None)
    assert err.value.code == "unknown_enterprise" and "NOSUCH" in err.value.zh


def test_one_deployment_set_entered_by_the_installed_package_one_run_at_a_time():
    from prefect.flows import load_flow_from_entrypoint

    from steward import prefect_admin
    planned = prefect_admin.deployments("steward-pool", "Asia/Shanghai")
    batches = {s.name + cycles.BATCH for s in SCHEDULES if s.batched}
    assert sorted(d.name for d in planned) == sorted([s.name for s in SCHEDULES] + list(batches))  # none per enterprise
    for d in planned:
        assert d.entrypoint.startswith("steward.scheduled.") and ":" not in d.entrypoint  # a module, not a path
        assert load_flow_from_entrypoint(d.entrypoint).name == d.flow_name and d.work_pool_name == "steward-pool"
        assert set(d.parameters) <= {"tz", "enterprise"}
        if d.name in batches:  # where a fanned-out run's children go: several at once, never on a schedule
            assert d.concurrency_limit == cycles.BATCH_CONCURRENCY and not d.schedules
        else:
            assert d.concurrency_limit == 1 and len(d.schedules) == 1


def test_the_database_keeps_a_yearly_duty_once_and_a_run_that_meets_it_counts_it_done(plant, engine):
    """Even a run that skipped the look-up (as two runs racing past it would) cannot give a duty twice: the
    database refuses, and the flow reports the enterprise as done, not failed."""
    from storage.models import Person
    from workflows.engine import machine as wf
    from workflows.planning import yearly_duties
    first = cycles.per_enterprise(engine, "system:test", "JYCEM", lambda s, e: yearly_duties.yearly(s, e, 2032))
    assert first["JYCEM"]["training_plan"] >= 1

    def blind(session, enterprise_id):  # gives the duty again without looking
        for person in wf.people_with(session, enterprise_id, ["carbon_manager"]):
            wf.give_task(session, session.get(Person, person.id), "training_plan", 2032, "培训计划", "Training plan",
                         None)
        return "made"
    assert cycles.per_enterprise(engine, "system:test", "JYCEM", blind) == {"JYCEM": "exists"}
    with Session(engine) as s:
        made = s.exec(select(Task).where(Task.lifecycle == "training_plan", Task.entity_id == 2032)).all()
    assert len(made) == first["JYCEM"]["training_plan"]  # one each, as before


def test_the_monthly_carbon_market_flow_opens_each_listed_package_once_and_reminds(plant, engine, wired,
                                                                                  prefect_harness):
    """On the 1st (plant time) last month's package opens for each enterprise on the list; the sister, not on it,
    has nothing to do and does not stop the plant; a second run opens nothing."""
    from datetime import timezone

    from steward import demo
    from storage.models import EtsMonth
    from workflows.engine import clock
    with plant("system:test") as s:
        demo.add_activity(s, demo.new_year(2))
    from workflows.people import organisation as org
    with plant("system:test") as s:
        org.add(s, "person", {"code": "E002", "name": "范婷", "username": "fant", "roles": ["carbon_manager"]},
                enterprise_ref=demo.SISTER)
    moment = datetime(2026, 2, 28, 23, 30, tzinfo=timezone.utc)  # 1 March 07:30 at the plant
    first = cycles.ets_month(engine, moment.astimezone(ZoneInfo("Asia/Shanghai")).date())
    again = cycles.ets_month(engine, moment.astimezone(ZoneInfo("Asia/Shanghai")).date())
    # January was never opened (no run on 1 February): it is opened beside February, each with its deadline
    assert first == {"JYCEM": {"opened": ["2026-01", "2026-02"], "reminders": 0},
                     demo.SISTER: {"opened": [], "reminders": 0}}
    assert again["JYCEM"]["opened"] == []
    with clock.reading(moment):
        ran = cycles.ets_month_flow()  # the same through Prefect's runs
    assert ran["JYCEM"] == {"opened": [], "reminders": 0}
    with Session(engine) as s:
        assert [(m.month.isoformat(), m.state, m.deadline.isoformat()) for m in s.exec(select(EtsMonth))] == [
            ("2026-01-01", "missing", "2026-03-12"), ("2026-02-01", "missing", "2026-04-09")]


def test_a_carbon_market_fault_in_one_enterprise_stops_no_other(plant, engine, monkeypatch):
    """The packages are opened enterprise by enterprise: one whose profile is broken is named, the other done."""
    from steward import demo
    from workflows.ets import reminders
    from workflows.people import organisation as org
    with plant("system:test") as s:
        org.add(s, "person", {"code": "E002", "name": "范婷", "username": "fant", "roles": ["carbon_manager"]},
                enterprise_ref=demo.SISTER)
        plant_id = org.enterprise(s, demo.PLANT).id
    real = reminders.open_month

    def broken(session, enterprise_id, today):
        if enterprise_id == plant_id:
            raise ValueError("profile items unreadable")
        return real(session, enterprise_id, today)
    monkeypatch.setattr(reminders, "open_month", broken)
    with pytest.raises(cycles.EnterprisesFailed) as err:
        cycles.ets_month(engine, datetime(2026, 3, 1).date())
    assert set(err.value.failed) == {"JYCEM"} and err.value.done == {demo.SISTER: {"opened": [], "reminders": 0}}


def test_the_monthly_carbon_market_flow_reconciles_the_meter_readings_of_the_months_just_ended(plant, engine, store,
                                                                                              tmp_path):
    """Readings came daily and found no activity data; the month's data arrived by a way that checks nothing (here
    straight into the database): on the 1st the flow reconciles the month just ended and the one before, for each
    enterprise with readings, and a second run raises nothing again."""
    import csv

    from helpers import act

    from steward import demo
    from storage.models import ActivityRecord, DataAnomaly, Meter
    from workflows.accounting import readings
    january = datetime(2026, 1, 1)  # the month before the one just ended on 1 March
    rows = [["M-W001", (january + timedelta(hours=h)).strftime("%Y-%m-%d %H:%M"), 10.0, 1000.0 + 10 * h, "t"]
            for h in range(31 * 24)]
    path = tmp_path / "january.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["计量器具编号 Meter", "时间 Time", "用量 Amount", "表底数 Counter", "单位 Unit"], *rows])
    done = act(plant, "lixf", lambda s, a: readings.import_upload(s, a, store, path.name, path))
    assert done.findings == []  # January's activity data are not in yet
    with plant("system:test") as s:
        demo.add_activity(s, demo.new_year(2))
    with Session(engine) as s:
        meter = s.exec(select(Meter).where(Meter.code == "M-W001")).one().id
        booked = sum(s.exec(select(ActivityRecord.quantity).where(ActivityRecord.meter_id == meter,
                                                                  ActivityRecord.period == january.date())).all())
    assert abs(booked - 7440.0) / booked > 0.005  # the readings and the activity data disagree beyond class 0.5
    first = cycles.ets_month(engine, datetime(2026, 3, 1).date(), store=store)
    again = cycles.ets_month(engine, datetime(2026, 3, 1).date(), store=store)
    assert first["JYCEM"]["meter_findings"] == 1 and again["JYCEM"]["meter_findings"] == 0
    assert all("meter_findings" not in v for k, v in first.items() if k != "JYCEM")  # no readings, nothing to do
    with Session(engine) as s:
        found = s.exec(select(DataAnomaly).where(DataAnomaly.kind == "meter_mismatch")).all()
    assert [(f.period.isoformat(), f.value) for f in found] == [("2026-01-01", 7440.0)]
    assert f"{booked:,.3f}" in found[0].message_zh
