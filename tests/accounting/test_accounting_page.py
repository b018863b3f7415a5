"""The accounting page as people read it: names not codes, intensity against last year and the baseline,
a drill from any figure to its lines with factors and sources, the run as Excel, the template with its
drop-downs, and a measured value checked when it is typed in."""

from __future__ import annotations

import io
import re

import pytest
from helpers import act, as_user, csrf
from openpyxl import load_workbook
from sqlmodel import Session, select

from storage.models import EnterpriseFactor
from workflows.accounting import runs

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
HX = {"HX-Request": "true"}


def shown(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1])


@pytest.fixture
def run_id(plant):
    return act(plant, "lixf", lambda s, a: runs.run_as(s, a, 2025).id)


def test_figures_are_named_and_each_drills_to_its_lines_with_factors_and_sources(web, run_id):
    lixf = as_user(web, "lixf")
    page = lixf.get("/accounting").text
    words = shown(page)
    assert "熟料煅烧 (P30)" in words and re.search(r"\S+ \(F-KL01\)", words)  # name, code beside
    for code in ("bituminous_coal", "(enterprise)", "electricity_purchased"):
        assert code not in words, code
    assert 'id="intensity"' in page and "熟料" in shown(page.split('id="intensity"')[1].split("</table>")[0])
    assert "较上年" in words and "较基准" in words  # the demo has 2024 data and a 2023 baseline
    kiln = lixf.get(f"/accounting?run={run_id}&facility=F-KL01").text
    lines = shown(kiln.split('id="lines"')[1])
    assert "烟煤" in lines and "GB/T 32151.34" in lines and "× 44/12" in lines  # material, source, formula
    month = lixf.get(f"/accounting?run={run_id}&month=2025-03&material=bituminous_coal").text
    assert all("2025-03" in row for row in re.findall(r"<tr><td><a[^>]*>(\d{4}-\d\d)</a>", month.split('id="lines"')[1]))
    english = as_user(web, "lixf")
    english.get("/lang/en")
    assert "Bituminous coal" in shown(english.get(f"/accounting?run={run_id}&facility=F-KL01").text)


def test_the_run_downloads_as_a_workbook_with_formulas_and_sources(web, run_id):
    lixf = as_user(web, "lixf")
    book = load_workbook(io.BytesIO(lixf.get(f"/accounting/run.xlsx?run={run_id}").content))
    rows = list(book.active.values)
    assert rows[0][:5] == ("月份", "工序", "设施", "类别", "物料") and len(rows) > 100
    coal = next(r for r in rows if r[4] == "烟煤")
    assert "× 44/12" in coal[10] and "GB/T 32151.34" in coal[11] and isinstance(coal[9], float)


def test_the_template_comes_from_the_page_with_the_plants_facilities(web):
    lixf = as_user(web, "lixf")
    assert 'href="/accounting/template.xlsx"' in lixf.get("/accounting").text
    book = load_workbook(io.BytesIO(lixf.get("/accounting/template.xlsx").content))
    assert book.sheetnames == ["活动数据 Activity", "选项 Lists", "示例 Examples", "说明 Help"]
    facilities = [c for (c,) in book["选项 Lists"].iter_rows(min_col=4, max_col=4, values_only=True) if c]
    assert "1#回转窑（含分解炉） (F-KL01)" in facilities  # a facility by its name, which the import reads back
    help_cells = [c for row in book["说明 Help"].values for c in row if c]
    assert "熟料 CaO 含量" in help_cells and "窑头粉尘" in help_cells


def errors_of(html: str) -> dict[str, str]:
    """Each field's mistake as the form shows it beside the field."""
    return dict(re.findall(r'id="measured-error-([a-z_]+)">([^<]+)<', html))


