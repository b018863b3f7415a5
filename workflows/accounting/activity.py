"""Activity data entry (6.1.2 d): import a checked file into ``activity_record`` all-or-nothing,
refusing unknown facilities and meters and months already on record. Where the enterprise asks for it
(maker-checker), what staff enter waits, as one batch per import, until a carbon manager confirms it; no run
counts a waiting row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, func, select

from accounting.errors import AccountingError
from accounting.inventory import Activity, calculate
from accounting.sectors import balance
from forms import activity_import
from storage.errors import Forbidden, NotFound, StewardError
from storage.files import FileStore
from storage.models import ActivityBatch, ActivityRecord, ActivityRule, Enterprise, Facility, Meter, Outbox, Person
from storage.vocab import Labelled
from workflows.accounting import calculation, readings
from workflows.accounting.readings import ENTRY_ROLES
from workflows.engine import clock, lifecycle_index, machine, names
from workflows.engine.machine import Actor, Lifecycle, Transition

CHECKERS = ("carbon_manager",)  # whose entries count at once, and who confirms the others'
BATCH = "activity_batch"  # the lifecycle, and the kind of the task that asks to confirm one batch


class BatchState(Labelled):
    pending = ("pending", "待确认", "Awaiting confirmation")
    confirmed = ("confirmed", "已确认计入", "Confirmed")
    returned = ("returned", "已退回", "Sent back")


BATCH_LIFECYCLE = Lifecycle(BATCH, "活动数据批次", "Activity data batch", BatchState, "pending", [
    Transition("confirm", "pending", "confirmed", "确认计入", "Confirm", roles=CHECKERS),
    Transition("send_back", "pending", "returned", "退回修改", "Send back", roles=CHECKERS, comment_required=True,
               rejects=True),
])


def import_file(session: Session, actor: Actor, name: str, data: bytes, years: set[int] | None = None,
                store: FileStore | None = None) -> int:
    """Read a spreadsheet or CSV and store it all, or nothing; ``years`` hears which years it changed; ``store``
    holds the meter readings its months are reconciled with."""
    machine.require_role(actor, ENTRY_ROLES, "导入活动数据", "Importing activity data")
    return _store(session, actor, activity_import.read(name, data, calculation.library(session, actor.enterprise_id),
                                                       places(session, actor.enterprise_id), sector(session, actor)),
                  f"import {name}", years, store)


def enter(session: Session, actor: Actor, records: list[dict], how: str, years: set[int] | None = None,
          store: FileStore | None = None) -> int:
    """Rows typed into the form or pushed to the API: the same checks as a file, row for row."""
    machine.require_role(actor, ENTRY_ROLES, "录入活动数据", "Entering activity data")
    rows = activity_import.from_records(records, calculation.library(session, actor.enterprise_id),
                                        places(session, actor.enterprise_id), sector(session, actor))
    try:
        return _store(session, actor, rows, how, years, store)
    except StewardError as exc:
        if len(records) != 1 or not exc.details:
            raise
        raise activity_import.one_row(exc) from None


def sector(session: Session, actor: Actor) -> str:
    """The enterprise's industry: a row is checked under the rules its run applies (a power plant's coal)."""
    ent = session.get(Enterprise, actor.enterprise_id)
    return (ent.industry or "") if ent is not None else ""


def places(session: Session, enterprise: int) -> activity_import.Places:
    """This enterprise's facilities and meters, which a row may name (a facility by its code or its name)."""
    facilities = session.exec(select(Facility).where(Facility.enterprise_id == enterprise).order_by(Facility.code)).all()
    meters = session.exec(select(Meter.code).where(Meter.enterprise_id == enterprise)).all()
    return activity_import.Places.of([(f.code, f.name) for f in facilities], list(meters))


def confirming(session: Session, enterprise_id: int) -> bool:
    rule = session.get(ActivityRule, enterprise_id)
    return bool(rule and rule.confirm_staff_data)


def waits(session: Session, actor: Actor) -> bool:
    """Whether what this person enters waits for a carbon manager."""
    return not actor.roles & set(CHECKERS) and confirming(session, actor.enterprise_id)


def set_rule(session: Session, actor: Actor, on: bool) -> ActivityRule:
    machine.require_role(actor, CHECKERS, "设置数据确认", "Setting data confirmation")
    rule = session.get(ActivityRule, actor.enterprise_id) or ActivityRule(enterprise_id=actor.enterprise_id)
    rule.confirm_staff_data, rule.changed_by, rule.changed_at = on, actor.label, clock.utcnow()
    session.add(rule)
    session.flush()
    return rule


