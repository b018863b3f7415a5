"""Keep a form-driven record: validate the payload against its schema, link clauses, set retention."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, func, select

from forms.fields import choices_of, from_validation, label_of
from forms.organisation import add_months
from forms.records import FORMS, RecordForm
from storage.errors import NotFound, StewardError
from storage.models import FormRecord, Objective
from workflows import engine
from workflows.engine import Actor

RECORD_KEEPERS = {"carbon_manager", "department_head", "carbon_body_member", "internal_auditor", "staff",
                  "top_management"}


def add(session: Session, actor: Actor, form: str, payload: dict, recorded_on: date | None = None) -> FormRecord:
    engine.require_role(actor, RECORD_KEEPERS, "登记记录", "Keeping a record")
    if form not in FORMS:
        raise StewardError("unknown_form", f"没有记录表单 {form}，可选：{', '.join(FORMS)}",
                           f"No record form {form}; choose {', '.join(FORMS)}", field="form")
    spec = FORMS[form]
    try:
        data = spec.schema.model_validate(payload)
    except ValidationError as exc:
        raise from_validation(exc, spec.schema, spec.zh, spec.en) from None
    when = recorded_on or date.today()
    if when > date.today():
        raise StewardError("future_date", "记录日期不能晚于今天", "A record cannot be dated in the future",
                           field="recorded_on")
    row = FormRecord(enterprise_id=actor.enterprise_id, form=form, payload=data.model_dump(mode="json"),
                     clause_ids=list(spec.clause_ids), recorded_on=when,
                     retain_until=add_months(when, 12 * spec.retention_years), created_by=actor.label)
    session.add(row)
    session.flush()
    if form in DUTIES:  # the yearly duty (7.1 plan, 6.4 review) is done once its year has the record
        engine.close_tasks(session, form, data.year + DUTIES[form])
    if form == "objective_review":
        for objective in session.exec(select(Objective).where(Objective.enterprise_id == actor.enterprise_id,
                                                              Objective.status == "active")):
            objective.reviewed_on = when
            session.add(objective)
        session.flush()
    return row


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
    rows = session.exec(select(FormRecord).where(FormRecord.enterprise_id == actor.enterprise_id,
                                                 FormRecord.form == form)
                        .order_by(FormRecord.recorded_on.desc(), FormRecord.id.desc()).limit(limit)).all()
    needle = q.strip().lower()
    return [r for r in rows if not needle or any(needle in str(v).lower() for v in r.payload.values())]


def counts(session: Session, actor: Actor) -> dict[str, int]:
    return dict(session.exec(select(FormRecord.form, func.count()).where(
        FormRecord.enterprise_id == actor.enterprise_id).group_by(FormRecord.form)).all())


def export(session: Session, actor: Actor, form: str, lang: str, q: str = "") -> tuple[str, bytes]:
    from workflows import exports
    en = lang == "en"
    fields = inputs(form)
    title = spec(form).en if en else spec(form).zh

    def shown(field: Input, value):
        for v, zh, en_label in field.choices:
            if v == value:
                return en_label if en else zh
        return value
    headers = ["Recorded on" if en else "记录日期"] + [f.en if en else f.zh for f in fields]
    rows = [[r.recorded_on.isoformat()] + [shown(f, r.payload.get(f.name)) for f in fields]
            for r in listing(session, actor, form, q, limit=10_000)]
    return title, exports.workbook(title, headers, rows)
