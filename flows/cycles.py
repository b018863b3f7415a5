"""Prefect flows for the yearly cycles and the daily rounds of the management system.

Each flow finds its database through ``flows.wiring`` (never in its parameters) and works enterprise by
enterprise, each in its own transaction, so one enterprise's bad data does not stop the others.
Every step is idempotent: a second run for the same period finds what the first one made.
The plain functions do the work and are what tests call; the ``@flow`` wrappers add Prefect's
runs, retries and logs.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from flows import wiring
from storage.engine import make_engine, unit_of_work
from storage.errors import Conflict, StewardError
from storage.files import FileStore
from storage.models import Enterprise, RoleAssignment
from workflows.engine import clock, flow_faults

TZ = "Asia/Shanghai"


def local_today(tz: str = TZ) -> date:
    return datetime.now(ZoneInfo(tz)).date()


Choice = str | list[str] | None  # one enterprise's code (a re-run), a batch of codes (a child run), or all


def managed_enterprises(engine: Engine, code: Choice = None) -> list[tuple[int, str]]:
    """Enterprises that run a management system: those with a carbon manager. A group with member plants runs none
    of its own here (its carbon manager oversees the plants on the group grid), with or without people."""
    with Session(engine) as session:
        parents = select(Enterprise.parent_id).where(Enterprise.parent_id.is_not(None))  # type: ignore[union-attr]
        query = select(Enterprise.id, Enterprise.code).where(Enterprise.id.in_(
            select(RoleAssignment.enterprise_id).where(RoleAssignment.role == "carbon_manager")),
            Enterprise.id.not_in(parents))
        if isinstance(code, list):
            query = query.where(Enterprise.code.in_(code))
        elif code:
            query = query.where(Enterprise.code == code)
        return [(i, c) for i, c in session.exec(query.order_by(Enterprise.code)).all()]


class EnterprisesFailed(StewardError):
    """Some enterprises could not be done; the others were. ``done`` holds their results, ``failed`` the reasons."""

    def __init__(self, done: dict, failed: dict[str, StewardError]):
        self.done, self.failed = done, failed
        super().__init__("enterprises_failed",
                         "以下企业未完成：" + "；".join(f"{c}（{e.zh}）" for c, e in failed.items()),
                         "Not done for: " + "; ".join(f"{c} ({e.en})" for c, e in failed.items()), status=500)


def _take_turn(session: Session, enterprise_id: int) -> None:
    """On PostgreSQL, hold the enterprise's row until this transaction ends: two overlapping runs of a flow take
    turns per enterprise, and the second finds what the first made instead of making it again. (SQLite lets one
    writer in at a time already.)"""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Enterprise.id).where(Enterprise.id == enterprise_id).with_for_update())


def per_enterprise(engine: Engine, actor: str, enterprise: Choice, fn) -> dict:
    """Run ``fn(session, enterprise_id)`` for each managed enterprise, each in its own transaction and turn. One
    enterprise that fails (bad data, a lost race) is reported with its reason and the others carry on; the run then
    fails naming it. What another run has just made counts as done."""
    out: dict = {}
    failed: dict[str, StewardError] = {}
    chosen = managed_enterprises(engine, enterprise)
    asked = [enterprise] if isinstance(enterprise, str) else enterprise or []
    unknown = sorted(set(asked) - {code for _, code in chosen})
    if unknown:  # a re-run for an enterprise that is not here is a mistake, not "nothing to do"
        raise StewardError("unknown_enterprise", f"没有开展管理体系的企业 {'、'.join(unknown)}",
                           f"No enterprise {', '.join(unknown)} runs a management system here", field="enterprise")
    flow = actor.rsplit(":", 1)[-1]
    for ent_id, code in chosen:
        try:
            with unit_of_work(engine, actor) as session:
                _take_turn(session, ent_id)
                out[code] = fn(session, ent_id)
                flow_faults.succeeded(session, ent_id, flow)  # a task about an earlier failure closes itself
        except Conflict as exc:
            if exc.code == "duplicate":  # a unique index (e.g. one yearly duty per person) says another run made it
                out[code] = "exists"
            else:
                failed[code] = exc
        except StewardError as exc:
            failed[code] = exc
        except Exception as exc:  # noqa: BLE001  (one enterprise's fault must not stop the others)
            logging.getLogger("steward.flows").exception("%s failed for %s", actor, code)
            failed[code] = StewardError("failed", f"处理出错：{exc}", f"Failed: {exc}")
    if failed:
        _tell_carbon_managers(engine, actor, flow, chosen, failed)
        raise EnterprisesFailed(out, failed)
    return out


def _tell_carbon_managers(engine: Engine, actor: str, flow: str, chosen, failed: dict[str, StewardError]) -> None:
    """Each failed enterprise's carbon managers get a task with the reason (in its own transaction: the work
    was rolled back, the news must not be)."""
    ids = dict((code, ent_id) for ent_id, code in chosen)
    for code, error in failed.items():
        try:
            with unit_of_work(engine, actor) as session:
                flow_faults.failed(session, ids[code], flow, error, local_today())
        except Exception:  # noqa: BLE001  (the run still fails naming the enterprise)
            logging.getLogger("steward.flows").exception("could not tell %s's carbon managers", code)


# Each function imports what its work needs when it runs: a worker's flow run starts a fresh process, and the
# daily round should not pay for pint, python-docx or apprise it never uses.

def plan_audits(engine: Engine, year: int, enterprise: Choice = None) -> dict[str, str]:
    from workflows.audit import internal_audit

    def one(session, ent_id):
        audit = internal_audit.plan_for_year(session, ent_id, year, "system:flow:audit-programme")
        return audit.number if audit else "exists"
    return per_enterprise(engine, "system:flow:audit-programme", enterprise, one)


def plan_reviews(engine: Engine, year: int, enterprise: Choice = None) -> dict[str, str]:
    from workflows.review import review as reviews

    def one(session, ent_id):
        review, created = reviews.ensure(session, ent_id, year)
        return review.number if created else "exists"
    return per_enterprise(engine, "system:flow:management-review", enterprise, one)


def start_compliance(engine: Engine, year: int, enterprise: Choice = None) -> dict[str, str]:
    from workflows.improvement import compliance

    def one(session, ent_id):
        evaluation, created = compliance.start(session, ent_id, str(year), "periodic")
        return evaluation.period if created else "exists"
    return per_enterprise(engine, "system:flow:compliance-evaluation", enterprise, one)


def account_year(engine: Engine, year: int, enterprise: Choice = None) -> dict[str, dict]:
    """Account the year for every enterprise with data; unchanged data gives back the same run."""
    from workflows.accounting import anomalies, runs

    def one(session, ent_id):
        try:
            run = runs.run(session, ent_id, year, "system:flow:accounting")
        except StewardError as exc:
            if exc.code != "no_data":
                raise
            return {"run": None, "reason": exc.en}
        found = anomalies.scan(session, ent_id)  # 6.1.3 b: each new anomaly becomes a task
        return {"run": run.id, "total_tco2": run.totals["enterprise"]["total"], "anomalies": len(found)}
    return per_enterprise(engine, "system:flow:accounting", enterprise, one)


def daily_round(engine: Engine, today: date, enterprise: Choice = None,
                readiness_lead_days: int | None = None, retention_days: int | None = None) -> dict[str, dict[str, int]]:
    from workflows.audit import readiness
    from workflows.ets import reminders as ets_reminders
    from workflows.people import notifications
    from workflows.planning import yearly_duties
    lead = readiness.LEAD_DAYS if readiness_lead_days is None else readiness_lead_days
    kept = timedelta(days=notifications.RETENTION_DAYS if retention_days is None else retention_days)
    before = datetime.combine(today, time(), timezone.utc) - kept

    def one(session, ent_id):
        surrender = yearly_duties.surrender_reminders(session, ent_id, today)  # tasks first, so the digest has them
        reviews = yearly_duties.document_reviews(session, ent_id, today)
        carbon_market = ets_reminders.remind(session, ent_id, today)  # 10 and 3 days ahead, and once overdue
        gaps = readiness.gap_tasks(session, ent_id, today, lead)
        readiness.snapshot(session, ent_id, today)  # the dashboard's readiness trend
        return {**notifications.daily(session, today, ent_id), "surrender_reminders": surrender,
                "document_reviews": reviews, "evidence_gaps": gaps, "ets_reminders": carbon_market,
                "notifications_pruned": notifications.prune(session, ent_id, before)}
    return per_enterprise(engine, "system:flow:daily-tasks", enterprise, one)


def ets_month(engine: Engine, today: date, enterprise: Choice = None, store: FileStore | None = None
              ) -> dict[str, dict]:
    """Open each listed enterprise's package for the month just ended, then remind and escalate as the daily
    round does (so a month opened late is reminded at once). An enterprise not on the list has nothing to do.
    Every enterprise with meter readings for the month just ended or the one before has them reconciled with the
    activity data in by now (``meter_findings``: how many new findings); ``store`` defaults to the worker's."""
    from accounting.ets_monthly import previous_month
    from forms.organisation import add_months
    from workflows.accounting import readings
    from workflows.ets import reminders
    store = store or _files()
    last = previous_month(today)

    def one(session, ent_id):
        out = {"opened": reminders.open_month(session, ent_id, today),
               "reminders": reminders.remind(session, ent_id, today)}
        metered = readings.months_with_readings(store, ent_id, {add_months(last, -1), last}) if store else []
        if metered:  # the month before last is complete by now: a meter its data leave out is looked for there
            out["meter_findings"] = len(readings.recheck(session, ent_id, store, {m for m in metered if m == last})) + \
                len(readings.recheck(session, ent_id, store, {m for m in metered if m != last}, omissions=True))
        return out
    return per_enterprise(engine, "system:flow:ets-month", enterprise, one)


