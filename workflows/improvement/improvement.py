"""Continual-improvement register (10.1, 10.4): directions found in audits, reviews, compliance
evaluations and nonconformities, each with an owner, a due date and what came of it."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from storage.errors import StewardError
from storage.models import Improvement
from storage.vocab import Labelled
from workflows.engine import clock, lifecycle_index, lookup, machine
from workflows.engine.machine import Actor, Lifecycle, Transition

KEEPERS = ("carbon_manager", "top_management", "department_head", "carbon_body_member", "internal_auditor")
CLAUSES = {"10.1": "改进方向与方案 / Improvement plan", "10.4a": "可持续发展 / Sustainable operation",
           "10.4b": "管理能力 / Management capability", "10.4c": "绩效水平 / Performance",
           "10.4d": "管理机制 / Management system"}


class ImprovementState(Labelled):
    proposed = ("proposed", "已提出", "Proposed")
    in_progress = ("in_progress", "实施中", "In progress")
    done = ("done", "已完成", "Done")
    dropped = ("dropped", "不采纳", "Dropped")


TRIGGER_FOR = {"in_progress": "start", "done": "complete", "dropped": "drop"}
TRANSITIONS = [
    Transition(trigger="start", source="proposed", dest="in_progress", zh="开始实施", en="Start", roles=KEEPERS,
               closes_tasks=False),
    Transition(trigger="complete", source=["proposed", "in_progress"], dest="done", zh="完成", en="Complete",
               roles=KEEPERS, comment_required=True),
    Transition(trigger="drop", source=["proposed", "in_progress"], dest="dropped", zh="不采纳", en="Drop",
               roles=KEEPERS, comment_required=True),
]


def describe(session: Session, row: Improvement) -> tuple[str, str]:
    return f"改进项 {row.number}：{row.title}", f"improvement {row.number}: {row.title}"


LIFECYCLE = Lifecycle("improvement", "改进项", "Improvement", ImprovementState, "proposed", TRANSITIONS,
                      describe=describe)


def add(session: Session, actor: Actor, *, title: str, source: str, clause_id: str = "10.1", description: str = "",
        owner: str | None = None, due: date | None = None, source_ref: str = "") -> Improvement:
    machine.require_role(actor, KEEPERS, "登记改进项", "Registering an improvement")
    if clause_id not in CLAUSES:
        raise StewardError("clause", f"改进项条款须为 {', '.join(CLAUSES)}", f"Clause must be one of {', '.join(CLAUSES)}",
                           field="clause_id")
    if not title.strip():
        raise StewardError("title", "请填写改进项", "Title is required", field="title")
    person = lookup.person(session, actor.enterprise_id, owner) if owner else None
    row = Improvement(enterprise_id=actor.enterprise_id, number=lookup.next_number(
        session, Improvement, actor.enterprise_id, "IM", clock.today().year), source=source, source_ref=source_ref,
        clause_id=clause_id, title=title.strip(), description=description, owner_id=person.id if person else None,
        due=due)
    session.add(row)
    session.flush()
    if person and due:
        machine.give_task(session, person, "improvement", row.id, f"推进改进项 {row.number}：{row.title}",
                         f"Take forward improvement {row.number}: {row.title}", due)
    return row


def get(session: Session, actor: Actor, number: str) -> Improvement:
    return lookup.numbered(session, Improvement, actor.enterprise_id, number, "改进项", "improvement")


def update(session: Session, actor: Actor, number: str, status: str, outcome: str = "") -> Improvement:
    """Move an improvement on (start, complete, drop); finishing or dropping it says what came of it."""
    machine.require_role(actor, KEEPERS, "更新改进项", "Updating an improvement")
    row = get(session, actor, number)
    if status not in TRIGGER_FOR:
        raise StewardError("status", f"状态须为 {', '.join(TRIGGER_FOR)}",
                           f"Status must be one of {', '.join(TRIGGER_FOR)}", field="status")
    if status in ("done", "dropped") and not outcome.strip():
        raise StewardError("outcome", "完成或不采纳须说明结果", "Say what came of it", field="outcome")
    row.outcome = outcome.strip() or row.outcome
    machine.fire(session, LIFECYCLE, row, TRIGGER_FOR[status], actor, comment=outcome.strip())
    return row


lifecycle_index.register(LIFECYCLE, get, {
    t: (lambda s, a, row, sub, status=status: update(s, a, row.number, status, sub.comment))
    for status, t in TRIGGER_FOR.items()})