def _batch(session: Session, actor: Actor, how: str, rows: int) -> ActivityBatch:
    """A new batch for an import; typed figures join the person's batch still waiting, so one click confirms them."""
    found = None
    if not how.startswith("import "):
        found = session.exec(select(ActivityBatch).where(
            ActivityBatch.enterprise_id == actor.enterprise_id, ActivityBatch.entered_by_id == actor.person.id,
            ActivityBatch.state == "pending", ActivityBatch.label == how[:300])).first()
    batch = found or ActivityBatch(enterprise_id=actor.enterprise_id, label=how[:300], entered_by_id=actor.person.id,
                                   entered_at=clock.utcnow())
    batch.rows += rows
    session.add(batch)
    session.flush()
    if found is None:
        machine.give_once(session, actor.enterprise_id, BATCH, batch.id, CHECKERS,
                          f"确认 {actor.person.name} 录入的活动数据（{how[:80]}）",
                          f"Confirm the activity data {actor.person.name} entered ({how[:80]})",
                          clock.today() + timedelta(days=3))
    return batch


def _store(session: Session, actor: Actor, rows: list, how: str, years: set[int] | None = None,
           store: FileStore | None = None) -> int:
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
    errors += _balances(session, ent, rows, facilities)
    if errors:
        raise activity_import.invalid(sorted(errors, key=lambda e: e["row"]))
    batch = _batch(session, actor, how, len(rows)) if rows and waits(session, actor) else None
    for row in rows:
        session.add(ActivityRecord(enterprise_id=ent, facility_id=facilities.get(row.facility), period=row.period,
                                   category=row.category, material=row.material, quantity=row.quantity, unit=row.unit,
                                   source=row.source, meter_id=meters.get(row.meter),
                                   evidence=(row.evidence or f"{how} row {row.line}")[:300],
                                   batch_id=batch.id if batch else None, pending=batch is not None))
    session.flush()
    if batch is None:  # waiting rows change no run, and meet no meter, until confirmed
        if years is not None:
            years.update(row.period.year for row in rows)
        readings.recheck(session, ent, store, {row.period for row in rows})
    return len(rows)


def _balances(session: Session, ent: int, rows: list, facilities: dict[str, int]) -> list[dict]:
    """A month's carbon balance (per facility) whose outputs would carry more carbon than its inputs, with the rows
    entered and those on record together: refused at the row of its largest output entered now, with both figures.
    A month whose carbon contents are not all measured yet is checked when the run is."""
    entered = [row for row in rows if row.category in balance.BALANCE]
    if not entered:
        return []
    codes = {fid: code for code, fid in facilities.items()}
    a = ActivityRecord
    stored = session.exec(select(a.period, a.facility_id, a.category, a.material, a.quantity, a.unit).where(
        a.enterprise_id == ent, a.category.in_(balance.BALANCE), a.pending.is_(False),
        a.period.in_({row.period for row in entered}))).all()
    lib = calculation.library(session, ent)
    activities = [Activity(f"row {row.line}", row.period, row.category, row.material, row.quantity, row.unit,
                           row.facility) for row in entered]
    activities += [Activity("stored", period, category, material, quantity, unit, codes.get(fid))
                   for period, fid, category, material, quantity, unit in stored]
    lines, unknown = [], set()
    for act in activities:
        try:
            lines += calculate([act], lib)
        except AccountingError:  # a carbon content not measured yet (or a row refused already): checked by the run
            unknown.add((f"{act.period:%Y-%m}", act.facility))
    errors = []
    for (month, facility), (carbon_in, carbon_out) in sorted(balance.carbon(lines).items(), key=str):
        if (month, facility) in unknown or carbon_out <= carbon_in + 1e-6:
            continue
        outputs = [e for e in lines if e.activity.ref != "stored" and e.activity.category == "carbon_output"
                   and (f"{e.activity.period:%Y-%m}", e.activity.facility) == (month, facility)]
        if not outputs:  # what is entered now only adds carbon in: the month was so before it
            continue
        row = min(outputs, key=lambda e: e.tco2).activity
        line = int(row.ref.split()[1])
        where = f"{month}{' ' + facility if facility else ''}"
        errors.append({"row": line, "field": "quantity",
                       "zh": f"第 {line} 行「数量」：{where} 碳平衡的产出含碳 {carbon_out:,.3f} t，多于投入的 {carbon_in:,.3f} t"
                             f"（连同已录入的数据）：请核对{names.material(row.material, 'zh')}的数量 {row.quantity:g} "
                             f"{row.unit} 和单位、含碳量，或是否漏填了本月的投入",
                       "en": f"row {line}, Quantity: {where}: the carbon balance's outputs carry {carbon_out:,.3f} t of "
                             f"carbon, more than its inputs' {carbon_in:,.3f} t (with the data on record): check "
                             f"{names.material(row.material, 'en')}'s quantity {row.quantity:g} {row.unit} and unit, its "
                             "carbon content, or whether an input of the month is missing"})
    return errors


@dataclass(frozen=True)
class Waiting:
    batch: ActivityBatch
    entered_by: str
    months: str  # "2026-01 – 2026-02"


