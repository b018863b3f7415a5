"""Accounting runs (6.1): a year's calculation frozen with the library version it used and compared with
the year before, and the reads of the runs on record (the newest, a year's, every year's totals)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy.orm import defer
from sqlmodel import Session, func, select

from accounting import like_for_like as lfl
from storage.errors import StewardError
from storage.models import AccountingRun
from workflows.accounting.calculation import ACCOUNTANTS, compute
from workflows.accounting.totals import year_totals
from workflows.engine import clock, machine
from workflows.engine.machine import Actor


def run(session: Session, enterprise_id: int, year: int, created_by: str, grid: str = "national",
        progress=lambda step, total, zh, en: None) -> AccountingRun:
    """Compute and freeze a year's accounting, with the year before for comparison.

    Rerunning with the same data and factors returns the existing run instead of a duplicate, so a
    scheduled flow may run as often as it likes; the run is marked checked then, so a change to the data that left
    the figures as they were no longer shows it as out of date. ``progress`` hears of each of the four steps."""
    progress(1, 4, f"核算 {year} 年", f"Accounting {year}")
    totals, lines, version = compute(session, enterprise_id, year, grid)
    if not lines:
        raise StewardError("no_data", f"{year} 年没有活动数据", f"No activity data for {year}", field="year")
    fingerprint = hashlib.sha256(json.dumps([grid, version, totals["gwp"], lines], sort_keys=True,
                                            default=str).encode()).hexdigest()
    same = session.exec(select(AccountingRun).where(AccountingRun.enterprise_id == enterprise_id,
                                                    AccountingRun.year == year, AccountingRun.data_sha256 == fingerprint)
                        ).first()
    if same is not None:  # the run stands as of now: confirming it clears the note that its data changed after it
        same.checked_at = clock.utcnow()
        session.add(same)
        session.flush()
        progress(4, 4, "数据与因子未变，沿用已保存的核算", "Data and factors unchanged: the stored run stands")
        return same
    progress(2, 4, f"与 {year - 1} 年对比", f"Comparing with {year - 1}")
    before = year_totals(session, enterprise_id, year - 1, grid)  # its totals only, not its lines again
    if before is not None:  # a year in progress against the same months of the year before, never its twelve
        months = lfl.covered(totals)
        same, how = lfl.figure(before, "enterprise", "", "total", months)
        totals["previous_year"] = {"year": year - 1, "enterprise": before["enterprise"],
                                   "intensity": before["intensity"], "months": months,
                                   "same_months": same if how == lfl.MONTHLY else None,
                                   "change": _change(same, totals["enterprise"]["total"]) if how == lfl.MONTHLY
                                   else None}
    progress(3, 4, "保存结果", "Storing the result")
    row = AccountingRun(enterprise_id=enterprise_id, year=year, grid=grid, library_version=version, totals=totals,
                        lines=lines, created_by=created_by, data_sha256=fingerprint,
                        created_at=clock.utcnow())  # the plant's clock: a scripted scene runs at the hour it names
    session.add(row)
    session.flush()
    progress(4, 4, "完成", "Done")
    return row


def _change(before: float | None, after: float) -> float | None:
    return lfl.change(after, before, 2)


def check_may_run(actor: Actor) -> None:
    """Asked before a run starts in the background, so a refusal comes at once and not from the job."""
    machine.require_role(actor, ACCOUNTANTS, "核算", "Accounting")


def run_as(session: Session, actor: Actor, year: int, grid: str = "national",
           progress=lambda step, total, zh, en: None) -> AccountingRun:
    """A person asks for a year's accounting: the same run as the flow's, refused to other roles."""
    check_may_run(actor)
    return run(session, actor.enterprise_id, year, actor.label, grid, progress)


def accounted(session: Session, enterprise_id: int, years: set[int]) -> list[int]:
    """Of ``years``, those with a run on record: the ones a change to their data makes to be run again."""
    return sorted(y for y in years if latest_run(session, enterprise_id, y) is not None)


def rerun(session: Session, actor: Actor, years: list[int],
          progress=lambda step, total, zh, en: None) -> AccountingRun:
    """Run again each year whose data changed (an import or an entry starts it, whoever made it, as the scheduled
    flow would), on the grid factor its last run used; progress counts the steps of all of them. Returns the
    newest year's run."""
    done = None
    for i, year in enumerate(years):
        last = latest_run(session, actor.enterprise_id, year)
        done = run(session, actor.enterprise_id, year, actor.label, last.grid if last else "national",
                   lambda step, total, zh, en, i=i: progress(i * total + step, total * len(years), zh, en))
    if done is None:
        raise StewardError("no_year", "没有需要重新核算的年度", "No year to run again")
    return done


def _runs(enterprise_id: int):
    # the lines are the bulk of a run: load them only where a page drills into them
    return (select(AccountingRun).options(defer(AccountingRun.lines))
            .where(AccountingRun.enterprise_id == enterprise_id))


def latest_run(session: Session, enterprise_id: int, year: int | None = None) -> AccountingRun | None:
    """The newest run (of a year, if given): the figure the dashboard, API and reports quote."""
    query = _runs(enterprise_id)
    if year is not None:
        query = query.where(AccountingRun.year == year)
    return session.exec(query.order_by(AccountingRun.year.desc(), AccountingRun.id.desc()).limit(1)).first()


def totals_by_year(session: Session, enterprise_id: int) -> dict[int, dict]:
    """Each accounted year's latest totals (never the lines): what a trend over all years on record reads."""
    newest = select(func.max(AccountingRun.id)).where(AccountingRun.enterprise_id == enterprise_id) \
        .group_by(AccountingRun.year)
    return dict(session.exec(select(AccountingRun.year, AccountingRun.totals).where(AccountingRun.id.in_(newest))
                             .order_by(AccountingRun.year)).all())


def year_run(session: Session, enterprise_id: int, year: int) -> AccountingRun:
    """The year's latest run, or a clear refusal when the year has not been accounted."""
    run = latest_run(session, enterprise_id, year)
    if run is None:
        raise StewardError("no_run", f"{year} 年尚未核算，请先核算", f"{year} has not been accounted yet; run the "
                           "accounting first", field="year", status=404)
    return run


def recent_runs(session: Session, enterprise_id: int, limit: int = 12) -> list[AccountingRun]:
    return list(session.exec(_runs(enterprise_id).order_by(AccountingRun.id.desc()).limit(limit)).all())
