"""Controlled documents (7.5), their revisions, distribution, and form-driven records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.org import utcnow


class Document(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("enterprise_id", "number"), UniqueConstraint("id", "enterprise_id"))
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    number: str = Field(max_length=40)  # e.g. JYCEM-PR-003
    doc_type: str = Field(max_length=20)
    title: str = Field(max_length=300)
    owner_id: int | None = Field(default=None, foreign_key="person.id")
    access: str = Field(default="internal", max_length=20)  # public | internal | restricted (7.5.2 d)
    access_roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    retention_years: int = 5
    review_interval_months: int = 12
    next_review_due: date | None = None
    last_review_note: str = Field(default="", max_length=500)  # when the periodic review found it still fit, and why
    clause_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    disposed_on: date | None = None
    disposal_note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


_version = Column("version", Integer, nullable=False, default=1)


class Revision(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("document_id", "rev"),
        ForeignKeyConstraint(["document_id", "enterprise_id"], ["document.id", "document.enterprise_id"]),
        Index("ix_revision_document_rev_state", "document_id", "rev", "state"),  # the list's newest and in force
    )
    __mapper_args__ = {"version_id_col": _version}
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    document_id: int
    rev: int
    state: str = Field(default="draft", max_length=30)
    version: int = Field(default=1, sa_column=_version)
    file_sha256: str | None = Field(default=None, max_length=64)
    file_name: str = Field(default="", max_length=200)
    media_type: str = Field(default="", max_length=120)
    change_summary: str = Field(default="", max_length=2000)
    author_id: int | None = Field(default=None, foreign_key="person.id")
    effective_date: date | None = None
    # what this revision says of the document (title, owner, access…): a draft's proposal until it is issued
    meta: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class Distribution(SQLModel, table=True):
    """Who must read a document (5.2.2 宣贯), and when they acknowledged which revision."""

    __table_args__ = (UniqueConstraint("revision_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    document_id: int = Field(foreign_key="document.id")
    revision_id: int = Field(foreign_key="revision.id")
    person_id: int = Field(foreign_key="person.id")
    acknowledged_at: datetime | None = None


class FormRecord(SQLModel, table=True):
    """A record of the guideline's long tail, validated against its schema in ``forms.records``."""

    __tablename__ = "form_record"
    __table_args__ = (Index("ix_form_record_listed", "enterprise_id", "form", "recorded_on", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    form: str = Field(max_length=40, index=True)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    clause_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    file_sha256: str | None = Field(default=None, max_length=64)
    recorded_on: date
    retain_until: date
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    # each correction: {"at", "by", "reason", "before": {field: value}} — a record is evidence, so it is
    # corrected in the open, never silently rewritten
    corrections: list[dict] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
