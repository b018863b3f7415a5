"""each revision keeps its own metadata; a draft made by revising keeps the readers of the revision before it;
a document keeps the outcome of its last periodic review

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 11:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

FIELDS = ("title", "owner_id", "access", "access_roles", "retention_years", "review_interval_months", "clause_ids")


def upgrade() -> None:
    with op.batch_alter_table("revision") as batch:
        batch.add_column(sa.Column("meta", sa.JSON(), nullable=True))
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("last_review_note", sa.String(length=500), nullable=False, server_default=""))
    bind = op.get_bind()
    document = sa.table("document", sa.column("id"), *(sa.column(f, sa.JSON() if f in ("access_roles", "clause_ids")
                                                               else None) for f in FIELDS))
    revision_t = sa.table("revision", sa.column("id"), sa.column("document_id"), sa.column("rev"),
                          sa.column("state"), sa.column("enterprise_id"), sa.column("meta", sa.JSON()))
    distribution = sa.table("distribution", sa.column("enterprise_id"), sa.column("document_id"),
                            sa.column("revision_id"), sa.column("person_id"))
    for doc in bind.execute(sa.select(document)).mappings():
        meta = {f: doc[f] for f in FIELDS}
        bind.execute(revision_t.update().where(revision_t.c.document_id == doc["id"]).values(meta=meta))
    revs = bind.execute(sa.select(revision_t).order_by(revision_t.c.document_id, revision_t.c.rev)).mappings().all()
    before = {}
    for rev in revs:  # a draft revised before now had no readers of its own: give it its predecessor's
        prior = before.get(rev["document_id"])
        before[rev["document_id"]] = rev
        if prior is None or rev["state"] not in ("draft", "in_review", "reviewed", "approved"):
            continue
        if bind.execute(sa.select(sa.func.count()).select_from(distribution)
                        .where(distribution.c.revision_id == rev["id"])).scalar():
            continue
        people = bind.execute(sa.select(distribution.c.person_id).where(
            distribution.c.revision_id == prior["id"])).scalars().all()
        if people:
            bind.execute(distribution.insert(), [{"enterprise_id": rev["enterprise_id"], "document_id": rev["document_id"],
                                                  "revision_id": rev["id"], "person_id": p} for p in people])
    # left nullable: on SQLite making it NOT NULL would rebuild the table, which its foreign keys forbid


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.drop_column("last_review_note")
    with op.batch_alter_table("revision") as batch:
        batch.drop_column("meta")
