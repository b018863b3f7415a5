"""The fuel library of the standards: every fuel of GB/T 32150 Appendix B (and the sector tables where they differ)
with its NCV, carbon per heat and oxidation rate, each row naming its document, table, validity and confidence;
names in Chinese and English and the words plants use, read on import; where documents disagree, each value under
its own source and the enterprise's document deciding."""

from __future__ import annotations

from datetime import date

import pytest

from accounting.errors import AccountingError
from accounting.factors import DEFAULT_DOCUMENT, DOCUMENTS, default_library
from accounting.inventory import Activity, calculate
from forms import aliases
from workflows.engine import names

LIB = default_library()
FUELS = ("lignite", "fuel_oil", "lpg", "petroleum_coke", "kerosene", "refinery_gas", "coal_gangue", "coking_coal",
         "bituminous_coal", "anthracite", "coke", "diesel", "gasoline", "natural_gas", "coke_oven_gas",
         "blast_furnace_gas", "converter_gas", "washed_coal", "crude_oil", "lng", "naphtha", "other_petroleum_products",
         "other_coal_products")


@pytest.mark.parametrize("fuel", FUELS)
def test_each_fuel_has_its_three_defaults_with_source_validity_names_and_confidence(fuel):
    for parameter, unit in (("ncv", ("GJ/t", "GJ/10^4 Nm3")), ("carbon_content", ("tC/GJ",)), ("oxidation", ("fraction",))):
        rows = [f for f in LIB.factors if f.parameter == parameter and f.material == fuel]
        assert rows, f"{fuel} has no {parameter}"
        for f in rows:
            assert f.unit in unit and f.document and f.table and f.valid_from is not None
            assert f.name_zh and f.name_en and f.confidence in ("H", "M", "U")
            if f.confidence != "H":
                assert "transcri" in f.note and "verify" in f.note  # transcribed, not read from the text: said so
    ncv = LIB.get("ncv", fuel, date(2026, 2, 1)).factor.value_in("GJ/t" if fuel not in GASES else "GJ/10^4 Nm3")
    assert 5 < ncv < 500 and 0.7 <= LIB.get("oxidation", fuel, date(2026, 2, 1)).factor.value <= 1


GASES = {"natural_gas", "coke_oven_gas", "blast_furnace_gas", "converter_gas"}


def test_coking_coal_says_which_row_of_the_standard_it_takes():
    rows = [f for f in LIB.factors if f.material == "coking_coal"]
    assert {f.parameter for f in rows} == {"ncv", "carbon_content", "oxidation"}
    assert all("洗精煤" in f.note and "washed coal" in f.note for f in rows)
    washed = {f.parameter: f.value for f in LIB.factors if f.material == "washed_coal"}
    assert {f.parameter: f.value for f in rows} == washed


def test_coal_gangue_names_the_documents_it_borrows_from():
    ncv = LIB.get("ncv", "coal_gangue", date(2026, 1, 1)).factor
    assert ncv.document == "GB/T 2589-2020" and ncv.value == pytest.approx(2000 * 4.1868e-3, abs=1e-3)
    carbon = LIB.get("carbon_content", "coal_gangue", date(2026, 1, 1)).factor
    assert "其他洗煤" in carbon.table and carbon.confidence == "U" and "no 煤矸石 row" in carbon.note


@pytest.mark.parametrize(("typed", "code"), [
    ("重油", "fuel_oil"), ("燃料油", "fuel_oil"), ("LPG", "lpg"), ("液化气", "lpg"), ("petcoke", "petroleum_coke"),
    ("石油焦", "petroleum_coke"), ("煤油", "kerosene"), ("一般煤油", "kerosene"), ("干气", "refinery_gas"),
    ("炼厂干气", "refinery_gas"), ("矸石", "coal_gangue"), ("煤矸石", "coal_gangue"), ("褐煤", "lignite"),
    ("Brown coal", "lignite"), ("炼焦煤", "coking_coal"), ("Coking coal", "coking_coal"), ("COG", "coke_oven_gas"),
    ("LNG", "lng"), ("液化天然气", "lng"), ("石脑油", "naphtha"), ("其他石油制品", "other_petroleum_products"),
    ("其他煤制品", "other_coal_products"),
])
def test_the_words_plants_use_are_read_as_the_fuel(typed, code):
    assert aliases.material(typed) == code
    assert code in aliases.codes()


