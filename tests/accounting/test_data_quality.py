"""Unusual activity data is found, becomes a task, and is confirmed or dismissed on record (6.1.3 b);
baselines are proposed, signed and adjusted with a record (6.3)."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import act, plant_id, run_steward
from sqlmodel import Session, select

from accounting import anomalies as rules
from accounting.anomalies import check
from steward import demo
from steward.demo import DEMO_PASSWORD as PW
from storage.errors import StewardError
from storage.models import ActivityRecord, Baseline, DataAnomaly, Facility, FormRecord, Task
from workflows.accounting import anomalies, calculation
from workflows.accounting import baseline as baselines
from workflows.engine import clock
from workflows.engine import machine as wf
from workflows.engine.machine import actor_for


def months(values, start=date(2023, 1, 1)):
    out, d = {}, start
    for v in values:
        if v is not None:
            out[d] = v
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


# three years of a kiln that runs a week in January and stops in February, then a fourth January
OUTPUT = [40000, 0, 110000, *[150000] * 8, 100000] * 3 + [41000]
COAL = [0.148 * t for t in OUTPUT]
KILN = "K|fuel_combustion|bituminous_coal"
WORDS = {KILN: ("烟煤（1#窑）", "bituminous coal (kiln 1)"), "clinker": ("熟料", "clinker")}


def test_a_month_is_compared_with_the_same_month_of_earlier_years_and_said_in_words():
    production = months(OUTPUT)
    assert check({KILN: months(COAL)}, production, "clinker", {KILN: "t"}, WORDS) == []  # January low, February stopped
    jumped = COAL[:-1] + [COAL[-1] * 1.15 * 1.17]
    [found] = check({KILN: months(jumped)}, production, "clinker", {KILN: "t"}, WORDS)
    assert (found.kind, found.period) == ("intensity", date(2026, 1, 1))
    assert found.zh == "2026年1月烟煤（1#窑）单位熟料消耗 0.199 t/t，比2023–2025 年同月的中位数 0.148 t/t 高 35%"
    assert found.en == ("January 2026: bituminous coal (kiln 1) per tonne of clinker 0.199 t/t, 35 % above the median "
                        "of the same month in 2023–2025 (0.148 t/t)")
    within = COAL[:-1] + [COAL[-1] * 1.08]  # within coal's 10 %: not a finding
    assert check({KILN: months(within)}, production, "clinker", {KILN: "t"}, WORDS) == []


def test_a_unit_slip_and_a_missing_month_are_one_finding_each_without_jargon():
    gas = "B|fuel_combustion|natural_gas"
    slipped = months([1.7, 2.1, 1.9, 0.6, 0.5, 0.7, 0.6, 0.5, 0.6, 0.7, 1.8, 2.0] * 2 + [1.8, None, 2.0 * 10000])
    found = check({gas: slipped, KILN: months(COAL[:24] + [COAL[24], None, COAL[26]])}, units={gas: "10^4 Nm3"},
                  labels={gas: ("天然气（热风炉）", "natural gas (hot-air furnace)")})
    assert [(f.kind, f.period) for f in found] == [("missing", date(2025, 2, 1)), ("unit_slip", date(2025, 3, 1))]
    assert (found[0].zh, found[0].en) == ("2025年2月没有任何活动数据（去年同月有 2 项）",
                                          "February 2025 has no activity data at all (the same month last year had 2 "
                                          "sources)")
    assert found[1].zh == ("2025年3月天然气（热风炉）为 20,000 万 Nm³，约为通常 1.90 万 Nm³ 的 10,000 倍，"
                           "疑似单位录错（Nm³ 录成了万 Nm³？）")
    assert found[1].en == ("March 2025: natural gas (hot-air furnace) is 20,000 × 10⁴ Nm³, about 10,000 times the "
                           "usual 1.90 × 10⁴ Nm³: a unit slip (Nm³ entered as 10,000 Nm³?)")
    assert not any("e-0" in f.zh + f.en or " z " in f.en for f in found)


def test_without_production_a_month_is_judged_by_its_level_against_the_same_month():
    gas = "B|fuel_combustion|natural_gas"
    year = [1.7, 2.1, 1.9, 0.6, 0.5, 0.7, 0.6, 0.5, 0.6, 0.7, 1.8, 2.0]
    words = {gas: ("天然气（热风炉）", "natural gas (hot-air furnace)"), KILN: ("烟煤（1#窑）", "bituminous coal (kiln 1)"),
             "clinker": ("熟料", "clinker")}
    [tripled] = check({gas: months(year * 3 + [1.8 * 3])}, units={gas: "10^4 Nm3"}, labels=words)
    assert (tripled.kind, tripled.zh, tripled.en) == (
        "outlier", "2026年1月天然气（热风炉）为 5.40 万 Nm³，是2023–2025 年同月的中位数 1.70 万 Nm³ 的 3.2 倍",
        "January 2026: natural gas (hot-air furnace) 5.40 × 10⁴ Nm³, 3.2 times the median of the same month in "
        "2023–2025 (1.70 × 10⁴ Nm³)")
    [nothing] = check({KILN: months(COAL[:-1] + [0])}, months(OUTPUT), "clinker", {KILN: "t"}, words)
    assert (nothing.zh, nothing.en) == ("2026年1月烟煤（1#窑）为 0，而2023–2025 年同月的中位数为 0.148 t/t",
                                        "January 2026: bituminous coal (kiln 1) is 0, while the median of the same "
                                        "month in 2023–2025 was 0.148 t/t")


def test_a_source_that_stops_is_missed_once_not_every_month_after():
    diesel = "V|fuel_combustion|diesel"
    found = rules.completeness({KILN: months(COAL[:30]), diesel: months([40] * 27)},
                         {"bituminous_coal": ("烟煤", "bituminous coal"), "diesel": ("柴油", "diesel")})
    assert [(f.kind, f.period, f.zh, f.en) for f in found] == [(
        "incomplete", date(2025, 4, 1), "2025年4月数据不全：只有烟煤的数据，去年同月还有柴油（共 1 项）",
        "April 2025 is incomplete: it holds bituminous coal only, while the same month last year also had diesel "
        "(1 source in all)")]


def new_months(s, count=1, renew_ncv=False):
    demo.add_activity(s, demo.new_year(count))
    if renew_ncv:  # the lab's 2026 coal NCV, recorded as the plant does every January
        calculation.add_measured_factor(s, actor_for(s, "lixf"), parameter="ncv", material="bituminous_coal",
                                        value=22.8, unit="GJ/t", valid_from=date(2026, 1, 1),
                                        valid_to=date(2026, 12, 31), evidence="2026 年 1 月入厂煤化验")


def test_an_ordinary_new_january_gives_no_finding_but_a_lapsed_measured_ncv_is_named(plant):
    with plant("system:test") as s:
        ent = plant_id(s)
        new_months(s)
    with plant("system:flow") as s:
        [lapsed] = anomalies.scan(s, ent)  # the demo's measured NCV ran to the end of 2025: the default stood in
    assert (lapsed.kind, lapsed.period) == ("lapsed_factor", date(2026, 1, 1))
    assert lapsed.message_zh == ("2026年1月起烟煤的低位发热量改用了缺省值 19.57 GJ/t：企业实测值 22.9 GJ/t 有效期至 "
                                 "2025-12-31，之后没有新的实测值（缺省值比实测值低 15%）")
    assert lapsed.message_en == ("From January 2026 the net calorific value of bituminous coal fell back to the default "
                                 "19.57 GJ/t: the plant's measured 22.9 GJ/t was valid until 2025-12-31 and nothing "
                                 "measured follows (the default is 15 % below the measured value)")
    with plant("system:test") as s:  # once the 2026 value is on record, later months raise nothing more
        calculation.add_measured_factor(s, actor_for(s, "lixf"), parameter="ncv", material="bituminous_coal",
                                        value=22.8, unit="GJ/t", valid_from=date(2026, 1, 1),
                                        evidence="2026 年 1 月入厂煤化验")
    with plant("system:flow") as s:
        assert anomalies.scan(s, ent) == []


def test_steward_data_scan_and_list_say_the_finding_in_both_languages(plant, steward_env):
    with plant("system:test") as s:
        new_months(s, 4)
        _planted(s, plant_id(s))
    scanned = run_steward(["data", "scan", "--as", "lixf"], steward_env, check=True).stdout
    assert f"新发现 {len(PLANTED)} 处异常 / {len(PLANTED)} new finding(s)" in scanned
    listed = run_steward(["data", "list", "--as", "zhangw"], steward_env, check=True).stdout
    for _kind, _month, zh, en in PLANTED:
        assert zh in scanned and en in scanned and zh in listed and en in listed
    assert "e-0" not in listed and "z =" not in listed
    assert "新发现 0 处异常" in run_steward(["data", "scan", "--as", "lixf"], steward_env, check=True).stdout


def test_an_ordinary_new_quarter_with_its_measured_ncv_gives_no_finding(plant):
    with plant("system:test") as s:
        ent = plant_id(s)
        new_months(s, 3, renew_ncv=True)
    with plant("system:flow") as s:
        assert [a.message_en for a in anomalies.scan(s, ent)] == []


def _planted(s, ent):
    """The benchmark's faults (bench/anomalies.py): two slips, a missing month, a lone diesel line, a 30 % jump."""
    codes = {f.id: f.code for f in s.exec(select(Facility).where(Facility.enterprise_id == ent))}
    for r in s.exec(select(ActivityRecord).where(ActivityRecord.enterprise_id == ent)):
        where = (codes.get(r.facility_id), r.material, r.period)
        if where == ("F-KL01", "bituminous_coal", date(2024, 7, 1)):
            r.quantity *= 1000
        elif where == ("F-BL01", "natural_gas", date(2025, 10, 1)):
            r.quantity *= 10000
        elif where == ("F-KL01", "bituminous_coal", date(2026, 4, 1)):
            r.quantity *= 1.3
        elif r.period == date(2026, 2, 1) or (r.period == date(2026, 3, 1) and r.material != "diesel"):
            s.delete(r)
            continue
        s.add(r)