def _files() -> FileStore | None:
    """The worker's file store, where its settings name one (a flow called without settings has none)."""
    try:
        folder = wiring.current().files_dir
    except StewardError:
        return None
    return FileStore(Path(folder)) if folder else None


def plan_year(engine: Engine, year: int, enterprise: Choice = None) -> dict[str, dict[str, int]]:
    from workflows.planning import yearly_duties
    return per_enterprise(engine, "system:flow:yearly-planning", enterprise,
                          lambda session, ent_id: yearly_duties.yearly(session, ent_id, year))


def _with_engine(fn, *args):
    wired = wiring.current()
    engine = make_engine(wired.db_url, wired.audit_key())
    try:
        return fn(engine, *args)
    finally:
        engine.dispose()


def _worth_retrying(task, task_run, state) -> bool:
    """A database or network hiccup may pass; an enterprise's bad data or a wrong code will not, and a retry
    would redo every enterprise that was done."""
    return not isinstance(state.result(raise_on_failure=False), StewardError)


@task(retries=2, retry_delay_seconds=30, retry_condition_fn=_worth_retrying, cache_policy=NO_CACHE)
def _run(name: str, fn, *args):
    result = _with_engine(fn, *args)
    get_run_logger().info("%s: %s", name, result)
    return result


BATCH = "-batch"  # the deployment a flow's child runs go to: no schedule, several at once
BATCH_CONCURRENCY = 8  # child runs of one flow at a time across the work pool
POLL_SECONDS = 2.0