def test_a_measured_value_is_checked_when_typed_every_mistake_beside_its_field(web, engine):
    lixf = as_user(web, "lixf")
    page = lixf.get("/accounting").text
    form_html = page.split('id="measured-form"', 1)[1].split("</form>", 1)[0]
    # pick lists by name, not free text: the material is chosen by its name, the unit from the units recorded
    assert '<select name="material"' in form_html and '<option value="clinker">熟料</option>' in form_html
    assert '<select name="unit"' in form_html and '<option value="GJ/t"' in form_html
    assert "bituminous_coal<" not in form_html
    token = csrf(lixf, "/accounting")
    form = {"parameter": "cao", "material": "clinker", "value": "65.23", "unit": "fraction",
            "valid_from": "2026-01-01", "evidence": "化验报告 HY-2026-01", "csrf_token": token}
    wrong = lixf.post("/accounting/measured", data=form, headers=HX)
    assert wrong.status_code == 422 and "0.6523" in errors_of(wrong.text)["value"]
    # every mistake at once, each beside its field, and all that was typed kept
    many = lixf.post("/accounting/measured", data={**form, "material": "cement", "value": "0,65",
                                                   "valid_from": "2026-13-01", "evidence": " "}, headers=HX)
    mistakes = errors_of(many.text)
    assert many.status_code == 422 and set(mistakes) == {"material", "value", "valid_from", "evidence"}
    assert "熟料 CaO 含量只适用于：熟料（不是「水泥」）" in mistakes["material"]
    assert "应为数字" in mistakes["value"] and "应为日期" in mistakes["valid_from"]
    assert 'value="0,65"' in many.text and 'value="2026-13-01"' in many.text
    english = as_user(web, "lixf")
    english.get("/lang/en")
    said = errors_of(english.post("/accounting/measured", data={**form, "material": "cement", "value": "x",
                                                               "csrf_token": csrf(english, "/accounting")},
                                  headers=HX).text)
    assert "CaO in clinker applies to Clinker only (not Cement)" in said["material"] and "must be a number" in said["value"]
    # without JavaScript the whole page comes back, the form open with the same mistakes
    plain = lixf.post("/accounting/measured", data={**form, "material": "", "unit": ""})
    assert plain.status_code == 422 and '<details id="measured-box" open>' in plain.text
    assert set(errors_of(plain.text)) == {"material", "unit"}
    with Session(engine) as s:
        assert not s.exec(select(EnterpriseFactor).where(EnterpriseFactor.evidence == "化验报告 HY-2026-01")).all()
    # "1,200"-style figures read as on the entry form; 熟料 typed as a name works like its code
    ncv = lixf.post("/accounting/measured", data={**form, "parameter": "ncv", "material": "天然气", "value": "389,31",
                                                  "unit": "GJ/10^4 Nm3"}, headers=HX)
    assert "应为数字" in errors_of(ncv.text)["value"]  # a decimal comma is refused, never read as 38931
    big = lixf.post("/accounting/measured", data={**form, "parameter": "ncv", "material": "natural_gas",
                                                  "value": "1,200", "unit": "GJ/10^4 Nm3"}, headers=HX)
    assert "超出合理范围" in errors_of(big.text)["value"]  # read as 1200, then found implausible
    taken = lixf.post("/accounting/measured", data={**form, "material": "熟料", "value": "0.6523"}, headers=HX)
    assert taken.status_code == 200 and "已登记实测值：熟料 0.6523 fraction" in shown(taken.text)
    with Session(engine) as s:
        kept = s.exec(select(EnterpriseFactor).where(EnterpriseFactor.parameter == "cao",
                                                     EnterpriseFactor.evidence == "化验报告 HY-2026-01")).all()
    assert [(k.material, k.value) for k in kept] == [("clinker", 0.6523)]  # the name typed, the code kept


