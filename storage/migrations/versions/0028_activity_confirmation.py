"""maker-checker for activity data: an enterprise may require a carbon manager to confirm what staff enter;
an obligation names its owner; an extraordinary internal audit says why

Rows already on record were counted before this revision and stay counted (``pending`` false); an enterprise without
a rule keeps today's behaviour (staff's data counts at once).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 22:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=False),
        sa.Column("entered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["entered_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_activity_batch_enterprise_id", "activity_batch", ["enterprise_id"])
    # plain ADD COLUMN: rebuilding these tables on SQLite would break the keys that point at them
    op.add_column("activity_record", sa.Column("batch_id", sa.Integer(), nullable=True))
    op.add_column("activity_record", sa.Column("pending", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_activity_record_batch_id", "activity_record", ["batch_id"])
    op.add_column("obligation", sa.Column("owner_id", sa.Integer(), nullable=True))  # who keeps it (9.1)
    # an extraordinary audit says why; an audit planned from last year's names it (plain columns: see above)
    op.add_column("internal_audit", sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                              server_default=""))
    op.add_column("internal_audit", sa.Column("follows_id", sa.Integer(), nullable=True))
    op.create_table(
        "activity_rule",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("confirm_staff_data", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.PrimaryKeyConstraint("enterprise_id"),
    )


def downgrade() -> None:
    op.drop_table("activity_rule")
    with op.batch_alter_table("obligation") as batch:
        batch.drop_column("owner_id")
    with op.batch_alter_table("internal_audit") as batch:
        batch.drop_column("follows_id")
        batch.drop_column("reason")
    with op.batch_alter_table("activity_record") as batch:
        batch.drop_index("ix_activity_record_batch_id")
        batch.drop_column("pending")
        batch.drop_column("batch_id")
    op.drop_table("activity_batch")
