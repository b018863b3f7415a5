"""Reduction measures ranked by marginal abatement cost, tracked to a verified reduction (8.4)."""

from __future__ import annotations

import pytest
from helpers import act, plant_id

from accounting.mac import Measure, annualised, cost_per_tonne, curve
from storage.errors import StewardError
from workflows.engine import charts
from workflows.planning import reduction


def test_cost_per_tonne_annualises_the_investment_and_savings_go_negative():
    assert annualised(1_000_000, 0.08, 10) == pytest.approx(149_029.49, abs=0.01)
    vfd = Measure("变频改造", 2_000, 1_000_000, -250_000, 10)
    assert cost_per_tonne(vfd) == pytest.approx((149_029.49 - 250_000) / 2_000, abs=0.01)
    rows = curve([Measure("余热", 5_000, 20_000_000, 500_000, 15), vfd])
    assert [r["name"] for r in rows] == ["变频改造", "余热"] and rows[1]["from_t"] == 2_000


def test_a_measure_without_a_verification_method_is_refused_and_one_with_it_is_verified(plant, tmp_path):
    with pytest.raises(StewardError, match="method to verify"):
        act(plant, "lixf", lambda s, a: reduction.add(s, a, title="窑头余热回收", abatement_t=5000, verification=" "))
    row = act(plant, "lixf", lambda s, a: reduction.add(
        s, a, title="2# 水泥磨变频", abatement_t=2000, capex=1e6, opex=-2.5e5, verification="改造前后 3 个月电耗对比"))
    act(plant, "lixf", lambda s, a: reduction.add(s, a, title="窑头余热回收", abatement_t=5000, capex=2e7, opex=5e5,
                                                  lifetime_years=15, verification="余热发电量计量"))
    with pytest.raises(StewardError, match="next stage is planned"):
        act(plant, "lixf", lambda s, a: reduction.advance(s, a, row.number, "verified", 1800, "测试报告"))
    for stage in ("planned", "implemented"):
        act(plant, "lixf", lambda s, a, st=stage: reduction.advance(s, a, row.number, st))
    with pytest.raises(StewardError, match="tonnes achieved and the evidence"):
        act(plant, "lixf", lambda s, a: reduction.advance(s, a, row.number, "verified"))
    done = act(plant, "lixf", lambda s, a: reduction.advance(s, a, row.number, "verified", 1850, "第三方测试报告"))
    assert done.achieved_t == 1850 and done.state == "verified"
    with plant("test") as s:
        rows = reduction.mac_curve(s, plant_id(s))
    assert rows[0]["name"].endswith("2# 水泥磨变频") and rows[0]["cost_per_t"] < 0 < rows[1]["cost_per_t"]
    assert charts.mac_curve(rows, "MAC")[:4] == b"\x89PNG"
