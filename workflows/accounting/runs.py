"""Accounting runs (6.1): gather a year's activity data, apply the factor library with the
enterprise's measured overrides, roll up to facility, process and enterprise, compare with the
previous year, and freeze the result with the library version it used."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache

from sqlalchemy.orm import defer
from sqlmodel import Session, func, select

from accounting import parameters
from accounting.errors import AccountingError
from accounting.factors import Factor, Library, default_library
from accounting.inventory import Activity, Options, calculate
from accounting.rollup import rollup
from storage.errors import NotFound, StewardError
from storage.models import AccountingRun, ActivityRecord, Enterprise, EnterpriseFactor, Facility, Process
from workflows.engine import machine
from workflows.engine.machine import Actor

ACCOUNTANTS = ("carbon_manager", "top_management", "carbon_body_member")


@contextmanager
def translated() -> Iterator[None]:
    """Pure accounting raises its own error; the shells know only StewardError."""
    try:
        yield
    except AccountingError as exc:
        raise StewardError(exc.code, exc.zh, exc.en, field=exc.field) from None


def enterprise(session: Session, code: str) -> Enterprise:
    found = session.exec(select(Enterprise).where(Enterprise.code == code)).first()
    if found is None:
        raise NotFound("enterprise", f"没有企业 {code}", f"No enterprise {code}", field="enterprise")
    return found


def places(session: Session, enterprise_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """Facility id → (its code, its process's code): where a row's emissions are reported."""
    return {fid: (code, process) for fid, code, process in session.exec(
        select(Facility.id, Facility.code, Process.code).join(Process, Process.id == Facility.process_id, isouter=True)
        .where(Facility.enterprise_id.in_(enterprise_ids)))}


def activities(session: Session, enterprise_id: int, year: int) -> list[Activity]:
    where = places(session, [enterprise_id])
    a = ActivityRecord
    rows = session.connection().execute(  # plain rows: a year of meters is thousands, and ORM objects cost more
        select(a.id, a.period, a.category, a.material, a.quantity, a.unit, a.facility_id, a.source).where(
            a.enterprise_id == enterprise_id, a.period >= date(year, 1, 1), a.period < date(year + 1, 1, 1))
        .order_by(a.period, a.id))
    return [Activity(ref=f"activity_record:{rid}", period=period, category=category, material=material,
                     quantity=quantity, unit=unit, facility=where.get(fid, (None, None))[0],
                     process=where.get(fid, (None, None))[1], source=source)
            for rid, period, category, material, quantity, unit, fid, source in rows]


def measured(session: Session, enterprise_ids: list[int]) -> dict[int, tuple[Factor, ...]]:
    """Each enterprise's measured values, as the factors that override the defaults."""
    found: dict[int, list[Factor]] = {eid: [] for eid in enterprise_ids}
    for f in session.exec(select(EnterpriseFactor).where(EnterpriseFactor.enterprise_id.in_(enterprise_ids))
                          .order_by(EnterpriseFactor.id)):
        found[f.enterprise_id].append(Factor(
            parameter=f.parameter, material=f.material, value=f.value, unit=f.unit, document="enterprise measurement",
            valid_from=f.valid_from, valid_to=f.valid_to, confidence="measured", measured=True, evidence=f.evidence))
    return {eid: tuple(factors) for eid, factors in found.items()}


def library(session: Session, enterprise_id: int) -> Library:
    return library_with(measured(session, [enterprise_id])[enterprise_id])


@lru_cache(maxsize=256)
def library_with(factors: tuple[Factor, ...]) -> Library:
    """Enterprises with the same measured values (most have none) share one library, its index and the
    per-unit results it keeps."""
    with translated():
        return default_library().with_overrides(list(factors))


def add_measured_factor(session: Session, actor: Actor, *, parameter: str, material: str, value: float, unit: str,
                        valid_from: date, evidence: str, valid_to: date | None = None) -> EnterpriseFactor:
    machine.require_role(actor, ACCOUNTANTS, "登记实测因子", "Recording a measured factor")
    if not evidence.strip():
        raise StewardError("evidence", "实测因子须附证据（化验报告编号等）", "A measured factor needs evidence (lab report…)",
                           field="evidence")
    with translated():
        parameters.check(parameter, material, value, unit, default_library())
    if valid_to is not None and valid_to < valid_from:
        raise StewardError("valid_to", "截止日期不能早于起始日期", "The end date cannot come before the start",
                           field="valid_to")
    row = EnterpriseFactor(enterprise_id=actor.enterprise_id, parameter=parameter, material=material, value=value,
                           unit=unit, valid_from=valid_from, valid_to=valid_to, evidence=evidence.strip(),
                           recorded_by=actor.label)
    session.add(row)
    session.flush()
    return row


# 100-year GWP sets in the library; AR5 unless the enterprise keeps another on record. Which set each sector's
# accounting document prescribes is not yet verified (ACCOUNTING-FACTS.md marks it U), so there is one default.
GWP_SETS = {"sar": ("IPCC 第二次评估报告（SAR）", "IPCC Second Assessment Report (SAR)"),
            "ar4": ("IPCC 第四次评估报告（AR4）", "IPCC Fourth Assessment Report (AR4)"),
            "ar5": ("IPCC 第五次评估报告（AR5）", "IPCC Fifth Assessment Report (AR5)")}
DEFAULT_GWP = "ar5"


def gwp_set(session: Session, enterprise_id: int) -> dict:
    """The set a run uses and why: the enterprise's own choice on record, or the default."""
    ent = session.get(Enterprise, enterprise_id)
    return gwp_set_of(ent.gwp_set, ent.gwp_reason) if ent is not None else gwp_set_of(None, None)


def gwp_set_of(code: str | None, reason: str | None) -> dict:
    if code in GWP_SETS:
        return {"set": code, "basis": "enterprise", "reason": reason or ""}
    return {"set": DEFAULT_GWP, "basis": "default", "reason": ""}


def choose_gwp_set(session: Session, actor: Actor, code: str, reason: str) -> Enterprise:
    """The carbon manager keeps another GWP set on record (the reporting programme asks for it), saying why;
    the next run uses it and states it. Choosing the default again clears the override."""
    machine.require_role(actor, ("carbon_manager",), "选择 GWP 取值", "Choosing the GWP set")
    if code not in GWP_SETS:
        raise StewardError("gwp_set", "GWP 取值须为 " + "、".join(GWP_SETS), "The GWP set is one of " + ", ".join(GWP_SETS),
                           field="gwp_set")
    if code != DEFAULT_GWP and not reason.strip():
        raise StewardError("gwp_reason", "请说明依据（如主管部门的报告要求）", "Say why (e.g. the reporting programme's rule)",
                           field="gwp_reason")
    ent = session.get(Enterprise, actor.enterprise_id)
    ent.gwp_set, ent.gwp_reason = (None, None) if code == DEFAULT_GWP else (code, reason.strip()[:300])
    session.add(ent)
    session.flush()
    return ent


def compute(session: Session, enterprise_id: int, year: int, grid: str = "national") -> tuple[dict, list[dict], str]:
    """Totals and lines for one year, without storing them; the totals say which GWP set was used."""
    lib = library(session, enterprise_id)
    gwp = gwp_set(session, enterprise_id)
    with translated():
        lines = calculate(activities(session, enterprise_id, year), lib, Options(grid=grid, gwp=gwp["set"]))
    totals = {**rollup(lines), "gwp": gwp}
    return totals, [e.as_json() for e in lines], lib.version


def run(session: Session, enterprise_id: int, year: int, created_by: str, grid: str = "national",
        progress=lambda step, total, zh, en: None) -> AccountingRun:
    """Compute and freeze a year's accounting, with the year before for comparison.

    Rerunning with the same data and factors returns the existing run instead of a duplicate, so a
    scheduled flow may run as often as it likes. ``progress`` hears of each of the four steps."""
    progress(1, 4, f"核算 {year} 年", f"Accounting {year}")
    totals, lines, version = compute(session, enterprise_id, year, grid)
    if not lines:
        raise StewardError("no_data", f"{year} 年没有活动数据", f"No activity data for {year}", field="year")
    fingerprint = hashlib.sha256(json.dumps([grid, version, totals["gwp"], lines], sort_keys=True,
                                            default=str).encode()).hexdigest()
    same = session.exec(select(AccountingRun).where(AccountingRun.enterprise_id == enterprise_id,
                                                    AccountingRun.year == year, AccountingRun.data_sha256 == fingerprint)
                        ).first()
    if same is not None:
        progress(4, 4, "数据与因子未变，沿用已保存的核算", "Data and factors unchanged: the stored run stands")
        return same
    progress(2, 4, f"与 {year - 1} 年对比", f"Comparing with {year - 1}")
    from workflows.accounting.totals import year_totals  # it builds on this module
    before = year_totals(session, enterprise_id, year - 1, grid)  # its totals only, not its lines again
    if before is not None:
        totals["previous_year"] = {"year": year - 1, "enterprise": before["enterprise"],
                                   "intensity": before["intensity"],
                                   "change": _change(before["enterprise"]["total"], totals["enterprise"]["total"])}
    progress(3, 4, "保存结果", "Storing the result")
    row = AccountingRun(enterprise_id=enterprise_id, year=year, grid=grid, library_version=version, totals=totals,
                        lines=lines, created_by=created_by, data_sha256=fingerprint)
    session.add(row)
    session.flush()
    progress(4, 4, "完成", "Done")
    return row


def _change(before: float, after: float) -> float | None:
    return round((after / before - 1) * 100, 2) if before else None


def explain(lines: list[dict], facility: str | None = None, material: str | None = None,
            month: str | None = None) -> list[dict]:
    """The lines behind a figure: filter by facility code, material, or month (YYYY-MM)."""
    return [line for line in lines
            if (facility is None or (line["facility"] or "(enterprise)") == facility)
            and (material is None or line["material"] == material)
            and (month is None or line["period"].startswith(month))]



def check_may_run(actor: Actor) -> None:
    """Asked before a run starts in the background, so a refusal comes at once and not from the job."""
    machine.require_role(actor, ACCOUNTANTS, "核算", "Accounting")


def run_as(session: Session, actor: Actor, year: int, grid: str = "national",
           progress=lambda step, total, zh, en: None) -> AccountingRun:
    """A person asks for a year's accounting: the same run as the flow's, refused to other roles."""
    check_may_run(actor)
    return run(session, actor.enterprise_id, year, actor.label, grid, progress)


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


def page(session: Session, actor: Actor, run_id: int | None = None, facility: str | None = None) -> dict:
    """The accounting page: one run (the newest unless chosen), its totals, and one facility's lines."""
    from workflows.accounting.activity import ENTRY_ROLES  # activity imports this module
    runs = recent_runs(session, actor.enterprise_id)
    chosen = session.exec(_runs(actor.enterprise_id).where(AccountingRun.id == run_id)).first() if run_id else \
        (runs[0] if runs else None)
    lines = [x for x in chosen.lines if (x["facility"] or "(enterprise)") == facility] if chosen and facility else []
    return {"runs": runs, "run": chosen, "facility": facility, "lines": lines,
            "can_enter": bool(actor.roles & set(ENTRY_ROLES)), "can_run": bool(actor.roles & set(ACCOUNTANTS))}
