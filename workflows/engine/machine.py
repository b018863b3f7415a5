"""One engine for every lifecycle: checks, state change and side effects in one transaction.

A lifecycle is data (see ``workflows/documents/document.py``): states, and transition dicts with the roles
allowed, guards returning a readable reason, an optional signature meaning, the task the next
step creates and an ``after`` effect. ``transitions.Machine`` holds the state graph; our checks
run first so a refusal always says why. Nothing here sends anything: notifications go to the
outbox and are delivered after commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select
from transitions import Machine

from storage.errors import Conflict, Forbidden, StewardError
from storage.models import Outbox, Person, RoleAssignment, Signature, Task, TransitionLog
from storage.models.org import utcnow
from storage.vocab import Labelled, Role
from workflows.engine import clock, standins

MEANINGS = {"prepared": ("编制", "Prepared"), "reviewed": ("审核", "Reviewed"),
            "approved": ("批准", "Approved"), "issued": ("签发", "Issued"),
            "submitted": ("报送", "Submitted")}  # a carbon-market month sent to the national platform
# One person signs a record in at most one of these: each is a judgement of another's work. Issuing releases
# what was approved and may be done by whoever prepared it (the document controller).
JUDGING = ("prepared", "reviewed", "approved")


@dataclass(frozen=True)
class Actor:
    person: Person
    roles: frozenset[str]

    @property
    def enterprise_id(self) -> int:
        return self.person.enterprise_id

    @property
    def label(self) -> str:
        return f"{self.person.username or self.person.code}:{self.person.name}"


def actor_for(session: Session, username: str) -> Actor:
    person = session.exec(select(Person).where(Person.username == username)).first()
    if person is None or not person.active:
        raise Forbidden("unknown_user", f"用户 {username} 不存在或已停用", f"User {username} does not exist or is inactive")
    roles = session.exec(select(RoleAssignment.role).where(
        RoleAssignment.person_id == person.id, RoleAssignment.enterprise_id == person.enterprise_id)).all()
    return Actor(person, frozenset(roles))


@dataclass(frozen=True)
class Unmet:
    """Why a guard refuses, in both languages."""

    zh: str
    en: str


Guard = Callable[[Session, Any, "Actor"], Unmet | None]


@dataclass(frozen=True)
class TaskSpec:
    """The task a transition gives to everyone holding one of ``roles``; ``{what}`` names the row."""

    zh: str
    en: str
    roles: tuple[str, ...] = ()
    due_days: int = 7

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", tuple(self.roles))


@dataclass(frozen=True)
class Transition:
    """One move of a lifecycle. No roles means only the system fires it (``fire_system``)."""

    trigger: str
    source: tuple[str, ...] | str
    dest: str
    zh: str
    en: str
    roles: tuple[str, ...] = ()
    guards: tuple[Guard, ...] = ()
    signature: str | None = None
    task: TaskSpec | None = None
    after: Callable[[Session, Any, "Actor"], None] | None = None
    comment_required: bool = False
    closes_tasks: bool = True  # the row's open tasks are done once it moves
    separate_signer: bool = True  # the signer must not have signed the row in another judging meaning
    rejects: bool = False  # sends back or refuses: the secondary button beside the decision's primary one

    def __post_init__(self) -> None:  # literals may use lists; keep the value immutable
        for name in ("source", "roles", "guards"):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))

    @property
    def sources(self) -> tuple[str, ...]:
        return self.source  # type: ignore[return-value]  # normalised to a tuple in __post_init__


@dataclass(frozen=True)
class Countersign:
    """A step several signers sign in parallel (会签), as data: a record entering ``state`` opens a round when its
    enterprise names signers for the record's ``scope`` (see ``workflows/engine/countersign.py``). Each signs in
    ``meaning`` or rejects with a comment; when all have signed the engine fires ``complete``, and one rejection
    fires ``reject``. While a round is open nobody fires either by hand. ``scopes`` names what ``scope`` returns
    (e.g. document types), for the settings page."""

    state: str
    complete: str
    reject: str
    meaning: str = "reviewed"
    scope: Callable[[Session, Any], str] = field(default=lambda session, row: "")
    scopes: type[Labelled] | None = None


@dataclass(frozen=True)
class Lifecycle:
    name: str
    zh: str
    en: str
    states: type[Labelled]
    initial: str
    transitions: list[Transition]
    content_hash: Callable[[Any], str] = field(default=lambda row: hashlib.sha256(str(row.id).encode()).hexdigest())
    # how tasks and messages name a row: (session, row) -> (zh, en)
    describe: Callable[[Session, Any], tuple[str, str]] = field(default=lambda session, row: (f"#{row.id}", f"#{row.id}"))
    countersign: tuple[Countersign, ...] = ()

    def __post_init__(self) -> None:  # a countersigned step's own exit waits for its round
        for step in self.countersign:
            def pending(session: Session, row, actor: Actor, step: Countersign = step) -> Unmet | None:
                return _rounds().unmet(session, self, step, row)

            def by_hand(session: Session, row, actor: Actor, step: Countersign = step) -> Unmet | None:
                return _rounds().under_way(session, self, step, row)
            guard = {step.complete: pending, step.reject: by_hand}
            self.transitions[:] = [replace(t, guards=(*t.guards, guard[t.trigger])) if t.trigger in guard else t
                                   for t in self.transitions]

    def countersign_at(self, state: str) -> Countersign | None:
        return next((step for step in self.countersign if step.state == state), None)

    def transition(self, trigger: str) -> Transition:
        for t in self.transitions:
            if t.trigger == trigger:
                return t
        raise StewardError("unknown_trigger", f"{self.zh}没有操作「{trigger}」", f"{self.en} has no action {trigger!r}",
                           status=404)

    def state_label(self, state: str, lang: str = "zh") -> str:
        return self.states(state).label(lang)

    def available(self, row, actor: Actor, session: Session) -> list[Transition]:
        """The actions this actor may take now, guards included: what a screen shows as buttons."""
        return [t for t in self.transitions
                if row.state in t.sources and actor.roles & set(t.roles)
                and not any(g(session, row, actor) for g in t.guards)]

    @cached_property
    def machine(self) -> Machine:
        """The lifecycle's state machine, built once: firing reads where a trigger leads from its table, so
        threads share it without each building (or mutating) one."""
        return Machine(model=None, states=[s.value for s in self.states], initial=self.initial,
                       transitions=[{"trigger": t.trigger, "source": list(t.sources), "dest": t.dest}
                                    for t in self.transitions],
                       auto_transitions=False, send_event=False)

    def next_state(self, state: str, trigger: str) -> str:
        found = self.machine.get_transitions(trigger=trigger, source=state)
        if not found:
            raise StewardError("illegal_transition", f"当前状态为「{self.state_label(state)}」，不能执行「{trigger}」",
                               f"Cannot {trigger} while the {self.en.lower()} is {self.state_label(state, 'en').lower()}",
                               status=409)
        return found[0].dest or state  # an internal transition stays


def _roles_text(roles, lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(Role(r).label(lang) for r in roles)


def require_same_enterprise(row, actor: Actor) -> None:
    if row.enterprise_id != actor.enterprise_id:
        raise Forbidden("other_enterprise", "不能操作其他企业的数据", "This belongs to another enterprise")


ADMINISTRATION = ("carbon_manager", "administrator")  # who keeps people, logins and delivery


def require_role(actor: Actor, roles, zh: str, en: str) -> None:
    """Refuse an action outside a lifecycle (create, upload, keep a record) unless a role allows it."""
    if not actor.roles & set(roles):
        raise Forbidden("role_required", f"您的角色无权{zh}（需要：{_roles_text(sorted(roles), 'zh')}）",
                        f"{en} requires one of: {_roles_text(sorted(roles), 'en')}")


def fire(session: Session, lc: Lifecycle, row, trigger: str, actor: Actor, *, expected_version: int | None = None,
         comment: str = "", password: str | None = None) -> TransitionLog:
    """Check and fire one trigger; every refusal names its reason in both languages."""
    t = lc.transition(trigger)
    label_zh, label_en = t.zh, t.en
    require_same_enterprise(row, actor)
    check_version(lc, row, expected_version)
    if row.state not in t.sources:
        raise StewardError("illegal_transition",
                           f"当前状态为「{lc.state_label(row.state)}」，不能执行「{label_zh}」",
                           f"Cannot {label_en.lower()} while the {lc.en.lower()} is {lc.state_label(row.state, 'en').lower()}",
                           status=409)
    allowed = set(t.roles)
    if not allowed & actor.roles:
        who = _roles_text(sorted(allowed), "zh") or "（无人）"
        who_en = _roles_text(sorted(allowed), "en") or "(nobody)"
        raise Forbidden("role_required", f"「{label_zh}」需要角色：{who}", f"{label_en} requires the role: {who_en}")
    if t.comment_required and not comment.strip():
        raise StewardError("comment_required", f"「{label_zh}」须填写意见", f"{label_en} needs a comment", field="comment")
    check_guards(session, lc, row, trigger, actor)
    # 代: a substitute acts in their own name and roles (checked above); the record names whom they stood in for
    behalf = standins.doing_for(session, lc.name, row.id, actor.person.id, clock.today())
    signature = None
    if meaning := t.signature:
        signature = sign(session, lc, row, actor, meaning, password, separate=t.separate_signer, behalf=behalf)
    log = _move(session, lc, row, t, person_id=actor.person.id, actor=actor.label, comment=comment,
                signature_id=signature.id if signature else None, on_behalf_of_id=behalf.id if behalf else None)
    if (spec := t.task) and not _countersign_opened(session, lc, row, log):
        assign(session, lc, row, spec, exclude=actor.person.id)
    if after := t.after:
        after(session, row, actor)
    session.flush()
    return log


def _countersign_opened(session: Session, lc: Lifecycle, row, log: TransitionLog) -> bool:
    """Entering a countersigned step gives its signers their tasks instead of the transition's own."""
    if lc.countersign_at(row.state) is None:
        return False
    return _rounds().open_round(session, lc, row, log)


