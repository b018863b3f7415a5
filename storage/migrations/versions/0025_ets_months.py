"""the national carbon market's monthly cycle: the enterprise's profile on the list, each month's package and its
evidence files

Revision ID: 0025
Revises: 0022
Create Date: 2026-12-06 22:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0025'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "ets_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("sector", text(length=20), nullable=False),
        sa.Column("listed_from", sa.Integer(), nullable=False),
        sa.Column("deadline_days", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("updated_by", text(length=120), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enterprise_id"),
    )
    op.create_table(
        "ets_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("state", text(length=20), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("entered", sa.JSON(), nullable=False),
        sa.Column("submitted_values", sa.JSON(), nullable=False),
        sa.Column("submitted_by", text(length=120), nullable=False),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("receipt", text(length=80), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enterprise_id", "month"),
    )
    op.create_index("ix_ets_month_enterprise_id", "ets_month", ["enterprise_id"])
    op.create_index("ix_ets_month_deadline", "ets_month", ["deadline"])
    op.create_table(
        "ets_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("month_id", sa.Integer(), nullable=False),
        sa.Column("item", text(length=40), nullable=False),
        sa.Column("kind", text(length=30), nullable=False),
        sa.Column("file_name", text(length=200), nullable=False),
        sa.Column("sha256", text(length=64), nullable=False),
        sa.Column("media_type", text(length=120), nullable=False),
        sa.Column("uploaded_by", text(length=120), nullable=False),
        sa.Column("uploaded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["month_id"], ["ets_month.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ets_evidence_enterprise_id", "ets_evidence", ["enterprise_id"])
    op.create_index("ix_ets_evidence_month_id", "ets_evidence", ["month_id"])


def downgrade() -> None:
    op.drop_table("ets_evidence")
    op.drop_table("ets_month")
    op.drop_table("ets_profile")
