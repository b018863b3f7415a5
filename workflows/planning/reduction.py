"""Reduction measures (8.4): identify with a verification method, rank by marginal abatement cost,
move through plan and implementation, and verify the achieved reduction with evidence."""

from __future__ import annotations

from sqlmodel import Session, select

from accounting.errors import AccountingError
from accounting.mac import Measure, cost_per_tonne, curve
from storage.errors import StewardError
from storage.models import ReductionMeasure
from storage.vocab import Labelled
from workflows.accounting.calculation import translated
from workflows.engine import clock, lifecycle_index, lookup, machine
from workflows.engine.machine import Actor, Lifecycle, Transition

KEEPERS = ("carbon_manager", "department_head", "top_management")


class MeasureState(Labelled):
    identified = ("identified", "已识别", "Identified")
    planned = ("planned", "已计划", "Planned")
    implemented = ("implemented", "已实施", "Implemented")
    verified = ("verified", "已验证", "Verified")


STAGES = tuple(s.value for s in MeasureState)
TRANSITIONS = [
    Transition(trigger="plan", source="identified", dest="planned", zh="列入计划", en="Plan", roles=KEEPERS),
    Transition(trigger="implement", source="planned", dest="implemented", zh="已实施", en="Mark implemented",
               roles=KEEPERS),
    Transition(trigger="verify", source="implemented", dest="verified", zh="验证减排量", en="Verify the reduction",
               roles=KEEPERS),
]
TRIGGER_FOR = {t.dest: t.trigger for t in TRANSITIONS}


def describe(session: Session, row: ReductionMeasure) -> tuple[str, str]:
    return f"减排措施 {row.number}：{row.title}", f"reduction measure {row.number}: {row.title}"


LIFECYCLE = Lifecycle("reduction_measure", "减排措施", "Reduction measure", MeasureState, "identified", TRANSITIONS,
                      describe=describe)


def add(session: Session, actor: Actor, *, title: str, abatement_t: float, verification: str, capex: float = 0.0,
        opex: float = 0.0, lifetime_years: int = 10, scope: str = "", owner: str | None = None) -> ReductionMeasure:
    machine.require_role(actor, KEEPERS, "登记减排措施", "Registering a reduction measure")
    if not verification.strip():
        raise StewardError("verification", "减排措施须说明减排量的验证方法（8.4.1 e）",
                           "A measure needs a method to verify the reduction achieved (8.4.1 e)", field="verification")
    if not title.strip():
        raise StewardError("title", "请填写措施名称", "Name the measure", field="title")
    if capex < 0:
        raise StewardError("capex", "投资不能为负数", "Investment cannot be negative", field="capex")
    with translated():
        cost_per_tonne(Measure(title, abatement_t, capex, opex, lifetime_years))
    row = ReductionMeasure(enterprise_id=actor.enterprise_id, number=lookup.next_number(
        session, ReductionMeasure, actor.enterprise_id, "RM"), title=title.strip(), scope=scope, abatement_t=abatement_t,
        capex=capex, opex=opex, lifetime_years=lifetime_years, verification=verification.strip(),
        owner_id=lookup.person(session, actor.enterprise_id, owner).id if owner else None)
    session.add(row)
    session.flush()
    return row


def advance(session: Session, actor: Actor, number: str, stage: str, achieved_t: float | None = None,
            evidence: str = "") -> ReductionMeasure:
    """Planned → implemented → verified, one step at a time; verifying needs the achieved tonnes and evidence."""
    machine.require_role(actor, KEEPERS, "推进减排措施", "Advancing a reduction measure")
    row = get(session, actor, number)
    if stage not in STAGES or STAGES.index(stage) != STAGES.index(row.state) + 1:
        now, after = MeasureState(row.state), MeasureState(STAGES[min(STAGES.index(row.state) + 1, 3)])
        raise StewardError("stage", f"当前阶段为「{now.zh}」，下一步只能是「{after.zh}」",
                           f"The measure is {now.en.lower()}; the next stage is {after.en.lower()}",
                           field="stage", status=409)
    if stage == "verified":
        if achieved_t is None or achieved_t < 0 or not evidence.strip():
            raise StewardError("verify", f"验证须给出实际减排量和证据（方法：{row.verification}）",
                               f"Verification needs the tonnes achieved and the evidence (method: {row.verification})",
                               field="achieved_t")
        row.achieved_t, row.verification_evidence, row.verified_on = achieved_t, evidence.strip(), clock.today()
    machine.fire(session, LIFECYCLE, row, TRIGGER_FOR[stage], actor, comment=evidence.strip())
    return row


def get(session: Session, actor: Actor, number: str) -> ReductionMeasure:
    return lookup.numbered(session, ReductionMeasure, actor.enterprise_id, number, "减排措施", "reduction measure")


def mac_curve(session: Session, enterprise_id: int, rate: float = 0.08) -> list[dict]:
    rows = session.exec(select(ReductionMeasure).where(ReductionMeasure.enterprise_id == enterprise_id)).all()
    try:
        return curve([Measure(f"{r.number} {r.title}", r.abatement_t, r.capex, r.opex, r.lifetime_years) for r in rows],
                     rate)
    except AccountingError as exc:
        raise StewardError(exc.code, exc.zh, exc.en, field=exc.field) from None


lifecycle_index.register(LIFECYCLE, get, {
    **{t: (lambda s, a, row, sub, stage=stage: advance(s, a, row.number, stage))
       for stage, t in TRIGGER_FOR.items() if stage != "verified"},
    # verifying needs the tonnes achieved: its own form; a bare button is refused by name, never fired blind
    "verify": lambda s, a, row, sub: advance(s, a, row.number, "verified", None, sub.comment),
})
