"""Objectives two months into their target year: on track, behind or ahead over January–February against the
base year's same months and the target pro-rated likewise; "achieved" only once the year is complete; the chart
a part year, cumulative over its months, never a plunge to one month."""

from __future__ import annotations

import re

import pytest
from helpers import act, as_user, months_of
from sqlmodel import Session

from accounting import like_for_like as lfl
from storage.models import AccountingRun
from workflows.planning import objectives

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
PLAN = {k: "见方案" for k in "abcdef"}


def test_a_target_two_months_into_its_year_is_on_track_behind_or_ahead(web, plant, engine, in_progress):
    kiln = act(plant, "lixf", lambda s, a: objectives.add(
        s, a, title="熟料煅烧工序排放较基准年下降 2%", level="process", scope="P30", metric="total", target_year=2026,
        reduction_pct=2, plan=PLAN))
    with Session(engine) as s:
        now, base = months_of(s, 2026, process="P30"), months_of(s, 2023, process="P30")
        jan = months_of(s, 2026, months=(1,), process="P30")
        p = objectives.progress(s, s.get(type(kiln), kiln.id))
    goal = base * 0.98  # the target year itself: the path has reached the target
    expected = "behind" if now > goal else "ahead" if (goal - now) / goal > 0.01 else "on_track"
    assert p["months"] == [1, 2] and not p["complete"] and p["basis"] == "monthly"
    assert p["current"] == pytest.approx(now, rel=1e-4) and p["base_same"] == pytest.approx(base, rel=1e-4)
    assert p["target_same"] == pytest.approx(goal, rel=1e-4)
    assert p["standing"] == expected and not p["met"]

    page = as_user(web, "lixf").get("/objectives").text
    row = re.sub(r"<[^>]+>", " ", page.split(kiln.number, 1)[1].split("</tr>", 1)[0])
    assert lfl.STANDING[expected][0] in row and "1–2 月" in row
    assert "已达成" not in row and "✓" not in row and "%" in row  # against the path, never "done x %"

    rows, charts = act(plant, "lixf", lambda s, a: (lambda r: (r, objectives.trajectories(s, a, r, "en")))(
        objectives.overview(s, a)))
    chart = next(c for c in charts if c["number"] == kiln.number)
    assert chart["actual"][chart["years"].index("2026")] is None  # no plunge to two months on the yearly chart
    so_far = chart["so_far"]
    assert so_far["months"] == ["Jan", "Feb"] and "Jan–Feb" in so_far["title"]
    assert so_far["actual"] == pytest.approx([jan, now], rel=1e-4)  # cumulative, covered months only
    assert so_far["base"][-1] == pytest.approx(base, rel=1e-4) and so_far["path"][-1] == pytest.approx(goal, rel=1e-4)
    with Session(engine) as s:
        assert s.get(AccountingRun, in_progress["run"]).year == 2026


def test_the_command_line_names_the_months_and_says_ahead_on_track_or_behind(plant, steward_env, in_progress):
    from helpers import run_steward
    act(plant, "lixf", lambda s, a: objectives.add(
        s, a, title="熟料煅烧工序排放较基准年下降 2%", level="process", scope="P30", metric="total", target_year=2026,
        reduction_pct=2, plan=PLAN))
    progress = run_steward(["objective", "progress", "--as", "lixf"], steward_env, check=True).stdout
    assert "2026 年 1–2 月 / Jan–Feb" in progress and "完成" not in progress
    assert re.search(r"（(超前／ahead|按计划／on track|落后／behind)，目标路径 path", progress)
    compared = run_steward(["baseline", "compare", "--enterprise", "JYCEM", "--year", "2026"], steward_env,
                           check=True).stdout
    assert "2026 1–2 月 / Jan–Feb 对比基准" in compared and "2023 同期 / same months" in compared


def test_an_intensity_target_two_months_in_reads_its_year_so_far_per_tonne(web, plant, engine, in_progress):
    """t CO2 per t of clinker: January–February's emissions over their output against the base year's same months,
    on track, behind or ahead; its chart the year so far month by month, never one month against twelve."""
    clinker = act(plant, "lixf", lambda s, a: objectives.add(
        s, a, title="2026 年单位熟料排放较基准年下降 2%", level="enterprise", metric="intensity:clinker",
        target_year=2028, reduction_pct=2, plan=PLAN))
    with Session(engine) as s:
        totals = s.get(AccountingRun, in_progress["run"]).totals
        p = objectives.progress(s, s.get(type(clinker), clinker.id))
    emitted = {k: v["total"] for k, v in totals["months"].items()}
    made = totals["by_month"]["output"]["clinker"]
    jan = emitted["2026-01"] / made["2026-01"]
    both = (emitted["2026-01"] + emitted["2026-02"]) / (made["2026-01"] + made["2026-02"])
    assert p["months"] == [1, 2] and p["current"] == pytest.approx(both, rel=1e-5)
    assert p["standing"] in ("ahead", "on_track", "behind") and not p["met"]
    expected = p["standing"]

    page = as_user(web, "lixf").get("/objectives").text
    row = re.sub(r"<[^>]+>", " ", page.split(clinker.number, 1)[1].split("</tr>", 1)[0])
    assert lfl.STANDING[expected][0] in row and "1–2 月" in row and "已达成" not in row
    english = as_user(web, "lixf")
    english.get("/lang/en")
    row = re.sub(r"<[^>]+>", " ", english.get("/objectives").text.split(clinker.number, 1)[1].split("</tr>", 1)[0])
    assert lfl.STANDING[expected][1] in row and "Jan–Feb" in row

    rows, charts = act(plant, "lixf", lambda s, a: (lambda r: (r, objectives.trajectories(s, a, r, "en")))(
        objectives.overview(s, a)))
    chart = next(c for c in charts if c["number"] == clinker.number)
    assert chart["actual"][chart["years"].index("2026")] is None  # the yearly chart holds whole years only
    so_far = chart["so_far"]
    assert so_far is not None and so_far["months"] == ["Jan", "Feb"] and "Jan–Feb" in so_far["title"]
    assert so_far["actual"] == pytest.approx([jan, both], rel=1e-5)  # the year so far, per tonne
    assert so_far["base"][-1] == pytest.approx(p["base_same"], rel=1e-5)
    assert so_far["path"][-1] == pytest.approx(p["path_same"], rel=1e-5)
    assert all(0.5 < a / b < 2 for a, b in zip(so_far["actual"], so_far["base"], strict=True))  # never a plunge
