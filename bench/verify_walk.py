"""Benchmark: `steward verify`'s chain walk over a large audit log, against a plain walk that re-hashes the same
rows with sqlite3, json and hashlib and nothing else, in one run on the same SQLite file.

    python3 -m uv run python bench/verify_walk.py [--entries 1000000]

Prints both times, entries per second and the ratio, and the whole `steward verify` command's time. Goal (issue 18): ours ≤ 2× the plain walk.

Then `verify --data` (issue 34): a log of ``--entries`` entries describing real rows (outbox messages, each
inserted and then sent), replayed against the table. Printed: its time and peak memory, beside a plain walk
plus a plain replay (sqlite3 and json, the table and the log each read in key order) in the same run.
Goals: peak RSS under 300 MB at 1 M entries, time within 2× the plain figure.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from audit_key import BENCH_KEY, keep

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def fill(url: str, entries: int) -> None:
    """A valid chain of ``entries`` rows shaped like real ones (an update of a task: a few fields each), written
    through the log's own append in transactions of 5,000 (not timed)."""
    from storage import migrate
    from storage.audit_log import append
    from storage.engine import make_engine
    engine = make_engine(url, BENCH_KEY)
    migrate.upgrade(engine)
    done = 0
    while done < entries:
        batch = min(5000, entries - done)
        items = [("cli:bench", "update", "task", str(done + i), 7, {"status": "open", "closed_at": None},
                  {"status": "done", "closed_at": "2026-12-02T10:00:00+00:00", "id": done + i}) for i in range(batch)]
        with engine.begin() as conn:
            append(conn, items)
        done += batch
    engine.dispose()


def ours(url: str) -> tuple[float, int]:
    from storage.audit_log import verify
    from storage.engine import make_engine
    engine = make_engine(url, BENCH_KEY)
    start = time.perf_counter()
    with engine.connect() as conn:
        report = verify(conn)
    took = time.perf_counter() - start
    engine.dispose()
    assert report.ok, report
    return took, report.entries


def command(url: str, home: Path) -> float:
    """The whole `steward verify` as an administrator runs it: start, walk, anchors, a new anchor."""
    import os
    import subprocess
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")},
           "STEWARD_HOME": str(keep(home)), "STEWARD_DATABASE_URL": url}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "steward", "verify"], env=env, check=True, capture_output=True,
                   cwd=Path(__file__).resolve().parents[1])
    return time.perf_counter() - start


