"""Internal audit (9.2): a programme a year, the audit plan (time, method, team, schedule), a
checklist with one line per auditable clause of the guideline, results with evidence links,
findings that become nonconformities, and the report routed to top management.

The report step refuses an audit that left any clause unchecked, so "内部审核内容应包含本文件所有
要求" (9.2.2) is enforced rather than hoped for.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date, timedelta
from typing import IO

from sqlalchemy import case
from sqlmodel import Session, func, select

from forms import clauses
from storage.errors import Forbidden, NotFound, StewardError
from storage.files import FileStore
from storage.models import (
    AuditProgramme,
    ChecklistItem,
    InternalAudit,
    Nonconformity,
    Person,
)
from storage.models.org import utcnow
from storage.vocab import Labelled
from workflows.audit import evidence_links
from workflows.audit.checklist import Result, checklist
from workflows.audit.report import audit_report
from workflows.engine import clock, history, lifecycle_index, lookup, machine, paging, stored
from workflows.engine.machine import Actor, Lifecycle, TaskSpec, Transition, Unmet
from workflows.improvement import nonconformity as ncs

PLANNERS = ("carbon_manager", "internal_auditor")
DEFAULT_METHOD = "文件审查、现场检查、人员访谈、数据抽样复核 / document review, site inspection, interviews, data sampling"


class AuditState(Labelled):
    planned = ("planned", "已计划", "Planned")
    in_progress = ("in_progress", "审核中", "In progress")
    reported = ("reported", "已报告", "Reported")
    closed = ("closed", "已关闭", "Closed")


def _every_clause_checked(session, audit, actor):
    items = {i.clause_id: i.result for i in checklist(session, audit)}
    wanted = [c.id for c in clauses.auditable()]
    skipped = [c for c in wanted if items.get(c, "pending") == "pending"]
    if skipped:
        head = "、".join(skipped[:8]) + ("…" if len(skipped) > 8 else "")
        return Unmet(f"还有 {len(skipped)} 个条款未检查（{head}），内审须覆盖指南全部要求（9.2.2）",
                     f"{len(skipped)} clause(s) not checked yet ({', '.join(skipped[:8])}); "
                     "the audit must cover every requirement (9.2.2)")
    return None


def _has_conclusion(session, audit, actor):
    return None if audit.conclusion.strip() else Unmet("请填写审核结论", "Write the audit conclusion first")


def _report_kept(session, audit, actor):
    return None if audit.report_sha256 else Unmet("审核报告尚未生成", "The audit report has not been produced")


TRANSITIONS = [
    Transition(trigger="start", source="planned", dest="in_progress", zh="开始审核", en="Start the audit",
     roles=PLANNERS),
    Transition(trigger="report", source="in_progress", dest="reported", zh="提交审核报告", en="Submit the report",
     roles=("internal_auditor",), guards=[_every_clause_checked, _has_conclusion], signature="prepared",
     task=TaskSpec(roles=["top_management"], zh="审阅内部审核报告 {what}", en="Read the internal audit report {what}",
              due_days=14)),
    Transition(trigger="accept", source="reported", dest="closed", zh="最高管理者审阅", en="Accept (top management)",
     roles=("top_management",), guards=[_report_kept], signature="reviewed"),
]


def content_hash(audit: InternalAudit) -> str:
    return hashlib.sha256(json.dumps([audit.number, audit.conclusion, audit.report_sha256]).encode()).hexdigest()


def describe(session: Session, audit: InternalAudit) -> tuple[str, str]:
    return f"{audit.number}「{audit.title}」", f"{audit.number} “{audit.title}”"


LIFECYCLE = Lifecycle("internal_audit", "内部审核", "Internal audit", AuditState, "planned", TRANSITIONS,
                      content_hash, describe)


def ensure_programme(session: Session, enterprise_id: int, year: int, created_by: str,
                     objectives: str = "") -> tuple[AuditProgramme, bool]:
    """The year's programme, made once; a second call (or a second scheduled run) finds it."""
    found = session.exec(select(AuditProgramme).where(AuditProgramme.enterprise_id == enterprise_id,
                                                      AuditProgramme.year == year)).first()
    if found:
        return found, False
    programme = AuditProgramme(enterprise_id=enterprise_id, year=year, created_by=created_by, objectives=objectives or (
        f"{year} 年度内部审核：覆盖《重点行业企业碳排放管理体系建设指南》全部条款，重点核查 9.2.1 a–e / "
        f"{year} internal audit covering every clause of the guideline, with the 9.2.1 a–e key points"))
    session.add(programme)
    session.flush()
    return programme, True


