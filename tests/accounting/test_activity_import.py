"""Importing a month of activity data from Excel or CSV: all or nothing, every bad cell named."""

from __future__ import annotations

import io

import pytest
from helpers import act, run_steward
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, func, select

from forms.activity_import import HEADERS, template
from storage.errors import StewardError
from storage.models import ActivityRecord
from workflows.accounting import activity


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def count(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(ActivityRecord)).one()


GOOD = [["2026-01", "F-KL01", "fuel_combustion", "bituminous_coal", 18250.5, "t", "measured", "M-W001", "月报"],
        ["2026-01", "", "electricity_purchased", "grid_electricity", "12,650.2", "MWh", "measured", "M-E001", ""],
        ["2026-01", "F-BL01", "fuel_combustion", "natural_gas", 2.1, "10^4 Nm3", "", "", ""]]


def test_a_clean_workbook_is_imported_whole(plant, engine):
    before = count(engine)
    assert act(plant, "lixf", lambda s, a: activity.import_file(s, a, "2026-01.xlsx", xlsx(GOOD))) == 3
    assert count(engine) == before + 3
    with Session(engine) as s:
        row = s.exec(select(ActivityRecord).where(ActivityRecord.material == "grid_electricity")
                     .order_by(ActivityRecord.id.desc())).first()
        assert row.quantity == 12650.2 and row.evidence == "import 2026-01.xlsx row 3"


def test_names_people_type_are_read_as_the_codes_they_mean(plant, engine):
    rows = [["2026-02", "F-KL01", "化石燃料燃烧", "烟煤", 100, "吨", "实测", "", "月报"],
            ["2026-02", "F-MV01", "fuel combustion", "柴油", 2, "t", "缺省值", "", ""],
            ["2026-02", "", "购入电力", "外购电力", 10, "MWh", "", "", ""],
            ["2026-02", "F-KL01", "产品产量", "窑头粉尘", 30, "t", "实测", "", ""]]
    assert act(plant, "lixf", lambda s, a: activity.import_file(s, a, "names.xlsx", xlsx(rows))) == 4
    with Session(engine) as s:
        kept = {(r.category, r.material, r.source) for r in s.exec(select(ActivityRecord).where(
            ActivityRecord.evidence.contains("names.xlsx"))).all()}
    assert kept >= {("fuel_combustion", "diesel", "default"), ("electricity_purchased", "grid_electricity", "measured"),
                    ("production", "kiln_dust", "measured")}


def test_every_bad_cell_is_named_and_nothing_is_imported(plant, engine):
    before = count(engine)
    rows = GOOD + [
        ["2026-13", "F-KL01", "fuel_combustion", "bituminous_coal", 1, "t", "", "", ""],
        ["2026-01", "F-KL01", "fuel_combustion", "unobtainium", 1, "t", "", "", ""],
        ["2026-01", "F-MV01", "fuel_combustion", "diesel", -4, "t", "", "", ""],
        ["2026-01", "F-MV01", "fuel_combustion", "gasoline", "七十", "t", "", "", ""],
        ["2026-01", "F-CM01", "fuel_combustion", "natural_gas", 3, "t", "", "", ""],
        ["2026-01", "F-KL01", "fuel_combustion", "bituminous_coal", 5, "t", "", "", ""],
        ["2026-01", "F-XX99", "fuel_combustion", "diesel", 5, "t", "", "", ""],
    ]
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", lambda s, a: activity.import_file(s, a, "bad.xlsx", xlsx(rows)))
    by_row = {d["row"]: d for d in err.value.details}
    assert set(by_row) == {5, 6, 7, 8, 9, 10, 11}  # an unknown facility is named with the rest, not after them
    assert "not a month" in by_row[5]["en"] and "Unknown fuel" in by_row[6]["en"]
    assert "negative" in by_row[7]["en"] and "七十" in by_row[8]["zh"] and "does not fit" in by_row[9]["en"]
    assert "duplicates row 2" in by_row[10]["en"] and "no facility F-XX99" in by_row[11]["en"]
    assert err.value.zh.startswith("导入失败，未写入任何数据")
    assert count(engine) == before
    with pytest.raises(StewardError, match="no facility F-XX99"):
        act(plant, "lixf", lambda s, a: activity.import_file(s, a, "x.xlsx", xlsx(GOOD + rows[-1:])))


