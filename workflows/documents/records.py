"""Keep a form-driven record: validate the payload against its schema, link clauses, set retention."""

from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import String, cast
from sqlmodel import Session, func, select

from forms.fields import choices_of, from_validation, label_of
from forms.organisation import add_months
from forms.records import FORMS, RecordForm
from storage.errors import Forbidden, NotFound, StewardError
from storage.models import FormRecord, Objective
from storage.models.org import utcnow
from workflows.engine import clock, machine
from workflows.engine.machine import Actor
from workflows.engine.paging import Page, fetch

RECORD_KEEPERS = {"carbon_manager", "department_head", "carbon_body_member", "internal_auditor", "staff",
                  "top_management"}


def add(session: Session, actor: Actor, form: str, payload: dict, recorded_on: date | None = None) -> FormRecord:
    machine.require_role(actor, RECORD_KEEPERS, "登记记录", "Keeping a record")
    if form not in FORMS:
        raise StewardError("unknown_form", f"没有记录表单 {form}，可选：{', '.join(FORMS)}",
                           f"No record form {form}; choose {', '.join(FORMS)}", field="form")
    spec = FORMS[form]
    data = _validated(spec, payload)
    when = _dated(recorded_on)
    row = FormRecord(enterprise_id=actor.enterprise_id, form=form, payload=data.model_dump(mode="json"),
                     clause_ids=list(spec.clause_ids), recorded_on=when,
                     retain_until=add_months(when, 12 * spec.retention_years), created_by=actor.label)
    session.add(row)
    session.flush()
    if form in DUTIES:  # the yearly duty (7.1 plan, 6.4 review) is done once its year has the record
        machine.close_tasks(session, form, data.year + DUTIES[form], enterprise_id=actor.enterprise_id)
    if form == "objective_review":
        for objective in session.exec(select(Objective).where(Objective.enterprise_id == actor.enterprise_id,
                                                              Objective.status == "active")):
            objective.reviewed_on = when
            session.add(objective)
        session.flush()
    return row


def _validated(spec: RecordForm, payload: dict):
    try:
        return spec.schema.model_validate(payload)
    except ValidationError as exc:
        raise from_validation(exc, spec.schema, spec.zh, spec.en) from None


def _dated(recorded_on: date | None) -> date:
    when = recorded_on or clock.today()
    if when > clock.today():
        raise StewardError("future_date", "记录日期不能晚于今天", "A record cannot be dated in the future",
                           field="recorded_on")
    return when


def get(session: Session, actor: Actor, form: str, record_id: int) -> FormRecord:
    spec(form)
    row = session.get(FormRecord, record_id)
    if row is None or row.enterprise_id != actor.enterprise_id or row.form != form:
        raise NotFound("record", f"没有记录 R{record_id}", f"No record R{record_id}")
    return row


def may_correct(actor: Actor, row: FormRecord) -> bool:
    """The carbon manager, or whoever kept the record."""
    return "carbon_manager" in actor.roles or row.created_by.split(":", 1)[0] == (actor.person.username or
                                                                                   actor.person.code)


def correct(session: Session, actor: Actor, form: str, record_id: int, payload: dict, recorded_on: date | None,
            reason: str) -> FormRecord:
    """Correct a kept record in the open: the new values pass the same checks, the reason is required, and
    what each field held before is kept with the correction."""
    row = get(session, actor, form, record_id)
    if not may_correct(actor, row):
        raise Forbidden("not_keeper", "只有登记人或碳排放管理负责人可以更正记录",
                        "Only whoever kept the record or the carbon manager may correct it")
    data = _validated(spec(form), payload).model_dump(mode="json")
    when = _dated(recorded_on or row.recorded_on)
    if not reason.strip():
        raise StewardError("reason", "请说明更正原因", "Say why the record is corrected", field="reason")
    before = {k: row.payload.get(k) for k in set(data) | set(row.payload) if row.payload.get(k) != data.get(k)}
    if when != row.recorded_on:
        before["recorded_on"] = row.recorded_on.isoformat()
    if not before:
        raise StewardError("unchanged", "没有修改任何内容", "Nothing was changed", field="reason")
    row.corrections = [*(row.corrections or []), {"at": utcnow().isoformat(timespec="seconds"), "by": actor.label,
                                                  "reason": reason.strip()[:500], "before": before}]
    row.payload, row.recorded_on = data, when
    row.retain_until = add_months(when, 12 * spec(form).retention_years)
    session.add(row)
    session.flush()
    return row