def default_schedule(start: date, end: date, team: list[Person]) -> list[dict]:
    """Spread the guideline's chapters 4–10 over the audit days and the team, in order."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)] or [start]
    chapters = [c for c in clauses.catalogue() if c.kind == "chapter"]
    out = []
    for i, chapter in enumerate(chapters):
        auditor = team[i % len(team)] if team else None
        out.append({"day": days[i * len(days) // len(chapters)].isoformat(), "chapter": chapter.id,
                    "zh": chapter.zh, "en": chapter.en, "auditor": auditor.name if auditor else ""})
    return out


def regular(session: Session, programme_id: int) -> InternalAudit | None:
    """The year's audit in its yearly turn (one planned without a reason)."""
    return session.exec(select(InternalAudit).where(InternalAudit.programme_id == programme_id,
                                                    InternalAudit.reason == "").order_by(InternalAudit.id)).first()


def plan(session: Session, enterprise_id: int, *, year: int, start: date, end: date, lead: Person,
         team: list[Person], created_by: str, method: str = DEFAULT_METHOD, scope: str = "",
         title: str = "", reason: str = "", follows: InternalAudit | None = None,
         schedule: list[dict] | None = None) -> InternalAudit:
    """Plan one audit in the year's programme and ask the lead auditor to prepare it. Once the year has its audit,
    another is extraordinary and says why (a major change, a complaint); the yearly one is planned all the same."""
    if end < start:
        raise StewardError("dates", "结束日期不能早于开始日期", "The audit cannot end before it starts", field="end")
    if start.year != year:
        raise StewardError("year", f"审核开始日期须在 {year} 年内", f"The audit must start in {year}", field="start")
    members = {p.id: p for p in [lead, *team]}
    for person in members.values():
        if person.enterprise_id != enterprise_id:
            raise Forbidden("other_enterprise", "审核组成员须为本企业人员", "Audit team members must be of this enterprise")
    programme, _ = ensure_programme(session, enterprise_id, year, created_by)
    if (first := regular(session, programme.id)) is not None and not reason.strip():
        raise StewardError("reason", f"{year} 年已有内审 {first.number}，再安排一次须说明原因（如重大变化、投诉）",
                           f"{year} already has its audit, {first.number}; another one needs a reason (a major change, "
                           "a complaint)", field="reason")
    count = session.exec(select(func.count()).select_from(InternalAudit).where(
        InternalAudit.programme_id == programme.id)).one()
    audit = InternalAudit(enterprise_id=enterprise_id, programme_id=programme.id,
                          number=f"{lookup.next_number(session, InternalAudit, enterprise_id, 'IA', year)}",
                          title=title or f"{year} 年度碳排放管理体系内部审核" + (
                              "（专项）" if reason.strip() else "") + (f"（第{count + 1}次）" if count else ""),
                          planned_start=start, planned_end=end, method=method, scope=scope or "全部条款 4–10 / clauses 4–10",
                          lead_auditor_id=lead.id, team_ids=list(members), reason=reason.strip()[:500],
                          follows_id=follows.id if follows else None,
                          schedule=schedule or default_schedule(start, end, list(members.values())))
    session.add(audit)
    session.flush()
    machine.assign(session, LIFECYCLE, audit, TaskSpec(zh="准备并实施内部审核 {what}", en="Prepare and run audit {what}"),
                  people=[lead], due=start)
    return audit


