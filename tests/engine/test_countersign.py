"""Countersigning (会签) as lifecycle data, on the controlled document's review: several named signers in
parallel, all sign or one rejects, the engine moving the record on by the lifecycle's own transitions."""

import pytest
from helpers import act
from sqlmodel import Session, select

from steward import demo
from storage.errors import Conflict, Forbidden, NotFound, StewardError
from storage.models import Countersignature, Person, Revision, Task, TransitionLog
from workflows.documents import document as docs
from workflows.engine import countersign as cs
from workflows.engine import machine as wf

PW = demo.DEMO_PASSWORD
LC = docs.LIFECYCLE


def configure(uow, people=("zhoul",), departments=("EQP",), username="lixf", doc_type="procedure"):
    return act(uow, username, lambda s, a: cs.configure(s, a, LC, doc_type, "in_review", people=list(people),
                                                        departments=list(departments)))


def submitted(uow, store, doc_type="procedure"):
    def create(s, a):
        doc, rev = docs.create(s, a, doc_type=doc_type, title="能源计量管理制度")
        rev.file_sha256, rev.file_name = "ab" * 32, "计量.docx"  # _has_file only asks that a file is attached
        s.add(rev)
        s.flush()
        wf.fire(s, LC, rev, "submit", a, password=PW)
        return rev.id
    return act(uow, "lixf", create)


def sign(uow, username, rev_id, password=PW):
    return act(uow, username, lambda s, a: cs.sign(s, LC, s.get(Revision, rev_id), a, password))


def reject(uow, username, rev_id, comment):
    return act(uow, username, lambda s, a: cs.reject(s, LC, s.get(Revision, rev_id), a, comment))


def open_tasks(engine, rev_id):
    with Session(engine) as s:
        return sorted((s.get(Person, t.assignee_id).username, t.title_en.split(" ")[0]) for t in s.exec(
            select(Task).where(Task.lifecycle == "document", Task.entity_id == rev_id, Task.status == "open")))


def test_all_countersigners_sign_and_the_engine_moves_the_document_to_approval(plant, engine, store):
    configure(plant)  # 周磊 by name, and the head of 设备动力部 (刘洋)
    rev_id = submitted(plant, store)
    assert open_tasks(engine, rev_id) == [("liuy", "Countersign"), ("zhoul", "Countersign")]
    with pytest.raises(StewardError, match="会签尚未完成") as refused:  # a reviewer cannot skip the round
        act(plant, "zhaom", lambda s, a: wf.fire(s, LC, s.get(Revision, rev_id), "review", a, password=PW))
    assert "刘洋" in refused.value.zh and "周磊" in refused.value.zh
    with pytest.raises(StewardError, match="会签进行中"):  # nor send it back around the countersigners
        act(plant, "zhaom", lambda s, a: wf.fire(s, LC, s.get(Revision, rev_id), "reject", a, comment="不行"))
    assert not act(plant, "liuy", lambda s, a: [t.trigger for t in LC.available(s.get(Revision, rev_id), a, s)])
    sign(plant, "zhoul", rev_id)
    with Session(engine) as s:
        assert s.get(Revision, rev_id).state == "in_review"
        assert not act(plant, "zhaom", lambda s2, a: [t.trigger for t in LC.available(s2.get(Revision, rev_id), a, s2)
                                                       if t.trigger == "review"])
    assert open_tasks(engine, rev_id) == [("liuy", "Countersign")]
    sign(plant, "liuy", rev_id)
    with Session(engine) as s:
        rev = s.get(Revision, rev_id)
        assert rev.state == "reviewed"
        last = s.exec(select(TransitionLog).where(TransitionLog.entity_id == rev_id, TransitionLog.lifecycle == "document")
                      .order_by(TransitionLog.id.desc())).first()
        assert (last.trigger, last.to_state, last.actor.split(":")[0]) == ("review", "reviewed", "liuy")
        assert [(x.meaning, x.signer_name) for x, ok in docs.current_signatures(s, rev)] == [
            ("prepared", "李秀芳"), ("reviewed", "周磊"), ("reviewed", "刘洋")]
        assert [p.row.status for p in cs.latest(s, LC, rev)] == ["signed", "signed"]
    assert open_tasks(engine, rev_id) == [("wangjg", "Approve")]
    act(plant, "wangjg", lambda s, a: wf.fire(s, LC, s.get(Revision, rev_id), "approve", a, password=PW))
    assert docs_state(engine, rev_id) == "approved"


