"""Typing a figure by hand (issue 30): pick lists that show names, a facility named by its name, figures written
the way people write them ("1,200", "1 200", "１２００"), every mistake named beside its field with nothing typed
lost, and a template whose material list is the importer's own."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from helpers import act, as_user, csrf
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


def test_a_comma_that_does_not_group_thousands_is_refused_not_read_as_a_larger_figure(plant, engine):
    rows = [["2026-03", "F-KL01", "fuel_combustion", "柴油", "0,65", "t", "", "", ""]]  # a decimal comma: 0.65, not 65
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", lambda s, a: activity.import_file(s, a, "march.xlsx", xlsx(rows)))
    assert [(d["field"], d["zh"]) for d in err.value.details] == [("quantity", "第 2 行「数量」：「0,65」不是数字")]
    assert kept(engine, date(2026, 3, 1)) == []


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
    assert "预焙阳极 (prebaked_anode)" in names and "煤矿瓦斯 (coal_mine_methane)" in names  # Chinese, the code beside
    rule = next(r for r in book["活动数据 Activity"].data_validations.dataValidation if "D2" in str(r.sqref))
    assert rule.formula1.endswith(f"$B${len(names)}")


def entry_form(html: str) -> str:
    return html[html.index('<form method="post" action="/accounting/entry"'):].split("</form>", 1)[0]


def options(form: str, name: str) -> list[str]:
    select = form.split(f'<select name="{name}"', 1)[1].split("</select>", 1)[0]
    return [re.sub(r"<[^>]+>", "", o).strip() for o in re.findall(r"<option[^>]*>[^<]*</option>", select)]


def test_the_entry_form_offers_facilities_materials_and_units_by_name(web):
    yangf = as_user(web, "yangf")
    form = entry_form(yangf.get("/accounting").text)
    assert f"{KILN} (F-KL01)" in options(form, "facility")
    assert {"烟煤", "柴油", "天然气", "预焙阳极"} <= set(options(form, "material"))
    coal = re.search(r'<option value="bituminous_coal" data-units="([^"]*)"', form).group(1)
    gas = re.search(r'<option value="natural_gas" data-units="([^"]*)"', form).group(1)
    assert coal.split("|") == ["t", "kg", "万t"] and gas.split("|") == ["10^4 Nm3", "Nm3"]  # the units follow it
    yangf.get("/lang/en")
    assert "Bituminous coal" in options(entry_form(yangf.get("/accounting").text), "material")


def test_a_figure_typed_with_a_thousands_separator_and_a_facility_by_name_is_kept(web, engine):
    yangf = as_user(web, "yangf")
    token = csrf(yangf, "/accounting")
    typed = {"period": "2026-03", "facility": KILN, "category": "fuel_combustion", "material": "bituminous_coal",
             "quantity": "1,200", "unit": "t", "csrf_token": token}
    answer = yangf.post("/accounting/entry", data=typed, headers=HX)
    assert answer.status_code == 200 and 'id="imported"' in answer.text and "烟煤 1,200 t" in answer.text
    assert kept(engine, date(2026, 3, 1)) == [("F-KL01", "bituminous_coal", 1200.0)]


def error_of(form: str, name: str) -> str:
    tag = re.search(rf'<(input|select) name="{name}"[^>]*>', form)
    assert tag, name
    rest = form[tag.end():]
    if tag.group(1) == "select":
        rest = rest.split("</select>", 1)[1]
    found = re.match(r'\s*<small class="field-error" role="alert">([^<]*)</small>', rest)
    return found.group(1) if found else ""


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", {"quantity": "不能为负数", "facility": "本企业没有设施 F-XX99", "period": "不是 YYYY-MM 格式的月份",
            "meter": "本企业没有计量器具 M-NONE"}),
    ("en", {"quantity": "must not be negative", "facility": "no facility F-XX99 in this enterprise",
            "period": "is not a month (YYYY-MM)", "meter": "no meter M-NONE in this enterprise"})])
def test_every_mistake_is_named_beside_its_field_and_nothing_typed_is_lost(web, engine, lang, words):
    yangf = as_user(web, "yangf")
    if lang == "en":
        yangf.get("/lang/en")
    token = csrf(yangf, "/accounting")
    typed = {"period": "2026-3x", "facility": "F-XX99", "category": "fuel_combustion", "material": "柴油",
             "quantity": "-1,200", "unit": "t", "meter": "M-NONE", "evidence": "班组日报", "csrf_token": token}
    answer = yangf.post("/accounting/entry", data=typed, headers=HX)
    assert answer.status_code == 422
    form = entry_form(answer.text)
    for field, said in words.items():
        assert said in error_of(form, field), (field, error_of(form, field))
    assert error_of(form, "material") == error_of(form, "unit") == ""
    assert 'name="period" value="2026-3x"' in form and 'name="quantity" inputmode="decimal" value="-1,200"' in form
    assert 'name="evidence" value="班组日报"' in form and 'name="meter" value="M-NONE"' in form
    assert '<option value="diesel" data-units="t|kg|万t" selected>' in form
    assert re.search(r'<option value="t" selected>t</option>', form)
    assert kept(engine, date(2026, 3, 1)) == []


@pytest.mark.parametrize("figure", ["inf", "七十", "-5"])
def test_an_infinite_non_numeric_or_negative_quantity_is_refused_by_name(web, figure):
    yangf = as_user(web, "yangf")
    typed = {"period": "2026-03", "facility": "F-KL01", "category": "fuel_combustion", "material": "bituminous_coal",
             "quantity": figure, "unit": "t", "csrf_token": csrf(yangf, "/accounting")}
    said = error_of(entry_form(yangf.post("/accounting/entry", data=typed, headers=HX).text), "quantity")
    assert said.startswith("「数量」") and ("不是有限的数" in said or "不是数字" in said or "不能为负数" in said)
