"""The internal audit report (9.2.3) as a Word file, rendered from ``templates/docx/audit_report.docx``;
the audit keeps it in the file store before the lead auditor signs."""

from __future__ import annotations

from sqlmodel import Session

from forms import clauses
from storage.models import Enterprise, InternalAudit, Person
from workflows.audit import checklist
from workflows.engine import machine
from workflows.engine.rendering import render_docx
from workflows.improvement import nonconformity as ncs


def _names(session: Session, ids) -> str:
    return "、".join(session.get(Person, i).name for i in ids)


def audit_report(session: Session, audit: InternalAudit) -> bytes:
    items = checklist.checklist(session, audit)
    catalogue = clauses.by_id()
    stats = checklist.summary(session, audit)
    label = lambda r: f"{checklist.Result(r).zh} {checklist.Result(r).en}"  # noqa: E731
    findings = checklist.findings(session, audit)  # every NC the audit raised, several on a line included
    key = {i.clause_id: i for i in items if i.clause_id in checklist.KEY_POINTS}
    return render_docx("audit_report.docx", {
        "enterprise": session.get(Enterprise, audit.enterprise_id).name_zh,
        "number": audit.number, "title": audit.title, "start": audit.planned_start, "end": audit.planned_end,
        "reported_on": audit.reported_on or "—", "method": audit.method, "scope": audit.scope,
        "team": _names(session, audit.team_ids), "lead": session.get(Person, audit.lead_auditor_id).name,
        "schedule": audit.schedule, "total": stats["total"],
        "result_line": "；".join(f"{label(r)} {n}" for r, n in stats["by_result"].items() if n),
        "chapters": stats["by_chapter"],
        "key_points": [{"clause": c, "point": p, "result": label(key[c].result) if c in key else "—",
                        "notes": key[c].notes if c in key else ""} for c, p in checklist.KEY_POINTS.items()],
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

