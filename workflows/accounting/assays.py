"""Laboratory assays of fuel batches (入厂/入炉煤化验): each batch's quantity, NCV, carbon content, ash and moisture,
with the lab's report kept in the file store under its hash. A month's assays become that month's measured
values — quantity-weighted NCV, and carbon per unit of heat from the weighted carbon content — in force for that
month only, with the reports as their evidence; a month the data-quality plan wants assayed without one is a
finding."""

from __future__ import annotations

import math
from datetime import date, timedelta

from sqlmodel import Session, select

from accounting import parameters
from accounting.anomalies import ENTERPRISE, Finding
from accounting.errors import AccountingError
from forms import aliases
from forms.organisation import add_months
from forms.uploads import check_name, evidence_type
from storage.errors import NotFound, StewardError
from storage.files import FileStore
from storage.models import ActivityRecord, DqPlan, EnterpriseFactor, FuelAssay
from workflows.accounting import calculation
from workflows.engine import clock, machine, names, stored
from workflows.engine.machine import Actor

KEEPERS = ("carbon_manager", "department_head", "staff")  # the lab or the carbon manager keeps them
EVIDENCE = "化验加权 assays"  # how the month's measured values name where they came from
LOOK_BACK = 12  # months checked for a missing assay: the check never grows with history


def check_may_record(actor: Actor) -> None:
    machine.require_role(actor, KEEPERS, "登记化验结果", "Recording an assay")


def fuels(session: Session, enterprise_id: int) -> list[str]:
    """The fuels an assay can be for: those whose NCV the calculators read."""
    return sorted(calculation.library(session, enterprise_id).materials("ncv"))


def _fraction(value: float | None, field: str, zh: str, en: str, errors: list[dict], required: bool = False) -> None:
    if value is None:
        if required:
            errors.append({"field": field, "zh": f"请填写{zh}", "en": f"Give the {en}"})
        return
    if not math.isfinite(value) or value < 0:
        errors.append({"field": field, "zh": f"{zh}须为非负数", "en": f"The {en} must be a non-negative number"})
    elif 1 < value <= 100:
        errors.append({"field": field, "zh": f"{zh}是比例（0–1），{value:g} 像是百分数：是否要填 {value / 100:g}？",
                       "en": f"The {en} is a fraction (0–1); {value:g} looks like a percentage: did you mean "
                             f"{value / 100:g}?"})
    elif value >= 1:
        errors.append({"field": field, "zh": f"{zh}须小于 1", "en": f"The {en} must be below 1"})


