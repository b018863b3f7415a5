"""Carbon balance (steel GB/T 32151.5, coking GB/T 32151.13, chemical feedstocks GB/T 32151.10): carbon that
enters in fuels, reductants and raw materials and does not leave in products, by-products or waste is emitted as
CO2. Inputs count positive, outputs negative; the sum over a boundary is the emission. Solids and liquids go by
mass with their carbon fraction; gases (coke-oven gas, blast-furnace gas…) by volume with their carbon per
volume (tC per 10^4 Nm3). Carbon contents are the plant's own analyses (no safe default), named when missing.
A month whose outputs carry more carbon than its inputs is a data error (an output in the wrong unit, an input
not entered), never a negative emission: ``check`` refuses it with the row to look at."""

from __future__ import annotations

from collections import defaultdict

from accounting.errors import AccountingError
from accounting.factors import Library
from accounting.inventory import C_TO_CO2, Activity, Emission, Options, register, used
from accounting.units import amount, fitting, quantity

PER_VOLUME = "tC/(10^4 Nm3)"


def _missing(a: Activity, parameter: str, zh: str, en: str) -> AccountingError:
    return AccountingError("measurement_missing", f"缺少 {a.material} 的{zh}实测值（{parameter}）",
                           f"Missing the measured {en} of {a.material} ({parameter})", field=parameter)


def _carbon(a: Activity, lib: Library, sign: int) -> Emission:
    measured = quantity(a.quantity, a.unit)
    word = "投入 in" if sign > 0 else "产出 out"
    minus = "−" if sign < 0 else ""
    if measured.check("[length] ** 3"):  # a gas by volume: carbon per volume
        try:
            chosen = lib.get("carbon_per_volume", a.material, a.period)
        except AccountingError:
            raise _missing(a, "carbon_per_volume", "单位体积含碳量", "carbon per volume") from None
        volume = measured.to("wan_Nm3").magnitude
        per = chosen.factor.value_in(PER_VOLUME)
        tco2 = sign * volume * per * C_TO_CO2
        return Emission(a, tco2, "direct", f"{word}: {minus}{volume:,.4f} × 10^4 Nm3 × {per:g} tC/10^4 Nm3 × 44/12 = "
                                           f"{tco2:,.3f} tCO2", [used(chosen)])
    if not measured.check("[mass]"):  # the unit first: a wrong kind is named with the units that fit
        fit = fitting("t") + (fitting("wan_Nm3") if _gas(a, lib) else [])
        raise AccountingError("unit_mismatch", f"{a.material} 的单位「{a.unit}」不适用：碳平衡按质量"
                              f"{'或（气体）按体积' if len(fit) > 3 else ''}计，可用：{'、'.join(fit)}",
                              f"{a.material}: unit {a.unit!r} does not fit; a carbon balance counts by mass"
                              f"{' or, for a gas, by volume' if len(fit) > 3 else ''}: use {', '.join(fit)}",
                              field="unit")
    tonnes = amount(a.quantity, a.unit, "t", a.material)
    try:
        chosen = lib.get("carbon_fraction", a.material, a.period)
    except AccountingError:
        raise _missing(a, "carbon_fraction", "含碳量", "carbon fraction") from None
    share = chosen.factor.value_in("fraction")
    tco2 = sign * tonnes * share * C_TO_CO2
    return Emission(a, tco2, "direct", f"{word}: {minus}{tonnes:,.3f} t × {share:g} C × 44/12 = {tco2:,.3f} tCO2",
                    [used(chosen)])


def _gas(a: Activity, lib: Library) -> bool:
    """Whether the material is counted by volume: it has a carbon per volume, or its heat value is per volume."""
    try:
        lib.get("carbon_per_volume", a.material, a.period)
        return True
    except AccountingError:
        pass
    try:
        return "Nm3" in lib.get("ncv", a.material, a.period).factor.unit
    except AccountingError:
        return False


@register("carbon_input")
def carbon_input(a: Activity, lib: Library, opt: Options) -> Emission:
    return _carbon(a, lib, 1)


@register("carbon_output")
def carbon_output(a: Activity, lib: Library, opt: Options) -> Emission:
    return _carbon(a, lib, -1)


BALANCE = ("carbon_input", "carbon_output")


def carbon(lines: list[Emission]) -> dict[tuple[str, str | None], tuple[float, float]]:
    """Each month's (YYYY-MM) and facility's carbon in and carbon out, in t of carbon."""
    found: dict[tuple[str, str | None], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for e in lines:
        a = e.activity
        if a.category in BALANCE:
            found[(f"{a.period:%Y-%m}", a.facility)][a.category == "carbon_output"] += abs(e.tco2) / C_TO_CO2
    return {key: (sums[0], sums[1]) for key, sums in found.items()}


def check(lines: list[Emission]) -> None:
    """Refuse a month (per facility) whose balance outputs carry more carbon than its inputs, naming the largest
    output's row and what to check."""
    net: dict[tuple[str, str | None], float] = defaultdict(float)
    largest: dict[tuple[str, str | None], Emission] = {}
    for e in lines:
        a = e.activity
        if a.category not in ("carbon_input", "carbon_output"):
            continue
        key = (f"{a.period:%Y-%m}", a.facility)
        net[key] += e.tco2
        if a.category == "carbon_output" and (key not in largest or e.tco2 < largest[key].tco2):
            largest[key] = e
    for key, tco2 in sorted(net.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if tco2 < -1e-6 and key in largest:
            row = largest[key].activity
            month, facility = key
            where = f"{month}{' ' + facility if facility else ''}"
            carbon = -tco2 / C_TO_CO2
            raise AccountingError(
                "balance_negative", f"{where} 碳平衡的产出比投入多含 {carbon:,.3f} t 碳（{row.ref}，{row.material} 的数量列"
                f" {row.quantity:g} {row.unit}）：请核对该产出的数量和单位、其含碳量，或是否漏填了本月的投入",
                f"{where}: the carbon balance's outputs carry {carbon:,.3f} t more carbon than its inputs ({row.ref}, "
                f"{row.material}, quantity column {row.quantity:g} {row.unit}): check that output's quantity and unit, "
                "its carbon content, or whether an input of the month is missing", field="quantity")
