"""Controlled documents through their lifecycle, with e-signatures (7.5, 5.2.2)."""

import io
import threading
from datetime import date

import docx
import pytest
from helpers import act
from sqlalchemy import text
from sqlmodel import Session, func, select

from steward import demo
from storage.audit_log import verify
from storage.errors import Conflict, Forbidden, StewardError
from storage.models import AuditEntry, Distribution, Outbox, Revision, Task
from workflows.documents import document as docs
from workflows.engine import clock
from workflows.engine import machine as wf

PW = demo.DEMO_PASSWORD
MB = 1 << 20


def docx_bytes(text_: str) -> bytes:
    d = docx.Document()
    d.add_heading("碳排放管理制度", 1)
    d.add_paragraph(text_)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def new_draft(uow, store, readers=("yangf", "chenj")):
    def create(s, a):
        doc, rev = docs.create(s, a, doc_type="procedure", title="碳排放数据管理程序", clause_ids=["8.1.1"],
                               readers=list(readers))
        docs.upload(s, a, rev, "数据管理程序.docx", io.BytesIO(docx_bytes("第一版")), store, 50 * MB)
        return rev.id
    return act(uow, "lixf", create)


def fire(uow, username, rev_id, trigger, **kw):
    def go(s, a):
        return wf.fire(s, docs.LIFECYCLE, s.get(Revision, rev_id), trigger, a, **kw)
    return act(uow, username, go)


def state(engine, rev_id):
    with Session(engine) as s:
        return s.get(Revision, rev_id).state


def issue(uow, rev_id):
    fire(uow, "lixf", rev_id, "submit", password=PW)
    fire(uow, "zhaom", rev_id, "review", password=PW)
    fire(uow, "wangjg", rev_id, "approve", password=PW)
    fire(uow, "lixf", rev_id, "issue", password=PW)


def test_a_procedure_is_prepared_reviewed_approved_issued_and_acknowledged(plant, engine, store):
    rev_id = new_draft(plant, store)
    issue(plant, rev_id)
    with Session(engine) as s:
        rev = s.get(Revision, rev_id)
        assert rev.state == "issued" and rev.effective_date == clock.today()
        sigs = docs.current_signatures(s, rev)
        assert [(x.meaning, x.signer_name, ok) for x, ok in sigs] == [
            ("prepared", "李秀芳", True), ("reviewed", "赵敏", True), ("approved", "王建国", True),
            ("issued", "李秀芳", True)]
        readers = s.exec(select(Task).where(Task.entity_id == rev_id, Task.status == "open")).all()
        assert sorted(t.title_en.split(" ")[0] for t in readers) == ["Read", "Read"]
        assert s.exec(select(func.count()).select_from(Outbox)).one() >= 5
    act(plant, "yangf", lambda s, a: docs.acknowledge(s, a, s.get(Revision, rev_id)))
    with Session(engine) as s:
        acks = {d.person_id: d.acknowledged_at for d in s.exec(select(Distribution).where(
            Distribution.revision_id == rev_id))}
        assert sum(v is not None for v in acks.values()) == 1
        assert len(s.exec(select(Task).where(Task.entity_id == rev_id, Task.status == "open")).all()) == 1
    with engine.connect() as conn:
        assert verify(conn).ok


def test_an_illegal_transition_is_refused_with_the_state(plant, engine, store):
    rev_id = new_draft(plant, store)
    with pytest.raises(StewardError) as err:
        fire(plant, "lixf", rev_id, "issue", password=PW)
    assert err.value.code == "illegal_transition"
    assert "草稿" in err.value.zh and "draft" in err.value.en
    assert state(engine, rev_id) == "draft"


def test_a_signer_without_the_role_is_refused(plant, engine, store):
    rev_id = new_draft(plant, store)
    fire(plant, "lixf", rev_id, "submit", password=PW)
    with pytest.raises(Forbidden, match="Department head"):
        fire(plant, "yangf", rev_id, "review", password=PW)
    with pytest.raises(Forbidden):
        fire(plant, "qianc", rev_id, "review", password=PW)


def test_the_author_cannot_review_their_own_document(plant, engine, store):
    rev_id = new_draft(plant, store)
    fire(plant, "lixf", rev_id, "submit", password=PW)
    with pytest.raises(StewardError, match="author cannot review"):
        fire(plant, "lixf", rev_id, "review", password=PW)


