"""Word records of the audit and review cycles (9.2.3, 9.3.2), rendered from docxtpl templates in
``templates/docx`` and kept in the content-addressed file store."""

from __future__ import annotations

import io

from sqlmodel import Session, select

from forms import clauses
from storage.files import FileStore
from storage.models import Enterprise, InternalAudit, ManagementReview, Person, ReviewAction
from workflows.audit import internal_audit as audits
from workflows.engine import machine, stored
from workflows.engine.machine import MEANINGS
from workflows.engine.rendering import render_docx
from workflows.improvement import nonconformity as ncs

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def keep(session: Session, store: FileStore, data: bytes) -> str:
    sha, size = store.put(io.BytesIO(data), max_bytes=len(data) + 1)
    stored.record(session, sha, size, DOCX)
    return sha


def _names(session: Session, ids) -> str:
    return "、".join(session.get(Person, i).name for i in ids)


def audit_report(session: Session, audit: InternalAudit) -> bytes:
    items = audits.checklist(session, audit)
    catalogue = clauses.by_id()
    stats = audits.summary(session, audit)
    label = lambda r: f"{audits.Result(r).zh} {audits.Result(r).en}"  # noqa: E731
    findings = audits.findings(session, audit)  # every NC the audit raised, several on a line included
    key = {i.clause_id: i for i in items if i.clause_id in audits.KEY_POINTS}
    return render_docx("audit_report.docx", {
        "enterprise": session.get(Enterprise, audit.enterprise_id).name_zh,
        "number": audit.number, "title": audit.title, "start": audit.planned_start, "end": audit.planned_end,
        "reported_on": audit.reported_on or "—", "method": audit.method, "scope": audit.scope,
        "team": _names(session, audit.team_ids), "lead": session.get(Person, audit.lead_auditor_id).name,
        "schedule": audit.schedule, "total": stats["total"],
        "result_line": "；".join(f"{label(r)} {n}" for r, n in stats["by_result"].items() if n),
        "chapters": stats["by_chapter"],
        "key_points": [{"clause": c, "point": p, "result": label(key[c].result) if c in key else "—",
                        "notes": key[c].notes if c in key else ""} for c, p in audits.KEY_POINTS.items()],
        "findings": [{"number": nc.number, "clause": nc.clause_id, "severity": ncs.Severity(nc.severity).zh,
                      "title": nc.title, "state": ncs.NcState(nc.state).zh} for nc in findings],
        "observations": [{"clause": i.clause_id, "notes": i.notes} for i in items if i.result == "observation"],
        "conclusion": audit.conclusion,
        "items": [{"clause": i.clause_id, "zh": catalogue[i.clause_id].zh, "result": label(i.result),
                   "evidence": "；".join(e.get("label") or e.get("ref", "") for e in i.evidence), "notes": i.notes}
                  for i in items],
        "top_management": "、".join(p.name for p in machine.people_with(session, audit.enterprise_id,
                                                                         ["top_management"])),
    })


def review_minutes(session: Session, review: ManagementReview, signatures: list) -> bytes:
    from workflows.review import review as reviews
    catalogue = clauses.by_id()
    actions = session.exec(select(ReviewAction).where(ReviewAction.review_id == review.id)
                           .order_by(ReviewAction.id)).all()
    return render_docx("review_minutes.docx", {
        "enterprise": session.get(Enterprise, review.enterprise_id).name_zh, "number": review.number,
        "held_on": review.held_on or "—", "chair": session.get(Person, review.chair_id).name if review.chair_id else "—",
        "attendees": "、".join(review.attendees),
        "inputs": [{"clause": c, "zh": catalogue[c].zh, "en": catalogue[c].en,
                    "compiled": "\n".join(review.inputs.get(c, {}).get("zh", [])) or "—",
                    "statement": review.statements.get(c, "")} for c in reviews.INPUT_ITEMS],
        "minutes": review.minutes, "conclusion": review.conclusion,
        "actions": [{"decision": a.decision, "owner": session.get(Person, a.owner_id).name, "due": a.due,
                     "status": f"完成 done {a.done_on}" if a.done_on else "进行中 open"} for a in actions],
        "signatures": [{"meaning": " ".join(MEANINGS[s.meaning]), "signer": s.signer_name,
                        "time": s.signed_at.strftime("%Y-%m-%d %H:%M"), "hash": s.content_sha256[:16] + "…",
                        "valid": "有效 valid" if ok else "已失效 INVALID"} for s, ok in signatures],
    })
