"""A power plant's year on the product's own database and pages (issue 31): the coal's batches recorded with the
quantity they stand for, the guideline's default for a month without a measurement said in the run, a month with
generation and no fuel said in words, intensity per MWh generated and supplied, and the ETS figure of the data
year with its source — the same on the accounting page in Chinese and English, and from the quick totals."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import POWER_GENERATED, act, as_user, power_plant
from helpers import POWER_YEAR as YEAR
from sqlmodel import select

from storage.errors import StewardError
from workflows.accounting import calculation, runs, totals

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.fixture
def power(plant):
    return power_plant(plant)


def test_a_power_plants_year_weights_batches_says_its_defaults_and_is_due_on_direct_plus_electricity(plant, power):
    with plant("test") as s:
        t, lines, _ = calculation.compute(s, power, YEAR)
        quick = totals.year_totals(s, power, YEAR)
    january = next(x for x in lines if x["period"] == "2022-01-01" and x["material"] == "bituminous_coal")
    carbon = (70_000 * 0.5650 + 82_000 * 0.5310) / 152_000
    assert january["tco2"] == pytest.approx(152_000 * carbon * 0.99 * 44 / 12)
    february = next(x for x in lines if x["period"] == "2022-02-01" and x["material"] == "bituminous_coal")
    assert february["tco2"] == pytest.approx(128_500 * 0.552 * 0.99 * 44 / 12)  # 55.2 % read as 0.552 tC/t
    march = next(x for x in lines if x["period"] == "2022-03-01" and x["material"] == "bituminous_coal")
    assert march["tco2"] == pytest.approx(140_200 * 19.57 * 0.03085 * 0.99 * 44 / 12)
    words = [n["en"] for n in t["notes"]]
    assert sum("carbon content not measured this month" in w for w in words) == 2  # March and April, once each
    assert any(w.startswith("2022-05 has 295,100.0 MWh generated") for w in words)
    assert t["ets"]["figure"] == "combustion_and_purchased_electricity" and "ICAP" in t["ets"]["source"]
    e = t["enterprise"]
    assert e["direct_and_purchased_electricity"] == pytest.approx(e["direct"] + e["purchased_electricity"], abs=0.01)
    assert e["combustion_and_purchased_electricity"] == pytest.approx(e["direct_and_purchased_electricity"], abs=0.01)
    assert e["purchased_electricity"] == pytest.approx(5 * 850 * 0.5366, abs=0.01)  # the 2022 national factor
    assert t["intensity"]["electricity"]["direct_per_unit"] == pytest.approx(e["direct"] / sum(POWER_GENERATED.values()),
                                                                             abs=1e-6)
    assert quick["notes"] == t["notes"] and quick["ets"] == t["ets"]
    assert quick["enterprise"]["direct_and_purchased_electricity"] == pytest.approx(e["direct_and_purchased_electricity"])
    with plant("test") as s:  # 2023 data: the plan counts fossil-fuel combustion only
        assert calculation.ets("power", 2023)["figure"] == "combustion"


def test_a_batch_quantity_must_be_a_positive_mass(plant):
    for batch, unit, words in ((-5.0, "t", "positive"), (100.0, "MWh", "must be a mass")):
        with pytest.raises(StewardError, match=words):
            act(plant, "lixf", lambda s, a, batch=batch, unit=unit: calculation.add_measured_factor(
                s, a, parameter="ncv", material="bituminous_coal", value=21.0, unit="GJ/t", valid_from=date(YEAR, 6, 1),
                evidence="化验", batch_quantity=batch, batch_unit=unit))


def test_the_run_page_states_the_ets_basis_the_gwp_set_and_the_notes_in_both_languages(plant, power, web):
    act(plant, "lixf", lambda s, a: runs.run_as(s, a, YEAR))
    lixf = as_user(web, "lixf")
    page = lixf.get("/accounting").text
    ets = page.split('id="run-ets"')[1].split("</div>")[0]
    assert "碳市场清缴口径" in ets and "直接排放（化石燃料燃烧）加净购入电力" in ets and "ICAP" in ets
    assert "IPCC 第五次评估报告（AR5）（缺省）" in ets
    notes = page.split('id="run-notes"')[1].split("</div>")[0]
    assert "2022-03 烟煤 本月未实测元素碳含量" in notes and "bituminous_coal" not in notes and "0.03085 tC/GJ" in notes
    assert "2022-05 有发电量 295,100.0 MWh" in notes
    intensity = page.split('id="intensity"')[1].split("</table>")[0]
    assert "发电量" in intensity and "供电量" in intensity and "MWh" in intensity
    lixf.get("/lang/en")
    page = lixf.get("/accounting").text
    ets = page.split('id="run-ets"')[1].split("</div>")[0]
    assert "ETS surrender basis" in ets and "plus net purchased electricity" in ets and "from data year 2019" in ets
    assert "GWP set used in this run" in ets and "(AR5) (Default)" in ets
    notes = page.split('id="run-notes"')[1].split("</div>")[0]
    assert "no fuel burnt" in notes and "2022-03 Bituminous coal: carbon content not measured" in notes
    intensity = page.split('id="intensity"')[1].split("</table>")[0]
    assert "Electricity generated" in intensity and "Electricity supplied" in intensity


def test_a_batch_is_recorded_on_the_page_and_a_wrong_unit_is_refused_by_name(plant, web):
    from helpers import csrf
    lixf = as_user(web, "lixf")
    form = {"parameter": "carbon_element", "material": "烟煤", "value": "0.548", "unit": "tC/t",
            "valid_from": "2022-06-12", "evidence": "入厂煤化验 2022-06-12", "batch_quantity": "六万吨",
            "batch_unit": "t", "csrf_token": csrf(lixf, "/accounting")}
    refused = lixf.post("/accounting/measured", data=form, headers={"HX-Request": "true"})
    assert "「批次量」应为数字" in refused.text
    form |= {"batch_quantity": "64000", "csrf_token": csrf(lixf, "/accounting")}
    lixf.post("/accounting/measured", data=form)
    with plant("test") as s:
        from storage.models import EnterpriseFactor
        row = s.exec(select(EnterpriseFactor).where(EnterpriseFactor.parameter == "carbon_element")).one()
        assert row.batch_quantity == 64_000 and row.batch_unit == "t" and row.value == 0.548


def test_a_production_figure_in_a_unit_of_the_wrong_kind_is_refused_at_import_and_a_stored_one_at_the_run(
        plant, power, engine, steward_env, tmp_path):
    """Electricity generated typed as 1000 t was imported and then ended `account run` in a traceback: now the file is
    refused by row and column with the units that fit, exit 2, nothing written; a row already stored so is refused by
    name when the year is run (exit 2), and a figure typed into the form or the API is refused beside the unit field."""
    from helpers import run_steward

    from forms.activity_import import HEADERS
    from storage.models import ActivityRecord
    from workflows.accounting import activity
    path = tmp_path / "generation.csv"
    path.write_text("\n".join([",".join(HEADERS), f"{YEAR}-06,,production,electricity,1000,t,measured,,",
                               f"{YEAR}-06,,production,heat_supplied,50,Nm3,measured,,"]), encoding="utf-8")
    with plant("test") as s:
        before = len(s.exec(select(ActivityRecord)).all())
    imported = run_steward(["account", "import", "--as", "lixf", str(path)], steward_env)
    assert imported.returncode == 2 and "Traceback" not in imported.stderr + imported.stdout
    assert "row 2, Unit: Electricity generated: unit 't' does not fit; electricity generated is counted in MWh, use " \
           "MWh, kWh, 万kWh" in imported.stderr
    assert "第 3 行「单位」：供热量的单位「Nm3」不适用：供热量以 GJ 计" in imported.stderr
    with plant("test") as s:
        assert len(s.exec(select(ActivityRecord)).all()) == before
        s.add(ActivityRecord(enterprise_id=power, period=date(YEAR, 6, 1), category="production", material="electricity",
                             quantity=1000.0, unit="t"))  # stored before the check existed
    ran = run_steward(["account", "run", "--as", "lixf", "--year", str(YEAR)], steward_env)
    assert ran.returncode == 2 and "Traceback" not in ran.stderr + ran.stdout
    assert "Electricity generated: unit 't' does not fit" in ran.stderr and "发电量的单位「t」不适用" in ran.stderr
    with plant("test") as s:
        with pytest.raises(StewardError, match="counted in MWh"):
            totals.year_totals(s, power, YEAR)
    typed = {"period": f"{YEAR}-07", "category": "production", "material": "electricity_supplied", "quantity": 900,
             "unit": "t"}
    with pytest.raises(StewardError) as refused:
        act(plant, "lixf", lambda s, a: activity.enter(s, a, [typed], "form"))
    assert refused.value.field == "unit" and "「单位」供电量的单位「t」不适用" in refused.value.zh


def test_a_plant_burning_raw_coal_is_accounted_by_its_measurements_and_a_month_without_them_is_named(plant, power):
    from workflows.accounting import activity
    for day, parameter, value, unit in ((date(YEAR, 6, 5), "ncv", 5000, "kcal/kg"),
                                        (date(YEAR, 6, 5), "carbon_element", 54, "%")):
        act(plant, "lixf", lambda s, a, day=day, parameter=parameter, value=value, unit=unit:
            calculation.add_measured_factor(s, a, parameter=parameter, material="raw_coal", value=value, unit=unit,
                                            valid_from=day, valid_to=day, evidence="入厂原煤化验", batch_quantity=90_000))
    typed = [{"period": f"{YEAR}-06", "category": "fuel_combustion", "material": "原煤", "quantity": 90_000, "unit": "t"}]
    assert act(plant, "lixf", lambda s, a: activity.enter(s, a, typed, "form")) == 1
    with plant("test") as s:
        _, lines, _ = calculation.compute(s, power, YEAR)
    june = next(x for x in lines if x["period"] == f"{YEAR}-06-01" and x["material"] == "raw_coal")
    assert june["tco2"] == pytest.approx(90_000 * 0.54 * 0.99 * 44 / 12)
    assert "NCV 20.934 GJ/t" in june["formula"]  # 5,000 kcal/kg × 4.1868
    typed = [{"period": f"{YEAR}-07", "category": "fuel_combustion", "material": "原煤", "quantity": 80_000, "unit": "t"}]
    assert act(plant, "lixf", lambda s, a: activity.enter(s, a, typed, "form")) == 1  # the lab value may come later
    with plant("test") as s:
        with pytest.raises(StewardError, match="2022-07 raw_coal: no NCV measured this month and no default"):
            calculation.compute(s, power, YEAR)


def test_from_2023_a_power_plant_is_due_on_its_fuel_combustion_not_on_its_desulfurisation_limestone(plant, power, web):
    """The rule (from data year 2023) says direct fossil-fuel combustion only; the figure used was all direct CO2, the desulfurisation
    limestone's process CO2 with it. The run, the surrender due, the assets page and the accounting page now state the
    combustion figure."""
    from storage.models import ActivityRecord
    from workflows.planning import carbon_assets as assets
    with plant("test") as s:
        for month in (1, 2):
            day = date(2026, month, 1)
            for category, material, qty, unit in (("fuel_combustion", "bituminous_coal", 150_000.0, "t"),
                                                  ("fuel_combustion", "diesel", 20.0, "t"),
                                                  ("process", "calcium_carbonate", 6_000.0, "t"),
                                                  ("electricity_purchased", "grid_electricity", 900.0, "MWh"),
                                                  ("production", "electricity", 300_000.0, "MWh")):
                s.add(ActivityRecord(enterprise_id=power, period=day, category=category, material=material,
                                     quantity=qty, unit=unit))
    with plant("test") as s:
        t, lines, _ = calculation.compute(s, power, 2026)
    fuel = sum(x["tco2"] for x in lines if x["category"] == "fuel_combustion")
    limestone = sum(x["tco2"] for x in lines if x["material"] == "calcium_carbonate")
    e = t["enterprise"]
    assert limestone > 1_000 and t["ets"]["figure"] == "combustion" and t["ets"]["covered"]
    assert e["combustion"] == pytest.approx(fuel, abs=0.01)
    assert e["total_direct_only"] == pytest.approx(fuel + limestone, abs=0.01)  # what was due before: too much
    act(plant, "lixf", lambda s, a: runs.run_as(s, a, 2026))
    with plant("test") as s:
        assert assets.run_emissions(s, power, 2026) == pytest.approx(fuel, abs=0.01)
        [year] = [p for p in assets.positions(s, power, today=date(2026, 3, 1)) if p["year"] == 2026]
        assert year["due_t"] == pytest.approx(fuel, abs=0.01) and year["rule"]["figure"] == "combustion"
    lixf = as_user(web, "lixf")
    page = lixf.get("/accounting?year=2026").text
    ets = page.split('id="run-ets"')[1].split("</div>")[0]
    shown = float(ets.split('id="ets-figure">')[1].split("<")[0].replace(",", ""))
    assert shown == pytest.approx(fuel, abs=1) and "仅直接排放（化石燃料燃烧）" in ets
    due = lixf.get("/assets?year=2026").text.split('id="due"')[1].split("</h3>")[0]
    assert f"{fuel:,.0f} t" in due and f"{fuel + limestone:,.0f}" not in due


def test_the_plain_run_command_states_the_ets_rule_the_gwp_set_the_document_and_the_notes(plant, power, steward_env):
    from helpers import run_steward
    ran = run_steward(["account", "run", "--as", "lixf", "--year", str(YEAR)], steward_env)
    assert ran.returncode == 0, ran.stderr
    out = ran.stdout
    assert "碳市场清缴口径 ETS basis: 直接排放（化石燃料燃烧）加净购入电力" in out and "plus net purchased electricity" in out
    assert "ICAP" in out and "from data year 2019" in out
    assert "GWP 取值 GWP set: IPCC 第五次评估报告（AR5） / IPCC Fifth Assessment Report (AR5)（缺省 default）" in out
    assert "缺省因子依据 Factor document: GB/T 32151.34—2024 缺省值 / GB/T 32151.34-2024 defaults" in out
    assert "2022-03 烟煤 本月未实测元素碳含量" in out and "2022-03 Bituminous coal: carbon content not measured" in out
    assert "bituminous_coal" not in out.split("本次核算须知 Notes:")[1]
