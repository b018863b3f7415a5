"""the enterprise's index on activity_record holds what the totals read (enterprise, pending, facility, month,
category, material, unit, quantity), in the order they read it, so on SQLite reading many enterprise-years walks the
index alone and sorts nothing (PostgreSQL, whose index keeps a row without a facility last, still sorts); it replaces
the index on the enterprise alone, which it begins with

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-07 07:10:00
"""
from alembic import op


revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None

COLUMNS = ["enterprise_id", "pending", "facility_id", "period", "category", "material", "unit", "quantity"]


def upgrade() -> None:
    op.create_index("ix_activity_record_totals", "activity_record", COLUMNS)
    op.drop_index("ix_activity_record_enterprise_id", "activity_record")


def downgrade() -> None:
    op.create_index("ix_activity_record_enterprise_id", "activity_record", ["enterprise_id"])
    op.drop_index("ix_activity_record_totals", "activity_record")
