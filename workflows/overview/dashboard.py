"""The first page, read by top management in a minute: the year's emissions so far against the same months of
last year, the baseline and the target; intensity over every year on record; where the allowance surrender
stands; open and overdue nonconformities and tasks; how many people have acknowledged the documents they
must read; and how the latest audit found each chapter. Each figure reads only what it shows: the latest
totals of each year (never the lines), counts in the database, one audit's results."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlmodel import Session, func, select

from accounting import like_for_like as lfl
from forms import clauses
from storage.models import ChecklistItem, Distribution, Nonconformity, Revision, Task
from workflows.accounting import baseline, comparison, freshness, runs
from workflows.audit import internal_audit, readiness
from workflows.engine import clock, names, tasks
from workflows.engine.machine import Actor
from workflows.planning import carbon_assets, objectives
from workflows.review import review

# each result in the colour that means what it says: conform green, findings red, not yet looked at grey
RESULTS = (("conform", "#2e7d32"), ("observation", "#f9a825"), ("minor_nc", "#e64a19"), ("major_nc", "#b71c1c"),
           ("not_applicable", "#90a4ae"), ("pending", "#cfd8dc"))


def _pct(now: float | None, before: float | None) -> float | None:
    return None if now is None or not before else round((now - before) / before * 100, 1)


def overview(session: Session, actor: Actor, lang: str = "zh", today: date | None = None) -> dict:
    today = today or clock.today()
    eid = actor.enterprise_id
    yearly = runs.totals_by_year(session, eid)
    base = baseline.active(session, eid)
    inbox, owed = tasks.inbox(session, actor, size=8)  # the first eight, and how many in all
    return {"emissions": emissions(yearly, base, session, actor, lang), "intensity": intensity(yearly, base, lang),
            "compliance": compliance(session, eid, yearly), "work": work(session, eid, today),
            "acknowledged": acknowledgement(session, eid), "tasks": inbox, "tasks_total": owed.total,
            "audits": internal_audit.under_way(session, eid), "reviews": review.under_way(session, eid),
            "coverage": coverage(session, eid, lang), "base": base, "has_runs": bool(yearly),
            "readiness": readiness.trend(session, eid, lang)}


def emissions(yearly: dict[int, dict], base, session: Session, actor: Actor, lang: str = "zh") -> dict | None:
    """Year to date, like for like: the months of the latest accounted year against the same months of the year
    before, of the base year (from its monthly figures) and of the enterprise-level total target, each named."""
    if not yearly:
        return None
    found = comparison.year(session, actor.enterprise_id, yearly=yearly)
    if found is None:
        return None
    previous, baseline_then = found["previous"] or {}, found["baseline"] or {}
    target = None
    for o, p in objectives.progress_of(session, actor.enterprise_id):  # no owners' names: none are shown
        if o.level == "enterprise" and o.metric == "total" and o.status == "active":
            target = {"number": o.number, "title": o.title, "year": o.target_year, "value": p["target_same"],
                      "standing": p["standing_words"][lang == "en"] if p["standing_words"] else None}
            break
    run = runs.latest_run(session, actor.enterprise_id, found["year"])  # the run the card quotes: does it stand?
    return {**(freshness.standing(session, run, lang) if run else {"stale": None, "incomplete": []}),
            "year": found["year"], "months": len(found["months"]), "label": found["label"]["en" if lang == "en" else "zh"],
            "complete": found["complete"], "last_month": found["last_month"], "total": round(found["value"], 1),
            "same_period": previous.get("value"), "previous_year": previous.get("year"),
            "vs_same_period": previous.get("change"), "baseline": baseline_then.get("value"),
            "baseline_year": baseline_then.get("year"), "pro_rata": baseline_then.get("basis") == "pro_rata",
            "vs_baseline": baseline_then.get("change"), "target": target,
            "vs_target": _pct(found["value"], target["value"]) if target else None}


def intensity(yearly: dict[int, dict], base, lang: str) -> dict:
    """tCO2e per tonne of each product, one point per accounted year, with the baseline's figure beside."""
    products = sorted({p for t in yearly.values() for p in t.get("intensity", {})})
    years = sorted(yearly)
    def named(y: int) -> str:  # a year in progress is labelled with its months, not passed off as a year
        months = lfl.covered(yearly[y])
        return str(y) if lfl.complete(months) else f"{y} {lfl.label(months, lang)}"
    return {"years": [named(y) for y in years],
            "series": [{"name": f"{names.material(p, lang)} (tCO2e/{_unit(yearly, p)})",
                        "data": [yearly[y].get("intensity", {}).get(p, {}).get("total_per_unit") for y in years],
                        "baseline": (base.figures.get("intensity", {}).get(p, {}).get("total_per_unit") if base else None)}
                       for p in products]}


