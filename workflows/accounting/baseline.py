"""Carbon baselines (6.3): a base year with emissions and intensity at enterprise, process and
facility level. A carbon manager proposes one (the first, or an adjustment for a 6.3.2 reason);
top management approves it with a signature; the old one is superseded and the change is kept as a
``baseline_change`` record (6.3.3)."""

from __future__ import annotations

import hashlib
import json

from sqlmodel import Session, select

from accounting import like_for_like as lfl
from accounting.rollup import Rollup
from storage.errors import StewardError
from storage.models import Baseline
from storage.vocab import Labelled
from workflows.accounting import calculation, runs, totals
from workflows.documents import records
from workflows.engine import clock, lifecycle_index, lookup, machine
from workflows.engine.machine import Actor, Lifecycle, TaskSpec, Transition

TRIGGERS = {"initial": "首次建立 / initial", "boundary": "物理边界 / boundary", "energy_mix": "能源结构 / energy mix",
            "products": "产品结构 / products", "raw_materials": "原材料 / raw materials", "process": "工艺 / process",
            "equipment": "设备设施 / equipment", "sources": "排放源变化 / emission sources (6.3.2 b)",
            "other": "其他 / other (6.3.2 c)"}


class BaselineState(Labelled):
    proposed = ("proposed", "待批准", "Proposed")
    active = ("active", "有效", "Active")
    superseded = ("superseded", "已被替代", "Superseded")
    rejected = ("rejected", "未批准", "Rejected")


def _on_approve(session: Session, baseline: Baseline, actor: Actor) -> None:
    """Supersede the active baseline and keep the change as a 6.3.3 record."""
    old = active(session, baseline.enterprise_id, exclude=baseline.id)
    if old is not None:
        machine.fire_system(session, LIFECYCLE, old, "supersede", f"由 {baseline.number} 取代 / superseded by {baseline.number}")
    if baseline.trigger != "initial":
        records.add(session, actor, "baseline_change", {
            "trigger": baseline.trigger, "level": "enterprise",
            "old_emissions_t": old.figures["enterprise"]["total"] if old else 0.0,
            "new_emissions_t": baseline.figures["enterprise"]["total"], "reason": baseline.reason})


TRANSITIONS = [
    Transition(trigger="approve", source="proposed", dest="active", zh="批准基准", en="Approve the baseline",
     roles=("top_management",), signature="approved", after=_on_approve),
    Transition(trigger="reject", source="proposed", rejects=True, dest="rejected", zh="不予批准", en="Reject",
     roles=("top_management",), comment_required=True),
    Transition(trigger="supersede", source="active", dest="superseded", zh="被新基准替代", en="Supersede",
     roles=()),
]


def content_hash(b: Baseline) -> str:
    return hashlib.sha256(json.dumps([b.number, b.base_year, b.figures], sort_keys=True).encode()).hexdigest()


def describe(session: Session, b: Baseline) -> tuple[str, str]:
    return f"碳排放基准 {b.number}（基准年 {b.base_year}）", f"baseline {b.number} (base year {b.base_year})"


LIFECYCLE = Lifecycle("baseline", "碳排放基准", "Carbon baseline", BaselineState, "proposed", TRANSITIONS,
                      content_hash, describe)


def active(session: Session, enterprise_id: int, exclude: int | None = None) -> Baseline | None:
    query = select(Baseline).where(Baseline.enterprise_id == enterprise_id, Baseline.state == "active")
    if exclude is not None:
        query = query.where(Baseline.id != exclude)
    return session.exec(query).first()