def test_a_month_already_on_record_is_refused(plant, engine):
    again = [["2025-06", "F-KL01", "fuel_combustion", "bituminous_coal", 1000, "t", "", "", ""]]
    with pytest.raises(StewardError, match="already on record"):
        act(plant, "lixf", lambda s, a: activity.import_file(s, a, "again.csv",
                                                             _csv([HEADERS, *again]).encode("utf-8")))


def _csv(rows) -> str:
    return "\n".join(",".join(str(c) for c in r) for r in rows) + "\n"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_broken_file_and_a_missing_column_get_a_clear_error(plant, engine):
    with pytest.raises(StewardError, match="not a valid Excel workbook"):
        act(plant, "lixf", lambda s, a: activity.import_file(s, a, "broken.xlsx", b"PK\x03\x04 not really a zip"))
    with pytest.raises(StewardError, match="Missing column 'Quantity'"):
        act(plant, "lixf", lambda s, a: activity.import_file(s, a, "x.xlsx", xlsx([], [h for h in HEADERS
                                                                                        if "Quantity" not in h])))
    gbk = _csv([HEADERS, GOOD[0]]).encode("gb18030")
    assert act(plant, "lixf", lambda s, a: activity.import_file(s, a, "gbk.csv", gbk)) == 1
    with pytest.raises(StewardError, match="requires one of"):
        act(plant, "qianc", lambda s, a: activity.import_file(s, a, "x.xlsx", xlsx(GOOD)))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_template_round_trips_through_the_command_line(plant, steward_env, tmp_path):
    path = tmp_path / "template.xlsx"
    run_steward(["account", "template", "--out", str(path), "--enterprise", "JYCEM"], steward_env, check=True)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    assert ws.max_row == 1  # the data sheet starts empty: examples live on their own sheet
    rules = {str(r.sqref).split(":")[0]: r.formula1 for r in ws.data_validations.dataValidation}
    assert set(rules) == {"B2", "C2", "D2", "F2", "G2"}  # drop-downs for facility, category, material, unit, source
    for example in wb["示例 Examples"].iter_rows(min_row=2, values_only=True):
        ws.append(["2026-02", *example[1:]])  # the examples, as a person copies them over
    wb.save(path)
    assert "imported 3 row(s)" in run_steward(["account", "import", "--as", "lixf", str(path)], steward_env,
                                              check=True).stdout
    again = run_steward(["account", "import", "--as", "lixf", str(path)], steward_env)
    assert again.returncode == 2 and "already on record" in again.stderr
    march = tmp_path / "march.xlsx"
    for row in ws.iter_rows(min_row=2):
        row[0].value = "2026-03"
    wb.save(march)
    both = run_steward(["account", "import", "--as", "lixf", str(path), str(march)], steward_env)
    assert both.returncode == 2  # one process for many files: each its own batch, a refused one named
    assert "march.xlsx: 已导入 3 行 / imported 3 row(s)" in both.stdout
    assert "template.xlsx: 未导入 / not imported" in both.stderr and "already on record" in both.stderr
    assert template()[:2] == b"PK"


