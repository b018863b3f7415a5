"""steel, cement and aluminium months of January–June 2025 were filled in together by 31 October 2025 (their sector's
monthly start, accounting/data/ets_monthly_start.tsv): packages opened before the rule was data keep 40 days after
each month's end, so they are given the catch-up date

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07 06:00:00
"""
from alembic import op


revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None

# the rule as it stood when this revision was written (a migration does not read data files that may change later)
SECTORS = ("cement", "steel", "aluminium")


def upgrade() -> None:
    op.execute(
        "UPDATE ets_month SET deadline = '2025-10-31' "
        "WHERE month >= '2025-01-01' AND month <= '2025-06-01' AND enterprise_id IN ("
        f"SELECT enterprise_id FROM ets_profile WHERE sector IN ({', '.join(repr(s) for s in SECTORS)}))")


def downgrade() -> None:
    pass  # the earlier deadlines were wrong; nothing to restore
