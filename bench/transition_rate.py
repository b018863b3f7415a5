"""Benchmark: persisted transitions — a nonconformity analysed (fields, state, transition log, the carbon manager's
task and its notification, the audit-log entries), one transaction each as a person's click makes it — against
plain inserts of the very rows that path wrote, through the database driver with statements written once, one
transaction per transition, on a copy of the same database (what the rows cost the database alone).

    python3 -m uv run python bench/transition_rate.py [--count 300] [--postgres postgresql://…/postgres]

A third row, the floor, writes the same kinds of rows through SQLModel and commits them with the audit chain but
none of the use case: the least a transition costs on the product's stack.

Prints transitions per second and SQL statements per transition for each, and the ratios. Goal (issue 18): on
SQLite ≥ 1,000/s and ≥ 0.5× the plain inserts; on PostgreSQL ≥ 0.5× the plain inserts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from audit_key import BENCH_KEY

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
    from workflows.improvement import nonconformity as ncs
    from workflows.people import organisation as org
    engine = make_engine(url, BENCH_KEY)
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
    from workflows.engine.machine import actor_for
    from workflows.improvement import nonconformity as ncs
    engine = make_engine(url, BENCH_KEY)
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
    """The same rows, inserted (and the NC row updated) through the database driver itself with statements
    written once, one transaction per transition: what the database costs without any of our code."""
    from storage.engine import make_engine
    src, dst = make_engine(source_url, BENCH_KEY), make_engine(url, BENCH_KEY)
    key = {t: "seq" if t == "audit_log" else "id" for t in WRITTEN}
    raw_src, raw = src.raw_connection(), dst.raw_connection()
    mark = "?" if dst.dialect.paramstyle == "qmark" else "%s"

    def rows(conn, sql: str) -> list[dict]:
        cur = conn.cursor()
        cur.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    stored = {t: rows(raw_src, f"SELECT * FROM {t} ORDER BY {key[t]}") for t in WRITTEN}
    changed = {r["id"]: r for r in rows(raw_src, "SELECT * FROM nonconformity")}
    have = {t: {r[key[t]] for r in rows(raw, f"SELECT {key[t]} FROM {t}")} for t in WRITTEN}
    new = {t: [{c: json.dumps(v) if isinstance(v, (dict, list)) else v for c, v in r.items()}
               for r in stored[t] if r[key[t]] not in have[t]] for t in WRITTEN}
    per = {t: max(1, len(new[t]) // len(ids)) for t in WRITTEN}
    insert = {t: f'INSERT INTO {t} ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in new[t][0])}) '
                 f'VALUES ({", ".join([mark] * len(new[t][0]))})' for t in WRITTEN}
    update_nc = (f"UPDATE nonconformity SET state={mark}, consequence={mark}, disposition={mark}, "
                 f"root_cause={mark}, version={mark} WHERE id={mark}")
    update_tip = f"UPDATE audit_chain SET seq={mark}, hash={mark} WHERE chain={mark}"
    raw.commit()
    cur = raw.cursor()
    statements = 0
    start = time.perf_counter()
    for i, nc_id in enumerate(ids):
        row = changed[nc_id]
        cur.execute(update_nc, (row["state"], row["consequence"], row["disposition"], row["root_cause"],
                                row["version"], nc_id))
        for t in WRITTEN:
            for r in new[t][i * per[t]:(i + 1) * per[t]]:
                cur.execute(insert[t], tuple(r.values()))
                statements += 1
        last = new["audit_log"][(i + 1) * per["audit_log"] - 1]
        cur.execute(update_tip, (last["chain_seq"], last["hash"], last["chain"]))
        raw.commit()
        statements += 2  # the two updates
    took = time.perf_counter() - start
    raw_src.close()
    raw.close()
    src.dispose()
    dst.dispose()
    return took, statements / len(ids)


def orm_floor(url: str, ids: list[int]) -> tuple[float, float]:
    """The least any transition costs on the product's stack: through SQLModel, the NC read and changed, the
    log, a task and its notification added, committed with the audit chain, and none of the use case's checks."""
    from sqlmodel import Session, select

    from storage.engine import make_engine, unit_of_work
    from storage.models import Nonconformity, Outbox, Person, Task, TransitionLog
    engine = make_engine(url, BENCH_KEY)
    with Session(engine) as s:
        who = s.exec(select(Person.id).where(Person.username == "lixf")).one()
    seen = counting(engine)
    start = time.perf_counter()
    for nc_id in ids:
        with unit_of_work(engine, "lixf") as s:
            nc = s.get(Nonconformity, nc_id)
            before = nc.state
            nc.state, nc.consequence, nc.disposition, nc.root_cause = "analysed", "数据偏差", "复核", "遗漏"
            s.add(nc)
            s.add(TransitionLog(enterprise_id=nc.enterprise_id, lifecycle="nonconformity", entity_id=nc_id,
                                trigger="analyse", from_state=before, to_state=nc.state, actor="lixf"))
            task = Task(enterprise_id=nc.enterprise_id, assignee_id=who, lifecycle="nonconformity",
                        entity_id=nc_id, title_zh="制定纠正措施", title_en="Plan the corrective action",
                        due=date.today())
            s.add(task)
            s.flush()
            s.add(Outbox(enterprise_id=nc.enterprise_id, person_id=task.assignee_id, task_id=task.id,
                         subject="[碳管家] 制定纠正措施", body="您有一项新任务"))
    took = time.perf_counter() - start
    engine.dispose()
    return took, seen[0] / len(ids)


