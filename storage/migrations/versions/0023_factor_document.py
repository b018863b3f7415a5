"""each enterprise may keep on record the document whose default factors it reports under (GB/T 32150-2015 or
GB/T 32151.34-2024 where they disagree), with its reason; no row means the library's default order, as before

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-06 22:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0023'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "factor_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("document", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("chosen_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("chosen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enterprise_id"),
    )


def downgrade() -> None:
    op.drop_table("factor_document")
