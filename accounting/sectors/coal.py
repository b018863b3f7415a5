"""Coal mining (GB/T 32151.11): methane from mine gas, by what became of it. Vented methane is emitted whole;
flared methane is destroyed at the flare's efficiency — the destroyed share is credited (not emitted as CH4) and
emits CO2 instead (44/16 per tonne of CH4), the slip is emitted as CH4; utilised methane is destroyed where it is
burnt, so nothing is emitted here (its CO2 is counted where it is burnt, as fuel). Post-mining emissions
(methane released from coal after mining, in handling and storage) are the raw coal mined × a factor per tonne
by mine type. Methane's density at 0 °C and 101.325 kPa is 0.717 kg/Nm3 (a physical constant, not a default);
volumes are what the gas-drainage meters read; the flare's efficiency and the post-mining factors are defaults
of ``data/coal_defaults.tsv`` unless the mine measured its own."""

from __future__ import annotations

from accounting.factors import Library
from accounting.inventory import Activity, Emission, Options, gwp, register, used
from accounting.units import amount, quantity

CH4_KG_PER_NM3 = 0.717
CH4_TO_CO2 = 44 / 16


def _tonnes_ch4(a: Activity) -> tuple[float, float]:
    """(Nm3, t) of methane in the row: a volume the meters read, or a mass."""
    if quantity(a.quantity, a.unit).check("[mass]"):
        tonnes = amount(a.quantity, a.unit, "t", a.material)
        return tonnes * 1000 / CH4_KG_PER_NM3, tonnes
    volume = amount(a.quantity, a.unit, "Nm3", a.material)  # anything but a mass or a volume is named, not a traceback
    return volume, volume * CH4_KG_PER_NM3 / 1000


@register("process", "coal_mine_methane")
def mine_methane(a: Activity, lib: Library, opt: Options) -> Emission:
    """Vented: E = V (Nm3) × 0.717 kg/Nm3 / 1000 × GWP_CH4."""
    g = gwp(lib, "CH4", a.period, opt)
    volume, tonnes = _tonnes_ch4(a)
    tco2 = tonnes * g.factor.value
    return Emission(a, tco2, "direct", f"vented {volume:,.1f} Nm3 CH4 × {CH4_KG_PER_NM3} kg/Nm3 / 1000 × "
                                       f"{g.factor.value:g} = {tco2:,.3f} tCO2e", [used(g)])


@register("process", "coal_mine_methane_flared")
def flared_methane(a: Activity, lib: Library, opt: Options) -> Emission:
    """Flared: CO2 = t CH4 × η × 44/16; CH4 slip = t CH4 × (1 − η) × GWP_CH4; the destroyed share t CH4 × η is
    credited (it is not emitted as methane)."""
    g = gwp(lib, "CH4", a.period, opt)
    eta = lib.get("flare_destruction", "coal_mine_methane_flared", a.period)
    share = eta.factor.value_in("fraction")
    volume, tonnes = _tonnes_ch4(a)
    co2 = tonnes * share * CH4_TO_CO2
    slip = tonnes * (1 - share) * g.factor.value
    tco2 = co2 + slip
    return Emission(a, tco2, "direct", f"flared {volume:,.1f} Nm3 = {tonnes:,.4f} t CH4: destroyed {share:g} → "
                                       f"{tonnes * share:,.4f} t × 44/16 = {co2:,.3f} tCO2 (credited as CH4); "
                                       f"slip {1 - share:g} × {g.factor.value:g} = {slip:,.3f} tCO2e; "
                                       f"= {tco2:,.3f} tCO2e", [used(eta), used(g)])


@register("process", "coal_mine_methane_utilised")
def utilised_methane(a: Activity, lib: Library, opt: Options) -> Emission:
    """Utilised (power, heating, chemical feedstock): destroyed, so credited whole here."""
    volume, tonnes = _tonnes_ch4(a)
    return Emission(a, 0.0, "direct", f"utilised {volume:,.1f} Nm3 = {tonnes:,.4f} t CH4: destroyed where it is used, "
                                      "not emitted as CH4 (its CO2 is counted where it is burnt) = 0 tCO2e", [])


@register("process", "raw_coal_underground")
@register("process", "raw_coal_surface")
def post_mining(a: Activity, lib: Library, opt: Options) -> Emission:
    """Post-mining: E = raw coal (t) × EF (Nm3 CH4/t) × 0.717 / 1000 × GWP_CH4."""
    g = gwp(lib, "CH4", a.period, opt)
    ef = lib.get("post_mining_ef", a.material, a.period)
    tonnes = amount(a.quantity, a.unit, "t", a.material)
    per_t = ef.factor.value_in("Nm3/t")
    tco2 = tonnes * per_t * CH4_KG_PER_NM3 / 1000 * g.factor.value
    return Emission(a, tco2, "direct", f"post-mining {tonnes:,.3f} t raw coal × {per_t:g} Nm3 CH4/t × "
                                       f"{CH4_KG_PER_NM3} / 1000 × {g.factor.value:g} = {tco2:,.3f} tCO2e",
                    [used(ef), used(g)])
