"""A nonconformity from analysis to a verified correction, and back when it did not work (10.2, 10.3)."""

from datetime import date, timedelta

import pytest
from helpers import act, plant_id
from sqlmodel import Session, select

from storage.errors import Forbidden, StewardError
from storage.models import CorrectiveAction, Nonconformity, Person, Task, TransitionLog
from workflows.engine import clock
from workflows.improvement import improvement
from workflows.improvement import nonconformity as ncs

SOON = clock.today() + timedelta(days=20)


def raised(plant, clause="8.3c", title="M-E021 检定过期") -> int:
    with plant("system:test") as s:
        return ncs.raise_nc(s, plant_id(s), source="audit", clause_id=clause, title=title, raised_by="zhaom").id


def analysed(plant, nc_id):
    act(plant, "lixf", lambda s, a: ncs.analyse(
        s, a, s.get(Nonconformity, nc_id), consequence="9 月电耗数据偏差不超过 0.5%", disposition="用关口表数据复核",
        root_cause="检定计划未纳入新表", severity="minor", preventive_measures="全部计量器具纳入检定台账"))


def planned(plant, nc_id, owners=("liuy",)):
    act(plant, "lixf", lambda s, a: ncs.plan(s, a, s.get(Nonconformity, nc_id), [
        {"kind": "corrective", "description": f"送检并更新台账 {o}", "owner": o, "due": SOON} for o in owners]))


def finish_actions(plant, nc_id):
    """Each owner reports their own action done."""
    with plant("reader") as s:
        owed = [(a.id, s.get(Person, a.owner_id).username)
                for a in ncs.current_actions(s, s.get(Nonconformity, nc_id))]
    for action_id, username in owed:
        act(plant, username, lambda s, a, i=action_id: ncs.complete_action(
            s, a, s.get(CorrectiveAction, i), "已送检，检定合格"))


def state(engine, nc_id):
    with Session(engine) as s:
        return s.get(Nonconformity, nc_id).state


def test_a_nonconformity_is_analysed_corrected_verified_and_closed(plant, engine):
    nc_id = raised(plant)
    analysed(plant, nc_id)
    planned(plant, nc_id)
    with Session(engine) as s:
        task = s.exec(select(Task).where(Task.lifecycle == "corrective_action")).one()
        assert task.due == SOON and "送检" in task.title_zh
    finish_actions(plant, nc_id)
    assert state(engine, nc_id) == "implemented"
    act(plant, "zhaom", lambda s, a: ncs.review_effectiveness(
        s, a, s.get(Nonconformity, nc_id), effective=True, note="复查 10 月数据，台账完整"))
    with Session(engine) as s:
        nc = s.get(Nonconformity, nc_id)
        assert nc.state == "closed" and nc.closed_on == clock.today()
        steps = [t.trigger for t in s.exec(select(TransitionLog).where(TransitionLog.lifecycle == "nonconformity"))]
        assert steps == ["analyse", "plan", "implement", "close"]
        assert not s.exec(select(Task).where(Task.status == "open", Task.lifecycle.in_(
            ["nonconformity", "corrective_action"]))).all()


def test_closing_without_an_effectiveness_review_is_refused(plant, engine):
    nc_id = raised(plant)
    analysed(plant, nc_id)
    planned(plant, nc_id)
    finish_actions(plant, nc_id)
    from workflows.engine import machine as wf
    with pytest.raises(StewardError) as err:
        act(plant, "zhaom", lambda s, a: wf.fire(s, ncs.LIFECYCLE, s.get(Nonconformity, nc_id), "close", a))
    assert "有效性" in err.value.zh and "effectiveness" in err.value.en and "Review" not in err.value.zh
    with pytest.raises(StewardError, match="effectiveness"):
        act(plant, "zhaom", lambda s, a: ncs.review_effectiveness(s, a, s.get(Nonconformity, nc_id), effective=True,
                                                                   note=" "))
    assert state(engine, nc_id) == "implemented"


def test_an_ineffective_correction_reopens_for_a_new_round(plant, engine):
    nc_id = raised(plant)
    analysed(plant, nc_id)
    planned(plant, nc_id)
    finish_actions(plant, nc_id)
    act(plant, "zhaom", lambda s, a: ncs.review_effectiveness(s, a, s.get(Nonconformity, nc_id), effective=False,
                                                              note="11 月又发现 M-E010 过期"))
    assert state(engine, nc_id) == "analysed"
    planned(plant, nc_id, owners=("liuy", "zhoul"))
    with Session(engine) as s:
        nc = s.get(Nonconformity, nc_id)
        assert nc.reopened == 1 and len(ncs.current_actions(s, nc)) == 2
        assert len(s.exec(select(CorrectiveAction)).all()) == 3  # the first round stays on record