def waiting(session: Session, actor: Actor, limit: int = 50) -> list[Waiting]:
    """Batches awaiting confirmation: every one for a carbon manager, a person's own for the rest."""
    query = select(ActivityBatch, Person.name).join(Person, Person.id == ActivityBatch.entered_by_id).where(
        ActivityBatch.enterprise_id == actor.enterprise_id, ActivityBatch.state == "pending")
    if not actor.roles & set(CHECKERS):
        query = query.where(ActivityBatch.entered_by_id == actor.person.id)
    found = session.exec(query.order_by(ActivityBatch.id).limit(limit)).all()
    spans = {bid: (lo, hi) for bid, lo, hi in session.exec(
        select(ActivityRecord.batch_id, func.min(ActivityRecord.period), func.max(ActivityRecord.period))
        .where(ActivityRecord.batch_id.in_([b.id for b, _ in found])).group_by(ActivityRecord.batch_id)).all()}

    def span(batch_id) -> str:
        lo, hi = spans.get(batch_id, (None, None))
        return "" if lo is None else f"{lo:%Y-%m}" + ("" if hi == lo else f" – {hi:%Y-%m}")
    return [Waiting(batch, name, span(batch.id)) for batch, name in found]


def _pending(session: Session, actor: Actor, batch_id: int) -> ActivityBatch:
    machine.require_role(actor, CHECKERS, "确认活动数据", "Confirming activity data")
    batch = session.get(ActivityBatch, batch_id)
    if batch is None or batch.enterprise_id != actor.enterprise_id:
        raise NotFound("batch", f"没有待确认的数据 #{batch_id}", f"No data awaiting confirmation #{batch_id}")
    if batch.state != "pending":
        raise StewardError("decided", "这批数据已处理", "This batch was dealt with already", status=409)
    if batch.entered_by_id == actor.person.id:
        raise Forbidden("own_data", "不能确认本人录入的数据", "You cannot confirm data you entered yourself")
    return batch


def confirm(session: Session, actor: Actor, batch_id: int, store: FileStore | None = None) -> list[int]:
    """Count a whole batch from now on (its months with meter readings, in ``store``, are reconciled again);
    returns the years it touches, for their runs to be made again."""
    batch = _pending(session, actor, batch_id)
    months = set(session.exec(select(ActivityRecord.period).where(ActivityRecord.batch_id == batch.id)).all())
    for row in session.exec(select(ActivityRecord).where(ActivityRecord.batch_id == batch.id)).all():
        row.pending = False  # row by row, so the audit log holds each change
        session.add(row)
    _decide(session, actor, batch, "confirm", "")
    readings.recheck(session, actor.enterprise_id, store, months)
    return sorted({p.year for p in months})


def send_back(session: Session, actor: Actor, batch_id: int, note: str) -> ActivityBatch:
    """Refuse a batch with the reason: its rows go, so the person can enter the months again."""
    batch = _pending(session, actor, batch_id)
    if not note.strip():
        raise StewardError("note", "退回须说明原因", "Say why the data is sent back", field="note")
    for row in session.exec(select(ActivityRecord).where(ActivityRecord.batch_id == batch.id)).all():
        session.delete(row)
    return _decide(session, actor, batch, "send_back", note.strip()[:500])


def _decide(session: Session, actor: Actor, batch: ActivityBatch, trigger: str, note: str) -> ActivityBatch:
    """The batch moves through its lifecycle (the engine changes its state and logs it); who decided and why stay
    on the batch for the page."""
    machine.fire(session, BATCH_LIFECYCLE, batch, trigger, actor, comment=note)
    batch.decided_by_id, batch.decided_at, batch.note = actor.person.id, clock.utcnow(), note
    session.add(batch)
    machine.close_tasks(session, BATCH, batch.id)
    if trigger == "send_back":  # the person hears why, and enters the months again
        session.add(Outbox(enterprise_id=batch.enterprise_id, person_id=batch.entered_by_id,
                           subject=f"[碳管家] 活动数据被退回 / Activity data sent back: {batch.label}"[:300],
                           body=f"{actor.person.name} 退回了您录入的活动数据「{batch.label}」：{note}。请修正后重新录入。\n"
                                f"{actor.person.name} sent back the activity data {batch.label}: {note}. Please "
                                "correct it and enter it again."[:4000]))
    session.flush()
    return batch


def _find(session: Session, actor: Actor, number: str) -> ActivityBatch:
    batch = session.get(ActivityBatch, int(number)) if number.isdigit() and len(number) < 12 else None
    if batch is None or batch.enterprise_id != actor.enterprise_id:
        raise NotFound("batch", f"没有这批活动数据 #{number}", f"No activity data batch #{number}")
    return batch


# from the generic transition route too, a batch is confirmed or sent back only through its use case
lifecycle_index.register(BATCH_LIFECYCLE, _find, {
    "confirm": lambda s, a, row, sub: confirm(s, a, row.id),
    "send_back": lambda s, a, row, sub: send_back(s, a, row.id, sub.comment)})
