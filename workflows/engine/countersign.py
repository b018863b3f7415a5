"""Countersigning (会签) for any lifecycle, as data: the signers an enterprise requires at a step (``Countersign``
on the lifecycle), the round a record entering that step opens, each signer's signature or rejection, and the
lifecycle's own transition the engine fires when all have signed or one has rejected. Every change is one
transaction with its transition log and audit entries; a refusal names its reason in both languages."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, delete, select

from storage.errors import Conflict, Forbidden, NotFound, StewardError
from storage.models import Countersignature, Countersigner, Department, Person, RoleAssignment, Task, TransitionLog
from workflows.engine import clock, machine
from workflows.engine.machine import Actor, Countersign, Lifecycle, Unmet

MANAGERS = ("carbon_manager",)
machine.ROUNDS = sys.modules[__name__]  # the engine opens rounds and guards steps through this module
HEAD = "department_head"
OUTSIDE = frozenset({"viewer", "external_provider"})  # read-only or outside roles judge nobody's document
DUE_DAYS = 7


@dataclass(frozen=True)
class Part:
    """One signer's part in a round, as a page shows it."""

    row: Countersignature
    person: Person
    department: Department | None

    @property
    def left(self) -> bool:  # deactivated while their signature is still owed
        return self.row.status == "pending" and not self.person.active


def _step(lc: Lifecycle, state: str) -> Countersign:
    step = lc.countersign_at(state)
    if step is None:
        raise StewardError("no_countersign", f"{lc.zh}在「{lc.state_label(state)}」没有会签步骤",
                           f"The {lc.en.lower()} has no countersigned step at {lc.state_label(state, 'en').lower()}",
                           status=404)
    return step


def configured(session: Session, enterprise_id: int, lc: Lifecycle, scope: str, state: str) -> list[Countersigner]:
    return list(session.exec(select(Countersigner).where(
        Countersigner.enterprise_id == enterprise_id, Countersigner.lifecycle == lc.name,
        Countersigner.scope == scope, Countersigner.state == state).order_by(Countersigner.position)).all())


def heads(session: Session, enterprise_id: int, department_id: int) -> list[Person]:
    return list(session.exec(
        select(Person).join(RoleAssignment, (RoleAssignment.person_id == Person.id)
                            & (RoleAssignment.enterprise_id == Person.enterprise_id))
        .where(Person.enterprise_id == enterprise_id, Person.department_id == department_id, Person.active,
               RoleAssignment.role == HEAD).order_by(Person.id)).all())


def roles_of(session: Session, person: Person) -> list[str]:
    return list(session.exec(select(RoleAssignment.role).where(RoleAssignment.person_id == person.id,
                                                               RoleAssignment.enterprise_id == person.enterprise_id)))


def signable(session: Session, people: list[Person]) -> list[Person]:
    """Whom the settings page offers: users with a role that judges (not only viewers or outside providers)."""
    return [p for p in people if set(roles_of(session, p)) - OUTSIDE]


