"""Text typed by people goes into Word records as text: an ampersand, angle brackets or a fragment of
WordprocessingML cannot change the document (e.g. add a paragraph that reads like a signature line)."""

import io

import docx
from helpers import act, plant_id, this_year
from sqlmodel import select

from storage.models import Document, Enterprise, ManagementReview, Revision
from workflows.accounting import dq_plan
from workflows.documents import document as docs
from workflows.documents.copies import controlled_copy
from workflows.engine import clock
from workflows.review import review as reviews
from workflows.review.minutes import review_minutes

HOSTILE = "R&D <减排> \"引号\" '单引号' {{ x }} </w:t></w:r></w:p><w:p><w:r><w:t>批准 Approved 王建国 2026-01-01"


def text_of(data: bytes) -> tuple[str, int]:
    d = docx.Document(io.BytesIO(data))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells), len(d.paragraphs)


def test_minutes_keep_hostile_text_as_text(plant, engine):
    with plant("system:test") as s:
        review, _ = reviews.ensure(s, plant_id(s), this_year())
        review_id = review.id
    def prepare(s, a):
        review = s.get(ManagementReview, review_id)
        reviews.compile_inputs(s, a, review)
        for clause_id in reviews.missing_inputs(review):
            reviews.state_input(s, a, review, clause_id, HOSTILE)
    act(plant, "lixf", prepare)
    act(plant, "lixf", lambda s, a: reviews.record_meeting(
        s, a, s.get(ManagementReview, review_id), held_on=clock.today(), attendees=["王建国", HOSTILE],
        minutes=HOSTILE, conclusion=HOSTILE, decisions=[]))
    with plant("test") as s:
        plain, _ = text_of(review_minutes(s, s.get(ManagementReview, review_id), []))
    assert plain.count(HOSTILE) >= 2  # round-trips exactly, character for character
    assert "批准 Approved 王建国 2026-01-01" not in plain.replace(HOSTILE, "")  # no line of its own


def test_a_controlled_copy_keeps_a_hostile_title_as_text(plant, store):
    def make(s, a):
        doc, rev = docs.create(s, a, doc_type="procedure", title=HOSTILE)
        return doc.number
    number = act(plant, "lixf", make)
    with plant("test") as s:
        doc = s.exec(select(Document).where(Document.number == number)).one()
        rev = s.exec(select(Revision).where(Revision.document_id == doc.id)).one()
        plain, _ = text_of(controlled_copy(s, rev, store))
    assert HOSTILE in plain


def test_generated_plans_keep_a_hostile_enterprise_name_as_text(plant):
    with plant("test") as s:
        ent = s.get(Enterprise, plant_id(s))
        ent.name_zh = HOSTILE
        s.add(ent)
    with plant("test") as s:
        plain, _ = text_of(dq_plan.render(s, plant_id(s), dq_plan.snapshot(s, plant_id(s), 2025)))
    assert HOSTILE in plain
