"""Totals per level (enterprise, process, facility, month) and intensity per unit of product,
reported with and without indirect emissions as GB/T 32150 asks."""

from __future__ import annotations

from collections import defaultdict

from accounting.inventory import Emission
from accounting.units import convert

SUMMED = ("direct", "indirect", "exported", "recovered")


def _totals(lines: list[Emission]) -> dict[str, float]:
    out = {k: 0.0 for k in (*SUMMED, "allocated")}
    for e in lines:
        if e.kind in out:
            out[e.kind] += e.tco2
    out["total"] = sum(out[k] for k in SUMMED)
    out["total_direct_only"] = out["direct"] + out["recovered"]
    return {k: round(v, 3) for k, v in out.items()}


def _is_mass(unit: str) -> bool:
    try:
        convert(1, unit, "t")
    except ValueError:
        return False
    return True


def rollup(lines: list[Emission]) -> dict:
    by_facility, by_process, by_month = defaultdict(list), defaultdict(list), defaultdict(list)
    output: dict[str, dict] = defaultdict(lambda: {"quantity": 0.0, "unit": ""})
    for e in lines:
        a = e.activity
        by_facility[a.facility or "(enterprise)"].append(e)
        by_process[a.process or "(enterprise)"].append(e)
        by_month[a.period.strftime("%Y-%m")].append(e)
        if a.category == "production" and _is_mass(a.unit):  # products by weight: clinker, cement, steel…
            output[a.material]["quantity"] += convert(a.quantity, a.unit, "t")
            output[a.material]["unit"] = "t"
    enterprise = _totals(lines)
    intensity = {}
    for material, out in output.items():
        if out["quantity"] > 0:
            intensity[material] = {
                "output": round(out["quantity"], 3), "unit": out["unit"],
                "total_per_unit": round(enterprise["total"] / out["quantity"], 6),
                "direct_per_unit": round(enterprise["total_direct_only"] / out["quantity"], 6)}
    return {"enterprise": enterprise,
            "processes": {k: _totals(v) for k, v in sorted(by_process.items())},
            "facilities": {k: _totals(v) for k, v in sorted(by_facility.items())},
            "months": {k: _totals(v) for k, v in sorted(by_month.items())},
            "intensity": intensity}
