"""The audit report is read in the page on a server without LibreOffice, and no PDF link is offered there."""

import re

import pytest
from helpers import act, as_user, csrf, plant_id, this_year
from sqlmodel import select

from steward.demo import DEMO_PASSWORD as PW
from storage.models import InternalAudit
from workflows.audit import internal_audit as audits

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_top_management_reads_the_signed_audit_report_in_the_page_without_libreoffice(web, plant, monkeypatch,
                                                                                        tmp_path):
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no soffice: as the README's quick start leaves a server
    number = act(plant, "lixf", lambda s, a: audits.plan_for_year(s, plant_id(s), this_year(), "test").number)

    def run(s, a):
        audit = s.exec(select(InternalAudit).where(InternalAudit.number == number)).one()
        audits.start(s, a, audit)
        for item in audits.checklist(s, audit):
            audits.record(s, a, audit, item.clause_id, "conform")
    act(plant, "zhaom", run)
    zhaom = as_user(web, "zhaom")
    page = zhaom.get(f"/audits/{number}").text
    version = re.search(r'id="report-form".*?name="version" value="(\d+)"', page, re.S).group(1)
    zhaom.post(f"/audits/{number}/report", data={"conclusion": "体系有效运行，计量管理需加强", "password": PW,
                                                 "version": version, "csrf_token": csrf(zhaom, f"/audits/{number}")})
    wangjg = as_user(web, "wangjg")
    audit_page = wangjg.get(f"/audits/{number}").text
    links = re.search(r'<p class="links" id="report-links">(.*?)</p>', audit_page, re.S).group(1)
    assert ".pdf" not in links and f'href="/audits/{number}/report.html"' in links
    read = wangjg.get(f"/audits/{number}/report.html")
    assert read.status_code == 200
    preview = re.search(r'<article class="preview" id="preview">(.*?)</article>', read.text, re.S).group(1)
    assert "体系有效运行，计量管理需加强" in preview and "<table>" in preview and "<script" not in preview
    wangjg.get("/lang/en")
    assert "Download Word" in wangjg.get(f"/audits/{number}/report.html").text
