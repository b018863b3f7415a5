"""Internal audit (9.2): the yearly programme, each audit's plan, its checklist and results."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.org import utcnow


class AuditProgramme(SQLModel, table=True):
    """审核方案: one a year per enterprise, so a scheduled run never makes a second."""

    __tablename__ = "audit_programme"
    __table_args__ = (UniqueConstraint("enterprise_id", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    year: int
    objectives: str = Field(default="", max_length=2000)
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)


_audit_version = Column("version", Integer, nullable=False, default=1)


class InternalAudit(SQLModel, table=True):
    """审核计划 and its outcome: time, method, team, schedule (9.2.2), then the report."""

    __tablename__ = "internal_audit"
    __table_args__ = (UniqueConstraint("enterprise_id", "number"),)
    __mapper_args__ = {"version_id_col": _audit_version}
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    programme_id: int = Field(foreign_key="audit_programme.id", index=True)
    number: str = Field(max_length=40)  # e.g. JYCEM-IA-2026-01
    title: str = Field(max_length=300)
    state: str = Field(default="planned", max_length=30)
    version: int = Field(default=1, sa_column=_audit_version)
    planned_start: date
    planned_end: date
    method: str = Field(default="", max_length=500)
    scope: str = Field(default="", max_length=1000)
    lead_auditor_id: int = Field(foreign_key="person.id")
    # why an audit outside the yearly turn (a major change, a complaint): set for an extraordinary audit only
    reason: str = Field(default="", max_length=500)
    follows_id: int | None = None  # internal_audit.id it was planned from, whose open findings it follows up
    team_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    schedule: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    conclusion: str = Field(default="", max_length=4000)
    report_sha256: str | None = Field(default=None, max_length=64)
    reported_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ChecklistItem(SQLModel, table=True):
    """One clause of the guideline checked in one audit, with its result and evidence links."""

    __tablename__ = "checklist_item"
    __table_args__ = (UniqueConstraint("audit_id", "clause_id"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    audit_id: int = Field(foreign_key="internal_audit.id", index=True)
    position: int
    clause_id: str = Field(max_length=16)
    result: str = Field(default="pending", max_length=20)
    notes: str = Field(default="", max_length=4000)
    # [{"kind": "document"|"record"|"data"|"audit"|"nonconformity"|..., "ref": "...", "label": "..."}]
    evidence: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    auditor_id: int | None = Field(default=None, foreign_key="person.id")
    checked_at: datetime | None = None
    nonconformity_id: int | None = Field(default=None, foreign_key="nonconformity.id")
