"""Objectives and targets against the baseline, with an implementation plan, and progress from accounting (6.4)."""

from __future__ import annotations

import pytest
from helpers import act
from sqlmodel import select

from storage.errors import StewardError
from storage.models import Baseline
from workflows.planning import objectives

PLAN = {"a": "2# 水泥磨变频改造；窑头余热回收改造", "b": "技改立项、招标、施工、调试", "c": "技改资金 860 万元；设备动力部 6 人",
        "d": "设备动力部负责实施，能源环保部监督", "e": "2026-06 完成改造，2026-09 达产", "f": "改造前后 3 个月电耗对比，第三方测试"}


def test_an_objective_and_a_process_target_track_progress_from_the_accounting(plant):
    ob = act(plant, "lixf", lambda s, a: objectives.add(
        s, a, title="2027 年熟料单位产品排放较基准年下降 3%", level="enterprise", metric="intensity:clinker",
        target_year=2027, reduction_pct=3, plan=PLAN, owner="liuy"))
    tg = act(plant, "lixf", lambda s, a: objectives.add(
        s, a, title="熟料煅烧工序排放下降 2%", level="process", scope="P30", metric="total", target_year=2027,
        reduction_pct=2, plan=PLAN, clause_id="6.4.2b", parent=ob.number))
    assert ob.number.startswith("JYCEM-OB-") and tg.number.startswith("JYCEM-TG-")
    with plant("test") as s:
        p = objectives.progress(s, s.get(type(ob), ob.id))
        assert p["base_year"] == 2023 and p["year"] == 2025
        assert p["target"] == pytest.approx(p["base"] * 0.97, rel=1e-6)
        assert p["current"] < p["base"] and p["achieved_pct"] is not None and not p["met"]


def test_a_target_without_a_baseline_or_without_a_plan_is_refused(plant):
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", lambda s, a: objectives.add(s, a, title="x", level="enterprise", metric="total",
                                                       target_year=2027, reduction_pct=3, plan={**PLAN, "f": " "}))
    assert "f) how results are verified" in err.value.en and "结果验证方法" in err.value.zh
    with plant("test") as s:
        for b in s.exec(select(Baseline)).all():
            b.state = "superseded"
            s.add(b)
    with pytest.raises(StewardError, match="needs a baseline in force"):
        act(plant, "lixf", lambda s, a: objectives.add(s, a, title="x", level="enterprise", metric="total",
                                                       target_year=2027, reduction_pct=3, plan=PLAN))


def test_the_trajectory_reads_every_accounted_year_against_the_straight_path_to_the_target(plant):
    """The chart on the objectives page: base year to target year, the path falling evenly, each accounted
    year's figure where it lies (the base year as the baseline says)."""
    ob = act(plant, "lixf", lambda s, a: objectives.add(
        s, a, title="熟料单位产品排放较基准年下降 4%", level="enterprise", metric="intensity:clinker",
        target_year=2027, reduction_pct=4, plan=PLAN))

    from workflows.accounting import runs
    act(plant, "lixf", lambda s, a: runs.run_as(s, a, 2024))

    def read(s, a):
        rows = objectives.overview(s, a)
        return rows, objectives.trajectories(s, a, rows, "en")
    rows, charts = act(plant, "lixf", read)
    (chart,) = [c for c in charts if c["number"] == ob.number]
    p = next(p for o, p, _ in rows if o.number == ob.number)
    assert chart["years"] == ["2023", "2024", "2025", "2026", "2027"]
    assert chart["path"][0] == pytest.approx(p["base"]) and chart["path"][-1] == pytest.approx(p["target"])
    assert chart["path"][2] == pytest.approx((p["base"] + p["target"]) / 2)
    assert chart["actual"][2] == pytest.approx(p["current"]) and chart["actual"][3] is None  # 2026 not accounted
    assert all(v is not None for v in chart["actual"][:3]) and chart["labels"]["path"] == "Path to the target"
