"""The management review's input pack (9.3.1 a–e): one function per item, each reading the system since the
previous review and returning the lines in Chinese and English and the facts behind them."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timezone

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from accounting import like_for_like as lfl
from forms.fields import choices_of, label_of
from forms.records import FORMS
from storage.models import (
    ActivityRecord,
    AuditEntry,
    ChecklistItem,
    ComplianceEvaluation,
    ComplianceItem,
    Document,
    FormRecord,
    InternalAudit,
    ManagementReview,
    Nonconformity,
    ReviewAction,
    Revision,
)
from workflows.accounting import comparison
from workflows.audit.checklist import Result
from workflows.audit.internal_audit import AuditState
from workflows.engine import names
from workflows.improvement.compliance import EvaluationState, ItemResult
from workflows.improvement.nonconformity import NcState

INPUT_ITEMS = ["9.3.1a", "9.3.1b1", "9.3.1b2", "9.3.1b3", "9.3.1b4", "9.3.1b5", "9.3.1b6",
               "9.3.1c1", "9.3.1c2", "9.3.1c3", "9.3.1c4", "9.3.1c5", "9.3.1d", "9.3.1e"]


def since(session: Session, review: ManagementReview) -> date:
    earlier = _earlier(session, review)
    previous = earlier[-1] if earlier else None
    return previous.held_on or previous.planned_on if previous else date(review.year - 1, review.planned_on.month, 1)


def _earlier(session: Session, review: ManagementReview) -> list[ManagementReview]:
    """The reviews this one follows up, oldest first: back to the previous yearly review, so a yearly review after an
    extraordinary one reports on both, and an extraordinary one on the yearly review before it."""
    M = ManagementReview
    before = (M.enterprise_id == review.enterprise_id, M.id != review.id,
              or_(M.planned_on < review.planned_on, and_(M.planned_on == review.planned_on, M.id < review.id)))
    query = select(M).where(*before)
    last_yearly = session.exec(select(M).where(*before, M.reason == "").order_by(M.planned_on.desc(), M.id.desc())).first()
    if last_yearly is not None:
        query = query.where(or_(M.id == last_yearly.id, M.planned_on > last_yearly.planned_on,
                                and_(M.planned_on == last_yearly.planned_on, M.id > last_yearly.id)))
    return list(session.exec(query.order_by(M.planned_on, M.id)).all())


def _previous_actions(session, review, since):
    zh: list[str] = []
    en: list[str] = []
    total = finished = 0
    for previous in _earlier(session, review):
        actions = session.exec(select(ReviewAction).where(ReviewAction.review_id == previous.id)
                               .order_by(ReviewAction.id)).all()
        if not actions:
            continue
        done = [a for a in actions if a.done_on]
        total, finished = total + len(actions), finished + len(done)
        zh += [f"{previous.number} 共 {len(actions)} 项措施，已完成 {len(done)} 项"] + [
            f"{'✓' if a.done_on else '✗'} {a.decision}" + (f"：{a.result}" if a.result else "") for a in actions]
        en += [f"{previous.number}: {len(done)} of {len(actions)} actions done"]
    return (zh, en, {"actions": total, "done": finished}) if total else ([], [], {})


def _doc_changes(doc_type: str):
    def compile_(session, review, since):
        rows = session.exec(select(Document, Revision).join(Revision, Revision.document_id == Document.id).where(
            Document.enterprise_id == review.enterprise_id, Document.doc_type == doc_type,
            Revision.effective_date >= since)).all()
        zh = [f"{d.number} 第{r.rev}版《{d.title}》{r.effective_date} 发布" + (f"：{r.change_summary}" if r.change_summary else "")
              for d, r in rows]
        return zh, [f"{d.number} rev {r.rev} issued {r.effective_date}" for d, r in rows], {"issued": len(rows)}
    return compile_


def _records(*forms: str):
    def compile_(session, review, since):
        rows = session.exec(select(FormRecord).where(FormRecord.enterprise_id == review.enterprise_id,
                                                     FormRecord.form.in_(forms), FormRecord.recorded_on >= since)
                            .order_by(FormRecord.recorded_on)).all()
        def said(r, lang):  # the record's first fields by their labels, choices by their names
            spec, en = FORMS[r.form], lang == "en"
            parts = []
            for k, v in [(k, v) for k, v in r.payload.items() if v not in (None, "")][:4]:  # what was said
                label, named = label_of(spec.schema, k)[en], choices_of(spec.schema, k)
                parts.append(f"{label}{': ' if en else '：'}{named[v][en] if v in named else v}")
            return f"{r.recorded_on} {spec.en if en else spec.zh}{': ' if en else '：'}" + ("; " if en else "，").join(parts)
        return [said(r, "zh") for r in rows], [said(r, "en") for r in rows], {"records": len(rows)}
    return compile_


def _source_changes(session, review, since):
    start = datetime.combine(since, time(), tzinfo=timezone.utc)
    changes = session.exec(select(AuditEntry.entity, AuditEntry.action).where(
        AuditEntry.enterprise_id == review.enterprise_id, AuditEntry.entity.in_(["facility", "meter"]),
        AuditEntry.at >= start)).all()
    counts = Counter((entity, action) for entity, action in changes)
    zh = [f"{ACTIONS[a][0]}{ENTITIES[e][0]} {n} 项" for (e, a), n in sorted(counts.items())]
    en = [f"{n} {ENTITIES[e][1]} {ACTIONS[a][1]}" for (e, a), n in sorted(counts.items())]
    return ([f"自 {since} 起排放设施/计量器具变更 {len(changes)} 次"] + zh if changes else [],
            [f"{len(changes)} facility/meter changes since {since}"] + en if changes else [],
            {f"{e}:{a}": n for (e, a), n in counts.items()})


ENTITIES = {"facility": ("排放设施", "facilities"), "meter": ("计量器具", "meters")}
ACTIONS = {"insert": ("新增", "added"), "update": ("修改", "changed"), "delete": ("删除", "removed")}


def _performance(session, review, since):
    """Emissions and activity totals of the latest year against last year, like for like: a year in progress
    only over the months it has, its months named (the emissions themselves are in the accounting runs)."""
    def totals(year, months=None):
        rows = session.exec(select(ActivityRecord).where(
            ActivityRecord.enterprise_id == review.enterprise_id,
            ActivityRecord.period >= date(year, 1, 1), ActivityRecord.period < date(year + 1, 1, 1),
            ActivityRecord.category.in_(["fuel_combustion", "electricity_purchased", "production"]))).all()
        out: dict[str, float] = {}
        for r in rows:
            if months is None or r.period.month in months:
                key = f"{r.material}|{r.unit}"
                out[key] = out.get(key, 0.0) + r.quantity
        return out, sorted({r.period.month for r in rows})
    latest = session.exec(select(ActivityRecord.period).where(ActivityRecord.enterprise_id == review.enterprise_id)
                          .order_by(ActivityRecord.period.desc())).first()
    if latest is None:
        return [], [], {}
    year = latest.year
    this, months = totals(year)
    last, _ = totals(year - 1, set(months))
    whole = lfl.complete(months)
    span = lfl.labels(months)
    zh_when, en_when = ("", "") if whole else (f" {span['zh']}", f" {span['en']}")
    zh, en = [], []
    emitted = comparison.year(session, review.enterprise_id, year)
    if emitted:
        said = comparison.worded(emitted, "zh"), comparison.worded(emitted, "en")
        for key, (z, e) in (("previous", said), ("baseline", said)):
            found = emitted[key]
            if found and found["change"] is not None:
                zh.append(f"排放 {said[0]['period']}：{emitted['value']:,.1f} tCO2e，{z[key]} {found['change']:+.1f}%")
                en.append(f"Emissions {said[1]['period']}: {emitted['value']:,.1f} tCO2e, {e[key]} {found['change']:+.1f}%")
    for key in sorted(this):
        change = f"{(this[key] / last[key] - 1) * 100:+.1f}%" if last.get(key) else "—"
        material, unit = key.split("|", 1)
        zh.append(f"{names.material(material, 'zh')}（{unit}）：{year} 年{zh_when} {this[key]:,.1f}，{year - 1} 年{zh_when} "
                  f"{last.get(key, 0):,.1f}，变化 {change}")
        en.append(f"{names.material(material, 'en')} ({unit}): {year}{en_when} {this[key]:,.1f} vs {year - 1}{en_when} "
                  f"{last.get(key, 0):,.1f} ({change})")
    return zh, en, {"year": year, "months": months, "this": this, "last": last,
                    "emissions": emitted}


def _counted(counts: Counter, labels, lang: str) -> str:
    """"已关闭 3，处理中 1" / "closed 3, in progress 1": counts by their names, never the stored codes."""
    sep = "，" if lang == "zh" else ", "
    return sep.join(f"{labels(k).label(lang)} {n}" for k, n in sorted(counts.items()))


def _nonconformities(session, review, since):
    rows = session.exec(select(Nonconformity).where(Nonconformity.enterprise_id == review.enterprise_id,
                                                    Nonconformity.raised_on >= since)).all()
    by_state = Counter(nc.state for nc in rows)
    if not rows:
        return [], [], {}
    zh = [f"新增不符合项 {len(rows)} 项：" + _counted(by_state, NcState, "zh")]
    zh += [f"{nc.number} [{nc.clause_id}] {nc.title}（{NcState(nc.state).zh}）" for nc in rows]
    en = [f"{len(rows)} nonconformities raised since {since}: " + _counted(by_state, NcState, "en")]
    en += [f"{nc.number} [{nc.clause_id}] {nc.title} ({NcState(nc.state).en.lower()})" for nc in rows]
    return zh, en, dict(by_state)


def _compliance(session, review, since):
    evaluations = session.exec(select(ComplianceEvaluation).where(
        ComplianceEvaluation.enterprise_id == review.enterprise_id, ComplianceEvaluation.started_on >= since)).all()
    zh, en, facts = [], [], {}
    for ev in evaluations:
        results = Counter(session.exec(select(ComplianceItem.result).where(ComplianceItem.evaluation_id == ev.id)).all())
        facts[ev.period] = dict(results)
        state = EvaluationState(ev.state)
        zh.append(f"合规性评价 {ev.period}（{state.zh}）：" + _counted(results, ItemResult, "zh"))
        en.append(f"Compliance evaluation {ev.period} ({state.en.lower()}): " + _counted(results, ItemResult, "en"))
    return zh, en, facts


def _audits(session, review, since):
    rows = session.exec(select(InternalAudit).where(InternalAudit.enterprise_id == review.enterprise_id,
                                                    InternalAudit.planned_start >= since)).all()
    zh, en, facts = [], [], {}
    for audit in rows:
        results = Counter(session.exec(select(ChecklistItem.result).where(ChecklistItem.audit_id == audit.id)).all())
        facts[audit.number] = dict(results)
        state = AuditState(audit.state)
        zh.append(f"{audit.number}（{state.zh}）：" + _counted(results, Result, "zh")
                  + (f"。结论：{audit.conclusion}" if audit.conclusion else ""))
        en.append(f"{audit.number} ({state.en.lower()}): " + _counted(results, Result, "en")
                  + (f". Conclusion: {audit.conclusion}" if audit.conclusion else ""))
    return zh, en, facts


def _objectives(session, review, since):
    """Each objective where it stands: achieved or missed only once its target year is complete; before that
    ahead, on track or behind the path over the months covered, named."""
    from workflows.planning import objectives
    zh, en, facts = [], [], {}
    for o, p in objectives.progress_of(session, review.enterprise_id):
        facts[o.number] = p
        if p["standing"] is None:
            zh.append(f"{o.number} {o.title}：无数据")
            en.append(f"{o.number}: no data")
            continue
        words = p["standing_words"]
        zh_when = f"{p['year']} 年" + ("" if p["complete"] else f" {p['months_label']['zh']}")
        en_when = f"{p['year']}" + ("" if p["complete"] else f" {p['months_label']['en']}")
        zh.append(f"{o.number} {o.title}：{words[0]}（{zh_when}，{p['current']:,.2f}，目标路径 {p['path_same']:,.2f}）")
        en.append(f"{o.number}: {words[1]} ({en_when}: {p['current']:,.2f} against the path's {p['path_same']:,.2f})")
    return zh, en, facts


COMPILERS = {
    "9.3.1a": _previous_actions,
    "9.3.1b1": _doc_changes("policy"),
    "9.3.1b2": _records("baseline_change"),
    "9.3.1b3": _records("reduction_measure"),
    "9.3.1b4": _records("context_issue"),
    "9.3.1b5": _source_changes,
    "9.3.1b6": _records("risk"),
    "9.3.1c1": _performance,
    "9.3.1c2": _objectives,
    "9.3.1c3": _nonconformities,
    "9.3.1c4": _compliance,
    "9.3.1c5": _audits,
    "9.3.1d": _records("competence", "training", "provider_evaluation"),
    "9.3.1e": _records("communication"),
}
