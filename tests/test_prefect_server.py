"""A province on a real Prefect server: the app on PostgreSQL, a Prefect server and a process worker started
here, the installation's one deployment set deployed with `steward schedule deploy`, runs started with
`steward schedule trigger` as an administrator would, and what landed read back from both databases."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from helpers import AUDIT_KEY, keep_audit_key, run_steward
from sqlalchemy import create_engine, text
from sqlmodel import Session, func, select

from storage import migrate
from storage.engine import make_engine, unit_of_work
from storage.models import AccountingRun, ActivityRecord, Enterprise, Person, RoleAssignment, Task

ENTERPRISES = 24
BAD = "P-BAD"
SMTP = "mailtos://carbon:Sm7p-S3cret@127.0.0.1:2525?from=carbon@example.com"  # must never reach the server
PREFECT = Path(sys.executable).with_name("prefect")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(url: str) -> None:
    """A few dozen enterprises, each with a carbon manager and a year of diesel; one has a fuel nobody knows."""
    engine = make_engine(url, AUDIT_KEY.encode())
    migrate.upgrade(engine)
    with unit_of_work(engine, "test-seed") as s:
        for n in range(ENTERPRISES):
            code = BAD if n == 7 else f"P{n:03d}"
            ent = Enterprise(code=code, name_zh=f"测试企业 {n}", industry="cement")
            s.add(ent)
            s.flush()
            person = Person(enterprise_id=ent.id, code=f"E{n:03d}", name=f"管理员{n}")
            s.add(person)
            s.flush()
            s.add(RoleAssignment(enterprise_id=ent.id, person_id=person.id, role="carbon_manager"))
            for month in range(1, 13):
                s.add(ActivityRecord(enterprise_id=ent.id, period=date(2025, month, 1), category="fuel_combustion",
                                     material="unobtainium" if code == BAD and month == 6 else "diesel",
                                     quantity=10.0 + month, unit="t"))
    engine.dispose()


@pytest.fixture(scope="module")
def province(pg_server, tmp_path_factory):
    """The app's PostgreSQL database, a Prefect server with a process work pool, and one worker on it."""
    root = tmp_path_factory.mktemp("province")
    name = f"province{os.getpid()}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    app_url = pg_server.rsplit("/", 1)[0] + "/" + name
    _seed(app_url)
    api = f"http://127.0.0.1:{_port()}/api"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "STEWARD_"))}
    prefect_env = {**base, "PREFECT_HOME": str(root / "prefect"), "PREFECT_API_URL": api, "DO_NOT_TRACK": "1",
                   "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    server = subprocess.Popen([str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port",
                               api.split(":")[2].split("/")[0]], env=prefect_env, cwd=root,
                              stdout=open(root / "server.log", "w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, (root / "server.log").read_text()[-3000:]
            time.sleep(0.5)
        deployer = {**prefect_env, "STEWARD_HOME": str(root / "deployer"), "STEWARD_DATABASE_URL": app_url,
                    "STEWARD_SMTP_URL": SMTP}
        # the worker has the installed package and its own settings; it runs in a folder with no checkout in it
        keep_audit_key(root / "worker-home")  # a copy of the installation's key: the worker's writes are keyed
        worker_env = {**prefect_env, "STEWARD_DATABASE_URL": app_url, "STEWARD_SMTP_URL": SMTP,
                      "STEWARD_HOME": str(root / "worker-home"),
                      "STEWARD_FLOW_BATCH_SIZE": "8",  # 24 enterprises: two child runs, the last 8 in the run itself
                      "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "5"}
        (root / "worker").mkdir()
        yield {"api": api, "app_url": app_url, "deployer": deployer, "worker_env": worker_env, "root": root,
               "start_worker": lambda: subprocess.Popen(
                   [str(PREFECT), "worker", "start", "--pool", "steward", "--type", "process"], env=worker_env,
                   cwd=root / "worker", stdout=open(root / "worker.log", "w"), stderr=subprocess.STDOUT)}
    finally:
        _stop(server)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _stop(process: subprocess.Popen) -> None:
    """Stop a server or worker: politely first; on a busy CI machine a worker finishing its poll may take longer
    than we wait, and how fast it leaves is not what the test is about."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def _flow_runs(api: str, ids: list[str]) -> list[dict]:
    return httpx.post(f"{api}/flow_runs/filter", json={"flow_runs": {"id": {"any_": ids}}}, timeout=10).json()


def _wait(api: str, ids: list[str], timeout: float = 240) -> list[dict]:
    """The runs started by hand (the crons' own scheduled runs are left to their times)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _flow_runs(api, ids)
        if len(runs) == len(ids) and all(r["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")
                                         for r in runs):
            return runs
        time.sleep(1)
    raise AssertionError(f"flow runs not finished: {[(r['name'], r['state_type']) for r in _flow_runs(api, ids)]}")


def _started(output: str) -> str:
    """The run id `steward schedule trigger` prints."""
    return output.strip().rsplit("(", 1)[1].rstrip(")")


def test_a_province_kicks_off_on_a_prefect_server_with_one_bad_enterprise(province):
    env, api = province["deployer"], province["api"]
    missing = run_steward(["schedule", "deploy", "--pool", "steward"], env, in_process=False)
    assert missing.returncode == 2 and "prefect work-pool create steward" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1  # one line, no traceback
    assert httpx.post(f"{api}/deployments/filter", json={}, timeout=10).json() == []  # nothing deployed half-way
    subprocess.run([str(PREFECT), "work-pool", "create", "steward", "--type", "process"], env=env, check=True,
                   capture_output=True, timeout=60)
    flow = httpx.post(f"{api}/flows/", json={"name": "accounting"}, timeout=10).json()  # an earlier version's
    httpx.post(f"{api}/deployments/", json={"name": "accounting-P001", "flow_id": flow["id"]}, timeout=10)
    deployed = run_steward(["schedule", "deploy", "--pool", "steward", "--prune"], env, check=True, in_process=False)
    yearly = ["audit-programme", "compliance-evaluation", "management-review", "accounting", "accounting-yearly",
              "yearly-planning", "daily-tasks", "ets-month"]
    assert deployed.stdout.count("deployed") == 17 and "removed accounting/accounting-P001" in deployed.stdout
    assert sorted(d["name"] for d in httpx.post(f"{api}/deployments/filter", json={}, timeout=10).json()) == sorted(
        [*yearly, *(f"{n}-batch" for n in yearly), "outbox-dispatch"])

    unknown = run_steward(["schedule", "trigger", "accounting", "-e", "NOSUCH"], env, in_process=False)
    assert unknown.returncode == 2 and "NOSUCH" in unknown.stderr
    first = run_steward(["schedule", "trigger", "accounting", "--year", "2025"], env, check=True, in_process=False)
    ids = [_started(first.stdout)]
    twice = [subprocess.Popen([sys.executable, "-m", "steward", "schedule", "trigger", "yearly-planning", "--year",
                               "2031"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    ids += [_started(p.communicate(timeout=120)[0]) for p in twice]
    worker = province["start_worker"]()
    try:
        runs = _wait(api, ids)
    finally:
        _stop(worker)

    by_flow: dict = {}
    for r in runs:
        by_flow.setdefault(r["parameters"].get("year"), []).append(r)
    [accounting] = by_flow[2025]
    assert accounting["state_type"] == "FAILED" and BAD in accounting["state"]["message"]  # named, in the run's state
    assert [r["state_type"] for r in by_flow[2031]] == ["COMPLETED", "COMPLETED"]
    children = httpx.post(f"{api}/flow_runs/filter", json={"flow_runs": {"parent_task_run_id": {"is_null_": False}}},
                          timeout=10).json()
    batches = sorted(tuple(c["parameters"]["enterprises"]) for c in children if c["parameters"].get("year") == 2025)
    assert [len(b) for b in batches] == [8, 8] and sorted(sum(batches, ())) == sorted(  # fanned out to the pool
        [BAD, *(f"P{n:03d}" for n in range(ENTERPRISES) if n != 7)])[:16]  # and the last batch done in the run
    assert sorted(c["state_type"] for c in children if c["parameters"].get("year") == 2025) == [
        "COMPLETED", "FAILED"]  # only the bad enterprise's batch failed
    runs = [*runs, *children]

    engine = make_engine(province["app_url"], AUDIT_KEY.encode())
    with Session(engine) as s:
        accounted = set(s.exec(select(Enterprise.code).join(AccountingRun, AccountingRun.enterprise_id == Enterprise.id)
                               .where(AccountingRun.year == 2025)).all())
        assert accounted == {f"P{n:03d}" for n in range(ENTERPRISES) if n != 7}  # every good one, the bad one not
        per_enterprise = s.exec(select(Task.enterprise_id, func.count()).where(
            Task.lifecycle == "training_plan", Task.entity_id == 2031).group_by(Task.enterprise_id)).all()
        assert len(per_enterprise) == ENTERPRISES and {n for _, n in per_enterprise} == {1}  # two runs, made once
    engine.dispose()

    stored = json.dumps(httpx.post(f"{api}/deployments/filter", json={}, timeout=10).json()) + json.dumps(runs)
    for secret in ("Sm7p-S3cret", "mailtos", province["app_url"], "postgresql"):
        assert secret not in stored
