"""what changed in a year's accounting data is kept beside the change (data_change, one row per transaction, year and
kind), so whether a run still stands reads only its own year's changes after it, and an edited row counts too

Revision ID: 0040
Revises: 0035
Create Date: 2026-12-07 02:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0040'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_data_change_year", "data_change", ["enterprise_id", "year", "seq"])


def downgrade() -> None:
    op.drop_index("ix_data_change_year", "data_change")
    op.drop_table("data_change")
