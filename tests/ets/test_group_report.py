"""A member plant's annual report, read by the group (issue 32): the group's carbon manager and top management open it
from the grid's report cell and see its figures and sections, its document's state and signatures, its
verification, and download its Excel and Word; nothing on it can be signed or generated. The plant's own people,
its carbon manager reading a sibling plant, and another group are refused."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone

import docx
import pytest
from helpers import act, as_user
from openpyxl import load_workbook
from test_group import group, person  # noqa: F401  (the grid's fixture)

from steward import demo
from steward.demo import DEMO_PASSWORD as PW
from workflows.documents import document as docs
from workflows.engine import clock, machine
from workflows.ets import annual
from workflows.ets import verification as verifications
from workflows.people import organisation as org

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
MAY = datetime(2026, 5, 10, 2, 0, tzinfo=timezone.utc)
MAX = 20 << 20
PAGE = f"/ets/group/{demo.PLANT}/reports/2025"


def fire(plant, who, trigger):
    def go(s, a):
        rev = annual.newest(s, annual.find(s, a.enterprise_id, 2025))
        machine.fire(s, docs.LIFECYCLE, rev, trigger, a, password=PW)
    return act(plant, who, go)


@pytest.fixture
def members(plant, web):
    """The demo group with its carbon manager (the demo's gaof) and top management, another group with its carbon manager, the sister
    plant's own carbon manager; the cement plant's 2025 report generated, reviewed, approved and verified."""
    with plant("system:test") as s:
        person(s, demo.GROUP, "G002", "郭总", "guoz", ["top_management"])
        person(s, demo.SISTER, "E002", "孙敏", "sunm", ["carbon_manager"])
        org.add(s, "enterprise", {"code": "OTGRP", "name_zh": "别家集团", "industry": "cement"})
        org.add(s, "enterprise", {"code": "OTCEM", "name_zh": "别家水泥厂", "industry": "cement", "parent": "OTGRP"})
        person(s, "OTGRP", "O001", "欧阳", "ouy", ["carbon_manager"])
    store = web.app.state.ctx.files
    with clock.reading(MAY):
        act(plant, "lixf", lambda s, a: annual.generate(s, a, 2025, store, MAX))
        fire(plant, "lixf", "submit")
        fire(plant, "chenj", "review")
        fire(plant, "wangjg", "approve")
        act(plant, "lixf", lambda s, a: verifications.record(
            s, a, year=2025, verifier="晋诚核查有限公司", started_on=date(2026, 4, 1), ended_on=date(2026, 4, 20),
            verified_tco2e=annual.find(s, a.enterprise_id, 2025).reported_tco2e + 1234.5, findings="抽查无误"))
    return web


def test_the_group_reads_a_member_plants_report_from_its_grid(members):
    with clock.reading(MAY):
        for username in ("gaof", "guoz"):
            client = as_user(members, username)
            grid = client.get("/ets/group?year=2026").text
            assert f'href="{PAGE}"' in grid, username  # the 2025 report's cell links to it
            page = client.get(PAGE)
            assert page.status_code == 200, username
            text = page.text
            assert "山西晋岩水泥有限公司" in text and "只读" in text and "JYCEM-ER-001" in text
            assert "已批准" in text and "王建国" in text and "陈静" in text  # the state and who signed
            assert "晋诚核查有限公司" in text and "+1,234.5 t" in text and "抽查无误" in text
            assert 'id="covered-total"' in text and 'id="s-' in text  # the figures and the report's sections
            assert "<form" not in text.split("<main", 1)[-1].split("</main>")[0]  # nothing to sign or generate
            assert 'href="/documents/' not in text  # the plant's document register is the plant's
            assert f'href="{PAGE}/report.docx"' in text and f'href="{PAGE}/report.xlsx"' in text
        client.get("/lang/en?back=/")
        english = client.get(PAGE).text
        assert "Read-only for the group" in english and "Shanxi Jinyan Cement" in english and "Approved" in english


def test_the_downloads_are_the_plants_report(members):
    with clock.reading(MAY):
        client = as_user(members, "gaof")
        word = client.get(f"{PAGE}/report.docx")
        assert word.status_code == 200 and word.headers["content-type"].startswith(annual.DOCX)
        assert any("排放报告" in p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
        plants_own = as_user(members, "lixf").get("/ets/reports/2025/report.docx")
        assert word.content == plants_own.content  # exactly the file the plant signed
        workbook = client.get(f"{PAGE}/report.xlsx")
        assert workbook.status_code == 200
        cells = [str(v) for ws in load_workbook(io.BytesIO(workbook.content)) for row in ws.values for v in row if v]
        assert any("山西晋岩水泥有限公司" in c for c in cells)
        missing = client.get(f"/ets/group/{demo.PLANT}/reports/2024/report.docx")
        assert missing.status_code == 404  # no 2024 report was generated: said so, not a 500


def test_only_the_group_reads_its_members_reports(members):
    with clock.reading(MAY):
        for username in ("lixf", "wangjg", "yangf", "sunm"):  # the plant's own people; the sister's carbon manager
            client = as_user(members, username)
            for path in (PAGE, f"{PAGE}/report.xlsx", f"{PAGE}/report.docx",
                         f"/ets/group/{demo.SISTER}/reports/2025"):
                assert client.get(path).status_code == 403, (username, path)
        other = as_user(members, "ouy")  # another group's carbon manager: not a plant of theirs
        for path in (PAGE, f"{PAGE}/report.xlsx", f"{PAGE}/report.docx"):
            assert other.get(path).status_code == 404, path
        assert other.get("/ets/group/OTCEM/reports/2025").status_code == 200
        manager = as_user(members, "gaof")
        assert manager.get(f"/ets/group/{demo.GROUP}/reports/2025").status_code == 404  # the group is not its member
        assert manager.get(f"/ets/group/{demo.PLANT}/reports/abc").status_code == 404  # as /ets/reports/abc is


def test_a_report_revision_without_its_word_file_is_said_not_a_500(group, web):  # noqa: F811
    """The grid's fixture makes report revisions by hand, with no Word file: the download says so."""
    with clock.reading(MAY):
        answer = as_user(web, "gaof").get(f"/ets/group/{demo.PLANT}/reports/2024/report.docx")
    assert answer.status_code == 404 and "没有 Word 文件" in answer.text
