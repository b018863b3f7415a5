"""Benchmark: an auditor recording checklist lines on a tablet, one line at a time (htmx: the line is written
with its audit-log entry and redrawn alone), on the demo plant, against a static file from the same app.

    python3 -m uv run python bench/checklist.py [--lines 60]

Prints p50 / p95 / max per line and the static baseline. Target: a line well under 0.3 s.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from audit_key import BENCH_KEY, keep

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=60)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from steward import demo
    from steward.context import Context
    from steward.settings import load
    from steward.web.app import create_app
    from storage import migrate
    from storage.engine import make_engine, unit_of_work
    from workflows.audit import internal_audit
    from workflows.engine.machine import actor_for

    home = keep(Path(tempfile.mkdtemp(prefix="bench-checklist-")))
    url = f"sqlite:///{home / 'steward.db'}"
    engine = make_engine(url, BENCH_KEY)
    migrate.upgrade(engine)
    with unit_of_work(engine, "demo-seed") as s:
        demo.seed(s)
    with unit_of_work(engine, "bench") as s:
        manager = actor_for(s, "lixf")
        audit = internal_audit.plan_year(s, manager, 2099)
        internal_audit.start(s, manager, audit)
        number, clause_ids = audit.number, [i.clause_id for i in internal_audit.checklist(s, audit)]
    engine.dispose()

    client = TestClient(create_app(Context(load({"STEWARD_HOME": str(home), "STEWARD_DATABASE_URL": url}))))
    client.post("/login", data={"username": "zhaom", "password": demo.DEMO_PASSWORD,
                                "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                        client.get("/login").text).group(1)})
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"/audits/{number}").text).group(1)

    def timed(fn) -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    ours, static, reload = [], [], []
    for clause_id in clause_ids[:args.lines]:
        def record(clause_id=clause_id):
            answer = client.post(f"/audits/{number}/check", headers={"HX-Request": "true"}, data={
                "clause_id": clause_id, "result": "conform", "notes": "现场查看", "csrf_token": token})
            assert answer.status_code == 200 and answer.text.lstrip().startswith("<article"), answer.text[:300]
        ours.append(timed(record))
        static.append(timed(lambda: client.get("/static/steward.css")))
        if len(reload) < 10:
            reload.append(timed(lambda: client.get(f"/audits/{number}")))

    def line(name: str, xs: list[float]) -> str:
        xs = sorted(xs)
        return (f"{name:<28} p50 {statistics.median(xs) * 1000:7.1f} ms   p95 {xs[int(len(xs) * .95) - 1] * 1000:7.1f} ms"
                f"   max {xs[-1] * 1000:7.1f} ms")
    print(f"checklist lines recorded: {len(ours)} (demo plant, SQLite, one process)")
    print(line("record one line (htmx)", ours))
    print(line("static file (baseline)", static))
    print(line("whole checklist page", reload) + "   (what each line cost before: a full reload)")
    print(f"ratio p50: {statistics.median(ours) / statistics.median(static):.1f}x   target: p95 < 300 ms")


if __name__ == "__main__":
    main()
