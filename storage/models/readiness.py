"""How ready the system was on a day: the counts of clause items with evidence present, stale and missing, kept
by the daily flow so the dashboard draws the trend without working out the evidence map on every view."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel, UniqueConstraint


class ReadinessSnapshot(SQLModel, table=True):
    __tablename__ = "readiness_snapshot"
    __table_args__ = (UniqueConstraint("enterprise_id", "on"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    on: date
    present: int
    stale: int
    missing: int