def auditors(session: Session, enterprise_id: int) -> list[Person]:
    return machine.people_with(session, enterprise_id, ["internal_auditor"])


def plan_for_year(session: Session, enterprise_id: int, year: int, created_by: str) -> InternalAudit | None:
    """What the yearly flow does: the programme and one audit in early November, if none is planned yet."""
    programme, _ = ensure_programme(session, enterprise_id, year, created_by)
    existing = regular(session, programme.id)  # an extraordinary audit leaves the yearly one to be planned
    team = auditors(session, enterprise_id)
    if existing or not team:
        return None
    start = date(year, 11, 1)
    start += timedelta(days=(7 - start.weekday()) % 7)  # the first Monday of November
    return plan(session, enterprise_id, year=year, start=start, end=start + timedelta(days=2), lead=team[0],
                team=team, created_by=created_by)


def get(session: Session, actor: Actor, number: str) -> InternalAudit:
    return lookup.numbered(session, InternalAudit, actor.enterprise_id, number, "内部审核", "internal audit")


def start(session: Session, actor: Actor, audit: InternalAudit, expected_version: int | None = None) -> list[ChecklistItem]:
    """Begin the audit: one checklist line per auditable clause, with the evidence the system already holds."""
    from workflows.audit import evidence_map  # it reads audits, as evidence of 9.2
    machine.fire(session, LIFECYCLE, audit, "start", actor, expected_version=expected_version)
    found = {i.clause.id: i.found for i in evidence_map.build(session, audit.enterprise_id)}
    items = []
    for position, clause in enumerate(clauses.auditable(), 1):
        item = ChecklistItem(enterprise_id=audit.enterprise_id, audit_id=audit.id, position=position,
                             clause_id=clause.id, evidence=proposed(found.get(clause.id, [])))
        session.add(item)
        items.append(item)
    session.flush()
    return items


def proposed(found) -> list[dict]:
    """A checklist line's evidence as the evidence map finds it when the audit starts: what, where it opens, and
    whether it was current then. The auditor still judges; nothing is pre-filled."""
    return [{"kind": "map", "ref": f.href or "", "label": f.zh, "label_en": f.en, "current": f.current} for f in found]


def record(session: Session, actor: Actor, audit: InternalAudit, clause_id: str, result: str, notes: str = "",
           evidence: list[dict] | None = None, severity_owner: str | None = None) -> ChecklistItem:
    """Record one clause's result; a nonconformity result raises a nonconformity at once."""
    item = record_target(session, actor, audit, clause_id)
    if result not in Result.__members__ or result == "pending":
        choices = [r for r in Result if r != "pending"]
        raise StewardError("result", "结果须为" + "、".join(r.zh for r in choices) + "之一",
                           "Result must be one of: " + ", ".join(r.en.lower() for r in choices), field="result")
    if result != "conform" and not notes.strip():
        raise StewardError("notes", f"「{Result(result).zh}」须写明事实或理由", f"{Result(result).en} needs the facts or reason",
                           field="notes")
    item.result, item.notes, item.auditor_id, item.checked_at = result, notes.strip(), actor.person.id, utcnow()
    if evidence is not None:
        item.evidence = [*item.evidence, *evidence]
    session.add(item)
    session.flush()
    if result in ("minor_nc", "major_nc") and item.nonconformity_id is None:
        owner = lookup.person(session, audit.enterprise_id, severity_owner) if severity_owner else None
        nc = ncs.raise_nc(session, audit.enterprise_id, source="audit", source_ref=f"{audit.number}/{clause_id}",
                          clause_id=clause_id, title=notes.strip().splitlines()[0][:300], description=notes.strip(),
                          evidence="; ".join(e.get("label", e.get("ref", "")) for e in item.evidence),
                          severity="major" if result == "major_nc" else "minor", raised_by=actor.label, owner=owner)
        item.nonconformity_id = nc.id
        session.add(item)
        session.flush()
    return item


