"""every stateful record keeps its lifecycle state in a column named state

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 17:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

RENAMED = (("data_anomaly", "status"), ("improvement", "status"), ("reduction_measure", "stage"))
ADDED = ("corrective_action", "review_action")


def upgrade() -> None:
    for table, old in RENAMED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(old, new_column_name="state")
    for table in ADDED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False,
                                       server_default="open"))
        op.execute(f"UPDATE {table} SET state = 'done' WHERE done_on IS NOT NULL")


def downgrade() -> None:
    for table in ADDED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("state")
    for table, old in RENAMED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("state", new_column_name=old)
