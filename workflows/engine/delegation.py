"""Standing in while someone is away, and handing a task to someone else.

A person (or the head of their department) names a substitute for a period; the tasks stay the person's, and
``standins`` shows them in the substitute's inbox for those dates only. A head or a carbon manager may give one
task to someone else, with a reason kept beside the task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, or_, select

from storage.errors import Forbidden, NotFound, StewardError
from storage.models import Delegation, Outbox, Person, Task, TaskHandover, TransitionLog
from workflows.engine import clock, lookup
from workflows.engine.lifecycle_index import LIFECYCLES
from workflows.engine.machine import Actor

HEAD = "department_head"
REASSIGNERS = ("department_head", "carbon_manager")
READ_ONLY = ("viewer",)  # an observer owes no task, and names no stand-in
LONGEST = 366  # days: an absence longer than a year is a change of post, not a stand-in


def _user(session: Session, actor: Actor, username: str, field: str) -> Person:
    """An active user of the actor's enterprise; another enterprise's is answered as a name nobody has."""
    return lookup.person(session, actor.enterprise_id, username.strip(), field=field)


def require_may_delegate(actor: Actor) -> None:
    if not actor.roles - set(READ_ONLY):
        raise Forbidden("role_required", "只读角色不能指定代理人", "A read-only role names no substitute")


def may_name_for(actor: Actor, person: Person) -> bool:
    """The person themselves, or the head of their department."""
    return person.id == actor.person.id or (
        HEAD in actor.roles and person.department_id is not None and person.department_id == actor.person.department_id)


def name(session: Session, actor: Actor, person_username: str, substitute_username: str, starts: date, ends: date,
         reason: str = "") -> Delegation:
    """Name a substitute for a period; an overlapping period of the same person, or a substitute away themselves
    then, is refused by the field that is wrong."""
    require_may_delegate(actor)
    person = _user(session, actor, person_username, "person")
    if not may_name_for(actor, person):
        raise Forbidden("not_yours", "只有本人或其部门负责人可为其指定代理人",
                        "Only the person or the head of their department names their substitute", field="person")
    substitute = _user(session, actor, substitute_username, "substitute")
    if substitute.id == person.id:
        raise StewardError("self", "代理人不能是本人", "A person cannot stand in for themselves", field="substitute")
    today = clock.today()
    if ends < starts:
        raise StewardError("ends", "结束日期早于开始日期", "The period ends before it starts", field="ends")
    if ends < today:
        raise StewardError("ends", f"结束日期 {ends} 已过", f"The period ended on {ends}, in the past", field="ends")
    if (ends - starts).days >= LONGEST:
        raise StewardError("ends", f"代理期不能超过 {LONGEST} 天", f"A stand-in lasts at most {LONGEST} days", field="ends")
    overlapping = select(Delegation).where(Delegation.withdrawn.is_(False), Delegation.starts <= ends,
                                           Delegation.ends >= starts)
    if clash := session.exec(overlapping.where(Delegation.person_id == person.id)).first():
        raise StewardError("overlap", f"{person.name} 在 {clash.starts} 至 {clash.ends} 已有代理人，期间不能重叠",
                           f"{person.name} already has a substitute from {clash.starts} to {clash.ends}; periods "
                           "cannot overlap", field="starts", status=409)
    if clash := session.exec(overlapping.where(Delegation.person_id == substitute.id)).first():
        raise StewardError("substitute_away", f"{substitute.name} 在 {clash.starts} 至 {clash.ends} 本人外出，不能代理",
                           f"{substitute.name} is away from {clash.starts} to {clash.ends} and cannot stand in",
                           field="substitute", status=409)
    if clash := session.exec(overlapping.where(Delegation.substitute_id == person.id)).first():
        raise StewardError("covering", f"{person.name} 在此期间正代理他人（{clash.starts} 至 {clash.ends}），请先另指代理人",
                           f"{person.name} stands in for someone from {clash.starts} to {clash.ends}; name another "
                           "substitute for them first", field="starts", status=409)
    row = Delegation(enterprise_id=actor.enterprise_id, person_id=person.id, substitute_id=substitute.id,
                     starts=starts, ends=ends, reason=reason.strip()[:300], named_by_id=actor.person.id)
    session.add(row)
    session.add(Outbox(enterprise_id=actor.enterprise_id, person_id=substitute.id,
                       subject=f"[碳管家] 代理 {person.name}（{starts} 至 {ends}）/ Standing in for {person.name}",
                       body=f"{substitute.name}：{starts} 至 {ends} 期间，{person.name} 的待办任务将显示在您的任务中。\n"
                            f"{substitute.name}: from {starts} to {ends}, {person.name}'s open tasks show among yours."))
    session.flush()
    return row


def withdraw(session: Session, actor: Actor, delegation_id: int) -> Delegation:
    """End a stand-in early (the person is back): from today their tasks are theirs again."""
    row = session.get(Delegation, delegation_id)
    if row is None or row.enterprise_id != actor.enterprise_id or row.withdrawn:
        raise NotFound("delegation", "没有这项代理", "No such stand-in")
    if not may_name_for(actor, session.get(Person, row.person_id)):
        raise Forbidden("not_yours", "只有本人或其部门负责人可撤销代理", "Only the person or their head ends the stand-in")
    today = clock.today()
    if row.starts >= today:
        row.withdrawn = True
    else:
        row.ends = min(row.ends, today - timedelta(days=1))
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class StandIn:
    row: Delegation
    person: str
    substitute: str
    mine: bool  # the actor may end it
    current: bool


def listing(session: Session, actor: Actor) -> list[StandIn]:
    """Stand-ins not yet over that involve the actor, or (for a head) anyone of their department."""
    today = clock.today()
    query = select(Delegation).where(Delegation.enterprise_id == actor.enterprise_id, Delegation.ends >= today,
                                     Delegation.withdrawn.is_(False))
    mine = [Delegation.person_id == actor.person.id, Delegation.substitute_id == actor.person.id]
    if HEAD in actor.roles and actor.person.department_id is not None:
        mine.append(Delegation.person_id.in_(select(Person.id).where(
            Person.department_id == actor.person.department_id, Person.enterprise_id == actor.enterprise_id)))
    rows = session.exec(query.where(or_(*mine)).order_by(Delegation.starts, Delegation.id).limit(50)).all()
    names = _names(session, {r.person_id for r in rows} | {r.substitute_id for r in rows})
    return [StandIn(r, names[r.person_id], names[r.substitute_id], may_name_for(actor, session.get(Person, r.person_id)),
                    r.starts <= today) for r in rows]


def _names(session: Session, ids) -> dict[int, str]:
    return dict(session.exec(select(Person.id, Person.name).where(Person.id.in_(list(ids)))).all()) if ids else {}


@dataclass(frozen=True)
class DoneForYou:
    at: datetime
    by: str
    action_zh: str
    action_en: str
    title_zh: str
    title_en: str
    url: str
    comment: str


def done_for(session: Session, actor: Actor, limit: int = 20) -> list[DoneForYou]:
    """What substitutes did in the actor's name, newest first, named by the actor's own task on each row: what
    the person reads on coming back."""
    from workflows.engine import tasks  # the inbox reads standins, not this module: no circle
    rows = session.exec(select(TransitionLog, Person.name).join(Person, Person.id == TransitionLog.person_id).where(
        TransitionLog.on_behalf_of_id == actor.person.id).order_by(TransitionLog.id.desc()).limit(limit)).all()
    out = []
    for log, by in rows:
        lc = LIFECYCLES.get(log.lifecycle)
        t = next((t for t in lc.transitions if t.trigger == log.trigger), None) if lc else None
        task = session.exec(select(Task).where(Task.assignee_id == actor.person.id, Task.lifecycle == log.lifecycle,
                                               Task.entity_id == log.entity_id).order_by(Task.id.desc())).first()
        out.append(DoneForYou(log.at, by, t.zh if t else log.trigger, t.en if t else log.trigger,
                              task.title_zh if task else "", task.title_en if task else "",
                              tasks.link(session, task) if task else "", log.comment))
    return out


def reassign(session: Session, actor: Actor, task_id: int, to_username: str, reason: str) -> TaskHandover:
    """Give an open task to someone else: a carbon manager any of the enterprise's, a head their department's."""
    task = session.get(Task, task_id)
    if task is None or task.enterprise_id != actor.enterprise_id:
        raise NotFound("task", "没有这项任务", "No such task")
    if not actor.roles & set(REASSIGNERS):
        raise Forbidden("role_required", "只有部门负责人和碳排放管理员可转派任务",
                        "Only a department head or a carbon manager reassigns a task")
    holder = session.get(Person, task.assignee_id)
    if "carbon_manager" not in actor.roles and (actor.person.department_id is None
                                                 or holder.department_id != actor.person.department_id):
        raise Forbidden("not_department", "部门负责人只能转派本部门人员的任务",
                        "A department head reassigns only the tasks of their own department")
    if task.status != "open":
        raise StewardError("closed", "任务已完成或已取消，不能转派", "The task is done or cancelled; it cannot be reassigned",
                           status=409)
    if not reason.strip():
        raise StewardError("reason", "转派须说明原因", "Say why the task is reassigned", field="reason")
    to = _user(session, actor, to_username, "assignee")
    if not to.username:
        raise StewardError("assignee", f"{to.name} 没有登录账号", f"{to.name} cannot sign in", field="assignee")
    if to.id == task.assignee_id:
        raise StewardError("assignee", f"任务已由 {to.name} 负责", f"{to.name} already holds the task", field="assignee")
    handover = TaskHandover(enterprise_id=task.enterprise_id, task_id=task.id, from_id=task.assignee_id, to_id=to.id,
                            by_id=actor.person.id, reason=reason.strip()[:500], at=clock.utcnow())
    task.assignee_id = to.id
    session.add_all([task, handover])
    session.add(Outbox(enterprise_id=task.enterprise_id, person_id=to.id, task_id=task.id,
                       subject=f"[碳管家] {actor.person.name} 转派任务：{task.title_zh} / Task reassigned to you: {task.title_en}"[:300],
                       body=f"{to.name}：{actor.person.name} 将任务「{task.title_zh}」从 {holder.name} 转派给您（原因：{reason.strip()}），"
                            f"请于 {task.due or '—'} 前处理。\n{to.name}: {actor.person.name} gave you the task {task.title_en} "
                            f"(was {holder.name}'s; reason: {reason.strip()}), due {task.due or '—'}."[:4000]))
    session.flush()
    return handover


@dataclass(frozen=True)
class Handed:
    at: datetime
    from_name: str
    to_name: str
    by_name: str
    reason: str


def handovers(session: Session, task_ids: list[int]) -> dict[int, list[Handed]]:
    """Each task's hand-overs, oldest first: one query for a page of tasks."""
    if not task_ids:
        return {}
    rows = session.exec(select(TaskHandover).where(TaskHandover.task_id.in_(task_ids)).order_by(TaskHandover.id)).all()
    names = _names(session, {r.from_id for r in rows} | {r.to_id for r in rows} | {r.by_id for r in rows})
    out: dict[int, list[Handed]] = {}
    for r in rows:
        out.setdefault(r.task_id, []).append(Handed(r.at, names[r.from_id], names[r.to_id], names[r.by_id], r.reason))
    return out
