"""Every lifecycle by name, how to find one of its rows, and the use case behind a trigger that does
more than move the state. The web's one transition route and the CLI go through ``fire`` here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from storage.errors import NotFound, StewardError
from storage.files import FileStore
from storage.models import CorrectiveAction, DataAnomaly, ReviewAction
from workflows.accounting import anomalies
from workflows.audit import internal_audit
from workflows.documents import document
from workflows.engine import machine
from workflows.engine.machine import Actor, Lifecycle
from workflows.improvement import compliance, improvement, nonconformity
from workflows.planning import baseline, reduction
from workflows.review import review

LIFECYCLES: dict[str, Lifecycle] = {lc.name: lc for lc in (
    document.LIFECYCLE, internal_audit.LIFECYCLE, nonconformity.LIFECYCLE, nonconformity.ACTION_LIFECYCLE,
    review.LIFECYCLE, review.ACTION_LIFECYCLE, compliance.LIFECYCLE, baseline.LIFECYCLE, improvement.LIFECYCLE,
    reduction.LIFECYCLE, anomalies.LIFECYCLE)}


@dataclass(frozen=True)
class Submission:
    """What a person sent with a trigger: the version they saw, a comment, the signing password."""

    version: int | None = None
    comment: str = ""
    password: str | None = None
    files: FileStore | None = None


def _by_id(model, zh: str, en: str) -> Callable[[Session, Actor, str], Any]:
    def find(session: Session, actor: Actor, number: str):
        row = session.get(model, int(number)) if number.isdigit() else None
        if row is None or row.enterprise_id != actor.enterprise_id:
            raise NotFound(model.__tablename__, f"没有{zh} #{number}", f"No {en} #{number}")
        return row
    return find


FINDERS: dict[str, Callable[[Session, Actor, str], Any]] = {
    "document": document.get_revision, "internal_audit": internal_audit.get, "nonconformity": nonconformity.get,
    "management_review": review.get, "compliance": compliance.get, "baseline": baseline.get, "improvement": improvement.get,
    "reduction_measure": reduction.get,
    "corrective_action": _by_id(CorrectiveAction, "纠正措施", "corrective action"),
    "review_action": _by_id(ReviewAction, "评审措施", "review action"),
    "data_anomaly": _by_id(DataAnomaly, "异常数据", "data anomaly"),
}

COMMENT_FIELDS = ("note", "outcome", "summary")  # what use cases call the text a button's form sends as comment
Handler = Callable[[Session, Actor, Any, Submission], Any]
HANDLERS: dict[tuple[str, str], Handler] = {
    ("internal_audit", "start"): lambda s, a, row, sub: internal_audit.start(s, a, row, sub.version),
    ("internal_audit", "accept"): lambda s, a, row, sub: internal_audit.accept(
        s, a, row, sub.password, sub.comment, sub.version),
    ("management_review", "compile"): lambda s, a, row, sub: review.compile_inputs(s, a, row, sub.version),
    ("management_review", "approve"): lambda s, a, row, sub: review.sign_off(s, a, row, sub.password, sub.files, sub.version),
    ("compliance", "complete"): lambda s, a, row, sub: compliance.complete(s, a, row, sub.comment, sub.version),
    ("corrective_action", "complete"): lambda s, a, row, sub: nonconformity.complete_action(s, a, row, sub.comment),
    ("review_action", "complete"): lambda s, a, row, sub: review.complete_action(s, a, row.id, sub.comment),
    ("data_anomaly", "confirm"): lambda s, a, row, sub: anomalies.resolve(s, a, row.id, "confirmed", sub.comment),
    ("data_anomaly", "dismiss"): lambda s, a, row, sub: anomalies.resolve(s, a, row.id, "dismissed", sub.comment),
    **{("improvement", t): (lambda s, a, row, sub, status=status: improvement.update(
        s, a, row.number, status, sub.comment)) for status, t in improvement.TRIGGER_FOR.items()},
    **{("reduction_measure", t): (lambda s, a, row, sub, stage=stage: reduction.advance(s, a, row.number, stage))
       for stage, t in reduction.TRIGGER_FOR.items() if stage != "verified"},
    # verifying needs the tonnes achieved: its own form; a bare button is refused by name, never fired blind
    ("reduction_measure", "verify"): lambda s, a, row, sub: reduction.advance(s, a, row.number, "verified", None,
                                                                              sub.comment),
}


def lifecycle(name: str) -> Lifecycle:
    if name not in LIFECYCLES:
        raise NotFound("lifecycle", f"没有这类记录：{name}", f"No such kind of record: {name}")
    return LIFECYCLES[name]


def fire(session: Session, actor: Actor, name: str, number: str, trigger: str, sub: Submission):
    """One trigger on one row, as the person who asked: found within their enterprise, then the
    trigger's own use case if it has one, else the engine (which checks role, guards and version)."""
    lc = lifecycle(name)
    t = lc.transition(trigger)
    row = FINDERS[name](session, actor, number)
    if (name, trigger) in HANDLERS:
        try:
            return HANDLERS[(name, trigger)](session, actor, row, sub)
        except StewardError as exc:
            if exc.field in COMMENT_FIELDS:  # the button's form calls it "comment": the error goes beside it
                exc.field = "comment"
            raise
    if not t.roles:
        raise StewardError("system_only", f"「{t.zh}」由系统自动执行", f"{t.en} happens automatically", status=403)
    return machine.fire(session, lc, row, trigger, actor, expected_version=sub.version, comment=sub.comment,
                       password=sub.password)
