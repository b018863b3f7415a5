"""Schemas of the records the guideline asks to keep where no engine computes on them
("应保留记录"): each names the clauses it evidences and how long it is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from forms.fields import labelled


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Competence(_Record):
    person: str = labelled("人员", "Person", min_length=1)
    post: str = labelled("岗位", "Post", min_length=1)
    education: str = labelled("教育背景", "Education", "")
    qualification: str = labelled("资格证书", "Qualification", "")
    experience_years: int = labelled("相关工作年限", "Years of relevant experience", 0, ge=0, le=60)
    assessment: Literal["competent", "needs_training", "not_competent"] = labelled("评价结论", "Assessment", choices={
        "competent": ("胜任", "Competent"), "needs_training": ("需培训", "Needs training"),
        "not_competent": ("不胜任", "Not competent")})


class Training(_Record):
    topic: str = labelled("培训主题", "Topic", min_length=1)
    kind: Literal["law_policy", "standard", "technology", "management", "awareness"] = labelled("类别", "Kind", choices={
        "law_policy": ("法律法规与政策", "Laws and policy"), "standard": ("标准", "Standards"),
        "technology": ("技术", "Technology"), "management": ("管理", "Management"), "awareness": ("意识", "Awareness")})
    trainer: str = labelled("讲师", "Trainer", "")
    attendees: int = labelled("参加人数", "Attendees", ge=1)
    hours: float = labelled("学时", "Hours", gt=0, le=200)
    passed: int = labelled("考核合格人数", "Passed the test", 0, ge=0)

    @model_validator(mode="after")
    def _passed_le_attendees(self) -> Training:
        if self.passed > self.attendees:
            raise ValueError("考核合格人数不能多于参加人数 / More passed than attended")
        return self


class TrainingPlan(_Record):
    """7.1: the year's training plan — what, for whom, when — which the yearly duty asks for by February."""

    year: int = labelled("年度", "Year", ge=2000, le=2100)
    topics: str = labelled("培训内容", "Topics", min_length=1)
    audience: str = labelled("培训对象", "Who is trained", min_length=1)
    schedule: str = labelled("时间安排", "When", min_length=1)
    budget_cny: float = labelled("预算（元）", "Budget (CNY)", 0, ge=0)


class ObjectiveReview(_Record):
    """6.4: the yearly look at how last year's targets went and what this year's are."""

    year: int = labelled("评审年度", "Year reviewed", ge=2000, le=2100)
    conclusion: str = labelled("完成情况与结论", "How the targets went", min_length=1)
    next_steps: str = labelled("本年度指标与调整", "This year's targets and changes", min_length=1)


class Communication(_Record):
    direction: Literal["internal", "external"] = labelled("内/外部", "Internal or external", choices={
        "internal": ("内部", "Internal"), "external": ("外部", "External")})
    channel: Literal["meeting", "notice", "platform", "letter", "email", "phone", "other"] = labelled("方式", "Channel", choices={
        "meeting": ("会议", "Meeting"), "notice": ("通知", "Notice"), "platform": ("信息平台", "Platform"),
        "letter": ("函件", "Letter"), "email": ("电子邮件", "E-mail"), "phone": ("电话", "Phone"), "other": ("其他", "Other")})
    counterpart: str = labelled("沟通对象", "With whom", min_length=1)
    subject: str = labelled("主题", "Subject", min_length=1)
    outcome: str = labelled("结果与跟进", "Outcome and follow-up", "")


class BaselineChange(_Record):
    trigger: Literal["boundary", "energy_mix", "products", "raw_materials", "process", "equipment", "sources", "other"] \
        = labelled("调整原因（6.3.2）", "Trigger (6.3.2)", choices={
            "boundary": ("物理边界", "Boundary"), "energy_mix": ("能源结构", "Energy mix"), "products": ("产品结构", "Products"),
            "raw_materials": ("原材料", "Raw materials"), "process": ("工艺", "Process"),
            "equipment": ("设备设施", "Equipment"), "sources": ("排放源变化", "Emission sources"), "other": ("其他", "Other")})
    level: Literal["enterprise", "process", "facility"] = labelled("层级", "Level", choices={
        "enterprise": ("企业", "Enterprise"), "process": ("工序", "Process"), "facility": ("设施", "Facility")})
    old_emissions_t: float = labelled("原基准排放量 tCO2e", "Old baseline tCO2e", ge=0)
    new_emissions_t: float = labelled("新基准排放量 tCO2e", "New baseline tCO2e", ge=0)
    reason: str = labelled("说明", "Explanation", min_length=1)


