"""The group view (issue 32): for a group's carbon manager and top management, every member plant × the year's
months, each cell missing / ready / submitted / late, and each plant's annual reports with their verification.

A group user is a person of the group enterprise (the parent of its plants) holding one of ``VIEWERS`` there;
the plants they see are the group's members (``Enterprise.parent_id``), never another group's. The month grid is
one query and the report row one more, whatever the number of plants: 1,000 plants × 12 months is one read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from accounting import ets_monthly
from storage.errors import Forbidden, NotFound, StewardError
from storage.files import FileStore
from storage.models import Enterprise, EtsMonth, EtsProfile, Revision
from storage.models.ets import EtsReport, EtsVerification
from storage.vocab import Labelled
from workflows.engine import clock, machine
from workflows.engine.machine import Actor
from workflows.ets import annual
from workflows.ets import month as months
from workflows.ets import verification as verifications

VIEWERS = ("carbon_manager", "top_management")


class Cell(Labelled):
    """What a month of a plant shows on the grid: its state, with lateness told apart from it."""

    not_listed = ("not_listed", "未纳入", "Not listed")
    annual_only = ("annual_only", "仅报年度", "Annual report only")  # listed, but before the sector's monthly start
    not_due = ("not_due", "未到期", "Not due")
    missing = ("missing", "待补齐", "Missing")
    ready = ("ready", "待报送", "Ready")
    late_unsubmitted = ("late_unsubmitted", "逾期未报", "Late, not submitted")
    submitted = ("submitted", "已报送", "Submitted")
    submitted_late = ("submitted_late", "逾期报送", "Submitted late")
    correcting = ("correcting", "更正中", "Being corrected")


class ReportCell(Labelled):
    """A plant's annual report for a data year: its document's newest revision, in the lifecycle's three steps."""

    not_listed = ("not_listed", "未纳入", "Not listed")
    not_due = ("not_due", "年度未结束", "Year not ended")
    not_started = ("not_started", "未编制", "Not started")
    draft = ("draft", "编制中", "Draft")
    in_review = ("in_review", "审核中", "In review")
    approved = ("approved", "已批准", "Approved")


# the document lifecycle's states, folded into the report's three steps (编制 → 审核 → 批准)
REPORT_STEP = {"draft": ReportCell.draft, "change_requested": ReportCell.draft, "in_review": ReportCell.in_review,
               "reviewed": ReportCell.in_review, "approved": ReportCell.approved, "issued": ReportCell.approved}


def report_deadline(year: int) -> date:
    """The annual report of data year ``year`` is due on 31 March of the next year."""
    return date(year + 1, 3, 31)


_LATE = frozenset({Cell.late_unsubmitted.value, Cell.submitted_late.value})
_NOT_LISTED, _NOT_DUE, _MISSING, _READY = Cell.not_listed.value, Cell.not_due.value, Cell.missing.value, Cell.ready.value
_ANNUAL_ONLY = Cell.annual_only.value
_OVERDUE, _SUBMITTED, _SUBMITTED_LATE = Cell.late_unsubmitted.value, Cell.submitted.value, Cell.submitted_late.value
_CORRECTING = Cell.correcting.value


@dataclass(slots=True)
class MonthCell:
    """A cell of the grid; ``cell`` is a ``Cell`` value as a plain string (12,000 of them are compared and
    counted, and an enum's hashing and properties are Python calls)."""

    month: date
    cell: str
    deadline: date | None = None
    state: str | None = None  # the month's own state (missing, ready, submitted, correcting), where it has one
    key: str = ""  # YYYY-MM, as its page's address has it

    @property
    def late(self) -> bool:
        return self.cell in _LATE

    @property
    def kind(self) -> Cell:
        return Cell(self.cell)


@dataclass
class ReportStanding:
    year: int
    cell: ReportCell
    deadline: date
    late: bool = False
    verified: bool = False
    verified_tco2e: float | None = None


@dataclass
class Plant:
    id: int
    code: str
    name_zh: str
    name_en: str
    listed_from: int | None
    sector: str | None = None
    cells: list[MonthCell] = field(default_factory=list)
    reports: list[ReportStanding] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(c.cell for c in self.cells)

    def name(self, lang: str) -> str:
        return (self.name_en or self.name_zh) if lang == "en" else self.name_zh


