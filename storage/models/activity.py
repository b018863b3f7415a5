"""Monthly activity and production data per facility (6.1.2 d)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKeyConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class ActivityRecord(SQLModel, table=True):
    __tablename__ = "activity_record"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "facility_id", "period", "category", "material"),
        # the constraint above lets NULL facilities repeat; this one counts an enterprise-level month once too
        Index("uq_activity_month", "enterprise_id", text("coalesce(facility_id, 0)"), "period", "category", "material",
              unique=True),
        ForeignKeyConstraint(["facility_id", "enterprise_id"], ["facility.id", "facility.enterprise_id"]),
        ForeignKeyConstraint(["meter_id", "enterprise_id"], ["meter.id", "meter.enterprise_id"]),
    )
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    facility_id: int | None = None
    period: date  # first day of the month
    category: str = Field(max_length=30)
    material: str = Field(max_length=60)  # fuel, raw material or product code
    quantity: float
    unit: str = Field(max_length=20)
    source: str = Field(default="measured", max_length=20)
    meter_id: int | None = None
    evidence: str = Field(default="", max_length=300)