def test_a_unit_of_the_wrong_kind_is_refused_by_row_and_column_on_the_command_line(plant, engine, steward_env, tmp_path):
    """Methane, coke-oven gas in a carbon balance and anode each in MWh: each a named refusal with the units that would
    fit, exit 2, nothing written (these ended the import with a pint traceback and exit 1). Methane by mass and a gas
    by volume in a balance are read since the sector rules (issue 31), so they are no longer wrong kinds."""
    before = count(engine)
    path = tmp_path / "wrong-units.csv"
    path.write_text("\n".join([",".join(HEADERS),
                               "2026-01,,process,coal_mine_methane,12,MWh,measured,,",
                               "2026-01,,carbon_input,coke_oven_gas,3.5,MWh,measured,,",
                               "2026-01,,process,prebaked_anode,800,MWh,measured,,"]), encoding="utf-8")
    result = run_steward(["account", "import", "--as", "lixf", str(path)], steward_env)
    assert result.returncode == 2 and "Traceback" not in result.stderr + result.stdout
    assert "row 2, Unit: coal_mine_methane: unit 'MWh' does not fit here; use a unit that converts to Nm3" in result.stderr
    assert "row 3, Unit:" in result.stderr and "'MWh' does not fit" in result.stderr
    assert "counts by mass or, for a gas, by volume: use t, kg, 万t, 10^4 Nm3, Nm3" in result.stderr  # coke-oven gas
    assert "row 4, Unit:" in result.stderr and "'MWh' does not fit here; use a unit that converts to t (t, kg, 万t)" \
        in result.stderr
    assert "第 4 行「单位」" in result.stderr
    assert count(engine) == before


def test_every_material_and_parameter_the_import_accepts_is_in_the_template_in_chinese_with_its_code(plant, engine):
    from accounting import parameters
    from forms import aliases
    book = load_workbook(io.BytesIO(template()))
    offered = [c for (c,) in book["选项 Lists"].iter_rows(min_col=2, max_col=2, values_only=True) if c]
    for label in ("预焙阳极 (prebaked_anode)", "煤矿瓦斯 (coal_mine_methane)", "炼焦煤 (coking_coal)", "褐煤 (lignite)",
                  "液化石油气 (lpg)", "煤矸石 (coal_gangue)"):
        assert label in offered
    assert {aliases.material(label) for label in offered} == set(aliases.codes())  # each reads back as its code
    help_rows = [row for row in book["说明 Help"].values]
    materials = {row[0]: row for row in help_rows if row and row[0] in aliases.codes()}
    assert set(materials) == set(aliases.codes())
    assert materials["prebaked_anode"][1:3] == ("预焙阳极", "Prebaked anode") and materials["coking_coal"][2] == "Coking coal"
    assert materials["coal_mine_methane"][3] == "t, kg, 万t, 10^4 Nm3, Nm3" and "MWh" not in materials["prebaked_anode"][3]
    measured = {row[0]: row for row in help_rows if row and row[0] in parameters.PARAMETERS}
    assert set(measured) == set(parameters.PARAMETERS)
    assert measured["ef_c2f6"][1:3] == ("C2F6 排放因子", "C2F6 emission factor") and measured["ef_c2f6"][6] == "kg/t, g/t, t/t"
    rows = [["2026-03", "", "process", "预焙阳极 (prebaked_anode)", 800, "t", "measured", "", ""],
            ["2026-03", "", "fuel_combustion", "炼焦煤 (coking_coal)", 1200, "t", "measured", "", ""],
            ["2026-03", "", "fuel_combustion", "重油", 30, "t", "measured", "", ""]]
    assert act(plant, "lixf", lambda s, a: activity.import_file(s, a, "labels.xlsx", xlsx(rows))) == 3
    with Session(engine) as s:
        kept = {r.material for r in s.exec(select(ActivityRecord).where(ActivityRecord.evidence.contains("labels.xlsx")))}
    assert kept == {"prebaked_anode", "coking_coal", "fuel_oil"}


