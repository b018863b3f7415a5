"""The task inbox: each open task with the page where it is done, overdue first in sight, for the person
or — for a department head — the whole department."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

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
from workflows.engine import clock, paging, standins
from workflows.engine.machine import Actor

HEADS = ("department_head",)
MANAGERS = ("carbon_manager",)  # see every open task of the enterprise, to hand one on
# where a task of each kind is done, when it is not about a row of its own register
FALLBACK = {"training_plan": "/records/training_plan", "objective_review": "/objectives", "surrender": "/assets",
            "readiness_audit": "/readiness?status=missing", "readiness_review": "/readiness?status=missing",
            "role_change": "/role-changes", "activity_batch": "/accounting#waiting"}
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
    for_other: bool = False  # someone else's task: one the actor stands in for, or their department's
    may_reassign: bool = False


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
    if kind == "ets_report":  # keyed by its data year
        return f"/ets/reports/{entity}"
    if kind in REGISTERED and (row := session.get(REGISTERED[kind][0], entity)):
        return f"/registers/{REGISTERED[kind][1]}/{getattr(row, REGISTERED[kind][2])}"
    from workflows.engine.flow_faults import page
    return FALLBACK.get(kind) or page(kind) or "/"


def whose(session: Session, person_id: int) -> list[int]:
    """The people whose open tasks are this person's to do today: their own and those they stand in for."""
    return [person_id, *standins.covered_by(session, person_id, clock.today())]


def _open(session: Session, actor: Actor, scope: str):
    """The open tasks, soonest due first: mine holds the tasks of whoever the actor stands in for today; a head's
    department; a carbon manager may see all, to hand one on."""
    if scope not in ("mine", "department", "all"):
        raise StewardError("scope", "范围须为“我的”“本部门”或“全部”", "Scope is mine, department or all", field="scope")
    if scope == "all" and not actor.roles & set(MANAGERS):
        raise StewardError("not_manager", "只有碳排放管理员可查看全部任务", "Only a carbon manager sees every task",
                           status=403, field="scope")
    people: Any = whose(session, actor.person.id)
    if scope == "department":
        if not actor.roles & set(HEADS) or actor.person.department_id is None:
            raise StewardError("not_head", "只有部门负责人可查看本部门任务", "Only a department head sees the department's "
                               "tasks", status=403, field="scope")
        people = select(Person.id).where(Person.enterprise_id == actor.enterprise_id,  # a subquery, not every member
                                         Person.department_id == actor.person.department_id)
    query = select(Task).where(Task.status == "open")
    query = query.where(Task.enterprise_id == actor.enterprise_id) if scope == "all" else query.where(
        Task.assignee_id.in_(people))
    return query.order_by(Task.due, Task.id)


def export(session: Session, actor: Actor, scope: str, lang: str) -> tuple[str, IO[bytes]]:
    """The open tasks as listed, every page, as a workbook: who, what, when due, on the plant's calendar."""
    from workflows.engine import exports
    en = lang == "en"
    query = _open(session, actor, scope)
    names = dict(session.exec(select(Person.id, Person.name).where(Person.enterprise_id == actor.enterprise_id)).all())
    today = clock.today()
    title = "Open tasks" if en else "待办任务"
    headers = ["Task", "Assigned to", "Due", "Overdue", "Since"] if en else ["任务", "负责人", "期限", "逾期", "下达日期"]
    rows = ([t.title_en if en else t.title_zh, names.get(t.assignee_id, ""), t.due,
             ("Yes" if en else "是") if t.due and t.due < today else "", exports.day(t.created_at)]
            for t in session.exec(query.execution_options(yield_per=500)))
    return title, exports.spooled(title, headers, rows)


def inbox(session: Session, actor: Actor, scope: str = "mine", number: int | None = None,
          size: int = paging.SIZE) -> tuple[list[Item], paging.Page]:
    """One page of open tasks (soonest due first) with the total: a head's department may owe hundreds."""
    tasks, at = paging.fetch(session, _open(session, actor, scope), number, size)
    holders = {p.id: p for p in session.exec(select(Person).where(Person.id.in_({t.assignee_id for t in tasks})))}
    today = clock.today()

    def may_reassign(holder: Person | None) -> bool:
        return bool(actor.roles & set(MANAGERS)) or bool(
            actor.roles & set(HEADS) and holder is not None and actor.person.department_id is not None
            and holder.department_id == actor.person.department_id)
    return [Item(t, link(session, t), bool(t.due and t.due < today),
                 holders[t.assignee_id].name if t.assignee_id in holders else "", t.assignee_id != actor.person.id,
                 may_reassign(holders.get(t.assignee_id))) for t in tasks], at
