"""A year's accounting worked out (6.1): the activity data of the year, the factor library with the
enterprise's measured values over the defaults, and the GWP set it keeps, rolled up to facility, process and
enterprise. Nothing is stored here; ``runs`` freezes a result and ``totals`` sums many years at once."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from functools import lru_cache

from sqlmodel import Session, select

from accounting import ets_scope, parameters
from accounting.errors import AccountingError
from accounting.factors import DEFAULT_DOCUMENT, DOCUMENTS, Factor, Library, default_library
from accounting.inventory import Activity, Options, calculate
from accounting.rollup import rollup
from accounting.sectors import balance, power
from accounting.units import convert
from storage.errors import NotFound, StewardError
from storage.models import ActivityRecord, Enterprise, EnterpriseFactor, EtsProfile, Facility, FactorDocument, Process
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
            a.enterprise_id == enterprise_id, a.period >= date(year, 1, 1), a.period < date(year + 1, 1, 1),
            a.pending.is_(False))  # what waits for a carbon manager's confirmation counts in no run
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
            valid_from=f.valid_from, valid_to=f.valid_to, confidence="measured", measured=True, evidence=f.evidence,
            batch=f.batch_quantity, batch_unit=f.batch_unit or ""))
    return {eid: tuple(factors) for eid, factors in found.items()}


def library(session: Session, enterprise_id: int) -> Library:
    return library_with(measured(session, [enterprise_id])[enterprise_id],
                        documents(session, [enterprise_id])[enterprise_id]["document"])


@lru_cache(maxsize=256)
def library_with(factors: tuple[Factor, ...], document: str = DEFAULT_DOCUMENT) -> Library:
    """Enterprises with the same measured values (most have none) and the same document share one library, its
    index and the per-unit results it keeps."""
    with translated():
        return default_library().under(document).with_overrides(list(factors))


def document_of(row: FactorDocument | None) -> dict:
    """The document a run reads defaults under and why: the enterprise's choice on record, or the default order."""
    if row is not None and row.document in DOCUMENTS:
        return {"document": row.document, "basis": "enterprise", "reason": row.reason}
    return {"document": DEFAULT_DOCUMENT, "basis": "default", "reason": ""}


def documents(session: Session, enterprise_ids: list[int]) -> dict[int, dict]:
    rows = {r.enterprise_id: r for r in session.exec(select(FactorDocument).where(
        FactorDocument.enterprise_id.in_(enterprise_ids)))}
    return {eid: document_of(rows.get(eid)) for eid in enterprise_ids}


def choose_document(session: Session, actor: Actor, document: str, reason: str) -> dict:
    """The carbon manager names the document the enterprise reports under (the reporting programme's rule), saying
    why; the next run reads its defaults first and states it. Choosing the default again clears the choice."""
    machine.require_role(actor, ("carbon_manager",), "选择缺省因子依据文件", "Choosing the factor document")
    if document not in DOCUMENTS:
        raise StewardError("document", "缺省因子依据文件须为 " + "、".join(DOCUMENTS),
                           "The factor document is one of " + ", ".join(DOCUMENTS), field="document")
    if document != DEFAULT_DOCUMENT and not reason.strip():
        raise StewardError("document_reason", "请说明依据（如主管部门的报告要求）",
                           "Say why (e.g. the reporting programme's rule)", field="document_reason")
    row = session.exec(select(FactorDocument).where(FactorDocument.enterprise_id == actor.enterprise_id)).first()
    if document == DEFAULT_DOCUMENT:
        if row is not None:
            session.delete(row)
            session.flush()
        return document_of(None)
    row = row or FactorDocument(enterprise_id=actor.enterprise_id, document=document, reason="", chosen_by=actor.label)
    row.document, row.reason, row.chosen_by = document, reason.strip()[:300], actor.label
    session.add(row)
    session.flush()
    return document_of(row)


