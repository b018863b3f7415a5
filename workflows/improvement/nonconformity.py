"""Nonconformity and corrective action (10.2, 10.3): raise, analyse consequences and causes,
search for similar cases, plan actions with owners, implement, review effectiveness, reopen.

A nonconformity closes only after an effectiveness review that found the actions effective; an
ineffective review sends it back for a new round of actions, and the old round stays on record.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from forms import clauses
from storage.errors import Forbidden, NotFound, StewardError
from storage.models import (
    ChecklistItem,
    CorrectiveAction,
    InternalAudit,
    Nonconformity,
    Person,
    Responsibility,
    RoleAssignment,
)
from storage.vocab import Labelled
from workflows.engine import clock, history, lifecycle_index, lookup, machine, tasks
from workflows.engine.machine import Actor, Lifecycle, TaskSpec, Transition, Unmet

MANAGERS = ("carbon_manager", "department_head", "top_management")
VERIFIERS = ("internal_auditor", "carbon_manager", "top_management")
ACTION_OWNERS = ("top_management", "carbon_body_member", "department_head", "carbon_manager", "internal_auditor",
                 "staff", "external_provider")  # anyone who can be given an action; the guard keeps it to its owner


class NcState(Labelled):
    open = ("open", "待分析", "Open")
    analysed = ("analysed", "已分析", "Analysed")
    action_planned = ("action_planned", "纠正措施实施中", "Actions planned")
    implemented = ("implemented", "待验证有效性", "Awaiting effectiveness review")
    closed = ("closed", "已关闭", "Closed")


class Severity(Labelled):
    minor = ("minor", "一般不符合", "Minor")
    major = ("major", "严重不符合", "Major")


class ActionKind(Labelled):
    correction = ("correction", "纠正", "Correction")
    corrective = ("corrective", "纠正措施", "Corrective action")
    preventive = ("preventive", "预防措施", "Preventive measure")


def _analysis_done(session, nc, actor):
    missing = [zh for field, zh in (("consequence", "后果评价"), ("disposition", "处置"), ("root_cause", "原因"))
               if not getattr(nc, field).strip()]
    if missing:
        return Unmet(f"请先填写{'、'.join(missing)}（10.2 a、b）", "Evaluate consequences, disposition and root cause first")
    return None


def _has_actions(session, nc, actor):
    if not current_actions(session, nc):
        return Unmet("请至少制定一项纠正措施并指定负责人和期限", "Plan at least one action with an owner and a due date")
    return None


def _actions_done(session, nc, actor):
    open_ = [a for a in current_actions(session, nc) if a.done_on is None]
    if open_:
        return Unmet(f"还有 {len(open_)} 项措施未完成", f"{len(open_)} action(s) not done yet")
    return None


def _found_effective(session, nc, actor):
    if nc.effective is not True or not nc.effectiveness_note.strip():
        return Unmet("关闭前须评审纠正措施的有效性并确认有效（10.2 d）",
                     "Review the actions' effectiveness and find them effective before closing (10.2 d)")
    return None


def _found_ineffective(session, nc, actor):
    if nc.effective is not False or not nc.effectiveness_note.strip():
        return Unmet("只有评审为无效时才能重新打开", "Reopen only after a review found the actions ineffective")
    return None


TRANSITIONS = [
    Transition(trigger="analyse", source="open", dest="analysed", zh="分析原因", en="Analyse",
     roles=MANAGERS, guards=[_analysis_done],
     task=TaskSpec(roles=["carbon_manager"], zh="为不符合项 {what} 制定纠正措施", en="Plan actions for {what}")),
    Transition(trigger="plan", source="analysed", dest="action_planned", zh="制定纠正措施", en="Plan actions",
     roles=MANAGERS, guards=[_has_actions]),
    Transition(trigger="implement", source="action_planned", dest="implemented", zh="措施已实施",
     en="Mark implemented", roles=(), guards=[_actions_done]),  # fired when the last action is done
    Transition(trigger="close", source="implemented", dest="closed", zh="验证有效并关闭",
     en="Close as effective", roles=VERIFIERS, guards=[_found_effective]),
    Transition(trigger="reopen", source=["implemented", "closed"], rejects=True, dest="analysed", zh="无效，重新制定措施",
     en="Reopen as ineffective", roles=VERIFIERS, guards=[_found_ineffective],
     task=TaskSpec(roles=["carbon_manager"], zh="纠正措施无效，重新制定：{what}",
              en="Actions were ineffective; plan again: {what}")),
]


def describe(session: Session, nc: Nonconformity) -> tuple[str, str]:
    return f"{nc.number}「{nc.title}」", f"{nc.number} “{nc.title}”"


LIFECYCLE = Lifecycle("nonconformity", "不符合项", "Nonconformity", NcState, "open", TRANSITIONS, describe=describe)


class ActionState(Labelled):
    open = ("open", "实施中", "Open")
    done = ("done", "已完成", "Done")


def may_report(action: CorrectiveAction, actor: Actor, session: Session) -> bool:
    """The owner, whoever stands in for them today, or a carbon manager."""
    return action.owner_id in tasks.whose(session, actor.person.id) or "carbon_manager" in actor.roles


def _owner_or_manager(session, action, actor):
    return None if may_report(action, actor, session) else Unmet("只有措施负责人或碳排放管理人员可以报告完成",
                                                      "Only the action's owner or a carbon manager can report it done")


def _in_progress(session, action, actor):
    nc = session.get(Nonconformity, action.nonconformity_id)
    if nc.state != NcState.action_planned or action.round != nc.reopened:
        return Unmet("该措施不在实施阶段", "This action is not in progress")
    return None


ACTION_TRANSITIONS = [
    Transition(trigger="complete", source="open", dest="done", zh="报告完成", en="Report done", roles=ACTION_OWNERS,
               guards=[_owner_or_manager, _in_progress], comment_required=True),
]


def describe_action(session: Session, action: CorrectiveAction) -> tuple[str, str]:
    kind = ActionKind(action.kind)
    return f"{kind.zh}：{action.description}", f"{kind.en.lower()}: {action.description}"


ACTION_LIFECYCLE = Lifecycle("corrective_action", "纠正措施", "Corrective action", ActionState, "open",
                             ACTION_TRANSITIONS, describe=describe_action)


def raise_nc(session: Session, enterprise_id: int, *, source: str, clause_id: str, title: str, raised_by: str,
             description: str = "", evidence: str = "", severity: str = "minor", source_ref: str = "",
             owner: Person | None = None) -> Nonconformity:
    """Record a nonconformity and give the analysis to its owner (or the carbon managers)."""
    if clause_id not in clauses.by_id():
        raise StewardError("clause", f"未知条款 {clause_id}", f"Unknown clause {clause_id}", field="clause_id")
    if severity not in Severity.__members__:
        raise StewardError("severity", "严重程度须为 minor 或 major", "Severity must be minor or major", field="severity")
    if not title.strip():
        raise StewardError("title", "请描述不符合事实", "Describe the nonconformity", field="title")
    today = clock.today()
    nc = Nonconformity(enterprise_id=enterprise_id, number=lookup.next_number(session, Nonconformity, enterprise_id,
                                                                              "NC", today.year),
                       source=source, source_ref=source_ref, clause_id=clause_id, title=title.strip()[:300],
                       description=description, evidence=evidence, severity=severity, raised_by=raised_by,
                       raised_on=today, owner_id=owner.id if owner else None)
    session.add(nc)
    session.flush()
    spec = TaskSpec(roles=["carbon_manager"], zh="评价并处置不符合项 {what}", en="Evaluate and deal with {what}")
    machine.assign(session, LIFECYCLE, nc, spec, people=[owner] if owner else None)
    return nc


SIMILAR_SHOWN = 20  # the newest similar cases are kept with the analysis; older ones stay findable by clause


def similar(session: Session, nc: Nonconformity) -> list[dict]:
    """10.2 b): the newest other nonconformities and audit findings on the same clause, open or closed. Only the
    columns shown are read, and only as many as are kept, so analysing stays as quick in the tenth year."""
    found = [{"kind": "nonconformity", "ref": number, "clause": clause, "state": state, "title": title}
             for number, clause, state, title in session.exec(
                 select(Nonconformity.number, Nonconformity.clause_id, Nonconformity.state, Nonconformity.title).where(
                     Nonconformity.enterprise_id == nc.enterprise_id, Nonconformity.id != nc.id,
                     Nonconformity.clause_id == nc.clause_id).order_by(Nonconformity.id.desc()).limit(SIMILAR_SHOWN))]
    seen = {f["ref"] for f in found}
    for number, clause, result, notes, nc_id in session.exec(
            select(InternalAudit.number, ChecklistItem.clause_id, ChecklistItem.result, ChecklistItem.notes,
                   ChecklistItem.nonconformity_id).join(InternalAudit, InternalAudit.id == ChecklistItem.audit_id)
            .where(ChecklistItem.enterprise_id == nc.enterprise_id, ChecklistItem.clause_id == nc.clause_id,
                   ChecklistItem.result.in_(["minor_nc", "major_nc", "observation"]))
            .order_by(ChecklistItem.id.desc()).limit(SIMILAR_SHOWN)):
        ref = f"{number}/{clause}"
        if nc_id != nc.id and ref not in seen:
            found.append({"kind": "audit_finding", "ref": ref, "clause": clause, "state": result, "title": notes[:200]})
    return found[:SIMILAR_SHOWN]


def analyse(session: Session, actor: Actor, nc: Nonconformity, *, consequence: str, disposition: str,
            root_cause: str, severity: str | None = None, preventive_measures: str = "",
            expected_version: int | None = None) -> Nonconformity:
    machine.require_same_enterprise(nc, actor)
    machine.check_version(LIFECYCLE, nc, expected_version)
    if severity is not None and severity not in Severity.__members__:
        raise StewardError("severity", "严重程度须为 minor 或 major", "Severity must be minor or major",
                           field="severity")
    found = similar(session, nc)  # read before the row changes, so the state change writes it once
    if severity is not None:
        nc.severity = severity
    nc.consequence, nc.disposition, nc.root_cause = consequence.strip(), disposition.strip(), root_cause.strip()
    nc.preventive_measures = preventive_measures.strip()
    nc.similar = found
    machine.fire(session, LIFECYCLE, nc, "analyse", actor)
    return nc


def current_actions(session: Session, nc: Nonconformity) -> list[CorrectiveAction]:
    return list(session.exec(select(CorrectiveAction).where(CorrectiveAction.nonconformity_id == nc.id,
                                                            CorrectiveAction.round == nc.reopened)
                             .order_by(CorrectiveAction.id)).all())


def plan(session: Session, actor: Actor, nc: Nonconformity, actions: list[dict],
         expected_version: int | None = None) -> list[CorrectiveAction]:
    """Add this round's actions (kind, description, owner username, due) and start them."""
    machine.require_same_enterprise(nc, actor)
    machine.check_version(LIFECYCLE, nc, expected_version)
    rows = []
    for i, spec in enumerate(actions, 1):
        kind, text, due = spec.get("kind", "corrective"), str(spec.get("description", "")).strip(), spec.get("due")
        if kind not in ActionKind.__members__:
            raise StewardError("kind", f"第 {i} 项措施类型无效（correction、corrective、preventive）",
                               f"Action {i}: kind must be correction, corrective or preventive", field="kind")
        if not text:
            raise StewardError("description", f"第 {i} 项措施缺少内容", f"Action {i} has no description",
                               field="description")
        if not isinstance(due, date) or due < clock.today():
            raise StewardError("due", f"第 {i} 项措施的完成期限须为今天或以后的日期",
                               f"Action {i} needs a due date from today on", field="due")
        owner = lookup.person(session, nc.enterprise_id, spec.get("owner", ""))
        if owner.id not in {p.id for p in machine.people_with(session, nc.enterprise_id, ACTION_OWNERS)}:
            raise StewardError("owner", f"{owner.name} 没有可落实措施的角色", f"{owner.name} holds no role that may carry "
                               "out an action", field="owner")
        row = CorrectiveAction(enterprise_id=nc.enterprise_id, nonconformity_id=nc.id, kind=kind, description=text,
                               owner_id=owner.id, due=due, round=nc.reopened)
        session.add(row)
        session.flush()
        machine.give_task(session, owner, "corrective_action", row.id, f"实施{ActionKind(kind).zh}：{text}（{nc.number}）",
                         f"Carry out the {ActionKind(kind).en.lower()}: {text} ({nc.number})", due)
        rows.append(row)
    if nc.due is None or any(r.due > nc.due for r in rows):
        nc.due = max(r.due for r in rows) if rows else nc.due
    machine.fire(session, LIFECYCLE, nc, "plan", actor)
    return rows


