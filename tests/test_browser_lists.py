"""Lists in a real browser: a carbon manager filters the nonconformity board and the document list and
downloads what they found as Excel (names, not codes); the People page is searched on a phone (390 px)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import select
from test_browser import SHOTS, shot, sign_in, site  # noqa: F401, F811  (the served demo plant fixture)

from storage.models import Enterprise, Nonconformity, Person

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def downloaded(page, link: str) -> list[tuple]:
    with page.expect_download() as info:
        page.click(link)
    path = SHOTS / info.value.suggested_filename
    SHOTS.mkdir(exist_ok=True)
    info.value.save_as(path)
    return list(load_workbook(io.BytesIO(path.read_bytes())).active.values)


def test_a_filtered_list_downloads_as_excel_with_the_same_filter_in_names(site, page):  # noqa: F811
    base, ctx = site
    with ctx.unit_of_work("test") as s:
        jycem = s.exec(select(Enterprise).where(Enterprise.code == "JYCEM")).one().id
        chenj = s.exec(select(Person).where(Person.username == "chenj")).one().id
        for n, (severity, title) in enumerate((("major", "窑头喂煤秤未检定"), ("minor", "月报缺审核签字"),
                                               ("major", "柴油台账缺两月"))):
            s.add(Nonconformity(enterprise_id=jycem, number=f"JYCEM-NC-2026-8{n}", source="data", clause_id="7.1.5",
                                title=title, severity=severity, owner_id=chenj, raised_by="test",
                                raised_on=date(2026, 2, 20)))
    sign_in(page, base, "lixf")
    page.goto(f"{base}/nonconformities")
    page.select_option("#nc-filter select[name=severity]", "major")
    page.click("#nc-filter button[type=submit]")
    page.wait_for_url("**severity=major**")
    assert "窑头喂煤秤未检定" in page.inner_text(".board") and "月报缺审核签字" not in page.inner_text(".board")
    shot(page, "40-nc-board-filtered")
    rows = downloaded(page, "#export-xlsx")
    assert sorted(r[1] for r in rows[1:]) == ["柴油台账缺两月", "窑头喂煤秤未检定"]
    assert {r[3] for r in rows[1:]} == {"严重不符合"} and {r[4] for r in rows[1:]} == {"数据异常"}
    assert {r[6] for r in rows[1:]} == {"陈静"} and "major" not in str(rows)

    page.goto(f"{base}/documents/new")
    form = page.locator("#new-document-form")
    form.locator("select[name=doc_type]").select_option("instruction")
    form.locator("input[name=title]").fill("熟料皮带秤校准作业指导书")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/documents/JYCEM-**")
    page.goto(f"{base}/documents")
    page.fill("form.filters input[name=q]", "皮带秤")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**q=**")
    shot(page, "41-documents-filtered")
    rows = downloaded(page, "#export-xlsx")
    assert [r[1] for r in rows[1:]] == ["熟料皮带秤校准作业指导书"]
    assert rows[1][2] == "作业指导书" and rows[1][4] == "草稿" and "instruction" not in str(rows)


def test_the_people_page_is_searched_on_a_phone(site, page):  # noqa: F811
    base, _ = site
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "lixf")
    page.goto(f"{base}/people")
    assert page.locator("#people input[type=checkbox]").count() == 0  # roles are edited on a person's own page
    page.fill("#people-search input[name=q]", "赵")
    page.click("#people-search button[type=submit]")
    page.wait_for_url("**q=**")
    rows = page.locator("#people tbody tr")
    assert rows.count() == 1 and "赵敏" in rows.first.inner_text() and "内审员" in rows.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways
    shot(page, "42-people-search-390")
    page.click("#person-zhaom a")
    page.wait_for_url(f"{base}/people/zhaom")
    assert page.locator("#roles-form input[name=roles]").count() == 9
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "43-person-roles-390")