def _group_of(session: Session, actor: Actor) -> Enterprise:
    """The actor's enterprise, as a group whose grid they may read: refused for a plant's people and other roles."""
    machine.require_role(actor, VIEWERS, "查看集团碳市场报送情况", "Reading the group's carbon-market standing")
    members = session.exec(select(func.count()).select_from(Enterprise)
                           .where(Enterprise.parent_id == actor.enterprise_id)).one()
    if not members:
        raise Forbidden("not_a_group", "本企业没有下属企业：集团视图供集团的碳排放管理人员和最高管理者使用",
                        "Your enterprise has no member plants: the group view is for a group's carbon manager and "
                        "top management")
    return session.get(Enterprise, actor.enterprise_id)


class _Clock:
    """Today, and the moment each deadline ends at the plant (in UTC, as submissions are stored): computed once
    per deadline, not once per cell, so a grid of 12,000 cells costs no more than reading its rows."""

    def __init__(self) -> None:
        self.today = clock.today()
        self.this_month = self.today.replace(day=1)
        self._ends: dict[date, datetime] = {}

    def after(self, submitted_at: datetime, deadline: date) -> bool:
        end = self._ends.get(deadline)
        if end is None:
            local = datetime.combine(deadline + timedelta(days=1), datetime.min.time(), clock.zone())
            end = self._ends[deadline] = local.astimezone(timezone.utc)
        return (submitted_at if submitted_at.tzinfo else submitted_at.replace(tzinfo=timezone.utc)) >= end


def _month_cell(month: date, now: _Clock, listed_from: int | None, sector: str | None, deadline_days: int,
                state: str | None, deadline: date | None, submitted_at: datetime | None) -> MonthCell:
    if listed_from is None or month.year < listed_from:
        return MonthCell(month, _NOT_LISTED)
    if month < ets_monthly.first_month(sector, listed_from):
        return MonthCell(month, _ANNUAL_ONLY)
    due = deadline or ets_monthly.deadline(month, deadline_days, sector)
    if state is None:
        if month >= now.this_month:
            return MonthCell(month, _NOT_DUE, due)  # the month has not ended: nothing is owed yet
        state = "missing"
    if state == "submitted":
        late = submitted_at is not None and now.after(submitted_at, due)
        return MonthCell(month, _SUBMITTED_LATE if late else _SUBMITTED, due, state)
    if state == "correcting":
        return MonthCell(month, _CORRECTING, due, state)
    if now.today > due:
        return MonthCell(month, _OVERDUE, due, state)
    return MonthCell(month, _READY if state == "ready" else _MISSING, due, state)


def _plants(session: Session, group_id: int, year: int, q: str) -> list[Plant]:
    """The month grid: one query for every member plant and every month of the year it has opened."""
    first, last = date(year, 1, 1), date(year, 12, 1)
    query = (select(Enterprise.id, Enterprise.code, Enterprise.name_zh, Enterprise.name_en, EtsProfile.listed_from,
                    EtsProfile.sector, EtsProfile.deadline_days, EtsMonth.month, EtsMonth.state, EtsMonth.deadline, EtsMonth.submitted_at)
             .join(EtsProfile, EtsProfile.enterprise_id == Enterprise.id, isouter=True)
             .join(EtsMonth, and_(EtsMonth.enterprise_id == Enterprise.id, EtsMonth.month >= first,
                                  EtsMonth.month <= last), isouter=True)
             .where(Enterprise.parent_id == group_id))
    if q:
        like = f"%{q}%"
        query = query.where(or_(Enterprise.name_zh.ilike(like), Enterprise.name_en.ilike(like),
                                Enterprise.code.ilike(like)))
    now = _Clock()
    plants: dict[int, Plant] = {}
    opened: dict[int, dict[date, tuple]] = {}
    days: dict[int, int] = {}
    # plain rows, not ORM entities: the grid needs ten columns, not objects to track
    for eid, code, zh, en, listed_from, sector, deadline_days, month, state, deadline, submitted_at in \
            session.connection().execute(query.order_by(Enterprise.name_zh, Enterprise.id)).all():
        if eid not in plants:
            plants[eid] = Plant(eid, code, zh, en, listed_from, sector)
            opened[eid], days[eid] = {}, deadline_days or ets_monthly.DEADLINE_DAYS
        if month is not None:
            opened[eid][month] = (state, deadline, submitted_at)
    firsts = [date(year, number, 1) for number in range(1, 13)]
    keys = [f"{m:%Y-%m}" for m in firsts]
    none = (None, None, None)
    for eid, plant in plants.items():
        mine, listed, d = opened[eid], plant.listed_from, days[eid]
        plant.cells = [_month_cell(month, now, listed, plant.sector, d, *mine.get(month, none)) for month in firsts]
        for cell, key in zip(plant.cells, keys, strict=True):
            cell.key = key
    return list(plants.values())