def test_a_fuel_has_its_name_in_each_language():
    assert names.material("lpg", "zh") == "液化石油气" and names.material("lpg", "en") == "LPG"
    assert names.material("petroleum_coke", "en") == "Petroleum coke" and names.material("coal_gangue", "zh") == "煤矸石"


def test_where_documents_disagree_each_value_stays_under_its_own_source():
    day = date(2026, 2, 1)
    by_default = LIB.get("carbon_content", "coke_oven_gas", day).factor
    assert LIB.document == DEFAULT_DOCUMENT and by_default.document == "GB/T 32151.34-2024" and by_default.value == 0.01358
    general = LIB.under("GB/T 32150-2015").get("carbon_content", "coke_oven_gas", day).factor
    assert general.document == "GB/T 32150-2015" and general.value == 0.0121
    gas = [Activity("r", day, "fuel_combustion", "coke_oven_gas", 100, "10^4 Nm3")]
    one, other = calculate(gas, LIB)[0], calculate(gas, LIB.under("GB/T 32150-2015"))[0]
    assert one.tco2 / other.tco2 == pytest.approx(0.01358 / 0.0121)
    assert "GB/T 32150-2015" in other.factors[1]["source"] and LIB.version != LIB.under("GB/T 32150-2015").version
    # a fuel only one document holds is taken from it whichever is chosen, and says so
    assert LIB.get("ncv", "lignite", day).factor.document == "GB/T 32150-2015"
    with pytest.raises(AccountingError) as err:
        LIB.under("GB/T 99999")
    assert err.value.field == "document" and all(d in err.value.en for d in DOCUMENTS)


def test_a_fuel_the_library_does_not_hold_is_refused_by_name_with_the_closest_names():
    with pytest.raises(AccountingError) as err:
        calculate([Activity("r", date(2026, 1, 1), "fuel_combustion", "褐煤块", 10, "t")], LIB)
    assert err.value.code == "unknown_fuel" and "「褐煤块」" in err.value.zh and "褐煤（lignite）" in err.value.zh
    with pytest.raises(AccountingError) as err:
        calculate([Activity("r", date(2026, 1, 1), "fuel_combustion", "fuel oill", 10, "t")], LIB)
    assert "'fuel oill'" in err.value.en and "Fuel oil (fuel_oil)" in err.value.en


def test_a_fuel_only_a_sector_part_holds_comes_from_it_under_whichever_document_is_chosen():
    day = date(2026, 2, 1)
    for lib in (LIB, LIB.under("GB/T 32150-2015")):
        [line] = calculate([Activity("r", day, "fuel_combustion", "lng", 100, "t")], lib)
        assert line.tco2 == pytest.approx(100 * 51.498 * 0.0153 * 0.98 * 44 / 12)
        assert {f["document"] for f in line.factors} == {"GB/T 32151.22-2024"}
        assert all("[M]" in f["source"] for f in line.factors)  # transcribed, and the run says how sure it is
    assert names.material("lng", "en") == "LNG" and names.material("naphtha", "zh") == "石脑油"


def test_lignite_is_accounted_with_the_standards_defaults():
    [line] = calculate([Activity("r", date(2026, 1, 1), "fuel_combustion", "lignite", 1000, "t")], LIB)
    assert line.tco2 == pytest.approx(1000 * 11.9 * 0.0280 * 0.96 * 44 / 12)
    assert [f["document"] for f in line.factors] == ["GB/T 32150-2015"] * 3


def test_the_document_is_chosen_on_the_command_line_and_a_wrong_one_is_refused_by_name(plant, steward_env):
    from helpers import run_steward
    wrong = run_steward(["account", "document", "--as", "lixf", "GB/T 3215"], steward_env)
    assert wrong.returncode == 2 and "GB/T 32150-2015" in wrong.stderr and "Traceback" not in wrong.stderr
    no_reason = run_steward(["account", "document", "--as", "lixf", "GB/T 32150-2015"], steward_env)
    assert no_reason.returncode == 2 and "Say why" in no_reason.stderr
    done = run_steward(["account", "document", "--as", "lixf", "GB/T 32150-2015", "--reason", "省平台按通则报送"],
                       steward_env, check=True)
    assert "GB/T 32150-2015" in done.stdout and "省平台按通则报送" in done.stdout
    back = run_steward(["account", "document", "--as", "lixf", "GB/T 32151.34-2024"], steward_env, check=True)
    assert "default" in back.stdout
