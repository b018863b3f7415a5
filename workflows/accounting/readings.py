"""以日保月: meter readings from the energy-monitoring system, kept as Parquet and summed with DuckDB, and each
month's meter totals reconciled with that month's activity data.

An import is checked whole and stored whole, or not at all: every fault is named with its row; the Parquet files
are written aside and moved into place only when the transaction that records the import commits. What is not a
fault of a row — a gap in the readings, a month whose total and activity figure disagree beyond the meter's
accuracy — is a finding on the data-anomaly list, with both figures."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
from sqlalchemy import event
from sqlmodel import Session, select

from accounting.anomalies import ENTERPRISE, Finding
from accounting.units import ratio
from forms import readings_import as form
from forms.organisation import add_months
from storage import readings as parquet
from storage.errors import NotFound, StewardError
from storage.files import FileStore
from storage.models import ActivityRecord, DataAnomaly, Facility, Meter, ReadingBatch
from workflows.accounting import anomalies
from workflows.engine import clock, machine
from workflows.engine.machine import Actor

ENTRY_ROLES = ("carbon_manager", "department_head", "staff")  # who enters activity data and meter readings
MAX_AMOUNT = 1e12
ABANDONED = 3600.0  # s: staged files of an import that never committed are removed after this
DEFAULT_TOLERANCE = 1.0  # %, for a class that is not a percentage (a weighbridge's III, say)
FAULTS = {  # kind → (zh, en) said of the row
    "no_meter": ("未填计量器具编号", "no meter given"),
    "unknown_meter": ("不是本企业的计量器具", "not one of this enterprise's meters"),
    "bad_unit": ("单位不能换算为该计量器具的单位", "the unit does not convert to the meter's unit"),
    "bad_time": ("时间无法识别（应为 YYYY-MM-DD HH:MM）", "the time cannot be read (YYYY-MM-DD HH:MM)"),
    "bad_amount": ("用量不是有效数字", "the amount is not a valid number"),
    "negative": ("用量为负", "the amount is negative"),
    "bad_counter": ("表底数不是有效数字", "the counter is not a valid number"),
    "duplicate": ("同一计量器具同一时间重复", "the same meter and time twice"),
    "backwards": ("表底数倒走", "the counter runs backwards"),
    "on_record": ("该时间的读数已导入过", "a reading for this time is already on record"),
    "bad_line": ("该行无法按列读取", "the line cannot be split into its columns"),
}


Own = tuple[dict[tuple[str, str], tuple[float, int]], list[tuple[str, str, str, int, str]]]


def readings_root(store: FileStore) -> Path:
    return store.root / "readings"


def check_may_import(actor: Actor) -> None:
    machine.require_role(actor, ENTRY_ROLES, "导入计量读数", "Importing meter readings")


@dataclass
class Imported:
    batch: ReadingBatch
    findings: list[Finding]


def import_upload(session: Session, actor: Actor, store: FileStore, name: str, path: Path) -> Imported:
    """A file already spooled to ``path`` (its size checked): convert, check, store, reconcile its months."""
    check_may_import(actor)
    csv_path, columns = form.normalise(name, path)
    try:
        return _import(session, actor, store, name, path, csv_path, columns)
    finally:
        if csv_path != path:
            csv_path.unlink(missing_ok=True)


def import_records(session: Session, actor: Actor, store: FileStore, records: list[dict], how: str) -> Imported:
    """Rows pushed to the API: written as the template's CSV, then exactly the checks of a file."""
    check_may_import(actor)
    path = form.from_records(records)
    try:
        return import_upload(session, actor, store, f"{how}.csv", path)
    finally:
        path.unlink(missing_ok=True)


def _meters(session: Session, enterprise_id: int) -> dict[str, Meter]:
    return {m.code: m for m in session.exec(select(Meter).where(Meter.enterprise_id == enterprise_id))}