def _reports(session: Session, group_id: int, plants: list[Plant], years: tuple[int, ...]) -> None:
    """The report row: one query for every member plant's reports of ``years``, each with its document's newest
    revision state and whether it was verified."""
    reports = (select(EtsReport.document_id).join(Enterprise, Enterprise.id == EtsReport.enterprise_id)
               .where(Enterprise.parent_id == group_id, EtsReport.year.in_(years)))
    newest = (select(Revision.document_id, func.max(Revision.rev).label("rev"))  # only these reports' documents
              .where(Revision.document_id.in_(reports)).group_by(Revision.document_id).subquery())
    found: dict[tuple[int, int], tuple] = {}
    for eid, year, state, verified in session.connection().execute(
            select(EtsReport.enterprise_id, EtsReport.year, Revision.state, EtsVerification.verified_tco2e)
            .join(Enterprise, Enterprise.id == EtsReport.enterprise_id)
            .join(newest, newest.c.document_id == EtsReport.document_id, isouter=True)
            .join(Revision, and_(Revision.document_id == newest.c.document_id, Revision.rev == newest.c.rev),
                  isouter=True)
            .join(EtsVerification, and_(EtsVerification.enterprise_id == EtsReport.enterprise_id,
                                        EtsVerification.year == EtsReport.year), isouter=True)
            .where(Enterprise.parent_id == group_id, EtsReport.year.in_(years))).all():
        found[(eid, year)] = (state, verified)
    today = clock.today()
    for plant in plants:
        for year in years:
            due = report_deadline(year)
            if plant.listed_from is None or year < plant.listed_from:
                plant.reports.append(ReportStanding(year, ReportCell.not_listed, due))
                continue
            if (plant.id, year) not in found:
                cell = ReportCell.not_due if today.year <= year else ReportCell.not_started
                plant.reports.append(ReportStanding(year, cell, due, late=cell == ReportCell.not_started and today > due))
                continue
            state, verified = found[(plant.id, year)]
            cell = REPORT_STEP.get(state or "", ReportCell.draft)
            plant.reports.append(ReportStanding(year, cell, due, late=cell != ReportCell.approved and today > due,
                                                verified=verified is not None, verified_tco2e=verified))


def grid(session: Session, actor: Actor, year: int, *, state: str = "", q: str = "") -> dict:
    """The group's grid for a year: a row per member plant (filtered by a cell state and a name), its twelve
    months, its reports of the year before and of the year, and counts per row and per column."""
    group = _group_of(session, actor)
    chosen = Cell(state) if state in Cell.__members__ else None
    if state and chosen is None and state not in ("late", "report_late"):
        raise StewardError("state", "没有这个状态", "No such state", field="state")
    plants = _plants(session, group.id, year, q.strip()[:100])
    years = (year - 1, year)
    _reports(session, group.id, plants, years)
    if chosen is not None:
        plants = [p for p in plants if any(c.cell == chosen for c in p.cells)]
    elif state == "late":
        plants = [p for p in plants if any(c.late for c in p.cells)]
    elif state == "report_late":
        plants = [p for p in plants if any(r.late for r in p.reports)]
    columns: list[Counter] = [Counter() for _ in range(12)]
    late = 0
    for p in plants:
        for column, c in zip(columns, p.cells, strict=True):
            column[c.cell] += 1
            late += c.cell in _LATE
    report_columns = [Counter(p.reports[n].cell.value for p in plants) for n in range(len(years))]
    return {"group": group, "year": year, "today": clock.today(), "plants": plants, "state": state, "q": q,
            "months": [date(year, n, 1) for n in range(1, 13)], "report_years": years, "cells": Cell,
            "report_cells": ReportCell, "columns": columns, "report_columns": report_columns,
            "late_months": late,
            "late_reports": sum(r.late for p in plants for r in p.reports)}


