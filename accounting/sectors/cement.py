"""Cement (GB/T 32151.8): clinker calcination from the clinker's measured CaO and MgO, and the
organic carbon in raw meal. The composition is the plant's own laboratory data: there is no safe
default, so a missing value is an error that says which one to measure."""

from __future__ import annotations

from accounting.errors import AccountingError
from accounting.factors import Library
from accounting.inventory import C_TO_CO2, Activity, Emission, Options, register, used
from accounting.units import quantity

CAO_TO_CO2 = 44 / 56
MGO_TO_CO2 = 44 / 40


def _measured(lib: Library, parameter: str, a: Activity, zh: str):
    try:
        chosen = lib.get(parameter, a.material, a.period)
    except AccountingError:
        raise AccountingError("measurement_missing", f"缺少{a.period:%Y-%m}熟料/生料的实测值：{zh}（{parameter}）",
                              f"Missing the plant's measured {parameter} for {a.period:%Y-%m}", field=parameter) from None
    return chosen, chosen.factor.value_in("fraction")


@register("production", "clinker")
def calcination(a: Activity, lib: Library, opt: Options) -> Emission:
    """E = Q × [(CaO − CaO_nc) × 44/56 + (MgO − MgO_nc) × 44/40]."""
    cao, cao_v = _measured(lib, "cao", a, "熟料 CaO 含量")
    cao_nc, cao_nc_v = _measured(lib, "cao_noncarbonate", a, "非碳酸盐 CaO")
    mgo, mgo_v = _measured(lib, "mgo", a, "熟料 MgO 含量")
    mgo_nc, mgo_nc_v = _measured(lib, "mgo_noncarbonate", a, "非碳酸盐 MgO")
    tonnes = quantity(a.quantity, a.unit).to("tonne").magnitude
    ef = (cao_v - cao_nc_v) * CAO_TO_CO2 + (mgo_v - mgo_nc_v) * MGO_TO_CO2
    tco2 = tonnes * ef
    formula = (f"{tonnes:,.3f} t clinker × [({cao_v:g} − {cao_nc_v:g}) × 44/56 + ({mgo_v:g} − {mgo_nc_v:g}) × 44/40]"
               f" = {tonnes:,.3f} × {ef:.4f} = {tco2:,.3f} tCO2")
    return Emission(a, tco2, "direct", formula, [used(c) for c in (cao, cao_nc, mgo, mgo_nc)])


@register("process", "raw_meal")
def raw_meal_organic_carbon(a: Activity, lib: Library, opt: Options) -> Emission:
    """E = Q_raw meal × TOC × 44/12."""
    toc, toc_v = _measured(lib, "toc", a, "生料有机碳含量")
    tonnes = quantity(a.quantity, a.unit).to("tonne").magnitude
    tco2 = tonnes * toc_v * C_TO_CO2
    return Emission(a, tco2, "direct", f"{tonnes:,.3f} t raw meal × {toc_v:g} × 44/12 = {tco2:,.3f} tCO2", [used(toc)])
