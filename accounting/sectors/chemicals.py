"""Chemicals (GB/T 32151.10): N2O from nitric and adipic acid, after abatement; feedstock carbon is
handled by the carbon balance. The N2O generation factor and abatement are measured values."""

from __future__ import annotations

from accounting.errors import AccountingError
from accounting.factors import Library
from accounting.inventory import Activity, Emission, Options, gwp, register, used
from accounting.units import amount


def _n2o(a: Activity, lib: Library, opt: Options) -> Emission:
    """E = output × EF_N2O (kg/t) × (1 − abatement) × GWP_N2O / 1000."""
    tonnes = amount(a.quantity, a.unit, "t", a.material)  # the unit first: a wrong kind is named
    try:
        ef, abated = lib.get("ef_n2o", a.material, a.period), lib.get("n2o_abatement", a.material, a.period)
    except AccountingError:
        raise AccountingError("measurement_missing", f"缺少 {a.material} 的 N2O 生成因子或去除率实测值",
                              f"Missing the measured N2O factor or abatement of {a.material}", field="ef_n2o") from None
    g = gwp(lib, "N2O", a.period, opt)
    share = abated.factor.value_in("fraction")
    per_t = ef.factor.value_in("kg/t")  # kept in the unit it was recorded in
    tco2 = tonnes * per_t * (1 - share) * g.factor.value / 1000
    return Emission(a, tco2, "direct", f"{tonnes:,.3f} t × {per_t:g} kg N2O/t × (1 − {share:g}) × "
                                       f"{g.factor.value:g} / 1000 = {tco2:,.3f} tCO2e", [used(ef), used(abated), used(g)])


register("production", "nitric_acid")(_n2o)
register("production", "adipic_acid")(_n2o)
