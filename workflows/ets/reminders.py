"""The month's deadline kept in sight: the package opened on the 1st for the month just ended, a task and its
message to the carbon managers 10 and 3 days before the deadline, and top management told once it has passed.
Each is given once per month (a rerun finds it), and a submission closes them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from accounting import ets_monthly
from forms.organisation import add_months
from storage.models import EtsMonth
from workflows.engine import machine
from workflows.ets import month as months
from workflows.ets import profile as profiles

STAGES = (10, 3)  # days before the deadline


def open_month(session: Session, enterprise_id: int, today: date) -> list[str]:
    """Open the package of the month that has just ended, and of every earlier month of its year the enterprise
    owes but nobody opened (a profile kept mid-year, a missed run on the 1st), so each is reminded, escalated and
    on the calendar. Earlier years are left to the year view: their reminders would come too late to help."""
    profile = profiles.of(session, enterprise_id)
    last = ets_monthly.previous_month(today)
    if profile is None:
        return []
    month = max(ets_monthly.first_month(profile.sector, profile.listed_from), last.replace(month=1))
    opened = []
    while month <= last:
        row, created = months.ensure(session, enterprise_id, month)
        if row.state != months.EtsState.submitted:
            months.refresh(session, row)
        if created:
            opened.append(f"{month:%Y-%m}")
        month = add_months(month, 1)
    return opened


def remind(session: Session, enterprise_id: int, today: date) -> int:
    """Remind of each month not yet submitted whose deadline is 10 or 3 days off; escalate one that is overdue."""
    given = 0
    for row in session.exec(select(EtsMonth).where(EtsMonth.enterprise_id == enterprise_id,
                                                   EtsMonth.state != months.EtsState.submitted.value,
                                                   EtsMonth.deadline <= today + timedelta(days=STAGES[0]))
                            .order_by(EtsMonth.month)):
        if row.state != months.EtsState.correcting:
            months.refresh(session, row)
        days, label = (row.deadline - today).days, f"{row.month:%Y-%m}"
        if days < 0:
            given += machine.give_once(
                session, enterprise_id, "ets_overdue", row.id, ["carbon_manager", "top_management"],
                f"{label} 碳市场月度数据已逾期 {-days} 天未报送（截止 {row.deadline}）",
                f"The {label} carbon-market month is {-days} day(s) overdue (deadline {row.deadline})", today)
            continue
        stage = min(s for s in STAGES if days <= s)
        given += machine.give_once(
            session, enterprise_id, f"ets_remind_{stage}", row.id, ["carbon_manager"],
            f"{label} 碳市场月度数据须于 {row.deadline} 前报送（还有 {days} 天）",
            f"Submit the {label} carbon-market month by {row.deadline} ({days} day(s) left)", row.deadline)
    return given
