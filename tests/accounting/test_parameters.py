"""A plant's measured values are checked when recorded: a known parameter, a unit that fits, a fraction as a
fraction, a figure in a plausible range; refused means nothing written and the value in force stays."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import act
from sqlmodel import Session, select

from accounting import parameters
from accounting.errors import AccountingError
from accounting.factors import default_library
from storage.errors import StewardError
from storage.models import EnterpriseFactor
from workflows.accounting import calculation

LIB = default_library()


def refused(parameter, material, value, unit) -> AccountingError:
    with pytest.raises(AccountingError) as err:
        parameters.check(parameter, material, value, unit, LIB)
    return err.value


def test_a_percentage_typed_for_a_fraction_is_refused_with_what_was_meant():
    err = refused("cao", "clinker", 65.23, "fraction")
    assert err.field == "value" and "0.6523" in err.zh and "did you mean 0.6523?" in err.en


def test_an_unknown_parameter_a_published_factor_and_a_wrong_material_are_named():
    assert "cao_noncarbonate" in refused("cao_noncarbonat", "clinker", 0.01, "fraction").en  # a typo: the near one
    assert refused("grid_ef", "grid_electricity", 0.5, "tCO2/MWh").code == "published"
    err = refused("ncv", "bituminous_cole", 22, "GJ/t")
    assert err.field == "material" and "bituminous_coal" in err.en
    assert refused("cao", "cement", 0.64, "fraction").field == "material"


def test_a_unit_that_does_not_fit_and_a_slip_of_a_thousand_are_refused():
    assert refused("ncv", "bituminous_coal", 22.4, "GJ/Nm3").field == "unit"
    assert refused("ncv", "bituminous_coal", 22.4, "furlong").field == "unit"
    err = refused("ncv", "bituminous_coal", 22400, "GJ/t")  # MJ typed as GJ
    assert err.code == "implausible" and "9.785–31.31 GJ/t" in err.en
    assert refused("oxidation", "diesel", float("inf"), "fraction").field == "value"
    assert refused("toc", "raw_meal", -0.001, "fraction").field == "value"


def test_plausible_values_in_any_fitting_unit_pass():
    assert parameters.check("ncv", "bituminous_coal", 22400, "MJ/t", LIB).name == "ncv"
    assert parameters.check("ncv", "natural_gas", 38.9, "MJ/Nm3", LIB).name == "ncv"
    assert parameters.check("cao", "clinker", 65.5, "percent", LIB).name == "cao"
    assert parameters.check("carbon_fraction", "iron_ore", 0.002, "fraction", LIB).name == "carbon_fraction"


def test_a_refused_measurement_writes_nothing_and_the_value_in_force_stays(plant, engine):
    with Session(engine) as s:
        before = s.exec(select(EnterpriseFactor).where(EnterpriseFactor.parameter == "cao")).all()
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", lambda s, a: calculation.add_measured_factor(
            s, a, parameter="cao", material="clinker", value=65.23, unit="fraction", valid_from=date(2026, 1, 1),
            evidence="化验报告 2026-01"))
    assert err.value.field == "value" and "0.6523" in err.value.zh
    with Session(engine) as s:
        assert s.exec(select(EnterpriseFactor).where(EnterpriseFactor.parameter == "cao")).all() == before


def test_a_measured_value_in_a_unit_of_the_wrong_kind_is_refused_on_the_command_line_by_name(plant, steward_env):
    from helpers import run_steward
    wrong = run_steward(["account", "measured", "--as", "lixf", "ef_c2f6", "primary_aluminium", "3.1", "MWh",
                         "--from", "2026-01-01", "--evidence", "PFC 测定 2026"], steward_env)
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert "'MWh' is not a unit for C2F6 emission factor; use one of kg/t, g/t, t/t" in wrong.stderr
    kept = run_steward(["account", "measured", "--as", "lixf", "ef_c2f6", "primary_aluminium", "3.1", "g/t",
                        "--from", "2026-01-01", "--evidence", "PFC 测定 2026"], steward_env, check=True)
    assert "3.1 g/t" in kept.stdout


@pytest.mark.parametrize("parameter, value, unit", [("ncv", 5000, "kcal/kg"), ("carbon_content", 0.027, "tC/GJ"),
                                                     ("carbon_element", 55, "%"), ("oxidation", 0.98, "fraction")])
def test_every_coal_the_power_rules_take_can_have_each_measurement_they_read(parameter, value, unit):
    """Raw coal took element carbon but its measured NCV was refused, so a plant burning 原煤 could not use the rules;
    and 煤泥 is read as 其他洗煤, the GB/T 32150 row (GB/T 2589 counts coal slime under it), which the rules take."""
    from accounting import parameters
    from accounting.coals import COALS
    from accounting.factors import default_library
    from forms import aliases
    lib = default_library()
    for coal in COALS:
        typed, in_unit = value, unit
        if parameter in ("ncv", "carbon_content") and coal in lib.materials(parameter):  # its own default is plausible
            default = lib.get(parameter, coal, date(2025, 1, 1)).factor
            typed, in_unit = default.value, default.unit
        assert parameters.check(parameter, coal, typed, in_unit, lib).name == parameter, coal
    assert {aliases.material("煤泥"), aliases.material("原煤")} <= set(COALS)
    assert set(COALS) <= set(aliases.codes())  # each has a name a person can type
    if parameter == "ncv":
        with pytest.raises(Exception, match="outside the plausible 4–35 GJ/t"):
            parameters.check("ncv", "raw_coal", 200, "GJ/t", lib)



@pytest.mark.parametrize("value, unit, meant", [(55, "fraction", "did you mean 0.55?"), (55, "tC/t", "did you mean 0.55?"),
                                                (0.55, "%", "did you mean 55 % (0.55)?")])
def test_element_carbon_typed_as_a_percentage_or_a_fraction_the_wrong_way_round_says_what_was_meant(value, unit, meant):
    """Element carbon is a share as the other fractions are: 0.55 with % or 55 as a fraction got only "implausible"."""
    with pytest.raises(AccountingError) as refused:
        parameters.check("carbon_element", "bituminous_coal", value, unit, LIB)
    assert refused.value.code == "percent" and meant in refused.value.en and "是否要填" in refused.value.zh
    assert parameters.check("carbon_element", "bituminous_coal", 55, "%", LIB).name == "carbon_element"
