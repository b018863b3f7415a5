"""each API token has a scope chosen when it is issued: read (read only) or activity (read, and push activity data)

Tokens issued before this revision could push activity data, so they are given the scope "activity" and keep
working exactly as before; a new token states its scope (the column has no default in the database).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 20:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                   server_default="activity"))  # today's tokens keep today's behaviour
    with op.batch_alter_table("api_token") as batch:
        batch.alter_column("scope", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("scope")
