"""Every list a person filters downloads as a workbook with the same filter, in names not codes, dates on the
plant's calendar, and only for those who may see the page (issue 33)."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timezone

import pytest
from helpers import as_user, csrf
from openpyxl import load_workbook
from sqlmodel import select

from storage.models import Enterprise, Nonconformity, Person, Task
from workflows.engine import clock

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)


def book(client, url: str) -> list[tuple]:
    answer = client.get(url)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(answer.content)).active.values)


def export_link(page: str) -> str:
    return re.search(r'href="([^"]+)" id="export-xlsx"', page).group(1).replace("&amp;", "&")


def test_documents_export_as_filtered_in_names(plant, web):
    lixf = as_user(web, "lixf")
    token = csrf(lixf, "/documents/new")
    for doc_type, title in (("procedure", "碳排放数据管理程序"), ("instruction", "皮带秤校准作业指导书"),
                            ("procedure", "内部审核程序")):
        lixf.post("/documents/new", data={"doc_type": doc_type, "title": title, "owner": "zhangw",
                                          "clause_ids": "7.5", "csrf_token": token})
    link = export_link(lixf.get("/documents", params={"doc_type": "procedure", "q": "程序", "page": 1}).text)
    assert link.startswith("/documents.xlsx?") and "doc_type=procedure" in link and "page=" not in link
    rows = book(lixf, link)
    assert rows[0][:6] == ("编号", "标题", "类型", "版本", "状态", "负责人")
    assert sorted(r[1] for r in rows[1:]) == ["内部审核程序", "碳排放数据管理程序"]  # the instruction is filtered out
    assert {r[2] for r in rows[1:]} == {"管理制度"} and {r[4] for r in rows[1:]} == {"草稿"}
    assert {r[5] for r in rows[1:]} == {"张伟"} and "procedure" not in str(rows) and "draft" not in str(rows)
    lixf.get("/lang/en?back=/")
    english = book(lixf, "/documents.xlsx?doc_type=instruction")
    assert english[0][:3] == ("Number", "Title", "Type") and english[1][2] == "Work instruction"
    assert english[1][4] == "Draft"
    assert as_user(web, "zhengl").get("/documents.xlsx").status_code == 403  # as for the page


def test_nonconformities_tasks_audits_and_reviews_export_in_names_on_the_plants_calendar(plant, web):
    with plant("tester") as s:
        jycem = s.exec(select(Enterprise).where(Enterprise.code == "JYCEM")).one().id
        zhangw = s.exec(select(Person).where(Person.username == "zhangw")).one()
        for n, (severity, title, clause) in enumerate((("major", "皮带秤未校准", "7.1.5"),
                                                       ("minor", "培训记录缺签字", "7.2"))):
            s.add(Nonconformity(enterprise_id=jycem, number=f"JYCEM-NC-2026-9{n}", source="audit", clause_id=clause,
                                title=title, severity=severity, owner_id=zhangw.id, raised_by="test",
                                raised_on=date(2026, 3, 2)))
        with clock.reading(datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)):  # 07:30 on 2 March in Shanghai
            s.add(Task(enterprise_id=jycem, assignee_id=zhangw.id, lifecycle="nonconformity", entity_id=0,
                       title_zh="分析皮带秤不符合", title_en="Analyse the belt-scale finding", due=date(2026, 3, 1),
                       created_at=clock.utcnow()))
    lixf = as_user(web, "lixf")
    board = lixf.get("/nonconformities", params={"severity": "major"}).text
    assert "皮带秤未校准" in board and "培训记录缺签字" not in board
    rows = book(lixf, export_link(board))
    assert [r[1] for r in rows[1:]] == ["皮带秤未校准"]
    assert rows[1][3:7] == ("严重不符合", "内部审核", "待分析", "张伟")
    assert [r[1] for r in book(lixf, "/nonconformities.xlsx?clause=7.2")[1:]] == ["培训记录缺签字"]

    zhangw_client = as_user(web, "zhangw")
    tasks = book(zhangw_client, export_link(zhangw_client.get("/tasks").text))
    mine = next(r for r in tasks[1:] if r[0] == "分析皮带秤不符合")
    assert mine[1] == "张伟" and mine[3] == "是"
    assert mine[4].date() == date(2026, 3, 2)  # the plant's date, not UTC's 1 March

    zhaom = as_user(web, "zhaom")
    token = csrf(zhaom, "/audits")
    zhaom.post("/audits/new", data={"start": "2099-05-01", "end": "2099-05-03", "lead": "zhaom", "team": ["zhoul"],
                                    "csrf_token": token})
    audits = book(zhaom, export_link(zhaom.get("/audits").text))
    assert audits[0][:6] == ("编号", "名称", "开始", "结束", "审核组长", "状态")
    planned = next(r for r in audits[1:] if r[2] and r[2].year == 2099)
    assert planned[4] == "赵敏" and planned[5] == "已计划"
    assert "planned" not in str(audits)
    reviews = book(lixf, export_link(lixf.get("/reviews").text))
    assert reviews[0][:3] == ("编号", "年度", "计划日期")
    assert as_user(web, "yangf").get("/people.xlsx").status_code == 403


def test_a_record_search_is_answered_by_the_database_in_chinese_and_any_case(plant, web):
    lixf = as_user(web, "lixf")
    token = csrf(lixf, "/records/training")
    for topic in ("核算指南宣贯", "GHG protocol refresher", "叉车安全"):
        assert lixf.post("/records/training", data={"topic": topic, "kind": "standard", "attendees": "8", "hours": "2",
                                                    "csrf_token": token}).status_code == 200
    page = lixf.get("/records/training", params={"q": "核算"}).text
    assert page.count('<tr id="r-') == 1 and "核算指南宣贯" in page
    assert lixf.get("/records/training", params={"q": "ghg"}).text.count('<tr id="r-') == 1  # any case
    assert lixf.get("/records/training", params={"q": "50%"}).text.count('<tr id="r-') == 0  # % is a character
    rows = book(lixf, export_link(lixf.get("/records/training", params={"q": "叉车"}).text))
    assert [r[1] for r in rows[1:]] == ["叉车安全"] and rows[1][2] == "标准"


def test_audits_and_reviews_are_filtered_by_year_and_state_and_export_as_filtered(plant, web):
    """The audit and review lists filter by year and state; the export follows the filter; a state that does not
    exist or a year that is no year is named beside its field (issue 33: every list a person can filter)."""
    zhaom = as_user(web, "zhaom")
    for start, end in (("2098-05-01", "2098-05-03"), ("2099-05-01", "2099-05-03")):
        zhaom.post("/audits/new", data={"start": start, "end": end, "lead": "zhaom", "team": ["zhoul"],
                                        "csrf_token": csrf(zhaom, "/audits")})
    page = zhaom.get("/audits", params={"year": "2099", "state": "planned"}).text
    assert 'id="audit-filters"' in page and "2099-05-01" in page and "2098-05-01" not in page
    rows = book(zhaom, export_link(page))
    assert len(rows) == 2 and rows[1][2].year == 2099 and rows[1][5] == "已计划"
    assert {r[2].year for r in book(zhaom, "/audits.xlsx")[1:]} >= {2098, 2099}  # without the filter, both
    assert book(zhaom, "/audits.xlsx?year=2099&state=closed")[1:] == []
    refused = zhaom.get("/audits", params={"state": "nonsense"}, headers={"HX-Request": "true"})
    assert refused.status_code == 400 and refused.json()["field"] == "state"
    assert zhaom.get("/audits", params={"year": "20x9"}, headers={"HX-Request": "true"}).json()["field"] == "year"

    lixf = as_user(web, "lixf")
    for day in ("2098-06-01", "2099-06-01"):
        lixf.post("/reviews/plan", data={"planned_on": day, "attendees": ["wangjg"], "csrf_token": csrf(lixf, "/reviews")})
    one = lixf.get("/reviews", params={"year": "2098"}).text
    assert "2098-06-01" in one and "2099-06-01" not in one
    assert [str(r[1]) for r in book(lixf, export_link(one))[1:]] == ["2098"]
    assert {str(r[1]) for r in book(lixf, "/reviews.xlsx")[1:]} >= {"2098", "2099"}
    assert lixf.get("/reviews", params={"state": "nonsense"}, headers={"HX-Request": "true"}).status_code == 400
