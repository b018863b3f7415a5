"""Management review (9.3): plan, compile the input pack from the system for every item of 9.3.1
a)–e), hold the meeting (minutes, decisions as tracked actions), sign off by top management.

An input the system has nothing for (no context issue, risk or objective recorded this period, say)
needs a written statement; signing with any input neither compiled nor stated is refused, naming
the items.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone
from typing import IO

from sqlmodel import Session, select

from forms import clauses
from storage.errors import NotFound, StewardError
from storage.files import FileStore
from storage.models import (
    ManagementReview,
    Person,
    ReviewAction,
    Task,
)
from storage.models.org import utcnow
from storage.vocab import Labelled
from workflows.engine import clock, history, lifecycle_index, lookup, machine, paging, stored, tasks
from workflows.engine.machine import Actor, Lifecycle, TaskSpec, Transition, Unmet
from workflows.review import inputs as inputs_pack
from workflows.review.inputs import INPUT_ITEMS
from workflows.review.minutes import review_minutes

PREPARERS = ("carbon_manager", "carbon_body_member")
STATERS = PREPARERS + ("top_management",)  # who may write a statement for an input


class ReviewState(Labelled):
    planned = ("planned", "已计划", "Planned")
    prepared = ("prepared", "输入已汇编", "Inputs compiled")
    held = ("held", "已召开", "Held")
    approved = ("approved", "已签署", "Signed off")


def missing_inputs(review: ManagementReview) -> list[str]:
    return [c for c in INPUT_ITEMS
            if not review.inputs.get(c, {}).get("zh") and not review.statements.get(c, "").strip()]


def _inputs_complete(session, review, actor):
    missing = missing_inputs(review)
    if missing:
        return Unmet(f"评审输入不完整：{'、'.join(missing)} 既无系统数据也无书面说明",
                     f"Review inputs missing for {', '.join(missing)}: neither compiled nor stated")
    return None


def _minutes_written(session, review, actor):
    if not review.minutes.strip() or not review.attendees or not review.conclusion.strip():
        return Unmet("请先记录参加人员、会议纪要和评审结论", "Record attendees, minutes and the conclusion first")
    return None


TRANSITIONS = [
    Transition(trigger="compile", source=["planned", "prepared"], dest="prepared", zh="汇编评审输入",
     en="Compile the inputs", roles=PREPARERS),
    Transition(trigger="hold", source="prepared", dest="held", zh="记录会议纪要", en="Record the meeting",
     roles=PREPARERS + ("top_management",), guards=[_inputs_complete, _minutes_written],
     task=TaskSpec(roles=["top_management"], zh="签署管理评审 {what}", en="Sign off management review {what}")),
    Transition(trigger="approve", source="held", dest="approved", zh="最高管理者签署", en="Sign off",
     roles=("top_management",), guards=[_inputs_complete, _minutes_written], signature="approved"),
]


def content_hash(review: ManagementReview) -> str:
    """What top management signs; an extraordinary review's reason is part of it (a yearly review's hash is as it
    always was, so signatures given before reasons existed stay valid)."""
    body = json.dumps([review.number, review.inputs, review.statements, review.attendees, review.minutes,
                       review.conclusion] + ([review.reason] if review.reason else []), sort_keys=True,
                      ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def describe(session: Session, review: ManagementReview) -> tuple[str, str]:
    if review.reason:
        return (f"{review.number}（{review.year} 年专项管理评审）",
                f"{review.number} ({review.year} extraordinary management review)")
    return f"{review.number}（{review.year} 年度管理评审）", f"{review.number} ({review.year} management review)"


LIFECYCLE = Lifecycle("management_review", "管理评审", "Management review", ReviewState, "planned", TRANSITIONS,
                      content_hash, describe)


class ActionState(Labelled):
    open = ("open", "落实中", "Open")
    done = ("done", "已落实", "Done")


ACTION_OWNERS = ("top_management", "carbon_body_member", "department_head", "carbon_manager", "internal_auditor",
                 "staff")


def may_report(action: ReviewAction, actor: Actor, session: Session) -> bool:
    """The owner, whoever stands in for them today, or a manager."""
    return action.owner_id in tasks.whose(session, actor.person.id) or bool(actor.roles & {"carbon_manager", "top_management"})


def _owner(session, action, actor):
    return None if may_report(action, actor, session) else Unmet("只有负责人可以报告完成", "Only the owner can report this done")


ACTION_LIFECYCLE = Lifecycle("review_action", "评审决定的措施", "Review action", ActionState, "open", [
    Transition(trigger="complete", source="open", dest="done", zh="报告落实", en="Report done", roles=ACTION_OWNERS,
               guards=[_owner], comment_required=True)],
    describe=lambda session, a: (f"管理评审决定：{a.decision}", f"management review decision: {a.decision}"))


CALLERS = ("carbon_manager", "top_management")  # who may call a review outside the yearly turn


def yearly(session: Session, enterprise_id: int, year: int) -> ManagementReview | None:
    """The year's review in its yearly turn (the one planned without a reason); extraordinary ones are not it."""
    return session.exec(select(ManagementReview).where(ManagementReview.enterprise_id == enterprise_id,
                                                       ManagementReview.year == year,
                                                       ManagementReview.reason == "")).first()


