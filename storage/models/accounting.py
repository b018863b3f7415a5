"""The enterprise's own measured factors and frozen accounting runs (6.1)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from storage.models.org import utcnow


class EnterpriseFactor(SQLModel, table=True):
    """A value the enterprise determined itself (e.g. coal NCV from its lab), overriding the default."""

    __tablename__ = "enterprise_factor"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    parameter: str = Field(max_length=40)
    material: str = Field(max_length=60)
    value: float
    unit: str = Field(max_length=30)
    valid_from: date
    valid_to: date | None = None
    evidence: str = Field(max_length=500)
    recorded_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)


class AccountingRun(SQLModel, table=True):
    """A year's accounting as computed then: totals and lines frozen with the factor library version,
    so a later change of a default never rewrites a reported figure."""

    __tablename__ = "accounting_run"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    year: int
    grid: str = Field(default="national", max_length=20)
    library_version: str = Field(max_length=32)
    data_sha256: str = Field(max_length=64, index=True)  # lines and factors: an unchanged rerun reuses the run
    totals: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    lines: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
