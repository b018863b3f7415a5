"""Objectives and targets (6.4): every target is set against the baseline in force, decomposed to
processes and facilities (6.4.2), carries its implementation plan (6.4.4 a–f), and its progress is
computed from the accounting runs rather than typed in."""

from __future__ import annotations

from sqlmodel import Session, select

from accounting import like_for_like as lfl
from storage.errors import StewardError
from storage.models import Baseline, Objective, Person
from workflows.accounting import baseline as baselines
from workflows.accounting import runs
from workflows.engine import lookup, machine, names
from workflows.engine.machine import Actor

SETTERS = ("carbon_manager", "top_management")
PLAN_ITEMS = {"a": ("采取的措施", "measures"), "b": ("实施路径和方法", "path and method"),
              "c": ("人员、设备和资金", "people, equipment and money"), "d": ("职责分工和权限", "duties and authority"),
              "e": ("进度和阶段成果", "schedule and milestones"), "f": ("结果验证方法", "how results are verified")}
CLAUSES = ("6.4.1a", "6.4.1b", "6.4.1c", "6.4.1d", "6.4.1e", "6.4.2a", "6.4.2b", "6.4.2c", "6.4.2d")


def _figure(totals: dict, level: str, scope: str, metric: str) -> float | None:
    if metric.startswith("intensity:"):
        product = metric.split(":", 1)[1]
        entry = totals.get("intensity", {}).get(product)
        return entry["total_per_unit"] if entry else None
    if level == "enterprise":
        return totals["enterprise"]["total"]
    pool = totals.get("processes" if level == "process" else "facilities", {})
    return pool[scope]["total"] if scope in pool else None


def add(session: Session, actor: Actor, *, title: str, level: str, metric: str, target_year: int, reduction_pct: float,
        plan: dict, scope: str = "", clause_id: str = "6.4.1b", owner: str | None = None,
        parent: str | None = None) -> Objective:
    machine.require_role(actor, SETTERS, "制定目标指标", "Setting an objective")
    base = baselines.active(session, actor.enterprise_id)
    if base is None:
        raise StewardError("no_baseline", "目标须以有效的碳排放基准为参照，请先建立基准（6.3）",
                           "A target needs a baseline in force to be measured against; set one first (6.3)",
                           field="baseline")
    if not title.strip():
        raise StewardError("title", "请填写目标", "Say what the objective is", field="title")
    if clause_id not in CLAUSES:
        raise StewardError("clause", f"条款须为 {', '.join(CLAUSES)}", f"Clause must be one of {', '.join(CLAUSES)}",
                           field="clause_id")
    if level not in ("enterprise", "process", "facility") or (level != "enterprise" and not scope):
        raise StewardError("level", "层级须为 enterprise，或 process/facility 并给出代码",
                           "Level is enterprise, or process/facility with its code", field="level")
    if not 0 < reduction_pct < 100:
        raise StewardError("reduction", "降幅须在 0–100% 之间", "The reduction must be between 0 and 100 %",
                           field="reduction_pct")
    if target_year <= base.base_year:
        raise StewardError("target_year", f"目标年须晚于基准年 {base.base_year}",
                           f"The target year must come after the base year {base.base_year}", field="target_year")
    lacking = [k for k in PLAN_ITEMS if not str(plan.get(k, "")).strip()]
    if lacking:
        raise StewardError("plan", f"实施方案缺少（6.4.4）：{'、'.join(f'{k}) {PLAN_ITEMS[k][0]}' for k in lacking)}",
                           "The implementation plan lacks (6.4.4): " + ", ".join(
                               f"{k}) {PLAN_ITEMS[k][1]}" for k in lacking), field=f"plan_{lacking[0]}")
    if _figure(base.figures, level, scope, metric) is None:
        raise StewardError("no_base_figure", f"基准 {base.number} 中没有 {level} {scope} 的 {metric}",
                           f"Baseline {base.number} has no {metric} for {level} {scope}", field="metric")
    parent_row = get(session, actor, parent) if parent else None
    row = Objective(enterprise_id=actor.enterprise_id, number=lookup.next_number(session, Objective, actor.enterprise_id,
                                                                                "OB" if parent is None else "TG"),
                    title=title.strip(), clause_id=clause_id, parent_id=parent_row.id if parent_row else None,
                    level=level, scope=scope, metric=metric, baseline_id=base.id, target_year=target_year,
                    reduction_pct=reduction_pct, plan={k: str(plan[k]).strip() for k in PLAN_ITEMS},
                    owner_id=lookup.person(session, actor.enterprise_id, owner).id if owner else None)
    session.add(row)
    session.flush()
    return row