ROUNDS: Any = None  # workflows/engine/countersign.py, which imports this module, plugs itself in here


def _rounds() -> Any:
    if ROUNDS is None:
        raise RuntimeError("a lifecycle with a countersigned step needs workflows.engine.countersign imported")
    return ROUNDS


def check_version(lc: Lifecycle, row, expected_version: int | None) -> None:
    """Refuse a stale form. Use cases that change the row before firing call this first, since their
    own flushes move the version on."""
    if expected_version is not None and getattr(row, "version", expected_version) != expected_version:
        raise Conflict("stale", f"该{lc.zh}已被他人修改（版本 {row.version}），请刷新后重试",
                       f"Someone else changed this {lc.en.lower()} (now version {row.version}); reload and retry")


def check_guards(session: Session, lc: Lifecycle, row, trigger: str, actor: Actor) -> None:
    """Raise the first unmet guard's reason; use cases call it early when work precedes the firing."""
    for guard in lc.transition(trigger).guards:
        if unmet := guard(session, row, actor):
            raise StewardError("guard", unmet.zh, unmet.en, status=409)


def flush_locked(session: Session, lc: Lifecycle) -> None:
    """Flush under the optimistic lock: a row someone else changed meanwhile is a conflict the person can retry."""
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("stale", f"该{lc.zh}刚被他人修改，请刷新后重试",
                       f"Someone else just changed this {lc.en.lower()}; reload and retry") from None


