"""The readiness page an auditor works from before a certification audit: every auditable clause item with its
evidence present, stale or missing, filtered by chapter, status and the department that carries the clause, and
the same as a workbook to hand to the certification body's auditor."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlmodel import Session

from forms import clauses
from workflows import evidence_map, exports
from workflows.engine import Actor

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
    title = f"Readiness {date.today()}" if en else f"体系就绪度 {date.today()}"
    return title, exports.workbook(title, headers, rows)