def configure(session: Session, actor: Actor, lc: Lifecycle, scope: str, state: str, *, people: list[str],
              departments: list[str]) -> list[Countersigner]:
    """Replace who countersigns ``lc`` at ``state`` for ``scope``: ``people`` by username, ``departments`` by code
    (their head signs). No one named turns the step off. Records already at the step keep their round."""
    machine.require_role(actor, MANAGERS, "设置会签", "Setting countersigners")
    step = _step(lc, state)
    if step.scopes is not None and scope not in {s.value for s in step.scopes}:
        raise StewardError("scope", f"范围 {scope} 无效", f"Scope {scope!r} is invalid", field="scope")
    ent = actor.enterprise_id
    rows: list[Countersigner] = []
    seen: set[str] = set()
    for username in (u.strip() for u in people if u.strip()):
        if username in seen:
            raise StewardError("duplicate_signer", f"会签人 {username} 重复", f"Countersigner {username} is named twice",
                               field="people")
        seen.add(username)
        person = session.exec(select(Person).where(Person.enterprise_id == ent, Person.username == username,
                                                   Person.active)).first()
        if person is None:
            raise NotFound("person", f"本企业没有在职用户 {username}", f"No active user {username} in this enterprise",
                           field="people")
        if not set(roles_of(session, person)) - OUTSIDE:
            raise StewardError("outside_signer", f"{person.name} 只有查看或外部角色，不能会签",
                               f"{person.name} holds only a read-only or outside role and cannot countersign",
                               field="people")
        rows.append(Countersigner(enterprise_id=ent, lifecycle=lc.name, scope=scope, state=state, person_id=person.id))
    for code in (c.strip() for c in departments if c.strip()):
        if f"dept:{code}" in seen:
            raise StewardError("duplicate_signer", f"部门 {code} 重复", f"Department {code} is named twice",
                               field="departments")
        seen.add(f"dept:{code}")
        dept = session.exec(select(Department).where(Department.enterprise_id == ent, Department.code == code)).first()
        if dept is None:
            raise NotFound("department", f"没有部门 {code}", f"No department {code}", field="departments")
        if not heads(session, ent, dept.id):
            raise StewardError("no_head", f"部门「{dept.name}」没有在职的部门负责人，不能由其负责人会签",
                               f"Department {dept.name} has no active head to countersign", field="departments")
        rows.append(Countersigner(enterprise_id=ent, lifecycle=lc.name, scope=scope, state=state,
                                  department_id=dept.id))
    session.exec(delete(Countersigner).where(  # type: ignore[call-overload]
        Countersigner.enterprise_id == ent, Countersigner.lifecycle == lc.name, Countersigner.scope == scope,
        Countersigner.state == state))
    for position, row in enumerate(rows):
        row.position = position
        session.add(row)
    session.flush()
    return rows


def _resolve(session: Session, lc: Lifecycle, row, signers: list[Countersigner]) -> list[tuple[Person, int | None]]:
    """Who signs now: each named person, each named department's head, once each. Someone who left, or a
    department without a head, refuses the move, so a round never opens short of a signer."""
    found: dict[int, tuple[Person, int | None]] = {}
    for s in signers:
        if s.person_id is not None:
            person = session.get(Person, s.person_id)
            if person is None or not person.active:
                name = person.name if person else f"#{s.person_id}"
                raise StewardError("countersigner_left", f"会签人 {name} 已停用，请碳管理负责人在会签设置中更换",
                                   f"Countersigner {name} is no longer active; a carbon manager must replace them "
                                   "in the countersign settings", status=409)
            found.setdefault(person.id, (person, None))
        else:
            dept = session.get(Department, s.department_id)
            chiefs = heads(session, row.enterprise_id, s.department_id or 0)
            if not chiefs:
                name = dept.name if dept else "?"
                raise StewardError("no_head", f"部门「{name}」没有在职的部门负责人，无法会签，请碳管理负责人更换会签人",
                                   f"Department {name} has no active head to countersign; a carbon manager must "
                                   "change the countersigners", status=409)
            found.setdefault(chiefs[0].id, (chiefs[0], s.department_id))
    return list(found.values())


def open_round(session: Session, lc: Lifecycle, row, log: TransitionLog) -> bool:
    """A record entered a countersigned step: each configured signer gets a pending part and a task. False when
    its enterprise names nobody for it (the lifecycle then runs as without the step)."""
    step = _step(lc, row.state)
    signers = configured(session, row.enterprise_id, lc, step.scope(session, row), step.state)
    if not signers:
        return False
    what_zh, what_en = lc.describe(session, row)
    due = clock.today() + timedelta(days=DUE_DAYS)
    for person, dept_id in _resolve(session, lc, row, signers):
        session.add(Countersignature(enterprise_id=row.enterprise_id, lifecycle=lc.name, entity_id=row.id,
                                     round_id=log.id, person_id=person.id, department_id=dept_id))
        machine.give_task(session, person, lc.name, row.id, f"会签 {what_zh}", f"Countersign {what_en}", due)
    session.flush()
    return True