def _move(session: Session, lc: Lifecycle, row, t: Transition, **log_fields) -> TransitionLog:
    """Change state through the machine, flush under the optimistic lock, log, close open tasks."""
    before = row.state
    row.state = lc.next_state(row.state, t.trigger)
    session.add(row)
    flush_locked(session, lc)
    log = TransitionLog(enterprise_id=row.enterprise_id, lifecycle=lc.name, entity_id=row.id, trigger=t.trigger,
                        from_state=before, to_state=row.state, at=clock.utcnow(), **log_fields)
    session.add(log)
    if t.closes_tasks:
        close_tasks(session, lc.name, row.id)
    return log


def fire_system(session: Session, lc: Lifecycle, row, trigger: str, reason: str) -> TransitionLog:
    """A consequence of another action (e.g. superseding the old revision): no roles, no signature."""
    t = lc.transition(trigger)
    if t.roles:
        raise ValueError(f"{trigger} is a user action, not a system one")
    if row.state not in t.sources:
        raise StewardError("illegal_transition", f"当前状态不能执行「{t.zh}」", f"Cannot {t.en.lower()} now", status=409)
    return _move(session, lc, row, t, person_id=None, actor="system", comment=reason)


def sign(session: Session, lc: Lifecycle, row, actor: Actor, meaning: str, password: str | None, *,
         separate: bool = True, behalf: Person | None = None) -> Signature:
    from workflows.engine.credentials import check_password, is_locked, locked_error  # same layer; no import cycle
    zh, en = MEANINGS[meaning]
    if not password:
        raise StewardError("password_required", f"{zh}签名须重新输入密码", f"Signing ({en.lower()}) needs your password",
                           field="password", status=401)
    other = session.exec(select(Signature.meaning).where(
        Signature.lifecycle == lc.name, Signature.entity_id == row.id, Signature.person_id == actor.person.id,
        Signature.meaning != meaning, Signature.meaning.in_(JUDGING))).first() if separate and meaning in JUDGING else None
    if other is not None:  # segregation of duties: who prepared does not approve, the auditor does not accept
        raise Forbidden("second_meaning", f"您已在此记录上签署「{MEANINGS[other][0]}」，同一人不能再签署「{zh}」",
                        f"You signed this record as {MEANINGS[other][1].lower()}; the same person cannot also sign "
                        f"it as {en.lower()}")
    if is_locked(session, actor.person.username or ""):
        raise locked_error()
    if not check_password(actor.person, password):
        raise StewardError("wrong_password", "密码错误，未签名", "Wrong password; nothing was signed",
                           field="password", status=401)
    sig = Signature(enterprise_id=row.enterprise_id, person_id=actor.person.id, signer_name=actor.person.name,
                    meaning=meaning, lifecycle=lc.name, entity_id=row.id, content_sha256=lc.content_hash(row), signed_at=clock.utcnow(),
                    on_behalf_of_id=behalf.id if behalf else None, on_behalf_of_name=behalf.name if behalf else None)
    session.add(sig)
    session.flush()
    return sig


