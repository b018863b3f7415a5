"""more than one management review in a year: an extraordinary review says why, numbers stay unique per
enterprise, and the yearly review stays one a year

The 2026 table holds an unnamed UNIQUE (enterprise_id, year). PostgreSQL drops it by the name it gave it; SQLite
cannot drop a constraint, so the table is rebuilt (alembic batch), which needs foreign keys off while the old table
is dropped under review_action's references: ``storage.migrate.upgrade`` runs every SQLite upgrade that way and
checks the foreign keys before it commits. The yearly numbers (…-MR-2026-001) are kept as they are.

Revision ID: 0033
Revises: 0036
Create Date: 2026-12-07 01:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0033'
down_revision = '0036'
branch_labels = None
depends_on = None

YEARLY = "reason = ''"
# names the reflected unnamed constraint so the rebuild can leave it out
NAMES = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}


def _reason() -> sa.Column:
    return sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default="")


def _unique_named(conn, columns: list[str]) -> list[str]:
    return [uc["name"] for uc in sa.inspect(conn).get_unique_constraints("management_review")
            if uc["column_names"] == columns and uc["name"]]


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        with op.batch_alter_table("management_review", recreate="always", naming_convention=NAMES) as batch:
            batch.add_column(_reason())
            batch.drop_constraint("uq_management_review_enterprise_id_year", type_="unique")
            batch.create_unique_constraint("uq_management_review_number", ["enterprise_id", "number"])
    else:
        op.add_column("management_review", _reason())
        for name in _unique_named(conn, ["enterprise_id", "year"]):
            op.drop_constraint(name, "management_review", type_="unique")
        op.create_unique_constraint("uq_management_review_number", "management_review", ["enterprise_id", "number"])
    op.create_index("uq_management_review_yearly", "management_review", ["enterprise_id", "year"], unique=True,
                    sqlite_where=sa.text(YEARLY), postgresql_where=sa.text(YEARLY))


def downgrade() -> None:
    conn = op.get_bind()
    extra = conn.execute(sa.text("SELECT count(*) FROM management_review WHERE reason <> ''")).scalar()
    if extra:
        raise RuntimeError(f"{extra} extraordinary management review(s) on record: a year can hold only one review "
                           "before 0033, so the downgrade would lose them")
    op.drop_index("uq_management_review_yearly", "management_review")
    if conn.dialect.name == "sqlite":
        with op.batch_alter_table("management_review", recreate="always") as batch:
            batch.drop_constraint("uq_management_review_number", type_="unique")
            batch.drop_column("reason")
            batch.create_unique_constraint("uq_management_review_enterprise_id_year", ["enterprise_id", "year"])
    else:
        op.drop_constraint("uq_management_review_number", "management_review", type_="unique")
        op.drop_column("management_review", "reason")
        op.create_unique_constraint(None, "management_review", ["enterprise_id", "year"])
