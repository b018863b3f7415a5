"""Carbon balance (steel GB/T 32151.5, coking, chemical feedstocks GB/T 32151.10): carbon that enters
in fuels, reductants and raw materials and does not leave in products, by-products or waste is
emitted as CO2. Inputs count positive, outputs negative; the sum over a boundary is the emission.
Carbon fractions are the plant's own analyses (no safe default), named when missing."""

from __future__ import annotations

from accounting.errors import AccountingError
from accounting.factors import Library
from accounting.inventory import C_TO_CO2, Activity, Emission, Options, register, used
from accounting.units import amount


def _carbon(a: Activity, lib: Library, sign: int) -> Emission:
    tonnes = amount(a.quantity, a.unit, "t", a.material)  # the unit first: a wrong kind is named
    try:
        chosen = lib.get("carbon_fraction", a.material, a.period)
    except AccountingError:
        raise AccountingError("measurement_missing", f"缺少 {a.material} 的含碳量实测值（carbon_fraction）",
                              f"Missing the measured carbon fraction of {a.material}", field="carbon_fraction") from None
    share = chosen.factor.value_in("fraction")
    tco2 = sign * tonnes * share * C_TO_CO2
    word = "投入 in" if sign > 0 else "产出 out"
    return Emission(a, tco2, "direct", f"{word}: {'−' if sign < 0 else ''}{tonnes:,.3f} t × {share:g} C × 44/12 = "
                                       f"{tco2:,.3f} tCO2", [used(chosen)])


@register("carbon_input")
def carbon_input(a: Activity, lib: Library, opt: Options) -> Emission:
    return _carbon(a, lib, 1)


@register("carbon_output")
def carbon_output(a: Activity, lib: Library, opt: Options) -> Emission:
    return _carbon(a, lib, -1)
