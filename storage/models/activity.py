"""Monthly activity and production data per facility (6.1.2 d)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKeyConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class ActivityRecord(SQLModel, table=True):
    __tablename__ = "activity_record"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "facility_id", "period", "category", "material"),
        # the constraint above lets NULL facilities repeat; this one counts an enterprise-level month once too
        Index("uq_activity_month", "enterprise_id", text("coalesce(facility_id, 0)"), "period", "category", "material",
              unique=True),
        # the enterprise's rows with all the totals read (workflows.accounting.totals), in their order: on SQLite many
        # enterprise-years are read from the index alone and not sorted (migration 0042)
        Index("ix_activity_record_totals", "enterprise_id", "pending", "facility_id", "period", "category", "material",
              "unit", "quantity"),
        ForeignKeyConstraint(["facility_id", "enterprise_id"], ["facility.id", "facility.enterprise_id"]),
        ForeignKeyConstraint(["meter_id", "enterprise_id"], ["meter.id", "meter.enterprise_id"]),
    )
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id")  # indexed first in ix_activity_record_totals
    facility_id: int | None = None
    period: date  # first day of the month
    category: str = Field(max_length=30)
    material: str = Field(max_length=60)  # fuel, raw material or product code
    quantity: float
    unit: str = Field(max_length=20)
    source: str = Field(default="measured", max_length=20)
    meter_id: int | None = None
    evidence: str = Field(default="", max_length=300)
    # maker-checker: staff's rows wait for a carbon manager (``pending``) and no run counts them until confirmed
    batch_id: int | None = Field(default=None, index=True)  # activity_batch.id (no key: SQLite adds none to a table)
    pending: bool = False


class ActivityBatch(SQLModel, table=True):
    """One import (or one person's typed figures) as a carbon manager confirms it: whole, in one click."""

    __tablename__ = "activity_batch"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    label: str = Field(max_length=300)  # the file's name, or "manual entry"
    entered_by_id: int = Field(foreign_key="person.id")
    entered_at: datetime
    rows: int = 0
    state: str = Field(default="pending", max_length=12)  # pending | confirmed | returned
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = None
    note: str = Field(default="", max_length=500)


class ActivityRule(SQLModel, table=True):
    """An enterprise's maker-checker setting: whether staff's activity data waits for a carbon manager."""

    __tablename__ = "activity_rule"
    enterprise_id: int = Field(foreign_key="enterprise.id", primary_key=True)
    confirm_staff_data: bool = False
    changed_by: str = Field(default="", max_length=120)
    changed_at: datetime | None = None
