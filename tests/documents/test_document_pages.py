"""Document control in the web, as people do it: create with a file, read it before signing, sign through,
acknowledge as a reader, follow who has not acknowledged, download the controlled copy, revise."""

from __future__ import annotations

import io
import re

import docx
import pytest
from helpers import as_user, csrf

from steward.demo import DEMO_PASSWORD as PW
from workflows.engine import clock

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def word(text: str) -> bytes:
    d = docx.Document()
    d.add_heading("碳排放数据管理程序", 1)
    d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def fire(client, number, trigger, **form):
    page = client.get(f"/documents/{number}").text
    version = re.search(rf'action="/w/document/{number}/{trigger}".*?name="version" value="(\d+)"', page, re.S)
    assert version, f"no {trigger} button"
    return client.post(f"/w/document/{number}/{trigger}", data={"version": version.group(1), "csrf_token": csrf(
        client, "/documents"), **form})


def test_a_document_goes_from_new_to_acknowledged_in_the_pages(web):
    lixf = as_user(web, "lixf")
    made = lixf.post("/documents/new", data={"doc_type": "procedure", "title": "碳排放数据管理程序", "readers": ["yangf"],
                                             "clause_ids": "8.1.1, 7.5.2", "csrf_token": csrf(lixf, "/documents/new")},
                     files={"file": ("程序.docx", word("月度数据由计量员录入。"))}, follow_redirects=False)
    assert made.status_code == 303
    number = made.headers["location"].rsplit("/", 1)[1]
    assert number.startswith("JYCEM-PR-")
    read = lixf.get(f"/documents/{number}/read")
    assert read.status_code == 200 and "月度数据由计量员录入" in read.text  # beneath the PDF, for a phone
    assert lixf.get(f"/documents/{number}/file").content[:2] == b"PK"
    fire(lixf, number, "submit", password=PW)
    fire(as_user(web, "chenj"), number, "review", password=PW)
    fire(as_user(web, "wangjg"), number, "approve", password=PW)
    issued = fire(lixf, number, "issue", password=PW)
    assert issued.status_code in (200, 303)
    page = lixf.get(f"/documents/{number}").text
    assert "已发布" in page and "杨帆" in page and "未确认" in page  # the owner sees who has not read it
    yangf = as_user(web, "yangf")
    reader = yangf.get(f"/documents/{number}").text
    assert 'id="acknowledge"' in reader and "编制" in reader and "prepared" not in reader
    yangf.post(f"/documents/{number}/ack", data={"csrf_token": csrf(yangf, "/documents")})
    after = yangf.get(f"/documents/{number}").text
    assert 'id="acknowledge"' not in after and 'id="acknowledged"' in after
    assert 'id="acknowledge"' not in as_user(web, "zhaom").get(f"/documents/{number}").text  # not on the list
    copy = lixf.get(f"/documents/{number}/controlled.docx")
    assert copy.status_code == 200 and "受控 CONTROLLED" in "\n".join(
        c.text for t in docx.Document(io.BytesIO(copy.content)).tables for r in t.rows for c in r.cells) + "\n".join(
        p.text for p in docx.Document(io.BytesIO(copy.content)).paragraphs)
    fire(yangf, number, "request_change", comment="第3条与新计量器具不符")
    assert "第3条与新计量器具不符" in lixf.get(f"/documents/{number}").text.split('id="change-request"')[1][:400]
    lixf.post(f"/documents/{number}/revise", data={"summary": "增加月度复核", "csrf_token": csrf(lixf, "/documents")})
    history = lixf.get(f"/documents/{number}").text
    assert "增加月度复核" in history and re.search(r'<td>2</td><td>草稿</td>', history)


def test_bad_document_input_is_named_and_nothing_is_written(web):
    lixf = as_user(web, "lixf")
    token = csrf(lixf, "/documents/new")
    no_title = lixf.post("/documents/new", data={"doc_type": "procedure", "title": " ", "csrf_token": token},
                         headers={"HX-Request": "true"})
    assert no_title.status_code == 400 and no_title.json()["field"] == "title"
    fake = lixf.post("/documents/new", data={"doc_type": "procedure", "title": "假文件", "csrf_token": token},
                     files={"file": ("制度.docx", b"%PDF-1.4 not word")}, headers={"HX-Request": "true"})
    assert fake.status_code == 415 and fake.json()["field"] == "file"
    stranger = lixf.post("/documents/new", data={"doc_type": "procedure", "title": "外企业", "readers": ["maq"],
                                                 "csrf_token": token}, headers={"HX-Request": "true"})
    assert stranger.status_code == 404 and stranger.json()["field"] == "readers"
    assert "假文件" not in lixf.get("/documents").text and "外企业" not in lixf.get("/documents").text
    found = lixf.get("/documents", params={"q": "nothing-like-this"}).text
    assert "暂无文件" in found