def report(session: Session, actor: Actor, audit: InternalAudit, conclusion: str, password: str | None,
           store: FileStore, expected_version: int | None = None) -> InternalAudit:
    """Submit the report, signed by the lead auditor; the docx is kept first so the signature binds to it."""
    machine.require_same_enterprise(audit, actor)
    machine.check_version(LIFECYCLE, audit, expected_version)
    if audit.lead_auditor_id != actor.person.id:
        raise Forbidden("not_lead", "审核报告由审核组长提交", "The lead auditor submits the report")
    audit.conclusion = conclusion.strip()
    machine.check_guards(session, LIFECYCLE, audit, "report", actor)
    audit.reported_on = clock.today()
    audit.report_sha256 = stored.keep_docx(session, store, audit_report(session, audit))
    machine.fire(session, LIFECYCLE, audit, "report", actor, password=password)
    return audit


def accept(session: Session, actor: Actor, audit: InternalAudit, password: str | None, comment: str = "",
           expected_version: int | None = None) -> InternalAudit:
    machine.fire(session, LIFECYCLE, audit, "accept", actor, expected_version=expected_version, password=password,
                comment=comment)
    return audit


PROGRAMME_OWNERS = ("carbon_manager",)


def plan_year(session: Session, actor: Actor, year: int) -> InternalAudit:
    """A carbon manager asks for the year's audit now rather than waiting for the yearly flow."""
    machine.require_role(actor, PROGRAMME_OWNERS, "计划年度内审", "Planning the year's audit")
    audit = plan_for_year(session, actor.enterprise_id, year, actor.label)
    if audit is None:
        raise StewardError("exists", f"{year} 年已有内审计划（或没有内审员）",
                           f"{year} already has an audit (or there is no internal auditor)", field="year")
    return audit


def plan_as(session: Session, actor: Actor, *, start: date, end: date, lead: str, team: list[str], scope: str = "",
            method: str = "", title: str = "", reason: str = "", today: date | None = None) -> InternalAudit:
    """A carbon manager or an internal auditor plans an audit with its dates, lead, team and scope (9.2.2).
    An audit is planned ahead: it cannot start in the past, and its lead must be an internal auditor."""
    machine.require_role(actor, PLANNERS, "计划内部审核", "Planning an audit")
    today = today or clock.today()
    if start < today:
        raise StewardError("start", f"开始日期不能早于今天（{today}）", f"The audit cannot start before today ({today})",
                           field="start")
    if end < start:
        raise StewardError("end", "结束日期不能早于开始日期", "The audit cannot end before it starts", field="end")
    leader = lookup.person(session, actor.enterprise_id, lead, field="lead")
    if leader.id not in {p.id for p in auditors(session, actor.enterprise_id)}:
        raise StewardError("lead", f"{leader.name} 不是内审员，不能任审核组长", f"{leader.name} is not an internal "
                           "auditor and cannot lead the audit", field="lead")
    members = [lookup.person(session, actor.enterprise_id, u, field="team") for u in team]
    return plan(session, actor.enterprise_id, year=start.year, start=start, end=end, lead=leader, team=members,
                created_by=actor.label, method=method.strip() or DEFAULT_METHOD, scope=scope.strip(), title=title.strip(),
                reason=reason)


def plan_next_year(session: Session, actor: Actor, number: str) -> InternalAudit:
    """Next year's audit planned from this one: the same lead, team, method and scope, the schedule a year on
    (the same weekdays), and this audit's findings still open listed on it to follow up."""
    machine.require_role(actor, PLANNERS, "计划内部审核", "Planning an audit")
    audit = get(session, actor, number)
    year = audit.planned_start.year + 1
    programme, _ = ensure_programme(session, actor.enterprise_id, year, actor.label)
    if (taken := regular(session, programme.id)) is not None:
        raise StewardError("exists", f"{year} 年已有内审 {taken.number}", f"{year} already has its audit, {taken.number}",
                           status=409)
    shift = timedelta(weeks=52 if (audit.planned_start + timedelta(weeks=52)).year == year else 53)
    team = [p for p in (session.get(Person, i) for i in audit.team_ids) if p is not None and p.active]
    lead = session.get(Person, audit.lead_auditor_id)
    if lead is None or not lead.active:
        raise StewardError("lead", "原审核组长已停用，请另行计划", "The lead auditor has left; plan the audit anew", status=409)
    schedule = [{**row, "day": (date.fromisoformat(row["day"]) + shift).isoformat()} for row in audit.schedule]
    return plan(session, actor.enterprise_id, year=year, start=audit.planned_start + shift,
                end=audit.planned_end + shift, lead=lead, team=team, created_by=actor.label, method=audit.method,
                scope=audit.scope, follows=audit, schedule=schedule)


