"""Issue 31, the sector parts of GB/T 32151 against hand arithmetic on a plant's month of figures: power (the MEE
power-generation guideline's monthly coal), coal mining's methane, coking's gases in the carbon balance, aluminium's
PFC defaults, and the ETS figure each sector's data year is due on."""

from __future__ import annotations

from datetime import date

import pytest

from accounting import ets_scope
from accounting.errors import AccountingError
from accounting.factors import Factor, default_library
from accounting.inventory import Activity, Options, calculate
from accounting.rollup import rollup
from accounting.sectors import balance, power

LIB = default_library()
JUNE = date(2025, 6, 1)
POWER = Options(sector="power")
C = 44 / 12


def row(category, material, qty, unit, period=JUNE, ref="r1"):
    return Activity(ref=ref, period=period, category=category, material=material, quantity=qty, unit=unit,
                    facility="F-B1", process="P-GEN")


def lab(parameter, material, value, unit, day=JUNE, batch=None, batch_unit="t", valid_to=None):
    return Factor(parameter, material, value, unit, "lab", valid_from=day, valid_to=valid_to, measured=True,
                  evidence="入炉煤化验 2025-06", batch=batch, batch_unit=batch_unit)


# --- power: a 2 × 660 MW unit's June ---------------------------------------------------------------------------

JUNE_BATCHES = [lab("ncv", "bituminous_coal", 20.50, "GJ/t", date(2025, 6, 9), 60_000),
                lab("ncv", "bituminous_coal", 22.10, "GJ/t", date(2025, 6, 24), 90_000),
                lab("carbon_element", "bituminous_coal", 0.5200, "tC/t", date(2025, 6, 9), 60_000),
                lab("carbon_element", "bituminous_coal", 0.5700, "tC/t", date(2025, 6, 24), 90_000)]


def test_power_coal_is_weighted_over_the_months_batches_by_quantity_with_element_carbon():
    lib = LIB.with_overrides(JUNE_BATCHES)
    [e] = calculate([row("fuel_combustion", "bituminous_coal", 150_000, "t")], lib, POWER)
    ncv = (60_000 * 20.50 + 90_000 * 22.10) / 150_000  # 21.46 GJ/t
    carbon = (60_000 * 0.52 + 90_000 * 0.57) / 150_000  # 0.55 tC/t
    assert e.tco2 == pytest.approx(150_000 * ncv * (carbon / ncv) * 0.99 * C)  # = 299,475 tCO2
    assert e.tco2 == pytest.approx(299_475.0)
    assert "element carbon" in e.per_unit.basis and "OF 0.99" in e.per_unit.basis and not e.notes
    # the same coal at a cement plant is the general calculation: the library's default carbon per heat and 93 %
    [cement] = calculate([row("fuel_combustion", "bituminous_coal", 150_000, "t")], lib)
    # (whose measurements count from their own day on, so a month's row dated the 1st reads the default NCV)
    assert cement.tco2 == pytest.approx(150_000 * 19.57 * 0.0261 * 0.93 * C)


def test_power_carbon_per_heat_is_weighted_too_and_percent_element_carbon_converts():
    lib = LIB.with_overrides([lab("ncv", "anthracite", 24.0, "GJ/t", batch=10_000),
                              lab("carbon_content", "anthracite", 0.0270, "tC/GJ", batch=10_000),
                              lab("ncv", "anthracite", 26.0, "GJ/t", date(2025, 6, 20), batch=30_000),
                              lab("carbon_content", "anthracite", 0.0280, "tC/GJ", date(2025, 6, 20), batch=30_000)])
    [e] = calculate([row("fuel_combustion", "anthracite", 40_000, "t")], lib, POWER)
    assert e.tco2 == pytest.approx(40_000 * 25.5 * 0.02775 * 0.99 * C)
    [pct] = calculate([row("fuel_combustion", "anthracite", 1, "t")],
                      LIB.with_overrides([lab("ncv", "anthracite", 25.0, "GJ/t"),
                                          lab("carbon_element", "anthracite", 68.0, "%")]), POWER)
    assert pct.tco2 == pytest.approx(0.68 * 0.99 * C)


