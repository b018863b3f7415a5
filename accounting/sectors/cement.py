"""Cement (GB/T 32151.8): calcination of clinker and of the dust that leaves the kiln (kiln-exhaust and
bypass dust) from the clinker's measured CaO and MgO, and the
organic carbon in raw meal. The composition is the plant's own laboratory data: there is no safe
default, so a missing value is an error that says which one to measure."""

from __future__ import annotations

from dataclasses import replace

from accounting.errors import AccountingError
from accounting.factors import Library
from accounting.inventory import C_TO_CO2, Activity, Emission, Options, register, used
from accounting.units import amount

CAO_TO_CO2 = 44 / 56
MGO_TO_CO2 = 44 / 40


def _measured(lib: Library, parameter: str, a: Activity, zh: str):
    try:
        chosen = lib.get(parameter, a.material, a.period)
    except AccountingError:
        raise AccountingError("measurement_missing", f"缺少{a.period:%Y-%m}熟料/生料的实测值：{zh}（{parameter}）",
                              f"Missing the plant's measured {parameter} for {a.period:%Y-%m}", field=parameter) from None
    return chosen, chosen.factor.value_in("fraction")


def _calcination_factor(lib: Library, a: Activity):
    """tCO2 per tonne of clinker, from the clinker's own composition (which kiln dust shares)."""
    clinker = replace(a, material="clinker")
    cao, cao_v = _measured(lib, "cao", clinker, "熟料 CaO 含量")
    cao_nc, cao_nc_v = _measured(lib, "cao_noncarbonate", clinker, "非碳酸盐 CaO")
    mgo, mgo_v = _measured(lib, "mgo", clinker, "熟料 MgO 含量")
    mgo_nc, mgo_nc_v = _measured(lib, "mgo_noncarbonate", clinker, "非碳酸盐 MgO")
    ef = (cao_v - cao_nc_v) * CAO_TO_CO2 + (mgo_v - mgo_nc_v) * MGO_TO_CO2
    terms = f"[({cao_v:g} − {cao_nc_v:g}) × 44/56 + ({mgo_v:g} − {mgo_nc_v:g}) × 44/40]"
    return ef, terms, [used(c) for c in (cao, cao_nc, mgo, mgo_nc)]


WHAT = {"clinker": "clinker", "kiln_dust": "kiln-exhaust dust", "bypass_dust": "bypass dust"}


@register("production", "clinker")
@register("production", "kiln_dust")
@register("production", "bypass_dust")
def calcination(a: Activity, lib: Library, opt: Options) -> Emission:
    """E = (Q_clinker + Q_kiln dust + Q_bypass dust) × [(CaO − CaO_nc) × 44/56 + (MgO − MgO_nc) × 44/40]
    (GB/T 32151.8): dust that leaves the kiln system was calcined like the clinker. Each of the three is its
    own production row, so a plant that records no dust gets the clinker-only result."""
    tonnes = amount(a.quantity, a.unit, "t", a.material)  # the unit first: a wrong kind is named
    ef, terms, factors = _calcination_factor(lib, a)
    tco2 = tonnes * ef
    formula = f"{tonnes:,.3f} t of {WHAT[a.material]} × {terms} = {tonnes:,.3f} × {ef:.4f} = {tco2:,.3f} tCO2"
    return Emission(a, tco2, "direct", formula, factors)


@register("process", "raw_meal")
def raw_meal_organic_carbon(a: Activity, lib: Library, opt: Options) -> Emission:
    """E = Q_raw meal × TOC × 44/12."""
    tonnes = amount(a.quantity, a.unit, "t", a.material)  # the unit first: a wrong kind is named
    toc, toc_v = _measured(lib, "toc", a, "生料有机碳含量")
    tco2 = tonnes * toc_v * C_TO_CO2
    return Emission(a, tco2, "direct", f"{tonnes:,.3f} t of raw meal × {toc_v:g} × 44/12 = {tco2:,.3f} tCO2", [used(toc)])
