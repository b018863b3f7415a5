"""Real databases for every test: a SQLite file and a throwaway PostgreSQL cluster.

Database-backed tests take the ``db_url`` fixture and run once per backend. The PostgreSQL
cluster is started once per session from the Debian binaries (``.ci/run`` installs them), or
taken from ``CS_TEST_PG_URL`` when a developer has one running.
"""

from __future__ import annotations

import fcntl
import functools
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable
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


# Test files that take a minute or more, run first: two workers (`.ci/run`) then finish together instead of one
# waiting while the other reads every page of the lived demo at the end.
SLOW_FIRST = ("test_words_not_codes.py", "test_browser.py", "test_prefect_server.py", "test_bench.py",
              "test_flows.py", "test_demo_year.py", "test_backup.py", "test_credentials.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: SLOW_FIRST.index(item.path.name) if item.path.name in SLOW_FIRST else len(SLOW_FIRST))


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
def _migrate(url: str) -> None:
    eng = make_engine(url, AUDIT_KEY.encode())
    migrate.upgrade(eng)
    eng.dispose()


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


def once_per_run(tmp_path_factory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder made once per run and shared by every pytest-xdist worker: the first worker to need it makes it
    while the others wait on a lock, then each copies from it (its own copy is what a test may change)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's own temporary folder, above each worker's
    folder = root / f"shared-{name}"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".made").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / ".made").touch()
    return folder


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory) -> Path:
    """The demo seeded once per run into a file that tests copy (seeding takes seconds; a copy, none)."""
    return once_per_run(tmp_path_factory, "seeded", lambda d: _seed(f"sqlite:///{d / 'seeded.db'}")) / "seeded.db"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """An empty database at the newest revision, made once per run for tests to copy: running the 30-odd
    migrations costs a second or more per test, a copy none."""
    return once_per_run(tmp_path_factory, "migrated", lambda d: _migrate(f"sqlite:///{d / 'migrated.db'}")) / "migrated.db"


def _live(home: Path) -> None:
    from steward import demo
    from storage.files import FileStore
    keep_audit_key(home)
    eng = make_engine(f"sqlite:///{home / 'steward.db'}", AUDIT_KEY.encode())
    migrate.upgrade(eng)
    with unit_of_work(eng, "demo-seed") as session:
        assert demo.seed(session, FileStore(home / "files")).created
    eng.dispose()


@pytest.fixture(scope="session")
def lived_home(tmp_path_factory) -> Callable[[Path], Path]:
    """`steward demo` as a newcomer runs it (the organisation, three years of data and the lived year), made once
    per run: given a folder, copies that installation's home (database, kept files, audit key) into it."""
    made = once_per_run(tmp_path_factory, "lived", _live)

    def copy(home: Path) -> Path:
        shutil.copytree(made, home, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".made"))
        return home
    return copy


def _pg_template(pg_server: str, prefix: str, make) -> str:
    name = f"{prefix}{os.getpid()}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    make(pg_server.rsplit("/", 1)[0] + "/" + name)
    return name


@pytest.fixture(scope="session")
def seeded_pg_template(pg_server) -> str:
    return _pg_template(pg_server, "seed", _seed)


@pytest.fixture(scope="session")
def migrated_pg_template(pg_server) -> str:
    return _pg_template(pg_server, "migrated", _migrate)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database of each backend; already seeded with the demo when the test asks for ``plant``, and
    already migrated (copied from a per-session template) when it asks for ``engine``, which would migrate it."""
    seeded = "plant" in request.fixturenames
    migrated = not seeded and "engine" in request.fixturenames
    keep_audit_key(tmp_path / "home")
    if request.param == "sqlite":
        if seeded or migrated:
            shutil.copyfile(request.getfixturevalue("seeded_sqlite" if seeded else "migrated_sqlite"),
                            tmp_path / "steward.db")
        yield f"sqlite:///{tmp_path / 'steward.db'}"
        return
    admin_url = request.getfixturevalue("pg_server")
    template = (f' TEMPLATE "{request.getfixturevalue("seeded_pg_template")}"' if seeded else
                f' TEMPLATE "{request.getfixturevalue("migrated_pg_template")}"' if migrated else "")
    name = f"t{os.getpid()}_{next(_db_numbers)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
    yield admin_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@functools.cache
def _alembic_head() -> str:
    return migrate.alembic_head()


@pytest.fixture
def engine(db_url):
    """A migrated database, as `steward db upgrade` leaves it (``db_url`` copied it from a migrated template, so
    the upgrade runs only when the database is behind: loading Alembic's scripts for nothing costs 0.3 s a test)."""
    eng = make_engine(db_url, AUDIT_KEY.encode())
    if migrate.current(eng) != _alembic_head():
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
