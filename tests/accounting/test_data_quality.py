"""Unusual activity data is found, becomes a task, and is confirmed or dismissed on record (6.1.3 b);
baselines are proposed, signed and adjusted with a record (6.3)."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import act, plant_id
from sqlmodel import Session, select

from accounting.anomalies import check
from steward.demo import DEMO_PASSWORD as PW
from storage.errors import StewardError
from storage.models import ActivityRecord, Baseline, DataAnomaly, Facility, FormRecord, Task
from workflows.accounting import anomalies
from workflows.accounting import baseline as baselines
from workflows.engine import machine as wf


def months(values, start=date(2025, 1, 1)):
    out, d = {}, start
    for v in values:
        if v is not None:
            out[d] = v
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


STEADY = [100, 104, 98, 101, 99, 103, 97, 100, 102, 98, 101, 99]


def test_a_gap_an_outlier_and_a_unit_slip_are_found_but_a_shutdown_is_not():
    coal = months([100, 104, None, 101, 99, 310, 97, 100, 102, 98, 101, 99])
    diesel = months([40, 41, 39, 40, 40000, 42, 38, 40, 41, 39, 40, 40])
    production = months([1000, 1040, 980, 1010, 990, 1030, 970, 1000, 1020, 980, 1010, 990])
    found = {(f.kind, f.series, f.period.month) for f in check({"K|fuel|coal": coal, "V|fuel|diesel": diesel},
                                                                   production, "clinker")}
    assert found == {("missing", "K|fuel|coal", 3), ("intensity", "K|fuel|coal", 6), ("unit_slip", "V|fuel|diesel", 5)}
    shutdown = months([10, 0, 60, 101, 99, 103, 97, 100, 102, 98, 101, 70])
    output = months([100, 0, 600, 1010, 990, 1030, 970, 1000, 1020, 980, 1010, 700])
    assert check({"K|fuel|coal": shutdown}, output, "clinker") == []


def test_without_production_a_series_is_judged_by_its_own_level():
    found = check({"B|fuel|gas": months([*STEADY[:7], 400, *STEADY[8:]])})
    assert [(f.kind, f.period.month) for f in found] == [("outlier", 8)]


def test_a_scan_makes_tasks_once_and_a_resolution_is_kept(plant, engine):
    with plant("system:test") as s:
        ent = plant_id(s)
        kiln = s.exec(select(Facility).where(Facility.code == "F-KL01")).one()
        row = s.exec(select(ActivityRecord).where(ActivityRecord.facility_id == kiln.id,
                                                  ActivityRecord.material == "bituminous_coal",
                                                  ActivityRecord.period == date(2025, 7, 1))).one()
        row.quantity *= 1000  # kg typed where t was meant
        s.add(row)
    with plant("system:flow") as s:
        first = anomalies.scan(s, ent)
    with plant("system:flow") as s:
        assert anomalies.scan(s, ent) == []
    assert [(a.kind, a.period) for a in first] == [("unit_slip", date(2025, 7, 1))]
    with Session(engine) as s:
        tasks = s.exec(select(Task).where(Task.lifecycle == "data_anomaly", Task.status == "open")).all()
        assert len(tasks) == 2 and "1000" in tasks[0].title_en  # both carbon managers
    with pytest.raises(StewardError, match="Say why"):
        act(plant, "lixf", lambda s, a: anomalies.resolve(s, a, first[0].id, "confirmed", ""))
    act(plant, "lixf", lambda s, a: anomalies.resolve(s, a, first[0].id, "confirmed", "台账按 kg 录入，已更正"))
    with Session(engine) as s:
        kept = s.get(DataAnomaly, first[0].id)
        assert kept.state == "confirmed" and kept.resolved_by.startswith("lixf")
        assert not s.exec(select(Task).where(Task.lifecycle == "data_anomaly", Task.status == "open")).all()


def test_a_baseline_is_signed_by_top_management_and_an_adjustment_is_recorded(plant, engine):
    with Session(engine) as s:
        first = s.exec(select(Baseline).where(Baseline.state == "active")).one()  # the demo's 2023 baseline
        assert first.base_year == 2023 and first.figures["enterprise"]["total"] > 0
    with pytest.raises(StewardError, match="6.3.2 reason"):
        act(plant, "lixf", lambda s, a: baselines.propose(s, a, 2024))
    with pytest.raises(StewardError, match="Say why"):
        act(plant, "lixf", lambda s, a: baselines.propose(s, a, 2024, "equipment"))
    second = act(plant, "lixf", lambda s, a: baselines.propose(s, a, 2024, "equipment", "2024 年 2# 水泥磨改造投运"))
    with pytest.raises(StewardError, match="waiting for approval"):
        act(plant, "lixf", lambda s, a: baselines.propose(s, a, 2024, "other", "again"))
    with pytest.raises(StewardError, match="Wrong password"):
        act(plant, "wangjg", lambda s, a: wf.fire(s, baselines.LIFECYCLE, s.get(Baseline, second.id), "approve", a,
                                                  password="guess"))
    act(plant, "wangjg", lambda s, a: wf.fire(s, baselines.LIFECYCLE, s.get(Baseline, second.id), "approve", a,
                                              password=PW))
    with Session(engine) as s:
        assert s.get(Baseline, first.id).state == "superseded" and s.get(Baseline, second.id).state == "active"
        record = s.exec(select(FormRecord).where(FormRecord.form == "baseline_change")).one()
        assert record.payload["trigger"] == "equipment" and "6.3.3" in record.clause_ids
        assert record.payload["old_emissions_t"] == s.get(Baseline, first.id).figures["enterprise"]["total"]
        compared = baselines.compare(s, plant_id(s), 2025)
        assert compared["base_year"] == 2024 and compared["enterprise"]["change_pct"] is not None
        assert set(compared["intensity"]) == {"clinker", "cement"}


def test_a_base_year_without_data_or_not_yet_over_is_refused(plant):
    with pytest.raises(StewardError, match="No activity data for 2019"):
        act(plant, "lixf", lambda s, a: baselines.propose(s, a, 2019, "boundary", "并购孝义粉磨站"))
    with pytest.raises(StewardError, match="completed year"):
        act(plant, "lixf", lambda s, a: baselines.propose(s, a, date.today().year, "boundary", "并购孝义粉磨站"))
