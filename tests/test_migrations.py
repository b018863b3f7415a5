"""The schema comes from committed migrations, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from helpers import ROOT
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage import migrate


def test_migrations_reach_head_and_match_the_models(engine):
    assert migrate.current(engine) == migrate.head()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == [], f"models changed without a migration: {diff}"


def test_create_all_is_only_used_in_tests():
    offenders = [p for pkg in ("steward", "storage", "workflows", "flows", "forms", "accounting")
                 for p in (ROOT / pkg).rglob("*.py") if "create_all(" in p.read_text(encoding="utf-8")]
    assert offenders == []
