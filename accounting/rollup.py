"""Totals per level (enterprise, process, facility, month) and intensity per unit of product,
reported with and without indirect emissions as GB/T 32150 asks."""

from __future__ import annotations

from collections import defaultdict

from accounting.inventory import Emission
from accounting.products import is_output
from accounting.units import convert

SUMMED = ("direct", "indirect", "exported", "recovered")


KINDS = (*SUMMED, "allocated")
# what the signs mean, carried in every run's JSON so a reader of the API or an export needs no other document
CONVENTIONS = {
    "unit": "tCO2e",
    "direct": "fuel combustion and process emissions inside the boundary (GB/T 32150)",
    "indirect": "purchased electricity and heat",
    "exported": "electricity and heat supplied to others: a negative figure, deducted from the total (GB/T 32150)",
    "recovered": "CO2 recovered and used or stored: a negative figure, deducted from the total",
    "allocated": "a facility's share of the purchased electricity by its sub-meter: shown per facility and process, "
                 "never added to the enterprise total again",
    "total": "direct + indirect + exported + recovered",
    "total_direct_only": "direct + recovered (the figure without purchased electricity and heat)",
}


def _finish(sums: list[float]) -> dict[str, float]:
    out = dict(zip(KINDS, sums, strict=True))
    out["total"] = sum(out[k] for k in SUMMED)
    out["total_direct_only"] = out["direct"] + out["recovered"]
    return {k: round(v, 3) for k, v in out.items()}


def _per_output_unit(unit: str) -> tuple[str, float] | None:
    """("t", factor) for a product by weight, ("MWh", factor) for electricity; None for anything else."""
    for base in ("t", "MWh"):
        try:
            return base, convert(1, unit, base)
        except ValueError:
            continue
    return None


def rollup(lines: list[Emission]) -> dict:
    """One pass over the lines, summing each kind into its enterprise, process, facility and month."""
    slot = {k: i for i, k in enumerate(KINDS)}
    enterprise = [0.0] * len(KINDS)
    levels: dict[str, defaultdict[str, list[float]]] = {"processes": defaultdict(lambda: [0.0] * len(KINDS)),
              "facilities": defaultdict(lambda: [0.0] * len(KINDS)),
              "months": defaultdict(lambda: [0.0] * len(KINDS))}
    output: dict[str, float] = defaultdict(float)
    units: dict[str, str] = {}
    per_unit: dict[str, tuple[str, float] | None] = {}
    for e in lines:
        a = e.activity
        i = slot.get(e.kind)
        if i is not None:
            enterprise[i] += e.tco2
            levels["processes"][a.process or "(enterprise)"][i] += e.tco2
            levels["facilities"][a.facility or "(enterprise)"][i] += e.tco2
            levels["months"][a.period.strftime("%Y-%m")][i] += e.tco2
        if a.category == "production" and is_output(a.material):  # not kiln dust: a residue, not a product
            if a.unit not in per_unit:
                per_unit[a.unit] = _per_output_unit(a.unit)
            conversion = per_unit[a.unit]
            if conversion:  # products by weight (clinker, cement, steel…) or by energy (power: per MWh)
                base, factor = conversion
                output[a.material] += a.quantity * factor
                units[a.material] = base
    totals = _finish(enterprise)
    intensity = {material: {"output": round(q, 3), "unit": units[material],
                            "total_per_unit": round(totals["total"] / q, 6),
                            "direct_per_unit": round(totals["total_direct_only"] / q, 6)}
                 for material, q in output.items() if q > 0}
    return {"conventions": CONVENTIONS, "enterprise": totals,
            **{name: {k: _finish(v) for k, v in sorted(level.items())} for name, level in levels.items()},
            "intensity": intensity}
