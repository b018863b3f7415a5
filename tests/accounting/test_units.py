"""Units, once and everywhere: every value reaches its formula in the unit the formula expects (3.1 g/t of C2F6 is
0.0031 kg/t), the calorie is the international-table one (GB/T 213, GB/T 2589), every unit a parameter accepts
converts to its canonical unit, and a unit of the wrong kind is a named refusal (row, column, units that fit)."""

from __future__ import annotations

from datetime import date

import pytest

from accounting import parameters, units
from accounting.errors import AccountingError
from accounting.factors import Factor, default_library
from accounting.inventory import Activity, calculate

LIB = default_library()
JAN = date(2026, 1, 1)


def measured(parameter, material, value, unit) -> Factor:
    return Factor(parameter, material, value, unit, "", measured=True, evidence="化验报告 2026-01")


def test_an_anode_effect_factor_in_grams_per_tonne_is_not_read_as_kilograms():
    """A smelter of 500,000 t with 3.1 g/t C2F6 and 0.03 kg/t CF4 (AR5: 11,100 and 6,630)."""
    lib = LIB.with_overrides([measured("ef_cf4", "primary_aluminium", 0.03, "kg/t"),
                              measured("ef_c2f6", "primary_aluminium", 3.1, "g/t")])
    [line] = calculate([Activity("r", JAN, "production", "primary_aluminium", 500_000, "t")], lib)
    assert line.tco2 == pytest.approx(500_000 * (0.03 * 6630 + 0.0031 * 11100) / 1000)  # 116,655 tCO2e, not 17.3 Mt
    assert "0.0031 kg C2F6/t" in line.formula
    same = LIB.with_overrides([measured("ef_cf4", "primary_aluminium", 30, "g/t"),
                               measured("ef_c2f6", "primary_aluminium", 0.0000031, "t/t")])
    assert calculate([Activity("r", JAN, "production", "primary_aluminium", 500_000, "t")], same)[0].tco2 == \
        pytest.approx(line.tco2)


def test_a_nitrous_oxide_factor_is_converted_too():
    kg = LIB.with_overrides([measured("ef_n2o", "nitric_acid", 7, "kg/t"), measured("n2o_abatement", "nitric_acid", 0, "fraction")])
    g = LIB.with_overrides([measured("ef_n2o", "nitric_acid", 7000, "g/t"), measured("n2o_abatement", "nitric_acid", 0, "%")])
    one = [Activity("r", JAN, "production", "nitric_acid", 1000, "t")]
    assert calculate(one, g)[0].tco2 == pytest.approx(calculate(one, kg)[0].tco2) == pytest.approx(1000 * 7 * 265 / 1000)


def test_the_calorie_is_the_international_table_calorie():
    assert units.convert(7000, "kcal", "MJ") == pytest.approx(29.3076)  # 1 kgce, GB/T 2589
    assert units.convert(1, "kgce", "MJ") == pytest.approx(29.3076)
    assert units.convert(5000, "kcal/kg", "GJ/t") == pytest.approx(20.934)  # 4.184 J would give 20.92
    assert units.convert(1, "cal", "J") == pytest.approx(4.1868)


def test_a_coal_ncv_in_kcal_per_kg_gives_the_same_emissions_as_in_gj_per_t():
    """A power plant's 1,000,000 t of coal at 5,000 kcal/kg: the thermochemical calorie would lose ~1,250 tCO2."""
    coal = [Activity("r", JAN, "fuel_combustion", "bituminous_coal", 1_000_000, "t")]
    in_kcal = calculate(coal, LIB.with_overrides([measured("ncv", "bituminous_coal", 5000, "kcal/kg")]))[0].tco2
    in_gj = calculate(coal, LIB.with_overrides([measured("ncv", "bituminous_coal", 20.934, "GJ/t")]))[0].tco2
    assert in_kcal == pytest.approx(in_gj, rel=1e-9)
    thermochemical = 1_000_000 * 5000 * 4.184e-3 * 0.0261 * 0.93 * 44 / 12
    assert in_kcal - thermochemical == pytest.approx(1_000_000 * 5000 * 0.0028e-3 * 0.0261 * 0.93 * 44 / 12)


@pytest.mark.parametrize(("category", "material", "unit", "fits"), [
    ("process", "coal_mine_methane", "MWh", "Nm3"),  # by mass or volume it is read (issue 31's sector rules)
    ("carbon_input", "coke_oven_gas", "MWh", "t"),
    ("process", "prebaked_anode", "MWh", "t"),
    ("co2_recovered", "co2", "MWh", "t"),
])
def test_a_unit_of_the_wrong_kind_is_a_named_refusal_not_a_traceback(category, material, unit, fits):
    with pytest.raises(AccountingError) as err:
        calculate([Activity("r", JAN, category, material, 5, unit)], LIB)
    assert err.value.code == "unit_mismatch" and err.value.field == "unit"
    assert repr(unit) in err.value.en and fits in err.value.en and f"「{unit}」" in err.value.zh


