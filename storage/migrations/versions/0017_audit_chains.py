"""the audit log chained per enterprise: a chain and a place in it for every new entry, a tip per chain,
and (on PostgreSQL) a sequence for the log's global order, so enterprises append without waiting for each
other. Entries written before stay in the one chain they were written in, with its tip in audit_head.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 22:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("chain", sa.Integer(), nullable=True))
    op.add_column("audit_log", sa.Column("chain_seq", sa.Integer(), nullable=True))
    op.create_index("uq_audit_log_chain_seq", "audit_log", ["chain", "chain_seq"], unique=True)
    op.create_table("audit_chain",
                    sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column("seq", sa.Integer(), nullable=False),
                    sa.Column("hash", sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint("chain"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE audit_log_seq")
        op.execute("SELECT setval('audit_log_seq', (SELECT coalesce(max(seq), 0) + 1 FROM audit_log), false)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE audit_log_seq")
    op.drop_table("audit_chain")
    op.drop_index("uq_audit_log_chain_seq", "audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("chain_seq")
        batch.drop_column("chain")
