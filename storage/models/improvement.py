"""Nonconformities, their corrective actions (10.2, 10.3) and the improvement register (10.1, 10.4)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.org import utcnow

_nc_version = Column("version", Integer, nullable=False, default=1)


class Nonconformity(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("enterprise_id", "number"), Index("ix_nonconformity_state", "enterprise_id", "state", "id"))
    __mapper_args__ = {"version_id_col": _nc_version}
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    number: str = Field(max_length=40)  # e.g. JYCEM-NC-2026-003
    source: str = Field(max_length=20)  # audit | compliance | review | data | other
    source_ref: str = Field(default="", max_length=120)
    clause_id: str = Field(max_length=16)
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=4000)
    evidence: str = Field(default="", max_length=2000)
    severity: str = Field(default="minor", max_length=10)  # minor | major
    state: str = Field(default="open", max_length=30)
    version: int = Field(default=1, sa_column=_nc_version)
    consequence: str = Field(default="", max_length=2000)  # 10.2 a) evaluation of consequences
    disposition: str = Field(default="", max_length=2000)  # 10.2 a) how they were dealt with
    root_cause: str = Field(default="", max_length=2000)
    similar: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # 10.2 b)
    preventive_measures: str = Field(default="", max_length=2000)
    owner_id: int | None = Field(default=None, foreign_key="person.id")
    due: date | None = None
    effectiveness_note: str = Field(default="", max_length=2000)  # 10.2 d)
    effective: bool | None = None
    reopened: int = 0
    raised_by: str = Field(max_length=120)
    raised_on: date
    closed_on: date | None = None


_action_version = Column("version", Integer, nullable=False, default=1, server_default="1")


class CorrectiveAction(SQLModel, table=True):
    __tablename__ = "corrective_action"
    __mapper_args__ = {"version_id_col": _action_version}  # a concurrent change is refused, not lost
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=1, sa_column=_action_version)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    nonconformity_id: int = Field(foreign_key="nonconformity.id", index=True)
    kind: str = Field(max_length=12)  # correction | corrective | preventive
    description: str = Field(max_length=2000)
    owner_id: int = Field(foreign_key="person.id")
    due: date
    state: str = Field(default="open", max_length=12)  # open | done
    done_on: date | None = None
    result: str = Field(default="", max_length=2000)
    round: int = 0  # which attempt: 0 first, +1 after each reopening


_improvement_version = Column("version", Integer, nullable=False, default=1, server_default="1")


class Improvement(SQLModel, table=True):
    """持续改进登记 (10.1, 10.4): directions found in evaluations, and what came of them."""

    __table_args__ = (UniqueConstraint("enterprise_id", "number"),)
    __mapper_args__ = {"version_id_col": _improvement_version}  # a concurrent change is refused, not lost
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=1, sa_column=_improvement_version)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    number: str = Field(max_length=40)
    source: str = Field(max_length=20)  # audit | review | nonconformity | compliance | suggestion
    source_ref: str = Field(default="", max_length=120)
    clause_id: str = Field(default="10.1", max_length=16)  # 10.1 or 10.4a–d
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=4000)
    owner_id: int | None = Field(default=None, foreign_key="person.id")
    due: date | None = None
    state: str = Field(default="proposed", max_length=20)  # proposed | in_progress | done | dropped
    outcome: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