def to_follow_up(session: Session, audit: InternalAudit) -> list[Nonconformity]:
    """The findings of the audit this one was planned from that are not closed yet."""
    if audit.follows_id is None or (before := session.get(InternalAudit, audit.follows_id)) is None:
        return []
    return list(session.exec(select(Nonconformity).where(
        Nonconformity.enterprise_id == audit.enterprise_id, Nonconformity.source == "audit",
        Nonconformity.source_ref.startswith(f"{before.number}/"), Nonconformity.state != "closed")
        .order_by(Nonconformity.number)).all())


def _audits(actor: Actor, year: int | None, state: str):
    """The enterprise's audits, starting in a year and in a state when asked, newest first: the list and its
    export."""
    if state and state not in {st.value for st in AuditState}:
        raise StewardError("state", f"没有「{state}」这种审核状态", f"No audit state {state!r}", field="state")
    query = select(InternalAudit).where(InternalAudit.enterprise_id == actor.enterprise_id)
    if year:
        query = query.where(InternalAudit.planned_start >= date(year, 1, 1), InternalAudit.planned_start < date(year + 1, 1, 1))
    if state:
        query = query.where(InternalAudit.state == state)
    return query.order_by(InternalAudit.planned_start.desc(), InternalAudit.id.desc())


def listing(session: Session, actor: Actor, number: int | None = 1, year: int | None = None, state: str = "") -> dict:
    """A page of audits, newest first, each with how many of its checklist lines are checked (counted in one
    query for the page, not read line by line)."""
    rows, at = paging.fetch(session, _audits(actor, year, state), number)
    counts = {audit_id: (total, checked) for audit_id, total, checked in session.exec(
        select(ChecklistItem.audit_id, func.count(), func.sum(case((ChecklistItem.result != "pending", 1), else_=0)))
        .where(ChecklistItem.audit_id.in_([x.id for x in rows])).group_by(ChecklistItem.audit_id))}
    people = lookup.users(session, actor.enterprise_id)
    return {"audits": [(x, AuditState(x.state), {"total": counts.get(x.id, (0, 0))[0],
                                                 "checked": int(counts.get(x.id, (0, 0))[1] or 0)}) for x in rows],
            "page": at,
            "can_plan": bool(actor.roles & set(PROGRAMME_OWNERS)), "can_plan_one": bool(actor.roles & set(PLANNERS)),
            "auditors": auditors(session, actor.enterprise_id), "people": people, "default_method": DEFAULT_METHOD,
            "states": list(AuditState), "in_year": year, "state": state}


def export(session: Session, actor: Actor, lang: str, year: int | None = None, state: str = "") -> tuple[str, IO[bytes]]:
    """Every audit as filtered on the page, newest first, as a workbook: lead auditor by name, state in words, lines
    checked."""
    from workflows.engine import exports
    en = lang == "en"
    names = dict(session.exec(select(Person.id, Person.name).where(Person.enterprise_id == actor.enterprise_id)).all())
    title = "Internal audits" if en else "内部审核"
    headers = (["Number", "Title", "Start", "End", "Lead auditor", "State", "Lines checked", "Lines"] if en else
               ["编号", "名称", "开始", "结束", "审核组长", "状态", "已检查", "检查项"])
    counted = {audit_id: (total, checked or 0) for audit_id, total, checked in session.exec(
        select(ChecklistItem.audit_id, func.count(), func.sum(case((ChecklistItem.result != "pending", 1), else_=0)))
        .where(ChecklistItem.enterprise_id == actor.enterprise_id).group_by(ChecklistItem.audit_id))}

    def label(st) -> str:
        return st.en if en else st.zh
    rows = ([x.number, x.title, x.planned_start, x.planned_end, names.get(x.lead_auditor_id, ""),
             label(AuditState(x.state)), int(counted.get(x.id, (0, 0))[1]), counted.get(x.id, (0, 0))[0]]
            for x in session.exec(_audits(actor, year, state).execution_options(yield_per=500)))
    return title, exports.spooled(title, headers, rows)


