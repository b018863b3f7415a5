"""Benchmark: the document list on the demo and on a plant with 8,000 documents × 3 revisions, beside a static
file from the same app, in one run and one process (issue 34).

    python3 -m uv run python bench/document_list.py [--documents 8000] [--revisions 3] [--repeat 40]

Prints p50 / p95 for /documents (first page, a search, a sort by state, the last page) on the demo and on the
grown plant, the static file, the ratio of grown to demo (goal: within 3×), the SQL statements each page ran,
the whole list exported as Excel, and an export of ``--export-rows`` training records (100,000 by default:
streamed from the database through openpyxl's write-only mode, so the process grows by little more than the
file it sends), each with its time and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from audit_key import BENCH_KEY, keep

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PAGES = {"first page": "/documents", "search": "/documents?q=BENCH-PR-07", "by state": "/documents?sort=state",
         "last page": "/documents?page=1000000"}


def grow(engine, documents: int, revisions: int) -> None:
    """``documents`` procedures for the demo plant, each with ``revisions`` revisions (the older superseded, the
    newest issued, every tenth with a draft on its way), inserted directly (not timed)."""
    from sqlalchemy import insert
    from sqlmodel import Session, select

    from steward import demo
    from storage.models import Document, Enterprise, Person, Revision
    with Session(engine) as s:
        plant = s.exec(select(Enterprise).where(Enterprise.code == demo.PLANT)).one().id
        owners = [p.id for p in s.exec(select(Person).where(Person.enterprise_id == plant))]
    at = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with engine.begin() as c:
        for start in range(0, documents, 1000):
            ids = range(start, min(start + 1000, documents))
            c.execute(insert(Document.__table__), [dict(
                enterprise_id=plant, number=f"BENCH-PR-{n:05d}", doc_type="procedure", title=f"程序文件 {n}",
                owner_id=owners[n % len(owners)], access="restricted" if n % 7 == 0 else "internal",
                access_roles=["carbon_manager"] if n % 7 == 0 else [], retention_years=5, review_interval_months=12,
                next_review_due=date(2026, 1 + n % 12, 1 + n % 28), last_review_note="", clause_ids=["7.5", "8.1"],
                disposal_note="", created_at=at) for n in ids])
            doc_ids = dict(c.execute(select(Document.number, Document.id).where(
                Document.number.in_([f"BENCH-PR-{n:05d}" for n in ids]))).all())
            rows = []
            for n in ids:
                last = revisions + (1 if n % 10 == 0 else 0)
                for rev in range(1, last + 1):
                    state = "superseded" if rev < revisions else "issued" if rev == revisions else "draft"
                    rows.append(dict(enterprise_id=plant, document_id=doc_ids[f"BENCH-PR-{n:05d}"], rev=rev,
                                     state=state, version=1, file_name="", media_type="", change_summary="",
                                     meta={}, created_at=at))
            c.execute(insert(Revision.__table__), rows)


def records(engine, count: int) -> None:
    """``count`` training records for the demo plant (not timed)."""
    from sqlalchemy import insert
    from sqlmodel import Session, select

    from steward import demo
    from storage.models import Enterprise, FormRecord
    with Session(engine) as s:
        plant = s.exec(select(Enterprise).where(Enterprise.code == demo.PLANT)).one().id
    with engine.begin() as c:
        for start in range(0, count, 5000):
            c.execute(insert(FormRecord.__table__), [dict(
                enterprise_id=plant, form="training", clause_ids=["7.2"], recorded_on=date(2020 + n % 6, 1 + n % 12, 1),
                retain_until=date(2031, 1, 1), created_by="bench", created_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
                payload={"topic": f"岗位培训 {n}", "kind": "standard", "attendees": 5 + n % 20, "hours": 2})
                for n in range(start, min(start + 5000, count))])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=8000)
    parser.add_argument("--revisions", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--export-rows", type=int, default=100_000)
    args = parser.parse_args()

    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from steward import demo
    from steward.context import Context
    from steward.settings import load
    from steward.web.app import create_app
    from storage import migrate
    from storage.engine import make_engine, unit_of_work

    home = keep(Path(tempfile.mkdtemp(prefix="bench-document-list-")))
    url = f"sqlite:///{home / 'steward.db'}"
    engine = make_engine(url, BENCH_KEY)
    migrate.upgrade(engine)
    with unit_of_work(engine, "demo-seed") as s:
        demo.seed(s)

    ctx = Context(load({"STEWARD_HOME": str(home), "STEWARD_DATABASE_URL": url}))
    client = TestClient(create_app(ctx))
    client.post("/login", data={"username": "lixf", "password": demo.DEMO_PASSWORD,
                                "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                        client.get("/login").text).group(1)})
    statements = [0]
    event.listen(ctx.engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))

    def timed(path: str) -> tuple[list[float], int]:
        client.get(path)  # warm
        xs, count = [], 0
        for _ in range(args.repeat):
            statements[0] = 0
            start = time.perf_counter()
            answer = client.get(path)
            xs.append(time.perf_counter() - start)
            count = statements[0]
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        return sorted(xs), count

    def line(name: str, xs: list[float], count: int | None = None, against: float | None = None) -> str:
        p50 = statistics.median(xs)
        extra = f"   {count:3d} statements" if count is not None else ""
        extra += f"   {p50 / against:5.2f}× demo" if against else ""
        return f"{name:<34} p50 {p50 * 1000:7.1f} ms   p95 {xs[int(len(xs) * .95) - 1] * 1000:7.1f} ms{extra}"

    demo_times = {name: timed(path) for name, path in PAGES.items()}
    static = timed("/static/steward.css")[0]
    grow(ctx.engine, args.documents, args.revisions)
    grown_times = {name: timed(path) for name, path in PAGES.items()}
    static_after = timed("/static/steward.css")[0]

    print(f"/documents as the carbon manager, {args.repeat} requests each (SQLite, one process)")
    print(line("static file (baseline)", static + static_after))
    for name in PAGES:
        print(line(f"demo: {name}", *demo_times[name]))
    for name in PAGES:
        print(line(f"{args.documents:,} × {args.revisions} revisions: {name}", *grown_times[name],
                   against=statistics.median(demo_times[name][0])))
    worst = max(statistics.median(grown_times[n][0]) / statistics.median(demo_times[n][0]) for n in PAGES)
    print(f"grown / demo, worst page: {worst:.2f}× (goal ≤ 3×: {'met' if worst <= 3 else 'NOT met'}); "
          f"first page / static file: {statistics.median(grown_times['first page'][0]) / statistics.median(static):.1f}×")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    book = client.get("/documents.xlsx")
    took = time.perf_counter() - start
    assert book.status_code == 200, book.text[:300]
    print(f"export of the whole list (/documents.xlsx): {took:.2f} s, {len(book.content) / 1e6:.1f} MB, "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (before {before / 1024:.0f} MB)")
    if args.export_rows:
        from openpyxl import load_workbook
        records(ctx.engine, args.export_rows)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        book = client.get("/records/training.xlsx")
        took = time.perf_counter() - start
        assert book.status_code == 200, book.text[:300]
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        import io
        rows = sum(1 for _ in load_workbook(io.BytesIO(book.content), read_only=True).active.iter_rows()) - 1
        print(f"export of {rows:,} training records (/records/training.xlsx): {took:.1f} s, "
              f"{len(book.content) / 1e6:.1f} MB, peak RSS {after / 1024:.0f} MB (before {before / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
