"""an accounting run keeps when it was last found to stand: a re-run over changed data that gives the same figures
confirms the run (``checked_at``) rather than adding a duplicate, so the run is no longer shown as out of date

Revision ID: 0022
Revises: 0030
Create Date: 2026-12-06 22:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0022'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounting_run") as batch:
        batch.add_column(sa.Column("checked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounting_run") as batch:
        batch.drop_column("checked_at")
