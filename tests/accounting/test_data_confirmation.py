"""Maker-checker for activity data (issue 33): where the enterprise asks for it (the demo does), what staff enter or
import waits, as one batch per import, for a carbon manager; no run counts it until confirmed in one step."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import act, plant_id
from sqlmodel import select

from storage.errors import Forbidden, StewardError
from storage.models import ActivityBatch, ActivityRecord, Outbox, Person, Task
from workflows.accounting import activity, runs

GASOLINE = {"period": "2025-02", "facility": "F-BL01", "category": "fuel_combustion", "material": "gasoline",
            "quantity": 4.0, "unit": "t", "evidence": "加油单"}
HEADERS = "月份,设施代码,类别,物料,数量,单位,数据来源,计量器具,证据"
TWO_MONTHS = (HEADERS + "\n2025-03,F-BL01,fuel_combustion,gasoline,2,t,measured,,加油单\n"
              "2025-04,F-BL01,fuel_combustion,gasoline,3,t,measured,,加油单\n").encode()


def total(plant, year=2025) -> tuple[int, float]:
    with plant("system:test") as s:
        run = runs.run(s, plant_id(s), year, "test")
        return run.id, run.totals["enterprise"]["total"]


def test_staffs_figure_waits_until_a_carbon_manager_confirms_it_and_only_then_a_run_counts_it(plant):
    before = total(plant)
    act(plant, "yangf", lambda s, a: activity.enter(s, a, [GASOLINE], "manual entry"))
    assert total(plant) == before  # the same run stands: nothing new counts
    with plant("reader") as s:
        batch = s.exec(select(ActivityBatch)).one()
        assert (batch.state, batch.rows, s.get(Person, batch.entered_by_id).username) == ("pending", 1, "yangf")
        asked = s.exec(select(Person.username).join(Task, Task.assignee_id == Person.id).where(
            Task.lifecycle == "activity_batch", Task.entity_id == batch.id, Task.status == "open")).all()
        assert set(asked) == {"lixf", "zhangw"}
    with pytest.raises(Forbidden):  # staff do not confirm, their own or anyone's
        act(plant, "zhoul", lambda s, a: activity.confirm(s, a, batch.id))
    assert act(plant, "zhangw", lambda s, a: activity.confirm(s, a, batch.id)) == [2025]
    after = total(plant)
    assert after[0] != before[0] and after[1] > before[1]
    with plant("reader") as s:
        assert not s.exec(select(ActivityRecord).where(ActivityRecord.pending)).all()
        assert not s.exec(select(Task).where(Task.lifecycle == "activity_batch", Task.status == "open")).all()
    with pytest.raises(StewardError, match="dealt with already"):
        act(plant, "lixf", lambda s, a: activity.confirm(s, a, batch.id))


def test_an_import_is_one_batch_confirmed_whole_and_a_batch_sent_back_goes_with_the_reason(plant):
    assert act(plant, "yangf", lambda s, a: activity.import_file(s, a, "gasoline.csv", TWO_MONTHS)) == 2
    act(plant, "yangf", lambda s, a: activity.enter(s, a, [GASOLINE], "manual entry"))
    shown = act(plant, "lixf", lambda s, a: activity.waiting(s, a))
    assert [(w.batch.label, w.batch.rows, w.months, w.entered_by) for w in shown] == [
        ("import gasoline.csv", 2, "2025-03 – 2025-04", "杨帆"), ("manual entry", 1, "2025-02", "杨帆")]
    assert act(plant, "zhoul", lambda s, a: activity.waiting(s, a)) == []  # his own only
    imported, typed = (w.batch.id for w in shown)
    with pytest.raises(StewardError, match="Say why") as caught:
        act(plant, "lixf", lambda s, a: activity.send_back(s, a, typed, " "))
    assert caught.value.field == "note"
    act(plant, "lixf", lambda s, a: activity.send_back(s, a, typed, "二月汽油应计入运输车辆"))
    act(plant, "lixf", lambda s, a: activity.confirm(s, a, imported))
    with plant("reader") as s:
        periods = sorted(str(r.period) for r in s.exec(select(ActivityRecord).where(
            ActivityRecord.material == "gasoline", ActivityRecord.period < date(2025, 12, 31))))
        assert periods == ["2025-03-01", "2025-04-01"]  # February went back, to be entered again
        told = s.exec(select(Outbox).where(Outbox.subject.contains("sent back"))).one()
        assert "运输车辆" in told.body and s.get(Person, told.person_id).username == "yangf"
    act(plant, "yangf", lambda s, a: activity.enter(s, a, [GASOLINE], "manual entry"))  # February is free again


def test_a_carbon_managers_figures_count_at_once_and_with_the_rule_off_so_do_staffs(plant):
    before = total(plant)
    act(plant, "lixf", lambda s, a: activity.enter(s, a, [GASOLINE], "manual entry"))
    assert total(plant)[1] > before[1]
    with pytest.raises(Forbidden):
        act(plant, "yangf", lambda s, a: activity.set_rule(s, a, False))
    act(plant, "lixf", lambda s, a: activity.set_rule(s, a, False))
    middle = total(plant)
    act(plant, "yangf", lambda s, a: activity.enter(s, a, [{**GASOLINE, "period": "2025-05"}], "manual entry"))
    assert total(plant)[1] > middle[1]
    with plant("reader") as s:
        assert not s.exec(select(ActivityBatch)).all()
