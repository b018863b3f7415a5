"""Input models for the organisation (guideline 4, 6.1.2 c): what a user may enter, and its checks.

References to other entities (``facility``, ``department``…) are given by code within the same
enterprise, or by numeric id when a screen picks them from a list.
"""

from __future__ import annotations

import calendar
from datetime import date

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from forms import clauses
from forms.fields import labelled
from storage.vocab import Industry, MeterType, Role

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
Ref = str | int | None


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def add_months(day: date, months: int) -> date:
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))




class EnterpriseIn(_Form):
    code: str = labelled("企业代码", "Enterprise code", pattern=r"^[A-Z0-9][A-Z0-9-]{1,31}$")
    name_zh: str = labelled("企业名称", "Name (Chinese)", min_length=1, max_length=200)
    name_en: str = labelled("英文名称", "Name (English)", "", max_length=200)
    credit_code: str = labelled("统一社会信用代码", "Unified social credit code", "",
                                pattern=r"^([0-9A-HJ-NPQRTUWXY]{18})?$")
    industry: Industry = labelled("行业", "Industry")
    province: str = labelled("省份", "Province", "山西省", max_length=40)
    address: str = labelled("地址", "Address", "", max_length=300)
    parent: Ref = labelled("上级集团企业", "Parent (group) enterprise", None)


class SiteIn(_Form):
    code: str = labelled("厂区代码", "Site code", pattern=CODE)
    name: str = labelled("厂区名称", "Site name", min_length=1, max_length=200)
    address: str = labelled("地址", "Address", "", max_length=300)


class DepartmentIn(_Form):
    code: str = labelled("部门代码", "Department code", pattern=CODE)
    name: str = labelled("部门名称", "Department name", min_length=1, max_length=200)
    parent: Ref = labelled("上级部门", "Parent department", None)


class ProcessIn(_Form):
    code: str = labelled("工序代码", "Process code", pattern=CODE)
    name: str = labelled("工序名称", "Process name", min_length=1, max_length=200)
    site: Ref = labelled("所在厂区", "Site", None)
    description: str = labelled("说明", "Description", "", max_length=500)


class FacilityIn(_Form):
    code: str = labelled("设备代码", "Facility code", pattern=CODE)
    name: str = labelled("设备名称", "Facility name", min_length=1, max_length=200)
    process: Ref = labelled("所属工序", "Process", None)
    kind: str = labelled("设备类别", "Kind", "", max_length=40)
    model: str = labelled("型号", "Model", "", max_length=120)
    fuel: str = labelled("燃料类型", "Fuel", "", max_length=60)
    location: str = labelled("安装位置", "Location", "", max_length=200)
    capacity: str = labelled("规模/容量", "Capacity", "", max_length=80)
    key_emitter: bool = labelled("重点排放设施", "Key emitter", False)
    in_service: bool = labelled("在用", "In service", True)


class MeterIn(_Form):
    code: str = labelled("器具编号", "Meter code", pattern=CODE)
    name: str = labelled("器具名称", "Meter name", min_length=1, max_length=200)
    meter_type: MeterType = labelled("器具类型", "Meter type")
    facility: Ref = labelled("所属设备", "Facility", None)
    quantity: str = labelled("计量参数", "Measured quantity", "", max_length=60)
    unit: str = labelled("计量单位", "Unit", "", max_length=20)
    accuracy_class: str = labelled("准确度等级", "Accuracy class", "", max_length=20)
    serial_no: str = labelled("出厂编号", "Serial number", "", max_length=60)
    location: str = labelled("安装位置", "Location", "", max_length=200)
    calibration_interval_months: int = labelled("检定周期(月)", "Calibration interval (months)", 12, ge=1, le=120)
    last_calibrated: date | None = labelled("上次检定日期", "Last calibrated", None)
    calibration_due: date | None = labelled("下次检定日期", "Calibration due", None)

    @model_validator(mode="after")
    def _due_after_last(self) -> MeterIn:
        if self.last_calibrated and self.calibration_due and self.calibration_due <= self.last_calibrated:
            raise ValueError("下次检定日期必须晚于上次检定日期 / Calibration due must be after the last calibration")
        if self.last_calibrated and not self.calibration_due:
            self.calibration_due = add_months(self.last_calibrated, self.calibration_interval_months)
        return self


class PersonIn(_Form):
    code: str = labelled("工号", "Staff number", pattern=CODE)
    name: str = labelled("姓名", "Name", min_length=1, max_length=80)
    department: Ref = labelled("部门", "Department", None)
    position: str = labelled("岗位", "Position", "", max_length=80)
    email: str = labelled("电子邮件", "Email", "", pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$")
    phone: str = labelled("电话", "Phone", "", pattern=r"^[0-9+\- ]{0,40}$")
    username: str | None = labelled("登录名", "Username", None, pattern=r"^[a-z0-9_.-]{2,60}$")
    language: str = labelled("语言", "Language", "zh", pattern=r"^(zh|en)$")
    roles: list[Role] = labelled("角色", "Roles", [])


class ResponsibilityIn(_Form):
    clause_id: str = labelled("条款", "Clause")
    person: Ref = labelled("责任人", "Person", None)
    department: Ref = labelled("责任部门", "Department", None)
    note: str = labelled("说明", "Note", "", max_length=500)
    assigned_on: date | None = labelled("分配日期", "Assigned on", None)

    @field_validator("clause_id")
    @classmethod
    def _known_clause(cls, v: str) -> str:
        if v not in clauses.by_id():
            raise ValueError(f"指南中没有条款 {v} / The guideline has no clause {v}")
        return v

    @model_validator(mode="after")
    def _someone(self) -> ResponsibilityIn:
        if self.person is None and self.department is None:
            raise ValueError("须指定责任人或责任部门 / Name a person or a department")
        return self


# kind → (input model, zh, en); the CLI and screens look entities up here by name.
KINDS: dict[str, tuple[type[BaseModel], str, str]] = {
    "enterprise": (EnterpriseIn, "企业", "Enterprise"),
    "site": (SiteIn, "厂区", "Site"),
    "department": (DepartmentIn, "部门", "Department"),
    "process": (ProcessIn, "工序", "Process"),
    "facility": (FacilityIn, "设备设施", "Facility"),
    "meter": (MeterIn, "计量器具", "Meter"),
    "person": (PersonIn, "人员", "Person"),
    "responsibility": (ResponsibilityIn, "职责", "Responsibility"),
}