def _import(session: Session, actor: Actor, store: FileStore, name: str, original: Path, csv_path: Path,
            columns: dict[str, int]) -> Imported:
    root = readings_root(store)
    recover(session, root)
    batch = uuid.uuid4().hex
    staging = root / ".staging" / batch
    with ThreadPoolExecutor(2) as pool:
        copying: list[Future] = []

        def copy() -> None:  # the reading sheet itself is kept as evidence, copied while DuckDB checks it
            copying.append(pool.submit(store.receive_file, original))
        try:
            n, meter_codes, months, first, last, own = _check(session, actor, root, staging, batch, csv_path,
                                                              columns, pool, copy)
        except BaseException:
            for started in copying:
                started.add_done_callback(_drop)
            raise
        sha, _, received = copying[0].result()  # started by _check once the file was read
    store.keep(sha, received)
    _publish_on_commit(session, staging, root, actor.enterprise_id)
    row = ReadingBatch(enterprise_id=actor.enterprise_id, batch=batch, file_name=name[:200], file_sha256=sha, rows=n,
                       meters=meter_codes, months=months, first_day=first.date(), last_day=last.date(),
                       imported_by=actor.label)
    session.add(row)
    session.flush()
    # the new files are not in place yet: the months are reconciled over the staged ones too
    found = reconcile_months(session, actor.enterprise_id, store, [_month(m) for m in months],
                             extra=sorted(str(p) for p in staging.glob("month=*/*.parquet")), own=own)
    anomalies.record(session, actor.enterprise_id, found)
    return Imported(row, found)


def _drop(copying: Future) -> None:
    """An import refused: the copy of its file is not kept."""
    if not copying.cancelled() and copying.exception() is None:
        copying.result()[2].unlink(missing_ok=True)


def _check(session: Session, actor: Actor, root: Path, staging: Path, batch: str, csv_path: Path,
           columns: dict[str, int], pool: ThreadPoolExecutor, beside: Callable[[], None]
           ) -> tuple[int, list[str], list[str], datetime, datetime, Own | None]:
    """Read the file into DuckDB once, check it whole and write its Parquet files under ``staging``; any fault
    is raised with its rows and nothing stays behind. DuckDB reads the file on both cores; then the count that
    checks it and the Parquet writer are one core's work each, and run side by side (``pool``), with ``beside``
    (the evidence copy) started then rather than against the read."""
    meters = _meters(session, actor.enterprise_id)
    con = parquet.connect(memory_limit="600MB", spill=staging / "spill")
    writing: Future | None = None
    try:
        try:
            n = parquet.load(con, csv_path, columns, meters, clock.zone().key)  # an offset is read on the plant's clock
        except duckdb.Error as exc:  # a CSV DuckDB cannot parse at all: named, never a traceback
            raise StewardError("broken_file", f"CSV 文件无法解析：{str(exc)[:200]}",
                               f"The CSV file cannot be read: {str(exc)[:200]}", field="file") from None
        if n > form.MAX_ROWS:
            raise form.too_many()
        unreadable = parquet.rejects(con, columns)
        if unreadable:  # fix the cells that are not numbers first: the other checks would miss those rows
            raise invalid(unreadable)
        if n == 0:
            raise StewardError("empty", "文件中没有读数", "The file holds no readings", field="file")
        beside()
        writing = pool.submit(_write_beside, con, staging, batch)  # as read; converted below if need be
        parquet.sequence(con, MAX_AMOUNT)
        found_pairs, months = parquet.overview(con)
        fits = {}
        for code, unit in found_pairs:  # the unit as the file writes it (padded, say): the rows are not rewritten
            meter = meters.get(code)
            if meter is not None:
                k = _fit(unit.strip(), meter.unit)
                if k is not None:
                    fits[(code, unit)] = k
        stored = parquet.month_files(root, actor.enterprise_id, months)
        faults = parquet.problems(con, {c: m.unit for c, m in meters.items()}, fits, stored, MAX_AMOUNT)
        if faults:
            raise invalid(faults)
        meter_codes, months, first, last = parquet.summary(con)
        # nothing else on record for these months: the file's own counts are the months' figures
        own = None if stored else parquet.own_months(con)
        writing.result()
        if any(k != 1.0 for k in fits.values()):  # a unit other than the meter's: written again, converted
            parquet.write(con, staging, batch, fits)
    except BaseException:
        if writing is not None:
            wait([writing])
        con.close()
        parquet.discard(staging)
        raise
    con.close()
    return n, meter_codes, months, first, last, own


def _write_beside(con: duckdb.DuckDBPyConnection, staging: Path, batch: str) -> None:
    cursor = con.cursor()  # its own connection to the same DuckDB: it reads the rows while the checks count them
    try:
        parquet.write(cursor, staging, batch)
    finally:
        cursor.close()


