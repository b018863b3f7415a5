"""What the annual report adds up and which rule it reports under: a month's amount (t, MWh, hours run) adds up to
the year's, a rate or share (a load factor, anode effects per cell-day, an NCV) never does — its year is a mean,
weighted where the guideline defines a weight, and the report says which; and the covered figure follows the sector
the enterprise is listed under in its carbon-market profile, not its industry."""

from __future__ import annotations

import io
import re
from datetime import date

import docx
import openpyxl
import pytest
from helpers import act, as_user, csrf, plant_id
from sqlmodel import select

from accounting import ets_monthly
from storage.models import Enterprise, EtsMonth, EtsProfile
from workflows.accounting import runs
from workflows.ets import report

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

# every monthly item of every sector, with how its year is made from its months: written out here by what the
# quantity is (an amount or not), so a new item or unit must be placed on purpose
YEARLY = {
    ("power", "fuel_coal"): "sum", ("power", "coal_ncv"): "mean", ("power", "coal_carbon"): "mean",
    ("power", "power_purchased"): "sum", ("power", "generation"): "sum", ("power", "heat_supplied"): "sum",
    ("power", "operating_hours"): "sum", ("power", "load_factor"): "mean", ("power", "power_supplied"): "sum",
    ("cement", "clinker_output"): "sum", ("cement", "coal_used"): "sum", ("cement", "coal_ncv"): "mean",
    ("cement", "coal_carbon"): "mean", ("cement", "natural_gas"): "sum", ("cement", "clinker_cao"): "mean",
    ("cement", "clinker_mgo"): "mean", ("cement", "power_purchased"): "sum",
    ("steel", "coal_used"): "sum", ("steel", "coke_used"): "sum", ("steel", "coal_ncv"): "mean",
    ("steel", "coal_carbon"): "mean", ("steel", "flux_used"): "sum", ("steel", "crude_steel"): "sum",
    ("steel", "power_purchased"): "sum",
    ("aluminium", "anode_used"): "sum", ("aluminium", "anode_carbon"): "mean", ("aluminium", "anode_effect"): "mean",
    ("aluminium", "aluminium_output"): "sum", ("aluminium", "fuel_gas"): "sum", ("aluminium", "power_purchased"): "sum",
}
WEIGHTED = {("power", "load_factor"): "operating_hours"}  # generation ÷ (capacity × hours): hours weight the months


ITEMS = [(sector, item) for sector, items in ets_monthly.defaults().items() for item in items]


def test_the_table_lists_every_item_of_every_sector():
    assert {(sector, item.code) for sector, item in ITEMS} == set(YEARLY)


@pytest.mark.parametrize(("sector", "item"), ITEMS, ids=[f"{s}-{i.code}" for s, i in ITEMS])
def test_each_items_year_is_a_sum_only_when_it_is_an_amount(sector, item):
    assert ("sum" if ets_monthly.summed(item) else "mean") == YEARLY[(sector, item.code)]
    assert ets_monthly.weight(sector, item.code) == WEIGHTED.get((sector, item.code), "")
    if item.weight:
        weight = next(i for i in ets_monthly.defaults()[sector] if i.code == item.weight)
        assert ets_monthly.summed(weight) and item.source == weight.source == "entered"


def _listed_as(s, sector: str) -> EtsProfile:
    profile = s.exec(select(EtsProfile).where(EtsProfile.enterprise_id == plant_id(s))).one()
    profile.sector, profile.items = sector, [i.as_dict() for i in ets_monthly.defaults()[sector]]
    s.add(profile)
    return profile


def _enter(s, months: dict[int, dict[str, float]]) -> None:
    """Type values for 2025's months (the demo's packages for those months, or new ones)."""
    for m, values in months.items():
        month = date(2025, m, 1)
        row = s.exec(select(EtsMonth).where(EtsMonth.enterprise_id == plant_id(s), EtsMonth.month == month)).first()
        row = row or EtsMonth(enterprise_id=plant_id(s), month=month, deadline=ets_monthly.deadline(month))
        row.entered = {code: {"value": v, "note": "生产报表", "by": "lixf"} for code, v in values.items()}
        s.add(row)


def _auxiliary(s) -> dict[str, list]:
    built = report.build(s, plant_id(s), 2025)
    rows = next(x for x in built.sections if x.key == "auxiliary").rows
    return {r[0][1]: r for r in rows}


