"""Duties the guideline implies on a calendar, as tasks: the yearly training plan (7.1), the yearly
review of objectives and targets (6.4), and reminders to finish the ETS surrender before its deadline
(8.5). Each is given once per period: a rerun finds the open or done task and adds nothing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from accounting.carbon_assets import deadline
from storage.errors import StewardError
from storage.models import AssetTxn, Document, EtsProfile, EtsReport, Person, Revision, Task
from workflows.engine import machine
from workflows.planning import carbon_assets

SURRENDER_WARNINGS = (90, 30, 7)  # days before the deadline
REVIEW_NOTICE_DAYS = 30  # a document's periodic review (7.5.2) is asked for this long before it falls due


def yearly(session: Session, enterprise_id: int, year: int) -> dict[str, int]:
    return {"ets_report": ets_report(session, enterprise_id, year),
        "training_plan": machine.give_once(
            session, enterprise_id, "training_plan", year, ["carbon_manager"],
            f"制定 {year} 年碳排放管理培训计划（7.1）", f"Draw up the {year} carbon training plan (7.1)", date(year, 2, 28)),
        "target_review": machine.give_once(
            session, enterprise_id, "objective_review", year, ["carbon_manager", "top_management"],
            f"评审 {year - 1} 年目标指标完成情况并确定 {year} 年指标（6.4）",
            f"Review how the {year - 1} targets went and set {year}'s (6.4)", date(year, 3, 31)),
    }


def ets_report(session: Session, enterprise_id: int, year: int) -> int:
    """An enterprise on the national list reports the year before by 31 March: the carbon manager's task, done when
    top management approves the report (``workflows.documents.document``). Nothing when already approved."""
    data_year = year - 1
    profile = session.exec(select(EtsProfile).where(EtsProfile.enterprise_id == enterprise_id)).first()
    if profile is None or data_year < profile.listed_from:
        return 0
    report = session.exec(select(EtsReport).where(EtsReport.enterprise_id == enterprise_id,
                                                  EtsReport.year == data_year)).first()
    if report is not None and session.exec(select(Revision.id).where(
            Revision.document_id == report.document_id,
            Revision.state.in_(["approved", "issued", "change_requested"]))).first() is not None:
        return 0
    return machine.give_once(
        session, enterprise_id, "ets_report", data_year, ["carbon_manager"],
        f"编制并报批 {data_year} 年度温室气体排放报告（3 月 31 日前报送主管部门）",
        f"Prepare and have approved the {data_year} annual emission report (due to the authority by 31 March)",
        ets_report_due(data_year))


def ets_report_due(data_year: int) -> date:
    return date(data_year + 1, 3, 31)


def surrender_reminders(session: Session, enterprise_id: int, today: date) -> int:
    """Within 90, 30 and 7 days of the deadline, remind while anything is still due for last year."""
    year = today.year - 1
    days = (deadline(year) - today).days
    stage = min((d for d in SURRENDER_WARNINGS if 0 <= days <= d), default=None)  # 90, then 30, then 7
    if stage is None:
        return 0
    try:
        due = carbon_assets.verified_emissions(session, enterprise_id, year)
    except StewardError:
        return 0  # not in the ETS data yet: nothing to remind of
    surrendered = -sum(t.quantity for t in session.exec(select(AssetTxn).where(
        AssetTxn.enterprise_id == enterprise_id, AssetTxn.txn == "surrender", AssetTxn.compliance_year == year)))
    remaining = due - surrendered
    if remaining < carbon_assets.WHOLE_TONNE:
        return 0
    return machine.give_once(
        session, enterprise_id, "surrender", year * 1000 + stage, ["carbon_manager", "top_management"],
        f"{year} 年度配额清缴尚欠 {remaining:,.0f} t，截止 {deadline(year)}（还有 {days} 天）",
        f"{remaining:,.0f} t still to surrender for {year}, due {deadline(year)} ({days} days left)",
        min(deadline(year), today + timedelta(days=7)))


def document_reviews(session: Session, enterprise_id: int, today: date) -> int:
    """Ask each issued document's owner to review it before its periodic review falls due, once per due date."""
    soon = today + timedelta(days=REVIEW_NOTICE_DAYS)
    given = 0
    for doc in session.exec(select(Document).where(Document.enterprise_id == enterprise_id,
                                                   Document.next_review_due.is_not(None),
                                                   Document.next_review_due <= soon)):
        issued = session.exec(select(Revision.id).where(Revision.document_id == doc.id,
                                                        Revision.state == "issued")).first()
        owner = session.get(Person, doc.owner_id) if doc.owner_id else None
        if issued is None or owner is None or not owner.active or session.exec(select(Task.id).where(
                Task.lifecycle == "document_review", Task.entity_id == doc.id, Task.due == doc.next_review_due)).first():
            continue
        machine.give_task(session, owner, "document_review", doc.id,
                         f"定期评审文件 {doc.number}《{doc.title}》（{doc.next_review_due} 到期，7.5.2）",
                         f"Periodic review of {doc.number} “{doc.title}” (due {doc.next_review_due}, 7.5.2)",
                         doc.next_review_due)
        given += 1
    return given
