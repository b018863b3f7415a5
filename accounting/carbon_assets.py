"""Carbon assets (8.5) and the ETS compliance year: what is held by kind and vintage, what is due,
and the cheapest way to surrender it.

Rules (ACCOUNTING-FACTS.md, H): allowances (CEA) are surrendered for the verified emissions of the
compliance year; CCER offsets may cover at most 5 % of the allowances due; surrender is due by the
end of the following year. Green certificates (GEC) and sinks are held and reported but do not
count for ETS surrender.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from accounting.errors import AccountingError

KINDS = {"CEA": "全国碳排放配额 / allowance", "CCER": "国家核证自愿减排量 / offset",
         "GEC": "绿色电力证书 / green certificate", "SINK": "碳汇 / sink"}
OFFSET_LIMIT = 0.05
WHOLE_TONNE = 0.5  # allowances go in whole tonnes: less than half a tonne still owed is nothing owed


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

    @property
    def nothing_to_buy(self) -> bool:
        return not self.buy_cea_t and not self.buy_ccer_t


@dataclass(frozen=True)
class Use:
    """One vintage of allowances seen from one compliance year: what is held of it, what earlier years (sooner
    deadlines) still need of it, what counts for this year, and why (own | carried | cap | needed_earlier |
    not_needed | later)."""
    vintage: int
    held: float
    needed_earlier: float
    counted: float
    why: str
    by: int | None = None  # the year (sooner deadline) that took the last of it, when why is needed_earlier


def share_allowances(needs: dict[int, float], held: dict[int, float], carry_over: dict[int, float]) -> dict[int, list[Use]]:
    """Share the allowances held (by vintage) among the compliance years still owing, soonest deadline first: each
    year takes what it still needs of its own vintage, then of the surplus of earlier vintages (oldest first) up to
    its carry-over limit. A later vintage never counts for an earlier year, and a tonne counts for one year only."""
    left = {v: q for v, q in held.items() if q > 0}
    taker: dict[int, int] = {}
    out: dict[int, list[Use]] = {}
    for year in sorted(needs):
        need, room, uses = max(needs[year], 0.0), carry_over.get(year, 0.0), []
        for vintage in sorted(held, key=lambda v: (v != year, v)):  # its own vintage first, then the oldest
            total = held[vintage]
            if total <= 0:
                continue
            free = left.get(vintage, 0.0)
            if vintage > year:
                uses.append(Use(vintage, total, 0.0, 0.0, "later"))
                continue
            if vintage == year:
                take, why = min(free, need), "own"
            else:
                take = min(free, need, room)
                why = ("needed_earlier" if free <= 0 else "not_needed" if need <= 0 else "cap" if take < min(free, need)
                       else "carried")
                room -= take
            need -= take
            left[vintage] = free - take
            uses.append(Use(vintage, round(total, 3), round(total - free, 3), round(take, 3), why,
                            taker.get(vintage) if why == "needed_earlier" else None))
            if take > 0:
                taker[vintage] = year
        out[year] = sorted(uses, key=lambda u: u.vintage)
    return out


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
    owed = math.floor(remaining + WHOLE_TONNE) if remaining >= WHOLE_TONNE else 0  # bought in whole tonnes
    if owed and ccer_price is not None and ccer_cheaper and offset_room >= 1:
        plan.buy_ccer_t = float(min(owed, math.floor(offset_room + 1e-9)))
        owed -= int(plan.buy_ccer_t)
        plan.offset_used_t += plan.buy_ccer_t
        plan.cost += plan.buy_ccer_t * ccer_price
        plan.notes.append(f"国家核证自愿减排量 {ccer_price:g} 元/t 低于配额 {cea_price:g} 元/t，按 5% 上限使用 / "
                          f"offsets (CCER) cheaper than allowances: used up to the 5 % limit")
    if owed:
        plan.buy_cea_t = float(owed)
        plan.cost += owed * cea_price
    plan.cost = round(plan.cost, 2)
    plan.offset_used_t = round(plan.offset_used_t, 3)
    return plan