def _batches(enterprise: str | None, enterprises: list[str] | None) -> list[list[str]] | None:
    """The enterprises split into batches when this run should fan out: a run of a deployment on a Prefect
    server (``prefect.runtime``), for all enterprises, more of them than a batch (the worker's
    ``STEWARD_FLOW_BATCH_SIZE``). A child run, a re-run of some enterprises or a run in this process does
    the work itself."""
    from prefect.runtime import deployment
    size = wiring.current().batch_size
    if enterprise or enterprises or size <= 0 or not deployment.id:
        return None
    codes = [code for _, code in _with_engine(managed_enterprises)]
    return [codes[i:i + size] for i in range(0, len(codes), size)] if len(codes) > size else None


def _fan_out(name: str, params: dict, batches: list[list[str]], fn, *args) -> dict:
    """Start one child run per batch but the last on the work pool (any worker takes it), do the last batch
    here (this run has its process already; a child would start another), wait for the children, and report per
    enterprise: a child that failed names its enterprises in its message (``EnterprisesFailed``); one that
    crashed fails its whole batch."""
    import time

    import httpx
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    logger = get_run_logger()

    def start(batch: list[str]):
        for attempt in range(5):  # a busy server answers 503 now and then; the child is created once it is free
            try:
                return run_deployment(f"{name}/{name}{BATCH}", parameters={**params, "enterprises": batch}, timeout=0)
            except httpx.HTTPError:
                if attempt == 4:
                    raise
                time.sleep(2 ** attempt)
    *theirs, mine = batches
    children = [start(batch) for batch in theirs]
    logger.info("%s: %d enterprises, %d here and %d child runs", name, sum(map(len, batches)), len(mine),
                len(children))
    done: dict[str, str] = {}
    failed: dict[str, StewardError] = {}
    try:
        done.update((code, "done") for code in _run(name, fn, *args, mine))
    except EnterprisesFailed as exc:
        done.update((code, "done") for code in exc.done)
        failed.update(exc.failed)
    with get_client(sync_client=True) as client:
        while True:
            states = [client.read_flow_run(child.id).state for child in children]
            if all(state is not None and state.is_final() for state in states):
                break
            time.sleep(POLL_SECONDS)
    for batch, child, state in zip(theirs, children, states, strict=True):
        if state.is_completed():
            done.update((code, "done") for code in batch)
            continue
        message = state.message or state.name
        named = [code for code in batch if re.search(rf"(?<![\w-]){re.escape(code)} \(", message)]
        for code in batch:
            if named and code not in named:
                done[code] = "done"
            else:
                failed[code] = StewardError("batch_failed", f"子运行 {child.name} 未完成：{message[:300]}",
                                            f"Child run {child.name} did not finish: {message[:300]}")
    if failed:
        raise EnterprisesFailed(done, failed)
    return {"enterprises": len(done), "child_runs": len(children)}