def test_a_month_without_a_carbon_measurement_takes_the_guidelines_high_default_and_says_so():
    lib = LIB.with_overrides(JUNE_BATCHES)
    july = date(2025, 7, 1)
    [e] = calculate([row("fuel_combustion", "bituminous_coal", 140_000, "t", july)], lib, POWER)
    # no July measurement: June's carbon is not carried over (the guideline's default is); the NCV is the latest
    # determination, and the run says so
    assert e.tco2 == pytest.approx(140_000 * 22.10 * 0.03085 * 0.99 * C)
    codes = {n["code"]: n for n in e.notes}
    assert set(codes) == {"ncv_unmeasured", "carbon_default"}
    note = codes["carbon_default"]
    assert "0.03085 tC/GJ" in note["en"] and "2025-07" in note["en"] and "2022-06-08" in note["zh"]
    assert "未实测元素碳含量" in note["zh"] and "rule" in note["en"]
    [old] = calculate([row("fuel_combustion", "bituminous_coal", 1, "t", date(2020, 3, 1))], LIB, POWER)
    assert old.tco2 == pytest.approx(19.57 * 0.03356 * 0.99 * C)  # the first guideline's value for 2019–2020 data
    assert any("环办气候〔2021〕9号" in f["source"] for f in old.factors)


def test_batches_without_their_quantity_cannot_be_weighted_and_say_what_to_record():
    lib = LIB.with_overrides([lab("ncv", "bituminous_coal", 20.5, "GJ/t"),
                              lab("ncv", "bituminous_coal", 22.1, "GJ/t", date(2025, 6, 20))])
    with pytest.raises(AccountingError) as err:
        calculate([row("fuel_combustion", "bituminous_coal", 1000, "t")], lib, POWER)
    assert err.value.code == "batch_quantity" and "2025-06" in err.value.en and "批次量" in err.value.zh


def test_a_measured_oxidation_rate_replaces_the_guidelines_99_percent():
    lib = LIB.with_overrides([*JUNE_BATCHES, lab("oxidation", "bituminous_coal", 0.985, "fraction")])
    [e] = calculate([row("fuel_combustion", "bituminous_coal", 150_000, "t")], lib, POWER)
    assert e.tco2 == pytest.approx(150_000 * 0.55 * 0.985 * C)


def test_generation_supply_and_heat_give_intensity_per_mwh_generated_and_supplied():
    lib = LIB.with_overrides([*JUNE_BATCHES, lab("purity", "calcium_carbonate", 0.92, "fraction")])
    lines = calculate([row("fuel_combustion", "bituminous_coal", 150_000, "t"),
                       row("process", "calcium_carbonate", 3_000, "t"),  # flue-gas desulfurisation limestone
                       row("electricity_purchased", "grid_electricity", 1_200, "MWh"),
                       row("production", "electricity", 340_000, "MWh"),
                       row("production", "electricity_supplied", 318_000, "MWh"),
                       row("production", "heat_supplied", 52_000, "GJ")], lib, POWER)
    desulf = 3_000 * 0.92 * 0.440
    assert lines[1].tco2 == pytest.approx(desulf)
    t = rollup(lines)
    direct = 299_475.0 + desulf
    assert t["enterprise"]["direct"] == pytest.approx(direct, abs=0.01)
    assert t["intensity"]["electricity"]["direct_per_unit"] == pytest.approx(direct / 340_000, abs=1e-6)
    assert t["intensity"]["electricity_supplied"]["direct_per_unit"] == pytest.approx(direct / 318_000, abs=1e-6)
    assert t["intensity"]["heat_supplied"]["unit"] == "GJ"
    assert t["enterprise"]["direct_and_purchased_electricity"] == pytest.approx(direct + lines[2].tco2, abs=0.01)
    assert power.months_without_fuel(lines) == []


def test_a_month_with_generation_and_no_fuel_is_said_in_words():
    lines = calculate([row("production", "electricity", 310_000, "MWh", date(2025, 8, 1)),
                       row("production", "electricity", 300_000, "MWh", date(2025, 9, 1)),
                       row("fuel_combustion", "bituminous_coal", 130_000, "t", date(2025, 9, 1))], LIB, POWER)
    [note] = power.months_without_fuel(lines)
    assert note["code"] == "generation_without_fuel" and note["en"].startswith("2025-08 has 310,000.0 MWh generated")
    assert "enter the month's fuel consumption" in note["en"] and "请补录本月的燃料消耗量" in note["zh"]
    assert "quantity column" in note["en"] and "数量列" in note["zh"]


