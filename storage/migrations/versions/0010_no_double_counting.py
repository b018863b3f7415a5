"""no double counting: one enterprise-level month per source, versions on every stateful record

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 17:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

VERSIONED = ("corrective_action", "review_action", "improvement", "data_anomaly", "reduction_measure")


def upgrade() -> None:
    duplicates = op.get_bind().execute(sa.text(
        "SELECT enterprise_id, period, category, material, count(*) FROM activity_record WHERE facility_id IS NULL "
        "GROUP BY enterprise_id, period, category, material HAVING count(*) > 1")).fetchall()
    if duplicates:  # counted twice already: a person must decide which row stands, not a migration
        listed = "; ".join(f"enterprise {d[0]} {d[1]} {d[2]}/{d[3]} ×{d[4]}" for d in duplicates[:20])
        raise RuntimeError(f"活动数据中有重复的企业级月份，请先删除多余的行 / duplicated enterprise-level months: {listed}")
    op.create_index("uq_activity_month", "activity_record",
                    ["enterprise_id", sa.text("coalesce(facility_id, 0)"), "period", "category", "material"],
                    unique=True)
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
    op.drop_index("uq_activity_month", table_name="activity_record")