def _work(name: str, params: dict, fn, *args, enterprise: str | None = None,
          enterprises: list[str] | None = None):
    clock.use_zone(params.get("tz", TZ))  # the use cases this run calls stamp the plant's dates (a worker has no Context)
    batches = _batches(enterprise, enterprises)
    if batches:
        return _fan_out(name, params, batches, fn, *args)
    return _run(name, fn, *args, enterprises or enterprise)


# The flows' parameters are what a Prefect server stores and shows: the year, the enterprises to do (one to re-run
# it, a batch for a child run), the time zone — never a database or mail-server address (``flows.wiring``).

@flow(name="audit-programme", log_prints=True)
def audit_programme_flow(year: int | None = None, enterprise: str | None = None, tz: str = TZ,
                         enterprises: list[str] | None = None):
    """年度内审方案：每个企业每年一份方案和一次覆盖全部条款的内审 / The yearly internal audit programme."""
    year = year or local_today(tz).year
    return _work("audit-programme", {"year": year, "tz": tz}, plan_audits, year, enterprise=enterprise,
                 enterprises=enterprises)


@flow(name="management-review", log_prints=True)
def management_review_flow(year: int | None = None, enterprise: str | None = None, tz: str = TZ,
                           enterprises: list[str] | None = None):
    """年度管理评审：计划评审并请碳排放管理人员汇编输入 / Plan the yearly management review."""
    year = year or local_today(tz).year
    return _work("management-review", {"year": year, "tz": tz}, plan_reviews, year, enterprise=enterprise,
                 enterprises=enterprises)


@flow(name="compliance-evaluation", log_prints=True)
def compliance_flow(year: int | None = None, enterprise: str | None = None, tz: str = TZ,
                    enterprises: list[str] | None = None):
    """年度合规性评价：对全部有效义务开展评价 / The yearly compliance re-evaluation."""
    year = year or local_today(tz).year
    return _work("compliance-evaluation", {"year": year, "tz": tz}, start_compliance, year, enterprise=enterprise,
                 enterprises=enterprises)


