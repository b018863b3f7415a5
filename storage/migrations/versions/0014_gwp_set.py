"""an enterprise may keep its own GWP set on record, with the reason

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 15:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("enterprise", sa.Column("gwp_set", sa.String(length=8), nullable=True))
    op.add_column("enterprise", sa.Column("gwp_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enterprise") as batch:
        batch.drop_column("gwp_reason")
        batch.drop_column("gwp_set")
