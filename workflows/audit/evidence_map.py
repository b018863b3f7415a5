"""Evidence for every auditable clause item, as an auditor would look for it. The clause catalogue names the
kinds of record each item needs (``forms/data/clauses``: ``records``); this module says, for each kind, where
the system keeps it and what makes it *current*:

- kept records (context, risks, training, communication, budgets, providers, supply chain…): recorded within
  the last 12 months;
- controlled documents: a revision issued and its periodic review not overdue (an overdue one is stale);
- accounting results and the status survey: a run for last year or later;
- the baseline: one in force; objectives and targets: active, with their 6.4.4 plan;
- audits and reviews: one finished within the last 15 months (a programme for this year counts for 9.2.2);
- compliance evaluation: one completed within the last 12 months;
- meters: every calibration in date (one overdue makes the evidence stale, and names the meter);
- organisation: departments, people with roles and duties assigned by clause (4.x).

An item is *present* when any of its evidence is current, *stale* when all of it has lapsed, *missing* when
there is none. Everything is read once per enterprise (a few dozen queries), never once per clause."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from sqlmodel import Session, func, select

from forms import clauses
from forms.records import FORMS
from storage.models import (
    AccountingRun,
    ActivityRecord,
    AssetTxn,
    AuditProgramme,
    Baseline,
    ComplianceEvaluation,
    DataAnomaly,
    Department,
    Distribution,
    Document,
    DqPlan,
    EnterpriseFactor,
    Facility,
    FormRecord,
    Improvement,
    InternalAudit,
    ManagementReview,
    Meter,
    Nonconformity,
    Objective,
    Obligation,
    Person,
    ReductionMeasure,
    Responsibility,
    Revision,
    RoleAssignment,
)
from workflows.engine import clock

YEAR = timedelta(days=365)
FIFTEEN_MONTHS = timedelta(days=457)


@dataclass(frozen=True)
class Found:
    """One piece of evidence: what it is in both languages, where it opens, its date, and whether it is current."""

    zh: str
    en: str
    href: str | None
    on: date | None
    current: bool
    why_stale: str = ""  # in Chinese and English, "；" between: why it no longer counts

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass
class Item:
    clause: clauses.Clause
    found: list[Found] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if any(f.current for f in self.found):
            return "present"
        return "stale" if self.found else "missing"


class Holdings:
    """What one enterprise holds, read lazily and once: each property is one or two queries."""

    def __init__(self, session: Session, enterprise_id: int, today: date):
        self.s, self.eid, self.today = session, enterprise_id, today

    def _recent(self, on: date | None, span: timedelta = YEAR) -> bool:
        return on is not None and on >= self.today - span

    @cached_property
    def records(self) -> dict[str, list[FormRecord]]:
        out: dict[str, list[FormRecord]] = defaultdict(list)
        for r in self.s.exec(select(FormRecord).where(FormRecord.enterprise_id == self.eid)
                             .order_by(FormRecord.recorded_on.desc())):
            out[r.form].append(r)
        return out

    def kept(self, form: str) -> list[Found]:
        """The newest records of a kept register (its count in the label), current within 12 months."""
        rows = self.records.get(form, [])
        if not rows:
            return []
        spec = FORMS[form]
        newest = rows[0]
        return [Found(f"{spec.zh} {len(rows)} 条，最近 {newest.recorded_on}", f"{spec.en}: {len(rows)}, latest "
                      f"{newest.recorded_on}", f"/records/{form}", newest.recorded_on, self._recent(newest.recorded_on),
                      "" if self._recent(newest.recorded_on) else "最近一条已超过 12 个月；The latest is over 12 months old")]

    @cached_property
    def documents(self) -> list[tuple[Document, int | None]]:
        """Each document with its issued revision number (None when none is issued)."""
        issued = dict(self.s.exec(select(Revision.document_id, func.max(Revision.rev)).where(
            Revision.enterprise_id == self.eid, Revision.state == "issued").group_by(Revision.document_id)).all())
        docs = self.s.exec(select(Document).where(Document.enterprise_id == self.eid).order_by(Document.number)).all()
        return [(d, issued.get(d.id)) for d in docs]

    def document(self, d: Document, rev: int | None) -> Found:
        overdue = d.next_review_due is not None and d.next_review_due < self.today
        current = rev is not None and not overdue
        why = "" if current else ("尚未发布；Not issued yet" if rev is None else
                                  f"定期评审已逾期（{d.next_review_due}）；Periodic review overdue ({d.next_review_due})")
        return Found(f"{d.number} {d.title}" + (f" 第{rev}版" if rev else ""), f"{d.number} {d.title}" +
                     (f" rev {rev}" if rev else ""), f"/documents/{d.number}", d.next_review_due, current, why)

    def documents_of(self, types: tuple[str, ...] = (), clause: clauses.Clause | None = None) -> list[Found]:
        out = []
        for d, rev in self.documents:
            if types and d.doc_type not in types:
                continue
            if clause is not None and not (clause.id in d.clause_ids or (clause.parent and clause.parent in d.clause_ids)):
                continue
            out.append(self.document(d, rev))
        return out

    @cached_property
    def runs(self) -> list[tuple[int, int]]:
        return list(self.s.exec(select(AccountingRun.year, func.max(AccountingRun.id)).where(
            AccountingRun.enterprise_id == self.eid).group_by(AccountingRun.year).order_by(AccountingRun.year)).all())

    def accounting(self, what_zh: str = "核算结果", what_en: str = "Accounting result") -> list[Found]:
        if not self.runs:
            return []
        year, run_id = self.runs[-1]
        current = year >= self.today.year - 1
        return [Found(f"{year} 年{what_zh}（#{run_id}）", f"{what_en} {year} (#{run_id})", f"/accounting?run={run_id}",
                      date(year, 12, 31), current, "" if current else
                      f"最近一次核算为 {year} 年；The latest accounted year is {year}")]

    @cached_property
    def baseline(self) -> Baseline | None:
        return self.s.exec(select(Baseline).where(Baseline.enterprise_id == self.eid, Baseline.state == "active")
                           .order_by(Baseline.id.desc()).limit(1)).first()

    @cached_property
    def objectives(self) -> list[Objective]:
        return list(self.s.exec(select(Objective).where(Objective.enterprise_id == self.eid,
                                                        Objective.status == "active")).all())

    @cached_property
    def audits(self) -> list[InternalAudit]:
        return list(self.s.exec(select(InternalAudit).where(InternalAudit.enterprise_id == self.eid)
                                .order_by(InternalAudit.planned_start.desc())).all())

    @cached_property
    def reviews(self) -> list[ManagementReview]:
        return list(self.s.exec(select(ManagementReview).where(ManagementReview.enterprise_id == self.eid)
                                .order_by(ManagementReview.year.desc())).all())

    @cached_property
    def meters(self) -> list[Meter]:
        return list(self.s.exec(select(Meter).where(Meter.enterprise_id == self.eid)).all())

    def count(self, model, *where) -> int:
        return self.s.exec(select(func.count()).select_from(model).where(model.enterprise_id == self.eid, *where)).one()

    def latest(self, column, model, *where):
        return self.s.exec(select(func.max(column)).where(model.enterprise_id == self.eid, *where)).one()

    @cached_property
    def duties(self) -> dict[str, list[str]]:
        """Clause → who carries it (4.3 duties by department or person), for the owner filter."""
        people = dict(self.s.exec(select(Person.id, Person.name).where(Person.enterprise_id == self.eid)).all())
        units = dict(self.s.exec(select(Department.id, Department.name).where(Department.enterprise_id == self.eid)).all())
        out: dict[str, list[str]] = defaultdict(list)
        for r in self.s.exec(select(Responsibility).where(Responsibility.enterprise_id == self.eid)):
            who = units.get(r.department_id) or people.get(r.person_id)
            if who and who not in out[r.clause_id]:
                out[r.clause_id].append(who)
        return out

    def owners(self, clause_id: str) -> list[str]:
        """Who carries a clause item: its own duty, else the nearest enclosing clause's (a department given
        chapter 9.2 carries 9.2.1a)."""
        at: str | None = clause_id
        while at:
            if self.duties.get(at):
                return self.duties[at]
            at = clauses.parent_of(at)
        return []


def _audit(h: Holdings) -> list[Found]:
    done = [a for a in h.audits if a.state in ("reported", "closed")]
    out = []
    if done:
        a = done[0]
        on = a.reported_on or a.planned_end
        current = h._recent(on, FIFTEEN_MONTHS)
        out.append(Found(f"内部审核 {a.number}（报告 {on}）", f"Internal audit {a.number} (reported {on})",
                         f"/audits/{a.number}", on, current, "" if current else "最近一次审核已超过 15 个月；Over 15 months ago"))
    under_way = [a for a in h.audits if a.state not in ("reported", "closed")]
    if under_way:
        a = under_way[0]
        out.append(Found(f"内部审核 {a.number}（进行中）", f"Internal audit {a.number} (under way)", f"/audits/{a.number}",
                         a.planned_start, False, "尚未完成；Not finished"))
    return out


def _programme(h: Holdings) -> list[Found]:
    year = h.s.exec(select(func.max(AuditProgramme.year)).where(AuditProgramme.enterprise_id == h.eid)).one()
    if year is None:
        return []
    current = year >= h.today.year
    return [Found(f"{year} 年内审方案", f"Audit programme {year}", "/audits", date(year, 1, 1), current,
                  "" if current else f"最近的方案为 {year} 年；The latest programme is for {year}")] + _audit(h)


def _review(h: Holdings) -> list[Found]:
    out = []
    signed = [r for r in h.reviews if r.state == "approved"]
    if signed:
        r = signed[0]
        current = h._recent(r.held_on, FIFTEEN_MONTHS)
        out.append(Found(f"管理评审 {r.number}（{r.held_on} 召开，已签署）", f"Management review {r.number} (held {r.held_on}, "
                         "signed off)", f"/reviews/{r.number}", r.held_on, current,
                         "" if current else "最近一次评审已超过 15 个月；Over 15 months ago"))
    open_ = [r for r in h.reviews if r.state != "approved"]
    if open_ and not signed:
        r = open_[0]
        out.append(Found(f"管理评审 {r.number}（进行中）", f"Management review {r.number} (under way)", f"/reviews/{r.number}",
                         r.planned_on, False, "尚未签署；Not signed off"))
    return out


def _baseline(h: Holdings) -> list[Found]:
    b = h.baseline
    if b is None:
        return []
    return [Found(f"碳排放基准 {b.number}（基准年 {b.base_year}，有效）", f"Baseline {b.number} (base year {b.base_year}, in force)",
                  f"/registers/baselines/{b.number}", date(b.base_year, 12, 31), True)]


def _baseline_changes(h: Holdings) -> list[Found]:
    out = h.kept("baseline_change")
    superseded = h.count(Baseline, Baseline.state == "superseded")
    if superseded:
        out.append(Found(f"已替代的基准 {superseded} 个（调整留痕）", f"{superseded} superseded baseline(s) on record",
                         "/registers/baselines", None, True))
    return out + _baseline(h)


def _objectives(h: Holdings, targets: bool = False, plans: bool = False) -> list[Found]:
    if plans:
        rows = [o for o in h.objectives if all(str(o.plan.get(k, "")).strip() for k in "abcdef")]
    elif targets:
        rows = [o for o in h.objectives if o.level != "enterprise"]
    else:
        rows = list(h.objectives)
    if not rows:
        return []
    return [Found(f"{'指标' if targets else '目标'} {len(rows)} 项（{rows[0].number} {rows[0].title}…）" + ("，含实施方案" if plans else ""),
                  f"{len(rows)} {'target' if targets else 'objective'}(s) ({rows[0].number}…)" +
                  (" with their plans" if plans else ""), "/objectives", None, True)]


def _compliance(h: Holdings) -> list[Found]:
    on = h.latest(ComplianceEvaluation.completed_on, ComplianceEvaluation, ComplianceEvaluation.completed_on.is_not(None))
    if on is None:
        open_ = h.count(ComplianceEvaluation)
        return [Found("合规性评价进行中", "Compliance evaluation under way", "/registers/compliance", None, False,
                      "尚未完成；Not completed")] if open_ else []
    current = h._recent(on)
    return [Found(f"合规性评价（{on} 完成）", f"Compliance evaluation (completed {on})", "/registers/compliance", on, current,
                  "" if current else "最近一次评价已超过 12 个月；Over 12 months ago")]


def _obligations(h: Holdings) -> list[Found]:
    n = h.count(Obligation)
    return [Found(f"合规义务清单 {n} 项", f"Obligation register: {n}", "/obligations", None, True)] if n else []


def _meters(h: Holdings) -> list[Found]:
    if not h.meters:
        return []
    overdue = [m for m in h.meters if m.calibration_due is not None and m.calibration_due < h.today]
    current = not overdue
    return [Found(f"计量器具 {len(h.meters)} 台" + (f"，{len(overdue)} 台检定逾期：" + "、".join(m.code for m in overdue[:5])
                                                if overdue else "，检定均在有效期内"),
                  f"{len(h.meters)} meters" + (f", {len(overdue)} overdue for calibration: " +
                                              ", ".join(m.code for m in overdue[:5]) if overdue else ", all in date"),
                  "/meters", min((m.calibration_due for m in h.meters if m.calibration_due), default=None), current,
                  "" if current else "有计量器具检定逾期；A meter's calibration is overdue")]


def _facilities(h: Holdings) -> list[Found]:
    n = h.count(Facility)
    return [Found(f"设备设施清单 {n} 项", f"Facility list: {n}", "/accounting", None, True)] if n else []


def _organisation(h: Holdings, clause: clauses.Clause) -> list[Found]:
    out = []
    units, roles = h.count(Department), h.count(RoleAssignment)
    if units and roles:
        out.append(Found(f"组织机构：{units} 个部门，{roles} 项角色任命", f"Organisation: {units} departments, {roles} role "
                         "appointments", "/people", None, True))
    duty = h.owners(clause.id)
    if duty:
        out.append(Found(f"职责分配：{'、'.join(duty)}", f"Duty assigned: {', '.join(duty)}", "/people", None, True))
    return out


def _activity(h: Holdings) -> list[Found]:
    on = h.latest(ActivityRecord.period, ActivityRecord)
    if on is None:
        return []
    current = h._recent(on, timedelta(days=400))
    return [Found(f"活动数据 {h.count(ActivityRecord)} 条，最近 {on:%Y-%m}", f"Activity data: latest month {on:%Y-%m}",
                  "/accounting", on, current, "" if current else "最近的数据已超过一年；The latest data is over a year old")]


def _factors(h: Holdings) -> list[Found]:
    measured = h.count(EnterpriseFactor)
    return [Found("因子库（来源与版本随数据记录）" + (f"，企业实测值 {measured} 项" if measured else ""),
                  "Factor library (source and version kept with each value)" +
                  (f", {measured} plant measurements" if measured else ""), "/accounting", None, True)]


def _dq_plan(h: Holdings) -> list[Found]:
    year = h.latest(DqPlan.year, DqPlan)
    out = h.documents_of(("dq_plan",))
    if year is not None:
        out.append(Found(f"{year} 年数据质量控制计划", f"Data-quality plan {year}", "/accounting", date(year, 1, 1),
                         year >= h.today.year - 1, "" if year >= h.today.year - 1 else
                         f"计划按 {year} 年数据编制；The plan is from {year} data"))
    return out


def _anomalies(h: Holdings) -> list[Found]:
    n = h.count(DataAnomaly)
    return [Found(f"异常数据记录 {n} 条", f"Data anomalies on record: {n}", "/registers/anomalies", None, True)] if n else []


def _ncs(h: Holdings) -> list[Found]:
    n = h.count(Nonconformity)
    closed = h.count(Nonconformity, Nonconformity.state == "closed")
    return [Found(f"不符合项 {n} 项（已关闭 {closed}）", f"Nonconformities: {n} ({closed} closed)", "/nonconformities",
                  None, True)] if n else []


def _improvements(h: Holdings) -> list[Found]:
    n = h.count(Improvement)
    return [Found(f"持续改进登记 {n} 项", f"Improvement register: {n}", "/registers/improvements", None, True)] if n else []


def _measures(h: Holdings) -> list[Found]:
    n = h.count(ReductionMeasure)
    return ([Found(f"减排措施 {n} 项", f"Reduction measures: {n}", "/registers/reductions", None, True)] if n else []) + \
        h.kept("reduction_measure")


def _assets(h: Holdings) -> list[Found]:
    on = h.latest(AssetTxn.on, AssetTxn)
    if on is None:
        return []
    current = h._recent(on, timedelta(days=550))
    return [Found(f"碳资产台账，最近变动 {on}", f"Carbon-asset ledger, latest movement {on}", "/assets", on, current,
                  "" if current else "台账一年多未变动；No movement for over a year")]


def _surrender(h: Holdings) -> list[Found]:
    on = h.latest(AssetTxn.on, AssetTxn, AssetTxn.txn == "surrender")
    return [Found(f"履约清缴记录（{on}）", f"Surrender on record ({on})", "/assets", on, True)] if on else []


def _briefing(h: Holdings) -> list[Found]:
    policies = [d.id for d, rev in h.documents if d.doc_type == "policy" and rev]
    if not policies:
        return []
    asked = h.count(Distribution, Distribution.document_id.in_(policies))
    done = h.count(Distribution, Distribution.document_id.in_(policies), Distribution.acknowledged_at.is_not(None))
    return [Found(f"方针宣贯：{done}/{asked} 人次已确认阅读", f"Policy briefing: {done} of {asked} acknowledged", "/documents",
                  None, asked > 0 and done > 0, "" if done else "尚无人确认阅读；Nobody has acknowledged it")]


# record kind (from the clause catalogue) → the kept registers (record forms) that hold it. The same table says
# which clause items a linked record can evidence (``may_evidence``).
KEPT_FORMS: dict[str, tuple[str, ...]] = {
    "context_register": ("context_issue",), "risk_register": ("risk",), "risk_response": ("risk",),
    "communication_record": ("communication",), "meeting_minutes": ("communication",), "budget": ("budget",),
    "resource_plan": ("budget",), "competence_record": ("competence",),
    "training_record": ("training", "training_plan"), "awareness_record": ("training",),
    "provider_evaluation": ("provider_evaluation",), "provider_contract": ("provider_evaluation",),
    "supply_chain_record": ("supply_chain",), "footprint_data": ("footprint_data",),
    "objective": ("objective_review",), "baseline_change": ("baseline_change",),
    "reduction_measure": ("reduction_measure",), "implementation_plan": ("reduction_measure",),
}


def may_evidence(form: str, clause_id: str) -> bool:
    """A kept record evidences a clause item its form serves (or the item's parent), or one for which the
    catalogue asks a kind of record the form holds; a training record says nothing of a meter's calibration."""
    clause = clauses.by_id().get(clause_id)
    spec = FORMS.get(form)
    if clause is None or spec is None:
        return False
    if clause.id in spec.clause_ids or (clause.parent and clause.parent in spec.clause_ids):
        return True
    return any(form in KEPT_FORMS.get(kind, ()) for kind in clause.records)


def served_by(form: str) -> list[str]:
    """The clause items a record of ``form`` can evidence, for the message that refuses another."""
    return [c.id for c in clauses.auditable() if may_evidence(form, c.id)]


def _kept_of(kind: str):
    return lambda h, c: [f for form in KEPT_FORMS[kind] for f in h.kept(form)]


# record kind (from the clause catalogue) → where its evidence is; kinds only documents carry find none here
RESOLVERS = {
    **{kind: _kept_of(kind) for kind in KEPT_FORMS},
    "meeting_minutes": lambda h, c: h.kept("communication") + _review(h),
    "baseline": lambda h, c: _baseline(h), "baseline_change": lambda h, c: _baseline_changes(h),
    "objective": lambda h, c: _objectives(h) + h.kept("objective_review"),
    "target": lambda h, c: _objectives(h, targets=True),
    "implementation_plan": lambda h, c: _objectives(h, plans=True) + _measures(h),
    "accounting_result": lambda h, c: h.accounting(),
    "status_report": lambda h, c: h.accounting("碳排放现状调查与评价报告", "Status survey report"),
    "influence_factors": lambda h, c: h.accounting("现状报告（影响因素）", "Status report (influencing factors)"),
    "improvement_direction": lambda h, c: h.accounting("现状报告（改进方向）", "Status report (directions)") + _improvements(h),
    "activity_data": lambda h, c: _activity(h), "monitoring_record": lambda h, c: _activity(h),
    "emission_factor": lambda h, c: _factors(h),
    "anomaly_record": lambda h, c: _anomalies(h),
    "data_quality_plan": lambda h, c: _dq_plan(h), "boundary": lambda h, c: _dq_plan(h),
    "consistency_check": lambda h, c: _dq_plan(h),
    "facility_list": lambda h, c: _facilities(h) + _dq_plan(h), "equipment_record": lambda h, c: _facilities(h),
    "calibration_record": lambda h, c: _meters(h),
    "reduction_measure": lambda h, c: _measures(h),
    "carbon_asset": lambda h, c: _assets(h), "compliance_record": lambda h, c: _surrender(h) + _assets(h),
    "compliance_evaluation": lambda h, c: _compliance(h), "obligation_register": lambda h, c: _obligations(h),
    "audit_programme": lambda h, c: _programme(h), "audit_checklist": lambda h, c: _audit(h),
    "audit_report": lambda h, c: _audit(h),
    "management_review": lambda h, c: _review(h),
    "nonconformity": lambda h, c: _ncs(h), "corrective_action": lambda h, c: _ncs(h),
    "improvement_register": lambda h, c: _improvements(h),
    "org_chart": lambda h, c: _organisation(h, c), "responsibility_matrix": lambda h, c: _organisation(h, c),
    "appointment": lambda h, c: _organisation(h, c),
    "policy": lambda h, c: h.documents_of(("policy",)), "policy_briefing": lambda h, c: _briefing(h),
    "controlled_document": lambda h, c: h.documents_of(("procedure", "instruction", "policy")),
    "document_register": lambda h, c: h.documents_of(),
    "development_plan": lambda h, c: [], "company_profile": lambda h, c: _facilities(h),
}


def build(session: Session, enterprise_id: int, today: date | None = None) -> list[Item]:
    """Every auditable clause item with its evidence: what the catalogue asks for, plus documents tagged with it."""
    h = Holdings(session, enterprise_id, today or clock.today())
    items = []
    for clause in clauses.auditable():
        found: list[Found] = []
        for kind in clause.records:
            for f in RESOLVERS.get(kind, lambda h, c: [])(h, clause):
                if f not in found:
                    found.append(f)
        for f in h.documents_of(clause=clause):
            if f not in found:
                found.append(f)
        items.append(Item(clause, found, h.owners(clause.id)))
    return items
