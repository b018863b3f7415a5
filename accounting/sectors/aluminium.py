"""Aluminium smelting (GB/T 32151.4): carbon anode consumption and the PFCs of anode effects.
Anode sulfur and ash are measured values; the CF4 / C2F6 emission factors are the plant's own when it measured
them, else the standard's defaults (``data/pfc_defaults.tsv``), and the run says so."""

from __future__ import annotations

from accounting.errors import AccountingError
from accounting.factors import Library
from accounting.inventory import C_TO_CO2, Activity, Emission, Options, gwp, register, used
from accounting.units import amount


def _measured(lib: Library, parameter: str, a: Activity):
    try:
        return lib.get(parameter, a.material, a.period)
    except AccountingError:
        raise AccountingError("measurement_missing", f"缺少 {a.material} 的实测值 {parameter}",
                              f"Missing the measured {parameter} of {a.material}", field=parameter) from None


@register("process", "prebaked_anode")
def anode(a: Activity, lib: Library, opt: Options) -> Emission:
    """E = anode consumed × (1 − S − A) × 44/12."""
    tonnes = amount(a.quantity, a.unit, "t", a.material)  # the unit first: a wrong kind is named
    s, ash = _measured(lib, "sulfur", a), _measured(lib, "ash", a)
    carbon = 1 - s.factor.value_in("fraction") - ash.factor.value_in("fraction")
    tco2 = tonnes * carbon * C_TO_CO2
    return Emission(a, tco2, "direct", f"{tonnes:,.3f} t anode × (1 − S − A = {carbon:.4f}) × 44/12 = {tco2:,.3f} tCO2",
                    [used(s), used(ash)])


@register("production", "primary_aluminium")
def anode_effect_pfcs(a: Activity, lib: Library, opt: Options) -> Emission:
    """E = output × (EF_CF4 × GWP_CF4 + EF_C2F6 × GWP_C2F6) / 1000, EFs in kg per t aluminium."""
    tonnes = amount(a.quantity, a.unit, "t", a.material)  # the unit first: a wrong kind is named
    cf4, c2f6 = _measured(lib, "ef_cf4", a), _measured(lib, "ef_c2f6", a)
    g_cf4, g_c2f6 = gwp(lib, "CF4", a.period, opt), gwp(lib, "C2F6", a.period, opt)
    notes = [{"code": "pfc_default", "zh": f"{a.period:%Y-%m} 电解铝 {gas} 排放因子未实测，采用标准缺省值 {c.factor.value:g} "
              f"{c.factor.unit}（{c.factor.source('zh')}）", "en": f"{a.period:%Y-%m} primary aluminium: no measured {gas} "
              f"factor, the standard's default {c.factor.value:g} {c.factor.unit} is used ({c.factor.source('en')})"}
             for gas, c in (("CF4", cf4), ("C2F6", c2f6)) if not c.factor.measured]
    # a plant's factor is kept in the unit it was recorded in (3.1 g/t): converted here, never read as kg/t
    ef_cf4, ef_c2f6 = cf4.factor.value_in("kg/t"), c2f6.factor.value_in("kg/t")
    per_t = (ef_cf4 * g_cf4.factor.value + ef_c2f6 * g_c2f6.factor.value) / 1000
    tco2 = tonnes * per_t
    return Emission(a, tco2, "direct", f"{tonnes:,.3f} t Al × ({ef_cf4:g} kg CF4/t × {g_cf4.factor.value:g} + "
                                       f"{ef_c2f6:g} kg C2F6/t × {g_c2f6.factor.value:g}) / 1000 = {tco2:,.3f} tCO2e",
                    [used(cf4), used(c2f6), used(g_cf4), used(g_c2f6)], notes=notes)
