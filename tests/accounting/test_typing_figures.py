"""Typing a figure by hand (issue 30): pick lists that show names, a facility named by its name, figures written
the way people write them ("1,200", "1 200", "１２００"), every mistake named beside its field with nothing typed
lost, and a template whose material list is the importer's own."""

from __future__ import annotations

import io
from datetime import date

import pytest
from helpers import act
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from forms import aliases
from forms.activity_import import HEADERS, template
from storage.errors import StewardError
from storage.models import ActivityRecord, Facility
from workflows.accounting import activity

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
HX = {"HX-Request": "true"}
KILN = "1#回转窑（含分解炉）"


def xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def kept(engine, period: date) -> list[tuple[str | None, str, float]]:
    with Session(engine) as s:
        codes = {f.id: f.code for f in s.exec(select(Facility))}
        return [(codes.get(r.facility_id), r.material, r.quantity)
                for r in s.exec(select(ActivityRecord).where(ActivityRecord.period == period))]


def test_figures_with_separators_and_full_width_digits_and_facilities_by_name_are_imported(plant, engine):
    rows = [["2026-03", KILN, "fuel_combustion", "烟煤", "1 200", "t", "", "", ""],
            ["2026-03", f"{KILN} (F-KL01)", "fuel_combustion", "柴油", "１２００", "t", "", "", ""],
            ["2026-03", "F-KL01", "fuel_combustion", "天然气", "1，200.5", "10^4 Nm3", "", "", ""]]
    assert act(plant, "lixf", lambda s, a: activity.import_file(s, a, "march.xlsx", xlsx(rows))) == 3
    assert sorted(kept(engine, date(2026, 3, 1))) == [("F-KL01", "bituminous_coal", 1200.0),
                                                      ("F-KL01", "diesel", 1200.0),
                                                      ("F-KL01", "natural_gas", 1200.5)]


def test_a_facility_name_counts_within_the_enterprise_only(plant, engine):
    from workflows.people import organisation
    with plant("setup") as s:  # the sister company's own kiln, which JYCEM's people may not name
        organisation.add(s, "facility", {"code": "F-XN01", "name": "新材料焙烧炉", "process": None},
                         enterprise_ref="JYXNC")
    row = {"period": "2026-03", "category": "fuel_combustion", "material": "烟煤", "quantity": "10", "unit": "t"}
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", lambda s, a: activity.enter(s, a, [{**row, "facility": "新材料焙烧炉"}], "test"))
    assert err.value.field == "facility" and "no facility 新材料焙烧炉 in this enterprise" in err.value.en
    assert kept(engine, date(2026, 3, 1)) == []
    assert act(plant, "lixf", lambda s, a: activity.enter(s, a, [{**row, "facility": KILN}], "test")) == 1
    assert kept(engine, date(2026, 3, 1)) == [("F-KL01", "bituminous_coal", 10.0)]  # its own kiln, by name


def test_the_templates_material_list_is_the_importers(plant):
    book = load_workbook(io.BytesIO(template()))
    names = [c for (c,) in book["选项 Lists"].iter_rows(min_col=2, max_col=2, values_only=True) if c]
    assert sorted(aliases.material(n) for n in names) == aliases.codes()  # each name reads back as its own code
    assert {"prebaked_anode", "coal_mine_methane"} <= set(aliases.codes())
    assert "预焙阳极" in names and "煤矿瓦斯" in names
    rule = next(r for r in book["活动数据 Activity"].data_validations.dataValidation if "D2" in str(r.sqref))
    assert rule.formula1.endswith(f"$B${len(names)}")
