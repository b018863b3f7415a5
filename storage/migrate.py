"""Apply the committed Alembic migrations; the schema never comes from ``create_all``.

Every command checks the schema before it reads, so that check costs one query and no Alembic import (Alembic,
mako and pygments are a quarter of a second of a command's start): ``HEAD`` names the newest revision, and a test
keeps it equal to the one Alembic finds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0042"  # the newest revision in migrations/versions (tests/test_migrations.py keeps this true)


def _config(connection=None) -> Config:
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """The whole upgrade is one transaction. On SQLite that takes an explicit BEGIN (the driver would otherwise commit
    each DDL statement on its own), and foreign keys are off while it runs, as SQLite's own procedure for rebuilding a
    table asks (the old table is dropped under its children's references, which SQLite would refuse); they are
    checked before the commit, and a dangling reference rolls the upgrade back."""
    from alembic import command
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            command.upgrade(_config(conn), revision)
        return
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")  # the driver leaves BEGIN/COMMIT to us
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction, so before BEGIN
        try:
            conn.exec_driver_sql("BEGIN")
            try:
                command.upgrade(_config(conn), revision)
                if dangling := conn.exec_driver_sql("PRAGMA foreign_key_check").all():
                    raise RuntimeError("the upgrade would leave references to missing rows (table, rowid, parent): "
                                       + "; ".join(f"{r[0]} {r[1]} → {r[2]}" for r in dangling[:20]))
            except BaseException:
                conn.exec_driver_sql("ROLLBACK")
                raise
            conn.exec_driver_sql("COMMIT")
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def current(engine: Engine) -> str | None:
    """The revision the database is at (None for a database never upgraded), read from Alembic's own table."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:  # no such table yet
            return None


def head() -> str:
    return HEAD


def alembic_head() -> str:
    """The newest revision as Alembic finds it from the files."""
    from alembic.script import ScriptDirectory
    found = ScriptDirectory.from_config(_config()).get_current_head()
    if found is None:  # the migrations ship with the package; none means a broken install
        raise RuntimeError("no Alembic migration found")
    return found


def autogenerate(engine: Engine, message: str) -> None:
    """Developer helper: write a new revision from the difference between models and database."""
    from alembic import command
    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