def corrections(row: FormRecord, lang: str) -> list[dict]:
    """Each correction in words: when, by whom, why, and each field from what to what."""
    fields = {i.name: i for i in inputs(row.form)}
    out, later = [], dict(row.payload, recorded_on=row.recorded_on.isoformat())
    for c in reversed(row.corrections or []):
        changed = []
        for name, old in c["before"].items():
            label = ("Recorded on" if lang == "en" else "记录日期") if name == "recorded_on" else \
                (fields[name].en if lang == "en" else fields[name].zh) if name in fields else name
            changed.append((label, shown(fields.get(name), old, lang), shown(fields.get(name), later.get(name), lang)))
            later[name] = old
        out.append({"at": datetime.fromisoformat(c["at"]), "by": c["by"].split(":", 1)[-1], "reason": c["reason"], "changed": changed})
    return out


def shown(field: Input | None, value, lang: str) -> str:
    if value is None or value == "":
        return "—"
    for v, zh, en in field.choices if field else ():
        if v == value:
            return en if lang == "en" else zh
    return str(value)


# record forms that finish a yearly task, and how the task's year relates to the record's: the 2027 task
# reviews the 2026 targets
DUTIES = {"training_plan": 0, "objective_review": 1}


@dataclass(frozen=True)
class Input:
    """One field of a record's form, as a page lays it out."""

    name: str
    zh: str
    en: str
    kind: str  # text | long | int | float | choice
    required: bool
    default: Any
    choices: tuple[tuple[str, str, str], ...] = ()  # (value, zh, en)


def inputs(form: str) -> list[Input]:
    schema = spec(form).schema
    out = []
    for name, info in schema.model_fields.items():
        zh, en = label_of(schema, name)
        base = next((a for a in typing.get_args(info.annotation) if a is not type(None)), info.annotation) \
            if typing.get_origin(info.annotation) in (typing.Union, types.UnionType) else info.annotation
        named = choices_of(schema, name)
        if typing.get_origin(base) is typing.Literal:
            values = typing.get_args(base)
            out.append(Input(name, zh, en, "choice", info.is_required(), info.default if not info.is_required() else None,
                             tuple((v, *named.get(v, (v, v))) for v in values)))
            continue
        kind = {int: "int", float: "float"}.get(base, "long" if name in LONG else "text")
        out.append(Input(name, zh, en, kind, info.is_required(), None if info.is_required() else info.default))
    return out


LONG = {"topics", "response", "outcome", "reason", "low_carbon_criteria", "issue", "risk", "schedule"}


def spec(form: str) -> RecordForm:
    if form not in FORMS:
        raise NotFound("form", f"没有记录表单 {form}", f"No record form {form}")
    return FORMS[form]


def listing(session: Session, actor: Actor, form: str, q: str = "", limit: int = 200) -> list[FormRecord]:
    spec(form)
    return list(session.exec(_newest(actor, form, q).limit(limit)).all())


def paged(session: Session, actor: Actor, form: str, q: str = "", number: int = 1) -> tuple[list[FormRecord], Page]:
    """One page of a register's records, newest first, with the total: searched, counted and sliced in the
    database, across every record of the form (not only the newest)."""
    spec(form)
    return fetch(session, _newest(actor, form, q), number)


def _newest(actor: Actor, form: str, q: str = "", *columns):
    query = (select(*columns) if columns else select(FormRecord)).where(FormRecord.enterprise_id == actor.enterprise_id, FormRecord.form == form)
    if q.strip():  # in the values as stored: JSON text, where a Chinese character is written \uXXXX
        needle = json.dumps(q.strip().lower())[1:-1]
        query = query.where(func.lower(cast(FormRecord.payload, String)).contains(needle, autoescape=True))
    return query.order_by(FormRecord.recorded_on.desc(), FormRecord.id.desc())


def counts(session: Session, actor: Actor) -> dict[str, int]:
    return dict(session.exec(select(FormRecord.form, func.count()).where(
        FormRecord.enterprise_id == actor.enterprise_id).group_by(FormRecord.form)).all())


def export(session: Session, actor: Actor, form: str, lang: str, q: str = "") -> tuple[str, IO[bytes]]:
    """Every record the search finds, read in batches, as a workbook: choices in words, not codes."""
    from workflows.engine import exports
    en = lang == "en"
    fields = inputs(form)
    title = spec(form).en if en else spec(form).zh

    def cell(field: Input, value):
        return value if not field.choices or value is None else shown(field, value, lang)
    headers = ["Recorded on" if en else "记录日期"] + [f.en if en else f.zh for f in fields]
    query = _newest(actor, form, q, FormRecord.recorded_on, FormRecord.payload)  # columns, not objects
    rows = ([recorded_on] + [cell(f, payload.get(f.name)) for f in fields]
            for recorded_on, payload in session.exec(query.execution_options(yield_per=1000)))
    return title, exports.spooled(title, headers, rows)
