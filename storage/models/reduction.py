"""Reduction measures (8.4): identified, prioritised by abatement and cost, planned, tracked, verified."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.org import utcnow

_measure_version = Column("version", Integer, nullable=False, default=1, server_default="1")


class ReductionMeasure(SQLModel, table=True):
    __tablename__ = "reduction_measure"
    __table_args__ = (UniqueConstraint("enterprise_id", "number"),)
    __mapper_args__ = {"version_id_col": _measure_version}  # a concurrent change is refused, not lost
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=1, sa_column=_measure_version)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    number: str = Field(max_length=40)
    title: str = Field(max_length=300)
    scope: str = Field(default="", max_length=40)  # process or facility code
    abatement_t: float  # expected tCO2e per year
    capex: float = 0.0
    opex: float = 0.0  # CNY per year; negative for savings
    lifetime_years: int = 10
    verification: str = Field(max_length=1000)  # how the achieved reduction will be verified (8.4.1 e)
    state: str = Field(default="identified", max_length=20)  # identified | planned | implemented | verified
    owner_id: int | None = Field(default=None, foreign_key="person.id")
    achieved_t: float | None = None
    verified_on: date | None = None
    verification_evidence: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
