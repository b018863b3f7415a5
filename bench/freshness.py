"""Benchmark: whether a year's run still stands, with another year's data written after it, against the plain read it
replaced (the enterprise's activity and measured-value audit entries after the run, each parsed for its period), in
one run on the same SQLite file.

    python3 -m uv run python bench/freshness.py [--rows 20000] [--batch 500]

A 2025 run is made, then ``--rows`` activity rows of 2026 are written in transactions of ``--batch`` (as a year of
imports would). Prints the median time of the 2025 check before and after, by the marks each change keeps of its
years (storage/data_changes.py), and by the plain audit-log read.
Goal: the check after as fast as before (the 2026 rows are history the 2025 page does not show).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from audit_key import BENCH_KEY

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def setup(url: str):
    from storage import migrate
    from storage.engine import make_engine, unit_of_work
    from storage.models import AccountingRun, ActivityRecord, Enterprise
    engine = make_engine(url, BENCH_KEY)
    migrate.upgrade(engine)
    with unit_of_work(engine, "cli:bench") as s:
        s.add(Enterprise(id=1, code="BENCH", name_zh="基准", industry="cement"))
        s.flush()
        s.add_all([ActivityRecord(enterprise_id=1, period=date(2025, m, 1), category="fuel_combustion",
                                  material="diesel", quantity=10.0, unit="t") for m in range(1, 13)])
        s.flush()
        s.add(AccountingRun(enterprise_id=1, year=2025, library_version="bench", data_sha256="0" * 64,
                            created_by="bench"))
    return engine


def later_year(engine, rows: int, batch: int) -> None:
    from storage.engine import unit_of_work
    from storage.models import ActivityRecord
    for start in range(0, rows, batch):
        with unit_of_work(engine, "cli:bench") as s:
            s.add_all([ActivityRecord(enterprise_id=1, facility_id=None, period=date(2026, 1 + i % 12, 1),
                                      category="fuel_combustion", material=f"m{start + i}", quantity=1.0, unit="t")
                       for i in range(min(batch, rows - start))])


def plain(session, run) -> int:
    """The read it replaced: every activity and measured-value entry of the enterprise after the run, parsed."""
    from sqlmodel import func, select

    from storage.models.audit import AuditEntry
    made = session.exec(select(func.max(AuditEntry.seq)).where(
        AuditEntry.entity == "accounting_run", AuditEntry.entity_id == str(run.id))).one()
    found = 0
    for before, after in session.exec(select(AuditEntry.before, AuditEntry.after).where(
            AuditEntry.enterprise_id == run.enterprise_id, AuditEntry.seq > made,
            AuditEntry.entity.in_(("activity_record", "enterprise_factor")))):
        found += any(str((row or {}).get("period", ""))[:4] == str(run.year) for row in (before, after))
    return found


def timed(engine, check, repeat: int = 7) -> float:
    from sqlmodel import Session

    from storage.models import AccountingRun
    times = []
    with Session(engine) as s:
        run = s.get(AccountingRun, 1)
        for _ in range(repeat):
            t = time.perf_counter()
            check(s, run)
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    from workflows.accounting import freshness
    with tempfile.TemporaryDirectory() as tmp:
        engine = setup(f"sqlite:///{Path(tmp) / 'bench.db'}")
        marks_before, plain_before = timed(engine, freshness.changes_since), timed(engine, plain)
        later_year(engine, args.rows, args.batch)
        marks_after, plain_after = timed(engine, freshness.changes_since), timed(engine, plain)
        from sqlmodel import Session

        from storage.models import AccountingRun
        with Session(engine) as s:
            run = s.get(AccountingRun, 1)
            assert freshness.changes_since(s, run) is None and plain(s, run) == 0  # 2025 still stands, both say
    print(f"2026 rows written after the 2025 run: {args.rows} in transactions of {args.batch}")
    print(f"2025 still stands, by the marks of each change:  {marks_before:8.2f} ms before, {marks_after:8.2f} ms after")
    print(f"2025 still stands, by the plain audit-log read:  {plain_before:8.2f} ms before, {plain_after:8.2f} ms after")


if __name__ == "__main__":
    main()