def record(session: Session, actor: Actor, store: FileStore, *, material: str, sampled_on: date | None,
           quantity: float | None, ncv: float | None, carbon_content: float | None, ash: float | None,
           moisture: float | None, lab: str, report_name: str, report: bytes, max_bytes: int,
           today: date | None = None) -> FuelAssay:
    """Check every field (all mistakes at once, each by its field), keep the report, record the batch and put the
    month's weighted values in force."""
    check_may_record(actor)
    today = today or clock.today()
    code = aliases.material(material.strip())
    lib = calculation.library(session, actor.enterprise_id)
    errors: list[dict] = []
    fuels = parameters.applies_to(parameters.PARAMETERS["ncv"], lib)  # raw coal too: the power rules take it
    if code not in fuels:
        errors.append({"field": "material", "zh": f"「{material}」不是可化验的燃料", "en": f"{material!r} is not a fuel"})
    if sampled_on is None:
        errors.append({"field": "sampled_on", "zh": "请填写采样日期", "en": "Give the sampling date"})
    elif sampled_on > today:
        errors.append({"field": "sampled_on", "zh": f"采样日期不能晚于今天（{today}）",
                       "en": f"The sampling date cannot be after today ({today})"})
    if quantity is None or not math.isfinite(quantity) or quantity <= 0:
        errors.append({"field": "quantity", "zh": "批次数量须为正数（t）", "en": "The batch quantity must be positive (t)"})
    if ncv is None:
        errors.append({"field": "ncv", "zh": "请填写低位发热量", "en": "Give the net calorific value"})
    elif code in fuels:
        try:
            parameters.check("ncv", code, ncv, "GJ/t", lib)
        except AccountingError as exc:
            errors.append({"field": "ncv", "zh": exc.zh, "en": exc.en})
    _fraction(carbon_content, "carbon_content", "元素碳含量", "carbon content", errors, required=True)
    _fraction(ash, "ash", "灰分", "ash", errors)
    _fraction(moisture, "moisture", "全水分", "moisture", errors)
    if (carbon_content is not None and 0 < carbon_content < 1 and ncv and not any(e["field"] == "ncv" for e in errors)
            and code in fuels):
        try:
            parameters.check("carbon_content", code, carbon_content / ncv, "tC/GJ", lib)
        except AccountingError as exc:
            errors.append({"field": "carbon_content", "zh": f"元素碳含量 {carbon_content:g} ÷ 低位发热量 {ncv:g}：{exc.zh}",
                           "en": f"carbon content {carbon_content:g} ÷ NCV {ncv:g}: {exc.en}"})
    if not lab.strip():
        errors.append({"field": "lab", "zh": "请填写化验单位", "en": "Give the laboratory"})
    if not report:
        errors.append({"field": "report", "zh": "请附化验报告文件", "en": "Attach the assay report"})
    else:
        check_name(report_name)
    if errors:
        raise StewardError("assay_invalid", "化验结果未登记：" + "；".join(e["zh"] for e in errors),
                           "The assay was not recorded: " + "; ".join(e["en"] for e in errors),
                           field=errors[0]["field"], details=errors)
    assert sampled_on is not None and quantity is not None and ncv is not None and carbon_content is not None
    import io
    try:  # the report is evidence (of this month's measured values and of its carbon-market month): checked as such
        sha, _ = stored.keep_checked(session, store, io.BytesIO(report), max_bytes,
                                         lambda path: evidence_type(report_name, path))
    except StewardError as exc:
        raise StewardError("assay_invalid", f"化验结果未登记：{exc.zh}", f"The assay was not recorded: {exc.en}",
                           field="report", details=[{"field": "report", "zh": exc.zh, "en": exc.en}],
                           status=exc.status) from None
    row = FuelAssay(enterprise_id=actor.enterprise_id, material=code, sampled_on=sampled_on,
                    period=sampled_on.replace(day=1), quantity=quantity, ncv=ncv, carbon_content=carbon_content,
                    ash=ash, moisture=moisture, lab=lab.strip()[:200], report_name=report_name[:200],
                    report_sha256=sha, recorded_by=actor.label)
    session.add(row)
    session.flush()
    put_in_force(session, actor.enterprise_id, code, row.period)
    return row  # the caller attaches the report to its carbon-market month (``workflows.ets.month.attach_assays``)


def report_of(session: Session, actor: Actor, number: int) -> FuelAssay:
    """One assay's report, for someone who reads the assays of the same enterprise."""
    row = session.get(FuelAssay, number)
    if row is None or row.enterprise_id != actor.enterprise_id:
        raise NotFound("assay", "没有这条化验记录", "No such assay")
    return row


def weighted(rows: list[FuelAssay]) -> dict | None:
    """The month's quantity-weighted NCV and carbon content, and carbon per unit of heat from them."""
    total = sum(r.quantity for r in rows)
    if not rows or total <= 0:
        return None
    ncv = sum(r.quantity * r.ncv for r in rows) / total
    carbon = sum(r.quantity * r.carbon_content for r in rows) / total
    return {"quantity": total, "ncv": ncv, "carbon_content": carbon, "per_heat": carbon / ncv, "batches": len(rows)}


def month_assays(session: Session, enterprise_id: int, material: str, period: date) -> list[FuelAssay]:
    return list(session.exec(select(FuelAssay).where(FuelAssay.enterprise_id == enterprise_id,
                                                     FuelAssay.material == material, FuelAssay.period == period)
                             .order_by(FuelAssay.sampled_on, FuelAssay.id)))