def get(session: Session, actor: Actor, number: str) -> Objective:
    return lookup.numbered(session, Objective, actor.enterprise_id, number, "目标", "objective")


_UNREAD = object()


def progress(session: Session, objective: Objective, run=_UNREAD) -> dict:
    """Baseline figure, target figure, the latest accounted figure (``run``, when the caller has read it for
    several objectives) and where it stands. A year in progress is measured like for like: its months against
    the base year's same months and the target pro-rated the same way, and it is ahead, on track or behind the
    path; achieved (or missed) is said only once the target year is complete."""
    base = session.get(Baseline, objective.baseline_id)
    start = _figure(base.figures, objective.level, objective.scope, objective.metric)
    goal = start * (1 - objective.reduction_pct / 100)
    if run is _UNREAD:
        run = runs.latest_run(session, objective.enterprise_id)
    months = lfl.covered(run.totals) if run else []
    now, base_same, basis = None, start, lfl.MONTHLY
    if run:
        now = lfl.figure(run.totals, objective.level, objective.scope, objective.metric, months)[0]
        base_same, basis = lfl.figure(baselines.monthly_figures(session, base), objective.level, objective.scope,
                                      objective.metric, months)
    keep = 1 - objective.reduction_pct / 100
    goal_same = None if base_same is None else base_same * keep
    path = None if base_same is None or run is None else lfl.path_value(
        base_same, goal_same, base.base_year, objective.target_year, run.year)
    standing = lfl.standing(now, path, goal_same, months, run.year if run else 0, objective.target_year)
    # how far along the way from the base year to the target, over the same months; the word "achieved" is
    # the standing's, said only once the target year is complete
    achieved = None if now is None or base_same is None or goal_same == base_same else \
        round((base_same - now) / (base_same - goal_same) * 100, 1)
    return {"number": objective.number, "base_year": base.base_year, "base": start, "target": round(goal, 6),
            "year": run.year if run else None, "current": now, "months": months, "complete": lfl.complete(months),
            "months_label": lfl.labels(months), "base_same": base_same, "basis": basis,
            "target_same": None if goal_same is None else round(goal_same, 6),
            "path_same": None if path is None else round(path, 6), "standing": standing,
            "standing_words": lfl.STANDING.get(standing or ""),
            "vs_path": lfl.change(now, path), "achieved_pct": achieved, "met": standing == "achieved"}


def overview(session: Session, actor: Actor) -> list[tuple[Objective, dict, str]]:
    """Every objective and target of the enterprise with its progress and its owner's name."""
    names = {p.id: p.name for p in session.exec(select(Person).where(Person.enterprise_id == actor.enterprise_id))}
    return [(o, p, names.get(o.owner_id, "—")) for o, p in progress_of(session, actor.enterprise_id)]


def progress_of(session: Session, enterprise_id: int) -> list[tuple[Objective, dict]]:
    """Every objective of the enterprise, in number order, with its progress against the one latest run."""
    rows = session.exec(select(Objective).where(Objective.enterprise_id == enterprise_id)
                        .order_by(Objective.number)).all()
    run = runs.latest_run(session, enterprise_id) if rows else None
    return [(o, progress(session, o, run)) for o in rows]


