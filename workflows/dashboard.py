"""What the first page shows each person: the year's emissions against the baseline, their open tasks,
audits and reviews under way, and how the latest audit found each chapter."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, select

from forms import clauses
from storage.models import ChecklistItem
from workflows import accounting, baseline, internal_audit, review, tasks
from workflows.engine import Actor

RESULTS = ("pending", "conform", "observation", "minor_nc", "major_nc", "not_applicable")


def overview(session: Session, actor: Actor) -> dict:
    run = accounting.latest_run(session, actor.enterprise_id)
    base = baseline.active(session, actor.enterprise_id)
    months = run.totals["months"] if run else {}
    trend = {"months": list(months), "total": [round(v["total"], 1) for v in months.values()]}
    if base:
        trend["baseline"] = round(base.figures["enterprise"]["total"] / 12, 1)
    return {"run": run, "trend": trend, "tasks": tasks.inbox(session, actor),
            "audits": internal_audit.under_way(session, actor.enterprise_id),
            "reviews": review.under_way(session, actor.enterprise_id),
            "coverage": coverage(session, actor.enterprise_id), "base": base}


def coverage(session: Session, enterprise_id: int) -> dict:
    """Clause coverage for the heat map: per chapter, how the latest audit found each clause."""
    audit = internal_audit.latest(session, enterprise_id)
    chapters = [c.id for c in clauses.catalogue() if c.kind == "chapter"]
    counts: Counter = Counter()
    if audit:
        for clause_id, result in session.exec(select(ChecklistItem.clause_id, ChecklistItem.result)
                                              .where(ChecklistItem.audit_id == audit.id)):
            counts[(clause_id.split(".")[0], result)] += 1
    else:
        for c in clauses.auditable():
            counts[(c.id.split(".")[0], "pending")] += 1
    labels = [f"{internal_audit.Result(r).zh} {internal_audit.Result(r).en}" for r in RESULTS]
    return {"chapters": chapters, "results": labels,
            "cells": [[i, j, counts[(ch, r)]] for i, ch in enumerate(chapters) for j, r in enumerate(RESULTS)],
            "audit": audit.number if audit else None}
