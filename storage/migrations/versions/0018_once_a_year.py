"""the database keeps each yearly duty to one task per person and period, and each accounting result to one run

Two overlapping runs of a yearly flow could each give the same duty (earlier versions, before flows took
turns per enterprise). Such duplicates are cancelled here, keeping the first, with an audit entry each, so the
log still explains every row. Duplicate accounting runs are identical frozen results that cannot be changed,
so where an old database holds some, the upgrade says which and leaves that one index out.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 22:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

YEARLY = ("training_plan", "objective_review", "surrender")
WHERE = "lifecycle IN ('training_plan', 'objective_review', 'surrender') AND status <> 'cancelled'"


def upgrade() -> None:
    from storage.audit_log import append
    conn = op.get_bind()
    duplicates = conn.execute(sa.text(
        "SELECT t.id, t.enterprise_id, t.status FROM task t WHERE " + WHERE.replace("lifecycle", "t.lifecycle")
        .replace("status", "t.status") + " AND EXISTS (SELECT 1 FROM task f WHERE f.enterprise_id = t.enterprise_id "
        "AND f.lifecycle = t.lifecycle AND f.entity_id = t.entity_id AND f.assignee_id = t.assignee_id "
        "AND f.status <> 'cancelled' AND f.id < t.id) ORDER BY t.id")).all()
    if duplicates:
        conn.execute(sa.text("UPDATE task SET status = 'cancelled' WHERE id IN (" +
                             ",".join(str(row.id) for row in duplicates) + ")"))
        append(conn, [("system:migration:0018", "update", "task", str(row.id), row.enterprise_id,
                       {"status": row.status}, {"status": "cancelled", "id": row.id}) for row in duplicates])
    op.create_index("uq_task_yearly_duty", "task", ["enterprise_id", "lifecycle", "entity_id", "assignee_id"],
                    unique=True, sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))
    twins = conn.execute(sa.text("SELECT enterprise_id, year, grid, data_sha256, count(*) FROM accounting_run "
                                 "GROUP BY enterprise_id, year, grid, data_sha256 HAVING count(*) > 1")).all()
    if twins:
        print("accounting_run 有重复的冻结结果，未建唯一索引 / identical duplicate accounting runs kept, so their "
              "unique index is left out: " + "; ".join(f"enterprise {r[0]} {r[1]}" for r in twins))
    else:
        op.create_index("uq_accounting_run_result", "accounting_run", ["enterprise_id", "year", "grid", "data_sha256"],
                        unique=True)


def downgrade() -> None:
    op.drop_index("uq_accounting_run_result", "accounting_run", if_exists=True)
    op.drop_index("uq_task_yearly_duty", "task")