class ReductionMeasureRecord(_Record):
    measure: str = labelled("措施", "Measure", min_length=1)
    stage: Literal["identified", "planned", "implemented", "verified"] = labelled("阶段", "Stage", choices={
        "identified": ("已识别", "Identified"), "planned": ("已计划", "Planned"), "implemented": ("已实施", "Implemented"),
        "verified": ("已验证", "Verified")})
    expected_t: float = labelled("预期减排量 tCO2e", "Expected reduction tCO2e", ge=0)
    achieved_t: float | None = labelled("实际减排量 tCO2e", "Achieved reduction tCO2e", None, ge=0)
    verification: str = labelled("验证方法", "Verification method", min_length=1)


class ProviderEvaluation(_Record):
    provider: str = labelled("服务机构", "Provider", min_length=1)
    service: str = labelled("服务内容", "Service", min_length=1)
    contract_no: str = labelled("协议编号", "Contract number", "")
    score: int = labelled("评分", "Score", ge=0, le=100)
    conclusion: Literal["keep", "improve", "replace"] = labelled("结论", "Conclusion", choices={
        "keep": ("继续合作", "Keep"), "improve": ("限期改进", "Must improve"), "replace": ("更换", "Replace")})


class FootprintData(_Record):
    """6.1.2 f: a footprint or sink figure the enterprise has (its own product's, or a supplier's)."""

    subject: str = labelled("对象（产品、原材料或碳汇）", "Product, material or sink", min_length=1)
    kind: Literal["product_footprint", "material_footprint", "supplier_emissions", "sink"] = labelled("类型", "Kind", choices={
        "product_footprint": ("产品碳足迹", "Product footprint"), "material_footprint": ("原材料碳足迹", "Material footprint"),
        "supplier_emissions": ("供应商排放", "Supplier emissions"), "sink": ("碳汇", "Sink")})
    value: float = labelled("数值", "Value", ge=0)
    unit: Literal["kgCO2e/t", "tCO2e/t", "kgCO2e/unit", "tCO2e"] = labelled("单位", "Unit")
    boundary: Literal["cradle_to_gate", "cradle_to_grave", "gate_to_gate", "annual"] = labelled("边界", "Boundary", choices={
        "cradle_to_gate": ("从摇篮到大门", "Cradle to gate"), "cradle_to_grave": ("从摇篮到坟墓", "Cradle to grave"),
        "gate_to_gate": ("从大门到大门", "Gate to gate"), "annual": ("年度", "Annual")})
    standard: str = labelled("依据标准（如 ISO 14067）", "Standard (e.g. ISO 14067)", min_length=1)
    source: str = labelled("数据来源（供应商声明、第三方报告…）", "Source (supplier declaration, third-party report…)",
                           min_length=1)
    year: int = labelled("数据年份", "Data year", ge=2000, le=2100)


class ContextIssue(_Record):
    """5.1: an internal or external issue the policy must take into account."""

    clause: Literal["5.1.2a", "5.1.2b", "5.1.2c", "5.1.2d", "5.1.2e", "5.1.2f",
                    "5.1.3a", "5.1.3b", "5.1.3c", "5.1.3d", "5.1.3e"] = labelled("条款", "Clause")
    issue: str = labelled("事项", "Issue", min_length=1)
    effect: Literal["opportunity", "threat", "neutral"] = labelled("影响", "Effect", choices={
        "opportunity": ("机遇", "Opportunity"), "threat": ("威胁", "Threat"), "neutral": ("中性", "Neutral")})
    response: str = labelled("对方针或目标的考虑", "How policy or objectives respond", "")


