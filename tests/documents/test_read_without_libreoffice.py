"""Out of the box (the README's quick start installs no LibreOffice): a Word file is read in the page as
sanitised HTML, and no PDF link is offered that would fail."""

import io
import re

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from helpers import as_user, csrf
from test_document_pages import fire

from steward.demo import DEMO_PASSWORD as PW

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def hostile_word() -> bytes:
    """A procedure with a heading, a list, a table, and what an attacker would put in one: a script typed as text
    and a javascript: link."""
    d = docx.Document()
    d.add_heading("能源计量器具管理程序", 1)
    d.add_paragraph("计量器具每年检定一次。")
    d.add_paragraph("电能表", style="List Bullet")
    d.add_paragraph("<script>alert('pwned')</script><img src=x onerror=alert(2)>")
    table = d.add_table(rows=2, cols=2)
    for cell, text in zip(table._cells, ["器具", "周期", "皮带秤", "每月"], strict=True):
        cell.text = text
    para = d.add_paragraph()
    rel = para.part.relate_to("javascript:alert(document.cookie)", RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "点此查看"
    run.append(text)
    link.append(run)
    para._p.append(link)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_a_word_file_is_read_in_the_page_without_libreoffice_and_nothing_in_it_runs(web, monkeypatch, tmp_path):
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # a server as the quick start leaves it: no soffice
    lixf = as_user(web, "lixf")
    made = lixf.post("/documents/new", data={"doc_type": "procedure", "title": "能源计量器具管理程序",
                                             "clause_ids": "7.1", "csrf_token": csrf(lixf, "/documents/new")},
                     files={"file": ("计量.docx", hostile_word())}, follow_redirects=False)
    number = made.headers["location"].rsplit("/", 1)[1]
    read = lixf.get(f"/documents/{number}/read").text
    preview = re.search(r'<article class="preview" id="preview">(.*?)</article>', read, re.S).group(1)
    assert "<h1>能源计量器具管理程序</h1>" in preview  # Word's structure, not a flat run of text
    assert "<li>电能表</li>" in preview and "<td><p>皮带秤</p></td>" in preview
    assert "&lt;script&gt;alert('pwned')&lt;/script&gt;" in preview  # what the author typed, shown as text
    assert "<script" not in preview and "<img" not in preview and "javascript:" not in read and "点此查看" in preview
    assert "read.pdf" not in read and "PDF" not in read
    fire(lixf, number, "submit", password=PW)
    fire(as_user(web, "chenj"), number, "review", password=PW)
    fire(as_user(web, "wangjg"), number, "approve", password=PW)
    fire(lixf, number, "issue", password=PW)
    page = lixf.get(f"/documents/{number}").text
    assert f"/documents/{number}/controlled.docx" in page and "controlled.pdf" not in page
    lixf.get("/lang/en")
    assert "Below is the file as a web page" in lixf.get(f"/documents/{number}/read").text


def test_the_survey_report_offers_a_pdf_only_where_one_can_be_made(web, monkeypatch, tmp_path):
    lixf = as_user(web, "lixf")
    links = lambda: re.search(r'<span id="survey-links">(.*?)</span>', lixf.get("/accounting").text, re.S).group(1)  # noqa: E731
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no LibreOffice: Word only
    assert "survey.docx" in links() and "survey.pdf" not in links()
    (tmp_path / "bin" / "soffice").write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "bin" / "soffice").chmod(0o755)  # LibreOffice found: the PDF is offered
    assert "survey.pdf" in links()
