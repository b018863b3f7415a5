"""Compliance obligations and their evaluations (9.1)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.org import utcnow


class Obligation(SQLModel, table=True):
    """A law, regulation, standard, ETS duty or stakeholder requirement the enterprise must meet."""

    __table_args__ = (UniqueConstraint("enterprise_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    code: str = Field(max_length=40)
    title: str = Field(max_length=300)
    kind: str = Field(max_length=20)  # law | regulation | standard | ets | stakeholder | other
    clause_id: str = Field(max_length=16)  # 9.1.1a–d: which duty of 9.1.1 it belongs to
    issuer: str = Field(default="", max_length=200)
    reference: str = Field(default="", max_length=200)  # document number, e.g. GB/T 32150-2015
    requirement: str = Field(default="", max_length=4000)
    effective_from: date | None = None
    revision: int = 1  # bumped by every change; evaluations record which one they judged
    active: bool = True
    owner_id: int | None = None  # person.id of who keeps it up to date and re-evaluates it (no key: see 0028)
    created_at: datetime = Field(default_factory=utcnow)


_evaluation_version = Column("version", Integer, nullable=False, default=1)


class ComplianceEvaluation(SQLModel, table=True):
    """One evaluation run: the yearly one, or a re-evaluation after an obligation changed (9.1.2)."""

    __tablename__ = "compliance_evaluation"
    __table_args__ = (UniqueConstraint("enterprise_id", "period"),)
    __mapper_args__ = {"version_id_col": _evaluation_version}
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    period: str = Field(max_length=60)  # "2026" or "change:OB-003:r2"
    trigger: str = Field(max_length=20)  # periodic | obligation_changed | manual
    state: str = Field(default="open", max_length=20)
    version: int = Field(default=1, sa_column=_evaluation_version)
    started_on: date
    completed_on: date | None = None
    summary: str = Field(default="", max_length=4000)


class ComplianceItem(SQLModel, table=True):
    __tablename__ = "compliance_item"
    __table_args__ = (UniqueConstraint("evaluation_id", "obligation_id"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    evaluation_id: int = Field(foreign_key="compliance_evaluation.id", index=True)
    obligation_id: int = Field(foreign_key="obligation.id")
    obligation_revision: int
    result: str = Field(default="pending", max_length=20)  # pending | compliant | noncompliant | not_applicable
    finding: str = Field(default="", max_length=2000)
    evidence: str = Field(default="", max_length=1000)
    evaluator_id: int | None = Field(default=None, foreign_key="person.id")
    evaluated_at: datetime | None = None
    nonconformity_id: int | None = Field(default=None, foreign_key="nonconformity.id")
