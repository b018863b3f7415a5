"""The national carbon market's monthly cycle: the enterprise's profile on the list, each month's package with
its evidence files (kept in the file store by hash), its status and its submissions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.org import utcnow

_profile_version = Column("version", Integer, nullable=False, default=1, server_default="1")


class EtsProfile(SQLModel, table=True):
    """The enterprise on the national list: since which data year, its sector, its province's deadline and the
    monthly items it must upload (a copy of the sector's defaults it may adjust)."""

    __tablename__ = "ets_profile"
    __mapper_args__ = {"version_id_col": _profile_version}  # a concurrent change is refused, not lost
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=1, sa_column=_profile_version)
    enterprise_id: int = Field(foreign_key="enterprise.id", unique=True)
    sector: str = Field(max_length=20)  # power | cement | steel | aluminium
    listed_from: int  # the first data year on the national list
    deadline_days: int = 40  # natural days after the month's end
    items: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_by: str = Field(max_length=120)
    updated_at: datetime = Field(default_factory=utcnow)


_month_version = Column("version", Integer, nullable=False, default=1, server_default="1")


class EtsMonth(SQLModel, table=True):
    """One month's package for the platform: missing, ready, submitted (who, when, the platform's receipt) or
    being corrected; ``entered`` holds the values typed for the month, ``history`` every submission and
    correction with its values and reason."""

    __tablename__ = "ets_month"
    __table_args__ = (UniqueConstraint("enterprise_id", "month"),)
    __mapper_args__ = {"version_id_col": _month_version}
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=1, sa_column=_month_version)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    month: date  # its first day
    state: str = Field(default="missing", max_length=20)
    deadline: date = Field(index=True)
    entered: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    submitted_values: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    submitted_by: str = Field(default="", max_length=120)
    submitted_at: datetime | None = None
    receipt: str = Field(default="", max_length=80)
    history: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    opened_at: datetime = Field(default_factory=utcnow)


class EtsEvidence(SQLModel, table=True):
    """A file backing one item of one month; a newer upload for the item stands beside the older, which stays."""

    __tablename__ = "ets_evidence"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    month_id: int = Field(foreign_key="ets_month.id", index=True)
    item: str = Field(max_length=40)
    kind: str = Field(max_length=30)
    file_name: str = Field(max_length=200)
    sha256: str = Field(max_length=64)
    media_type: str = Field(max_length=120)
    uploaded_by: str = Field(max_length=120)
    uploaded_at: datetime = Field(default_factory=utcnow)


class EtsReport(SQLModel, table=True):
    """A data year's annual emission report to the authority: the controlled document that carries it (so it is
    drafted, reviewed and approved through the document lifecycle, 编制 → 审核 → 批准) and the frozen run its
    figures come from."""

    __tablename__ = "ets_report"
    __table_args__ = (UniqueConstraint("enterprise_id", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    year: int  # the data year reported
    document_id: int = Field(foreign_key="document.id")
    run_id: int | None = Field(default=None, foreign_key="accounting_run.id")
    reported_tco2e: float | None = None  # the covered total the report states, kept as it was generated
    generated_by: str = Field(max_length=120)
    generated_at: datetime = Field(default_factory=utcnow)


_verification_version = Column("version", Integer, nullable=False, default=1, server_default="1")


class EtsVerification(SQLModel, table=True):
    """The third-party verification of a data year's report (核查): who verified, when, what they found and the
    verified emissions, which become the year's surrender due on the assets page (8.5.2). A correction keeps what
    it replaced and why in ``history``."""

    __tablename__ = "ets_verification"
    __table_args__ = (UniqueConstraint("enterprise_id", "year"),)
    __mapper_args__ = {"version_id_col": _verification_version}  # a stale form is refused, not lost
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=1, sa_column=_verification_version)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    year: int
    verifier: str = Field(max_length=200)  # the verification body
    started_on: date
    ended_on: date
    findings: str = Field(default="", max_length=4000)
    reported_tco2e: float  # the report's figure at the time of verification, so the difference stays as recorded
    verified_tco2e: float
    recorded_by: str = Field(max_length=120)
    recorded_at: datetime = Field(default_factory=utcnow)
    history: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
