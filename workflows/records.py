"""Keep a form-driven record: validate the payload against its schema, link clauses, set retention."""

from __future__ import annotations

from datetime import date

from pydantic import ValidationError
from sqlmodel import Session

from forms.fields import from_validation
from forms.organisation import add_months
from forms.records import FORMS
from storage.errors import StewardError
from storage.models import FormRecord
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
    return row