def test_a_wrong_password_signs_nothing_and_writes_nothing(plant, engine, store):
    rev_id = new_draft(plant, store)
    with Session(engine) as s:
        before = s.exec(select(func.count()).select_from(AuditEntry)).one()
    with pytest.raises(StewardError) as err:
        fire(plant, "lixf", rev_id, "submit", password="guess")
    assert err.value.code == "wrong_password" and err.value.status == 401
    with pytest.raises(StewardError, match="needs your password"):
        fire(plant, "lixf", rev_id, "submit")
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(AuditEntry)).one() == before
    assert state(engine, rev_id) == "draft"


def test_two_approvers_of_the_same_revision_one_wins_one_gets_a_conflict(plant, engine, store):
    rev_id = new_draft(plant, store)
    fire(plant, "lixf", rev_id, "submit", password=PW)
    with Session(engine) as s:
        seen = s.get(Revision, rev_id).version
    fire(plant, "zhaom", rev_id, "review", expected_version=seen, password=PW)
    with pytest.raises(Conflict, match="reload"):
        fire(plant, "chenj", rev_id, "review", expected_version=seen, password=PW)


def test_concurrent_reviews_leave_exactly_one_transition(plant, engine, store):
    rev_id = new_draft(plant, store)
    fire(plant, "lixf", rev_id, "submit", password=PW)
    barrier, outcomes = threading.Barrier(2), []

    def review(username):
        from storage.engine import unit_of_work
        try:
            with unit_of_work(engine, username) as s:
                a = wf.actor_for(s, username)
                rev = s.get(Revision, rev_id)
                barrier.wait(timeout=10)
                wf.fire(s, docs.LIFECYCLE, rev, "review", a, password=PW)
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=review, args=(u,)) for u in ("zhaom", "chenj")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert outcomes.count("ok") == 1, outcomes
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM transition_log WHERE trigger='review'")).scalar() == 1
        assert verify(conn).ok


def test_changing_the_content_after_signing_invalidates_the_signature(plant, engine, store):
    rev_id = new_draft(plant, store)
    fire(plant, "lixf", rev_id, "submit", password=PW)
    other = store.put_bytes(docx_bytes("被偷偷替换的内容"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE revision SET file_sha256 = :h WHERE id = :i"), {"h": other, "i": rev_id})
    with Session(engine) as s:
        assert [ok for _, ok in docs.current_signatures(s, s.get(Revision, rev_id))] == [False]
    with pytest.raises(StewardError, match="no longer valid"):
        fire(plant, "zhaom", rev_id, "review", password=PW)


def test_a_file_that_is_not_what_its_extension_claims_is_refused(plant, engine, store):
    def bad(s, a):
        _, rev = docs.create(s, a, doc_type="form", title="月度台账")
        docs.upload(s, a, rev, "台账.xlsx", io.BytesIO(b"MZ\x90\x00 this is an exe"), store, 50 * MB)
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", bad)
    assert err.value.code == "file_mismatch" and "xlsx" in err.value.en
    assert [p for p in (store.root).rglob("*") if p.is_file()] == []


def test_a_200_mb_upload_is_refused_without_storing_it(plant, engine, store):
    class Zeros(io.RawIOBase):
        def __init__(self, n):
            self.left = n

        def read(self, size=-1):
            size = min(self.left, MB if size < 0 else size)
            self.left -= size
            return b"\0" * size

    def big(s, a):
        _, rev = docs.create(s, a, doc_type="external", title="GB/T 32150")
        docs.upload(s, a, rev, "GB-T-32150.pdf", Zeros(200 * MB), store, 50 * MB)
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", big)
    assert err.value.status == 413 and "50 MB" in err.value.zh
    with Session(engine) as s:
        assert s.exec(text("SELECT count(*) FROM document")).scalar() == 0


def test_a_new_revision_supersedes_the_old_when_issued(plant, engine, store):
    rev_id = new_draft(plant, store)
    issue(plant, rev_id)
    fire(plant, "yangf", rev_id, "request_change", comment="缺失数据处理方式需要补充")
    new_id = act(plant, "lixf", lambda s, a: docs.revise(s, a, s.get(Revision, rev_id), "补充缺失数据处理").id)
    act(plant, "lixf", lambda s, a: docs.upload(s, a, s.get(Revision, new_id), "v2.docx",
                                                io.BytesIO(docx_bytes("第二版")), store, 50 * MB))
    issue(plant, new_id)
    assert state(engine, rev_id) == "superseded" and state(engine, new_id) == "issued"
    with Session(engine) as s:
        assert s.get(Revision, new_id).rev == 2


def test_withdrawn_documents_are_obsolete_and_kept_for_their_retention(plant, engine, store):
    rev_id = new_draft(plant, store)
    issue(plant, rev_id)
    with pytest.raises(StewardError, match="needs a comment"):
        fire(plant, "lixf", rev_id, "withdraw", password=PW)
    fire(plant, "lixf", rev_id, "withdraw", comment="并入新制度", password=PW)
    assert state(engine, rev_id) == "obsolete"

    def dispose(when):
        return lambda s, a: docs.dispose(s, a, s.get(docs.Document, s.get(Revision, rev_id).document_id),
                                         "碎纸销毁", today=when)
    with pytest.raises(StewardError, match="Retention runs until"):
        act(plant, "lixf", dispose(clock.today()))
    doc = act(plant, "lixf", dispose(date(clock.today().year + 6, 1, 1)))
    assert doc.disposed_on is not None


def test_actions_offered_match_role_and_state(plant, engine, store):
    rev_id = new_draft(plant, store)
    fire(plant, "lixf", rev_id, "submit", password=PW)
    with Session(engine) as s:
        rev = s.get(Revision, rev_id)
        offered = {u: [t.trigger for t in docs.LIFECYCLE.available(rev, wf.actor_for(s, u), s)]
                   for u in ("zhaom", "lixf", "yangf", "wangjg")}
    assert offered["zhaom"] == ["reject", "review"]
    assert offered["lixf"] == ["reject"]  # a department head, but the author cannot review
    assert offered["yangf"] == []
    assert offered["wangjg"] == ["reject", "review"]  # top management sits on the carbon body


def test_the_issued_copy_carries_number_mark_and_signatures_and_obsolete_says_so(plant, engine, store):
    from workflows.documents.copies import controlled_copy
    rev_id = new_draft(plant, store)
    issue(plant, rev_id)

    def text_of(s):
        d = docx.Document(io.BytesIO(controlled_copy(s, s.get(Revision, rev_id), store)))
        cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in d.paragraphs] + cells)
    with Session(engine) as s:
        issued = text_of(s)
    assert "受控 CONTROLLED" in issued and "JYCEM-PR-001" in issued
    assert str(clock.today()) in issued and "第一版" in issued
    assert issued.count("有效 valid") == 4 and "王建国" in issued
    fire(plant, "lixf", rev_id, "withdraw", comment="废止", password=PW)
    with Session(engine) as s:
        assert "作废 OBSOLETE" in text_of(s)


