"""Standing in while someone is away, and a task handed to someone else with a reason (issue 33).

The away person's open and new tasks show in the substitute's inbox for the period only (plant dates), the
substitute acts in their own name and within their own roles, and the record says on whose behalf."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from documents.test_documents import PW, fire, new_draft
from helpers import act, plant_id
from improvement.test_nonconformity import analysed, planned, raised
from sqlmodel import select

from steward import demo
from storage.errors import Forbidden, NotFound, StewardError
from storage.models import CorrectiveAction, Outbox, Person, Signature, Task, TaskHandover, TransitionLog
from workflows.engine import clock, delegation
from workflows.engine import tasks as inbox
from workflows.improvement import nonconformity as ncs
from workflows.people import notifications
from workflows.people import organisation as org

TODAY = clock.today()


def name(plant, who, person, substitute, starts=TODAY, days=3, reason="外出培训"):
    return act(plant, who, lambda s, a: delegation.name(s, a, person, substitute, starts, starts + timedelta(days=days),
                                                         reason).id)


def titles(plant, username):
    return act(plant, username, lambda s, a: [(i.task.title_zh, i.assignee, i.for_other)
                                              for i in inbox.inbox(s, a)[0]])


def test_a_substitute_does_the_away_persons_action_in_their_own_name_until_the_period_ends(plant):
    nc_id = raised(plant)
    analysed(plant, nc_id)
    planned(plant, nc_id, owners=("zhoul",))
    assert not [t for t in titles(plant, "yangf") if "送检" in t[0]]
    name(plant, "zhoul", "zhoul", "yangf", days=2)
    covered = [t for t in titles(plant, "yangf") if "送检" in t[0]]
    assert covered == [(covered[0][0], "周磊", True)]  # shown as 周磊's, in 杨帆's inbox
    with plant("reader") as s:
        told = s.exec(select(Outbox).where(Outbox.person_id == s.exec(
            select(Person.id).where(Person.username == "yangf")).one())).all()
        assert any("代理 周磊" in o.subject for o in told)
        action_id = s.exec(select(CorrectiveAction.id).where(CorrectiveAction.nonconformity_id == nc_id)).one()
    # a new task given to zhoul while away reaches yangf too
    with plant("system:test") as s:
        zhoul = s.exec(select(Person).where(Person.username == "zhoul")).one()
        from workflows.engine import machine
        machine.give_task(s, zhoul, "objective_review", TODAY.year, "补充证据", "Add evidence", TODAY + timedelta(days=5))
    assert ("补充证据", "周磊", True) in titles(plant, "yangf")
    act(plant, "yangf", lambda s, a: ncs.complete_action(s, a, s.get(CorrectiveAction, action_id), "已送检"))
    with plant("reader") as s:
        log = s.exec(select(TransitionLog).where(TransitionLog.lifecycle == "corrective_action",
                                                 TransitionLog.entity_id == action_id)).one()
        assert log.actor.startswith("yangf:") and s.get(Person, log.on_behalf_of_id).username == "zhoul"
    done = act(plant, "zhoul", lambda s, a: delegation.done_for(s, a))
    assert [(d.by, d.action_zh) for d in done] == [("杨帆", "报告完成")] and "送检" in done[0].title_zh
    # the period over (plant date), the remaining task is zhoul's own again, with no job run
    later = datetime.combine(TODAY + timedelta(days=3), time(0, 30), clock.zone())
    with clock.reading(later):
        assert ("补充证据", "周磊", True) not in titles(plant, "yangf")
        assert ("补充证据", "周磊", False) in titles(plant, "zhoul")


def test_the_substitute_signs_only_where_their_own_roles_allow_and_the_signature_says_on_whose_behalf(plant, store):
    rev_id = new_draft(plant, store)
    fire(plant, "lixf", rev_id, "submit", password=PW)  # review tasks go to the heads; chenj is away
    first = name(plant, "chenj", "chenj", "yangf")
    assert any("审核文件" in t[0] and t[1] == "陈静" for t in titles(plant, "yangf"))
    with pytest.raises(Forbidden, match="requires the role"):  # staff may not review, standing in or not
        fire(plant, "yangf", rev_id, "review", password=PW)
    act(plant, "chenj", lambda s, a: delegation.withdraw(s, a, first))
    assert not any("审核文件" in t[0] for t in titles(plant, "yangf"))
    name(plant, "chenj", "chenj", "wangjg")  # top management sits on the carbon body: a reviewer by role
    fire(plant, "wangjg", rev_id, "review", password=PW)
    with plant("reader") as s:
        sig = s.exec(select(Signature).where(Signature.entity_id == rev_id, Signature.meaning == "reviewed")).one()
        assert (sig.signer_name, sig.on_behalf_of_name) == ("王建国", "陈静")


def test_a_wrong_substitute_or_period_is_refused_by_its_field_and_nothing_is_written(plant):
    name(plant, "liuy", "zhoul", "yangf", days=5)  # zhoul's head names his substitute
    cases = [
        ("zhoul", "zhoul", "sunt", TODAY + timedelta(days=2), 3, "starts", "already has a substitute"),
        ("sunt", "sunt", "sunt", TODAY, 1, "substitute", "cannot stand in for themselves"),
        ("sunt", "sunt", "zhoul", TODAY + timedelta(days=1), 1, "substitute", "is away from"),
        ("sunt", "sunt", "nobody", TODAY, 1, "substitute", "No user nobody"),
        ("sunt", "sunt", "wux", TODAY, -1, "ends", "ends before it starts"),
        ("sunt", "sunt", "wux", TODAY - timedelta(days=9), 2, "ends", "in the past"),
        ("yangf", "sunt", "wux", TODAY, 1, "person", "head of their department"),  # not his head
    ]
    for who, person, substitute, starts, days, field, message in cases:
        with pytest.raises(StewardError, match=message) as caught:
            name(plant, who, person, substitute, starts, days)
        assert caught.value.field == field, (person, substitute)
    with plant("system:test") as s:
        org.add(s, "person", {"code": "XN-07", "name": "刘欣", "username": "liuxn", "roles": ["staff"]},
                enterprise_ref=demo.SISTER)
    with pytest.raises(NotFound, match="No user liuxn in this enterprise") as caught:
        name(plant, "sunt", "sunt", "liuxn")
    assert caught.value.field == "substitute"
    with plant("reader") as s:
        assert len(act(plant, "liuy", lambda s, a: delegation.listing(s, a))) == 1


def test_heads_and_carbon_managers_reassign_a_task_with_a_reason_kept_in_its_history(plant):
    nc_id = raised(plant)
    analysed(plant, nc_id)
    planned(plant, nc_id, owners=("yangf",))
    with plant("reader") as s:
        task_id = s.exec(select(Task.id).where(Task.lifecycle == "corrective_action", Task.status == "open")).one()
    with pytest.raises(Forbidden):
        act(plant, "zhoul", lambda s, a: delegation.reassign(s, a, task_id, "sunt", "忙"))  # staff
    with pytest.raises(Forbidden, match="own department"):
        act(plant, "liuy", lambda s, a: delegation.reassign(s, a, task_id, "zhoul", "设备部代办"))  # not his dept
    with pytest.raises(StewardError, match="Say why") as caught:
        act(plant, "chenj", lambda s, a: delegation.reassign(s, a, task_id, "zhoul", " "))
    assert caught.value.field == "reason"
    act(plant, "chenj", lambda s, a: delegation.reassign(s, a, task_id, "zhoul", "杨帆调岗"))
    act(plant, "zhangw", lambda s, a: delegation.reassign(s, a, task_id, "sunt", "采购配合送检"))
    with plant("reader") as s:
        assert s.get(Person, s.get(Task, task_id).assignee_id).username == "sunt"
        assert len(s.exec(select(TaskHandover).where(TaskHandover.task_id == task_id)).all()) == 2
    history = act(plant, "zhangw", lambda s, a: delegation.handovers(s, [task_id]))[task_id]
    assert [(h.from_name, h.to_name, h.by_name, h.reason) for h in history] == [
        ("杨帆", "周磊", "陈静", "杨帆调岗"), ("周磊", "孙涛", "张伟", "采购配合送检")]
    assert any(i.task.id == task_id for i in act(plant, "sunt", lambda s, a: inbox.inbox(s, a)[0]))


def test_reminders_of_someone_away_go_to_their_substitute(plant):
    nc_id = raised(plant)
    analysed(plant, nc_id)
    planned(plant, nc_id, owners=("zhoul",))
    name(plant, "zhoul", "zhoul", "yangf", days=30)
    with plant("system:test") as s:
        notifications.daily(s, (clock.today() + timedelta(days=18)), plant_id(s))
        people = dict(s.exec(select(Person.id, Person.username)).all())
        reminded = [people[o.person_id] for o in s.exec(select(Outbox).where(Outbox.kind == "reminder")).all()]
    assert "yangf" in reminded and "zhoul" not in reminded