def _round(session: Session, lc: Lifecycle, entity_id: int, round_id: int | None) -> list[Countersignature]:
    if round_id is None:
        return []
    return list(session.exec(select(Countersignature).where(
        Countersignature.lifecycle == lc.name, Countersignature.entity_id == entity_id,
        Countersignature.round_id == round_id).order_by(Countersignature.id)).all())


def current(session: Session, lc: Lifecycle, row) -> list[Countersignature]:
    """The open round of a record at a countersigned step (empty when none was opened)."""
    if lc.countersign_at(row.state) is None:
        return []
    entered = session.exec(select(TransitionLog.id).where(
        TransitionLog.lifecycle == lc.name, TransitionLog.entity_id == row.id, TransitionLog.to_state == row.state)
        .order_by(TransitionLog.id.desc())).first()  # type: ignore[union-attr]
    return _round(session, lc, row.id, entered)


def latest(session: Session, lc: Lifecycle, row) -> list[Part]:
    """The record's last round, open or decided, with its people: what the record's page shows."""
    last = session.exec(select(Countersignature.round_id).where(
        Countersignature.lifecycle == lc.name, Countersignature.entity_id == row.id)
        .order_by(Countersignature.round_id.desc())).first()  # type: ignore[union-attr]
    return [Part(r, session.get(Person, r.person_id), session.get(Department, r.department_id)
                 if r.department_id else None) for r in _round(session, lc, row.id, last)]


def unmet(session: Session, lc: Lifecycle, step: Countersign, row) -> Unmet | None:
    """The guard on a countersigned step's own exit: it waits until everyone in the round has signed."""
    waiting = [r for r in current(session, lc, row) if r.status == "pending"]
    if not waiting:
        return None
    names = "、".join(session.get(Person, r.person_id).name for r in waiting)
    return Unmet(f"会签尚未完成，待签：{names}", f"Countersigning is not complete; waiting for: {names.replace('、', ', ')}")


def under_way(session: Session, lc: Lifecycle, step: Countersign, row) -> Unmet | None:
    """The guard on the step's reject: during a round the countersigners reject, each with their reason."""
    if not any(r.status == "pending" for r in current(session, lc, row)):
        return None
    return Unmet("会签进行中，由会签人签署或拒绝（须写明意见）",
                 "Countersigning is under way; the countersigners sign or reject (with a reason)")


def _mine(session: Session, lc: Lifecycle, row, actor: Actor, expected_version: int | None) -> Countersignature:
    machine.require_same_enterprise(row, actor)
    machine.check_version(lc, row, expected_version)
    parts = current(session, lc, row)
    mine = next((r for r in parts if r.person_id == actor.person.id), None)
    if mine is None:
        raise Forbidden("not_countersigner", "您不是此步骤的会签人", "You are not a countersigner at this step")
    if mine.status != "pending":
        done_zh, done_en = ("已会签", "signed") if mine.status == "signed" else ("已拒绝", "rejected")
        raise Conflict("already_countersigned", f"您{done_zh}，不能重复操作", f"You have already {done_en} this step")
    return mine


def _decide(session: Session, lc: Lifecycle, row, mine: Countersignature, status: str, comment: str,
            signature_id: int | None) -> None:
    """Record one decision and touch the record, so two signers deciding at once cannot both miss the other."""
    mine.status, mine.comment, mine.signature_id, mine.decided_at = status, comment, signature_id, clock.utcnow()
    session.add(mine)
    machine.close_tasks(session, lc.name, row.id, person_id=mine.person_id)
    if hasattr(row, "version"):
        flag_modified(row, "state")
        session.add(row)
    machine.flush_locked(session, lc)


