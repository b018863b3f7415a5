"""Activity data entry (6.1.2 d): import a checked file into ``activity_record`` all-or-nothing,
refusing unknown facilities and meters and months already on record."""

from __future__ import annotations

from sqlmodel import Session, select

from forms import activity_import
from storage.errors import StewardError
from storage.models import ActivityRecord, Facility, Meter
from workflows.accounting import calculation
from workflows.engine import machine, names
from workflows.engine.machine import Actor

ENTRY_ROLES = ("carbon_manager", "department_head", "staff")


def import_file(session: Session, actor: Actor, name: str, data: bytes, years: set[int] | None = None) -> int:
    """Read a spreadsheet or CSV and store it all, or nothing; ``years`` hears which years it changed."""
    machine.require_role(actor, ENTRY_ROLES, "导入活动数据", "Importing activity data")
    return _store(session, actor, activity_import.read(name, data, calculation.library(session, actor.enterprise_id),
                                                       places(session, actor.enterprise_id)), f"import {name}", years)


def enter(session: Session, actor: Actor, records: list[dict], how: str, years: set[int] | None = None) -> int:
    """Rows typed into the form or pushed to the API: the same checks as a file, row for row."""
    machine.require_role(actor, ENTRY_ROLES, "录入活动数据", "Entering activity data")
    rows = activity_import.from_records(records, calculation.library(session, actor.enterprise_id),
                                        places(session, actor.enterprise_id))
    try:
        return _store(session, actor, rows, how, years)
    except StewardError as exc:
        if len(records) != 1 or not exc.details:
            raise
        raise activity_import.one_row(exc) from None


def places(session: Session, enterprise: int) -> activity_import.Places:
    """This enterprise's facilities and meters, which a row may name (a facility by its code or its name)."""
    facilities = session.exec(select(Facility).where(Facility.enterprise_id == enterprise).order_by(Facility.code)).all()
    meters = session.exec(select(Meter.code).where(Meter.enterprise_id == enterprise)).all()
    return activity_import.Places.of([(f.code, f.name) for f in facilities], list(meters))


def _store(session: Session, actor: Actor, rows: list, how: str, years: set[int] | None = None) -> int:
    """Check against the existing months, then insert every row (facilities and meters were checked with the rest)."""
    ent = actor.enterprise_id
    facilities = {f.code: f.id for f in session.exec(select(Facility).where(Facility.enterprise_id == ent))}
    meters = {m.code: m.id for m in session.exec(select(Meter).where(Meter.enterprise_id == ent))}
    existing = {(r.facility_id, r.period, r.category, r.material) for r in session.exec(
        select(ActivityRecord).where(ActivityRecord.enterprise_id == ent,
                                     ActivityRecord.period.in_({row.period for row in rows})))}
    errors = []
    for row in rows:
        if (facilities.get(row.facility), row.period, row.category, row.material) in existing:
            errors.append({"row": row.line, "field": "period",
                           "zh": f"第 {row.line} 行「月份」：{row.period:%Y-%m} 的{names.material(row.material, 'zh')}"
                                 "已有数据（重复月份）",
                           "en": f"row {row.line}, Month: {names.material(row.material, 'en')} for {row.period:%Y-%m} "
                                 "is already on record"})
    if errors:
        raise activity_import.invalid(sorted(errors, key=lambda e: e["row"]))
    for row in rows:
        session.add(ActivityRecord(enterprise_id=ent, facility_id=facilities.get(row.facility), period=row.period,
                                   category=row.category, material=row.material, quantity=row.quantity, unit=row.unit,
                                   source=row.source, meter_id=meters.get(row.meter),
                                   evidence=(row.evidence or f"{how} row {row.line}")[:300]))
    session.flush()
    if years is not None:
        years.update(row.period.year for row in rows)
    return len(rows)