def test_analysis_finds_similar_nonconformities_and_needs_a_cause(plant, engine):
    first = raised(plant, title="M-E021 检定过期")
    second = raised(plant, title="M-W005 汽车衡检定过期")
    with pytest.raises(StewardError, match="root cause"):
        act(plant, "lixf", lambda s, a: ncs.analyse(s, a, s.get(Nonconformity, second), consequence="x",
                                                    disposition="y", root_cause=""))
    analysed(plant, second)
    with Session(engine) as s:
        similar = s.get(Nonconformity, second).similar
        assert [x["ref"] for x in similar] == [s.get(Nonconformity, first).number]


def test_actions_need_an_owner_of_this_enterprise_and_a_future_due_date(plant):
    nc_id = raised(plant)
    analysed(plant, nc_id)
    with pytest.raises(StewardError, match="due date"):
        act(plant, "lixf", lambda s, a: ncs.plan(s, a, s.get(Nonconformity, nc_id), [
            {"description": "送检", "owner": "liuy", "due": clock.today() - timedelta(days=1)}]))
    with pytest.raises(StewardError, match="No user nobody"):
        act(plant, "lixf", lambda s, a: ncs.plan(s, a, s.get(Nonconformity, nc_id), [
            {"description": "送检", "owner": "nobody", "due": SOON}]))
    with pytest.raises(StewardError, match="at least one action"):
        act(plant, "lixf", lambda s, a: ncs.plan(s, a, s.get(Nonconformity, nc_id), []))


def test_only_the_owner_reports_an_action_done(plant):
    nc_id = raised(plant)
    analysed(plant, nc_id)
    planned(plant, nc_id)
    with pytest.raises(Forbidden):
        act(plant, "yangf", lambda s, a: ncs.complete_action(
            s, a, s.exec(select(CorrectiveAction)).one(), "done"))


def test_the_improvement_register_keeps_directions_and_outcomes(plant, engine):
    number = act(plant, "lixf", lambda s, a: improvement.add(
        s, a, title="推广余热发电自用率提升", source="review", clause_id="10.4c", owner="liuy", due=SOON).number)
    with pytest.raises(StewardError, match="what came of it"):
        act(plant, "lixf", lambda s, a: improvement.update(s, a, number, "done"))
    act(plant, "lixf", lambda s, a: improvement.update(s, a, number, "done", "自用率由 92% 提升至 95%"))
    with Session(engine) as s:
        assert not s.exec(select(Task).where(Task.lifecycle == "improvement", Task.status == "open")).all()
    with pytest.raises(Forbidden):
        act(plant, "yangf", lambda s, a: improvement.add(s, a, title="x", source="suggestion"))


def test_the_board_shows_all_open_work_and_the_closed_a_page_at_a_time(plant, web):
    """Years of closed nonconformities must not make the board longer: the newest 50 closed, a count, a pager."""
    import re

    from helpers import as_user
    with plant("test") as s:
        pid = plant_id(s)
        for n in range(55):
            s.add(Nonconformity(enterprise_id=pid, number=f"JYCEM-NC-2019-{n + 1:03d}", source="audit", clause_id="9.2",
                                title=f"旧的不符合 {n + 1}", state="closed", raised_by="test", raised_on=date(2019, 5, 1)))
        s.add(Nonconformity(enterprise_id=pid, number="JYCEM-NC-2026-901", source="audit", clause_id="8.3",
                            title="待分析的不符合", state="open", raised_by="test", raised_on=date(2026, 11, 1)))
    lixf = as_user(web, "lixf")
    first = lixf.get("/nonconformities").text
    assert "JYCEM-NC-2026-901" in first and "已关闭 (55)" in first
    shown = re.findall(r"JYCEM-NC-2019-(\d+)", first)
    assert len(set(shown)) == 50 and "055" in shown and "005" not in shown  # the newest first
    second = lixf.get("/nonconformities", params={"page": 2}).text
    assert sorted(set(re.findall(r"JYCEM-NC-2019-(\d+)", second))) == ["001", "002", "003", "004", "005"]
    assert "JYCEM-NC-2026-901" in second  # the open work stays in sight on every page
