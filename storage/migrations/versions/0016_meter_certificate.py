"""the certificate of a meter's latest calibration

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 20:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("meter", sa.Column("last_certificate", sa.String(length=120), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("meter") as batch:
        batch.drop_column("last_certificate")