def _new(session: Session, enterprise_id: int, planned_on: date, reason: str = "") -> ManagementReview:
    """A review numbered in its year (…-MR-2026-001, the next one …-002), with the carbon managers asked to compile
    its inputs a week ahead."""
    chair = next(iter(machine.people_with(session, enterprise_id, ["top_management"])), None)
    review = ManagementReview(enterprise_id=enterprise_id, year=planned_on.year, planned_on=planned_on, reason=reason,
                              number=lookup.next_number(session, ManagementReview, enterprise_id, "MR", planned_on.year),
                              chair_id=chair.id if chair else None)
    session.add(review)
    session.flush()
    machine.assign(session, LIFECYCLE, review, TaskSpec(roles=["carbon_manager"], zh="汇编管理评审输入 {what}",
                                               en="Compile the inputs for {what}"),
                  due=max(clock.today(), planned_on - timedelta(days=7)))
    return review


def ensure(session: Session, enterprise_id: int, year: int, planned_on: date | None = None) -> tuple[ManagementReview, bool]:
    """The year's review, planned once (an extraordinary review that year leaves it to be planned all the same)."""
    found = yearly(session, enterprise_id, year)
    if found:
        return found, False
    return _new(session, enterprise_id, planned_on or date(year, 12, 15)), True


def plan_as(session: Session, actor: Actor, planned_on: date, attendees: list[str], reason: str = "",
            today: date | None = None) -> ManagementReview:
    """Plan (or move) the year's review: its date, never in the past, and who is invited, each of whom is told
    and finds it in their tasks and calendar until the meeting is held. With a reason (a major change, an accident)
    it is an extraordinary review of its own, numbered after the year's others; the yearly one is left as it is."""
    reason = reason.strip()
    if reason:
        machine.require_role(actor, CALLERS, "召开专项管理评审", "Calling an extraordinary management review")
    else:
        machine.require_role(actor, PREPARERS, "计划管理评审", "Planning a management review")
    if planned_on < (today or clock.today()):
        raise StewardError("planned_on", "评审日期不能早于今天", "The review cannot be planned in the past",
                           field="planned_on")
    if len(reason) > 500:
        raise StewardError("reason", "原因不能超过 500 字", "The reason is longer than 500 characters", field="reason")
    invited = [lookup.person(session, actor.enterprise_id, u, field="attendees") for u in dict.fromkeys(attendees)]
    if reason:
        review = _new(session, actor.enterprise_id, planned_on, reason)
    else:
        review, created = ensure(session, actor.enterprise_id, planned_on.year, planned_on)
        if not created and review.state not in ("planned", "prepared"):
            raise StewardError("held", f"{planned_on.year} 年的年度管理评审 {review.number} 已召开；再召开一次请用"
                               "「召开专项管理评审」并说明原因", f"The {planned_on.year} management review, {review.number}, "
                               "has been held; for another one, call an extraordinary review and give its reason",
                               field="planned_on", status=409)
    review.planned_on, review.attendees = planned_on, [p.name for p in invited]
    session.add(review)
    session.flush()
    _invite(session, review, invited, planned_on)
    return review


