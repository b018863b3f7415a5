"""Management review (9.3): the meeting, its compiled input pack, minutes and actions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

_review_version = Column("version", Integer, nullable=False, default=1)
YEARLY = "reason = ''"  # the review in the year's turn; an extraordinary one says why


class ManagementReview(SQLModel, table=True):
    __tablename__ = "management_review"
    # one yearly review a year (so the scheduled flow never makes a second), any number of extraordinary ones
    __table_args__ = (UniqueConstraint("enterprise_id", "number", name="uq_management_review_number"),
                      Index("uq_management_review_yearly", "enterprise_id", "year", unique=True,
                            sqlite_where=text(YEARLY), postgresql_where=text(YEARLY)))
    __mapper_args__ = {"version_id_col": _review_version}
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    year: int
    number: str = Field(max_length=40)  # e.g. JYCEM-MR-2026-001, an extraordinary one JYCEM-MR-2026-002
    # why a review outside the yearly turn (a major change, an accident): set for an extraordinary review only
    reason: str = Field(default="", max_length=500)
    state: str = Field(default="planned", max_length=30)
    version: int = Field(default=1, sa_column=_review_version)
    planned_on: date
    held_on: date | None = None
    chair_id: int | None = Field(default=None, foreign_key="person.id")
    # {clause_id: {"zh": [...], "en": [...], "facts": {...}}} compiled from the system (9.3.1 a–e)
    inputs: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # {clause_id: "written statement"} for inputs the system cannot compile
    statements: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    compiled_at: datetime | None = None
    attendees: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    minutes: str = Field(default="", max_length=20000)
    conclusion: str = Field(default="", max_length=4000)  # adequacy, suitability, effectiveness
    minutes_sha256: str | None = Field(default=None, max_length=64)


_review_action_version = Column("version", Integer, nullable=False, default=1, server_default="1")


class ReviewAction(SQLModel, table=True):
    """A decision of the review that someone must carry out; reported in the next review (9.3.1 a)."""

    __tablename__ = "review_action"
    __mapper_args__ = {"version_id_col": _review_action_version}  # a concurrent change is refused, not lost
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=1, sa_column=_review_action_version)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    review_id: int = Field(foreign_key="management_review.id", index=True)
    decision: str = Field(max_length=2000)
    owner_id: int = Field(foreign_key="person.id")
    due: date
    state: str = Field(default="open", max_length=12)  # open | done
    done_on: date | None = None
    result: str = Field(default="", max_length=2000)
