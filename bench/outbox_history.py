"""Benchmark: the outbox's dispatch with years of sent messages behind it (issue 34), against the same dispatch
on an empty history, in one run on the same SQLite file.

    python3 -m uv run python bench/outbox_history.py [--sent 1000000]

Prints the median of an idle dispatch (nothing due) and of a dispatch of 20 messages (to a person without a
channel, so no network is timed), first with no sent messages, then with ``--sent`` of them written behind.
Goal: idle dispatch under 5 ms, and no more than 1.2× the empty-history figure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from audit_key import BENCH_KEY

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def setup(url: str) -> tuple:
    from storage import migrate
    from storage.engine import make_engine, unit_of_work
    from storage.models import Enterprise, Person
    engine = make_engine(url, BENCH_KEY)
    migrate.upgrade(engine)
    with unit_of_work(engine, "cli:bench") as s:
        s.add(Enterprise(id=1, code="BENCH", name_zh="基准", industry="cement"))
        s.flush()
        s.add(Person(id=1, enterprise_id=1, code="p1", name="张三"))
    return engine


def queue(engine, n: int) -> None:
    from storage.engine import unit_of_work
    from storage.models import Outbox
    with unit_of_work(engine, "cli:bench") as s:
        s.add_all([Outbox(enterprise_id=1, person_id=1, kind="notice", subject="提醒", body="…") for _ in range(n)])


def history(engine, sent: int) -> None:
    """``sent`` messages delivered long ago, written straight into the table (their log entries are not what is
    measured here)."""
    from storage.models import Outbox
    when = datetime(2025, 1, 1, tzinfo=timezone.utc)
    table = Outbox.__table__
    done = 0
    with engine.begin() as conn:
        while done < sent:
            batch = min(50_000, sent - done)
            conn.execute(table.insert(), [{"enterprise_id": 1, "person_id": 1, "kind": "reminder", "subject": "提醒",
                                           "body": "请在截止日前完成任务。", "created_at": when, "status": "sent",
                                           "next_attempt_at": when, "sent_at": when, "attempts": 1,
                                           "delivered": [1], "last_error": ""} for _ in range(batch)])
            done += batch
        conn.exec_driver_sql("ANALYZE")


def measure(engine, rounds: int = 30) -> tuple[float, float]:
    """(median idle dispatch, median dispatch of 20), in ms."""
    from flows import delivery
    later = datetime.now(timezone.utc) + timedelta(minutes=1)
    idle, busy = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        delivery.dispatch(engine, now=later)
        idle.append(time.perf_counter() - start)
    for _ in range(max(3, rounds // 3)):
        queue(engine, 20)
        start = time.perf_counter()
        counts = delivery.dispatch(engine, now=later)
        busy.append(time.perf_counter() - start)
        assert counts["claimed"] == 20, counts
    return statistics.median(idle) * 1000, statistics.median(busy) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sent", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = setup(f"sqlite:///{Path(tmp) / 'outbox.db'}")
        measure(engine, 15)  # warm: imports, the first connection, the first flushes
        empty_idle, empty_busy = measure(engine)
        history(engine, args.sent)
        full_idle, full_busy = measure(engine)
        engine.dispose()
    print(f"outbox dispatch, SQLite, median ms: empty history, then {args.sent:,} sent messages behind")
    print(f"  idle (nothing due)    {empty_idle:7.2f}  →  {full_idle:7.2f}   ({full_idle / empty_idle:.2f}×; goal < 5 ms, ≤ 1.2×)")
    print(f"  dispatch of 20        {empty_busy:7.2f}  →  {full_busy:7.2f}   ({full_busy / empty_busy:.2f}×)")


if __name__ == "__main__":
    main()