# --- coal mining (GB/T 32151.11) -------------------------------------------------------------------------------

def test_mine_methane_vented_flared_and_utilised_credit_the_destroyed_share():
    vented, flared, utilised, in_t = calculate([
        row("process", "coal_mine_methane", 1_800, "10^4 Nm3"), row("process", "coal_mine_methane_flared", 500_000, "Nm3"),
        row("process", "coal_mine_methane_utilised", 2_600, "10^4 Nm3"), row("process", "coal_mine_methane", 12.9, "t")],
        LIB)
    assert vented.tco2 == pytest.approx(18_000_000 * 0.717 / 1000 * 28)
    ch4 = 500_000 * 0.717 / 1000  # 358.5 t
    assert flared.tco2 == pytest.approx(ch4 * 0.98 * 44 / 16 + ch4 * 0.02 * 28)  # CO2 of flaring + the slip
    assert flared.tco2 < ch4 * 28 * 0.12  # flaring cuts the warming of venting by almost 90 %
    assert utilised.tco2 == 0.0 and "destroyed" in utilised.per_unit.basis
    assert in_t.tco2 == pytest.approx(12.9 * 28)
    assert any("GB/T 32151.11" in f["source"] for f in flared.factors)


def test_post_mining_methane_by_mine_type():
    under, surface = calculate([row("process", "raw_coal_underground", 1_000_000, "t"),
                                row("process", "raw_coal_surface", 1_000_000, "t")], LIB)
    assert under.tco2 == pytest.approx(1_000_000 * 2.5 * 0.717 / 1000 * 28)
    assert surface.tco2 == pytest.approx(1_000_000 * 0.1 * 0.717 / 1000 * 28)


# --- coking: gases by volume in the carbon balance ------------------------------------------------------------

COKING = [lab("carbon_fraction", "coking_coal", 0.78, "fraction"), lab("carbon_fraction", "coke", 0.86, "fraction"),
          lab("carbon_per_volume", "coke_oven_gas", 2.44, "tC/(10^4 Nm3)"),
          lab("carbon_fraction", "coal_tar", 0.90, "fraction")]


def test_coke_oven_gas_by_volume_with_carbon_per_volume_in_and_out_of_the_balance():
    lib = LIB.with_overrides(COKING)
    lines = calculate([row("carbon_input", "coking_coal", 100_000, "t"),
                       row("carbon_input", "coke_oven_gas", 1_500_000, "Nm3"),  # back-fired to heat the ovens
                       row("carbon_output", "coke", 75_000, "t"), row("carbon_output", "coal_tar", 3_500, "t"),
                       row("carbon_output", "coke_oven_gas", 3_500, "10^4 Nm3")], lib)
    carbon = 100_000 * 0.78 + 150 * 2.44 - 75_000 * 0.86 - 3_500 * 0.90 - 3_500 * 2.44
    assert sum(e.tco2 for e in lines) == pytest.approx(carbon * C)
    balance.check(lines)  # inputs carry more carbon: accepted


def test_a_balance_with_more_carbon_out_than_in_is_refused_naming_the_row():
    lib = LIB.with_overrides(COKING)
    lines = calculate([row("carbon_input", "coking_coal", 100_000, "t", ref="activity_record:7"),
                       row("carbon_output", "coke", 95_000, "t", ref="activity_record:8"),
                       row("carbon_output", "coke_oven_gas", 3_500, "10^4 Nm3", ref="activity_record:9")], lib)
    with pytest.raises(AccountingError) as err:
        balance.check(lines)
    e = err.value
    assert e.code == "balance_negative" and e.field == "quantity"
    assert "activity_record:8" in e.en and "coke" in e.en and "2025-06 F-B1" in e.en and "check that output" in e.en
    assert "请核对该产出的数量和单位" in e.zh


