"""Readings arrive daily, the month's activity data after it ends: the month is reconciled again when its activity
data come in (entered, imported, pushed or confirmed), once; a meter that measured something the month's data never
name is a finding once those data are in; a time written with an offset is booked on the plant's clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from helpers import act, plant_id
from sqlmodel import Session, select
from test_readings import as_csv, bring, hourly

from storage.models import ActivityRecord, DataAnomaly
from workflows.accounting import activity, readings

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
JANUARY = date(2026, 1, 1)  # after the demo's three years: no activity data yet


def coal(quantity: float, month: date = JANUARY) -> dict:
    return {"period": f"{month:%Y-%m}", "facility": "F-KL01", "category": "fuel_combustion",
            "material": "bituminous_coal", "quantity": quantity, "unit": "t", "source": "measured", "meter": "M-W001",
            "evidence": "生产月报"}


def meter_findings(engine) -> list[DataAnomaly]:
    with Session(engine) as s:
        return list(s.exec(select(DataAnomaly).where(DataAnomaly.kind.like("meter_%")).order_by(DataAnomaly.id)))


def test_readings_before_the_months_data_are_reconciled_when_the_data_are_entered_and_only_once(plant, engine, store,
                                                                                                tmp_path):
    done = bring(plant, store, as_csv(hourly(1000.0, month=JANUARY), tmp_path))
    assert done.findings == [] and meter_findings(engine) == []  # nothing to compare with yet: no finding
    act(plant, "lixf", lambda s, a: activity.enter(s, a, [coal(900.0)], "manual entry", store=store))
    found = meter_findings(engine)
    assert [(f.kind, f.period) for f in found] == [("meter_mismatch", JANUARY)]
    assert "1,000.000" in found[0].message_zh and "900.000" in found[0].message_en and "±0.5%" in found[0].message_en
    more = {**coal(5.0), "material": "diesel", "meter": "", "unit": "t", "facility": "F-BL01"}
    act(plant, "lixf", lambda s, a: activity.enter(s, a, [more], "manual entry", store=store))
    assert len(meter_findings(engine)) == 1  # the month checked again: the same finding is not raised twice


def test_a_waiting_entry_meets_the_meter_when_it_is_confirmed(plant, engine, store, tmp_path):
    bring(plant, store, as_csv(hourly(1000.0, month=JANUARY), tmp_path))
    act(plant, "yangf", lambda s, a: activity.enter(s, a, [coal(800.0)], "manual entry", store=store))
    assert meter_findings(engine) == []  # it waits for a carbon manager and counts nowhere yet
    with Session(engine) as s:
        batch = s.exec(select(ActivityRecord.batch_id).where(ActivityRecord.period == JANUARY)).one()
    act(plant, "lixf", lambda s, a: activity.confirm(s, a, batch, store))
    assert [(f.kind, f.value, f.expected) for f in meter_findings(engine)] == [
        ("meter_mismatch", pytest.approx(1000.0), pytest.approx(800.0))]


def test_a_meter_no_activity_line_names_is_a_finding_once_the_months_data_are_in(plant, engine, store, tmp_path):
    rows = hourly(1000.0, month=JANUARY) + [[*r[:4], "MWh"] for r in hourly(250.0, month=JANUARY, meter="M-E010")]
    done = bring(plant, store, as_csv(rows, tmp_path))
    assert done.findings == []  # before the month's data are in, nothing
    with Session(engine) as s:
        shown, _ = readings.month_rows(s, plant_id(s), store, JANUARY)
    assert all(r["within"] for r in shown)
    act(plant, "lixf", lambda s, a: activity.enter(s, a, [coal(1000.0)], "manual entry", store=store))
    assert meter_findings(engine) == []  # one line of the month is not the month: its omissions wait
    act(plant, "lixf", lambda s, a: readings.reconcile_as(s, a, store, JANUARY))  # someone checks the month
    found = meter_findings(engine)
    assert [(f.kind, f.series.split("|")[1], f.value) for f in found] == [
        ("meter_unreferenced", "M-E010", pytest.approx(250.0, rel=1e-5))]
    assert "计量了 250.000 MWh" in found[0].message_zh and "没有引用该计量器具的活动数据" in found[0].message_zh
    assert "measured 250.000 MWh" in found[0].message_en
    with Session(engine) as s:
        shown, _ = readings.month_rows(s, plant_id(s), store, JANUARY)
    assert {r["meter"].code: r["within"] for r in shown} == {"M-W001": True, "M-E010": False}


def test_a_time_in_utc_is_booked_on_the_plants_clock(plant, engine, store):
    """A push in UTC: 21:00Z on 31 January is 05:00 on 1 February in Shanghai, February's reading."""
    start = datetime(2026, 1, 31, 16, tzinfo=timezone.utc)  # 1 February 00:00 at the plant
    records = [{"meter": "M-W001", "time": (start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ"), "amount": 1.0,
                "counter": 100.0 + h, "unit": "t"} for h in range(24)]
    records[5]["time"] = "2026-01-31T21:00:00+00:00"  # the same moment written the other way
    done = act(plant, "lixf", lambda s, a: readings.import_records(s, a, store, records, "API"))
    assert done.batch.months == ["2026-02"] and done.batch.first_day == date(2026, 2, 1)
    assert done.batch.last_day == date(2026, 2, 1) and done.findings == []


def test_an_offset_further_down_a_plain_file_is_not_read_as_plant_time(plant, engine, store, tmp_path):
    """A file that begins the usual way (plant time, no offset) and has one row with an offset further down."""
    rows = [["M-W001", f"2026-01-31 {h:02d}:00", 1.0, 100.0 + h, "t"] for h in range(24)]
    rows[-1][1] = "2026-01-31T16:00:00Z"  # 1 February 00:00 at the plant, not 16:00 on 31 January again
    done = bring(plant, store, as_csv(rows, tmp_path))
    assert done.batch.months == ["2026-01", "2026-02"] and done.batch.last_day == date(2026, 2, 1)
    with Session(engine) as s:
        feb, _ = readings.month_rows(s, plant_id(s), store, date(2026, 2, 1))
        jan, _ = readings.month_rows(s, plant_id(s), store, JANUARY)
    assert [r["readings"] for r in feb] == [1] and [r["readings"] for r in jan] == [23]


def test_a_meter_that_measured_some_against_activity_data_of_none_is_a_finding(plant, engine, store, tmp_path):
    bring(plant, store, as_csv(hourly(1000.0, month=JANUARY), tmp_path))
    act(plant, "lixf", lambda s, a: activity.enter(s, a, [coal(0.0)], "manual entry", store=store))
    found = meter_findings(engine)
    assert [(f.kind, f.expected) for f in found] == [("meter_mismatch", 0.0)]
    assert "活动数据 0.000 t" in found[0].message_zh and "activity data 0.000 t" in found[0].message_en


def test_a_sub_meter_no_activity_line_has_ever_named_is_the_plants_own_monitoring_not_a_finding(plant, engine,
                                                                                                 store, tmp_path):
    """A sub-meter (分项计量) that backs no activity data, in this month or the twelve before, is not an omission
    month after month: only a meter the data lean on is missed when a month's data leave it out."""
    from storage.models import Meter
    with Session(engine) as s:
        named = set(s.exec(select(ActivityRecord.meter_id).where(ActivityRecord.meter_id.is_not(None))).all())
        spare = next(m for m in s.exec(select(Meter).where(Meter.enterprise_id == plant_id(s)).order_by(Meter.code))
                     if m.id not in named)
    rows = hourly(1000.0, month=JANUARY) + [[*r[:4], spare.unit] for r in hourly(250.0, month=JANUARY,
                                                                                  meter=spare.code)]
    bring(plant, store, as_csv(rows, tmp_path))
    act(plant, "lixf", lambda s, a: activity.enter(s, a, [coal(1000.0)], "manual entry", store=store))
    assert meter_findings(engine) == []
    with Session(engine) as s:
        shown, _ = readings.month_rows(s, plant_id(s), store, JANUARY)
    assert {r["meter"].code: r["within"] for r in shown} == {"M-W001": True, spare.code: True}