def call(session: Session, actor: Actor, planned_on: date, reason: str, attendees: list[str],
         today: date | None = None) -> ManagementReview:
    """An extraordinary review (after a major change, a serious incident), called by a carbon manager or top
    management with its reason; the year's yearly review is neither moved nor replaced."""
    machine.require_role(actor, CALLERS, "召开专项管理评审", "Calling an extraordinary management review")
    if not reason.strip():
        raise StewardError("reason", "专项管理评审须说明原因（如重大变化、重大事故）",
                           "An extraordinary review needs a reason (a major change, a serious incident)", field="reason")
    return plan_as(session, actor, planned_on, attendees, reason, today)


def _invite(session: Session, review: ManagementReview, invited: list[Person], planned_on: date) -> None:
    asked = {t.assignee_id: t for t in session.exec(select(Task).where(
        Task.lifecycle == LIFECYCLE.name, Task.entity_id == review.id, Task.status == "open",
        Task.title_en.startswith(INVITATION)))}
    for person_id, task in asked.items():  # moved: the invitations follow; no longer invited: withdrawn
        if person_id in {p.id for p in invited}:
            task.due, task.title_zh = planned_on, f"参加管理评审 {review.number}（{planned_on}）"
            task.title_en = f"{INVITATION} {review.number} ({planned_on})"
        else:
            task.status, task.closed_at = "cancelled", utcnow()
        session.add(task)
    for person in invited:
        if person.id not in asked:
            machine.give_task(session, person, LIFECYCLE.name, review.id, f"参加管理评审 {review.number}（{planned_on}）",
                             f"{INVITATION} {review.number} ({planned_on})", planned_on)
    session.flush()


INVITATION = "Attend management review"


def get(session: Session, actor: Actor, number: str) -> ManagementReview:
    return lookup.numbered(session, ManagementReview, actor.enterprise_id, number, "管理评审", "management review")


def compile_inputs(session: Session, actor: Actor, review: ManagementReview,
                   expected_version: int | None = None) -> ManagementReview:
    """Gather every 9.3.1 input from the system since the previous review; may be re-run until the meeting."""
    machine.check_version(LIFECYCLE, review, expected_version)
    since = inputs_pack.since(session, review)
    inputs = {}
    for clause_id in INPUT_ITEMS:
        zh, en, facts = inputs_pack.COMPILERS[clause_id](session, review, since) if clause_id in inputs_pack.COMPILERS else ([], [], {})
        inputs[clause_id] = {"zh": zh, "en": en, "facts": facts, "since": since.isoformat()}
    review.inputs = inputs
    review.compiled_at = datetime.now(timezone.utc)
    machine.fire(session, LIFECYCLE, review, "compile", actor)
    return review


def state_input(session: Session, actor: Actor, review: ManagementReview, clause_id: str, text: str) -> ManagementReview:
    """A written statement for an input, e.g. what changed in the context this year."""
    machine.require_role(actor, STATERS, "填写评审输入", "Stating a review input")
    machine.require_same_enterprise(review, actor)
    if clause_id not in INPUT_ITEMS:
        raise StewardError("clause", f"评审输入须为 {', '.join(INPUT_ITEMS)} 之一",
                           f"A review input is one of {', '.join(INPUT_ITEMS)}", field="clause_id")
    if review.state == ReviewState.approved:
        raise StewardError("signed", "管理评审已签署，不能再修改", "The review is signed off; it cannot change", status=409)
    review.statements = {**review.statements, clause_id: text.strip()}
    session.add(review)
    session.flush()
    return review