def signatures(session: Session, lc: Lifecycle, row) -> list[tuple[Signature, bool]]:
    """Each signature with whether it still matches the content it was given for."""
    current = lc.content_hash(row)
    sigs = session.exec(select(Signature).where(Signature.lifecycle == lc.name, Signature.entity_id == row.id)
                        .order_by(Signature.id)).all()
    return [(s, s.content_sha256 == current) for s in sigs]


def close_tasks(session: Session, lifecycle: str, entity_id: int, person_id: int | None = None,
                enterprise_id: int | None = None) -> None:
    """``enterprise_id`` is needed where ``entity_id`` is not a row's id but a year, shared by every enterprise."""
    query = select(Task).where(Task.lifecycle == lifecycle, Task.entity_id == entity_id, Task.status == "open")
    if enterprise_id is not None:
        query = query.where(Task.enterprise_id == enterprise_id)
    if person_id is not None:
        query = query.where(Task.assignee_id == person_id)
    for task in session.exec(query).all():
        task.status, task.closed_at = "done", utcnow()
        session.add(task)


def people_with(session: Session, enterprise_id: int, roles) -> list[Person]:
    return list(session.exec(
        select(Person).join(RoleAssignment, (RoleAssignment.person_id == Person.id)
                            & (RoleAssignment.enterprise_id == Person.enterprise_id))
        .where(Person.enterprise_id == enterprise_id, Person.active, RoleAssignment.role.in_(list(roles)))
        .distinct().order_by(Person.id)).all())