def trajectories(session: Session, actor: Actor, rows: list[tuple[Objective, dict, str]], lang: str) -> list[dict]:
    """For each objective, the accounted figure of every year on record against the straight path from the
    baseline to the target: what top management reads to see whether the way is being kept."""
    yearly = runs.totals_by_year(session, actor.enterprise_id)
    out = []
    for objective, p, _ in rows:
        first, last = p["base_year"], max([objective.target_year, *yearly]) if yearly else objective.target_year
        years = list(range(first, last + 1))
        span = objective.target_year - first

        actual = {y: _figure(t, objective.level, objective.scope, objective.metric) for y, t in yearly.items()
                  if lfl.complete(lfl.covered(t))}  # a part year is not a year: it has its own chart below
        actual.setdefault(first, p["base"])  # the base year reads as the baseline says, even without a stored run
        out.append({"number": objective.number, "title": objective.title, "years": [str(y) for y in years],
                    "actual": [actual.get(y) for y in years], "path": [round(p["base"] + (p["target"] - p["base"]) * (y - first) / span, 6)
                             if y <= objective.target_year else None for y in years],
                    "labels": {"actual": "Accounted" if lang == "en" else "核算值",
                               "path": "Path to the target" if lang == "en" else "目标路径"},
                    "so_far": _so_far(session, objective, p, yearly, lang)})
    return out


def _so_far(session: Session, objective: Objective, p: dict, yearly: dict[int, dict], lang: str) -> dict | None:
    """A year in progress as a part year: cumulative month by month against the base year's same months and the
    path pro-rated the same way — emissions summed, or for an intensity target the emissions per unit of product
    over the year so far; None when the latest year is complete."""
    if p["year"] is None or p["complete"] or p["year"] not in yearly:
        return None
    months, en = p["months"], lang == "en"
    base = session.get(Baseline, objective.baseline_id)
    then = baselines.monthly_figures(session, base, yearly)
    if objective.metric.startswith("intensity:"):
        product = objective.metric.split(":", 1)[1]
        actual = lfl.cumulative_intensity(yearly[p["year"]], product, months)
        before = lfl.cumulative_intensity(then, product, months) if p["basis"] == lfl.MONTHLY else None
        if actual is None:
            return None
        if before is None or None in before:  # no monthly figures: the base year's ratio, taken whole
            before = [p["base"]] * len(months)
    else:
        actual = lfl.cumulative(yearly[p["year"]], objective.level, objective.scope, months)
        before = lfl.cumulative(then, objective.level, objective.scope, months)
        if before is None or (p["basis"] == lfl.PRO_RATA):  # no monthly figures: the base year spread evenly
            before = [round(p["base"] * (i + 1) / 12, 3) for i in range(len(months))]
    share = (p["path_same"] / p["base_same"]) if p["base_same"] else 1.0
    digits = 6 if objective.metric.startswith("intensity:") else 3
    names_of = lfl.MONTHS_EN if en else [f"{m} 月" for m in range(1, 13)]
    what = ("emissions per unit, year to date" if en else "单位产品排放（年初至今）") \
        if objective.metric.startswith("intensity:") else ("cumulative" if en else "累计")
    return {"months": [names_of[m - 1] for m in months], "actual": actual,
            "base": before, "path": [round(b * share, digits) for b in before],
            "title": (f"{p['year']} {p['months_label']['en']}, {what}" if en else
                      f"{p['year']} 年 {p['months_label']['zh']}{what}"),
            "labels": {"actual": f"{p['year']}" if en else f"{p['year']} 年",
                       "base": (f"Base year {base.base_year}, same months" if en else f"基准年 {base.base_year} 同期"),
                       "path": "Path, same months" if en else "目标路径（同期）"}}


LEVELS = {"enterprise": ("企业", "Enterprise"), "process": ("工序", "Process"), "facility": ("设施", "Facility")}


def choices(session: Session, actor: Actor) -> dict:
    """What the form offers: the places, and the metrics the baseline in force has a figure for."""
    base = baselines.active(session, actor.enterprise_id)
    places = names.Places(session, actor.enterprise_id)
    figures = base.figures if base else {}
    metrics = [("total", "排放总量 tCO2", "Total emissions tCO2")] + [
        (f"intensity:{k}", f"{names.material(k, 'zh')} 单位排放", f"Emissions per tonne of {names.material(k, 'en')}")
        for k in figures.get("intensity", {})]
    scopes = [(level, code, places(code, "zh"), places(code, "en"))
              for level, pool in (("process", "processes"), ("facility", "facilities"))
              for code in figures.get(pool, {}) if code != "(enterprise)"]
    return {"baseline": base, "metrics": metrics, "scopes": scopes, "levels": LEVELS, "plan_items": PLAN_ITEMS,
            "clause_ids": CLAUSES}
