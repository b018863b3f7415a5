"""Benchmark: the yearly kickoff of a province — the four yearly flows (audit programme, management review,
compliance evaluation, yearly planning) for every enterprise — end to end through a real Prefect server with
one and with two process workers, against the same work as plain functions in one process, each on its own
copy of the same PostgreSQL database.

    python3 -m uv run python bench/kickoff.py --postgres postgresql+psycopg://…/postgres [--enterprises 1000]
        [--batch 500]

Prints the time of each and the ratios. Goal (issue 17): with 2 workers ≤ 1.5× the plain functions, and 2
workers faster than 1. The server's own start and the deployment are not timed; the runs are, from the four
triggers to the last child run's end.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from audit_key import BENCH_KEY, keep

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FLOWS = ("audit-programme", "management-review", "compliance-evaluation", "yearly-planning")
YEAR = 2031
PREFECT = Path(sys.executable).with_name("prefect")


def seed(url: str, enterprises: int) -> None:
    """Enterprises with a carbon manager and top management each (not timed)."""
    from storage import migrate
    from storage.engine import make_engine, unit_of_work
    from storage.models import Enterprise, Person, RoleAssignment
    engine = make_engine(url, BENCH_KEY)
    migrate.upgrade(engine)
    with unit_of_work(engine, "bench-seed") as s:
        for n in range(enterprises):
            ent = Enterprise(code=f"K{n:04d}", name_zh=f"基准企业 {n}", industry="cement")
            s.add(ent)
            s.flush()
            for i, role in enumerate(("carbon_manager", "top_management")):
                person = Person(enterprise_id=ent.id, code=f"E{i}", name=f"人员{n}-{i}")
                s.add(person)
                s.flush()
                s.add(RoleAssignment(enterprise_id=ent.id, person_id=person.id, role=role))
    engine.dispose()


def plain(url: str) -> float:
    """The four flows' plain functions, one after another in this process."""
    from flows import cycles
    from storage.engine import make_engine
    engine = make_engine(url, BENCH_KEY)
    start = time.perf_counter()
    for fn in (cycles.plan_audits, cycles.plan_reviews, cycles.start_compliance, cycles.plan_year):
        fn(engine, YEAR)
    took = time.perf_counter() - start
    engine.dispose()
    return took


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def through_server(url: str, prefect_url: str, workers: int, batch: int, home: Path) -> float:
    """A Prefect server on PostgreSQL, the deployment set, ``workers`` process workers; the four flows triggered
    at once."""
    import httpx
    api = f"http://127.0.0.1:{_port()}/api"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "STEWARD_"))}
    env = {**base, "PREFECT_HOME": str(home / "prefect"), "PREFECT_API_URL": api, "DO_NOT_TRACK": "1",
           "PREFECT_SERVER_DATABASE_CONNECTION_URL": prefect_url,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING",
           "STEWARD_HOME": str(keep(home / "steward")), "STEWARD_DATABASE_URL": url, "STEWARD_FLOW_BATCH_SIZE": str(batch),
           "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "5"}
    logs = open(home / "server.log", "w")
    server = subprocess.Popen([str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port",
                               api.split(":")[2].split("/")[0]], env=env, stdout=logs, stderr=subprocess.STDOUT)
    started: list[subprocess.Popen] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the Prefect server did not start; see " + str(home / "server.log"))
            time.sleep(0.5)
        subprocess.run([str(PREFECT), "work-pool", "create", "steward", "--type", "process"], env=env, check=True,
                       capture_output=True)
        steward = [sys.executable, "-m", "steward", "schedule"]
        subprocess.run([*steward, "deploy", "--pool", "steward"], env=env, check=True, capture_output=True, cwd=ROOT)
        # the same work as the plain functions: the minute's notification delivery (thousands of new tasks' mail)
        # would otherwise start a run of its own each minute on the same cores
        [dispatch] = httpx.post(f"{api}/deployments/filter", json={"deployments": {"name": {"any_": [
            "outbox-dispatch"]}}}, timeout=10).json()
        httpx.post(f"{api}/deployments/{dispatch['id']}/pause_deployment", timeout=10).raise_for_status()
        for i in range(workers):
            started.append(subprocess.Popen([str(PREFECT), "worker", "start", "--pool", "steward", "--name",
                                             f"bench-{i}"], env=env, stdout=open(home / f"worker{i}.log", "w"),
                                            stderr=subprocess.STDOUT, cwd=home))
        time.sleep(5)  # the workers have started polling before the clock starts
        start = time.perf_counter()
        triggers = [subprocess.Popen([*steward, "trigger", name, "--year", str(YEAR)], env=env, cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in FLOWS]
        ids = [t.communicate(timeout=120)[0].strip().rsplit("(", 1)[1].rstrip(")") for t in triggers]
        while True:
            runs = httpx.post(f"{api}/flow_runs/filter", json={"flow_runs": {"id": {"any_": ids}}}, timeout=10).json()
            if all(r["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") for r in runs):
                break
            time.sleep(0.5)
        took = time.perf_counter() - start
        bad = [(r["name"], r["state_type"], r["state"]["message"]) for r in runs if r["state_type"] != "COMPLETED"]
        if bad:
            raise SystemExit(f"runs did not complete: {bad}")
        children = httpx.post(f"{api}/flow_runs/filter", json={"flow_runs": {"parent_task_run_id": {
            "is_null_": False}}, "limit": 200}, timeout=10).json()
        breakdown(runs, children)
        return took
    finally:
        for p in [*started, server]:
            p.terminate()
        for p in [*started, server]:
            p.wait(timeout=60)


def breakdown(parents: list[dict], children: list[dict]) -> None:
    """Where the time went: how long each run waited between being made and running (a worker's poll, the new
    process and its imports) and how long it ran, parents (their own batch, then waiting for their children) and
    children apart."""
    from datetime import datetime

    def at(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    for kind, chosen in (("parent", parents), ("child", children)):
        if not chosen:
            continue
        waited = [(at(r["start_time"]) - at(r["created"])).total_seconds() for r in chosen]
        ran = [r["total_run_time"] for r in chosen]
        print(f"    {len(chosen)} {kind} runs: waited to start {sum(waited) / len(waited):5.1f} s on average "
              f"(max {max(waited):5.1f}), ran {sum(ran) / len(ran):6.1f} s on average, {sum(ran):7.1f} s in all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", required=True, help="an admin URL of a PostgreSQL server")
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=500, help="enterprises per batch (two batches a flow for 1,000)")
    args = parser.parse_args()
    from sqlalchemy import create_engine, text
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    base = args.postgres.rsplit("/", 1)[0]
    names = ["bench_ko_seed", "bench_ko_plain", "bench_ko_w1", "bench_ko_w2", "bench_ko_prefect1", "bench_ko_prefect2"]

    def drop():
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    drop()
    try:
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "bench_ko_seed"'))
        seed(f"{base}/bench_ko_seed", args.enterprises)
        with admin.connect() as conn:
            for name in names[1:4]:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "bench_ko_seed"'))
            for name in names[4:]:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        took_plain = plain(f"{base}/bench_ko_plain")
        timed = {}
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as home:
                prefect_url = f"{base}/bench_ko_prefect{workers}".replace("+psycopg", "+asyncpg")
                timed[workers] = through_server(f"{base}/bench_ko_w{workers}", prefect_url, workers, args.batch,
                                                Path(home))
    finally:
        drop()
        admin.dispose()
    print(f"yearly kickoff, {args.enterprises} enterprises × {len(FLOWS)} flows, batches of {args.batch} "
          f"({date.today()})")
    print(f"  plain functions, one process   {took_plain:8.1f} s")
    for workers, took in timed.items():
        print(f"  Prefect server, {workers} worker{'s' if workers > 1 else ' '}        {took:8.1f} s  "
              f"{took / took_plain:5.2f}x plain")
    print(f"  2 workers / 1 worker: {timed[2] / timed[1]:.2f}  (goal: 2 workers ≤ 1.5x plain, and faster than 1)")


if __name__ == "__main__":
    main()
