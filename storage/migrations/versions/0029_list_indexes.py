"""indexes the list pages read by: a revision's state beside its number (the newest revision and the one in
force are found per document from the index alone), form records per form newest first, and nonconformities by
state (the board's open columns and its closed pages)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 22:00:00
"""
from alembic import op


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_revision_document_rev_state", "revision", ["document_id", "rev", "state"])
    op.create_index("ix_form_record_listed", "form_record", ["enterprise_id", "form", "recorded_on", "id"])
    op.create_index("ix_nonconformity_state", "nonconformity", ["enterprise_id", "state", "id"])


def downgrade() -> None:
    op.drop_index("ix_nonconformity_state", "nonconformity")
    op.drop_index("ix_form_record_listed", "form_record")
    op.drop_index("ix_revision_document_rev_state", "revision")