def record_meeting(session: Session, actor: Actor, review: ManagementReview, *, held_on: date, attendees: list[str],
                   minutes: str, conclusion: str, decisions: list[dict],
                   expected_version: int | None = None) -> list[ReviewAction]:
    """Minutes, conclusion and decisions; each decision becomes an action and a task for its owner."""
    machine.require_same_enterprise(review, actor)
    machine.check_version(LIFECYCLE, review, expected_version)
    if held_on > clock.today():
        raise StewardError("held_on", "会议日期不能晚于今天", "The meeting cannot be in the future", field="held_on")
    review.held_on, review.attendees = held_on, [a.strip() for a in attendees if a.strip()]
    review.minutes, review.conclusion = minutes.strip(), conclusion.strip()
    actions = []
    for i, spec in enumerate(decisions, 1):
        text, due = str(spec.get("decision", "")).strip(), spec.get("due")
        if not text:
            raise StewardError("decision", f"第 {i} 项决定没有内容", f"Decision {i} is empty", field="decisions")
        if not isinstance(due, date):
            raise StewardError("due", f"第 {i} 项决定须有完成期限", f"Decision {i} needs a due date", field="due")
        if not spec.get("owner"):
            raise StewardError("owner", f"第 {i} 项决定须有负责人", f"Decision {i} needs an owner", field="owner")
        owner = lookup.person(session, review.enterprise_id, spec["owner"])
        action = ReviewAction(enterprise_id=review.enterprise_id, review_id=review.id, decision=text,
                              owner_id=owner.id, due=due)
        session.add(action)
        session.flush()
        machine.give_task(session, owner, "review_action", action.id, f"落实管理评审决定：{text}（{review.number}）",
                         f"Carry out the management review decision: {text} ({review.number})", due)
        actions.append(action)
    machine.fire(session, LIFECYCLE, review, "hold", actor)
    return actions


def sign_off(session: Session, actor: Actor, review: ManagementReview, password: str | None, store: FileStore,
             expected_version: int | None = None) -> ManagementReview:
    """Top management signs; the minutes docx with the signature manifest is kept as the record (9.3.2)."""
    machine.fire(session, LIFECYCLE, review, "approve", actor, expected_version=expected_version, password=password)
    review.minutes_sha256 = stored.keep_docx(session, store, review_minutes(session, review, machine.signatures(
        session, LIFECYCLE, review)))
    session.add(review)
    session.flush()
    return review


def complete_action(session: Session, actor: Actor, action_id: int, result: str) -> ReviewAction:
    action = session.get(ReviewAction, action_id)
    if action is None or action.enterprise_id != actor.enterprise_id:
        raise NotFound("action", f"没有评审措施 #{action_id}", f"No review action #{action_id}")
    if not may_report(action, actor, session):
        unmet = _owner(session, action, actor)
        raise StewardError("not_owner", unmet.zh, unmet.en, status=403)
    if not result.strip():
        raise StewardError("result", "请说明落实情况", "Describe what was done", field="result")
    action.done_on, action.result = clock.today(), result.strip()
    machine.fire(session, ACTION_LIFECYCLE, action, "complete", actor, comment=result.strip())
    return action


def catalogue_label(clause_id: str) -> str:
    c = clauses.by_id()[clause_id]
    return f"{c.zh} / {c.en}"


def planning(session: Session, actor: Actor, number: int | None = 1, year: int | None = None,
             state: str = "") -> dict:
    """The reviews page: a page of reviews (of a year, in a state), and — for those who prepare them — the people
    who may be invited."""
    rows, at = listing(session, actor, number, year, state)
    return {"reviews": rows, "page": at, "may_plan": bool(actor.roles & set(PREPARERS)),
            "may_call": bool(actor.roles & set(CALLERS)),
            "people": lookup.users(session, actor.enterprise_id), "states": list(ReviewState),
            "year": year, "state": state}


