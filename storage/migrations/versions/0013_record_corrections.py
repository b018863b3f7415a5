"""a kept record carries its corrections: who changed what, when and why

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 15:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("form_record", sa.Column("corrections", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("form_record") as batch:
        batch.drop_column("corrections")
