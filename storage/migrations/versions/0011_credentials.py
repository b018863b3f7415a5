"""credential lifecycle: forced password change, session version, token expiry

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 17:35:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("session_version")
        batch.drop_column("must_change_password")
