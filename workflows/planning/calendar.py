"""What falls due when (7.5, 8.5, 9.2, 9.3, GB 17167): audits, management reviews, periodic document reviews,
meter calibrations, surrender deadlines, the carbon market's monthly deadlines and this person's own tasks — for one window of dates, so a month
costs the same however many years of history lie behind it."""

from __future__ import annotations

import calendar as monthly
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from accounting.carbon_assets import deadline
from storage.models import Document, EtsMonth, EtsProfile, InternalAudit, ManagementReview, Meter, Task
from workflows.documents.document import visible_to
from workflows.engine import clock, tasks
from workflows.engine.machine import Actor

KINDS = {"audit": ("内部审核", "Internal audit"), "review": ("管理评审", "Management review"),
         "document": ("文件定期评审", "Document review"), "meter": ("计量器具检定", "Meter calibration"),
         "surrender": ("配额清缴截止", "Surrender deadline"),
         "ets": ("碳市场月度报送截止", "Carbon-market month due"),
         "ets_report": ("年度排放报告报送截止", "Annual emission report due"), "task": ("我的任务", "My task")}


@dataclass(frozen=True)
class Event:
    day: date
    kind: str
    zh: str
    en: str
    url: str
    end: date | None = None  # last day, for what spans several


def between(session: Session, actor: Actor, start: date, end: date) -> list[Event]:
    """Everything due from ``start`` to ``end`` (both included), earliest first."""
    ent, out = actor.enterprise_id, []
    for a in session.exec(select(InternalAudit).where(InternalAudit.enterprise_id == ent,
                                                      InternalAudit.planned_start <= end,
                                                      InternalAudit.planned_end >= start)):
        out.append(Event(a.planned_start, "audit", f"内部审核 {a.number}", f"Internal audit {a.number}",
                         f"/audits/{a.number}", a.planned_end))
    for r in session.exec(select(ManagementReview).where(ManagementReview.enterprise_id == ent,
                                                         ManagementReview.planned_on.between(start, end))):
        out.append(Event(r.held_on or r.planned_on, "review", f"管理评审 {r.number}", f"Management review {r.number}",
                         f"/reviews/{r.number}"))
    for d in session.exec(select(Document).where(Document.enterprise_id == ent,
                                                 Document.next_review_due.between(start, end))):
        if visible_to(d, actor):
            out.append(Event(d.next_review_due, "document", f"评审 {d.number}《{d.title}》",
                             f"Review {d.number} “{d.title}”", f"/documents/{d.number}"))
    for m in session.exec(select(Meter).where(Meter.enterprise_id == ent, Meter.calibration_due.between(start, end))):
        out.append(Event(m.calibration_due, "meter", f"检定 {m.code} {m.name}", f"Calibrate {m.code} {m.name}",
                         f"/meters#m-{m.code}"))
    for year in range(start.year - 1, end.year + 1):
        if start <= deadline(year) <= end:
            out.append(Event(deadline(year), "surrender", f"{year} 年度配额清缴截止", f"{year} surrender deadline",
                             f"/assets?year={year}"))
    for m in session.exec(select(EtsMonth).where(EtsMonth.enterprise_id == ent, EtsMonth.deadline.between(start, end))):
        done = "（已报送）" if m.state == "submitted" else ""
        out.append(Event(m.deadline, "ets", f"{m.month:%Y-%m} 月度数据报送截止{done}",
                         f"{m.month:%Y-%m} monthly data due{' (submitted)' if done else ''}", f"/ets/{m.month:%Y-%m}"))
    listed = session.exec(select(EtsProfile.listed_from).where(EtsProfile.enterprise_id == ent)).first()
    for year in range(start.year, end.year + 1):  # the previous data year's report is due by 31 March
        due = date(year, 3, 31)
        if listed is not None and year - 1 >= listed and start <= due <= end:
            out.append(Event(due, "ets_report", f"{year - 1} 年度排放报告报送截止", f"{year - 1} annual emission report due",
                             f"/ets/reports/{year - 1}"))
    for t in session.exec(select(Task).where(Task.assignee_id.in_(tasks.whose(session, actor.person.id)), Task.status == "open",
                                             Task.due.between(start, end))):
        out.append(Event(t.due, "task", t.title_zh, t.title_en, tasks.link(session, t)))
    return sorted(out, key=lambda e: (e.day, e.kind))


def month(session: Session, actor: Actor, year: int, number: int) -> dict:
    """A month as weeks of days (Monday first), each day with what falls on it."""
    weeks = monthly.Calendar().monthdatescalendar(year, number)
    first, last = weeks[0][0], weeks[-1][-1]
    events = between(session, actor, first, last)
    days: dict[date, list[Event]] = {}
    for e in events:
        day = max(e.day, first)
        while day <= min(e.end or e.day, last):
            days.setdefault(day, []).append(e)
            day += timedelta(days=1)
    before = date(year, number, 1) - timedelta(days=1)
    after = date(year, number, 28) + timedelta(days=4)
    return {"year": year, "month": number, "weeks": [[(d, days.get(d, [])) for d in w] for w in weeks],
            "previous": f"{before.year}-{before.month:02d}", "next": f"{after.year}-{after.month:02d}",
            "kinds": KINDS, "today": clock.today()}


def ics(events: list[Event], lang: str, base_url: str) -> bytes:
    """The same dates as an iCalendar file, so they appear in Outlook or DingTalk beside everything else."""
    from icalendar import Calendar
    from icalendar import Event as Entry
    cal = Calendar()
    cal.add("prodid", "-//Carbon Steward//碳管家//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "碳管家 Carbon Steward")
    for e in events:
        entry = Entry()
        label = KINDS[e.kind][lang == "en"]
        key = hashlib.sha1(f"{e.kind}|{e.url}|{e.zh}".encode()).hexdigest()[:16]  # stable: re-imports update
        entry.add("uid", f"{e.kind}-{key}@carbon-steward")
        entry.add("summary", f"{label}: {e.en}" if lang == "en" else f"{label}：{e.zh}")
        entry.add("dtstart", e.day)
        entry.add("dtend", (e.end or e.day) + timedelta(days=1))  # all-day: the end is exclusive
        entry.add("url", base_url.rstrip("/") + e.url)
        cal.add_component(entry)
    return cal.to_ical()