def assign(session: Session, lc: Lifecycle, row, spec: TaskSpec, *, exclude: int | None = None,
           people: list[Person] | None = None, due: date | None = None) -> list[Task]:
    """Create a task (and its outbox notification) for each responsible person."""
    what_zh, what_en = lc.describe(session, row)
    title_zh, title_en = spec.zh.format(what=what_zh), spec.en.format(what=what_en)
    due = due or clock.today() + timedelta(days=spec.due_days)
    return [give_task(session, person, lc.name, row.id, title_zh, title_en, due)
            for person in (people if people is not None else people_with(session, row.enterprise_id, spec.roles))
            if person.id != exclude]


def give_once(session: Session, enterprise_id: int, lifecycle: str, key: int, roles, zh: str, en: str, due: date,
              *, while_open: bool = False) -> int:
    """A task about ``key`` for everyone with one of ``roles``, unless one was given already (any, or with
    ``while_open`` only one still open, so a new one follows a closed one). Returns how many were given."""
    given = select(Task.id).where(Task.enterprise_id == enterprise_id, Task.lifecycle == lifecycle,
                                  Task.entity_id == key)
    if session.exec(given.where(Task.status == "open") if while_open else given).first() is not None:
        return 0
    people = people_with(session, enterprise_id, roles)
    for person in people:
        give_task(session, person, lifecycle, key, zh, en, due)
    return len(people)


def give_task(session: Session, person: Person, lifecycle: str, entity_id: int, title_zh: str, title_en: str,
              due: date) -> Task:
    """One task for one person about one row, with the notification that tells them."""
    task = Task(enterprise_id=person.enterprise_id, assignee_id=person.id, lifecycle=lifecycle, entity_id=entity_id,
                title_zh=title_zh, title_en=title_en, due=due)
    session.add(task)
    session.flush()
    session.add(Outbox(enterprise_id=person.enterprise_id, person_id=person.id, task_id=task.id,
                       subject=f"[碳管家] {title_zh} / {title_en}",
                       body=f"{person.name}：您有一项新任务「{title_zh}」，请于 {due} 前处理。\n"
                            f"New task for {person.name}: {title_en}, due {due}."))
    if (stand_in := standins.substitute_of(session, person.id, clock.today())) is not None:  # away: tell who covers
        session.add(Outbox(enterprise_id=person.enterprise_id, person_id=stand_in.id, task_id=task.id,
                           subject=f"[碳管家] 代 {person.name}：{title_zh} / For {person.name}: {title_en}"[:300],
                           body=f"{stand_in.name}：您代理 {person.name} 期间，其有一项新任务「{title_zh}」，请于 {due} 前处理。\n"
                                f"{stand_in.name}, you stand in for {person.name}: new task {title_en}, due {due}."))
    return task


def mermaid(lc: Lifecycle) -> str:
    """State diagram of a lifecycle, from the same data the engine runs on."""
    lines = ["stateDiagram-v2", f"    [*] --> {lc.initial}"]
    for s in lc.states:
        lines.append(f"    {s.value}: {s.value} {s.zh} / {s.en}")
    for t in lc.transitions:
        roles = ", ".join(t.roles) or "system"
        sig = f" ✍{t.signature}" if t.signature else ""
        for src in t.sources:
            lines.append(f"    {src} --> {t.dest}: {t.trigger} {t.zh}{sig} [{roles}]")
    for step in lc.countersign:
        lines.append(f"    note right of {step.state}: 会签 countersign ✍{step.meaning}, all sign → {step.complete},"
                     f" one rejects → {step.reject}")
    return "\n".join(lines) + "\n"
