"""When each flow runs, in the enterprise's time zone; one table for `schedule list`, `serve` and `deploy`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flows import cycles
from storage.errors import StewardError


@dataclass(frozen=True)
class Schedule:
    name: str
    flow: object
    cron: str
    zh: str
    en: str
    yearly: bool = False  # takes a year parameter
    batched: bool = True  # works enterprise by enterprise, so a run on a server may fan out in batches

    def next_runs(self, tz: str, count: int = 1, after: datetime | None = None) -> list[datetime]:
        """The next ``count`` run times strictly after ``after`` (default: now)."""
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        from prefect.server.schemas.schedules import CronSchedule
        after = after or datetime.now(ZoneInfo(tz))
        coro = CronSchedule(cron=self.cron, timezone=tz).get_dates(n=count + 1, start=after)
        with ThreadPoolExecutor(1) as pool:  # its own thread: the caller may already be inside an event loop
            dates = pool.submit(asyncio.run, coro).result()
        return [d.astimezone(ZoneInfo(tz)) for d in dates if d > after][:count]  # strictly after: start is inclusive


SCHEDULES = [
    Schedule("audit-programme", cycles.audit_programme_flow, "0 8 2 1 *",
             "每年1月2日：制定年度内审方案并计划内审（9.2）", "2 Jan: the year's audit programme and audit (9.2)", True),
    Schedule("compliance-evaluation", cycles.compliance_flow, "0 8 15 1 *",
             "每年1月15日：年度合规性评价（9.1）", "15 Jan: the yearly compliance evaluation (9.1)", True),
    Schedule("management-review", cycles.management_review_flow, "0 8 1 11 *",
             "每年11月1日：计划年度管理评审并汇编输入（9.3）", "1 Nov: plan the yearly management review (9.3)", True),
    Schedule("accounting", cycles.accounting_flow, "0 6 5 * *",
             "每月5日：核算本年至今（6.1）", "5th of each month: account the year to date (6.1)", True),
    Schedule("accounting-yearly", cycles.accounting_yearly_flow, "0 6 20 1 *",
             "每年1月20日：上一年度最终核算", "20 Jan: the previous year's final accounting", True),
    Schedule("yearly-planning", cycles.yearly_planning_flow, "0 8 10 1 *",
             "每年1月10日：培训计划（7.1）与目标指标评审（6.4）", "10 Jan: training plan (7.1) and target review (6.4)", True),
    Schedule("ets-month", cycles.ets_month_flow, "0 7 1 * *",
             "每月1日：开启上月全国碳市场报送包，提醒与逾期升级", "1st of each month: open last month's carbon-market "
             "package, remind and escalate"),
    Schedule("daily-tasks", cycles.daily_tasks_flow, "0 8 * * *",
             "每天08:00：到期提醒、逾期升级、配额清缴提醒、每日待办",
             "08:00 daily: reminders, escalations, surrender reminders, digest"),
    Schedule("outbox-dispatch", cycles.outbox_dispatch_flow, "* * * * *",
             "每分钟：发送通知并重试失败的渠道", "Every minute: deliver notifications, retry failed channels",
             batched=False),
]
BY_NAME = {s.name: s for s in SCHEDULES}


def named(name: str) -> Schedule:
    if name not in BY_NAME:
        raise StewardError("unknown_flow", f"没有流程 {name}，可选：{', '.join(BY_NAME)}",
                           f"No flow {name}; choose {', '.join(BY_NAME)}", field="name")
    return BY_NAME[name]


def parameters(s: Schedule, tz: str, enterprise: str | list[str] | None = None, year: int | None = None) -> dict:
    """What a run of the schedule is given: never an address or password (``flows.wiring``). Several
    enterprises (the ones a failed run named, to re-run only those) go as a batch."""
    if not s.batched:
        return {}
    out: dict = {"tz": tz}
    if isinstance(enterprise, list) and len(enterprise) > 1:
        out["enterprises"] = enterprise
    else:
        out["enterprise"] = enterprise[0] if isinstance(enterprise, list) else enterprise
    if s.yearly and year:
        out["year"] = year
    return out


def deployment_options(s: Schedule, tz: str) -> dict:
    """What a schedule's deployment is, served here or deployed to a pool: its cron in the given time zone, and
    one run at a time, so a manual run that meets the cron waits instead of doing the work twice."""
    from prefect.schedules import Cron
    return {"name": s.name, "schedules": [Cron(s.cron, timezone=tz)], "parameters": parameters(s, tz),
            "concurrency_limit": 1, "description": f"{s.zh} / {s.en}"}


def deployments(tz: str) -> list:
    """Prefect deployments for ``serve`` (this process)."""
    return [s.flow.to_deployment(**deployment_options(s, tz)) for s in SCHEDULES]


def serve_embedded(run: Callable[[Schedule], object], tz: str, *, until: datetime | None = None,
                   clock: Callable[[], datetime] | None = None, sleep: Callable[[float], object] = time.sleep,
                   only: set[str] | None = None, stopped: Callable[[], bool] = lambda: False) -> int:
    """Keep every schedule from this process when there is no Prefect server.

    Prefect's scheduler is a server service that its temporary (ephemeral) server does not run, so
    on the embedded default this loop decides *when* from the same cron table and each run is still
    a Prefect flow run. A failing run is logged and the loop goes on. ``only`` keeps a subset (the web
    server keeps delivery and the daily round); ``stopped`` ends the loop. Returns the number of runs.
    """
    clock = clock or (lambda: datetime.now(ZoneInfo(tz)))
    next_at = {s.name: s.next_runs(tz, after=clock())[0] for s in SCHEDULES if only is None or s.name in only}
    runs = 0
    while not stopped():
        now = clock()
        if until is not None and now >= until:
            return runs
        name = min(next_at, key=next_at.get)
        wait = (next_at[name] - now).total_seconds()
        if wait > 0:
            sleep(min(wait, 30.0))
            continue
        try:
            run(BY_NAME[name])
        except Exception:  # the flow run itself records the failure in Prefect
            logging.getLogger("steward.schedule").exception("scheduled flow %s failed", name)
        runs += 1
        next_at[name] = BY_NAME[name].next_runs(tz, after=next_at[name])[0]
    return runs
