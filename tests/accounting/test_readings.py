"""Meter readings from the energy-monitoring system: a clean file is stored as Parquet and reconciled with the
month's activity data; every kind of bad row is refused by its row with a reason and nothing is kept; a month
whose meter total is beyond the meter's accuracy, or has gaps, becomes a finding with both figures."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from helpers import act, plant_id
from sqlmodel import Session, select

from forms import readings_import as form
from storage.errors import StewardError
from storage.models import ActivityRecord, DataAnomaly, Meter, ReadingBatch
from workflows.accounting import readings

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
MONTH = date(2025, 11, 1)


def coal_in(engine, month: date = MONTH) -> float:
    with Session(engine) as s:
        meter = s.exec(select(Meter).where(Meter.code == "M-W001")).one()
        return sum(s.exec(select(ActivityRecord.quantity).where(ActivityRecord.meter_id == meter.id,
                                                                ActivityRecord.period == month)).all())


def hourly(total: float, month: date = MONTH, meter: str = "M-W001", skip: set[int] = frozenset(),
           counter: float = 1000.0) -> list[list]:
    """A month of hourly rows for one meter adding up to ``total`` (without the hours in ``skip``)."""
    start = datetime(month.year, month.month, 1)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1)
    hours = int((end - start).total_seconds() // 3600)
    each = total / hours
    rows = []
    for h in range(hours):
        counter += each
        if h not in skip:
            rows.append([meter, (start + timedelta(hours=h)).strftime("%Y-%m-%d %H:%M"), round(each, 6),
                         round(counter, 6), "t"])
    return rows


def as_csv(rows: list[list], tmp_path: Path, name: str = "export.csv") -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(form.HEADERS)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def bring(plant, store, path: Path, username: str = "lixf"):
    return act(plant, username, lambda s, a: readings.import_upload(s, a, store, path.name, path))


def parquet_files(store) -> list[Path]:
    return sorted(readings.readings_root(store).rglob("*.parquet"))


def test_a_month_that_agrees_is_stored_as_parquet_and_has_no_finding(plant, engine, store, tmp_path):
    coal = coal_in(engine)
    done = bring(plant, store, as_csv(hourly(coal * 1.002), tmp_path))  # 0.2 % apart: within class 0.5
    assert done.batch.rows == 720 and done.batch.months == ["2025-11"] and done.findings == []
    files = parquet_files(store)
    assert len(files) == 1 and "enterprise=" in str(files[0]) and "month=2025-11" in str(files[0])
    with Session(engine) as s:
        rows, odd = readings.month_rows(s, plant_id(s), store, MONTH)
        assert store.verify(s.exec(select(ReadingBatch)).one().file_sha256)
    assert odd == [] and rows[0]["metered"] == pytest.approx(coal * 1.002, rel=1e-6) and rows[0]["within"]


def test_a_total_beyond_the_meters_accuracy_and_a_gap_are_findings_with_both_figures(plant, engine, store, tmp_path):
    coal = coal_in(engine)
    done = bring(plant, store, as_csv(hourly(coal * 1.03, skip={100, 101, 102}), tmp_path))
    kinds = {f.kind: f for f in done.findings}
    assert set(kinds) == {"meter_mismatch", "meter_gap"}
    mismatch = kinds["meter_mismatch"]
    assert f"{mismatch.value:,.3f}" in mismatch.zh and f"{coal:,.3f}" in mismatch.en and "±0.5%" in mismatch.en
    assert kinds["meter_gap"].value == 3 and "2025-11-05 07:00" in kinds["meter_gap"].en
    with Session(engine) as s:
        kept = s.exec(select(DataAnomaly).where(DataAnomaly.kind.like("meter_%"))).all()
    assert {k.kind for k in kept} == {"meter_mismatch", "meter_gap"}


@pytest.mark.parametrize("spoil, kind, line", [
    (lambda rows: rows.__setitem__(5, [*rows[5][:2], -1.0, *rows[5][3:]]), "negative", 7),
    (lambda rows: rows.insert(10, list(rows[9])), "duplicate", 12),
    (lambda rows: rows.__setitem__(20, [*rows[20][:3], 5.0, "t"]), "backwards", 22),
    (lambda rows: rows.__setitem__(3, ["M-NOPE", *rows[3][1:]]), "unknown_meter", 5),
    (lambda rows: rows.__setitem__(4, [*rows[4][:4], "MWh"]), "bad_unit", 6),
    (lambda rows: rows.__setitem__(6, [rows[6][0], "6 Nov", *rows[6][2:]]), "bad_time", 8),
    (lambda rows: rows.__setitem__(7, [*rows[7][:2], "n/a", *rows[7][3:]]), "bad_amount", 9),
])
def test_a_bad_row_is_named_with_its_row_and_reason_and_nothing_is_kept(plant, engine, store, tmp_path, spoil, kind,
                                                                         line):
    rows = hourly(1000.0)
    spoil(rows)
    with pytest.raises(StewardError) as err:
        bring(plant, store, as_csv(rows, tmp_path))
    assert err.value.code == "import_invalid"
    assert [(d["kind"], d["row"]) for d in err.value.details] == [(kind, line)]
    assert f"第 {line} 行" in err.value.zh and f"row {line}" in err.value.en
    assert parquet_files(store) == [] and not list((readings.readings_root(store) / ".staging").glob("*/*"))
    assert not list(store.root.glob(".incoming-*"))  # nor the copy of the file made while it was checked
    with Session(engine) as s:
        assert s.exec(select(ReadingBatch)).all() == []


def test_another_enterprises_meter_is_refused_like_an_unknown_one(plant, engine, store, tmp_path):
    with Session(engine) as s:  # the sister company's own meter, which this plant has no business reporting
        other = s.exec(select(Meter).where(Meter.enterprise_id != plant_id(s))).first()
    code = other.code if other else None
    if code is None:
        with plant("seed") as s:
            from storage.models import Enterprise
            sister = s.exec(select(Enterprise).where(Enterprise.code != "JYCEM", Enterprise.parent_id.is_not(None))
                            ).first()
            s.add(Meter(enterprise_id=sister.id, code="M-XY01", name="孝义电表", meter_type="electricity", unit="MWh"))
        code = "M-XY01"
    with pytest.raises(StewardError) as err:
        bring(plant, store, as_csv(hourly(10.0, meter=code), tmp_path))
    assert {d["kind"] for d in err.value.details} == {"unknown_meter"}


def test_the_same_hours_twice_are_refused_the_second_time(plant, engine, store, tmp_path):
    path = as_csv(hourly(500.0), tmp_path)
    bring(plant, store, path)
    with pytest.raises(StewardError) as err:
        bring(plant, store, path)
    assert err.value.details[0]["kind"] == "on_record" and len(parquet_files(store)) == 1


def test_a_file_over_the_limit_is_refused_before_it_is_read_whole(db_url, tmp_path):
    class Endless(io.RawIOBase):
        read_so_far = 0

        def read(self, n=-1):
            Endless.read_so_far += n
            return b"x" * n
    with pytest.raises(StewardError) as err:
        form.spool(Endless(), limit=4 << 20)
    assert err.value.code == "file_too_large" and err.value.status == 413 and Endless.read_so_far <= 6 << 20


def test_more_rows_than_the_cap_are_refused_without_storing(plant, engine, store, tmp_path, monkeypatch):
    monkeypatch.setattr(form, "MAX_ROWS", 100)
    with pytest.raises(StewardError) as err:
        bring(plant, store, as_csv(hourly(10.0), tmp_path))
    assert err.value.code == "too_many" and parquet_files(store) == []


def test_a_workbook_laid_out_by_the_template_is_read_like_the_csv(plant, engine, store, tmp_path):
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(form.template([("M-W001", "入窑煤粉转子秤", "t")])))
    for row in hourly(coal_in(engine)):
        wb.active.append(row)
    path = tmp_path / "export.xlsx"
    wb.save(path)
    done = bring(plant, store, path)
    assert done.batch.rows == 720 and done.findings == []


def test_a_viewer_may_not_import(plant, store, tmp_path):
    from storage.errors import Forbidden
    with pytest.raises(Forbidden):
        bring(plant, store, as_csv(hourly(1.0), tmp_path), username="wangjg")


def test_times_written_the_other_common_ways_are_read(plant, engine, store, tmp_path):
    rows = hourly(coal_in(engine))
    for row in rows[:24]:
        row[1] = row[1].replace("-", "/")  # 2025/11/01 00:00, as many monitoring systems write it
    done = bring(plant, store, as_csv(rows, tmp_path))
    assert done.batch.rows == 720 and done.findings == []


def test_a_file_written_hour_by_hour_across_meters_is_checked_like_one_written_meter_by_meter(plant, engine, store,
                                                                                               tmp_path):
    coal = coal_in(engine)
    power = [[*row[:4], "kWh"] for row in hourly(500.0, meter="M-E010")]  # the meter counts in MWh: scaled
    rows = sorted(hourly(coal * 1.03, skip={100, 101, 102}) + power, key=lambda row: (row[1], row[0]))
    done = bring(plant, store, as_csv(rows, tmp_path))
    gaps = [f for f in done.findings if f.kind == "meter_gap"]
    assert done.batch.rows == 720 * 2 - 3 and done.batch.meters == ["M-E010", "M-W001"]
    assert [(g.series.split("|")[1], g.value) for g in gaps] == [("M-W001", 3)] and "2025-11-05 07:00" in gaps[0].en
    with Session(engine) as s:
        rows_, odd = readings.month_rows(s, plant_id(s), store, MONTH)
    metered = {r["meter"].code: r["metered"] for r in rows_}
    assert metered["M-E010"] == pytest.approx(0.5, rel=1e-6) and metered["M-W001"] == pytest.approx(
        sum(r[2] for r in rows if r[0] == "M-W001"), rel=1e-9)
    assert [o[:3] for o in odd] == [("M-W001", "gap", 3)]


def test_two_rows_out_of_time_order_are_no_fault_and_a_meter_given_again_further_down_is_checked_across_both(
        plant, engine, store, tmp_path):
    rows = hourly(coal_in(engine))
    rows[5], rows[6] = rows[6], rows[5]  # the file's order is not the meter's: checked in time order all the same
    done = bring(plant, store, as_csv(rows, tmp_path))
    assert done.batch.rows == 720 and done.findings == []
    again = hourly(10.0, month=date(2025, 10, 1))
    power = [[*row[:4], "MWh"] for row in hourly(1.0, month=date(2025, 10, 1), meter="M-E010")[:10]]
    again = again[:50] + power + [list(again[20])]
    with pytest.raises(StewardError) as err:
        bring(plant, store, as_csv(again, tmp_path, "again.csv"))
    assert [(d["kind"], d["row"]) for d in err.value.details] == [("duplicate", 62)]
    assert "← 22" in err.value.en


def test_files_staged_by_an_import_that_committed_are_moved_into_place_by_the_next(plant, engine, store, tmp_path,
                                                                                  monkeypatch):
    import os
    import time

    from storage import readings as parquet
    root = readings.readings_root(store)
    monkeypatch.setattr(parquet, "publish", lambda *a: None)  # the process ends between the commit and the move
    bring(plant, store, as_csv(hourly(coal_in(engine)), tmp_path))
    assert parquet_files(store) == [p for p in parquet_files(store) if ".staging" in p.parts] != []
    monkeypatch.undo()
    abandoned, young = root / ".staging" / "f", root / ".staging" / "e"  # never committed: old, and running
    for folder in (abandoned, young):
        (folder / "month=2025-09-01").mkdir(parents=True)
        (folder / "month=2025-09-01" / "x.parquet").write_bytes(b"")
    os.utime(abandoned, (time.time() - 7200, time.time() - 7200))
    bring(plant, store, as_csv(hourly(10.0, month=date(2025, 10, 1)), tmp_path, "october.csv"))
    kept = sorted(p.parent.name for p in parquet_files(store) if ".staging" not in p.parts)
    assert kept == ["month=2025-10", "month=2025-11"]
    assert not abandoned.exists() and young.exists()
    with Session(engine) as s:
        rows, _ = readings.month_rows(s, plant_id(s), store, MONTH)
    assert rows[0]["readings"] == 720


def test_a_month_brought_in_two_halves_is_reconciled_over_both(plant, engine, store, tmp_path):
    coal = coal_in(engine)
    rows = hourly(coal)
    bring(plant, store, as_csv(rows[:300], tmp_path, "first.csv"))
    done = bring(plant, store, as_csv(rows[300:], tmp_path, "second.csv"))  # the first half is on record
    assert done.findings == []
    with Session(engine) as s:
        month, odd = readings.month_rows(s, plant_id(s), store, MONTH)
    assert month[0]["readings"] == 720 and month[0]["metered"] == pytest.approx(coal, rel=1e-6) and odd == []


@pytest.mark.parametrize("spoil", [
    lambda rows: [row.__setitem__(4, "" if i < 10 else " t ") for i, row in enumerate(rows[:20])],  # units blank, padded
    lambda rows: rows[30].__setitem__(0, " M-W001 "),  # a code padded: not as the meter list writes it
])
def test_a_padded_code_or_a_blank_or_padded_unit_is_read_as_the_meters_own(plant, engine, store, tmp_path, spoil):
    coal = coal_in(engine)
    rows = hourly(coal)
    spoil(rows)
    done = bring(plant, store, as_csv(rows, tmp_path))
    assert done.batch.rows == 720 and done.batch.meters == ["M-W001"] and done.findings == []
    with Session(engine) as s:
        month, odd = readings.month_rows(s, plant_id(s), store, MONTH)
    assert month[0]["metered"] == pytest.approx(coal, rel=1e-6) and month[0]["readings"] == 720 and odd == []


def test_a_month_without_readings_between_two_with_gets_no_file(plant, engine, store, tmp_path):
    september = date(2025, 9, 1)
    rows = hourly(coal_in(engine, september), month=september) + hourly(coal_in(engine), counter=1e6)
    done = bring(plant, store, as_csv(rows, tmp_path))
    assert done.batch.months == ["2025-09", "2025-11"]
    assert [p.parent.name for p in parquet_files(store)] == ["month=2025-09", "month=2025-11"]
    assert [(f.kind, f.period) for f in done.findings] == [("meter_gap", MONTH)]  # October's readings are missing
