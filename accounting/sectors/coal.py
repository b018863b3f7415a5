"""Coal mining: methane from mine gas vented or flared. Methane's density at 0 °C and 101.325 kPa is
0.717 kg/Nm3 (a physical constant, not a default); volumes are what the gas-drainage meters read."""

from __future__ import annotations

from accounting.factors import Library
from accounting.inventory import Activity, Emission, Options, gwp, register, used
from accounting.units import amount

CH4_KG_PER_NM3 = 0.717


@register("process", "coal_mine_methane")
def mine_methane(a: Activity, lib: Library, opt: Options) -> Emission:
    """E = V (Nm3) × 0.717 kg/Nm3 / 1000 × GWP_CH4."""
    g = gwp(lib, "CH4", a.period, opt)
    volume = amount(a.quantity, a.unit, "Nm3", a.material)
    tco2 = volume * CH4_KG_PER_NM3 / 1000 * g.factor.value
    return Emission(a, tco2, "direct", f"{volume:,.1f} Nm3 CH4 × {CH4_KG_PER_NM3} kg/Nm3 / 1000 × {g.factor.value:g} "
                                       f"= {tco2:,.3f} tCO2e", [used(g)])