def _publish_on_commit(session: Session, staging: Path, root: Path, enterprise_id: int) -> None:
    """Nothing half-written: the files join the others only if the import's transaction commits."""
    event.listen(session, "after_commit", lambda s: parquet.publish(staging, root, enterprise_id), once=True)
    event.listen(session, "after_rollback", lambda s: parquet.discard(staging), once=True)


def recover(session: Session, root: Path, age: float = ABANDONED) -> None:
    """Close the crash window between an import's commit and the move of its files: a staged folder whose batch is
    on record is moved into place now; one whose batch never committed is removed once ``age`` seconds old (a
    younger one may be an import still running in another process)."""
    folder = root / ".staging"
    if not folder.is_dir():
        return
    for staged in sorted(folder.iterdir()):
        owner = session.exec(select(ReadingBatch.enterprise_id).where(ReadingBatch.batch == staged.name)).first()
        try:
            if owner is not None:
                parquet.publish(staged, root, owner)
            elif time.time() - staged.stat().st_mtime > age:
                parquet.discard(staged)
        except FileNotFoundError:  # another process saw to it first
            continue


def _fit(unit: str, meter_unit: str) -> float | None:
    """A row's unit per the meter's; a blank unit is the meter's own."""
    if not unit:
        return 1.0
    try:
        return ratio(unit, meter_unit)
    except Exception:  # an unknown or mismatched unit: the row is refused by name
        return None


def invalid(faults: list[tuple[str, int, str]]) -> StewardError:
    errors = []
    for kind, line, shown in sorted(faults, key=lambda f: f[1]):
        zh, en = FAULTS[kind]
        said = f"「{shown}」" if shown else ""
        errors.append({"row": line, "field": "file", "kind": kind,
                       "zh": f"第 {line} 行{said}：{zh}", "en": f"row {line}{' ' + repr(shown) if shown else ''}: {en}"})
    head = errors[:20]
    return StewardError("import_invalid", f"导入失败，未写入任何数据（列出 {len(head)} 处）：" + "；".join(e["zh"] for e in head),
                        f"Nothing was imported ({len(head)} shown): " + "; ".join(e["en"] for e in head),
                        field="file", details=errors)


def _month(text: str) -> date:
    return datetime.strptime(text, "%Y-%m").date()


def tolerance(accuracy_class: str) -> float:
    """The meter's stated accuracy in per cent (class 0.5S → 0.5 %)."""
    found = re.match(r"\s*(\d+(?:\.\d+)?)", accuracy_class or "")
    return float(found.group(1)) if found else DEFAULT_TOLERANCE


def month_rows(session: Session, enterprise_id: int, store: FileStore, month: date,
               extra: list[str] | None = None) -> tuple[list[dict], list[tuple]]:
    """Each meter with readings in the month: its total, the activity figure that names it (in the meter's
    unit), the difference and whether it is within the meter's accuracy; and the irregularities DuckDB found."""
    return months_rows(session, enterprise_id, store, [month], extra)[month]


