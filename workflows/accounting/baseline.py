"""Carbon baselines (6.3): a base year with emissions and intensity at enterprise, process and
facility level. A carbon manager proposes one (the first, or an adjustment for a 6.3.2 reason);
top management approves it with a signature; the old one is superseded and the change is kept as a
``baseline_change`` record (6.3.3)."""

from __future__ import annotations

import hashlib
import json

from sqlmodel import Session, select

from accounting.rollup import Rollup
from storage.errors import StewardError
from storage.models import Baseline
from storage.vocab import Labelled
from workflows.accounting import calculation, totals
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
        machine.fire_system(session, LIFECYCLE, old, "supersede", f"superseded by {baseline.number}")
    if baseline.trigger != "initial":
        records.add(session, actor, "baseline_change", {
            "trigger": baseline.trigger, "level": "enterprise",
            "old_emissions_t": old.figures["enterprise"]["total"] if old else 0.0,
            "new_emissions_t": baseline.figures["enterprise"]["total"], "reason": baseline.reason})


TRANSITIONS = [
    Transition(trigger="approve", source="proposed", dest="active", zh="批准基准", en="Approve the baseline",
     roles=("top_management",), signature="approved", after=_on_approve),
    Transition(trigger="reject", source="proposed", dest="rejected", zh="不予批准", en="Reject",
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
                   figures={k: totals[k] for k in ("enterprise", "processes", "facilities", "intensity")},
                   proposed_by=actor.label)
    session.add(row)
    session.flush()
    machine.assign(session, LIFECYCLE, row, TaskSpec(roles=["top_management"], zh="批准{what}", en="Approve {what}"))
    return row


def get(session: Session, actor: Actor, number: str) -> Baseline:
    return lookup.numbered(session, Baseline, actor.enterprise_id, number, "基准", "baseline")


def compare(session: Session, enterprise_id: int, year: int) -> dict:
    """This year's emissions and intensity against the active baseline, per level (6.3.1)."""
    base = active(session, enterprise_id)
    if base is None:
        raise StewardError("no_baseline", "尚未建立有效的碳排放基准", "There is no active baseline yet")
    figures = totals.year_totals(session, enterprise_id, year) or Rollup().result()  # no data: zeros

    def change(now: float, then: float) -> float | None:
        return round((now / then - 1) * 100, 2) if then else None
    return {
        "baseline": base.number, "base_year": base.base_year, "year": year,
        "enterprise": {"base": base.figures["enterprise"]["total"], "now": figures["enterprise"]["total"],
                       "change_pct": change(figures["enterprise"]["total"], base.figures["enterprise"]["total"])},
        "processes": {k: {"base": v["total"], "now": figures["processes"].get(k, {}).get("total", 0.0),
                          "change_pct": change(figures["processes"].get(k, {}).get("total", 0.0), v["total"])}
                      for k, v in base.figures["processes"].items()},
        "intensity": {k: {"base": v["total_per_unit"], "now": figures["intensity"].get(k, {}).get("total_per_unit"),
                          "change_pct": change(figures["intensity"][k]["total_per_unit"], v["total_per_unit"])
                          if k in figures["intensity"] else None}
                      for k, v in base.figures["intensity"].items()},
    }


lifecycle_index.register(LIFECYCLE, get)