def docs_state(engine, rev_id):
    with Session(engine) as s:
        return s.get(Revision, rev_id).state


def test_one_rejection_sends_it_back_with_the_comment_and_a_new_submission_opens_a_new_round(plant, engine, store):
    configure(plant)
    rev_id = submitted(plant, store)
    sign(plant, "zhoul", rev_id)
    with pytest.raises(StewardError, match="须填写意见"):
        reject(plant, "liuy", rev_id, "  ")
    reject(plant, "liuy", rev_id, "第三条的计量器具检定周期写错了")
    with Session(engine) as s:
        rev = s.get(Revision, rev_id)
        assert rev.state == "draft"
        parts = cs.latest(s, LC, rev)
        assert [(p.person.username, p.row.status, p.row.comment) for p in parts] == [
            ("zhoul", "signed", ""), ("liuy", "rejected", "第三条的计量器具检定周期写错了")]
        back = s.exec(select(TransitionLog).where(TransitionLog.entity_id == rev_id, TransitionLog.lifecycle == "document")
                      .order_by(TransitionLog.id.desc())).first()
        assert (back.trigger, back.comment) == ("reject", "第三条的计量器具检定周期写错了")
    assert open_tasks(engine, rev_id) == [("lixf", "Rework"), ("zhangw", "Rework")]
    act(plant, "lixf", lambda s, a: wf.fire(s, LC, s.get(Revision, rev_id), "submit", a, password=PW))
    with Session(engine) as s:
        rev = s.get(Revision, rev_id)
        assert [p.row.status for p in cs.latest(s, LC, rev)] == ["pending", "pending"]  # everyone signs again
        assert [x.meaning for x, _ in docs.current_signatures(s, rev)] == ["prepared"]


def test_a_non_signer_and_a_second_signature_are_refused(plant, engine, store):
    configure(plant)
    rev_id = submitted(plant, store)
    with pytest.raises(Forbidden, match="不是此步骤的会签人"):
        sign(plant, "zhaom", rev_id)
    with pytest.raises(Forbidden, match="不是此步骤的会签人"):
        reject(plant, "chenj", rev_id, "不同意")
    with pytest.raises(StewardError, match="密码错误"):
        sign(plant, "zhoul", rev_id, password="not the password")
    sign(plant, "zhoul", rev_id)
    with pytest.raises(Conflict, match="已会签"):
        sign(plant, "zhoul", rev_id)
    with pytest.raises(Conflict, match="已会签"):
        reject(plant, "zhoul", rev_id, "改主意了")
    with Session(engine) as s:
        assert s.get(Revision, rev_id).state == "in_review"
        assert len(s.exec(select(Countersignature).where(Countersignature.entity_id == rev_id,
                                                         Countersignature.status == "signed")).all()) == 1


def test_the_separate_signer_rules_hold_for_countersigners(plant, engine, store):
    configure(plant, people=("lixf", "wangjg"), departments=())
    rev_id = submitted(plant, store)
    with pytest.raises(Forbidden, match="同一人不能再签署"):  # the author prepared it: she does not also review it
        sign(plant, "lixf", rev_id)
    with Session(engine) as s:
        part = next(p for p in cs.latest(s, LC, s.get(Revision, rev_id)) if p.person.username == "lixf")
    act(plant, "lixf", lambda s, a: cs.replace(s, a, LC, s.get(Revision, rev_id), part.row.id, "chenj"))
    sign(plant, "wangjg", rev_id)
    sign(plant, "chenj", rev_id)
    assert docs_state(engine, rev_id) == "reviewed"
    with pytest.raises(Forbidden, match="同一人不能再签署「批准」"):  # who countersigned the review does not approve
        act(plant, "wangjg", lambda s, a: wf.fire(s, LC, s.get(Revision, rev_id), "approve", a, password=PW))


