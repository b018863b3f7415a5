"""Meter readings imported from the energy-monitoring system, and the laboratory's fuel assays.

The readings themselves live in Parquet partitions (``storage/readings.py``); the database keeps one row per
imported file, which says what came in, from whom and where its partitions are."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from storage.models.org import utcnow


class ReadingBatch(SQLModel, table=True):
    """One imported readings file: its hash, how many rows for which meters and months, and who brought it."""

    __tablename__ = "reading_batch"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    batch: str = Field(max_length=40, unique=True)  # the name its Parquet files carry
    file_name: str = Field(max_length=200)
    file_sha256: str = Field(max_length=64)
    rows: int
    meters: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    months: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # "YYYY-MM"
    first_day: date
    last_day: date
    imported_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)


class FuelAssay(SQLModel, table=True):
    """化验报告: one batch of a fuel as the laboratory measured it, with the report kept in the file store."""

    __tablename__ = "fuel_assay"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    material: str = Field(max_length=60)
    sampled_on: date
    period: date = Field(index=True)  # first day of the month the batch counts in
    quantity: float  # t
    ncv: float  # GJ/t, as received
    carbon_content: float  # tC/t, a fraction
    ash: float | None = None  # fraction
    moisture: float | None = None  # fraction
    lab: str = Field(max_length=200)
    report_name: str = Field(max_length=200)
    report_sha256: str = Field(max_length=64)
    recorded_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
