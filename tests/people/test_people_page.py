"""The People page as its keepers use it with hundreds of staff: a search finds a person, a page holds 50, each
person's roles are changed on their own page (still countersigned where the rules say), and the list as
filtered downloads as a workbook in names, not codes."""

from __future__ import annotations

import io
import re

import pytest
from helpers import as_user, csrf
from openpyxl import load_workbook
from sqlalchemy import insert, select

from storage.models import Department, Enterprise, Person
from workflows.people import role_changes

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def hire(plant, count: int) -> None:
    """``count`` more staff in the kiln department (no logins), so the list runs over several pages."""
    with plant("hr") as s:
        plant_id = s.exec(select(Enterprise.id).where(Enterprise.code == "JYCEM")).one()[0]
        dept = s.exec(select(Department.id).where(Department.enterprise_id == plant_id, Department.code == "PROD")).one()[0]
        s.execute(insert(Person.__table__), [dict(enterprise_id=plant_id, code=f"K{n:04d}", name=f"窑工{n:04d}",
                                                  department_id=dept, position="窑操", email="", phone="",
                                                  must_change_password=False, session_version=0, language="zh",
                                                  active=True) for n in range(count)])


def test_a_search_finds_a_person_among_hundreds_and_the_list_pages(plant, web):
    hire(plant, 230)
    keeper = as_user(web, "lixf")
    first = keeper.get("/people").text
    assert first.count('<tr id="person-') == 50 and "共 243" in first and 'rel="next"' in first
    assert 'type="checkbox" name="roles"' not in first.split('id="add-person-box"')[0]  # no role boxes in the list
    found = keeper.get("/people", params={"q": "赵敏"}).text
    assert found.count('<tr id="person-') == 1 and 'href="/people/zhaom"' in found and "内审员" in found
    assert keeper.get("/people", params={"q": "K0229"}).text.count('<tr id="person-') == 1
    by_role = keeper.get("/people", params={"role": "internal_auditor"}).text
    assert by_role.count('<tr id="person-') == 2 and "赵敏" in by_role and "周磊" in by_role
    kiln = keeper.get("/people", params={"department": "PROD", "page": 5}).text
    assert "共 232" in kiln and kiln.count('<tr id="person-') == 32  # 230 new, 陈静 and 杨帆
    nobody = keeper.get("/people", params={"q": "没有这个人"}).text
    assert "没有找到人员" in nobody and 'id="person-' not in nobody
    staff = as_user(web, "yangf")
    assert staff.get("/people/zhaom").status_code == 403


def test_roles_are_changed_on_the_persons_own_page_and_a_signing_role_still_waits(plant, web):
    keeper = as_user(web, "lixf")
    page = keeper.get("/people/zhoul").text
    assert "周磊" in page and page.count('type="checkbox" name="roles"') == 9
    token = csrf(keeper, "/people/zhoul")
    plain = keeper.post("/people/zhoul/roles", data={"roles": ["staff"], "reason": "不再兼任内审员",
                                                     "csrf_token": token}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/people/zhoul"
    with plant("reader") as s:
        zhoul = s.exec(select(Person).where(Person.username == "zhoul")).scalar_one()
        assert role_changes.roles_of(s, zhoul) == ["staff"]
    signing = keeper.post("/people/zhoul/roles", data={"roles": ["staff", "internal_auditor"], "reason": "复任内审员",
                                                       "csrf_token": token}, follow_redirects=False)
    assert signing.headers["location"] == "/role-changes"
    with plant("reader") as s:
        assert role_changes.roles_of(s, s.get(Person, zhoul.id)) == ["staff"]  # waits for top management
    assert 'id="pending-change"' in keeper.get("/people/zhoul").text
    own = keeper.get("/people/lixf").text
    assert 'id="roles-form"' not in own and "不能更改自己的角色" in own
    assert keeper.get("/people/nobody-here").status_code == 404


def test_the_people_list_as_filtered_downloads_in_names_not_codes(plant, web):
    keeper = as_user(web, "lixf")
    page = keeper.get("/people", params={"role": "internal_auditor"}).text
    link = re.search(r'href="([^"]+)" id="export-xlsx"', page).group(1).replace("&amp;", "&")
    assert link == "/people.xlsx?role=internal_auditor"
    book = keeper.get(link)
    assert book.status_code == 200 and book.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(book.content)).active.values)
    assert rows[0][:4] == ("编号", "姓名", "用户名", "部门")
    assert [r[1] for r in rows[1:]] == ["赵敏", "周磊"]
    assert "内审员" in rows[1][5] and "internal_auditor" not in str(rows) and "质量控制部" in str(rows)
    assert as_user(web, "yangf").get("/people.xlsx").status_code == 403