def _raised(session: Session, audit: InternalAudit, items: list[ChecklistItem]) -> dict[str, list[str]]:
    """Clause → the numbers of the nonconformities its line raised, read in one query."""
    refs = {f"{audit.number}/{i.clause_id}": i.clause_id for i in items if i.nonconformity_id}
    out: dict[str, list[str]] = {}
    if refs:
        for ref, number in session.exec(select(Nonconformity.source_ref, Nonconformity.number).where(
                Nonconformity.enterprise_id == audit.enterprise_id, Nonconformity.source_ref.in_(list(refs)))
                .order_by(Nonconformity.id)):
            out.setdefault(refs[ref], []).append(number)
    return out


def add_finding(session: Session, actor: Actor, audit: InternalAudit, clause_id: str, result: str, notes: str,
                owner: str | None = None) -> ChecklistItem:
    """Another nonconformity on a line that already has one (two findings on 7.5.2 are common): it is raised
    on its own, and the line takes the graver result."""
    item = record_target(session, actor, audit, clause_id)
    if item.nonconformity_id is None:
        raise StewardError("first_finding", "请先在本行记录第一项不符合", "Record the line's first finding first",
                           field="result", status=409)
    if result not in ("minor_nc", "major_nc"):
        raise StewardError("result", "再记一项须为一般或严重不符合", "Another finding is a minor or major nonconformity",
                           field="result")
    if not notes.strip():
        raise StewardError("notes", f"「{Result(result).zh}」须写明事实", f"{Result(result).en} needs the facts",
                           field="notes")
    ncs.raise_nc(session, audit.enterprise_id, source="audit", source_ref=f"{audit.number}/{clause_id}",
                 clause_id=clause_id, title=notes.strip().splitlines()[0][:300], description=notes.strip(),
                 severity="major" if result == "major_nc" else "minor", raised_by=actor.label,
                 owner=lookup.person(session, audit.enterprise_id, owner) if owner else None)
    if result == "major_nc" and item.result != "major_nc":
        item.result = result
        session.add(item)
    session.flush()
    return item


def record_target(session: Session, actor: Actor, audit: InternalAudit, clause_id: str) -> ChecklistItem:
    """The line a team member may record on now, or the reason they may not."""
    machine.require_same_enterprise(audit, actor)
    if actor.person.id not in audit.team_ids:
        raise Forbidden("not_in_team", "只有审核组成员可以记录审核结果", "Only the audit team can record results")
    if audit.state != AuditState.in_progress:
        raise StewardError("not_in_progress", f"审核{AuditState(audit.state).zh}，不能记录结果",
                           f"The audit is {AuditState(audit.state).en.lower()}; results cannot be recorded", status=409)
    item = session.exec(select(ChecklistItem).where(ChecklistItem.audit_id == audit.id,
                                                    ChecklistItem.clause_id == clause_id)).first()
    if item is None:
        raise NotFound("clause", f"检查表中没有条款 {clause_id}", f"Clause {clause_id} is not on the checklist",
                       field="clause_id")
    return item


