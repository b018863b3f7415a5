"""A measured value typed in (a lab's coal NCV, the clinker's CaO): every field checked at once and every mistake
named beside its field, in words, before anything is written; the pick lists the form offers (parameters, the
materials each applies to, the units each is recorded in) come from the same place the check reads."""

from __future__ import annotations

import math
from datetime import date

from sqlmodel import Session

from accounting import parameters
from accounting.errors import AccountingError
from accounting.factors import default_library
from forms import aliases
from forms.activity_import import number_text
from storage.errors import StewardError
from storage.models import EnterpriseFactor
from workflows.accounting import calculation
from workflows.engine import clock, machine, names
from workflows.engine.machine import Actor


def materials_of(parameter: str) -> list[str] | None:
    """The materials a parameter may be recorded for (None: any material, as the carbon balance takes)."""
    spec = parameters.PARAMETERS[parameter]
    if spec.any_material:
        return None
    return sorted(parameters.applies_to(spec, default_library()))


def units_of(parameter: str) -> list[str]:
    """The units a parameter may be typed in: every unit that converts to its own, or to those of the library's
    defaults (NCV: GJ/t, MJ/kg, kcal/kg…, GJ/10^4 Nm3…), its own first."""
    spec = parameters.PARAMETERS[parameter]
    own = [spec.unit] if spec.unit else sorted({f.unit for f in default_library().factors if f.parameter == spec.name})
    return list(dict.fromkeys(u for canonical in own for u in parameters.accepted(canonical)))  # g/t beside kg/t


def choices(lang: str) -> list[dict]:
    """What the form offers per parameter: its name, units and the materials it applies to, by name."""
    out = []
    for name, spec in parameters.PARAMETERS.items():
        allowed = materials_of(name)
        out.append({"code": name, "label": spec.en if lang == "en" else spec.zh, "units": units_of(name),
                    "materials": allowed or []})
    return out


def _names(codes: list[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(names.material(c, lang) for c in codes)


def record(session: Session, actor: Actor, *, parameter: str, material: str, value: str, unit: str, valid_from: str,
           valid_to: str, evidence: str, batch_quantity: str = "", batch_unit: str = "t",
           years: set[int] | None = None) -> EnterpriseFactor:
    """Check every field, then record the value, or nothing: one refusal lists each mistake with its field (in
    ``details``). ``years`` hears the years the value reads into."""
    machine.require_role(actor, calculation.ACCOUNTANTS, "登记实测因子", "Recording a measured factor")
    errors: list[dict] = []

    def wrong(field: str, zh: str, en: str) -> None:
        errors.append({"field": field, "zh": zh, "en": en})
    spec = parameters.PARAMETERS.get(parameter)
    if spec is None:
        wrong("parameter", "请选择要登记的参数", "Choose the parameter measured")
    code = aliases.material(material) if material.strip() else ""
    if not code:
        wrong("material", "请选择物料", "Choose the material")
    elif spec is not None and (allowed := materials_of(parameter)) is not None and code not in allowed:
        wrong("material", f"{spec.zh}只适用于：{_names(allowed, 'zh')}（不是「{names.material(code, 'zh')}」）",
              f"{spec.en} applies to {_names(allowed, 'en')} only (not {names.material(code, 'en')})")
    figure = None
    try:
        figure = float(number_text(value))
    except ValueError:
        wrong("value", "「数值」应为数字，如 22.9 或 1,200", "“Value” must be a number, such as 22.9 or 1,200")
    if figure is not None and not math.isfinite(figure):
        wrong("value", "「数值」不是有限的数", "“Value” is not a finite number")
        figure = None
    if not unit.strip():
        wrong("unit", "请选择单位", "Choose the unit")
    start = _day(valid_from, "valid_from", "起始日期", "Valid from", wrong, required=True)
    end = _day(valid_to, "valid_to", "截止日期", "Valid to", wrong)
    if start and end and end < start:
        wrong("valid_to", "截止日期不能早于起始日期", "The end date cannot come before the start")
    batch = None
    if batch_quantity.strip():
        try:
            batch = float(number_text(batch_quantity))
        except ValueError:
            wrong("batch_quantity", "「批次量」应为数字，如 1,200", "“Batch quantity” must be a number, such as 1,200")
    if not evidence.strip():
        wrong("evidence", "实测值须附证据（化验报告编号等）", "A measured value needs evidence (the lab report's number…)")
    if spec is not None and figure is not None and unit.strip() and not any(e["field"] == "material" for e in errors):
        try:
            parameters.check(parameter, code, figure, unit.strip(), calculation.library(session, actor.enterprise_id))
        except AccountingError as exc:
            wrong(exc.field or "value", exc.zh, exc.en)
    if errors:
        raise StewardError("measured_invalid", "实测值未登记：" + "；".join(e["zh"] for e in errors),
                           "The measured value was not recorded: " + "; ".join(e["en"] for e in errors),
                           field=errors[0]["field"], details=errors)
    assert figure is not None and start is not None
    row = calculation.add_measured_factor(session, actor, parameter=parameter, material=code, value=figure,
                                          unit=unit.strip(), valid_from=start, valid_to=end, evidence=evidence,
                                          batch_quantity=batch, batch_unit=batch_unit.strip() or "t")
    if years is not None:
        years.update(range(start.year, (end.year if end else max(start.year, clock.today().year)) + 1))
    return row


def _day(text: str, field: str, zh: str, en: str, wrong, required: bool = False) -> date | None:
    if not text.strip():
        if required:
            wrong(field, f"请填写「{zh}」", f"Fill in “{en}”")
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        wrong(field, f"「{zh}」应为日期，如 2026-01-01", f"“{en}” must be a date such as 2026-01-01")
        return None
