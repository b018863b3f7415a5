"""Organisation (guideline 4): enterprises, sites, departments, processes, facilities, meters,
people, roles and assigned duties.

Children of an enterprise carry ``enterprise_id`` and reference their parent through a composite
key ``(parent_id, enterprise_id)``, so the database itself refuses, say, a meter on another
enterprise's facility.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Enterprise(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    credit_code: str = Field(default="", max_length=18)  # 统一社会信用代码
    industry: str = Field(max_length=20)
    province: str = Field(default="山西省", max_length=40)
    address: str = Field(default="", max_length=300)
    parent_id: int | None = Field(default=None, foreign_key="enterprise.id")
    created_at: datetime = Field(default_factory=utcnow)
    # the GWP set the enterprise's accounting uses when it departs from the default, and why (on record)
    gwp_set: str | None = Field(default=None, max_length=8)
    gwp_reason: str | None = Field(default=None, max_length=300)


class _Owned(SQLModel):
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    code: str = Field(max_length=40)


class Site(_Owned, table=True):
    __table_args__ = (UniqueConstraint("enterprise_id", "code"), UniqueConstraint("id", "enterprise_id"))
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=300)


class Department(_Owned, table=True):
    __table_args__ = (
        UniqueConstraint("enterprise_id", "code"),
        UniqueConstraint("id", "enterprise_id"),
        ForeignKeyConstraint(["parent_id", "enterprise_id"], ["department.id", "department.enterprise_id"]),
    )
    name: str = Field(max_length=200)
    parent_id: int | None = None


class Process(_Owned, table=True):
    """工序: a production step such as raw milling, clinker burning, cement grinding."""

    __table_args__ = (
        UniqueConstraint("enterprise_id", "code"),
        UniqueConstraint("id", "enterprise_id"),
        ForeignKeyConstraint(["site_id", "enterprise_id"], ["site.id", "site.enterprise_id"]),
    )
    name: str = Field(max_length=200)
    site_id: int | None = None
    description: str = Field(default="", max_length=500)


class Facility(_Owned, table=True):
    """设备设施: an emitting or energy-using unit (6.1.2 c, 8.3)."""

    __table_args__ = (
        UniqueConstraint("enterprise_id", "code"),
        UniqueConstraint("id", "enterprise_id"),
        ForeignKeyConstraint(["process_id", "enterprise_id"], ["process.id", "process.enterprise_id"]),
    )
    name: str = Field(max_length=200)
    process_id: int | None = None
    kind: str = Field(default="", max_length=40)  # boiler, kiln, mill, ...
    model: str = Field(default="", max_length=120)
    fuel: str = Field(default="", max_length=60)
    location: str = Field(default="", max_length=200)
    capacity: str = Field(default="", max_length=80)
    key_emitter: bool = False
    in_service: bool = True


class Meter(_Owned, table=True):
    """计量器具 (GB 17167): what it measures, how accurately, and when calibration is due."""

    __table_args__ = (
        UniqueConstraint("enterprise_id", "code"),
        UniqueConstraint("id", "enterprise_id"),
        ForeignKeyConstraint(["facility_id", "enterprise_id"], ["facility.id", "facility.enterprise_id"]),
    )
    name: str = Field(max_length=200)
    meter_type: str = Field(max_length=20)
    facility_id: int | None = None
    quantity: str = Field(default="", max_length=60)  # what it measures, e.g. 原煤质量
    unit: str = Field(default="", max_length=20)
    accuracy_class: str = Field(default="", max_length=20)
    serial_no: str = Field(default="", max_length=60)
    location: str = Field(default="", max_length=200)
    calibration_interval_months: int = 12
    last_calibrated: date | None = None
    calibration_due: date | None = None
    last_certificate: str = Field(default="", max_length=120)  # the latest calibration's certificate number


class Person(_Owned, table=True):
    """A member of staff (or a provider's contact); ``username`` set when they can log in."""

    __table_args__ = (
        UniqueConstraint("enterprise_id", "code"),
        UniqueConstraint("id", "enterprise_id"),
        ForeignKeyConstraint(["department_id", "enterprise_id"], ["department.id", "department.enterprise_id"]),
    )
    name: str = Field(max_length=80)
    department_id: int | None = None
    position: str = Field(default="", max_length=80)
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    username: str | None = Field(default=None, max_length=60, unique=True)
    password_hash: str | None = Field(default=None, max_length=200)
    must_change_password: bool = False  # set when someone else set or reset it
    session_version: int = 0  # bumped on sign-out, password change and disabling: every session ends
    language: str = Field(default="zh", max_length=8)
    active: bool = True


class RoleAssignment(SQLModel, table=True):
    """A role held by a person in one enterprise; roles never leak across enterprises."""

    __tablename__ = "role_assignment"
    __table_args__ = (
        UniqueConstraint("person_id", "enterprise_id", "role"),
        ForeignKeyConstraint(["person_id", "enterprise_id"], ["person.id", "person.enterprise_id"]),
    )
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    person_id: int
    role: str = Field(max_length=30)


_role_change_version = Column("version", Integer, nullable=False, default=1, server_default="1")


class RoleChange(SQLModel, table=True):
    """A change to a person's roles, kept whether it took effect at once or waited for a second person: a
    role that signs approvals is granted only when top management countersigns (segregation of duties)."""

    __tablename__ = "role_change"
    __mapper_args__ = {"version_id_col": _role_change_version}
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=1, sa_column=_role_change_version)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    roles_before: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    roles_after: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    requested_by_id: int | None = Field(default=None, foreign_key="person.id")
    requested_at: datetime = Field(default_factory=utcnow)
    state: str = Field(default="pending", max_length=20)  # pending | granted | refused | withdrawn
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = None
    reason: str = Field(default="", max_length=500)


class Responsibility(SQLModel, table=True):
    """A duty from the guideline (e.g. 4.2a, 4.3c) assigned to a person or a department."""

    __table_args__ = (
        ForeignKeyConstraint(["person_id", "enterprise_id"], ["person.id", "person.enterprise_id"]),
        ForeignKeyConstraint(["department_id", "enterprise_id"], ["department.id", "department.enterprise_id"]),
    )
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    clause_id: str = Field(max_length=16)
    person_id: int | None = None
    department_id: int | None = None
    note: str = Field(default="", max_length=500)
    assigned_on: date | None = None
