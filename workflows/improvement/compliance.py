"""Compliance evaluation (9.1): the obligations register, the periodic evaluation, and the
re-evaluation that starts by itself when an obligation changes (9.1.2). A noncompliance raises a
nonconformity; every evaluation stays on record (9.1.3)."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.errors import NotFound, StewardError
from storage.models import ComplianceEvaluation, ComplianceItem, Obligation, Person, Task
from storage.models.org import utcnow
from storage.vocab import Labelled
from workflows.engine import clock, lifecycle_index, lookup, machine
from workflows.engine.machine import Actor, Lifecycle, TaskSpec, Transition, Unmet
from workflows.improvement import nonconformity as ncs

EVALUATORS = ("carbon_manager", "department_head", "carbon_body_member")
DUTIES = {"9.1.1a": "能源与碳排放政策 / energy and carbon policy", "9.1.1b": "节能减排标准 / standards",
          "9.1.1c": "碳交易履约 / ETS compliance", "9.1.1d": "相关方要求 / interested parties"}


class ObligationKind(Labelled):
    law = ("law", "法律", "Law")
    regulation = ("regulation", "法规规章", "Regulation")
    policy = ("policy", "政策文件", "Policy")
    standard = ("standard", "标准", "Standard")
    ets = ("ets", "碳市场履约义务", "ETS duty")
    stakeholder = ("stakeholder", "相关方要求", "Stakeholder requirement")
    other = ("other", "其他", "Other")


class EvaluationState(Labelled):
    open = ("open", "评价中", "Open")
    completed = ("completed", "已完成", "Completed")


class ItemResult(Labelled):
    pending = ("pending", "未评价", "Not evaluated")
    compliant = ("compliant", "符合", "Compliant")
    noncompliant = ("noncompliant", "不符合", "Noncompliant")
    not_applicable = ("not_applicable", "不适用", "Not applicable")


def _all_evaluated(session, evaluation, actor):
    pending = [i for i in items(session, evaluation) if i.result == "pending"]
    if pending:
        codes = [session.get(Obligation, i.obligation_id).code for i in pending]
        return Unmet(f"还有 {len(pending)} 项义务未评价：{'、'.join(codes[:8])}",
                     f"{len(pending)} obligation(s) not evaluated: {', '.join(codes[:8])}")
    return None


TRANSITIONS = [
    Transition(trigger="complete", source="open", dest="completed", zh="完成合规性评价", en="Complete",
     roles=("carbon_manager", "top_management"), guards=[_all_evaluated]),
]


def describe(session: Session, ev: ComplianceEvaluation) -> tuple[str, str]:
    return f"合规性评价 {ev.period}", f"compliance evaluation {ev.period}"


LIFECYCLE = Lifecycle("compliance", "合规性评价", "Compliance evaluation", EvaluationState, "open", TRANSITIONS,
                      describe=describe)
FIELDS = ("title", "kind", "clause_id", "issuer", "reference", "requirement", "effective_from", "active", "owner_id")


def _check(values: dict) -> None:
    if "kind" in values and values["kind"] not in ObligationKind.__members__:
        raise StewardError("kind", f"义务类型须为 {', '.join(ObligationKind.__members__)}",
                           f"Kind must be one of {', '.join(ObligationKind.__members__)}", field="kind")
    if "clause_id" in values and values["clause_id"] not in DUTIES:
        raise StewardError("clause_id", "义务须归入 9.1.1a、9.1.1b、9.1.1c 或 9.1.1d",
                           "An obligation belongs to 9.1.1a, 9.1.1b, 9.1.1c or 9.1.1d", field="clause_id")
    if "title" in values and not str(values["title"]).strip():
        raise StewardError("title", "请填写义务名称", "Title is required", field="title")
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise StewardError("field", f"不能修改字段 {', '.join(sorted(unknown))}，可修改：{', '.join(FIELDS)}",
                           f"Unknown field(s) {', '.join(sorted(unknown))}; choose {', '.join(FIELDS)}")


def _owner(session: Session, actor: Actor, values: dict) -> dict:
    """``owner`` (a username, or empty for none) as the person's id."""
    if "owner" in values:
        owner = values.pop("owner")
        values["owner_id"] = lookup.person(session, actor.enterprise_id, owner, field="owner").id if owner else None
    return values


