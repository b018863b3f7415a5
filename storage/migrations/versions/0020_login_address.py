"""each sign-in attempt keeps the client address it came from, so failures are counted per address as well

Attempts made before this revision have no address and count towards no address's throttle. 

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_attempt") as batch:
        batch.add_column(sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.create_index(batch.f("ix_login_attempt_address"), ["address"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_attempt") as batch:
        batch.drop_index(batch.f("ix_login_attempt_address"))
        batch.drop_column("address")