def months_rows(session: Session, enterprise_id: int, store: FileStore, months: list[date],
                extra: list[str] | None = None, own: Own | None = None) -> dict[date, tuple[list[dict], list[tuple]]]:
    """``month_rows`` for several months at once: one DuckDB pass for the totals, one sort for the irregularities
    (an import of a year reconciles its twelve months together). ``own``: the totals and irregularities an import
    already counted, when its file is all there is for these months (read from its Parquet again otherwise)."""
    if own is not None:
        totals, odd = own
    else:
        keys = [f"{m:%Y-%m}" for m in months]
        files = parquet.month_files(readings_root(store), enterprise_id, keys) + (extra or [])
        con = parquet.connect()
        try:
            totals = parquet.month_totals(con, files)
            odd = parquet.irregular(con, files)
        finally:
            con.close()
    meters = _meters(session, enterprise_id)
    by_id = {m.id: m for m in meters.values()}
    booked: dict[tuple[str, date], float] = {}
    a = ActivityRecord
    counted = (a.enterprise_id == enterprise_id, a.period.in_(months), a.pending.is_(False))  # a waiting row counts nowhere
    arrived = set(session.exec(select(a.period).where(*counted).distinct()).all())  # months whose data are in
    # the meters the activity data lean on: named by a counted line in these months or the twelve before them. A
    # sub-meter no line has ever named is the plant's own monitoring, not an omission month after month
    since = add_months(min(months), -12) if months else None
    backing = set(session.exec(select(a.meter_id).where(
        a.enterprise_id == enterprise_id, a.pending.is_(False), a.meter_id.is_not(None), a.period >= since,
        a.period <= max(months)).distinct()).all()) if months else set()
    for meter_id, period, quantity, unit in session.exec(select(a.meter_id, a.period, a.quantity, a.unit).where(
            *counted, a.meter_id.is_not(None))):
        m = by_id.get(meter_id)
        k = _fit(unit, m.unit) if m else None
        if m is not None and k is not None:
            booked[(m.code, period)] = booked.get((m.code, period), 0.0) + quantity * k
    out: dict[date, tuple[list[dict], list[tuple]]] = {m: ([], []) for m in months}
    for (code, key), (total, count) in sorted(totals.items()):
        m, month = meters.get(code), _month(key)
        if m is None or month not in out:
            continue
        activity = booked.get((code, month))
        tol = tolerance(m.accuracy_class)
        diff = None if activity is None else (total - activity) / activity * 100 if activity else None
        # a meter that measured something the month's data (once in) never name is not agreement but an omission
        unnamed = activity is None and month in arrived and abs(total) > 0 and m.id in backing
        nothing = activity == 0 and abs(total) > 0  # the data say none was used, the meter says some was
        out[month][0].append({"meter": m, "metered": total, "readings": count, "activity": activity, "diff": diff,
                              "tolerance": tol, "unnamed": unnamed,
                              "within": not unnamed and not nothing and (diff is None or abs(diff) <= tol)})
    for code, key, kind, n, at in odd:
        if _month(key) in out:
            out[_month(key)][1].append((code, kind, n, at))
    return out


def reconcile(session: Session, enterprise_id: int, store: FileStore, month: date,
              extra: list[str] | None = None) -> list[Finding]:
    """The month's findings: totals beyond the meter's accuracy (both figures shown), gaps, duplicate times and
    counters that ran backwards."""
    return reconcile_months(session, enterprise_id, store, [month], extra)


def reconcile_months(session: Session, enterprise_id: int, store: FileStore, months: list[date],
                     extra: list[str] | None = None, own: Own | None = None) -> list[Finding]:
    places = dict(session.exec(select(Facility.id, Facility.code).where(Facility.enterprise_id == enterprise_id)).all())
    meters = _meters(session, enterprise_id)

    def series(code: str) -> str:  # the meter's place, then the meter: the anomaly list says both in words
        m = meters.get(code)
        return f"{(places.get(m.facility_id) if m else None) or ENTERPRISE}|{code}|"
    words = {"gap": ("读数缺 {n} 个时段，首个缺口在 {at} 之前", "{n} reading(s) missing, the first gap before {at}"),
             "duplicate": ("同一时间有 {n} 个重复读数，首个在 {at}", "{n} duplicate reading time(s), the first at {at}"),
             "backwards": ("表底数倒走 {n} 次，首次在 {at}", "the counter ran backwards {n} time(s), first at {at}")}
    found = []
    for month, (rows, odd) in months_rows(session, enterprise_id, store, months, extra, own).items():
        for r in rows:
            m, unit = r["meter"], r["meter"].unit
            if r["within"]:
                continue
            if r["unnamed"]:
                found.append(Finding(
                    "meter_unreferenced", series(m.code), month, r["metered"], None, None,
                    f"计量器具 {m.code}（{m.name}）{month:%Y-%m} 计量了 {r['metered']:,.3f} {unit}，但本月没有引用该计量器具的"
                    "活动数据",
                    f"Meter {m.code} {month:%Y-%m} measured {r['metered']:,.3f} {unit}, but none of the month's activity "
                    "data names the meter"))
                continue
            apart = ("", "") if r["diff"] is None else (f"相差 {r['diff']:+.2f}%，", f"{r['diff']:+.2f}% apart, ")
            found.append(Finding(
                "meter_mismatch", series(m.code), month, r["metered"], r["activity"],
                None if r["diff"] is None else r["diff"] / 100,
                f"计量器具 {m.code}（{m.name}）{month:%Y-%m} 读数合计 {r['metered']:,.3f} {unit}，活动数据 "
                f"{r['activity']:,.3f} {unit}，{apart[0]}超出其准确度 ±{r['tolerance']:g}%",
                f"Meter {m.code} {month:%Y-%m}: readings total {r['metered']:,.3f} {unit}, activity data "
                f"{r['activity']:,.3f} {unit}, {apart[1]}beyond its ±{r['tolerance']:g}% accuracy"))
        for code, kind, n, at in odd:
            zh, en = words[kind]
            found.append(Finding(f"meter_{kind}", series(code), month, float(n), None, None,
                                 f"计量器具 {code} {month:%Y-%m}：" + zh.format(n=n, at=at),
                                 f"Meter {code} {month:%Y-%m}: " + en.format(n=n, at=at)))
    return found