def add_measured_factor(session: Session, actor: Actor, *, parameter: str, material: str, value: float, unit: str,
                        valid_from: date, evidence: str, valid_to: date | None = None,
                        batch_quantity: float | None = None, batch_unit: str = "t") -> EnterpriseFactor:
    """``batch_quantity``: the fuel the value stands for, so a month of several batches is weighted by it."""
    machine.require_role(actor, ACCOUNTANTS, "登记实测因子", "Recording a measured factor")
    if not evidence.strip():
        raise StewardError("evidence", "实测因子须附证据（化验报告编号等）", "A measured factor needs evidence (lab report…)",
                           field="evidence")
    with translated():
        parameters.check(parameter, material, value, unit, default_library())
    if batch_quantity is not None:
        if not math.isfinite(batch_quantity) or batch_quantity <= 0:
            raise StewardError("batch_quantity", "批次量须为正数", "The batch quantity must be a positive number",
                               field="batch_quantity")
        try:
            convert(batch_quantity, batch_unit, "t")
        except (AccountingError, ValueError):
            raise StewardError("batch_unit", f"批次量的单位须为质量单位（t、kg…），「{batch_unit}」不行",
                               f"The batch quantity's unit must be a mass (t, kg…); {batch_unit!r} is not",
                               field="batch_unit") from None
    if valid_to is not None and valid_to < valid_from:
        raise StewardError("valid_to", "截止日期不能早于起始日期", "The end date cannot come before the start",
                           field="valid_to")
    row = EnterpriseFactor(enterprise_id=actor.enterprise_id, parameter=parameter, material=material, value=value,
                           unit=unit, valid_from=valid_from, valid_to=valid_to, evidence=evidence.strip(),
                           recorded_by=actor.label, batch_quantity=batch_quantity,
                           batch_unit=batch_unit if batch_quantity is not None else None)
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
    """Totals and lines for one year, without storing them; the totals say which GWP set was used, which ETS
    rule the sector's data year falls under, and what a reader must know (defaults used for missing
    measurements, a month with generation and no fuel). A carbon balance whose outputs carry more carbon than
    its inputs is refused."""
    document = documents(session, [enterprise_id])[enterprise_id]
    lib = library_with(measured(session, [enterprise_id])[enterprise_id], document["document"])
    ent = session.get(Enterprise, enterprise_id)
    gwp = gwp_set_of(ent.gwp_set, ent.gwp_reason) if ent is not None else gwp_set_of(None, None)
    sector = ent.industry if ent is not None else ""
    with translated():
        lines = calculate(activities(session, enterprise_id, year), lib, Options(grid=grid, gwp=gwp["set"], sector=sector))
        balance.check(lines)
        said = notes(lines)
    scope = ets_scope.sector_of(sector, listed_as(session, enterprise_id),  # the lines looked at only when they decide
                                {e.activity.material for e in lines} if sector in ets_scope.AMBIGUOUS else ())
    totals = {**rollup(lines), "gwp": gwp, "document": document, "notes": said, "ets": ets(scope, year)}
    if totals["ets"]["figure"] in ets_scope.FROM_LINES:  # the power sector's combustion figures, from the lines
        totals["enterprise"].update(ets_scope.figures(lines))
    return totals, [e.as_json() for e in lines], lib.version


def listed_as(session: Session, enterprise_id: int) -> str | None:
    """The sector the enterprise is on the national list under (its carbon-market profile), if it is."""
    return session.exec(select(EtsProfile.sector).where(EtsProfile.enterprise_id == enterprise_id)).first()


def ets(sector: str, year: int) -> dict:
    """The ETS rule of the sector's data year as the run states it: the figure it names, in words, with its source."""
    rule = ets_scope.rule(sector, year)
    return {"sector": sector, **asdict(rule), "figure_zh": ets_scope.FIGURE_NAMES[rule.figure][0],
            "figure_en": ets_scope.FIGURE_NAMES[rule.figure][1]}


def notes(lines) -> list[dict]:
    """Each distinct note of the lines once (a default used in a month is said once, not per row), then the months
    with generation and no fuel."""
    seen: dict[str, dict] = {}
    for e in lines:
        for note in e.notes:
            seen.setdefault(note["en"], note)
    return in_order(seen.values(), power.months_without_fuel(lines))


def in_order(notes, gaps: list[dict]) -> list[dict]:
    """Defaults by month (their text starts with it), then the months with generation and no fuel."""
    return [*sorted(notes, key=lambda n: n["en"]), *gaps]


def explain(lines: list[dict], facility: str | None = None, material: str | None = None,
            month: str | None = None) -> list[dict]:
    """The lines behind a figure: filter by facility code, material, or month (YYYY-MM)."""
    return [line for line in lines
            if (facility is None or (line["facility"] or "(enterprise)") == facility)
            and (material is None or line["material"] == material)
            and (month is None or line["period"].startswith(month))]
