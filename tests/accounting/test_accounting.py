"""Carbon accounting: the pure calculators against hand arithmetic, and runs over the demo plant."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from helpers import act, plant_id, run_steward
from sqlmodel import Session, select

from accounting.errors import AccountingError
from accounting.factors import Factor, default_library, parse
from accounting.inventory import Activity, Options, calculate
from accounting.rollup import rollup
from storage.errors import StewardError
from storage.models import AccountingRun
from workflows.accounting import calculation, runs

JUNE = date(2025, 6, 1)
LIB = default_library()


def line(category, material, qty, unit, facility="F1", process="P1", period=JUNE):
    return Activity(ref="t", period=period, category=category, material=material, quantity=qty, unit=unit,
                    facility=facility, process=process)


def test_coal_combustion_follows_gb_t_32150_by_hand():
    [e] = calculate([line("fuel_combustion", "bituminous_coal", 1000, "t")], LIB)
    assert e.tco2 == pytest.approx(1000 * 19.570 * 0.0261 * 0.93 * 44 / 12)
    assert [f["parameter"] for f in e.factors] == ["ncv", "carbon_content", "oxidation"]
    assert all("GB/T 32151.34-2024" in f["source"] for f in e.factors)


def test_gas_in_ten_thousand_cubic_metres_and_kilograms_of_diesel_convert():
    gas, diesel = calculate([line("fuel_combustion", "natural_gas", 2, "10^4 Nm3"),
                             line("fuel_combustion", "diesel", 5000, "kg")], LIB)
    assert gas.tco2 == pytest.approx(2 * 389.31 * 0.0153 * 0.99 * 44 / 12)
    assert diesel.tco2 == pytest.approx(5 * 42.652 * 0.0202 * 0.98 * 44 / 12)


@pytest.mark.parametrize("activity,code,words", [
    (line("fuel_combustion", "bituminous_coal", 10, "MWh"), "unit_mismatch", "does not fit the NCV unit"),
    (line("fuel_combustion", "natural_gas", 10, "t"), "unit_mismatch", "does not fit"),
    (line("fuel_combustion", "unobtainium", 10, "t"), "unknown_fuel", "Unknown fuel"),
    (line("fuel_combustion", "diesel", -3, "t"), "negative", "negative quantity"),
    (line("electricity_purchased", "grid_electricity", 10, "t"), "unit_mismatch", "does not fit"),
    (line("fuel_combustion", "diesel", 3, "桶"), "unit", "Unknown unit"),
])
def test_bad_activity_data_is_refused_with_the_reason(activity, code, words):
    with pytest.raises(AccountingError) as err:
        calculate([activity], LIB)
    assert err.value.code == code and words in err.value.en and err.value.zh


def test_a_factor_without_a_source_is_refused():
    with pytest.raises(AccountingError, match="names no source"):
        parse([{"parameter": "ncv", "material": "lignite", "value": "14.4", "unit": "GJ/t", "document": ""}], "mine.tsv")
    with pytest.raises(AccountingError, match="not a number"):
        parse([{"parameter": "ncv", "material": "lignite", "value": "abc", "unit": "GJ/t", "document": "x"}], "mine.tsv")


def test_grid_factor_by_data_year_and_the_nearest_published_as_a_flagged_fallback():
    e22, e25 = calculate([line("electricity_purchased", "grid_electricity", 100, "MWh", period=date(2022, 3, 1)),
                          line("electricity_purchased", "grid_electricity", 100, "MWh", period=date(2025, 3, 1))], LIB)
    assert e22.tco2 == pytest.approx(53.66) and not e22.factors[0]["fallback"]
    assert e25.tco2 == pytest.approx(53.06) and e25.factors[0]["fallback"]
    [e19] = calculate([line("electricity_purchased", "grid_electricity", 100, "MWh", period=date(2019, 3, 1))], LIB)
    assert e19.tco2 == pytest.approx(55.68)  # before the first published year (2021): the earliest, and said so
    assert e19.factors[0]["fallback"] and e19.factors[0]["earliest"] and not e25.factors[0]["earliest"]
    [ets] = calculate([line("electricity_purchased", "grid_electricity", 100, "MWh")], LIB, Options(grid="ets"))
    assert ets.tco2 == pytest.approx(57.03)


def test_a_measured_value_overrides_the_default_only_with_evidence():
    measured = Factor("ncv", "bituminous_coal", 22.9, "GJ/t", "lab", valid_from=date(2025, 1, 1),
                      valid_to=date(2025, 12, 31), measured=True, evidence="化验报告 2025-06")
    [e] = calculate([line("fuel_combustion", "bituminous_coal", 1000, "t")], LIB.with_overrides([measured]))
    assert e.tco2 == pytest.approx(1000 * 22.9 * 0.0261 * 0.93 * 44 / 12) and "化验报告" in e.factors[0]["source"]
    with pytest.raises(AccountingError, match="needs evidence"):
        LIB.with_overrides([Factor("ncv", "bituminous_coal", 22.9, "GJ/t", "lab", measured=True)])


def test_clinker_calcination_needs_the_plants_own_chemistry():
    with pytest.raises(AccountingError, match="measured cao"):
        calculate([line("production", "clinker", 1000, "t")], LIB)
    chem = [Factor(p, "clinker", v, "fraction", "lab", valid_from=date(2025, 1, 1), measured=True, evidence="月报")
            for p, v in (("cao", 0.65), ("cao_noncarbonate", 0.01), ("mgo", 0.02), ("mgo_noncarbonate", 0.0))]
    [e] = calculate([line("production", "clinker", 1000, "t")], LIB.with_overrides(chem))
    assert e.tco2 == pytest.approx(1000 * (0.64 * 44 / 56 + 0.02 * 44 / 40))


def test_kiln_dust_and_bypass_dust_are_calcined_like_clinker_and_are_not_products():
    """GB/T 32151.8: E = (Q_clinker + Q_kiln dust + Q_bypass dust) × EF_clinker. Worked by hand: EF =
    (0.65 − 0.01) × 44/56 + (0.02 − 0) × 44/40 = 0.524857…; (1000 + 30 + 12) t × EF = 546.90 tCO2."""
    chem = [Factor(p, "clinker", v, "fraction", "lab", valid_from=date(2025, 1, 1), measured=True, evidence="月报")
            for p, v in (("cao", 0.65), ("cao_noncarbonate", 0.01), ("mgo", 0.02), ("mgo_noncarbonate", 0.0))]
    lines = calculate([line("production", "clinker", 1000, "t"), line("production", "kiln_dust", 30, "t"),
                       line("production", "bypass_dust", 12, "t")], LIB.with_overrides(chem))
    assert sum(e.tco2 for e in lines) == pytest.approx(546.90, abs=0.01)
    assert "kiln-exhaust dust" in lines[1].formula and "bypass dust" in lines[2].formula
    totals = rollup(lines)
    assert set(totals["intensity"]) == {"clinker"}  # dust is a residue: intensity stays per tonne of clinker
    assert totals["intensity"]["clinker"]["output"] == 1000
    [alone] = calculate([line("production", "clinker", 1000, "t")], LIB.with_overrides(chem))
    assert alone.tco2 == pytest.approx(524.857, abs=0.001)  # no dust recorded: the clinker-only result


def test_a_power_plant_reads_its_intensity_per_mwh_supplied():
    lines = calculate([line("fuel_combustion", "bituminous_coal", 1000, "t"),
                       line("production", "electricity_supplied", 2, "GWh")], LIB)
    totals = rollup(lines)
    figure = totals["intensity"]["electricity_supplied"]
    assert figure["unit"] == "MWh" and figure["output"] == 2000
    assert figure["total_per_unit"] == pytest.approx(totals["enterprise"]["total"] / 2000, rel=1e-6)


def test_a_production_row_for_an_unknown_product_is_refused_not_counted_as_nothing():
    with pytest.raises(AccountingError) as err:
        calculate([line("production", "clinkr", 1000, "t")], LIB)
    assert err.value.code == "unknown_product" and "did you mean 'clinker'" in err.value.en


def test_rollup_adds_levels_and_keeps_allocated_electricity_out_of_the_total():
    lines = calculate([line("fuel_combustion", "diesel", 10, "t", "F1", "P1"),
                       line("fuel_combustion", "diesel", 20, "t", "F2", "P1"),
                       line("electricity_purchased", "grid_electricity", 100, "MWh", None, None),
                       line("electricity_consumed", "grid_electricity", 60, "MWh", "F2", "P1"),
                       line("electricity_exported", "grid_electricity", 10, "MWh", None, None),
                       line("production", "cement", 1, "万t", None, None)], LIB)
    totals = rollup(lines)
    e = totals["enterprise"]
    assert e["total"] == pytest.approx(e["direct"] + e["indirect"] + e["exported"], abs=1e-3)
    assert e["allocated"] > 0 and e["exported"] < 0
    assert totals["processes"]["P1"]["direct"] == pytest.approx(e["direct"], abs=1e-3)
    assert totals["facilities"]["F2"]["allocated"] == pytest.approx(e["allocated"], abs=1e-3)
    assert totals["intensity"]["cement"]["output"] == 10000
    assert totals["intensity"]["cement"]["total_per_unit"] == pytest.approx(e["total"] / 10000, rel=1e-4)


def test_a_run_is_frozen_and_explained(plant, engine):
    with plant("cli:test") as s:
        run = runs.run(s, plant_id(s), 2025, "test")
        run_id, version = run.id, run.library_version
    act(plant, "lixf", lambda s, a: calculation.add_measured_factor(
        s, a, parameter="ncv", material="bituminous_coal", value=30.0, unit="GJ/t", valid_from=date(2025, 1, 1),
        valid_to=date(2025, 12, 31), evidence="复检报告"))
    with Session(engine) as s:
        frozen = s.get(AccountingRun, run_id)
        kiln = calculation.explain(frozen.lines, facility="F-KL01")
        assert sum(x["tco2"] for x in kiln) == pytest.approx(frozen.totals["facilities"]["F-KL01"]["total"], abs=0.01)
        assert frozen.totals["previous_year"]["year"] == 2024
        assert frozen.totals["intensity"]["clinker"]["direct_per_unit"] == pytest.approx(0.83, abs=0.05)
        again, _, _ = calculation.compute(s, plant_id(s), 2025)
        assert again["enterprise"]["direct"] > frozen.totals["enterprise"]["direct"]  # the new NCV counts only anew
    assert len(version) == 16


def test_a_measured_factor_without_evidence_is_refused(plant):
    with pytest.raises(StewardError, match="needs evidence"):
        act(plant, "lixf", lambda s, a: calculation.add_measured_factor(
            s, a, parameter="ncv", material="diesel", value=43, unit="GJ/t", valid_from=date(2025, 1, 1), evidence=""))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_account_run_prints_totals_per_level_as_json(plant, steward_env):
    out = run_steward(["account", "run", "--as", "lixf", "--enterprise", "JYCEM", "--year", "2025", "--json"], steward_env,
                      check=True)
    totals = json.loads(out.stdout)
    assert set(totals) >= {"enterprise", "processes", "facilities", "months", "intensity", "previous_year"}
    assert totals["enterprise"]["total"] == pytest.approx(
        sum(t["total"] for t in totals["processes"].values()), abs=0.5)
    explained = run_steward(["account", "explain", "--enterprise", "JYCEM", "--year", "2025", "--facility", "F-KL01",
                             "--month", "2025-06"], steward_env, check=True)
    assert "44/56" in explained.stdout and "企业实测" in explained.stdout and "GB/T 32151.34-2024" in explained.stdout
    bad = run_steward(["account", "run", "--as", "lixf", "--enterprise", "NOPE", "--year", "2025"], steward_env)
    assert bad.returncode == 2 and "No enterprise NOPE" in bad.stderr
    report = run_steward(["account", "report", "--enterprise", "JYCEM", "--year", "2025", "--out",
                          str(Path(steward_env["STEWARD_HOME"]).parent / "r.docx")], steward_env, check=True)
    assert "wrote" in report.stdout
    missing = run_steward(["account", "report", "--enterprise", "JYCEM", "--year", "2019", "--out", "x.docx"],
                          steward_env)
    assert missing.returncode == 2 and "2019 has not been accounted" in missing.stderr
    nowhere = run_steward(["account", "report", "--enterprise", "JYCEM", "--year", "2025", "--out", "/no/such/r.docx"],
                          steward_env)
    assert nowhere.returncode == 2 and "/no/such does not exist" in nowhere.stderr
    other = run_steward(["account", "run", "--as", "lixf", "--enterprise", "JYXNC", "--year", "2025"], steward_env)
    assert other.returncode == 2 and "cannot act for JYXNC" in other.stderr
    staff = run_steward(["account", "run", "--as", "yangf", "--year", "2025"], steward_env)
    assert staff.returncode == 2 and "requires one of" in staff.stderr


def test_the_accounting_flow_reuses_an_unchanged_run(plant, engine):
    from flows import cycles
    first = cycles.account_year(engine, 2025)
    again = cycles.account_year(engine, 2025)
    assert first == again and first["JYCEM"]["run"] is not None
    assert cycles.account_year(engine, 2019)["JYCEM"] == {"run": None, "reason": "No activity data for 2019"}
    with Session(engine) as s:
        assert len(s.exec(select(AccountingRun).where(AccountingRun.year == 2025)).all()) == 1


def test_the_survey_report_has_every_section_and_both_charts(plant, engine):
    import io
    import zipfile

    import docx as docx_

    from workflows.accounting import survey_report
    with plant("cli:test") as s:
        run = runs.run(s, plant_id(s), 2025, "test")
        data = survey_report.render(s, run)
    text = "\n".join(p.text for p in docx_.Document(io.BytesIO(data)).paragraphs)
    for clause in ("6.1.1 a", "6.1.1 b", "6.1.1 c", "6.1.1 d", "6.1.1 e"):
        assert clause in text
    assert "较 2024 年变化" in text and "F-KL01" in text
    images = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("word/media/")]
    assert len(images) == 2


def measured(parameter, material, value, unit="fraction"):
    return Factor(parameter, material, value, unit, "lab", valid_from=date(2025, 1, 1), measured=True, evidence="化验")


def test_steel_carbon_balance_counts_carbon_in_minus_carbon_out():
    lib = LIB.with_overrides([measured("carbon_fraction", "coke", 0.86), measured("carbon_fraction", "crude_steel", 0.004),
                              measured("carbon_fraction", "limestone_flux", 0.12)])
    lines = calculate([line("carbon_input", "coke", 400, "t"), line("carbon_input", "limestone_flux", 100, "t"),
                       line("carbon_output", "crude_steel", 1000, "t")], lib)
    assert sum(e.tco2 for e in lines) == pytest.approx((400 * 0.86 + 100 * 0.12 - 1000 * 0.004) * 44 / 12)
    with pytest.raises(AccountingError, match="carbon fraction of pig_iron"):
        calculate([line("carbon_output", "pig_iron", 10, "t")], lib)


def test_aluminium_anode_and_anode_effect_pfcs_use_the_chosen_gwp_set():
    lib = LIB.with_overrides([measured("sulfur", "prebaked_anode", 0.02), measured("ash", "prebaked_anode", 0.004),
                              measured("ef_cf4", "primary_aluminium", 0.034, "kg/t"),
                              measured("ef_c2f6", "primary_aluminium", 0.0034, "kg/t")])
    anode, pfc = calculate([line("process", "prebaked_anode", 400, "t"),
                            line("production", "primary_aluminium", 1000, "t")], lib)
    assert anode.tco2 == pytest.approx(400 * (1 - 0.024) * 44 / 12)
    assert pfc.tco2 == pytest.approx(1000 * (0.034 * 6630 + 0.0034 * 11100) / 1000)
    [ar4] = calculate([line("production", "primary_aluminium", 1000, "t")], lib, Options(gwp="ar4"))
    assert ar4.tco2 == pytest.approx(1000 * (0.034 * 7390 + 0.0034 * 12200) / 1000)


def test_nitric_acid_n2o_after_abatement_and_coal_mine_methane():
    lib = LIB.with_overrides([measured("ef_n2o", "nitric_acid", 7.0, "kg/t"),
                              measured("n2o_abatement", "nitric_acid", 0.8)])
    n2o, ch4 = calculate([line("production", "nitric_acid", 100, "t"),
                          line("process", "coal_mine_methane", 2, "10^4 Nm3")], lib)
    assert n2o.tco2 == pytest.approx(100 * 7.0 * 0.2 * 265 / 1000)
    assert ch4.tco2 == pytest.approx(20000 * 0.717 / 1000 * 28)


def _same(quick: dict, full: dict) -> None:
    """Equal to the rounding of sums taken in another order."""
    assert quick.keys() == full.keys()
    for key, value in full.items():
        if isinstance(value, dict):
            _same(quick[key], value)
        elif isinstance(value, float):
            assert quick[key] == pytest.approx(value, abs=0.002), key
        else:
            assert quick[key] == value, key


def test_totals_of_many_years_at_once_are_the_full_runs_totals(plant, engine):
    """The quick path (sums in the database, one per-unit figure per month and material) must give what the
    line-by-line run gives, for every level, with the plant's measured factors and its own GWP set."""
    from storage.models import Enterprise
    from workflows.accounting import totals
    with plant("alice") as s:
        pid = plant_id(s)
        ent = s.get(Enterprise, pid)
        ent.gwp_set, ent.gwp_reason = "ar4", "省级报送要求"
        s.add(ent)
        s.flush()
        done, failed = totals.many(s, [pid], range(2020, 2027))
        assert failed == {} and sorted(year for _, year in done) == [2023, 2024, 2025]
        for (_, year), quick in done.items():
            full = calculation.compute(s, pid, year)[0]
            assert full["enterprise"]["total"] > 0 and full["gwp"]["set"] == "ar4"
            assert "facilities" not in quick and "facilities" not in quick["by_month"]  # no comparison reads them
            _same(quick, {k: {n: v for n, v in full[k].items() if n != "facilities"} if k == "by_month" else full[k]
                          for k in full if k != "facilities"})


def test_totals_at_once_report_a_bad_year_with_the_full_runs_reason_and_keep_the_others(plant, engine):
    from storage.models import ActivityRecord
    from workflows.accounting import totals
    with plant("alice") as s:
        pid = plant_id(s)
        s.add(ActivityRecord(enterprise_id=pid, period=date(2024, 5, 1), category="fuel_combustion",
                             material="unobtainium", quantity=5, unit="t"))
        s.add(ActivityRecord(enterprise_id=pid, period=date(2023, 5, 1), category="fuel_combustion",
                             material="diesel", quantity=-2, unit="t"))
        s.flush()
        done, failed = totals.many(s, [pid], [2023, 2024, 2025])
        assert set(done) == {(pid, 2025)}
        assert failed[pid, 2024].code == "unknown_fuel" and "unobtainium" in failed[pid, 2024].en
        assert failed[pid, 2023].code == "negative"
        with pytest.raises(StewardError, match="unobtainium"):
            totals.year_totals(s, pid, 2024)
        assert totals.year_totals(s, pid, 2019) is None