@pytest.mark.parametrize("sector", ["", "power"])
def test_the_help_sheet_lists_exactly_the_units_the_import_accepts_for_each_material(sector):
    """Every material of the help sheet, in each category it lists, with every unit the template offers, goes through
    the importer's own check: a unit listed is accepted (in some sector's rules), a unit not listed is refused (flared
    methane listed MWh, heat supplied t and Nm3, and mine methane left out t, which the import took)."""
    from accounting.factors import default_library
    from forms.activity_import import UNITS, check
    book = load_workbook(io.BytesIO(template()))
    sheet = list(book["说明 Help"].values)
    start = next(i for i, row in enumerate(sheet) if row and row[0] == "物料 Material")
    assert sheet[start][3:5] == ("单位 Units", "类别 Categories")
    end = next(i for i in range(start, len(sheet)) if not sheet[i] or not any(sheet[i]))
    help_rows = sheet[start + 1:end]
    rows, expected = [HEADERS], {}
    for code, _zh, _en, listed, categories in (row[:5] for row in help_rows):
        for category in categories.split(", "):
            for month, unit in enumerate(UNITS, 1):
                material = "coke_oven_gas" if category.startswith("carbon_") else code
                rows.append([f"2025-{month:02d}", "", category, material, 10, unit, "measured", "", ""])
                expected[len(rows)] = (code, category, unit, unit in listed.split(", "))
    try:
        check(rows, default_library(), sector=sector)
        refused: set[int] = set()
    except StewardError as exc:
        assert {d["field"] for d in exc.details} <= {"unit", "material"}
        refused = {d["row"] for d in exc.details}
    for line, (code, category, unit, listed) in expected.items():
        if line not in refused:  # accepted under these rules: it must be listed
            assert listed, f"{code} in {category} is accepted in {unit} but the help sheet does not list it"
    if sector == "":  # every listed unit is accepted under the general rules, save a power plant's own coals
        from accounting.sectors.power import COALS
        for line, (code, category, unit, listed) in expected.items():
            if listed and not (code in COALS and category == "fuel_combustion"):
                assert line not in refused, f"{code} in {category}: {unit} is listed but the import refuses it"
    for name, wrong in (("coal_mine_methane_flared", "MWh"), ("coal_mine_methane_utilised", "GJ"),
                        ("raw_coal_underground", "MWh"), ("heat_supplied", "t"), ("heat_supplied", "Nm3")):
        assert wrong not in next(r[3] for r in help_rows if r[0] == name).split(", ")
    assert "t" in next(r[3] for r in help_rows if r[0] == "coal_mine_methane").split(", ")


def test_a_carbon_balance_with_more_carbon_out_than_in_is_refused_at_import_by_its_row(plant, engine, steward_env,
                                                                                        tmp_path):
    """It was refused only when the year was run, naming activity_record:8, after the import had written the rows:
    now the file, the form and the API refuse it, with the data already on record, by the file's row and both carbon
    figures, exit 2, nothing written."""
    from datetime import date

    from workflows.accounting import calculation
    for material, share in (("coke", 0.85), ("crude_steel", 0.004)):
        act(plant, "lixf", lambda s, a, material=material, share=share: calculation.add_measured_factor(
            s, a, parameter="carbon_fraction", material=material, value=share, unit="fraction",
            valid_from=date(2026, 1, 1), evidence="化验"))
    before = count(engine)
    path = tmp_path / "balance.csv"
    path.write_text("\n".join([",".join(HEADERS), "2026-02,,carbon_input,coke,100,t,measured,,",
                               "2026-02,,carbon_output,crude_steel,1000,万t,measured,,"]), encoding="utf-8")
    result = run_steward(["account", "import", "--as", "lixf", str(path)], steward_env)
    assert result.returncode == 2 and "Traceback" not in result.stderr + result.stdout
    assert "row 3, Quantity: 2026-02: the carbon balance's outputs carry 40,000.000 t of carbon, more than its " \
           "inputs' 85.000 t" in result.stderr and "Crude steel's quantity 1000 万t" in result.stderr
    assert "第 3 行「数量」" in result.stderr and count(engine) == before
    path.write_text("\n".join([",".join(HEADERS), "2026-02,,carbon_input,coke,100,t,measured,,"]), encoding="utf-8")
    assert run_steward(["account", "import", "--as", "lixf", str(path)], steward_env).returncode == 0
    typed = {"period": "2026-02", "category": "carbon_output", "material": "粗钢", "quantity": 1000, "unit": "万t"}
    with pytest.raises(StewardError) as refused:  # the input on record, the output typed: the same check
        act(plant, "lixf", lambda s, a: activity.enter(s, a, [typed], "form"))
    assert refused.value.field == "quantity" and "more than its inputs' 85.000 t" in refused.value.en
    assert count(engine) == before + 1
    typed["quantity"] = 1000
    typed["unit"] = "t"  # 4 t of carbon out of 85 in: sound
    assert act(plant, "lixf", lambda s, a: activity.enter(s, a, [typed], "form")) == 1