PLANTED = [
    ("unit_slip", date(2024, 7, 1), "2024年7月烟煤（1#回转窑（含分解炉） (F-KL01)）为 22,766,193 t，约为通常 22,040 t 的 1,000 倍，"
     "疑似单位录错（千克录成了吨？）", "July 2024: bituminous coal (1#回转窑（含分解炉） (F-KL01)) is 22,766,193 t, about 1,000 "
     "times the usual 22,040 t: a unit slip (kg entered as t?)"),
    ("unit_slip", date(2025, 10, 1), "2025年10月天然气（燃气热风炉 (F-BL01)）为 5,620 万 Nm³，约为通常 0.631 万 Nm³ 的 10,000 倍，"
     "疑似单位录错（Nm³ 录成了万 Nm³？）", "October 2025: natural gas (燃气热风炉 (F-BL01)) is 5,620 × 10⁴ Nm³, about "
     "10,000 times the usual 0.631 × 10⁴ Nm³: a unit slip (Nm³ entered as 10,000 Nm³?)"),
    ("lapsed_factor", date(2026, 1, 1), "2026年1月起烟煤的低位发热量改用了缺省值 19.57 GJ/t：企业实测值 22.9 GJ/t 有效期至 "
     "2025-12-31，之后没有新的实测值（缺省值比实测值低 15%）", "From January 2026 the net calorific value of bituminous coal "
     "fell back to the default 19.57 GJ/t: the plant's measured 22.9 GJ/t was valid until 2025-12-31 and nothing "
     "measured follows (the default is 15 % below the measured value)"),
    ("missing", date(2026, 2, 1), "2026年2月没有任何活动数据（去年同月有 11 项）",
     "February 2026 has no activity data at all (the same month last year had 11 sources)"),
    ("incomplete", date(2026, 3, 1), "2026年3月数据不全：只有柴油的数据，去年同月还有外购电力、水泥、天然气、烟煤、生料、熟料、"
     "余热发电量（共 10 项）", "March 2026 is incomplete: it holds diesel only, while the same month last year also had "
     "purchased electricity, cement, natural gas, bituminous coal, raw meal, clinker, waste-heat electricity "
     "(10 sources in all)"),
    ("intensity", date(2026, 4, 1), "2026年4月烟煤（1#回转窑（含分解炉） (F-KL01)）单位熟料消耗 0.189 t/t，比2023–2025 年同月的"
     "中位数 0.146 t/t 高 29%", "April 2026: bituminous coal (1#回转窑（含分解炉） (F-KL01)) per tonne of clinker 0.189 t/t, "
     "29 % above the median of the same month in 2023–2025 (0.146 t/t)"),
]