class Risk(_Record):
    """6.2 and 6.4.3: a risk of higher emissions or noncompliance, its rating and the response."""

    clause: Literal["6.2.2a", "6.2.2b", "6.2.2c", "6.2.2d", "6.2.2e", "6.2.2f",
                    "6.2.3a", "6.2.3b", "6.2.3c", "6.2.3d", "6.2.3e", "6.2.3f", "6.2.3g"] = labelled("条款", "Clause")
    risk: str = labelled("风险", "Risk", min_length=1)
    likelihood: int = labelled("可能性 1–5", "Likelihood 1–5", ge=1, le=5)
    impact: int = labelled("影响程度 1–5", "Impact 1–5", ge=1, le=5)
    response: str = labelled("应对措施（6.4.3）", "Response (6.4.3)", min_length=1)
    owner: str = labelled("负责人", "Owner", min_length=1)


class Budget(_Record):
    """7.2: money planned and spent on carbon management, by year and purpose."""

    year: int = labelled("年度", "Year", ge=2000, le=2100)
    item: str = labelled("项目", "Item", min_length=1)
    category: Literal["monitoring", "training", "technology", "consulting", "verification", "assets", "other"] = \
        labelled("类别", "Category", choices={
            "monitoring": ("监测计量", "Monitoring"), "training": ("培训", "Training"), "technology": ("技术改造", "Technology"),
            "consulting": ("咨询", "Consulting"), "verification": ("核查", "Verification"), "assets": ("碳资产", "Carbon assets"),
            "other": ("其他", "Other")})
    planned_cny: float = labelled("预算（元）", "Budget (CNY)", ge=0)
    spent_cny: float = labelled("已支出（元）", "Spent (CNY)", 0, ge=0)


class SupplyChain(_Record):
    """8.2: fuel supply, low-carbon purchasing and green energy, supplier by supplier."""

    supplier: str = labelled("供应商", "Supplier", min_length=1)
    supplies: str = labelled("供应物资或能源", "What it supplies", min_length=1)
    clause: Literal["8.2a", "8.2b", "8.2c", "8.2d", "8.2e", "8.2f"] = labelled("条款", "Clause")
    low_carbon_criteria: str = labelled("低碳采购要求", "Low-carbon purchasing requirement", min_length=1)
    green_share_pct: float = labelled("绿色能源或低碳产品比例 %", "Green or low-carbon share %", 0, ge=0, le=100)
    evidence: str = labelled("证据（绿证、合同、声明）", "Evidence (certificate, contract, declaration)", "")


@dataclass(frozen=True)
class RecordForm:
    name: str
    zh: str
    en: str
    schema: type[BaseModel]
    clause_ids: tuple[str, ...]
    retention_years: int = 5  # Interim Regulation 2024 Art. 11: raw records at least 5 years


FORMS = {f.name: f for f in (
    RecordForm("competence", "人员能力记录", "Competence record", Competence, ("7.1.1a", "7.1.2")),
    RecordForm("training_plan", "年度培训计划", "Yearly training plan", TrainingPlan, ("7.1.1b", "7.1.2")),
    RecordForm("training", "培训记录", "Training record", Training, ("7.1.1b", "7.1.2")),
    RecordForm("objective_review", "目标指标评审", "Objectives review", ObjectiveReview, ("6.4.1", "6.4.2")),
    RecordForm("communication", "沟通记录", "Communication record", Communication, ("7.4.2a", "7.4.3")),
    RecordForm("baseline_change", "基准调整记录", "Baseline adjustment", BaselineChange, ("6.3.2", "6.3.3"), 10),
    RecordForm("reduction_measure", "减排措施记录", "Reduction measure record", ReductionMeasureRecord,
               ("8.4.1e", "8.4.2")),
    RecordForm("provider_evaluation", "服务机构评价", "Provider evaluation", ProviderEvaluation, ("7.3a", "7.3d")),
    RecordForm("footprint_data", "碳足迹与碳汇数据", "Footprint and sink data", FootprintData, ("6.1.2f",)),
    RecordForm("context_issue", "内外部环境事项", "Context issue", ContextIssue, ("5.1.1", "5.1.2", "5.1.3")),
    RecordForm("risk", "风险及应对措施", "Risk and response", Risk, ("6.2.1", "6.2.2", "6.2.3", "6.4.3")),
    RecordForm("budget", "碳排放管理预算与支出", "Budget and spending", Budget, ("7.2",)),
    RecordForm("supply_chain", "供应链管理记录", "Supply-chain record", SupplyChain, ("8.2",)),
)}


def recorded_date(value: str | date | None) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value) if value else date.today()