def test_every_task_links_to_the_page_where_it_is_done(web, plant):
    from sqlmodel import select

    from storage.models import Task
    from workflows.engine import tasks
    lixf = as_user(web, "lixf")
    lixf.post("/documents/new", data={"doc_type": "procedure", "title": "培训管理程序", "readers": ["yangf"],
                                      "csrf_token": csrf(lixf, "/documents/new")},
              files={"file": ("培训.docx", word("每年制定培训计划。"))})
    number = re.search(r'href="/documents/(JYCEM-PR-\d+)"', lixf.get("/documents", params={"q": "培训"}).text).group(1)
    fire(lixf, number, "submit", password=PW)
    chenj = as_user(web, "chenj")
    inbox = chenj.get("/tasks").text
    assert f'href="/documents/{number}"' in inbox  # the reviewer's task opens the document
    with plant("test") as s:
        for task in s.exec(select(Task)):
            url = tasks.link(s, task)
            assert url.startswith("/") and url != "/", (task.lifecycle, task.title_en)
    heads = chenj.get("/tasks", params={"scope": "department"})
    assert heads.status_code == 200
    assert as_user(web, "yangf").get("/tasks", params={"scope": "department"}).status_code == 403


def test_readers_who_have_not_acknowledged_are_reminded_once_a_day_and_reviews_are_asked_for(web, plant, engine):
    from datetime import timedelta

    from helpers import plant_id
    from sqlmodel import Session, func, select

    from storage.models import Document, Outbox
    from workflows.planning import yearly_duties
    lixf = as_user(web, "lixf")
    lixf.post("/documents/new", data={"doc_type": "procedure", "title": "计量器具管理程序", "readers": ["yangf", "zhoul"],
                                      "csrf_token": csrf(lixf, "/documents/new")},
              files={"file": ("计量.docx", word("计量器具按期检定。"))})
    number = re.search(r'href="/documents/(JYCEM-PR-\d+)"', lixf.get("/documents", params={"q": "计量器具"}).text).group(1)
    early = lixf.post(f"/documents/{number}/remind", data={"csrf_token": csrf(lixf, "/documents")})
    assert early.status_code == 409  # nothing issued yet: nothing to acknowledge
    fire(lixf, number, "submit", password=PW)
    fire(as_user(web, "chenj"), number, "review", password=PW)
    fire(as_user(web, "wangjg"), number, "approve", password=PW)
    fire(lixf, number, "issue", password=PW)
    yangf = as_user(web, "yangf")
    yangf.post(f"/documents/{number}/ack", data={"csrf_token": csrf(yangf, "/documents")})
    first = lixf.post(f"/documents/{number}/remind", data={"csrf_token": csrf(lixf, "/documents")})
    assert 'id="reminded"' in first.text and "：1" in first.text  # only 周磊 has not read it
    lixf.post(f"/documents/{number}/remind", data={"csrf_token": csrf(lixf, "/documents")})
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Outbox).where(Outbox.dedupe_key.like("ack-remind:%"))).one() == 1
        doc = s.exec(select(Document).where(Document.number == number)).one()
        due = doc.next_review_due
    with plant("system:test") as s:
        assert yearly_duties.document_reviews(s, plant_id(s), due - timedelta(days=40)) == 0  # not yet
        assert yearly_duties.document_reviews(s, plant_id(s), due - timedelta(days=20)) == 1
        assert yearly_duties.document_reviews(s, plant_id(s), due - timedelta(days=19)) == 0  # once per due date
    review = lixf.get("/tasks").text
    assert f'href="/documents/{number}"' in review and "定期评审文件" in review
    assert clock.today() <= due


def test_a_draft_cannot_be_acknowledged_and_a_reader_sees_no_button(web):
    lixf = as_user(web, "lixf")
    lixf.post("/documents/new", data={"doc_type": "procedure", "title": "草稿程序", "readers": ["yangf"],
                                      "csrf_token": csrf(lixf, "/documents/new")})
    number = re.search(r'href="/documents/(JYCEM-PR-\d+)"', lixf.get("/documents", params={"q": "草稿程序"}).text).group(1)
    yangf = as_user(web, "yangf")
    assert 'id="acknowledge"' not in yangf.get(f"/documents/{number}").text
    refused = yangf.post(f"/documents/{number}/ack", data={"csrf_token": csrf(yangf, "/documents")},
                         headers={"HX-Request": "true"})
    assert refused.status_code == 409 and "Only an issued revision" in refused.json()["en"]


