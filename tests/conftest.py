"""Real databases for every test: a SQLite file and a throwaway PostgreSQL cluster.

Database-backed tests take the ``db_url`` fixture and run once per backend. The PostgreSQL
cluster is started once per session from the Debian binaries (``.ci/run`` installs them), or
taken from ``CS_TEST_PG_URL`` when a developer has one running.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from helpers import AUDIT_KEY, keep_audit_key
from sqlalchemy import create_engine, text

from storage import migrate
from storage.engine import make_engine, unit_of_work

ROOT = Path(__file__).resolve().parent.parent
for key in [k for k in os.environ if k.startswith("STEWARD_")]:
    del os.environ[key]  # a developer's own settings must not leak into tests
# Prefect runs offline against its own throwaway home (ENVIRONMENT.md); set before anything imports it.
for key in [k for k in os.environ if k.startswith("PREFECT_")]:
    del os.environ[key]
os.environ.update(PREFECT_HOME=tempfile.mkdtemp(prefix="steward-prefect-"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
                  DO_NOT_TRACK="1", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="90",
                  PREFECT_LOGGING_LEVEL="WARNING")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def prefect_harness():
    """Prefect's own test harness: a temporary API for real flow runs, started once a session."""
    from prefect.testing.utilities import prefect_test_harness
    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(scope="session")
def pg_server():
    """URL of a PostgreSQL server admin database, started for this session when needed."""
    if os.environ.get("CS_TEST_PG_URL"):
        yield os.environ["CS_TEST_PG_URL"]
        return
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = bins[-1] if bins else shutil.which("initdb")
    if not initdb:
        pytest.fail("PostgreSQL is not installed: run `bash .ci/run` once (it installs the postgresql package)")
    bindir = Path(initdb).parent
    root = Path(tempfile.mkdtemp(prefix="steward-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    port = _free_port()
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                 "--no-sync", "-E", "UTF8", "--locale=C"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"),
                                 "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                                       "-c synchronous_commit=off -c full_page_writes=off",
                                 "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


_db_numbers = itertools.count(1)
def _seed(url: str) -> None:
    from steward import demo
    eng = make_engine(url, AUDIT_KEY.encode())
    migrate.upgrade(eng)
    with unit_of_work(eng, "demo-seed") as session:
        demo.seed(session)
    eng.dispose()


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's chromium for Playwright, without the background traffic this closed network refuses."""
    return {"executable_path": "/usr/bin/chromium",
            "args": ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync"]}


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory) -> Path:
    """The demo seeded once per session into a file that tests copy (seeding takes seconds; a copy, none)."""
    path = tmp_path_factory.mktemp("seed") / "seeded.db"
    _seed(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def seeded_pg_template(pg_server) -> str:
    name = f"seed{os.getpid()}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    _seed(pg_server.rsplit("/", 1)[0] + "/" + name)
    return name


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database of each backend; already seeded with the demo when the test asks for ``plant``."""
    seeded = "plant" in request.fixturenames
    keep_audit_key(tmp_path / "home")
    if request.param == "sqlite":
        if seeded:
            shutil.copyfile(request.getfixturevalue("seeded_sqlite"), tmp_path / "steward.db")
        yield f"sqlite:///{tmp_path / 'steward.db'}"
        return
    admin_url = request.getfixturevalue("pg_server")
    template = f' TEMPLATE "{request.getfixturevalue("seeded_pg_template")}"' if seeded else ""
    name = f"t{os.getpid()}_{next(_db_numbers)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
    yield admin_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(db_url):
    """A migrated database, as `steward db upgrade` leaves it."""
    eng = make_engine(db_url, AUDIT_KEY.encode())
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def uow(engine):
    """Open a unit of work as a named user: ``with uow("alice") as s: ...``."""
    return lambda actor="alice": unit_of_work(engine, actor)


@pytest.fixture
def steward_env(tmp_path, db_url):
    """Environment for running the real `steward` command against this test's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update(STEWARD_HOME=str(tmp_path / "home"), STEWARD_DATABASE_URL=db_url)
    return env


@pytest.fixture
def plant(uow):
    """The demo group seeded (``db_url`` copies it from a per-session template): 晋岩水泥 (JYCEM) with
    people in every role, three years of data, obligations, measured factors, 2025 accounted."""
    return uow


@pytest.fixture
def store(tmp_path):
    from storage.files import FileStore
    return FileStore(tmp_path / "files")


@pytest.fixture
def web(plant, db_url, tmp_path):
    """The web application on this test's database, as the TestClient of a person not yet signed in."""
    from fastapi.testclient import TestClient

    from steward.context import Context
    from steward.settings import load
    from steward.web.app import create_app
    ctx = Context(load({"STEWARD_HOME": str(tmp_path / "home"), "STEWARD_DATABASE_URL": db_url}))
    return TestClient(create_app(ctx))


@pytest.fixture
def in_progress(plant, engine):
    """January and February 2026 entered and accounted on the demo plant, with the figures to compare them
    with computed line by line: the same months of 2025 and of the 2023 base year, and 2023 whole."""
    from helpers import months_of, year_in_progress
    from sqlmodel import Session

    from storage.models import AccountingRun
    run_id = year_in_progress(plant)
    with Session(engine) as s:
        now = s.get(AccountingRun, run_id).totals["enterprise"]["total"]
        return {"run": run_id, "now": now, "last": months_of(s, 2025), "base": months_of(s, 2023),
                "base_year": months_of(s, 2023, range(1, 13))}
