"""meter readings come in as files (their rows live in Parquet, one row here per file) and fuel assays are kept

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 22:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "reading_batch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=False),
        sa.Column("batch", S(length=40), nullable=False, unique=True),
        sa.Column("file_name", S(length=200), nullable=False),
        sa.Column("file_sha256", S(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("meters", sa.JSON(), nullable=False),
        sa.Column("months", sa.JSON(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("imported_by", S(length=120), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_reading_batch_enterprise_id", "reading_batch", ["enterprise_id"])
    op.create_table(
        "fuel_assay",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=False),
        sa.Column("material", S(length=60), nullable=False),
        sa.Column("sampled_on", sa.Date(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("ncv", sa.Float(), nullable=False),
        sa.Column("carbon_content", sa.Float(), nullable=False),
        sa.Column("ash", sa.Float(), nullable=True),
        sa.Column("moisture", sa.Float(), nullable=True),
        sa.Column("lab", S(length=200), nullable=False),
        sa.Column("report_name", S(length=200), nullable=False),
        sa.Column("report_sha256", S(length=64), nullable=False),
        sa.Column("recorded_by", S(length=120), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_fuel_assay_enterprise_id", "fuel_assay", ["enterprise_id"])
    op.create_index("ix_fuel_assay_period", "fuel_assay", ["period"])


def downgrade() -> None:
    op.drop_index("ix_fuel_assay_period", table_name="fuel_assay")
    op.drop_index("ix_fuel_assay_enterprise_id", table_name="fuel_assay")
    op.drop_table("fuel_assay")
    op.drop_index("ix_reading_batch_enterprise_id", table_name="reading_batch")
    op.drop_table("reading_batch")