def test_a_document_can_be_given_an_owner_and_sent_to_whole_departments(web, engine):
    from sqlmodel import Session, select

    from storage.models import Department, Distribution, Document, Person
    with Session(engine) as s:
        dept = s.exec(select(Department)).first()
        members = set(s.exec(select(Person.id).where(Person.department_id == dept.id, Person.username.is_not(None))))
    lixf = as_user(web, "lixf")
    made = lixf.post("/documents/new", data={"doc_type": "instruction", "title": "磨机操作规程", "owner": "zhangw",
                                             "departments": [dept.code], "csrf_token": csrf(lixf, "/documents/new")},
                     follow_redirects=False)
    number = made.headers["location"].rsplit("/", 1)[1]
    with Session(engine) as s:
        doc = s.exec(select(Document).where(Document.number == number)).one()
        assert s.get(Person, doc.owner_id).username == "zhangw"
        assert set(s.exec(select(Distribution.person_id).where(Distribution.document_id == doc.id))) == members
    assert "张伟" in lixf.get(f"/documents/{number}").text


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_a_word_file_is_read_as_pdf_and_the_controlled_copy_prints_as_pdf(web, monkeypatch):
    from workflows.engine import rendering
    if rendering.soffice() is None:
        pytest.fail("LibreOffice is not installed: run `bash .ci/run` once (it installs libreoffice-writer-nogui)")
    lixf = as_user(web, "lixf")
    made = lixf.post("/documents/new", data={"doc_type": "procedure", "title": "能源计量器具管理程序",
                                             "csrf_token": csrf(lixf, "/documents/new")},
                     files={"file": ("计量.docx", word("计量器具每年检定一次。"))}, follow_redirects=False)
    number = made.headers["location"].rsplit("/", 1)[1]
    read = lixf.get(f"/documents/{number}/read")
    assert f'data="/documents/{number}/read.pdf"' in read.text  # the page holds the PDF ...
    pdf = lixf.get(f"/documents/{number}/read.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and "inline" in pdf.headers["content-disposition"]
    assert "frame-ancestors 'self'" in pdf.headers["content-security-policy"]  # ... and only our page may
    assert "计量器具每年检定一次" in pdf_text(pdf.content).replace(" ", "")  # the reviewer reads the very text
    printed = lixf.get(f"/documents/{number}/controlled.pdf")
    assert printed.headers["content-type"] == "application/pdf"
    text = pdf_text(printed.content).replace(" ", "")
    assert "UNCONTROLLEDDRAFT" in text and number in text and "计量器具每年检定一次" in text  # cover, then the body
    monkeypatch.setattr(rendering, "soffice", lambda: None)  # a server without LibreOffice
    assert lixf.get(f"/documents/{number}/read.pdf").content == pdf.content  # converted once, then kept
    other = lixf.post("/documents/new", data={"doc_type": "procedure", "title": "能源统计程序",
                                              "csrf_token": csrf(lixf, "/documents/new")},
                      files={"file": ("统计.docx", word("每月5日前报送统计表。"))}, follow_redirects=False)
    fallback = lixf.get(other.headers["location"] + "/read")
    assert "每月5日前报送统计表" in fallback.text and "read.pdf" not in fallback.text and "网页版" in fallback.text
    refused = lixf.get(f"/documents/{number}/controlled.pdf")
    assert refused.status_code == 404 and "LibreOffice" in refused.text


def test_a_draft_s_details_are_edited_and_the_history_says_what_each_revision_changed(web):
    lixf = as_user(web, "lixf")
    made = lixf.post("/documents/new", data={"doc_type": "instruction", "title": "窑头喂煤作业指导书", "readers": ["yangf"],
                                             "csrf_token": csrf(lixf, "/documents/new")},
                     files={"file": ("喂煤.docx", word("喂煤量按中控指令调整。"))}, follow_redirects=False)
    number = made.headers["location"].rsplit("/", 1)[1]
    token = csrf(lixf, f"/documents/{number}/edit")
    form = {"title": "窑头喂煤作业指导书", "readers": ["yangf"], "retention_years": "5", "clause_ids": "8.1.1",
            "csrf_token": token}
    edited = lixf.post(f"/documents/{number}/edit", data=form, follow_redirects=False)
    assert edited.status_code == 303 and "8.1.1" in lixf.get(f"/documents/{number}").text  # a first draft: at once
    for who, trigger in (("lixf", "submit"), ("chenj", "review"), ("wangjg", "approve"), ("lixf", "issue")):
        fire(as_user(web, who), number, trigger, password=PW)
    refused = lixf.post(f"/documents/{number}/edit", data={**form, "title": "改名"}, headers={"HX-Request": "true"})
    assert refused.status_code == 409 and "只有草稿" in refused.json()["message"]  # the issued revision is fixed
    lixf.post(f"/documents/{number}/revise", data={"summary": "改由设备动力部执行", "csrf_token": token})
    page = lixf.get(f"/documents/{number}/edit").text
    assert 'value="yangf" checked' in page and 'value="窑头喂煤作业指导书"' in page  # the draft starts as the last one
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    bad = {**form, "version": version, "readers": ["maq"]}  # maq works for the sister company
    foreign = lixf.post(f"/documents/{number}/edit", data=bad, headers={"HX-Request": "true"})
    assert foreign.status_code == 404 and foreign.json()["field"] == "readers"
    blank = lixf.post(f"/documents/{number}/edit", data={**form, "version": version, "title": " "},
                      headers={"HX-Request": "true"})
    assert blank.status_code == 400 and blank.json()["field"] == "title"
    lixf.post(f"/documents/{number}/edit", data={**form, "version": version, "title": "窑头喂煤及计量作业指导书",
                                                 "readers": ["zhoul"], "retention_years": "10", "owner": "liuy"})
    stale = lixf.post(f"/documents/{number}/edit", data={**form, "version": version}, headers={"HX-Request": "true"})
    assert stale.status_code == 409  # a second tab's older form does not undo the edit
    draft = lixf.get(f"/documents/{number}").text
    assert draft.split("<h2>")[1].startswith(f"{number} 窑头喂煤作业指导书")  # the revision in force keeps its title
    pending = draft.split('id="pending-changes"')[1].split("</article>")[0]
    assert "标题：窑头喂煤作业指导书 → 窑头喂煤及计量作业指导书" in pending and "负责人：李秀芳 → 刘洋" in pending
    assert "保存期限（年）：5 → 10" in pending and "增加 周磊" in pending and "移除 杨帆" in pending
    for who, trigger in (("lixf", "submit"), ("chenj", "review"), ("wangjg", "approve"), ("lixf", "issue")):
        fire(as_user(web, who), number, trigger, password=PW)
    issued = lixf.get(f"/documents/{number}").text
    assert f"{number} 窑头喂煤及计量作业指导书" in issued and "负责人 刘洋" in issued.split("</p>")[0]
    assert "发放范围：增加 周磊；移除 杨帆" in issued.split('id="history"')[1]
    assert 'id="acknowledge"' in as_user(web, "zhoul").get(f"/documents/{number}").text
    assert 'id="acknowledge"' not in as_user(web, "yangf").get(f"/documents/{number}").text  # no longer a reader
    english = lixf.get(f"/lang/en?back=/documents/{number}").text
    assert "Retention (years): 5 → 10" in english.split('id="history"')[1]


def test_the_owner_confirms_a_periodic_review_and_the_reminder_task_closes(web, engine):
    from datetime import timedelta

    from sqlmodel import Session, select

    from storage.engine import unit_of_work
    from storage.models import Document, Task
    from workflows.planning import yearly_duties
    lixf = as_user(web, "lixf")
    made = lixf.post("/documents/new", data={"doc_type": "procedure", "title": "能源计量管理程序", "review_interval_months": "12",
                                             "csrf_token": csrf(lixf, "/documents/new")},
                     files={"file": ("计量.docx", word("每年校准一次。"))}, follow_redirects=False)
    number = made.headers["location"].rsplit("/", 1)[1]
    for who, trigger in (("lixf", "submit"), ("chenj", "review"), ("wangjg", "approve"), ("lixf", "issue")):
        fire(as_user(web, who), number, trigger, password=PW)
    soon = clock.today() + timedelta(days=20)
    with unit_of_work(engine, "system:test") as s:  # as if a year had passed
        doc = s.exec(select(Document).where(Document.number == number)).one()
        doc.next_review_due = soon
        s.add(doc)
        assert yearly_duties.document_reviews(s, doc.enterprise_id, clock.today()) == 1
    tasks = lixf.get("/tasks").text
    assert f'href="/documents/{number}"' in tasks  # the reminder leads to the page where it is done
    assert 'id="periodic-review"' in lixf.get(f"/documents/{number}").text
    assert 'id="periodic-review"' not in as_user(web, "yangf").get(f"/documents/{number}").text
    token = csrf(lixf, f"/documents/{number}")
    blank = lixf.post(f"/documents/{number}/reviewed", data={"note": " ", "csrf_token": token},
                      headers={"HX-Request": "true"})
    assert blank.status_code == 400 and blank.json()["field"] == "note"
    lixf.post(f"/documents/{number}/reviewed", data={"note": "对照2026年新版核算指南，仍然适用", "csrf_token": token})
    page = lixf.get(f"/documents/{number}").text
    assert "对照2026年新版核算指南，仍然适用" in page and 'id="periodic-review"' not in page
    with Session(engine) as s:
        doc = s.exec(select(Document).where(Document.number == number)).one()
        assert doc.next_review_due.year == clock.today().year + 1
        assert s.exec(select(Task).where(Task.lifecycle == "document_review", Task.entity_id == doc.id)).one().status \
            == "done"