def _unit(yearly: dict[int, dict], product: str) -> str:
    return next((t["intensity"][product].get("unit", "t") for t in yearly.values() if product in t.get("intensity", {})),
                "t")


def compliance(session: Session, enterprise_id: int, yearly: dict[int, dict], today: date | None = None) -> list[dict]:
    """Each surrender still open, soonest deadline first: due (so far, for the year in progress), still to give,
    the allowances that count for it, the shortfall, and the deadline — or that no allocation is recorded."""
    if not yearly:
        return []
    return [{"year": p["year"], "state": p["state"], "due": p["due_t"], "remaining": p["remaining_t"],
             "held": p["held_t"], "gap": p["short_t"], "allocated": p["allocated_t"], "months": p["months"],
             "first_month": p["first_month"], "last_month": p["last_month"], "deadline": p["deadline"],
             "days_left": p["days_left"]} for p in carbon_assets.open_years(session, enterprise_id, today, yearly)]


def work(session: Session, enterprise_id: int, today: date) -> dict:
    """Open and overdue (past their due date): nonconformities, and everyone's tasks."""
    open_ncs, overdue_ncs = session.exec(  # one query a count pair: the overview is the page opened most
        select(func.count(), func.count().filter(Nonconformity.due < today)).select_from(Nonconformity).where(
            Nonconformity.enterprise_id == enterprise_id, Nonconformity.state != "closed")).one()
    open_tasks, overdue_tasks = session.exec(
        select(func.count(), func.count().filter(Task.due < today)).select_from(Task).where(
            Task.enterprise_id == enterprise_id, Task.status == "open")).one()
    return {"ncs": open_ncs, "ncs_overdue": overdue_ncs, "tasks": open_tasks, "tasks_overdue": overdue_tasks}


def acknowledgement(session: Session, enterprise_id: int) -> dict:
    """Of the people asked to read an issued revision, how many have acknowledged it (5.2.2)."""
    issued = select(Revision.id).where(Revision.enterprise_id == enterprise_id, Revision.state == "issued")
    asked, done = session.exec(select(func.count(), func.count(Distribution.acknowledged_at)).select_from(
        Distribution).where(Distribution.enterprise_id == enterprise_id, Distribution.revision_id.in_(issued))).one()
    return {"asked": asked, "done": done, "rate": round(done / asked * 100) if asked else None}


def coverage(session: Session, enterprise_id: int, lang: str = "zh") -> dict:
    """Per chapter, how the latest audit found each clause: a stacked bar in the results' own colours."""
    audit = internal_audit.latest(session, enterprise_id)
    chapters = [c for c in clauses.catalogue() if c.kind == "chapter"]
    counts: Counter = Counter()
    if audit:
        for clause_id, result in session.exec(select(ChecklistItem.clause_id, ChecklistItem.result)
                                              .where(ChecklistItem.audit_id == audit.id)):
            counts[(clause_id.split(".")[0], result)] += 1
    else:
        for c in clauses.auditable():
            counts[(c.id.split(".")[0], "pending")] += 1
    en = lang == "en"
    return {"chapters": [(f"{c.id} " + (c.en if en else c.zh)) for c in chapters],
            "series": [{"name": internal_audit.Result(r).label(lang), "color": colour,
                        "data": [counts[(c.id, r)] for c in chapters]} for r, colour in RESULTS],
            "audit": audit.number if audit else None}
