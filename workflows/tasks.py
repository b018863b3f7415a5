"""The task inbox: each open task with the page where it is done, overdue first in sight, for the person
or — for a department head — the whole department."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from storage.errors import StewardError
from storage.models import (
    CorrectiveAction,
    Document,
    InternalAudit,
    ManagementReview,
    Nonconformity,
    Person,
    ReviewAction,
    Revision,
    Task,
)
from workflows.engine import Actor

HEADS = ("department_head",)
# where a task of each kind is done; kinds whose register has no page of its own yet go to the nearest one
FALLBACK = {"baseline": "/accounting", "data_anomaly": "/accounting", "compliance": "/obligations",
            "improvement": "/nonconformities", "reduction_measure": "/accounting", "training_plan": "/people",
            "objective_review": "/accounting", "surrender": "/accounting"}


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
    return FALLBACK.get(kind, "/")


def inbox(session: Session, actor: Actor, scope: str = "mine") -> list[Item]:
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
    tasks = session.exec(select(Task).where(Task.assignee_id.in_(people), Task.status == "open")
                         .order_by(Task.due, Task.id)).all()
    today = date.today()
    return [Item(t, link(session, t), bool(t.due and t.due < today), names.get(t.assignee_id, "")) for t in tasks]
