"""Carbon assets (8.5) and the ETS compliance year: what is held by kind and vintage, what is due,
and the cheapest way to surrender it.

Rules (ACCOUNTING-FACTS.md, H): allowances (CEA) are surrendered for the verified emissions of the
compliance year; CCER offsets may cover at most 5 % of the allowances due; surrender is due by the
end of the following year. Green certificates (GEC) and sinks are held and reported but do not
count for ETS surrender.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from accounting.errors import AccountingError

KINDS = {"CEA": "全国碳排放配额 / allowance", "CCER": "国家核证自愿减排量 / offset",
         "GEC": "绿色电力证书 / green certificate", "SINK": "碳汇 / sink"}
OFFSET_LIMIT = 0.05


@dataclass(frozen=True)
class Lot:
    kind: str
    vintage: int
    quantity: float  # t (or MWh for GEC)


@dataclass
class Plan:
    due_t: float
    surrender: list[Lot] = field(default_factory=list)
    buy_cea_t: float = 0.0
    buy_ccer_t: float = 0.0
    cost: float = 0.0
    offset_used_t: float = 0.0
    deadline: date | None = None
    notes: list[str] = field(default_factory=list)


def deadline(year: int) -> date:
    return date(year + 1, 12, 31)


def plan_compliance(year: int, verified_t: float, held: list[Lot], cea_price: float, ccer_price: float | None = None,
                    offset_limit: float = OFFSET_LIMIT) -> Plan:
    """Surrender held allowances first (oldest eligible vintage first), then offsets up to the limit when
    they are cheaper than allowances on the market, then buy what is still missing at the cheaper price."""
    if verified_t < 0:
        raise AccountingError("negative", "核查排放量不能为负数", "Verified emissions cannot be negative", field="verified")
    if cea_price <= 0:
        raise AccountingError("price", "配额价格须为正数", "The allowance price must be positive", field="cea_price")
    plan = Plan(due_t=round(verified_t, 3), deadline=deadline(year))
    remaining = verified_t
    offset_room = verified_t * offset_limit
    ccer_cheaper = ccer_price is not None and ccer_price < cea_price
    order = sorted((lot for lot in held if lot.kind in ("CEA", "CCER") and lot.vintage <= year and lot.quantity > 0),
                   key=lambda lot: (lot.kind != "CEA", lot.vintage))
    for lot in order:
        if remaining <= 0:
            break
        take = min(lot.quantity, remaining, offset_room) if lot.kind == "CCER" else min(lot.quantity, remaining)
        if take <= 0:
            continue
        plan.surrender.append(Lot(lot.kind, lot.vintage, round(take, 3)))
        remaining -= take
        if lot.kind == "CCER":
            offset_room -= take
            plan.offset_used_t += take
    if remaining > 0 and ccer_price is not None and ccer_cheaper and offset_room > 0:
        plan.buy_ccer_t = round(min(remaining, offset_room), 3)
        remaining -= plan.buy_ccer_t
        plan.offset_used_t += plan.buy_ccer_t
        plan.cost += plan.buy_ccer_t * ccer_price
        plan.notes.append(f"CCER {ccer_price:g} 元/t 低于配额 {cea_price:g} 元/t，按 5% 上限使用 / CCER cheaper than CEA, "
                          f"used up to the 5 % limit")
    if remaining > 0:
        plan.buy_cea_t = round(remaining, 3)
        plan.cost += remaining * cea_price
    plan.cost = round(plan.cost, 2)
    plan.offset_used_t = round(plan.offset_used_t, 3)
    return plan