def complete_action(session: Session, actor: Actor, action: CorrectiveAction, result: str) -> CorrectiveAction:
    """The owner reports an action done; the last one moves the NC to its effectiveness review."""
    machine.require_same_enterprise(action, actor)
    if not may_report(action, actor, session):
        unmet = _owner_or_manager(session, action, actor)
        raise Forbidden("not_owner", unmet.zh, unmet.en)
    if action.state == ActionState.done:
        raise StewardError("done", "该措施已报告完成", "This action is already reported done", status=409)
    if not result.strip():
        raise StewardError("result", "请说明实施结果", "Describe what was done", field="result")
    action.done_on, action.result = clock.today(), result.strip()
    machine.fire(session, ACTION_LIFECYCLE, action, "complete", actor, comment=result.strip())
    nc = session.get(Nonconformity, action.nonconformity_id)
    if all(a.done_on for a in current_actions(session, nc)):
        machine.fire_system(session, LIFECYCLE, nc, "implement", f"措施全部完成 / all actions carried out ({actor.label})")
        machine.assign(session, LIFECYCLE, nc, TaskSpec(roles=["internal_auditor"], zh="验证纠正措施有效性 {what}",
                                               en="Review whether the actions on {what} worked"),
                      exclude=actor.person.id)
    return action


