"""While a change is pending the issued revision stays in force and controlled (7.5.3): its copy says 受控, and
the list shows the revision in force and the draft on its way apart."""

import io
import re

import docx
import pytest
from helpers import as_user, csrf
from test_document_pages import fire, word

from steward.demo import DEMO_PASSWORD as PW

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def copy_text(client, number: str) -> str:
    got = client.get(f"/documents/{number}/controlled.docx")
    assert got.status_code == 200
    d = docx.Document(io.BytesIO(got.content))
    return "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells])


def sign_through(web, lixf, number):
    fire(lixf, number, "submit", password=PW)
    fire(as_user(web, "chenj"), number, "review", password=PW)
    fire(as_user(web, "wangjg"), number, "approve", password=PW)
    fire(lixf, number, "issue", password=PW)


def versions(client, number: str) -> str:
    row = re.search(rf'<a href="/documents/{number}">.*?</tr>', client.get("/documents").text, re.S).group(0)
    return re.search(r'<td class="versions">(.*?)</td>', row).group(1)


def test_the_issued_revision_stays_controlled_until_its_successor_is_issued(web):
    lixf = as_user(web, "lixf")
    made = lixf.post("/documents/new", data={"doc_type": "procedure", "title": "碳排放数据管理程序", "readers": ["yangf"],
                                             "clause_ids": "8.1.1", "csrf_token": csrf(lixf, "/documents/new")},
                     files={"file": ("程序.docx", word("第一版：月度数据由计量员录入。"))}, follow_redirects=False)
    number = made.headers["location"].rsplit("/", 1)[1]
    sign_through(web, lixf, number)
    assert "受控 CONTROLLED" in copy_text(lixf, number)

    yangf = as_user(web, "yangf")
    fire(yangf, number, "request_change", comment="增加抄表时间要求")
    pending = copy_text(lixf, number)
    assert "受控 CONTROLLED" in pending and "UNCONTROLLED" not in pending and "第一版" in pending

    lixf.post(f"/documents/{number}/revise", data={"summary": "增加抄表时间", "csrf_token": csrf(lixf, "/documents")})
    drafting = copy_text(lixf, number)
    assert "受控 CONTROLLED" in drafting and "非受控草稿" not in drafting and "第一版" in drafting
    assert versions(lixf, number) == "版本 1 现行 · 版本 2 草稿"
    lixf.get("/lang/en")
    assert versions(lixf, number) == "Rev 1 in force · Rev 2 draft"
    lixf.get("/lang/zh")

    lixf.post(f"/documents/{number}/upload", data={"csrf_token": csrf(lixf, "/documents")},
              files={"file": ("程序.docx", word("第二版：每月 1 日 8 时前抄表。"))})
    sign_through(web, lixf, number)
    issued = copy_text(lixf, number)
    assert "受控 CONTROLLED" in issued and "第二版" in issued and "第一版" not in issued
    assert versions(lixf, number) == "版本 2 现行"
