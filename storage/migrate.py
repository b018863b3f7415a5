"""Apply the committed Alembic migrations; the schema never comes from ``create_all``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str:
    found = ScriptDirectory.from_config(_config()).get_current_head()
    if found is None:  # the migrations ship with the package; none means a broken install
        raise RuntimeError("no Alembic migration found")
    return found


def autogenerate(engine: Engine, message: str) -> None:
    """Developer helper: write a new revision from the difference between models and database."""
    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