def add_obligation(session: Session, actor: Actor, code: str, **values) -> Obligation:
    machine.require_role(actor, EVALUATORS, "登记合规义务", "Registering an obligation")
    values = _owner(session, actor, values)
    _check(values)
    if not code.strip():
        raise StewardError("code", "请填写义务编号", "Code is required", field="code")
    if session.exec(select(Obligation).where(Obligation.enterprise_id == actor.enterprise_id,
                                             Obligation.code == code)).first():
        raise StewardError("duplicate", f"义务 {code} 已存在", f"Obligation {code} already exists", field="code",
                           status=409)
    row = Obligation(enterprise_id=actor.enterprise_id, code=code.strip(), **values)
    session.add(row)
    session.flush()
    return row


def get_obligation(session: Session, enterprise_id: int, code: str) -> Obligation:
    row = session.exec(select(Obligation).where(Obligation.enterprise_id == enterprise_id,
                                                Obligation.code == code)).first()
    if row is None:
        raise NotFound("obligation", f"没有合规义务 {code}", f"No obligation {code}")
    return row


def change_obligation(session: Session, actor: Actor, code: str, reason: str, **values) -> ComplianceEvaluation:
    """Amend an obligation (a new edition, a new rule) and open its re-evaluation at once (9.1.2)."""
    machine.require_role(actor, EVALUATORS, "修改合规义务", "Changing an obligation")
    values = _owner(session, actor, values)
    _check(values)
    if not reason.strip():
        raise StewardError("reason", "请说明变化内容", "Say what changed", field="reason")
    row = get_obligation(session, actor.enterprise_id, code)
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changed:
        raise StewardError("unchanged", "没有修改任何内容", "Nothing was changed", field="title")
    for key, value in changed.items():
        setattr(row, key, value)
    row.revision += 1
    session.add(row)
    session.flush()
    evaluation, _ = start(session, actor.enterprise_id, f"change:{row.code}:r{row.revision}", "obligation_changed",
                          only=[row], note=reason.strip())
    if row.owner_id and (owner := session.get(Person, row.owner_id)) and not session.exec(select(Task.id).where(
            Task.lifecycle == LIFECYCLE.name, Task.entity_id == evaluation.id, Task.assignee_id == owner.id)).first():
        machine.assign(session, LIFECYCLE, evaluation, TaskSpec(zh="重新评价{what}", en="Re-evaluate: {what}",
                                                                due_days=30), people=[owner])
    return evaluation


def changes_of(session: Session, actor: Actor, row: Obligation) -> list[ComplianceEvaluation]:
    """The re-evaluations its changes opened, newest first (9.1.2)."""
    return list(session.exec(select(ComplianceEvaluation).where(
        ComplianceEvaluation.enterprise_id == actor.enterprise_id,
        ComplianceEvaluation.period.startswith(f"change:{row.code}:")).order_by(ComplianceEvaluation.id.desc())
        .limit(50)).all())


def start(session: Session, enterprise_id: int, period: str, trigger: str, only: list[Obligation] | None = None,
          note: str = "") -> tuple[ComplianceEvaluation, bool]:
    """Open an evaluation of every active obligation (or the changed one); once per period."""
    found = session.exec(select(ComplianceEvaluation).where(ComplianceEvaluation.enterprise_id == enterprise_id,
                                                            ComplianceEvaluation.period == period)).first()
    if found:
        return found, False
    obligations = only if only is not None else list(session.exec(select(Obligation).where(
        Obligation.enterprise_id == enterprise_id, Obligation.active).order_by(Obligation.code)).all())
    evaluation = ComplianceEvaluation(enterprise_id=enterprise_id, period=period, trigger=trigger,
                                      started_on=clock.today(), summary=note)
    session.add(evaluation)
    session.flush()
    for ob in obligations:
        session.add(ComplianceItem(enterprise_id=enterprise_id, evaluation_id=evaluation.id, obligation_id=ob.id,
                                   obligation_revision=ob.revision))
    session.flush()
    machine.assign(session, LIFECYCLE, evaluation, TaskSpec(roles=["carbon_manager"], zh="开展{what}",
                                                   en="Carry out the {what}", due_days=30))
    return evaluation, True


