"""The scheduled flows, run for real under Prefect's test harness: each period's work happens once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from helpers import this_year
from sqlmodel import Session, func, select

from flows import cycles
from flows.schedules import BY_NAME, SCHEDULES
from storage.models import AuditProgramme, ComplianceEvaluation, InternalAudit, ManagementReview, Outbox, Task


def count(engine, model) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_running_each_yearly_flow_twice_creates_nothing_twice(plant, engine, db_url, prefect_harness):
    year = this_year()
    first = [cycles.audit_programme_flow(db_url, year), cycles.management_review_flow(db_url, year),
             cycles.compliance_flow(db_url, year)]
    tasks_after_first = count(engine, Task)
    second = [cycles.audit_programme_flow(db_url, year), cycles.management_review_flow(db_url, year),
              cycles.compliance_flow(db_url, year)]
    assert first[0] == {"JYCEM": f"JYCEM-IA-{year}-001"} and first[1] == {"JYCEM": f"JYCEM-MR-{year}-001"}
    assert first[2] == {"JYCEM": str(year)}
    assert all(result == {"JYCEM": "exists"} for result in second)
    assert [count(engine, m) for m in (AuditProgramme, InternalAudit, ManagementReview, ComplianceEvaluation)] == [
        1, 1, 1, 1]
    assert count(engine, Task) == tasks_after_first


def test_the_daily_round_and_dispatch_run_as_flows(plant, engine, db_url, prefect_harness):
    cycles.management_review_flow(db_url, this_year())
    first = cycles.daily_tasks_flow(db_url)
    again = cycles.daily_tasks_flow(db_url)
    assert first["JYCEM"]["digests"] >= 1
    assert again["JYCEM"] == {"reminders": 0, "escalations": 0, "digests": 0, "surrender_reminders": 0,
                              "document_reviews": 0, "evidence_gaps": 0}
    sent = cycles.outbox_dispatch_flow(db_url)
    assert sent["claimed"] == count(engine, Outbox) and sent["no_channel"] == sent["claimed"]  # nobody has a channel


def test_schedules_are_in_shanghai_time():
    after = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    audit = BY_NAME["audit-programme"].next_runs("Asia/Shanghai", after=after)[0]
    assert (audit.year, audit.month, audit.day, audit.hour) == (2027, 1, 2, 8)
    assert audit.utcoffset().total_seconds() == 8 * 3600
    assert {s.name for s in SCHEDULES} == {"audit-programme", "compliance-evaluation", "management-review",
                                           "daily-tasks", "outbox-dispatch", "accounting", "accounting-yearly",
                                           "yearly-planning"}


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
