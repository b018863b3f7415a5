"""Objectives and targets (6.4): each measured against a baseline, with its implementation plan (6.4.4)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.org import utcnow


class Objective(SQLModel, table=True):
    """A target at one level (enterprise, a process or a facility) for total emissions or an intensity."""

    __table_args__ = (UniqueConstraint("enterprise_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    number: str = Field(max_length=40)
    title: str = Field(max_length=300)
    clause_id: str = Field(default="6.4.1b", max_length=16)  # 6.4.1a–e or 6.4.2a–d
    parent_id: int | None = Field(default=None, foreign_key="objective.id")  # a target decomposes an objective
    level: str = Field(max_length=12)  # enterprise | process | facility
    scope: str = Field(default="", max_length=40)  # process or facility code
    metric: str = Field(max_length=40)  # total | intensity:<product>
    baseline_id: int = Field(foreign_key="baseline.id")
    target_year: int
    reduction_pct: float
    owner_id: int | None = Field(default=None, foreign_key="person.id")
    plan: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # 6.4.4 a–f
    status: str = Field(default="active", max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    reviewed_on: date | None = None