@SQLITE
def test_a_load_factor_is_the_hours_weighted_mean_and_hours_run_add_up(plant):
    hours = {m: 600.0 + 10 * m for m in range(1, 13)}
    factor = {m: 50.0 + m for m in range(1, 13)}
    with plant("lixf") as s:
        _listed_as(s, "power")
        _enter(s, {m: {"operating_hours": hours[m], "load_factor": factor[m], "power_supplied": 1000.0}
                   for m in range(1, 13)})
        s.flush()
        rows = _auxiliary(s)
    assert rows["Operating hours"][1] == pytest.approx(sum(hours.values()))
    assert rows["Operating hours"][4] == ("月度填报：12 个月合计", "Entered monthly: sum of 12 months")
    assert rows["Electricity supplied (auxiliary)"][1] == pytest.approx(12000.0)
    weighted = sum(factor[m] * hours[m] for m in hours) / sum(hours.values())
    assert rows["Load (output) factor"][1] == pytest.approx(weighted, abs=0.001)
    assert 50 < rows["Load (output) factor"][1] < 63  # a percentage, not twelve of them added (ca. 690)
    assert rows["Load (output) factor"][4] == ("月度填报：12 个月按运行小时数加权平均",
                                               "Entered monthly: mean of 12 months weighted by operating hours")


@SQLITE
def test_anode_effects_per_cell_day_are_the_mean_of_the_months_that_have_one(plant):
    effect = {1: 0.02, 2: 0.04, 5: 0.03}  # three months typed, the others not
    with plant("lixf") as s:
        _listed_as(s, "aluminium")
        _enter(s, {m: {"anode_effect": v} for m, v in effect.items()})
        s.flush()
        row = _auxiliary(s)["Anode effect duration"]
    assert row[1] == pytest.approx(0.03) and row[3] == 3
    assert row[4] == ("月度填报：3 个月平均", "Entered monthly: mean of 3 months")


@SQLITE
def test_a_load_factor_without_hours_for_every_month_is_a_plain_mean_and_says_so(plant):
    with plant("lixf") as s:
        _listed_as(s, "power")
        _enter(s, {1: {"load_factor": 40.0, "operating_hours": 100.0}, 2: {"load_factor": 60.0}})
        s.flush()
        row = _auxiliary(s)["Load (output) factor"]
    assert row[1] == pytest.approx(50.0) and row[4][1] == "Entered monthly: mean of 2 months"


@SQLITE
def test_the_covered_figure_follows_the_sector_the_enterprise_is_listed_under(plant):
    """A chemical company's plant listed as cement (or a captive power plant listed as power) is covered."""
    with plant("lixf") as s:
        ent = s.get(Enterprise, plant_id(s))
        ent.industry = "chemicals"
        s.add(ent)
    act(plant, "lixf", lambda s, a: runs.run_as(s, a, 2025))  # the run now states the chemicals industry's rule
    with plant("test") as s:
        built = report.build(s, plant_id(s), 2025)
        assert built.rule["covered"] and built.rule["figure"] == "total_direct_only" and "工作方案" in built.rule["source"]
        assert built.covered_tco2e == pytest.approx(built.run.totals["enterprise"]["total_direct_only"], abs=0.001)
        emissions = next(x for x in built.sections if x.key == "emissions")
        assert any(r[6] == report.YES for r in emissions.rows if r[4] == report.KINDS["direct"])
        _listed_as(s, "power")
        s.flush()
        power = report.build(s, plant_id(s), 2025)
    assert power.rule["covered"] and "发电行业" in power.rule["source"]


GRADE = re.compile(r"[\[（(，,]\s*[HMU]\s*[\]）)]")  # a confidence grade as its letter (as tests/test_words_not_codes.py)


def _files_text(client) -> str:
    book = openpyxl.load_workbook(io.BytesIO(client.get("/ets/reports/2025/report.xlsx").content))
    cells = [str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    return "\n".join(cells)


@SQLITE
def test_how_sure_a_source_is_reads_as_words_on_the_pages_and_in_the_files(web, plant):
    with plant("test") as s:
        run_id = runs.year_run(s, plant_id(s), 2025).id
    lixf = as_user(web, "lixf")
    for lang, words in (("zh", ("官方原文", "可信转述")), ("en", ("official text", "credible transcription"))):
        lixf.get(f"/lang/{lang}")
        page = lixf.get("/ets/reports/2025").text
        rule = page[page.index('id="rule-source"'):][:400]
        assert words[0] in rule and not GRADE.search(rule)
        assert words[1] in page and not GRADE.search(page), GRADE.findall(page)  # the factors' sources too
        ets = lixf.get("/ets?year=2026").text
        assert words[1] in ets[ets.index("id=\"ets-profile-form\""):] and not GRADE.search(ets), GRADE.findall(ets)
        assert "ACCOUNTING-FACTS" not in ets
        start = ets[ets.index('id="monthly-start"'):][:600]
        assert "月度存证安排" in start and words[1] in start
        files = _files_text(lixf)
        assert words[1] in files and not GRADE.search(files), GRADE.findall(files)
        lixf.post("/ets/reports/2025/generate", data={"csrf_token": csrf(lixf, "/ets/reports/2025")})
        doc = docx.Document(io.BytesIO(lixf.get("/ets/reports/2025/report.docx").content))
        text = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
        assert "可信转述" in text and "credible transcription" in text and not GRADE.search(text)
        drill = lixf.get(f"/accounting?run={run_id}&material=bituminous_coal").text
        assert "←" in drill and not GRADE.search(drill), GRADE.findall(drill)
