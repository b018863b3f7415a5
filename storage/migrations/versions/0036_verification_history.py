"""a verification can be corrected: the values it replaced and the reason stay in its history, and a stale form is
refused by its version

Revision ID: 0036
Revises: 0032
Create Date: 2026-12-07 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0036'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ets_verification") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("history", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("ets_verification") as batch:
        batch.drop_column("history")
        batch.drop_column("version")