# every parameter × every unit it accepts: (unit, what one of it is in the canonical unit)
ONE_IN_CANONICAL = {
    "fraction": 1, "%": 0.01, "percent": 0.01, "‰": 0.001, "ppm": 1e-6,
    "kg/t": 1, "g/t": 0.001, "t/t": 1000,
    "GJ/t": 1, "MJ/kg": 1, "MJ/t": 0.001, "kJ/kg": 0.001, "kcal/kg": 4.1868e-3,
    "GJ/10^4 Nm3": 1, "MJ/Nm3": 10, "kJ/Nm3": 0.01, "kcal/Nm3": 4.1868e-2,
    "tC/GJ": 1, "kgC/GJ": 0.001, "tC/TJ": 0.001,
    "tCO2/t": 1, "kgCO2/t": 0.001,
    "tC/t": 1, "kgC/t": 0.001,  # and % or fraction of the fuel's mass, as above
    "tC/(10^4 Nm3)": 1, "kgC/Nm3": 10, "tC/Nm3": 10_000,
    "Nm3/t": 1,
}
CASES = [(name, canonical, unit) for name, spec in parameters.PARAMETERS.items()
         for canonical in ((spec.unit,) if spec.unit else ("GJ/t", "GJ/10^4 Nm3"))
         for unit in spec.units(canonical)]


@pytest.mark.parametrize(("name", "canonical", "unit"), CASES)
def test_every_unit_a_parameter_accepts_converts_to_its_canonical_unit(name, canonical, unit):
    assert unit in ONE_IN_CANONICAL, f"{unit} of {name} has no expected conversion in this table"
    assert units.convert(1, unit, canonical) == pytest.approx(ONE_IN_CANONICAL[unit], rel=1e-12)


def test_the_table_covers_every_parameter():
    assert {name for name, _, _ in CASES} == set(parameters.PARAMETERS)
    assert len(CASES) >= 60


@pytest.mark.parametrize(("parameter", "material", "value", "unit"), [
    ("oxidation", "diesel", 98, "%"), ("oxidation", "diesel", 980, "‰"), ("oxidation", "diesel", 0.98, "fraction"),
    ("cao", "clinker", 650_000, "ppm"), ("ef_c2f6", "primary_aluminium", 3.1, "g/t"),
    ("ef_cf4", "primary_aluminium", 0.03, "kg/t"), ("ncv", "bituminous_coal", 5000, "kcal/kg"),
    ("ncv", "bituminous_coal", 20.9, "MJ/kg"), ("ncv", "natural_gas", 8500, "kcal/Nm3"),
    ("carbon_content", "bituminous_coal", 26.1, "tC/TJ"), ("carbon_content", "bituminous_coal", 26.1, "kgC/GJ"),
    ("carbonate_ef", "calcium_carbonate", 440, "kgCO2/t"),
])
def test_a_plausible_value_in_an_accepted_unit_is_kept(parameter, material, value, unit):
    assert parameters.check(parameter, material, value, unit, LIB).name == parameter


@pytest.mark.parametrize(("parameter", "material", "value", "unit", "listed"), [
    ("ef_c2f6", "primary_aluminium", 3.1, "MWh", "g/t"), ("oxidation", "diesel", 0.98, "GJ/t", "%"),
    ("ncv", "natural_gas", 38.9, "MJ/kg", "MJ/Nm3"), ("ncv", "bituminous_coal", 20, "kcal/Nm3", "kcal/kg"),
    ("carbon_content", "diesel", 0.02, "tC/t", "tC/TJ"), ("cao", "clinker", 0.65, "furlong", "‰"),
])
def test_a_unit_a_parameter_does_not_take_is_refused_with_the_units_it_does(parameter, material, value, unit, listed):
    with pytest.raises(AccountingError) as err:
        parameters.check(parameter, material, value, unit, LIB)
    assert err.value.field == "unit" and listed in err.value.en and listed in err.value.zh and unit in err.value.en


def test_a_fraction_typed_as_a_percentage_and_the_reverse_are_caught_with_what_was_meant():
    with pytest.raises(AccountingError) as err:
        parameters.check("oxidation", "diesel", 98, "fraction", LIB)
    assert err.value.code == "percent" and "did you mean 0.98?" in err.value.en
    with pytest.raises(AccountingError) as err:
        parameters.check("oxidation", "diesel", 0.98, "%", LIB)
    assert err.value.code == "percent" and "did you mean 98 %" in err.value.en and "98 %" in err.value.zh


def test_a_unit_nobody_knows_or_of_the_wrong_kind_names_the_units_that_would_do():
    from forms.activity_import import HEADERS, check
    from storage.errors import StewardError
    with pytest.raises(StewardError) as err:
        check([HEADERS, ["2026-01", "", "fuel_combustion", "diesel", 3, "桶", "", "", ""],
               ["2026-01", "", "fuel_combustion", "natural_gas", 3, "t", "", "", ""]], LIB)
    first, second = err.value.details
    assert first["field"] == "unit" and "无法识别的单位「桶」；可用：t、kg、万t" in first["zh"]
    assert second["field"] == "unit" and "(use 10^4 Nm3, Nm3)" in second["en"]


def test_the_explanation_shows_the_values_the_formula_used_in_its_units():
    lib = LIB.with_overrides([measured("carbon_content", "diesel", 20.2, "kgC/GJ"), measured("oxidation", "diesel", 98, "%")])
    [line] = calculate([Activity("r", JAN, "fuel_combustion", "diesel", 10, "t")], lib)
    assert "× 0.0202 tC/GJ × 0.98 × 44/12" in line.formula
    assert line.tco2 == pytest.approx(10 * 42.652 * 0.0202 * 0.98 * 44 / 12)
