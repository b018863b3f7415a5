"""a daily count of clause items with evidence present, stale and missing

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 15:55:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "readiness_snapshot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("stale", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.UniqueConstraint("enterprise_id", "on"),
    )
    op.create_index("ix_readiness_snapshot_enterprise_id", "readiness_snapshot", ["enterprise_id"])


def downgrade() -> None:
    op.drop_index("ix_readiness_snapshot_enterprise_id", table_name="readiness_snapshot")
    op.drop_table("readiness_snapshot")
