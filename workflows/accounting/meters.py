"""Meters and their calibrations (GB 17167, guideline 8.1.3 d): the ledger people keep, and the calibration the
metrologist records from the certificate, which moves the next due date on and makes the evidence current."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from forms.organisation import add_months
from storage.errors import NotFound, StewardError
from storage.models import Facility, Meter
from workflows.engine import clock, machine
from workflows.engine.machine import Actor

KEEPERS = ("carbon_manager", "department_head", "staff")  # the metrologist is staff in most plants


def ledger(session: Session, actor: Actor, today: date | None = None) -> list[dict]:
    """Every meter with where it is, when it was calibrated, when it is due, and whether it is overdue."""
    today = today or clock.today()
    places = dict(session.exec(select(Facility.id, Facility.name).where(Facility.enterprise_id == actor.enterprise_id)).all())
    rows = session.exec(select(Meter).where(Meter.enterprise_id == actor.enterprise_id).order_by(Meter.code)).all()
    return [{"meter": m, "facility": places.get(m.facility_id, ""),
             "overdue": m.calibration_due is not None and m.calibration_due < today,
             "soon": m.calibration_due is not None and today <= m.calibration_due <= add_months(today, 1)}
            for m in rows]


def check_may_record(actor: Actor) -> None:
    machine.require_role(actor, KEEPERS, "登记计量器具检定", "Recording a calibration")


def calibrate(session: Session, actor: Actor, code: str, *, on: date, certificate: str,
              next_due: date | None = None, today: date | None = None) -> Meter:
    """Record a calibration from its certificate: never in the future, never before the last one on record;
    the next due date is the certificate's, or the meter's interval on from this one."""
    check_may_record(actor)
    today = today or clock.today()
    meter = session.exec(select(Meter).where(Meter.enterprise_id == actor.enterprise_id, Meter.code == code)).first()
    if meter is None:  # another enterprise's meter is simply not found
        raise NotFound("meter", f"没有计量器具 {code}", f"No meter {code}")
    if not certificate.strip():
        raise StewardError("certificate", "请填写检定证书编号", "Give the calibration certificate's number",
                           field="certificate")
    if on > today:
        raise StewardError("on", f"检定日期不能晚于今天（{today}）", f"The calibration cannot be after today ({today})",
                           field="on")
    if meter.last_calibrated and on < meter.last_calibrated:
        raise StewardError("on", f"早于已登记的上次检定（{meter.last_calibrated}）",
                           f"Before the last calibration on record ({meter.last_calibrated})", field="on")
    due = next_due or add_months(on, meter.calibration_interval_months)
    if due <= on:
        raise StewardError("next_due", "下次检定日期须晚于本次检定", "The next calibration must come after this one",
                           field="next_due")
    meter.last_calibrated, meter.calibration_due, meter.last_certificate = on, due, certificate.strip()[:120]
    session.add(meter)
    session.flush()
    machine.close_tasks(session, "meter", meter.id)
    return meter