def on_postgres(admin_url: str, count: int) -> dict[str, tuple[float, float]]:
    """The same on a PostgreSQL server: the seeded database and two template copies made, then dropped."""
    from sqlalchemy import create_engine, text
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    base = admin_url.rsplit("/", 1)[0]
    names = ("bench_tr_plain", "bench_tr_orm", "bench_tr_seed")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "bench_tr_seed"'))
    try:
        ids = prepare(f"{base}/bench_tr_seed", count)
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "bench_tr_plain" TEMPLATE "bench_tr_seed"'))
            conn.execute(text('CREATE DATABASE "bench_tr_orm" TEMPLATE "bench_tr_seed"'))
        floor = orm_floor(f"{base}/bench_tr_orm", ids)
        return {"ours": ours(f"{base}/bench_tr_seed", ids), "floor": floor,
                "plain": plain(f"{base}/bench_tr_plain", f"{base}/bench_tr_seed", ids)}
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(where: str, count: int, got: dict[str, tuple[float, float]]) -> None:
    (took, statements), (least, least_statements), (raw, raw_statements) = got["ours"], got["floor"], got["plain"]
    print(f"persisted transitions, {where}, {count} nonconformities analysed, one transaction each")
    print(f"  ours   {count / took:8.1f}/s  {statements:5.1f} statements each")
    print(f"  floor  {count / least:8.1f}/s  {least_statements:5.1f} statements each "
          "(the same kinds of rows through SQLModel with the audit chain, no use case)")
    print(f"  plain  {count / raw:8.1f}/s  {raw_statements:5.1f} statements each (the same rows, driver only)")
    print(f"  ours / plain throughput: {raw / took:.2f}  (goal ≥ 0.5{', and ≥ 1,000/s' if where == 'SQLite' else ''});"
          f" ours / floor: {least / took:.2f}; floor / plain: {raw / least:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--postgres", help="a PostgreSQL server's admin database URL, to run there as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "seeded.db"
        ids = prepare(f"sqlite:///{base}", args.count)
        shutil.copyfile(base, Path(tmp) / "plain.db")
        shutil.copyfile(base, Path(tmp) / "floor.db")
        got = {"floor": orm_floor(f"sqlite:///{Path(tmp) / 'floor.db'}", ids), "ours": ours(f"sqlite:///{base}", ids)}
        got["plain"] = plain(f"sqlite:///{Path(tmp) / 'plain.db'}", f"sqlite:///{base}", ids)
    report("SQLite", args.count, got)
    if args.postgres:
        report("PostgreSQL", args.count, on_postgres(args.postgres, args.count))


if __name__ == "__main__":
    main()