def propose(session: Session, actor: Actor, base_year: int, trigger: str = "initial", reason: str = "") -> Baseline:
    machine.require_role(actor, ("carbon_manager",), "提出碳排放基准", "Proposing a baseline")
    if trigger not in TRIGGERS:
        raise StewardError("trigger", f"调整原因须为 {', '.join(TRIGGERS)}", f"Trigger must be one of {', '.join(TRIGGERS)}",
                           field="trigger")
    pending = session.exec(select(Baseline).where(Baseline.enterprise_id == actor.enterprise_id,
                                                  Baseline.state == "proposed")).first()
    if pending is not None:
        raise StewardError("pending", f"基准 {pending.number} 正等待批准", f"Baseline {pending.number} is waiting for approval",
                           status=409)
    current = active(session, actor.enterprise_id)
    if trigger == "initial" and current is not None:
        raise StewardError("exists", f"已有有效基准 {current.number}；调整须说明 6.3.2 的原因",
                           f"Baseline {current.number} is in force; an adjustment needs a 6.3.2 reason", field="trigger")
    if trigger != "initial" and not reason.strip():
        raise StewardError("reason", "调整基准须说明原因", "Say why the baseline must change", field="reason")
    if base_year > clock.today().year - 1:
        raise StewardError("base_year", "基准年须为已结束的年度", "The base year must be a completed year", field="base_year")
    totals, lines, version = calculation.compute(session, actor.enterprise_id, base_year)
    if not lines:
        raise StewardError("no_data", f"{base_year} 年没有活动数据，不能作为基准年",
                           f"No activity data for {base_year}; it cannot be the base year", field="base_year")
    row = Baseline(enterprise_id=actor.enterprise_id, number=lookup.next_number(session, Baseline, actor.enterprise_id,
                                                                               "BL"),
                   base_year=base_year, trigger=trigger, reason=reason.strip(), library_version=version,
                   figures={k: totals[k] for k in ("enterprise", "processes", "facilities", "intensity", "months",
                                                    "by_month")},
                   proposed_by=actor.label)
    session.add(row)
    session.flush()
    machine.assign(session, LIFECYCLE, row, TaskSpec(roles=["top_management"], zh="批准{what}", en="Approve {what}"))
    return row


def get(session: Session, actor: Actor, number: str) -> Baseline:
    return lookup.numbered(session, Baseline, actor.enterprise_id, number, "基准", "baseline")


def monthly_figures(session: Session, base: Baseline, yearly: dict[int, dict] | None = None) -> dict:
    """The baseline's figures with their monthly breakdown: its own (kept since baselines keep their months), or
    its base year's latest run's; without either a comparison of a part year pro-rates and says so."""
    if base.figures.get("months"):
        return base.figures
    if yearly is None:
        run = runs.latest_run(session, base.enterprise_id, base.base_year)
        found = run.totals if run else {}
    else:
        found = yearly.get(base.base_year, {})
    return {**base.figures, **{k: found[k] for k in ("months", "by_month") if found.get(k)}}


def compare(session: Session, enterprise_id: int, year: int) -> dict:
    """This year's emissions and intensity against the active baseline, per level (6.3.1); a year in progress
    against the base year's same months (``months``, ``basis``: from its monthly figures or pro rata)."""
    base = active(session, enterprise_id)
    if base is None:
        raise StewardError("no_baseline", "尚未建立有效的碳排放基准", "There is no active baseline yet")
    figures = totals.year_totals(session, enterprise_id, year) or Rollup().result()  # no data: zeros
    months = lfl.covered(figures) or list(range(1, 13))
    then = monthly_figures(session, base)
    bases = []

    def base_of(level: str, scope: str, metric: str) -> float | None:
        value, basis = lfl.figure(then, level, scope, metric, months)
        bases.append(basis)
        return value

    def now_of(level: str, scope: str, metric: str) -> float | None:
        return lfl.figure(figures, level, scope, metric, months)[0]

    def change(now: float | None, was: float | None) -> float | None:
        return lfl.change(now, was, 2)
    enterprise = {"base": base_of("enterprise", "", "total"), "now": now_of("enterprise", "", "total")}
    processes = {k: {"base": base_of("process", k, "total"), "now": now_of("process", k, "total") or 0.0}
                 for k in base.figures["processes"]}
    intensity = {k: {"base": base_of("enterprise", "", f"intensity:{k}"),
                     "now": now_of("enterprise", "", f"intensity:{k}") if k in figures["intensity"] else None}
                 for k in base.figures["intensity"]}
    return {
        "baseline": base.number, "base_year": base.base_year, "year": year, "months": months,
        "complete": lfl.complete(months), "months_label": lfl.labels(months),
        "basis": lfl.PRO_RATA if lfl.PRO_RATA in bases else lfl.MONTHLY,
        "enterprise": {**enterprise, "change_pct": change(enterprise["now"], enterprise["base"])},
        "processes": {k: {**v, "change_pct": change(v["now"], v["base"])} for k, v in processes.items()},
        "intensity": {k: {**v, "change_pct": change(v["now"], v["base"])} for k, v in intensity.items()},
    }


lifecycle_index.register(LIFECYCLE, get)