def put_in_force(session: Session, enterprise_id: int, material: str, period: date) -> None:
    """The month's measured NCV and carbon content, valid for that month only, replacing what earlier assays of
    the same month made of it; the evidence names every report by its hash."""
    rows = month_assays(session, enterprise_id, material, period)
    values = weighted(rows)
    if values is None:
        return
    end = add_months(period, 1) - timedelta(days=1)
    evidence = (f"{EVIDENCE} {period:%Y-%m}: " + ", ".join(f"#{r.id} {r.report_name} sha256:{r.report_sha256[:12]}"
                                                           for r in rows))[:500]
    for parameter, value, unit in (("ncv", round(values["ncv"], 4), "GJ/t"),
                                   ("carbon_content", round(values["per_heat"], 6), "tC/GJ")):
        row = session.exec(select(EnterpriseFactor).where(
            EnterpriseFactor.enterprise_id == enterprise_id, EnterpriseFactor.parameter == parameter,
            EnterpriseFactor.material == material, EnterpriseFactor.valid_from == period,
            EnterpriseFactor.valid_to == end, EnterpriseFactor.evidence.startswith(EVIDENCE))).first()
        if row is None:
            row = EnterpriseFactor(enterprise_id=enterprise_id, parameter=parameter, material=material, value=value,
                                   unit=unit, valid_from=period, valid_to=end, evidence=evidence,
                                   recorded_by="assays")
        row.value, row.evidence = value, evidence
        session.add(row)
    session.flush()


def listing(session: Session, actor: Actor, lang: str, limit: int = 50) -> dict:
    """The latest batches and, per fuel and month of those, the weighted values in force."""
    rows = list(session.exec(select(FuelAssay).where(FuelAssay.enterprise_id == actor.enterprise_id)
                             .order_by(FuelAssay.sampled_on.desc(), FuelAssay.id.desc()).limit(limit)))
    months = sorted({(r.material, r.period) for r in rows}, key=lambda k: (k[1], k[0]), reverse=True)
    return {"assays": rows, "months": [{"material": m, "name": names.material(m, lang), "period": p,
                                         **(weighted(month_assays(session, actor.enterprise_id, m, p)) or {})}
                                        for m, p in months],
            "fuels": [(c, names.material(c, lang)) for c in fuels(session, actor.enterprise_id)]}


def required(session: Session, enterprise_id: int) -> set[str]:
    """Fuels the plan wants assayed: every fuel with an assay on record, and those the latest data-quality plan
    determines by measurement (per batch or month)."""
    wanted = set(session.exec(select(FuelAssay.material).where(FuelAssay.enterprise_id == enterprise_id)
                              .distinct()).all())
    plan = session.exec(select(DqPlan).where(DqPlan.enterprise_id == enterprise_id)
                        .order_by(DqPlan.id.desc())).first()
    for f in (plan.snapshot.get("factors", []) if plan else []):
        if f.get("parameter") == "ncv" and "per batch" in f.get("frequency", ""):
            wanted.add(f.get("source", "").split(" ")[-1])
    return wanted


def missing(session: Session, enterprise_id: int, today: date | None = None) -> list[Finding]:
    """Each finished month (of the last twelve) that burned a fuel the plan wants assayed, without an assay."""
    today = today or clock.today()
    wanted = required(session, enterprise_id)
    if not wanted:
        return []
    this_month = today.replace(day=1)
    start = add_months(this_month, -LOOK_BACK)
    a = ActivityRecord
    burned = set(session.exec(select(a.material, a.period).where(
        a.enterprise_id == enterprise_id, a.category == "fuel_combustion", a.material.in_(wanted), a.quantity > 0,
        a.period >= start, a.period < this_month)).all())
    assayed = set(session.exec(select(FuelAssay.material, FuelAssay.period).where(
        FuelAssay.enterprise_id == enterprise_id, FuelAssay.period >= start)).all())
    first = dict(session.exec(select(FuelAssay.material, FuelAssay.period).where(
        FuelAssay.enterprise_id == enterprise_id).order_by(FuelAssay.period.desc())).all())  # the earliest last
    found = []
    for material, period in sorted(burned - assayed):
        if material in first and period < first[material]:
            continue  # before the fuel was first assayed the plan's method was another
        zh, en = names.material(material, "zh"), names.material(material, "en")
        found.append(Finding("assay_missing", f"{ENTERPRISE}|fuel_combustion|{material}", period, None, None, None,
                             f"{period:%Y-%m} 耗用{zh}，但没有数据质量控制计划要求的化验结果",
                             f"{period:%Y-%m}: {en} was burned but there is no assay, which the data-quality plan "
                             "requires"))
    return found