def test_a_countersigner_who_left_is_named_and_replaced_and_nothing_is_half_written(plant, engine, store):
    configure(plant)
    rev_id = submitted(plant, store)

    def leave(s, a):
        person = s.exec(select(Person).where(Person.username == "zhoul")).one()
        person.active = False
        s.add(person)
    act(plant, "lixf", leave)
    with Session(engine) as s:
        parts = cs.latest(s, LC, s.get(Revision, rev_id))
        assert [(p.person.name, p.left) for p in parts] == [("周磊", True), ("刘洋", False)]
    with pytest.raises(Forbidden):
        act(plant, "chenj", lambda s, a: cs.replace(s, a, LC, s.get(Revision, rev_id), parts[0].row.id, "yangf"))
    with pytest.raises(StewardError, match="已是本轮会签人"):
        act(plant, "lixf", lambda s, a: cs.replace(s, a, LC, s.get(Revision, rev_id), parts[0].row.id, "liuy"))
    act(plant, "lixf", lambda s, a: cs.replace(s, a, LC, s.get(Revision, rev_id), parts[0].row.id, "yangf"))
    assert open_tasks(engine, rev_id) == [("liuy", "Countersign"), ("yangf", "Countersign")]
    sign(plant, "yangf", rev_id)
    sign(plant, "liuy", rev_id)
    assert docs_state(engine, rev_id) == "reviewed"
    # the next document of the type cannot be submitted while the settings still name someone who left
    with Session(engine) as s:
        before = len(s.exec(select(Revision)).all()), len(s.exec(select(Task)).all())
    with pytest.raises(StewardError, match="周磊 已停用") as refused:
        submitted(plant, store)
    assert refused.value.code == "countersigner_left"
    with Session(engine) as s:  # the draft made in the same transaction went with it
        assert (len(s.exec(select(Revision)).all()), len(s.exec(select(Task)).all())) == before


def test_configuration_is_for_carbon_managers_and_names_real_people(plant, engine, store):
    with pytest.raises(Forbidden):
        configure(plant, username="zhaom")
    with pytest.raises(NotFound, match="没有在职用户 nobody"):
        configure(plant, people=("nobody",))
    with pytest.raises(StewardError, match="重复"):
        configure(plant, people=("zhoul", "zhoul"))
    with pytest.raises(StewardError, match="只有查看或外部角色"):  # the group's observer reads, judges nothing
        configure(plant, people=("qianc",))
    with pytest.raises(NotFound, match="没有部门"):
        configure(plant, departments=("NOPE",))
    with pytest.raises(StewardError, match="范围"):
        configure(plant, doc_type="bituminous_coal")
    configure(plant, doc_type="policy")  # another type: a procedure is reviewed as before
    rev_id = submitted(plant, store)
    assert ("zhaom", "Review") in open_tasks(engine, rev_id)
    act(plant, "zhaom", lambda s, a: wf.fire(s, LC, s.get(Revision, rev_id), "review", a, password=PW))
    assert docs_state(engine, rev_id) == "reviewed"
    configure(plant, people=(), departments=(), doc_type="policy")  # naming nobody turns the step off
    with Session(engine) as s:
        assert cs.configured(s, s.get(Revision, rev_id).enterprise_id, LC, "policy", "in_review") == []


def test_the_last_two_signers_at_the_same_moment_never_leave_it_stuck_or_moved_twice(plant, engine, store):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from storage.engine import unit_of_work
    configure(plant)
    rev_id = submitted(plant, store)
    gate = threading.Barrier(2)

    def one(username: str) -> str:
        gate.wait()
        try:
            with unit_of_work(engine, f"test:{username}") as s:
                cs.sign(s, LC, s.get(Revision, rev_id), wf.actor_for(s, username), PW)
            return "ok"
        except StewardError as exc:
            assert exc.status < 500, exc
            return exc.code
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(one, ["zhoul", "liuy"]))
    assert set(outcomes) <= {"ok", "stale", "busy"} and "ok" in outcomes
    with Session(engine) as s:
        rev = s.get(Revision, rev_id)
        signed = [p.row.status for p in cs.latest(s, LC, rev)].count("signed")
        reviews = s.exec(select(TransitionLog).where(TransitionLog.entity_id == rev_id,
                                                     TransitionLog.trigger == "review")).all()
        assert (rev.state, len(reviews)) == (("reviewed", 1) if signed == 2 else ("in_review", 0))
        assert signed == outcomes.count("ok")
