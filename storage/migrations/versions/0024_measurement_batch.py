"""a measured value may say the quantity of fuel it stands for (a batch, a delivery), so a power plant's month
of coal is weighted over its batches by quantity, as the MEE power-generation guideline asks

Revision ID: 0024
Revises: 0026
Create Date: 2026-12-06 22:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0024'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enterprise_factor") as batch:
        batch.add_column(sa.Column("batch_quantity", sa.Float(), nullable=True))
        batch.add_column(sa.Column("batch_unit", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enterprise_factor") as batch:
        batch.drop_column("batch_unit")
        batch.drop_column("batch_quantity")
