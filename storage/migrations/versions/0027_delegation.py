"""delegation while absent: a substitute for a period, tasks handed over with a reason, and 代 on the record

A transition or signature made by a substitute names the person they stood in for (``on_behalf_of``); rows
written before this revision were made by the people themselves and keep NULL.

Revision ID: 0027
Revises: 0024
Create Date: 2026-12-06 22:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0027'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delegation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("substitute_id", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("named_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["substitute_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["named_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("enterprise_id", "person_id", "substitute_id"):
        op.create_index(f"ix_delegation_{column}", "delegation", [column])
    op.create_table(
        "task_handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
        sa.ForeignKeyConstraint(["from_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["to_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_handover_enterprise_id", "task_handover", ["enterprise_id"])
    op.create_index("ix_task_handover_task_id", "task_handover", ["task_id"])
    with op.batch_alter_table("transition_log") as batch:
        batch.add_column(sa.Column("on_behalf_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_transition_log_on_behalf_of", "person", ["on_behalf_of_id"], ["id"])
    with op.batch_alter_table("signature") as batch:
        batch.add_column(sa.Column("on_behalf_of_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("on_behalf_of_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch.create_foreign_key("fk_signature_on_behalf_of", "person", ["on_behalf_of_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("signature") as batch:
        batch.drop_constraint("fk_signature_on_behalf_of", type_="foreignkey")
        batch.drop_column("on_behalf_of_name")
        batch.drop_column("on_behalf_of_id")
    with op.batch_alter_table("transition_log") as batch:
        batch.drop_constraint("fk_transition_log_on_behalf_of", type_="foreignkey")
        batch.drop_column("on_behalf_of_id")
    op.drop_table("task_handover")
    op.drop_table("delegation")
