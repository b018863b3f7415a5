"""Totals per level (enterprise, process, facility, month) and intensity per unit of product,
reported with and without indirect emissions as GB/T 32150 asks."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

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
    "purchased_electricity": "the purchased-electricity part of indirect",
    "direct_and_purchased_electricity": "direct + recovered + purchased electricity (the power sector's ETS figure "
                                        "until data year 2022)",
}


def _finish(sums: list[float]) -> dict[str, float]:
    """Each kind, the total and the total without indirect emissions, to the kilogram. Spelt out, not looped: a
    roll-up finishes thousands of these; a zero stays itself, without round's cost."""
    direct, indirect, exported, recovered, allocated = sums
    total = direct + indirect + exported + recovered  # SUMMED
    direct_only = direct + recovered
    return {"direct": round(direct, 3) if direct else direct, "indirect": round(indirect, 3) if indirect else indirect,
            "exported": round(exported, 3) if exported else exported,
            "recovered": round(recovered, 3) if recovered else recovered,
            "allocated": round(allocated, 3) if allocated else allocated, "total": round(total, 3) if total else total,
            "total_direct_only": round(direct_only, 3) if direct_only else direct_only}


def round3(values: np.ndarray) -> np.ndarray:
    """``round(x, 3)`` of each, to the last bit, at numpy's speed: the nearest integer to x × 1000 (one rounding),
    over 1000 (correctly rounded), is Python's correctly rounded result whenever x × 1000 is further from a half than
    that one rounding can move it; the few that are not (ties, huge, infinite, NaN) go through ``round`` itself."""
    with np.errstate(over="ignore", invalid="ignore"):  # the infinite and huge are among the few done by ``round``
        scaled = values * 1000.0
        out = np.rint(scaled) / 1000.0
        near_half = ~(np.abs(scaled - np.floor(scaled) - 0.5) > 2 * np.abs(np.spacing(scaled)))
    for i in np.flatnonzero(near_half).tolist():
        out.flat[i] = round(float(values.flat[i]), 3)
    return out


def finish_many(sums: np.ndarray) -> list[dict[str, float]]:
    """``_finish`` of each row of an (n, 5) array of sums, at once: the same additions in the same order, and
    ``round3`` (which keeps a zero itself)."""
    direct, indirect, exported, recovered = sums[:, 0], sums[:, 1], sums[:, 2], sums[:, 3]
    figures = np.column_stack((sums, direct + indirect + exported + recovered, direct + recovered))
    return [{"direct": a, "indirect": b, "exported": c, "recovered": d, "allocated": e, "total": f,  # as _finish
             "total_direct_only": g} for a, b, c, d, e, f, g in round3(figures).tolist()]  # a display: no zip


HEAT_OUTPUTS = ("heat_supplied",)  # energy counted per GJ, as heat is; electricity per MWh


def _per_output_unit(unit: str, heat: bool = False) -> tuple[str, float] | None:
    """("t", factor) for a product by weight, ("MWh", factor) for electricity, ("GJ", factor) for heat supplied;
    None for anything else."""
    for base in ("t", "GJ" if heat else "MWh"):
        try:
            return base, convert(1, unit, base)
        except ValueError:
            continue
    return None


class Rollup:
    """Sums each kind into its enterprise, process, facility and month, and output per product, fed line by line
    from a run's lines. The quick totals of many enterprise-years (``workflows.accounting.totals``) sum the same
    with numpy and finish them with the same ``result``, so both paths give the same totals."""

    def __init__(self) -> None:
        self.enterprise = [0.0] * len(KINDS)
        self.levels: dict[str, defaultdict[str, list[float]]] = {
            name: defaultdict(lambda: [0.0] * len(KINDS)) for name in ("processes", "facilities", "months")}
        self.output: dict[str, float] = defaultdict(float)
        # each process's and facility's total and each product's output per month: what a comparison of a part
        # year with the same months of another reads (``accounting.like_for_like``)
        self.by_month: dict[str, defaultdict[str, defaultdict[str, float]]] = {
            name: defaultdict(lambda: defaultdict(float)) for name in ("processes", "facilities", "output")}
        self.units: dict[str, str] = {}
        self.electricity = 0.0  # purchased electricity's tCO2: what the power sector's ETS counted until 2022
        self._per_unit: dict[tuple[str, bool], tuple[str, float] | None] = {}

    def add(self, slot: int, tco2: float, process: str | None, facility: str | None, month: str) -> None:
        """``slot`` is the kind's place in KINDS; ``month`` is YYYY-MM."""
        self.enterprise[slot] += tco2
        self.levels["processes"][process or "(enterprise)"][slot] += tco2
        self.levels["facilities"][facility or "(enterprise)"][slot] += tco2
        self.levels["months"][month][slot] += tco2
        if slot < len(SUMMED):  # the allocation is shown per place but never part of a total
            self.by_month["processes"][process or "(enterprise)"][month] += tco2
            self.by_month["facilities"][facility or "(enterprise)"][month] += tco2

    def add_purchased_electricity(self, tco2: float) -> None:
        self.electricity += tco2

    def add_output(self, material: str, amount: float, unit: str, month: str | None = None) -> None:
        if not is_output(material):  # not kiln dust: a residue, not a product
            return
        key = (unit, material in HEAT_OUTPUTS)
        if key not in self._per_unit:
            self._per_unit[key] = _per_output_unit(*key)
        conversion = self._per_unit[key]
        if conversion:  # products by weight (clinker, cement, steel…) or by energy (power: per MWh)
            base, factor = conversion
            self.output[material] += amount * factor
            self.units[material] = base
            if month:
                self.by_month["output"][material][month] += amount * factor

    def result(self) -> dict:
        """The rounded figures."""
        levels = {name: {k: _finish(v) for k, v in sorted(level.items())} for name, level in self.levels.items()}
        by_month = {name: {k: {m: round(x, 3) if x else x for m, x in sorted(v.items())}
                           for k, v in sorted(pool.items())} for name, pool in self.by_month.items()}
        return result(_finish(self.enterprise), levels, by_month, self.electricity, self.output, self.units)


def result(totals: dict[str, float], levels: dict[str, dict], by_month: dict[str, dict], electricity: float,
           output: dict[str, float], units: dict[str, str]) -> dict:
    """``Rollup.result`` from figures already finished: the quick totals give those of many enterprise-years at
    once, and build no roll-up for each."""
    totals["purchased_electricity"] = round(electricity, 3)
    totals["direct_and_purchased_electricity"] = round(totals["total_direct_only"] + electricity, 3)
    intensity = {material: {"output": round(q, 3), "unit": units[material],
                            "total_per_unit": round(totals["total"] / q, 6),
                            "direct_per_unit": round(totals["total_direct_only"] / q, 6)}
                 for material, q in output.items() if q > 0}
    return {"conventions": CONVENTIONS, "enterprise": totals, **levels, "intensity": intensity, "by_month": by_month}


SLOT = {k: i for i, k in enumerate(KINDS)}


def rollup(lines: list[Emission]) -> dict:
    """One pass over a run's lines."""
    sums = Rollup()
    months: dict[object, str] = {}  # each period's YYYY-MM, made once, not once per line
    for e in lines:
        a = e.activity
        month = months.get(a.period) or months.setdefault(a.period, a.period.strftime("%Y-%m"))
        i = SLOT.get(e.kind)
        if i is not None:
            sums.add(i, e.tco2, a.process, a.facility, month)
        if a.category == "electricity_purchased":
            sums.add_purchased_electricity(e.tco2)
        if a.category == "production":
            sums.add_output(a.material, a.quantity, a.unit, month)
    return sums.result()