def _reviews(actor: Actor, year: int | None, state: str):
    """The enterprise's reviews, of a year and in a state when asked, newest first: the list and its export."""
    if state and state not in {st.value for st in ReviewState}:
        raise StewardError("state", f"没有「{state}」这种评审状态", f"No review state {state!r}", field="state")
    query = select(ManagementReview).where(ManagementReview.enterprise_id == actor.enterprise_id)
    if year:
        query = query.where(ManagementReview.year == year)
    if state:
        query = query.where(ManagementReview.state == state)
    return query.order_by(ManagementReview.year.desc(), ManagementReview.id.desc())


def listing(session: Session, actor: Actor, number: int | None = 1, year: int | None = None,
            state: str = "") -> tuple[list[tuple[ManagementReview, ReviewState]], paging.Page]:
    """A page of reviews, newest first, with the total."""
    rows, at = paging.fetch(session, _reviews(actor, year, state), number)
    return [(r, ReviewState(r.state)) for r in rows], at


def export(session: Session, actor: Actor, lang: str, year: int | None = None, state: str = "") -> tuple[str, IO[bytes]]:
    """Every management review as filtered on the page, newest first, as a workbook: who attended by name, the
    state in words."""
    from workflows.engine import exports
    en = lang == "en"
    title = "Management reviews" if en else "管理评审"
    headers = (["Number", "Year", "Planned on", "Held on", "Attendees", "State", "Extraordinary, because"] if en else
               ["编号", "年度", "计划日期", "召开日期", "参加人员", "状态", "专项评审原因"])
    rows = ([r.number, r.year, r.planned_on, r.held_on, ("、" if not en else ", ").join(r.attendees),
             ReviewState(r.state).en if en else ReviewState(r.state).zh, r.reason]
            for r in session.exec(_reviews(actor, year, state).execution_options(yield_per=500)))
    return title, exports.spooled(title, headers, rows)


def view(session: Session, actor: Actor, number: str, lang: str) -> dict:
    """The review page: each input item with what was compiled (in the reader's language) and any statement."""
    r = get(session, actor, number)
    catalogue = clauses.by_id()
    return {"review": r, "state": ReviewState(r.state), "missing": missing_inputs(r),
            "items": [(c, catalogue[c], r.inputs.get(c, {}).get(lang, []), r.statements.get(c, ""))
                      for c in INPUT_ITEMS],
            "can_sign": "top_management" in actor.roles and r.state == "held",
            "actions": LIFECYCLE.available(r, actor, session),
            "moves": history.moves(session, LIFECYCLE.name, [r.id]),
            "changes": history.changes(session, "management_review", r.id),
            "can_prepare": bool(actor.roles & set(STATERS)) and r.state != "approved",
            "decisions": decisions(session, actor, r), "today": clock.today(),
            "signatures": machine.signatures(session, LIFECYCLE, r), "meanings": machine.MEANINGS,
            "people": lookup.users(session, actor.enterprise_id)}


def decisions(session: Session, actor: Actor, review: ManagementReview) -> list[tuple]:
    """The review's decisions with owner, due date, state and — for its owner — the button that reports it done."""
    rows = session.exec(select(ReviewAction).where(ReviewAction.review_id == review.id).order_by(ReviewAction.id)).all()
    names = {p.id: p.name for p in session.exec(select(Person).where(Person.enterprise_id == review.enterprise_id))}
    return [(a, names.get(a.owner_id, "—"), ActionState(a.state), ACTION_LIFECYCLE.available(a, actor, session))
            for a in rows]


def under_way(session: Session, enterprise_id: int) -> list[ManagementReview]:
    return list(session.exec(select(ManagementReview).where(ManagementReview.enterprise_id == enterprise_id,
                                                            ManagementReview.state != "approved")).all())


lifecycle_index.register(LIFECYCLE, get, {
    "compile": lambda s, a, row, sub: compile_inputs(s, a, row, sub.version),
    "approve": lambda s, a, row, sub: sign_off(s, a, row, sub.password, sub.files, sub.version),
})
lifecycle_index.register(ACTION_LIFECYCLE, lifecycle_index.by_id(ReviewAction, "评审措施", "review action"), {
    "complete": lambda s, a, row, sub: complete_action(s, a, row.id, sub.comment),
})