def test_the_gwp_set_is_kept_on_record_with_its_reason_and_each_run_states_it(web, plant):
    from helpers import plant_id

    lixf = as_user(web, "lixf")
    token = csrf(lixf, "/accounting")
    blank = lixf.post("/accounting/gwp", data={"gwp_set": "ar4", "gwp_reason": " ", "csrf_token": token}, headers=HX)
    assert blank.status_code == 400 and blank.json()["field"] == "gwp_reason"
    staff = as_user(web, "yangf")
    assert staff.post("/accounting/gwp", data={"gwp_set": "ar4", "gwp_reason": "x",
                                               "csrf_token": csrf(staff, "/")}, headers=HX).status_code == 403
    lixf = as_user(web, "lixf")
    lixf.post("/accounting/gwp", data={"gwp_set": "ar4", "gwp_reason": "省级报告平台要求 AR4",
                                       "csrf_token": csrf(lixf, "/accounting")})
    with plant("cli:test") as s:
        run = runs.run(s, plant_id(s), 2025, "test")
        assert run.totals["gwp"] == {"set": "ar4", "basis": "enterprise", "reason": "省级报告平台要求 AR4"}
    page = lixf.get("/accounting").text
    assert "IPCC 第四次评估报告（AR4）" in shown(page) and "省级报告平台要求 AR4" in page


def field_error(html: str, field: str) -> str:
    """The mistake the measured-value form shows beside one field."""
    import re
    found = re.search(rf'id="measured-error-{field}">(.*?)</small>', html, re.S)
    return found.group(1) if found else ""


def test_a_measured_value_in_a_unit_the_parameter_does_not_take_is_refused_beside_the_unit(web):
    lixf = as_user(web, "lixf")
    token = csrf(lixf, "/accounting")
    form = {"parameter": "ef_c2f6", "material": "primary_aluminium", "value": "3.1", "unit": "MWh",
            "valid_from": "2026-01-01", "evidence": "测定报告 PFC-2026", "csrf_token": token}
    wrong = lixf.post("/accounting/measured", data=form, headers=HX)
    assert wrong.status_code == 422 and "kg/t、g/t、t/t" in field_error(wrong.text, "unit")
    english = as_user(web, "lixf")
    english.get("/lang/en")
    page = english.get("/accounting").text
    assert "Units accepted" in page and 'data-units="kg/t|g/t|t/t"' in page  # the unit pick list follows the parameter
    slip = lixf.post("/accounting/measured", data={**form, "parameter": "oxidation", "material": "柴油",
                                                    "value": "0.98", "unit": "%"}, headers=HX)
    assert slip.status_code == 422 and "98 %" in field_error(slip.text, "value")


def test_the_document_the_enterprise_reports_under_is_kept_with_its_reason_and_each_run_states_it(web, plant):
    from helpers import plant_id

    lixf = as_user(web, "lixf")
    token = csrf(lixf, "/accounting")
    assert 'id="document-form"' in lixf.get("/accounting").text
    blank = lixf.post("/accounting/document", data={"document": "GB/T 32150-2015", "document_reason": " ",
                                                    "csrf_token": token}, headers=HX)
    assert blank.status_code == 400 and blank.json()["field"] == "document_reason"
    unknown = lixf.post("/accounting/document", data={"document": "GB/T 1", "document_reason": "x", "csrf_token": token},
                        headers=HX)
    assert unknown.status_code == 400 and unknown.json()["field"] == "document"
    staff = as_user(web, "yangf")
    assert staff.post("/accounting/document", data={"document": "GB/T 32150-2015", "document_reason": "x",
                                                    "csrf_token": csrf(staff, "/")}, headers=HX).status_code == 403
    lixf.post("/accounting/document", data={"document": "GB/T 32150-2015", "document_reason": "省平台按通则报送",
                                            "csrf_token": token})
    with plant("cli:test") as s:
        run = runs.run(s, plant_id(s), 2025, "test")
        assert run.totals["document"] == {"document": "GB/T 32150-2015", "basis": "enterprise",
                                          "reason": "省平台按通则报送"}
    page = shown(lixf.get(f"/accounting?run={run.id}").text)
    assert "缺省因子依据 GB/T 32150—2015" in page and "省平台按通则报送" in page
    lixf.get("/lang/en")
    assert "Default factors under GB/T 32150-2015 (general industry), Appendix B" in shown(
        lixf.get(f"/accounting?run={run.id}").text)
