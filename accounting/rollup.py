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
    """Sums each kind into its enterprise, process, facility and month, and output per product: fed line by
    line from a run's lines, or by group sums from the database (``workflows.accounting.totals``), so both
    paths give the same totals."""

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

    def place(self, process: str | None, facility: str | None) -> Place:
        """Where a run of rows of one process and facility adds: each row then adds without looking its levels up."""
        return Place(self, process or "(enterprise)", facility or "(enterprise)")

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
        totals = _finish(self.enterprise)
        totals["purchased_electricity"] = round(self.electricity, 3)
        totals["direct_and_purchased_electricity"] = round(totals["total_direct_only"] + self.electricity, 3)
        intensity = {material: {"output": round(q, 3), "unit": self.units[material],
                                "total_per_unit": round(totals["total"] / q, 6),
                                "direct_per_unit": round(totals["total_direct_only"] / q, 6)}
                     for material, q in self.output.items() if q > 0}
        return {"conventions": CONVENTIONS, "enterprise": totals,
                **{name: {k: _finish(v) for k, v in sorted(level.items())} for name, level in self.levels.items()},
                "intensity": intensity,
                "by_month": {name: {k: {m: round(x, 3) if x else x for m, x in sorted(v.items())}
                                    for k, v in sorted(pool.items())}
                             for name, pool in self.by_month.items()}}


class Place:
    """One process and facility of a ``Rollup``: ``add`` there is ``Rollup.add``, the same sums in the same order, with
    the levels looked up once. A level is made only when a row adds to it, as ``Rollup.add`` makes it."""

    __slots__ = ("_roll", "_process", "_facility", "_sums", "_months", "_by_month")

    def __init__(self, roll: Rollup, process: str, facility: str) -> None:
        self._roll, self._process, self._facility = roll, process, facility
        self._sums = (roll.enterprise, roll.levels["processes"][process], roll.levels["facilities"][facility])
        self._months = roll.levels["months"]
        self._by_month: tuple[defaultdict[str, float], defaultdict[str, float]] | None = None

    def add(self, slot: int, tco2: float, month: str) -> None:
        enterprise, process, facility = self._sums
        enterprise[slot] += tco2
        process[slot] += tco2
        facility[slot] += tco2
        self._months[month][slot] += tco2
        if slot < len(SUMMED):
            if self._by_month is None:
                pools = self._roll.by_month
                self._by_month = (pools["processes"][self._process], pools["facilities"][self._facility])
            by_process, by_facility = self._by_month
            by_process[month] += tco2
            by_facility[month] += tco2


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