def months_with_readings(store: FileStore, enterprise_id: int, months: set[date]) -> list[date]:
    """Of ``months``, those with readings on record (a look at their folders, no file read)."""
    root = readings_root(store)
    return sorted(m for m in months if any(parquet.month_dir(root, enterprise_id, f"{m:%Y-%m}").glob("*.parquet")))


def recheck(session: Session, enterprise_id: int, store: FileStore | None, months: set[date],
            omissions: bool = False) -> list[DataAnomaly]:
    """Activity data came in (imported, entered, pushed or confirmed) for ``months``: those with meter readings are
    reconciled again, since the readings usually arrived first and found nothing to compare with. A finding
    already on record is not raised twice. A meter the month's data leave out (``omissions``) is only looked for
    once the month's data should all be in (the monthly flow, a month later; or a person asking): one department's
    file is not the month."""
    chosen = months_with_readings(store, enterprise_id, months) if store is not None else []
    if not chosen:
        return []
    found = reconcile_months(session, enterprise_id, store, chosen)
    return anomalies.record(session, enterprise_id, [f for f in found if omissions or f.kind != "meter_unreferenced"])


def reconcile_as(session: Session, actor: Actor, store: FileStore, month: date) -> list:
    """A person checks a month again (after correcting the activity data, say); new findings go on record."""
    machine.require_role(actor, anomalies.RESOLVERS, "核对计量读数", "Reconciling meter readings")
    return anomalies.record(session, actor.enterprise_id, reconcile(session, actor.enterprise_id, store, month))


def meter_page(session: Session, actor: Actor, store: FileStore, code: str, month: date | None = None) -> dict:
    """One meter: its record, its daily curve for the month shown (the latest with readings unless asked), the
    month's reconciliation and the months that have readings (the twelve latest: the page never grows)."""
    meter = session.exec(select(Meter).where(Meter.enterprise_id == actor.enterprise_id, Meter.code == code)).first()
    if meter is None:  # another enterprise's meter is simply not found
        raise NotFound("meter", f"没有计量器具 {code}", f"No meter {code}")
    root = readings_root(store)
    folder = root / f"enterprise={int(actor.enterprise_id)}"
    months = sorted((p.name.removeprefix("month=") for p in folder.glob("month=*")), reverse=True)[:12]
    shown = month or (_month(months[0]) if months else clock.today().replace(day=1))
    files = parquet.month_files(root, actor.enterprise_id, [f"{shown:%Y-%m}"])
    con = parquet.connect()
    try:
        days = parquet.daily(con, files, code)
    finally:
        con.close()
    rows, _ = month_rows(session, actor.enterprise_id, store, shown)
    found = session.exec(select(DataAnomaly).where(
        DataAnomaly.enterprise_id == actor.enterprise_id, DataAnomaly.series.like(f"%|{code}|"))
        .order_by(DataAnomaly.period.desc()).limit(20)).all()
    return {"meter": meter, "month": shown, "months": months, "days": days,
            "row": next((r for r in rows if r["meter"].code == code), None), "findings": found,
            "previous": add_months(shown, -1), "next": add_months(shown, 1)}


def batches(session: Session, actor: Actor, limit: int = 20) -> list[ReadingBatch]:
    return list(session.exec(select(ReadingBatch).where(ReadingBatch.enterprise_id == actor.enterprise_id)
                             .order_by(ReadingBatch.id.desc()).limit(limit)))