def line(session: Session, actor: Actor, number: str, clause_id: str) -> dict:
    """One checklist line as the tablet redraws it after recording, with the count still to check."""
    audit = get(session, actor, number)
    item = session.exec(select(ChecklistItem).where(ChecklistItem.audit_id == audit.id,
                                                    ChecklistItem.clause_id == clause_id)).one()
    pending = session.exec(select(func.count()).select_from(ChecklistItem).where(
        ChecklistItem.audit_id == audit.id, ChecklistItem.result == "pending")).one()
    return {"audit": audit, "i": item, "c": clauses.by_id()[clause_id], "r": Result(item.result),
            "results": list(Result)[1:], "in_team": actor.person.id in audit.team_ids, "pending": pending,
            "raised": _raised(session, audit, [item])}


def evidence_file(session: Session, actor: Actor, number: str, sha256: str) -> dict:
    """A photo or file attached to one of this audit's lines; any other hash is not found here."""
    audit = get(session, actor, number)
    for item in checklist(session, audit):
        for entry in item.evidence:
            if entry.get("kind") == "file" and entry.get("ref") == sha256:
                return entry
    raise NotFound("evidence", "本次审核没有该证据文件", "No such evidence file in this audit")


def view(session: Session, actor: Actor, number: str, chapter: str = "", pending_only: bool = False) -> dict:
    """The audit page; on a tablet the checklist is read a chapter at a time, or only what is still to check."""
    audit = get(session, actor, number)
    catalogue = clauses.by_id()
    # every line's clause and result (for the counts), but whole lines, evidence and all, only for those shown
    everything = session.exec(select(ChecklistItem.id, ChecklistItem.clause_id, ChecklistItem.result)
                              .where(ChecklistItem.audit_id == audit.id)).all()
    shown = [line_id for line_id, clause_id, result in everything
             if (not chapter or clause_id.split(".")[0] == chapter) and (not pending_only or result == "pending")]
    items = [(i, catalogue[i.clause_id], Result(i.result)) for i in session.exec(
        select(ChecklistItem).where(ChecklistItem.id.in_(shown)).order_by(ChecklistItem.position))] if shown else []
    waiting = Counter(clause_id.split(".")[0] for _, clause_id, result in everything if result == "pending")
    chapters = [(c.id, c.zh, c.en, waiting[c.id]) for c in clauses.catalogue() if c.kind == "chapter"]
    return {"audit": audit, "state": AuditState(audit.state), "items": items, "results": list(Result)[1:],
            "in_team": actor.person.id in audit.team_ids, "actions": LIFECYCLE.available(audit, actor, session),
            "pending": sum(waiting.values()), "total": len(everything),
            "chapters": chapters, "chapter": chapter, "pending_only": pending_only,
            "raised": _raised(session, audit, [i for i, _, _ in items]),
            "links": evidence_links.candidates(session, audit.enterprise_id) if actor.person.id in audit.team_ids
            and audit.state == AuditState.in_progress else [],
            "lead": session.get(Person, audit.lead_auditor_id), "is_lead": audit.lead_auditor_id == actor.person.id,
            "team": [p.name for p in (session.get(Person, i) for i in audit.team_ids) if p is not None],
            "follow_up": to_follow_up(session, audit),
            "follows": session.get(InternalAudit, audit.follows_id) if audit.follows_id else None,
            "may_plan": bool(actor.roles & set(PLANNERS)),
            "moves": history.moves(session, LIFECYCLE.name, [audit.id]),
            "changes": history.changes(session, "internal_audit", audit.id)}


def latest(session: Session, enterprise_id: int) -> InternalAudit | None:
    return session.exec(select(InternalAudit).where(InternalAudit.enterprise_id == enterprise_id)
                        .order_by(InternalAudit.id.desc()).limit(1)).first()


def under_way(session: Session, enterprise_id: int) -> list[InternalAudit]:
    return list(session.exec(select(InternalAudit).where(InternalAudit.enterprise_id == enterprise_id,
                                                         InternalAudit.state != "closed")).all())


lifecycle_index.register(LIFECYCLE, get, {
    "start": lambda s, a, row, sub: start(s, a, row, sub.version),
    "accept": lambda s, a, row, sub: accept(s, a, row, sub.password, sub.comment, sub.version),
})