def start_as(session: Session, actor: Actor, period: str) -> ComplianceEvaluation:
    """A carbon manager opens an evaluation out of the yearly turn (e.g. after a new law), named by its period."""
    machine.require_role(actor, ("carbon_manager",), "开展合规性评价", "Starting a compliance evaluation")
    period = period.strip()
    if not period or len(period) > 60 or "/" in period:
        raise StewardError("period", "请填写评价期间（如 2026 或 2026-新法规），不含“/”",
                           "Give the period (e.g. 2026 or 2026-new-law), without “/”", field="period")
    evaluation, created = start(session, actor.enterprise_id, period, "periodic" if period.isdigit() else "manual")
    if not created:
        raise StewardError("exists", f"期间 {period} 已有合规性评价", f"There is already an evaluation for {period}",
                           field="period", status=409)
    return evaluation


def get(session: Session, actor: Actor, period: str) -> ComplianceEvaluation:
    row = session.exec(select(ComplianceEvaluation).where(ComplianceEvaluation.enterprise_id == actor.enterprise_id,
                                                          ComplianceEvaluation.period == period)).first()
    if row is None:
        raise NotFound("evaluation", f"没有合规性评价 {period}", f"No compliance evaluation {period}")
    return row


def items(session: Session, evaluation: ComplianceEvaluation) -> list[ComplianceItem]:
    return list(session.exec(select(ComplianceItem).where(ComplianceItem.evaluation_id == evaluation.id)
                             .order_by(ComplianceItem.id)).all())


def evaluate(session: Session, actor: Actor, evaluation: ComplianceEvaluation, code: str, result: str,
             finding: str = "", evidence: str = "") -> ComplianceItem:
    """Judge one obligation; a noncompliance raises a nonconformity on the obligation's 9.1.1 duty."""
    machine.require_role(actor, EVALUATORS, "合规性评价", "Evaluating compliance")
    machine.require_same_enterprise(evaluation, actor)
    if evaluation.state != EvaluationState.open:
        raise StewardError("completed", "该合规性评价已完成", "This evaluation is completed", status=409)
    if result not in ItemResult.__members__ or result == "pending":
        raise StewardError("result", "结果须为 compliant、noncompliant 或 not_applicable",
                           "Result must be compliant, noncompliant or not_applicable", field="result")
    if result != "compliant" and not finding.strip():
        raise StewardError("finding", "不符合或不适用须说明事实", "Say why: noncompliant and not applicable need facts",
                           field="finding")
    ob = get_obligation(session, actor.enterprise_id, code)
    item = session.exec(select(ComplianceItem).where(ComplianceItem.evaluation_id == evaluation.id,
                                                     ComplianceItem.obligation_id == ob.id)).first()
    if item is None:
        raise NotFound("item", f"本次评价不含义务 {code}", f"Obligation {code} is not part of this evaluation")
    item.result, item.finding, item.evidence = result, finding.strip(), evidence.strip()
    item.evaluator_id, item.evaluated_at = actor.person.id, utcnow()
    session.add(item)
    session.flush()
    if result == "noncompliant" and item.nonconformity_id is None:
        nc = ncs.raise_nc(session, evaluation.enterprise_id, source="compliance",
                          source_ref=f"{evaluation.period}/{ob.code}", clause_id=ob.clause_id,
                          title=f"不符合{ob.title}：{finding.strip()}"[:300], description=finding.strip(),
                          evidence=evidence.strip(), severity="major" if ob.kind in ("law", "ets") else "minor",
                          raised_by=actor.label)
        item.nonconformity_id = nc.id
        session.add(item)
        session.flush()
    return item


def complete(session: Session, actor: Actor, evaluation: ComplianceEvaluation, summary: str = "",
             expected_version: int | None = None) -> ComplianceEvaluation:
    machine.check_version(LIFECYCLE, evaluation, expected_version)
    if summary.strip():
        evaluation.summary = summary.strip()
    machine.fire(session, LIFECYCLE, evaluation, "complete", actor)
    evaluation.completed_on = clock.today()
    session.add(evaluation)
    session.flush()
    return evaluation


def obligations(session: Session, actor: Actor) -> list[Obligation]:
    return list(session.exec(select(Obligation).where(Obligation.enterprise_id == actor.enterprise_id)
                             .order_by(Obligation.code)).all())


lifecycle_index.register(LIFECYCLE, get, {
    "complete": lambda s, a, row, sub: complete(s, a, row, sub.comment, sub.version),
})
