"""the annual emission report's 31 March task is a yearly duty too: one per carbon manager and data year, kept by
the database like the others (the partial unique index of migration 0018 now names it)

Revision ID: 0035
Revises: 0033
Create Date: 2026-12-07 01:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0035'
down_revision = '0033'
branch_labels = None
depends_on = None

BEFORE = "lifecycle IN ('training_plan', 'objective_review', 'surrender') AND status <> 'cancelled'"
AFTER = "lifecycle IN ('training_plan', 'objective_review', 'surrender', 'ets_report') AND status <> 'cancelled'"


def _index(where: str) -> None:
    op.drop_index("uq_task_yearly_duty", "task")
    op.create_index("uq_task_yearly_duty", "task", ["enterprise_id", "lifecycle", "entity_id", "assignee_id"],
                    unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade() -> None:
    _index(AFTER)  # no report task was given before this revision, so none can be a duplicate


def downgrade() -> None:
    _index(BEFORE)