def review_effectiveness(session: Session, actor: Actor, nc: Nonconformity, *, effective: bool, note: str,
                         expected_version: int | None = None) -> Nonconformity:
    """10.2 d): close if effective, otherwise reopen for a new round of actions."""
    machine.require_same_enterprise(nc, actor)
    machine.check_version(LIFECYCLE, nc, expected_version)
    nc.effective, nc.effectiveness_note = effective, note.strip()
    if effective:
        machine.fire(session, LIFECYCLE, nc, "close", actor, comment=note)
        nc.closed_on = clock.today()
    else:
        machine.fire(session, LIFECYCLE, nc, "reopen", actor, comment=note)
        nc.reopened += 1
        nc.effective, nc.closed_on = None, None
    session.add(nc)
    session.flush()
    return nc


def get(session: Session, actor: Actor, number: str) -> Nonconformity:
    return lookup.numbered(session, Nonconformity, actor.enterprise_id, number, "不符合项", "nonconformity")


def _head_of(session: Session, enterprise_id: int, department_id: int | None) -> Person | None:
    if department_id is None:
        return None
    return session.exec(select(Person).join(RoleAssignment, (RoleAssignment.person_id == Person.id) & (
        RoleAssignment.enterprise_id == Person.enterprise_id)).where(
        Person.enterprise_id == enterprise_id, Person.department_id == department_id, Person.active,
        RoleAssignment.role == "department_head").order_by(Person.code)).first()