def _advance(session: Session, lc: Lifecycle, row, trigger: str, actor: Actor, comment: str,
             signature_id: int | None) -> TransitionLog:
    """Fire the lifecycle's own transition on the round's authority: state, log, tasks and effects as ``fire``."""
    t = lc.transition(trigger)
    log = machine._move(session, lc, row, t, person_id=actor.person.id, actor=actor.label, comment=comment,
                        signature_id=signature_id)
    if (spec := t.task) and not machine._countersign_opened(session, lc, row, log):
        machine.assign(session, lc, row, spec, exclude=actor.person.id)
    if after := t.after:
        after(session, row, actor)
    session.flush()
    return log


def sign(session: Session, lc: Lifecycle, row, actor: Actor, password: str | None, *,
         expected_version: int | None = None) -> Countersignature:
    """Sign one's part (password re-entered); the last signature moves the record on by the step's transition."""
    step = _step(lc, row.state)
    mine = _mine(session, lc, row, actor, expected_version)
    signature = machine.sign(session, lc, row, actor, step.meaning, password)
    _decide(session, lc, row, mine, "signed", "", signature.id)
    if all(r.status == "signed" for r in current(session, lc, row)):
        _advance(session, lc, row, step.complete, actor, "会签完成 / countersigned by all", signature.id)
    return mine


def reject(session: Session, lc: Lifecycle, row, actor: Actor, comment: str, *,
           expected_version: int | None = None) -> Countersignature:
    """One rejection, with its reason, sends the record back by the step's reject transition."""
    step = _step(lc, row.state)
    mine = _mine(session, lc, row, actor, expected_version)
    if not comment.strip():
        raise StewardError("comment_required", "拒绝会签须填写意见", "Rejecting needs a comment", field="comment")
    _decide(session, lc, row, mine, "rejected", comment.strip(), None)
    _advance(session, lc, row, step.reject, actor, comment.strip(), None)
    return mine


def replace(session: Session, actor: Actor, lc: Lifecycle, row, part_id: int, username: str) -> Countersignature:
    """A carbon manager hands a pending part (e.g. of someone who left) to another person, whose task it becomes."""
    machine.require_role(actor, MANAGERS, "更换会签人", "Replacing a countersigner")
    machine.require_same_enterprise(row, actor)
    parts = current(session, lc, row)
    part = next((r for r in parts if r.id == part_id), None)
    if part is None or part.status != "pending":
        raise Conflict("not_pending", "该会签已处理或不在当前会签中，请刷新", "That part is decided or no longer open; reload")
    person = session.exec(select(Person).where(Person.enterprise_id == row.enterprise_id, Person.username == username,
                                               Person.active)).first()
    if person is None:
        raise NotFound("person", f"本企业没有在职用户 {username}", f"No active user {username} in this enterprise",
                       field="username")
    if any(r.person_id == person.id for r in parts):
        raise StewardError("duplicate_signer", f"{person.name} 已是本轮会签人", f"{person.name} already countersigns "
                           "this round", field="username")
    for task in session.exec(select(Task).where(Task.lifecycle == lc.name, Task.entity_id == row.id,
                                                Task.assignee_id == part.person_id, Task.status == "open")).all():
        task.status, task.closed_at = "cancelled", clock.utcnow()
        session.add(task)
    part.person_id, part.department_id = person.id, None
    session.add(part)
    what_zh, what_en = lc.describe(session, row)
    machine.give_task(session, person, lc.name, row.id, f"会签 {what_zh}", f"Countersign {what_en}",
                      clock.today() + timedelta(days=DUE_DAYS))
    session.flush()
    return part


@dataclass(frozen=True)
class Named:
    """One configured signer, as the settings page shows it."""

    row: Countersigner
    person: Person | None
    department: Department | None
    headless: bool = False  # a named department without an active head now

    @property
    def left(self) -> bool:  # a named person deactivated since
        return self.person is not None and not self.person.active


def named(session: Session, enterprise_id: int, lc: Lifecycle, scope: str, state: str) -> list[Named]:
    return [Named(r, session.get(Person, r.person_id) if r.person_id else None,
                  session.get(Department, r.department_id) if r.department_id else None,
                  bool(r.department_id) and not heads(session, enterprise_id, r.department_id or 0))
            for r in configured(session, enterprise_id, lc, scope, state)]
