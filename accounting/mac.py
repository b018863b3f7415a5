"""Marginal abatement cost (8.4.1 b): what a tonne avoided costs for each measure, and the curve that
ranks them. Investment is annualised with the capital-recovery factor; savings make the cost negative."""

from __future__ import annotations

from dataclasses import dataclass

from accounting.errors import AccountingError


@dataclass(frozen=True)
class Measure:
    name: str
    abatement_t: float  # tCO2e per year
    capex: float  # CNY
    opex: float  # CNY per year, negative when the measure saves money
    lifetime_years: int


def annualised(capex: float, rate: float, years: int) -> float:
    if years <= 0:
        raise AccountingError("lifetime", "寿命须为正整数年", "The lifetime must be a positive number of years",
                              field="lifetime_years")
    if rate == 0:
        return capex / years
    return capex * rate / (1 - (1 + rate) ** -years)


def cost_per_tonne(m: Measure, rate: float = 0.08) -> float:
    if m.abatement_t <= 0:
        raise AccountingError("abatement", f"「{m.name}」的年减排量须为正数", f"{m.name}: the yearly abatement must be positive",
                              field="abatement_t")
    return (annualised(m.capex, rate, m.lifetime_years) + m.opex) / m.abatement_t


def curve(measures: list[Measure], rate: float = 0.08) -> list[dict]:
    """Measures from cheapest to dearest, each with its cost per tonne and where its bar starts."""
    rows = sorted(((m, cost_per_tonne(m, rate)) for m in measures), key=lambda x: x[1])
    out, start = [], 0.0
    for m, cost in rows:
        out.append({"name": m.name, "cost_per_t": round(cost, 2), "abatement_t": m.abatement_t, "from_t": start})
        start += m.abatement_t
    return out
