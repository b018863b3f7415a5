"""Every date the system stamps is the plant's date (STEWARD_TIMEZONE, Asia/Shanghai by default), not UTC's."""

import io
from datetime import date, datetime, timezone

import docx
import pytest
from helpers import as_user, csrf
from sqlmodel import Session, select
from test_document_pages import fire, word
from test_documents import issue, new_draft

from steward.demo import DEMO_PASSWORD as PW
from storage.models import Revision, Task
from workflows.documents.copies import controlled_copy
from workflows.engine import clock

LATE_EVENING_UTC = datetime(2026, 12, 6, 23, 30, tzinfo=timezone.utc)  # 07:30 on 7 December in Shanghai


def text_of(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    return "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells])


def test_a_policy_signed_at_2330_utc_takes_effect_on_the_next_day_in_shanghai(plant, engine, store):
    rev_id = new_draft(plant, store)
    with clock.reading(LATE_EVENING_UTC):
        issue(plant, rev_id)
    with Session(engine) as s:
        rev = s.get(Revision, rev_id)
        assert rev.effective_date == date(2026, 12, 7)
        reading = s.exec(select(Task).where(Task.entity_id == rev_id, Task.status == "open")).first()
        assert reading.due == date(2026, 12, 21)  # 14 days from the plant's date, not from the UTC one
        copy = text_of(controlled_copy(s, rev, store))
    assert "2026-12-07" in copy and "2026-12-06" not in copy
    assert copy.count("2026-12-07 07:30 UTC+08") == 4  # prepared, reviewed, approved, issued: the plant's hour


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_document_page_shows_the_plant_date_in_chinese_and_english(web):
    lixf = as_user(web, "lixf")
    with clock.reading(LATE_EVENING_UTC):
        made = lixf.post("/documents/new", data={"doc_type": "procedure", "title": "碳排放数据管理程序", "readers": ["yangf"], "clause_ids": "8.1.1",
                                                 "csrf_token": csrf(lixf, "/documents/new")},
                         files={"file": ("方针.docx", word("节能降碳，持续改进。"))}, follow_redirects=False)
        number = made.headers["location"].rsplit("/", 1)[1]
        fire(lixf, number, "submit", password=PW)
        fire(as_user(web, "chenj"), number, "review", password=PW)
        fire(as_user(web, "wangjg"), number, "approve", password=PW)
        fire(lixf, number, "issue", password=PW)
    zh = lixf.get(f"/documents/{number}").text
    lixf.get("/lang/en")
    en = lixf.get(f"/documents/{number}").text
    for page in (zh, en):
        assert "2026-12-07" in page and "2026-12-06" not in page  # effective date and signature times alike
        assert "2026-12-07 07:30" in page
