"""Benchmark: `steward verify`'s chain walk over a large audit log, against a plain walk that re-hashes the same
rows with sqlite3, json and hashlib and nothing else, in one run on the same SQLite file.

    python3 -m uv run python bench/verify_walk.py [--entries 1000000]

Prints both times, entries per second and the ratio, and the whole `steward verify` command's time. Goal (issue 18): ours ≤ 2× the plain walk.
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


if __name__ == "__main__":
    main()
