"""Role changes with segregation of duties (4.2, 4.3, 7.5.3): nobody changes their own roles; a role that
signs approvals (top management, carbon manager, internal auditor) is granted only when a top manager who is
neither the requester nor the person countersigns with their password; every change is kept, shown on the
person's own page and told to them. Removing a role, or granting one that signs nothing, takes effect at once.

The two-person rule is stated in the README (Security). A fresh install's first people get their roles from
``steward user add`` before anyone can sign in, the one time no second person exists."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session, select

from storage.errors import Forbidden, NotFound, StewardError
from storage.models import Outbox, Person, RoleAssignment, RoleChange
from storage.vocab import Labelled, Role
from workflows.engine import lifecycle_index, machine
from workflows.engine.machine import Actor, Lifecycle, TaskSpec, Transition, Unmet

SIGNING_ROLES = ("top_management", "carbon_manager", "internal_auditor")
COUNTERSIGNERS = ("top_management",)
KEEPERS = ("carbon_manager", "administrator")


class RoleChangeState(Labelled):
    pending = ("pending", "待签批", "Awaiting countersignature")
    granted = ("granted", "已生效", "In effect")
    refused = ("refused", "已驳回", "Refused")
    withdrawn = ("withdrawn", "已撤回", "Withdrawn")


def _not_a_party(session: Session, change: RoleChange, actor: Actor) -> Unmet | None:
    if actor.person.id == change.person_id:
        return Unmet("不能签批授予自己的角色", "You cannot countersign roles granted to yourself")
    if actor.person.id == change.requested_by_id:
        return Unmet("提出变更的人不能自己签批，须由另一位最高管理者签批",
                     "Whoever asked for the change cannot countersign it: another top manager must")
    return None


def _apply(session: Session, change: RoleChange, actor: Actor | None) -> None:
    person = session.get(Person, change.person_id)
    for old in session.exec(select(RoleAssignment).where(RoleAssignment.person_id == person.id,
                                                         RoleAssignment.enterprise_id == person.enterprise_id)):
        session.delete(old)
    session.flush()
    for role in dict.fromkeys(change.roles_after):
        session.add(RoleAssignment(enterprise_id=person.enterprise_id, person_id=person.id, role=role))
    change.decided_by_id = actor.person.id if actor else None
    change.decided_at = datetime.now(timezone.utc)
    session.add(change)
    session.flush()
    _tell(session, person, change, "生效", "took effect")


def _decided(session: Session, change: RoleChange, actor: Actor) -> None:
    change.decided_by_id, change.decided_at = actor.person.id, datetime.now(timezone.utc)
    session.add(change)
    session.flush()
    _tell(session, session.get(Person, change.person_id), change, "未生效", "did not take effect")


def describe(session: Session, change: RoleChange) -> tuple[str, str]:
    person = session.get(Person, change.person_id)
    added = [r for r in change.roles_after if r not in change.roles_before]
    return (f"{person.name} 的角色：增加 {_names(added, 'zh') or '—'}",
            f"roles of {person.name}: adding {_names(added, 'en') or '—'}")


TRANSITIONS = [
    Transition("grant", "pending", "granted", "签批授予", "Countersign", roles=COUNTERSIGNERS, guards=[_not_a_party],
               signature="approved", after=_apply),
    Transition("refuse", "pending", "refused", "驳回", "Refuse", roles=COUNTERSIGNERS, guards=[_not_a_party],
               comment_required=True, after=_decided),
    Transition("withdraw", "pending", "withdrawn", "撤回", "Withdraw", roles=KEEPERS, after=_decided),
    Transition("apply", "pending", "granted", "即时生效", "Take effect at once"),  # grants no signing role
]
LIFECYCLE = Lifecycle("role_change", "角色变更", "Role change", RoleChangeState, "pending", TRANSITIONS,
                      describe=describe)
COUNTERSIGN = TaskSpec(zh="签批角色变更：{what}", en="Countersign the {what}", roles=COUNTERSIGNERS, due_days=3)


def _names(roles, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(Role(r).label(lang) for r in roles)


def _tell(session: Session, person: Person, change: RoleChange, zh: str, en: str) -> None:
    session.add(Outbox(
        enterprise_id=person.enterprise_id, person_id=person.id, kind="notice",
        subject=f"[碳管家] 您的角色变更{zh} / A change to your roles {en}",
        body=f"{person.name}：您的角色由「{_names(change.roles_before, 'zh') or '无'}」变更为"
             f"「{_names(change.roles_after, 'zh') or '无'}」，{zh}。如非您所知，请告知最高管理者。\n"
             f"{person.name}: the change of your roles from {_names(change.roles_before, 'en') or 'none'} to "
             f"{_names(change.roles_after, 'en') or 'none'} {en}. If you did not expect it, tell top management."))


def at_once(roles: list[str]) -> list[str]:
    """The roles a new person may hold at once: every one that signs no approval."""
    return [r for r in roles if r not in SIGNING_ROLES]


def ask_for_signing_roles(session: Session, actor: Actor, person: Person, roles: list[str],
                          reason: str) -> RoleChange | None:
    """A new person's signing roles, asked for as a change that waits for the countersignature (their other roles
    were given at once, ``at_once``)."""
    if not set(roles) & set(SIGNING_ROLES):
        return None
    return request(session, actor, person, roles, reason)


def roles_of(session: Session, person: Person) -> list[str]:
    return sorted(session.exec(select(RoleAssignment.role).where(
        RoleAssignment.person_id == person.id, RoleAssignment.enterprise_id == person.enterprise_id)).all())


def request(session: Session, actor: Actor, person: Person, roles: list[str], reason: str = "") -> RoleChange:
    """Change a person's roles: at once when it grants no signing role, else pending top management's
    countersignature (a task for each top manager who is not a party to it)."""
    if person.id == actor.person.id:
        raise Forbidden("own_roles", "不能更改自己的角色，须由他人办理", "You cannot change your own roles; someone else must",
                        field="roles")
    if session.exec(select(RoleChange.id).where(RoleChange.person_id == person.id,
                                                RoleChange.state == "pending")).first() is not None:
        raise StewardError("pending_change", f"{person.name} 已有一项待签批的角色变更，请先签批、驳回或撤回",
                           f"{person.name} has a role change awaiting countersignature; decide or withdraw it first",
                           field="roles", status=409)
    before = roles_of(session, person)
    after = sorted(dict.fromkeys(roles))
    if after == before:
        raise StewardError("no_change", "角色没有变化", "The roles are unchanged", field="roles")
    change = RoleChange(enterprise_id=person.enterprise_id, person_id=person.id, roles_before=before,
                        roles_after=after, requested_by_id=actor.person.id, reason=reason.strip()[:500])
    session.add(change)
    session.flush()
    if set(after) - set(before) & set(SIGNING_ROLES):
        signers = [p for p in machine.people_with(session, person.enterprise_id, COUNTERSIGNERS)
                   if p.id not in (person.id, actor.person.id)]
        if not signers:
            raise StewardError("no_countersigner", "没有可签批的另一位最高管理者：签批类角色须由提出人和本人以外的最高管理者签批",
                               "No other top manager can countersign: a role that signs approvals needs a top "
                               "manager who is neither the requester nor the person", field="roles", status=409)
        machine.assign(session, LIFECYCLE, change, COUNTERSIGN, people=signers)
        _tell(session, person, change, "已提出，待最高管理者签批", "was asked for and awaits top management's countersignature")
        return change
    machine.fire_system(session, LIFECYCLE, change, "apply", "无签批类角色，即时生效 / no signing role: at once")
    _apply(session, change, actor)
    return change


def history(session: Session, actor: Actor, person_id: int | None = None) -> list[dict]:
    """Role changes of one person (their own page) or of the enterprise (the keepers' people page)."""
    query = select(RoleChange).where(RoleChange.enterprise_id == actor.enterprise_id)
    if person_id is not None:
        query = query.where(RoleChange.person_id == person_id)
    rows = session.exec(query.order_by(RoleChange.id.desc()).limit(100)).all()
    names = dict(session.exec(select(Person.id, Person.name).where(Person.enterprise_id == actor.enterprise_id)).all())
    return [{"change": r, "person": names.get(r.person_id, ""), "requested_by": names.get(r.requested_by_id, ""),
             "decided_by": names.get(r.decided_by_id, ""), "state": RoleChangeState(r.state),
             "added": [Role(x) for x in r.roles_after if x not in r.roles_before],
             "removed": [Role(x) for x in r.roles_before if x not in r.roles_after],
             "actions": LIFECYCLE.available(r, actor, session)} for r in rows]


def get(session: Session, actor: Actor, number: str) -> RoleChange:
    row = session.get(RoleChange, int(number)) if number.isdigit() and len(number) < 12 else None
    if row is None or row.enterprise_id != actor.enterprise_id:
        raise NotFound("role_change", f"没有角色变更 #{number}", f"No role change #{number}")
    return row


lifecycle_index.register(LIFECYCLE, get)