def plain(path: Path) -> tuple[float, int]:
    """Read each row, rebuild the hashed body and compare: what any verifier must do at the least."""
    start = time.perf_counter()
    key = hmac.new(BENCH_KEY, b"carbon-steward audit chain v1", hashlib.sha256).digest()  # as storage derives it
    conn = sqlite3.connect(path)
    prev, count = "0" * 64, 0
    for (seq, at, actor, action, entity, entity_id, enterprise_id, before, after, prev_hash, digest, chain,
         chain_seq) in conn.execute(
            "SELECT seq, at, actor, action, entity, entity_id, enterprise_id, before, after, prev_hash, hash, chain, "
            "chain_seq FROM audit_log ORDER BY chain, chain_seq"):  # one enterprise's chain here
        when = datetime.fromisoformat(at).replace(tzinfo=timezone.utc).isoformat()
        body = json.dumps([chain, chain_seq, seq, when, actor, action, entity, entity_id, enterprise_id,
                           json.loads(before) if before is not None else None,
                           json.loads(after) if after is not None else None, prev_hash],
                          sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        if prev_hash != prev or hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest() != digest:
            raise AssertionError(f"plain walk disagrees at {seq}")
        prev, count = digest, count + 1
    conn.close()
    return time.perf_counter() - start, count


def fill_rows(url: str, entries: int) -> None:
    """``entries`` entries about ``entries / 2`` outbox rows that are really there: each inserted, then sent, as
    the dispatcher leaves them (not timed). Rows and entries are written in the same transactions."""
    from storage import migrate
    from storage.audit_log import _field, append
    from storage.engine import make_engine
    from storage.models import Enterprise, Outbox, Person
    engine = make_engine(url, BENCH_KEY)
    migrate.upgrade(engine)

    def plain(obj) -> dict:
        return {c.key: _field(c.key, getattr(obj, c.key)) for c in type(obj).__table__.columns}

    with engine.begin() as conn:
        for obj in (Enterprise(id=1, code="BENCH", name_zh="基准", industry="cement"),
                    Person(id=1, enterprise_id=1, code="p1", name="张三")):
            values = plain(obj)
            conn.execute(type(obj).__table__.insert(), [{c.key: getattr(obj, c.key)
                                                         for c in type(obj).__table__.columns}])
            append(conn, [("cli:bench", "insert", type(obj).__tablename__, "1", 1, None, values)])
    rows, done = entries // 2, 0
    sent = datetime(2026, 12, 2, 10, tzinfo=timezone.utc)
    while done < rows:
        batch = min(2500, rows - done)
        messages = [Outbox(id=done + i + 1, enterprise_id=1, person_id=1, kind="reminder",
                           dedupe_key=f"bench:{done + i + 1}", subject=f"[碳管家] 提醒 {done + i + 1}",
                           body="请在截止日前完成任务。Please finish the task before its deadline.",
                           created_at=sent, next_attempt_at=sent) for i in range(batch)]
        items = []
        for m in messages:
            items.append(("cli:bench", "insert", "outbox", str(m.id), 1, None, plain(m)))
            items.append(("flow:delivery", "update", "outbox", str(m.id), 1,
                          {"status": "pending", "sent_at": None, "attempts": 0},
                          {"status": "sent", "sent_at": sent.isoformat(), "attempts": 1}))
            m.status, m.sent_at, m.attempts = "sent", sent, 1
        with engine.begin() as conn:
            conn.execute(Outbox.__table__.insert(), [{c.key: getattr(m, c.key) for c in Outbox.__table__.columns}
                                                     for m in messages])
            append(conn, items)
        done += batch
    engine.dispose()


DATA_CHECK = """
import resource, sys, time
sys.path.insert(0, {root!r})
from storage.engine import make_engine
from storage.audit_log import verify
from storage.replay import check_tables
engine = make_engine({url!r}, bytes.fromhex({key!r}))
start = time.perf_counter()
with engine.connect() as conn:
    report = verify(conn)
    findings = sum(1 for _ in check_tables(conn))
took = time.perf_counter() - start
print(took, report.entries, findings, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def ours_data(url: str) -> tuple[float, int, int, float]:
    """`verify --data`'s two checks (the chain and the tables against the log) in a fresh process, so its peak
    memory is its own: (seconds, entries, findings, peak RSS in MB)."""
    import subprocess
    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", DATA_CHECK.format(root=root, url=url, key=BENCH_KEY.hex())],
                         check=True, capture_output=True, text=True, cwd=root).stdout.split()
    return float(out[0]), int(out[1]), int(out[2]), int(out[3]) / 1024


def plain_replay(path: Path) -> tuple[float, int]:
    """The least a replay must do: the log's entries of one table in key order folded into each row's state, the
    table read in the same order, the two compared column by column (sqlite3 and json, nothing else)."""
    start = time.perf_counter()
    conn = sqlite3.connect(path)
    log = conn.cursor().execute("SELECT entity_id, action, after FROM audit_log WHERE entity = 'outbox' "
                                "ORDER BY entity_id, seq")
    table = conn.cursor().execute("SELECT * FROM outbox ORDER BY CAST(id AS TEXT)")
    columns = [d[0] for d in table.description]
    compared, pending = 0, next(log, None)
    for row in table:
        ident, state = str(row[0]), {}
        while pending is not None and pending[0] == ident:
            after = json.loads(pending[2]) if pending[2] is not None else {}
            state = dict(after) if pending[1] == "insert" else {**state, **after}
            pending = next(log, None)
        for name, value in zip(columns, row, strict=True):
            if name not in state or name == "claimed_at" or state[name] == value or str(state[name]) == str(value):
                continue
            if not (isinstance(value, str) and value[:19].replace(" ", "T") == str(state[name])[:19]):  # a time
                raise AssertionError(f"plain replay disagrees at outbox {ident}.{name}")
        compared += 1
    conn.close()
    return time.perf_counter() - start, compared


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.db"
        fill(f"sqlite:///{path}", args.entries)
        took, n = ours(f"sqlite:///{path}")
        whole = command(f"sqlite:///{path}", Path(tmp) / "home")
        raw, m = plain(path)
    assert n == m == args.entries
    print(f"audit-log verify, SQLite, {n:,} entries")
    print(f"  ours   {took:7.2f} s  {n / took:10,.0f} entries/s")
    print(f"  plain  {raw:7.2f} s  {m / raw:10,.0f} entries/s")
    print(f"  `steward verify` as a command (start, walk, anchors): {whole:.2f} s")
    print(f"  ours / plain: {took / raw:.2f}×  (goal ≤ 2)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.db"
        fill_rows(f"sqlite:///{path}", args.entries)
        data_took, entries, findings, rss = ours_data(f"sqlite:///{path}")
        walk, _ = plain(path)
        replay, rows = plain_replay(path)
    assert findings == 0, f"{findings} findings on an untouched database"
    print(f"`steward verify --data`, SQLite, {entries:,} entries about {rows:,} rows")
    print(f"  ours (chain + tables)  {data_took:7.2f} s  peak RSS {rss:6.0f} MB  (goal < 300 MB)")
    print(f"  plain walk + replay    {walk + replay:7.2f} s  (walk {walk:.2f} s, replay {replay:.2f} s)")
    print(f"  ours / plain: {data_took / (walk + replay):.2f}×  (goal ≤ 2)")


if __name__ == "__main__":
    main()