def test_a_restricted_document_is_hidden_from_other_roles(plant, engine, store):
    act(plant, "lixf", lambda s, a: docs.create(s, a, doc_type="procedure", title="碳资产交易授权",
                                                 access="restricted", access_roles=["top_management"]))
    assert act(plant, "wangjg", lambda s, a: docs.get_revision(s, a, "JYCEM-PR-001").rev) == 1
    with pytest.raises(Forbidden, match="restricted"):
        act(plant, "yangf", lambda s, a: docs.get_revision(s, a, "JYCEM-PR-001"))


def test_tasks_name_the_document_for_the_person_who_must_act(plant, engine, store):
    rev_id = new_draft(plant, store)
    fire(plant, "lixf", rev_id, "submit", password=PW)
    with Session(engine) as s:
        tasks = s.exec(select(Task).where(Task.entity_id == rev_id, Task.status == "open")).all()
        outbox = s.exec(select(Outbox).where(Outbox.task_id == tasks[0].id)).one()
    assert tasks and all(t.title_zh == "审核文件 JYCEM-PR-001 第1版《碳排放数据管理程序》" for t in tasks)
    assert "Review JYCEM-PR-001 rev 1" in outbox.subject


def test_a_signed_file_swapped_on_disk_is_never_a_controlled_copy(plant, engine, store):
    from workflows.documents.copies import controlled_copy
    rev_id = new_draft(plant, store)
    issue(plant, rev_id)
    with Session(engine) as s:
        rev = s.get(Revision, rev_id)
        assert "受控 CONTROLLED" in text_of(controlled_copy(s, rev, store))
        store.path(rev.file_sha256).write_bytes(docx_bytes("被替换的内容"))  # changed under the signatures
        copy = text_of(controlled_copy(s, rev, store))
        assert "受控 CONTROLLED" not in copy and "UNCONTROLLED" in copy and "被替换的内容" not in copy
        assert [ok for _, ok in docs.current_signatures(s, rev, store)] == [False] * 4


def text_of(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    return "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells])
