"""the annual emission report to the authority (the controlled document that carries it, the frozen run behind
it) and its third-party verification, whose verified figure is the year's surrender due

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 01:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ets_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("reported_tco2e", sa.Float(), nullable=True),
        sa.Column("generated_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("generated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["accounting_run.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enterprise_id", "year"),
    )
    op.create_index("ix_ets_report_enterprise_id", "ets_report", ["enterprise_id"])
    op.create_table(
        "ets_verification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("verifier", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=False),
        sa.Column("findings", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("reported_tco2e", sa.Float(), nullable=False),
        sa.Column("verified_tco2e", sa.Float(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enterprise_id", "year"),
    )
    op.create_index("ix_ets_verification_enterprise_id", "ets_verification", ["enterprise_id"])


def downgrade() -> None:
    op.drop_index("ix_ets_verification_enterprise_id", table_name="ets_verification")
    op.drop_table("ets_verification")
    op.drop_index("ix_ets_report_enterprise_id", table_name="ets_report")
    op.drop_table("ets_report")