def test_each_planted_fault_is_one_finding_in_words_and_a_rescan_adds_nothing(plant, engine):
    with plant("system:test") as s:
        ent = plant_id(s)
        new_months(s, 4)
        _planted(s, ent)
    with plant("system:flow") as s:
        found = anomalies.scan(s, ent)
    assert sorted(((a.kind, a.period, a.message_zh, a.message_en) for a in found), key=lambda x: x[1]) == PLANTED
    with plant("system:flow") as s:
        assert anomalies.scan(s, ent) == []
    with Session(engine) as s:
        tasks = s.exec(select(Task).where(Task.lifecycle == "data_anomaly", Task.status == "open")).all()
        assert len(tasks) == 2 * len(PLANTED)  # one task per finding for each of the two carbon managers
        assert any(t.title_en == f"Check unusual data: {PLANTED[3][3]}" for t in tasks)


def test_a_slip_in_production_is_one_finding_not_one_for_every_use_per_tonne(plant):
    with plant("system:test") as s:
        ent = plant_id(s)
        row = s.exec(select(ActivityRecord).where(ActivityRecord.material == "clinker",
                                                  ActivityRecord.period == date(2025, 5, 1))).one()
        row.quantity *= 1000
        s.add(row)
    with plant("system:flow") as s:
        [slip] = anomalies.scan(s, ent)
    assert (slip.kind, slip.series) == ("unit_slip", "F-KL01|production|clinker")
    assert slip.message_en == ("May 2025: clinker (1#回转窑（含分解炉） (F-KL01)) is 147,052,866 t, about 1,000 times the "
                               "usual 144,526 t: a unit slip (kg entered as t?)")


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
        assert len(tasks) == 2 and "1,000 times the usual" in tasks[0].title_en  # both carbon managers
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
        act(plant, "lixf", lambda s, a: baselines.propose(s, a, clock.today().year, "boundary", "并购孝义粉磨站"))