def test_a_gas_by_volume_without_its_carbon_per_volume_names_the_measurement():
    with pytest.raises(AccountingError, match="carbon per volume of coke_oven_gas"):
        calculate([row("carbon_output", "coke_oven_gas", 10, "10^4 Nm3")], LIB)


# --- aluminium: PFC defaults flagged ---------------------------------------------------------------------------

def test_aluminium_without_measured_pfc_factors_takes_the_standards_defaults_flagged():
    [pfc] = calculate([row("production", "primary_aluminium", 40_000, "t")], LIB)
    assert pfc.tco2 == pytest.approx(40_000 * (0.034 * 6630 + 0.0034 * 11100) / 1000)
    assert [n["code"] for n in pfc.notes] == ["pfc_default", "pfc_default"]
    assert "GB/T 32151.4" in pfc.notes[0]["en"] and "(unverified)" in pfc.notes[0]["en"] and "未实测" in pfc.notes[0]["zh"]
    assert "（未经核实）" in pfc.notes[0]["zh"] and "[U]" not in pfc.notes[0]["en"] + pfc.notes[0]["zh"]  # words, not a grade
    lib = LIB.with_overrides([lab("ef_cf4", "primary_aluminium", 0.020, "kg/t"),
                              lab("ef_c2f6", "primary_aluminium", 0.0021, "kg/t")])
    [own] = calculate([row("production", "primary_aluminium", 40_000, "t")], lib)
    assert own.notes == [] and own.tco2 == pytest.approx(40_000 * (0.020 * 6630 + 0.0021 * 11100) / 1000)


# --- the ETS figure per sector and data year -----------------------------------------------------------------------

@pytest.mark.parametrize("sector,year,figure,words", [
    ("power", 2019, "combustion_and_purchased_electricity", "plus net purchased electricity"),
    ("power", 2022, "combustion_and_purchased_electricity", "plus net purchased electricity"),
    ("power", 2023, "combustion", "without purchased electricity"),
    ("steel", 2024, "total_direct_only", "no indirect"),
    ("cement", 2025, "total_direct_only", "no indirect"),
    ("aluminium", 2024, "total_direct_only", "CF4 and C2F6"),
])
def test_the_ets_figure_follows_the_sector_and_data_year_with_its_source(sector, year, figure, words):
    rule = ets_scope.rule(sector, year)
    assert rule.covered and rule.figure == figure and words in rule.en and rule.source and rule.confidence == "H"
    assert not ets_scope.rule("steel", 2023).covered and not ets_scope.rule("power", 2018).covered


def test_purchased_heat_is_not_in_the_power_sectors_2022_figure():
    t = rollup(calculate([row("fuel_combustion", "natural_gas", 10, "10^4 Nm3"),
                          row("electricity_purchased", "grid_electricity", 100, "MWh"),
                          row("heat_purchased", "purchased_heat", 1_000, "GJ")], LIB, POWER))["enterprise"]
    assert t["direct_and_purchased_electricity"] == pytest.approx(t["direct"] + t["purchased_electricity"])
    assert t["purchased_electricity"] == pytest.approx(100 * LIB.get("grid_ef", "grid_electricity", JUNE).factor.value)
    assert t["total"] == pytest.approx(t["direct_and_purchased_electricity"] + 1_000 * 0.11)


def test_the_sector_materials_are_read_by_name_and_named_never_by_code():
    from forms import aliases
    from workflows.engine import names
    for code, zh, en in (("coal_mine_methane_flared", "煤矿瓦斯（火炬销毁）", "Coal-mine methane, flared"),
                         ("raw_coal_underground", "原煤（井工开采，矿后活动）", "Raw coal, underground mine (post-mining)"),
                         ("coking_coal", "炼焦煤", "Coking coal")):
        assert aliases.material(zh) == code and aliases.material(en) == code and code in aliases.codes()
        assert names.material(code, "zh") == zh and names.material(code, "en") == en
    assert "coal" not in aliases.codes()  # the power rule's class of fuel is no row's material


def test_the_ets_scope_file_names_only_figures_a_run_has():
    from accounting.rollup import rollup
    t = {**rollup([])["enterprise"], **ets_scope.figures([])}
    for rules in ets_scope.RULES.values():
        assert all(rule.figure in t and rule.first_year == year for year, rule in rules)