def concerned_head(session: Session, nc: Nonconformity) -> Person | None:
    """Whom an action of this NC falls to first: the head of the department it concerns — its owner's, else the
    department (or person) responsible for its clause — else a carbon manager who heads one; never simply the
    first name on the list (the general manager)."""
    ent = nc.enterprise_id
    if nc.owner_id and (owner := session.get(Person, nc.owner_id)):
        return _head_of(session, ent, owner.department_id) or owner
    clause = clauses.by_id().get(nc.clause_id)
    for clause_id in (nc.clause_id, clause.parent if clause else None):
        duty = session.exec(select(Responsibility).where(Responsibility.enterprise_id == ent,
                                                         Responsibility.clause_id == clause_id)).first()
        if duty and duty.department_id and (head := _head_of(session, ent, duty.department_id)):
            return head
        if duty and duty.person_id:
            return session.get(Person, duty.person_id)
    managers = machine.people_with(session, ent, ["carbon_manager"])
    heads = {p.id for p in machine.people_with(session, ent, ["department_head"])}
    return next((p for p in managers if p.id in heads), managers[0] if managers else None)


def view(session: Session, actor: Actor, number: str) -> dict:
    nc = get(session, actor, number)
    actions = current_actions(session, nc)
    return {"nc": nc, "state": NcState(nc.state), "severity": Severity(nc.severity), "actions": actions,
            "kinds": list(ActionKind), "kind_of": {k.value: k for k in ActionKind},
            "action_buttons": {x.id: ACTION_LIFECYCLE.available(x, actor, session) for x in actions},
            "people": [p for p in machine.people_with(session, actor.enterprise_id, ACTION_OWNERS) if p.username],
            "default_owner": (head.username if (head := concerned_head(session, nc)) else None),
            "owner_names": {p.id: p.name for p in session.exec(select(Person).where(
                Person.enterprise_id == actor.enterprise_id))},
            "can_manage": bool(actor.roles & set(MANAGERS)), "can_verify": bool(actor.roles & set(VERIFIERS)),
            "me": actor.person.id, "today": clock.today(),
            "moves": history.moves(session, LIFECYCLE.name, [nc.id]) + history.moves(
                session, ACTION_LIFECYCLE.name, [x.id for x in actions]),
            "changes": history.changes(session, "nonconformity", nc.id)}


def action_of(session: Session, actor: Actor, number: str, action_id: int) -> CorrectiveAction:
    nc = get(session, actor, number)
    action = next((x for x in current_actions(session, nc) if x.id == action_id), None)
    if action is None:
        raise NotFound("action", f"{number} 没有措施 #{action_id}", f"{number} has no action #{action_id}")
    return action


lifecycle_index.register(LIFECYCLE, get)
lifecycle_index.register(ACTION_LIFECYCLE, lifecycle_index.by_id(CorrectiveAction, "纠正措施", "corrective action"), {
    "complete": lambda s, a, row, sub: complete_action(s, a, row, sub.comment),
})
