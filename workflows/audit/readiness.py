"""The readiness page an auditor works from before a certification audit: every auditable clause item with its
evidence present, stale or missing, filtered by chapter, status and the department that carries the clause, and
the same as a workbook to hand to the certification body's auditor."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta

from sqlmodel import Session, select

from forms import clauses
from storage.models import (
    Department,
    Enterprise,
    InternalAudit,
    ManagementReview,
    Person,
    ReadinessSnapshot,
    Responsibility,
    RoleAssignment,
    Task,
)
from workflows.audit import evidence_map
from workflows.engine import clock, exports, machine
from workflows.engine.machine import Actor

STATUS = {"present": ("证据齐全", "Evidence present", "#2e7d32"), "stale": ("证据过期", "Evidence stale", "#f9a825"),
          "missing": ("缺少证据", "Evidence missing", "#c62828")}


def view(session: Session, actor: Actor, lang: str, chapter: str = "", status: str = "", owner: str = "") -> dict:
    items = evidence_map.build(session, actor.enterprise_id)
    en = lang == "en"
    chapters = [c for c in clauses.catalogue() if c.kind == "chapter"]
    by_chapter = {c.id: Counter() for c in chapters}
    for i in items:
        by_chapter[i.clause.id.split(".")[0]][i.status] += 1
    counts = Counter(i.status for i in items)
    owners = sorted({o for i in items for o in i.owners})
    shown = [i for i in items if (not chapter or i.clause.id.split(".")[0] == chapter)
             and (not status or i.status == status) and (not owner or owner in i.owners)]
    return {"items": shown, "total": len(items), "counts": counts, "owners": owners, "chapters": chapters,
            "chapter": chapter, "status": status, "owner": owner,
            "share": round(counts["present"] / len(items) * 100) if items else 0,
            "statuses": [(k, v[en], v[2]) for k, v in STATUS.items()],
            "chart": {"chapters": [f"{c.id} " + (c.en if en else c.zh) for c in chapters],
                      "series": [{"name": v[en], "color": v[2], "data": [by_chapter[c.id][k] for c in chapters]}
                                 for k, v in STATUS.items()]}}


def export(session: Session, actor: Actor, lang: str) -> tuple[str, bytes]:
    """Clause, requirement, status, evidence with dates and numbers, owner and the gap, one row per item."""
    en = lang == "en"
    headers = (["Clause", "Requirement", "Status", "Evidence", "Owner", "Gap"] if en else
               ["条款", "要求", "状态", "证据", "负责部门", "差距"])
    rows = []
    for i in evidence_map.build(session, actor.enterprise_id):
        evidence = "\n".join(f.label(lang) + (f"（{f.on}）" if f.on and not en else f" ({f.on})" if f.on else "")
                             for f in i.found)
        gap = "" if i.status == "present" else ("; ".join(f.why_stale.split("；")[en] for f in i.found if f.why_stale)
                                                if i.found else ("No evidence on record" if en else "无证据记录"))
        rows.append([i.clause.id, i.clause.en if en else i.clause.zh, STATUS[i.status][en], evidence,
                     ", ".join(i.owners) if en else "、".join(i.owners), gap])
    title = f"Readiness {clock.today()}" if en else f"体系就绪度 {clock.today()}"
    return title, exports.workbook(title, headers, rows)


LEAD_DAYS = 30  # how long before an audit or review its evidence gaps become tasks (a flow parameter)


def _event(session: Session, enterprise_id: int, today: date, lead_days: int):
    """The nearest audit or review within the lead time: (task kind, its row id, its date, its number)."""
    horizon = today + timedelta(days=lead_days)
    audit = session.exec(select(InternalAudit).where(
        InternalAudit.enterprise_id == enterprise_id, InternalAudit.state == "planned",
        InternalAudit.planned_start >= today, InternalAudit.planned_start <= horizon)
        .order_by(InternalAudit.planned_start).limit(1)).first()
    review = session.exec(select(ManagementReview).where(
        ManagementReview.enterprise_id == enterprise_id, ManagementReview.state.in_(["planned", "prepared"]),
        ManagementReview.planned_on >= today, ManagementReview.planned_on <= horizon)
        .order_by(ManagementReview.planned_on).limit(1)).first()
    events = [e for e in (("readiness_audit", audit.id, audit.planned_start, audit.number) if audit else None,
                          ("readiness_review", review.id, review.planned_on, review.number) if review else None) if e]
    return min(events, key=lambda e: e[2]) if events else None


def gap_tasks(session: Session, enterprise_id: int, today: date, lead_days: int = LEAD_DAYS) -> int:
    """When an audit or review is near, each person who carries a clause with stale or missing evidence gets one
    task listing those clauses (the carbon managers take clauses nobody carries). Run daily; a person with an
    open task for the same event is not given another."""
    event = _event(session, enterprise_id, today, lead_days)
    if event is None:
        return 0
    kind, row_id, on, number = event
    gaps = [i for i in evidence_map.build(session, enterprise_id, today) if i.status != "present"]
    if not gaps:
        return 0
    carriers: dict[int, list[str]] = {}
    heads = {d: list(session.exec(select(Person.id).join(RoleAssignment, RoleAssignment.person_id == Person.id)
                                  .where(Person.department_id == d, Person.active,
                                         RoleAssignment.role == "department_head")).all())
             for d in session.exec(select(Department.id).where(Department.enterprise_id == enterprise_id)).all()}
    duty: dict[str, set[int]] = {}
    for r in session.exec(select(Responsibility).where(Responsibility.enterprise_id == enterprise_id)):
        duty.setdefault(r.clause_id, set()).update([r.person_id] if r.person_id else heads.get(r.department_id, []))
    managers = [p.id for p in machine.people_with(session, enterprise_id, ["carbon_manager"])]
    for item in gaps:
        for person_id in duty.get(item.clause.id) or duty.get(item.clause.parent or "") or managers:
            carriers.setdefault(person_id, []).append(item.clause.id)
    given = 0
    for person_id, clause_ids in sorted(carriers.items()):
        if session.exec(select(Task.id).where(Task.lifecycle == kind, Task.entity_id == row_id,
                                              Task.assignee_id == person_id, Task.status == "open")).first():
            continue
        shown = "、".join(clause_ids[:12]) + (f" 等 {len(clause_ids)} 项" if len(clause_ids) > 12 else "")
        shown_en = ", ".join(clause_ids[:12]) + (f" and {len(clause_ids) - 12} more" if len(clause_ids) > 12 else "")
        machine.give_task(session, session.get(Person, person_id), kind, row_id,
                         f"{number} 前补齐证据：{shown}", f"Complete the evidence before {number}: {shown_en}", on)
        given += 1
    return given


def report(session: Session, actor: Actor) -> bytes:
    """The readiness report for a certification body (方圆、CQC style): for each clause item our requirement, the
    evidence with its dates and numbers, who carries it, and the gap. Built with python-docx, which writes every
    text as text (nothing a record holds can become Word markup)."""
    import docx
    from docx.shared import Pt
    items = evidence_map.build(session, actor.enterprise_id)
    counts = Counter(i.status for i in items)
    ent = session.get(Enterprise, actor.enterprise_id)
    document = docx.Document()
    document.styles["Normal"].font.size = Pt(9)
    document.add_heading(f"{ent.name_zh} 碳排放管理体系认证准备情况报告", level=1)
    document.add_paragraph(f"依据：重点行业企业碳排放管理体系建设指南；编制日期 {clock.today()}；"
                           f"条款项 {len(items)} 个：证据齐全 {counts['present']}，证据过期 {counts['stale']}，"
                           f"缺少证据 {counts['missing']}。")
    for chapter in (c for c in clauses.catalogue() if c.kind == "chapter"):
        rows = [i for i in items if i.clause.id.split(".")[0] == chapter.id]
        if not rows:
            continue
        document.add_heading(f"{chapter.id} {chapter.zh}", level=2)
        table = document.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("条款", "要求", "证据（日期、编号）", "负责", "差距"), strict=True):
            cell.text = text
        for i in rows:
            cells = table.add_row().cells
            cells[0].text = i.clause.id
            cells[1].text = i.clause.zh
            cells[2].text = "\n".join(f.zh + (f"（{f.on}）" if f.on else "") for f in i.found) or "—"
            cells[3].text = "、".join(i.owners) or "—"
            cells[4].text = "" if i.status == "present" else (
                "；".join(f.why_stale.split("；")[0] for f in i.found if f.why_stale) or "证据过期") \
                if i.found else "无证据记录"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def snapshot(session: Session, enterprise_id: int, today: date) -> dict[str, int]:
    """Keep today's counts (once a day: a second run the same day updates them)."""
    counts = Counter(i.status for i in evidence_map.build(session, enterprise_id, today))
    row = session.exec(select(ReadinessSnapshot).where(ReadinessSnapshot.enterprise_id == enterprise_id,
                                                       ReadinessSnapshot.on == today)).first() \
        or ReadinessSnapshot(enterprise_id=enterprise_id, on=today, present=0, stale=0, missing=0)
    row.present, row.stale, row.missing = counts["present"], counts["stale"], counts["missing"]
    session.add(row)
    session.flush()
    return dict(counts)


def trend(session: Session, enterprise_id: int, lang: str, points: int = 26) -> dict:
    """The latest snapshots, oldest first, as the share of clause items with evidence present (and the counts)."""
    rows = list(reversed(session.exec(select(ReadinessSnapshot).where(ReadinessSnapshot.enterprise_id == enterprise_id)
                                      .order_by(ReadinessSnapshot.on.desc()).limit(points)).all()))
    en = lang == "en"
    return {"days": [r.on.isoformat() for r in rows],
            "share": [round(r.present / max(r.present + r.stale + r.missing, 1) * 100, 1) for r in rows],
            "label": "Evidence present %" if en else "证据齐全 %"}
