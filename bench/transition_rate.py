"""Benchmark: persisted transitions — a nonconformity analysed (fields, state, transition log, the carbon manager's
task and its notification, the audit-log entries), one transaction each as a person's click makes it — against
plain inserts of the very rows that path wrote, one transaction per transition, on a copy of the same database.

    python3 -m uv run python bench/transition_rate.py [--count 300] [--postgres postgresql://…/postgres]

Prints transitions per second, SQL statements per transition for both, and the ratio. Goal (issue 18): on
SQLite ≥ 1,000/s and ≥ 0.5× the plain inserts; on PostgreSQL ≥ 0.5× the plain inserts.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WRITTEN = ("transition_log", "task", "outbox", "audit_log")  # the rows a transition adds (the NC row changes)


def counting(engine) -> list[int]:
    """A one-element counter of the statements the engine executes."""
    from sqlalchemy import event
    seen = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args):
        seen[0] += 1
    return seen


def prepare(url: str, count: int) -> list[int]:
    """The demo plant with ``count`` open nonconformities (not timed)."""
    from steward import demo
    from storage import migrate
    from storage.engine import make_engine, unit_of_work
    from workflows import nonconformity as ncs
    from workflows import organisation as org
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine, "bench-seed") as s:
        demo.seed(s)
        plant = org.enterprise(s, demo.PLANT).id
        ids = [ncs.raise_nc(s, plant, source="audit", clause_id="8.3c", title=f"计量器具检定过期 {i}",
                            raised_by="bench").id for i in range(count)]
    engine.dispose()
    return ids


def ours(url: str, ids: list[int]) -> tuple[float, float]:
    from storage.engine import make_engine, unit_of_work
    from storage.models import Nonconformity
    from workflows import nonconformity as ncs
    from workflows.engine import actor_for
    engine = make_engine(url)
    seen = counting(engine)
    start = time.perf_counter()
    for nc_id in ids:
        with unit_of_work(engine, "lixf") as s:
            ncs.analyse(s, actor_for(s, "lixf"), s.get(Nonconformity, nc_id), consequence="数据偏差小于 0.5%",
                        disposition="用关口表复核", root_cause="检定计划遗漏", severity="minor")
    took = time.perf_counter() - start
    engine.dispose()
    return took, seen[0] / len(ids)


def plain(url: str, source_url: str, ids: list[int]) -> tuple[float, float]:
    """The same rows, inserted (and the NC row updated) with plain statements, one transaction per transition."""
    from sqlalchemy import MetaData, select

    from storage.engine import make_engine
    src, dst = make_engine(source_url), make_engine(url)
    meta = MetaData()
    meta.reflect(src, only=[*WRITTEN, "nonconformity", "audit_chain"])
    with src.connect() as conn:
        nc = meta.tables["nonconformity"]
        changed = {r.id: dict(r._mapping) for r in conn.execute(select(nc).where(nc.c.id.in_(ids)))}
        logs = {t: [dict(r._mapping) for r in conn.execute(select(meta.tables[t]).order_by(meta.tables[t].c.id
                if t != "audit_log" else meta.tables[t].c.seq))] for t in WRITTEN}
    with dst.connect() as conn:  # what the copy already has, so only the transitions' rows are replayed
        have = {t: conn.execute(select(meta.tables[t].c.seq if t == "audit_log" else meta.tables[t].c.id)
                                .order_by(None)).scalars().all() for t in WRITTEN}
    new = {t: [r for r in logs[t] if (r["seq"] if t == "audit_log" else r["id"]) not in set(have[t])] for t in WRITTEN}
    per = {t: max(1, len(new[t]) // len(ids)) for t in WRITTEN}
    seen = counting(dst)
    start = time.perf_counter()
    for i, nc_id in enumerate(ids):
        with dst.begin() as conn:
            row = changed[nc_id]
            conn.execute(nc.update().where(nc.c.id == nc_id).values(
                state=row["state"], consequence=row["consequence"], disposition=row["disposition"],
                root_cause=row["root_cause"], version=row["version"]))
            for t in WRITTEN:
                chunk = new[t][i * per[t]:(i + 1) * per[t]]
                for r in chunk:
                    conn.execute(meta.tables[t].insert().values(**r))
            last = new["audit_log"][(i + 1) * per["audit_log"] - 1]
            tips = meta.tables["audit_chain"]
            conn.execute(tips.update().where(tips.c.chain == last["chain"]).values(seq=last["chain_seq"],
                                                                                  hash=last["hash"]))
    took = time.perf_counter() - start
    src.dispose()
    dst.dispose()
    return took, seen[0] / len(ids)


def on_postgres(admin_url: str, count: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """The same on a PostgreSQL server: two databases made (the plain one a template copy), then dropped."""
    from sqlalchemy import create_engine, text
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    base = admin_url.rsplit("/", 1)[0]
    with admin.connect() as conn:
        for name in ("bench_tr_plain", "bench_tr_seed"):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "bench_tr_seed"'))
    try:
        ids = prepare(f"{base}/bench_tr_seed", count)
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "bench_tr_plain" TEMPLATE "bench_tr_seed"'))
        return ours(f"{base}/bench_tr_seed", ids), plain(f"{base}/bench_tr_plain", f"{base}/bench_tr_seed", ids)
    finally:
        with admin.connect() as conn:
            for name in ("bench_tr_plain", "bench_tr_seed"):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(where: str, count: int, took: float, statements: float, raw: float, raw_statements: float) -> None:
    print(f"persisted transitions, {where}, {count} nonconformities analysed, one transaction each")
    print(f"  ours   {count / took:8.1f}/s  {statements:5.1f} statements each")
    print(f"  plain  {count / raw:8.1f}/s  {raw_statements:5.1f} statements each (the same rows)")
    print(f"  ours / plain throughput: {raw / took:.2f}  (goal ≥ 0.5{', and ≥ 1,000/s' if where == 'SQLite' else ''})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--postgres", help="a PostgreSQL server's admin database URL, to run there as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "seeded.db"
        ids = prepare(f"sqlite:///{base}", args.count)
        shutil.copyfile(base, Path(tmp) / "plain.db")
        took, statements = ours(f"sqlite:///{base}", ids)
        raw, raw_statements = plain(f"sqlite:///{Path(tmp) / 'plain.db'}", f"sqlite:///{base}", ids)
    report("SQLite", args.count, took, statements, raw, raw_statements)
    if args.postgres:
        (took, statements), (raw, raw_statements) = on_postgres(args.postgres, args.count)
        report("PostgreSQL", args.count, took, statements, raw, raw_statements)


if __name__ == "__main__":
    main()