@flow(name="accounting", log_prints=True)
def accounting_flow(year: int | None = None, enterprise: str | None = None, tz: str = TZ,
                    enterprises: list[str] | None = None):
    """碳排放核算：每月核算本年至今，每年1月核算上一年 / Account the year to date (monthly) or a given year."""
    year = year or local_today(tz).year
    return _work("accounting", {"year": year, "tz": tz}, account_year, year, enterprise=enterprise,
                 enterprises=enterprises)


@flow(name="accounting-yearly", log_prints=True)
def accounting_yearly_flow(year: int | None = None, enterprise: str | None = None, tz: str = TZ,
                           enterprises: list[str] | None = None):
    """年度核算：上一年度的最终核算 / The final accounting of the previous year."""
    year = year or local_today(tz).year - 1
    return _work("accounting-yearly", {"year": year, "tz": tz}, account_year, year, enterprise=enterprise,
                 enterprises=enterprises)


@flow(name="yearly-planning", log_prints=True)
def yearly_planning_flow(year: int | None = None, enterprise: str | None = None, tz: str = TZ,
                         enterprises: list[str] | None = None):
    """年度：培训计划与目标指标评审任务 / The year's training plan and target review."""
    year = year or local_today(tz).year
    return _work("yearly-planning", {"year": year, "tz": tz}, plan_year, year, enterprise=enterprise,
                 enterprises=enterprises)


@flow(name="daily-tasks", log_prints=True)
def daily_tasks_flow(enterprise: str | None = None, tz: str = TZ, readiness_lead_days: int | None = None,
                     enterprises: list[str] | None = None):
    """每日：到期提醒、逾期升级、审核或评审临近时的证据缺口任务、待办汇总 / Reminders, escalations, evidence gaps as
    tasks when an audit or review is near (``readiness_lead_days`` ahead, 30 unless given), and the daily digest."""
    done = _work("daily-tasks", {"tz": tz, "readiness_lead_days": readiness_lead_days}, _daily, local_today(tz),
                 readiness_lead_days, enterprise=enterprise, enterprises=enterprises)
    if not enterprises and not enterprise:  # the whole round, not a batch of it: sign the log's tip for the day
        _anchor_the_day()
    return done


@flow(name="ets-month", log_prints=True)
def ets_month_flow(enterprise: str | None = None, tz: str = TZ, enterprises: list[str] | None = None):
    """每月1日：为纳入全国碳市场的企业开启上月报送包，提醒并升级逾期 / On the 1st: open last month's carbon-market
    package for every listed enterprise, remind and escalate."""
    today = clock.now().astimezone(ZoneInfo(tz)).date()  # the plant's day by the clock the use cases stamp with
    return _work("ets-month", {"tz": tz}, ets_month, today, enterprise=enterprise, enterprises=enterprises)


def _anchor_the_day() -> None:
    """The daily round ends by anchoring the audit log beside the key, as `steward serve`'s own round does, so an
    installation whose flows run on Prefect is anchored daily too."""
    from storage.audit_log import ANCHORS_FILE, keep_anchor
    wired = wiring.current()
    key = wired.audit_key()
    engine = make_engine(wired.db_url, key)
    try:
        mark = keep_anchor(engine, key, Path(wired.audit_key_file).parent / ANCHORS_FILE)
    finally:
        engine.dispose()
    get_run_logger().info("audit log anchored at entry %s", mark["seq"])


def _daily(engine: Engine, today: date, lead: int | None, enterprise: Choice) -> dict:
    return daily_round(engine, today, enterprise, lead, wiring.current().retention_days)


def _dispatch(engine: Engine, limit: int) -> dict:
    from flows import delivery
    wired = wiring.current()
    return delivery.dispatch(engine, wired.smtp_url, limit, None, wired.allow)


@flow(name="outbox-dispatch", log_prints=True)
def outbox_dispatch_flow(limit: int = 200):
    """发送待发通知直至队列为空，失败按退避重试 / Deliver queued notifications until none is left, retrying with
    backoff (``limit`` is the size of each batch claimed, not a cap on the run)."""
    return _run("outbox-dispatch", _dispatch, limit)