def export(session: Session, actor: Actor, lang: str, year: int, *, state: str = "", q: str = "") -> tuple[str, object]:
    """The grid as filtered on the page, as a workbook: a row per plant, each month's cell and each report in
    words."""
    from workflows.engine import exports
    shown = grid(session, actor, year, state=state, q=q)
    en = lang == "en"
    title = f"Group carbon market {year}" if en else f"集团碳市场报送 {year}"
    headers = (["Enterprise", *[f"{m:%Y-%m}" for m in shown["months"]],
                *[f"Annual report {y}" for y in shown["report_years"]], "Late months"] if en else
               ["企业", *[f"{m:%Y-%m}" for m in shown["months"]],
                *[f"{y} 年度排放报告" for y in shown["report_years"]], "逾期月份数"])

    def report(r: ReportStanding) -> str:
        words = r.cell.label(lang)
        if r.verified:
            words += ", verified" if en else "，已核查"
        if r.late:
            words += ", late" if en else "，逾期"
        return words
    rows = ([p.name(lang), *[c.kind.label(lang) for c in p.cells], *[report(r) for r in p.reports],
             sum(c.late for c in p.cells)] for p in shown["plants"])
    return title, exports.spooled(title, headers, rows)


def _member(session: Session, actor: Actor, code: str) -> tuple[Enterprise, Enterprise]:
    """The group and its member plant ``code``: another group's plant, or the group itself, is not found."""
    group = _group_of(session, actor)
    plant = session.exec(select(Enterprise).where(Enterprise.code == code, Enterprise.parent_id == group.id)).first()
    if plant is None:
        raise NotFound("enterprise", f"集团下没有企业 {code}", f"The group has no member plant {code}")
    return group, plant


def member_month(session: Session, actor: Actor, code: str, month: date) -> dict:
    """One member plant's month package, read-only, for the group: the plant's own page is scoped to its people."""
    group, plant = _member(session, actor, code)
    return {**months.package(session, plant.id, month), "group": group, "unit_labels": ets_monthly.UNIT_LABELS,
            "evidence_kinds": ets_monthly.EVIDENCE}


def member_report(session: Session, actor: Actor, code: str, year: int) -> dict:
    """One member plant's annual report, read-only, for the group: its figures and sections, its document's state
    and signatures, and its verification where one is recorded (the plant's own pages are scoped to its people)."""
    group, plant = _member(session, actor, code)
    shown = annual.page(session, plant.id, year)
    found = verifications.find(session, plant.id, year)
    return {**shown, "group": group, "enterprise": plant, "verification": found,
            "difference": verifications.difference(found.verified_tco2e, found.reported_tco2e) if found else None,
            "base": f"/ets/group/{plant.code}/reports/{year}"}


def member_workbook(session: Session, actor: Actor, code: str, year: int) -> tuple[str, bytes]:
    _, plant = _member(session, actor, code)
    return annual.workbook_of(session, plant.id, year)


def member_word(session: Session, actor: Actor, code: str, year: int, store: FileStore) -> tuple[str, bytes]:
    _, plant = _member(session, actor, code)
    return annual.word_of(session, plant.id, year, store)


def is_group(session: Session, actor: Actor) -> bool:
    """Whether the actor may open the group view (for the link on the carbon-market page)."""
    if not set(VIEWERS) & actor.roles:
        return False
    return session.exec(select(Enterprise.id).where(Enterprise.parent_id == actor.enterprise_id).limit(1)).first() \
        is not None
