"""the outbox's claim reads an index of the messages still owed, not every message ever sent

The old index on next_attempt_at alone held every sent message too (their time is past, so each matched the
claim's range and was read to be rejected): a dispatch slowed as sent messages piled up. The partial index
holds only pending messages, on both databases.

Revision ID: 0030
Revises: 0023
Create Date: 2026-12-06 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0023'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.drop_index("ix_outbox_next_attempt_at", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", ["next_attempt_at", "id"], unique=False,
                    sqlite_where=PENDING, postgresql_where=PENDING)
    op.create_index("ix_outbox_enterprise_status", "outbox", ["enterprise_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_enterprise_status", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index("ix_outbox_next_attempt_at", "outbox", ["next_attempt_at"], unique=False)
