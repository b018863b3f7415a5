"""The task inbox: each open task with the page where it is done, overdue first in sight, for the person
or — for a department head — the whole department."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from storage.errors import StewardError
from storage.models import (
    Baseline,
    ComplianceEvaluation,
    CorrectiveAction,
    DataAnomaly,
    Document,
    EtsMonth,
    Improvement,
    InternalAudit,
    ManagementReview,
    Nonconformity,
    Person,
    ReductionMeasure,
    ReviewAction,
    Revision,
    Task,
)
from workflows.engine import clock, paging
from workflows.engine.machine import Actor

HEADS = ("department_head",)
# where a task of each kind is done, when it is not about a row of its own register
FALLBACK = {"training_plan": "/records/training_plan", "objective_review": "/objectives", "surrender": "/assets",
            "readiness_audit": "/readiness?status=missing", "readiness_review": "/readiness?status=missing",
            "role_change": "/role-changes"}
REGISTERED = {"baseline": (Baseline, "baselines", "number"), "improvement": (Improvement, "improvements", "number"),
              "reduction_measure": (ReductionMeasure, "reductions", "number"),
              "data_anomaly": (DataAnomaly, "anomalies", "id"), "compliance": (ComplianceEvaluation, "compliance", "period")}

ETS_TASKS = ("ets_month", "ets_remind_10", "ets_remind_3", "ets_overdue")  # about one month of the carbon market


@dataclass(frozen=True)
class Item:
    task: Task
    url: str
    overdue: bool
    assignee: str


def link(session: Session, task: Task) -> str:
    kind, entity = task.lifecycle, task.entity_id
    if kind == "document" and (rev := session.get(Revision, entity)):
        return f"/documents/{session.get(Document, rev.document_id).number}"
    if kind == "document_review" and (doc := session.get(Document, entity)):
        return f"/documents/{doc.number}"
    numbered = {"internal_audit": (InternalAudit, "/audits"), "nonconformity": (Nonconformity, "/nonconformities"),
                "management_review": (ManagementReview, "/reviews")}
    if kind in numbered and (row := session.get(numbered[kind][0], entity)):
        return f"{numbered[kind][1]}/{row.number}"
    if kind == "corrective_action" and (action := session.get(CorrectiveAction, entity)):
        return f"/nonconformities/{session.get(Nonconformity, action.nonconformity_id).number}"
    if kind == "review_action" and (action := session.get(ReviewAction, entity)):
        return f"/reviews/{session.get(ManagementReview, action.review_id).number}"
    if kind in ETS_TASKS and (month := session.get(EtsMonth, entity)):
        return f"/ets/{month.month:%Y-%m}"
    if kind in REGISTERED and (row := session.get(REGISTERED[kind][0], entity)):
        return f"/registers/{REGISTERED[kind][1]}/{getattr(row, REGISTERED[kind][2])}"
    from workflows.engine.flow_faults import page
    return FALLBACK.get(kind) or page(kind) or "/"


def inbox(session: Session, actor: Actor, scope: str = "mine", number: int | None = None,
          size: int = paging.SIZE) -> tuple[list[Item], paging.Page]:
    """One page of open tasks (soonest due first) with the total: a head's department may owe hundreds."""
    if scope not in ("mine", "department"):
        raise StewardError("scope", "范围须为“我的”或“本部门”", "Scope is mine or department", field="scope")
    people = [actor.person.id]
    if scope == "department":
        if not actor.roles & set(HEADS) or actor.person.department_id is None:
            raise StewardError("not_head", "只有部门负责人可查看本部门任务", "Only a department head sees the department's "
                               "tasks", status=403, field="scope")
        people = list(session.exec(select(Person.id).where(Person.enterprise_id == actor.enterprise_id,
                                                           Person.department_id == actor.person.department_id)))
    names = {p.id: p.name for p in session.exec(select(Person).where(Person.id.in_(people)))}
    tasks, at = paging.fetch(session, select(Task).where(Task.assignee_id.in_(people), Task.status == "open")
                             .order_by(Task.due, Task.id), number, size)
    today = clock.today()
    return [Item(t, link(session, t), bool(t.due and t.due < today), names.get(t.assignee_id, "")) for t in tasks], at
