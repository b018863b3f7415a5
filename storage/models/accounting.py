"""The enterprise's own measured factors and frozen accounting runs (6.1)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Integer, UniqueConstraint
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
    # the quantity of fuel the value stands for (a batch): a month of several batches is weighted by it
    batch_quantity: float | None = None
    batch_unit: str | None = Field(default=None, max_length=30)


class FactorDocument(SQLModel, table=True):
    """The document whose default factors the enterprise reports under where documents disagree (GB/T 32150 or a
    sector part), chosen by the carbon manager with the reason on record; no row: the library's default order."""

    __tablename__ = "factor_document"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", unique=True)
    document: str = Field(max_length=40)
    reason: str = Field(max_length=300)
    chosen_by: str = Field(max_length=120)
    chosen_at: datetime = Field(default_factory=utcnow)


class AccountingRun(SQLModel, table=True):
    """A year's accounting as computed then: totals and lines frozen with the factor library version,
    so a later change of a default never rewrites a reported figure."""

    __tablename__ = "accounting_run"
    # the same data and factors give one run, however many runs of the flow meet (migration 0018)
    __table_args__ = (Index("uq_accounting_run_result", "enterprise_id", "year", "grid", "data_sha256", unique=True),)
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
    # the last re-run that found the same data and factors: the run stands as of then (migration 0022)
    checked_at: datetime | None = None


class DataChange(SQLModel, table=True):
    """A transaction's change to what a year's accounting reads (its activity rows, measured values, the factor
    document or GWP set), one row per year and kind, written beside the change: whether a run still stands reads
    only the changes to its own year after it, never the audit log of every year (storage/data_changes.py)."""

    __tablename__ = "data_change"
    __table_args__ = (Index("ix_data_change_year", "enterprise_id", "year", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int
    year: int
    seq: int  # the audit log's place of the change: later than every run it made out of date, earlier than any after
    at: datetime
    kind: str = Field(max_length=20)  # added | changed | removed | measured | remeasured | document | gwp | sector
    rows: int = 1


_anomaly_version = Column("version", Integer, nullable=False, default=1, server_default="1")


class DataAnomaly(SQLModel, table=True):
    """An unusual figure found in the activity data (6.1.3 b): a task until someone confirms or dismisses it."""

    __tablename__ = "data_anomaly"
    __table_args__ = (UniqueConstraint("enterprise_id", "key"),)
    __mapper_args__ = {"version_id_col": _anomaly_version}  # a concurrent change is refused, not lost
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=1, sa_column=_anomaly_version)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    key: str = Field(max_length=200)
    kind: str = Field(max_length=20)  # missing | outlier | intensity | unit_slip
    series: str = Field(max_length=160)
    period: date
    value: float | None = None
    expected: float | None = None
    score: float | None = None
    message_zh: str = Field(max_length=500)
    message_en: str = Field(max_length=500)
    state: str = Field(default="open", max_length=12)  # open | confirmed | dismissed
    note: str = Field(default="", max_length=2000)
    resolved_by: str = Field(default="", max_length=120)
    resolved_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


_baseline_version = Column("version", Integer, nullable=False, default=1)


class Baseline(SQLModel, table=True):
    """碳排放基准 (6.3): base year, emissions and intensity per level; a new one supersedes the old."""

    __table_args__ = (UniqueConstraint("enterprise_id", "number"),)
    __mapper_args__ = {"version_id_col": _baseline_version}
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    number: str = Field(max_length=40)
    state: str = Field(default="proposed", max_length=20)  # proposed | active | superseded | rejected
    version: int = Field(default=1, sa_column=_baseline_version)
    base_year: int
    trigger: str = Field(default="initial", max_length=30)  # initial or a 6.3.2 reason
    reason: str = Field(default="", max_length=2000)
    # {"enterprise": {...totals}, "processes": {...}, "facilities": {...}, "intensity": {...}}
    figures: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    library_version: str = Field(max_length=32)
    proposed_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)


class DqPlan(SQLModel, table=True):
    """What a data-quality control plan said when it was generated (8.1.1), to check reality against (8.1.3)."""

    __tablename__ = "dq_plan"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    year: int
    document_number: str = Field(max_length=40)
    revision: int
    snapshot: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
