"""A month's package for the national platform: every required item with its value and where it came from, the
evidence files behind each, its status and its deadline. Submitting is signed by a carbon manager with the
platform's receipt number; after that, a change needs a correction with a reason, and both stay in its history.

The status of a month not yet submitted follows its content: ``missing`` while a required value or file is lacking,
``ready`` once all are there (each upload or entry moves it; the monthly flow looks again for data that changed)."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from sqlalchemy import func
from sqlmodel import Session, select

from accounting import ets_monthly, units
from accounting.ets_monthly import EVIDENCE, SOURCES, Item
from accounting.factors import of_month
from forms.uploads import evidence_type, type_by_name
from storage.errors import NotFound, StewardError
from storage.files import FileStore
from storage.models import ActivityRecord, Enterprise, EnterpriseFactor, EtsEvidence, EtsMonth, EtsProfile, FuelAssay
from storage.vocab import Labelled
from workflows.engine import clock, history, lifecycle_index, machine, stored
from workflows.engine.machine import Actor, Lifecycle, Transition, Unmet
from workflows.ets import profile as profiles

SUBMITTERS = ("carbon_manager",)
PREPARERS = ("carbon_manager", "department_head")
READERS = ("carbon_manager", "top_management", "carbon_body_member", "department_head", "internal_auditor", "viewer")
REMINDERS = ("ets_remind_10", "ets_remind_3", "ets_overdue")  # the tasks a submission settles


class EtsState(Labelled):
    missing = ("missing", "待补齐", "Missing")
    ready = ("ready", "待报送", "Ready")
    submitted = ("submitted", "已报送", "Submitted")
    correcting = ("correcting", "更正中", "Being corrected")


@dataclass(frozen=True)
class Line:
    """One item of the month as the page, the download and the CLI show it."""

    item: Item
    value: float | None
    unit: str
    source_zh: str
    source_en: str
    files: list[EtsEvidence]

    @property
    def lacks(self) -> list[str]:
        if not self.item.required:
            return []
        return ([] if self.value is not None else ["value"]) + ([] if self.files else ["evidence"])

    def as_dict(self) -> dict:
        return {"item": self.item.code, "name_zh": self.item.zh, "name_en": self.item.en, "value": self.value,
                "unit": self.unit, "required": self.item.required, "source_zh": self.source_zh,
                "source_en": self.source_en, "evidence_kind": self.item.evidence,
                "evidence": [{"file": f.file_name, "sha256": f.sha256, "uploaded_by": f.uploaded_by,
                              "uploaded_at": f.uploaded_at.isoformat()} for f in self.files],
                "lacks": self.lacks}


def lacking(lines: list[Line]) -> tuple[str, str] | None:
    """What a submission would still lack, named item by item in both languages; None when nothing."""
    zh, en = [], []
    for line in lines:
        for what in line.lacks:
            kind_zh, kind_en = EVIDENCE[line.item.evidence]
            zh.append(f"{line.item.zh}（{'数值' if what == 'value' else kind_zh}）")
            en.append(f"{line.item.en} ({'value' if what == 'value' else kind_en.lower()})")
    return ("、".join(zh), "; ".join(en)) if zh else None


def _complete(session: Session, row: EtsMonth, actor) -> Unmet | None:
    missing = lacking(lines(session, row.enterprise_id, row.month, row))
    if missing:
        return Unmet(f"不能报送：缺少 {missing[0]}", f"Cannot submit: missing {missing[1]}")
    return None


def _content(row: EtsMonth) -> str:
    """What the signature covers: the values submitted and the receipt they went under."""
    return hashlib.sha256(json.dumps([row.submitted_values, row.receipt], sort_keys=True, default=str)
                          .encode()).hexdigest()


def describe(session: Session, row: EtsMonth) -> tuple[str, str]:
    return f"{row.month:%Y-%m} 碳市场月度数据", f"the {row.month:%Y-%m} carbon-market month"


TRANSITIONS = [
    Transition(trigger="complete", source="missing", dest="ready", zh="资料齐全", en="Complete"),
    Transition(trigger="lapse", source="ready", dest="missing", zh="资料不全", en="Incomplete again"),
    Transition(trigger="submit", source=["missing", "ready", "correcting"], dest="submitted", zh="报送",
               en="Submit", roles=SUBMITTERS, guards=[_complete], signature="submitted", separate_signer=False),
    Transition(trigger="correct", source="submitted", dest="correcting", zh="更正", en="Correct", roles=SUBMITTERS,
               comment_required=True),
]
LIFECYCLE = Lifecycle("ets_month", "碳市场月度数据", "Carbon-market month", EtsState, "missing", TRANSITIONS,
                      content_hash=_content, describe=describe)


def parse_month(text: str) -> date:
    """YYYY-MM, a month the forms take."""
    try:
        year, number = (int(x) for x in text.strip().split("-"))
        first = date(year, number, 1)
    except (ValueError, OverflowError):
        raise StewardError("month", "月份应为 YYYY-MM", "The month is YYYY-MM", field="month") from None
    if not 1900 <= year <= 2999:
        raise StewardError("month", "月份应为 YYYY-MM", "The month is YYYY-MM", field="month")
    return first


def find(session: Session, enterprise_id: int, month: date) -> EtsMonth | None:
    return session.exec(select(EtsMonth).where(EtsMonth.enterprise_id == enterprise_id, EtsMonth.month == month)).first()


def _in_scope(session: Session, enterprise_id: int, month: date) -> None:
    _owed(profiles.required(session, enterprise_id), month)
    if month > clock.today().replace(day=1):
        raise StewardError("future_month", f"{month:%Y-%m} 尚未开始", f"{month:%Y-%m} has not begun", field="month")


def _owed(profile: EtsProfile, month: date) -> None:
    """Refuse a month the enterprise owes no package for: before its listing, or before its sector's monthly start."""
    if month.year < profile.listed_from:
        raise StewardError("not_listed", f"{month:%Y-%m} 早于纳入全国碳市场的数据年度 {profile.listed_from}",
                           f"{month:%Y-%m} is before {profile.listed_from}, the first data year on the national list",
                           field="month")
    first = ets_monthly.first_month(profile.sector, profile.listed_from)
    if month < first:
        raise StewardError("not_monthly", f"{month:%Y-%m} 不按月报送：本行业自 {first:%Y-%m} 起按月上传，此前的年度只报年度排放报告",
                           f"{month:%Y-%m} has no monthly upload: the sector uploads month by month from {first:%Y-%m};"
                           " earlier years are reported for the year only", field="month")


def ensure(session: Session, enterprise_id: int, month: date) -> tuple[EtsMonth, bool]:
    """The month's package, opened now if it was not yet (with the deadline the profile gives)."""
    row = find(session, enterprise_id, month)
    if row is not None:
        return row, False
    _in_scope(session, enterprise_id, month)
    profile = profiles.required(session, enterprise_id)
    row = EtsMonth(enterprise_id=enterprise_id, month=month,
                   deadline=ets_monthly.deadline(month, profile.deadline_days, profile.sector),
                   opened_at=clock.utcnow())
    session.add(row)
    session.flush()
    attach_assays(session, enterprise_id, month)
    return row, True


def _measured_value(found: list[EnterpriseFactor], month: date, unit: str) -> tuple[float | None, str, str]:
    """The month's measured value in ``unit``: the determinations made in the month (or recorded for a span
    holding it) weighted by the quantity each stands for, as the power guideline weights a month of batches; else
    the newest value in force. Each converted to ``unit``."""
    if not found:
        return None, "本月没有有效的实测值", "no measured value in force for the month"
    batches = [f for f in found if of_month(f.valid_from, f.valid_to, month)]
    chosen = batches or [found[-1]]  # the newest in force wins when the month has no determination of its own
    scales = [units.ratio(f.unit, unit) for f in chosen]
    if any(k is None for k in scales):
        wrong = next(f for f, k in zip(chosen, scales, strict=True) if k is None)
        return None, f"实测值单位为 {wrong.unit}，不能换算为 {unit}", f"measured in {wrong.unit}, which does not " \
            f"convert to {unit}"
    values = [f.value * (k or 1.0) for f, k in zip(chosen, scales, strict=True)]
    if len(chosen) == 1:
        f = chosen[0]
        return values[0], f"实测值（{f.valid_from} 起）：{f.evidence}", f"measured value (from {f.valid_from}): {f.evidence}"
    if any(not f.batch_quantity for f in chosen):
        return None, f"本月有 {len(chosen)} 次测定，但并非每次都记录了所代表的燃料量：请为每一批次填写批次量，以便按量加权", \
            f"{len(chosen)} determinations this month, but not each says the quantity it stands for: record each " \
            "batch's quantity so the month is weighted by it"
    weights = [f.batch_quantity * (units.ratio(f.batch_unit or "t", "t") or 1.0) for f in chosen]  # type: ignore[operator]
    value = sum(w * v for w, v in zip(weights, values, strict=True)) / sum(weights)
    evidence = "；".join(dict.fromkeys(f.evidence for f in chosen if f.evidence))
    return value, f"实测值：本月 {len(chosen)} 批按量加权（{sum(weights):,.6g} t）：{evidence}", \
        f"measured: {len(chosen)} batches this month weighted by quantity ({sum(weights):,.6g} t): {evidence}"


def _element_from_per_heat(measured: dict, month: date, item: Item) -> tuple[float, str, str] | None:
    """Element carbon (carbon per tonne of fuel) from the month's carbon per unit of heat × its NCV, when the
    laboratory's results were recorded per heat (the assays put both in force for the month)."""
    cc, cc_zh, cc_en = _measured_value(measured.get(("carbon_content", item.material), []), month, "tC/GJ")
    q, _, _ = _measured_value(measured.get(("ncv", item.material), []), month, "GJ/t")
    if cc is None or q is None:
        return None
    per_t = units.ratio("tC/t", item.unit)
    if per_t is None:
        return None
    value = round(cc * q * per_t, 6)
    return value, f"由单位热值含碳量 {cc:.6g} tC/GJ × 低位发热量 {q:.6g} GJ/t 换算；{cc_zh}", \
        f"from carbon per heat {cc:.6g} tC/GJ × NCV {q:.6g} GJ/t; {cc_en}"


def _live_lines(session: Session, enterprise_id: int, month: date, profile: EtsProfile,
                files: dict[str, list[EtsEvidence]], entered: dict) -> list[Line]:
    """Every item of the profile with its value now: typed for the month, else from the month's activity data or
    the month's measured values, converted to the item's unit. Two reads for the month, whatever the items."""
    activity: dict[tuple[str, str], list] = {}
    for category, material, unit, total, rows, evidence in session.exec(
            select(ActivityRecord.category, ActivityRecord.material, ActivityRecord.unit,
                   func.sum(ActivityRecord.quantity), func.count(), func.min(ActivityRecord.evidence))
            .where(ActivityRecord.enterprise_id == enterprise_id, ActivityRecord.period == month)
            .group_by(ActivityRecord.category, ActivityRecord.material, ActivityRecord.unit)):
        activity.setdefault((category, material), []).append((unit, total, rows, evidence))
    end = ets_monthly.month_end(month)
    measured: dict[tuple[str, str], list[EnterpriseFactor]] = {}
    for factor in session.exec(select(EnterpriseFactor).where(
            EnterpriseFactor.enterprise_id == enterprise_id, EnterpriseFactor.valid_from <= end,
            (EnterpriseFactor.valid_to.is_(None)) | (EnterpriseFactor.valid_to >= month))
            .order_by(EnterpriseFactor.valid_from, EnterpriseFactor.id)):
        measured.setdefault((factor.parameter, factor.material), []).append(factor)
    out = []
    for item in profiles.items(profile):
        value, unit, zh, en = None, item.unit, "", ""
        if item.code in entered:
            typed = entered[item.code]
            value, zh, en = typed["value"], f"月度填报：{typed['note']}（{typed['by']}）", \
                f"entered for the month: {typed['note']} ({typed['by']})"
        elif item.source == "activity":
            found = activity.get((item.parameter, item.material), [])
            scales = [units.ratio(f[0], item.unit) for f in found]
            if found and all(k is not None for k in scales):
                value = round(sum(f[1] * (k or 1.0) for f, k in zip(found, scales, strict=True)), 6)
                rows = sum(f[2] for f in found)
                evidence = "；".join(dict.fromkeys(f[3] for f in found if f[3]))
                shown = "、".join(f[0] for f in found)
                zh, en = f"活动数据 {rows} 行：{evidence}", f"activity data, {rows} row(s): {evidence}"
                if shown != item.unit:
                    zh, en = f"{zh}（由 {shown} 换算）", f"{en} (converted from {shown})"
            elif found:
                wrong = next(f[0] for f, k in zip(found, scales, strict=True) if k is None)
                zh = f"活动数据单位为 {wrong}，不能换算为本项单位 {item.unit}，请按 {item.unit} 填报"
                en = f"activity data are in {wrong}, which does not convert to {item.unit}; enter the value in {item.unit}"
            else:
                zh, en = "本月没有活动数据", "no activity data for the month"
        elif item.source == "measured":
            value, zh, en = _measured_value(measured.get((item.parameter, item.material), []), month, item.unit)
            if value is None and item.parameter == "carbon_element" and not measured.get((item.parameter, item.material)):
                value, zh, en = _element_from_per_heat(measured, month, item) or (value, zh, en)
        else:
            zh, en = "须按月填报", "to be entered for the month"
        out.append(Line(item, value, unit, zh, en, files.get(item.code, [])))
    return out


def _frozen_lines(profile: EtsProfile, row: EtsMonth, files: dict[str, list[EtsEvidence]]) -> list[Line]:
    """A submitted month as it was submitted and signed: data changed afterwards do not rewrite what the platform
    received (``changed_since`` says what moved)."""
    items = {item.code: item for item in profiles.items(profile)}
    out = []
    for v in row.submitted_values:
        item = items.get(v["item"]) or Item(v["item"], v["name_zh"], v["name_en"], v["unit"], "entered", "", "",
                                            v.get("evidence_kind") or "production_report", "", "",
                                            required=v.get("required", True))
        out.append(Line(item, v["value"], v["unit"], v["source_zh"], v["source_en"], files.get(item.code, [])))
    return out


def lines(session: Session, enterprise_id: int, month: date, row: EtsMonth | None) -> list[Line]:
    """The month's items: as submitted for a submitted month, else as the data give them now."""
    profile = profiles.required(session, enterprise_id)
    files: dict[str, list[EtsEvidence]] = {}
    if row is not None:
        for f in session.exec(select(EtsEvidence).where(EtsEvidence.month_id == row.id).order_by(EtsEvidence.id)):
            files.setdefault(f.item, []).append(f)
    if row is not None and row.state == EtsState.submitted and row.submitted_values:
        return _frozen_lines(profile, row, files)
    return _live_lines(session, enterprise_id, month, profile, files, row.entered if row is not None else {})


def changed_since(session: Session, row: EtsMonth | None, shown: list[Line]) -> list[dict]:
    """What the data say now that differs from what was submitted: each such item with both figures, so a change
    after the submission is seen and put right by a correction rather than silently shown as submitted."""
    if row is None or row.state != EtsState.submitted or not row.submitted_values:
        return []
    profile = profiles.required(session, row.enterprise_id)  # the values now; the files are the submitted ones
    now = {line.item.code: line.value for line in _live_lines(session, row.enterprise_id, row.month, profile, {},
                                                              row.entered)}
    out = []
    for line in shown:
        then, current = line.value, now.get(line.item.code)
        if then == current or (then is not None and current is not None
                               and math.isclose(then, current, rel_tol=1e-9, abs_tol=1e-9)):
            continue
        out.append({"item": line.item.code, "zh": line.item.zh, "en": line.item.en, "unit": line.unit,
                    "submitted": then, "now": current})
    return out


def status(row: EtsMonth | None, found: list[Line]) -> EtsState:
    if row is not None and row.state in (EtsState.submitted, EtsState.correcting):
        return EtsState(row.state)
    return EtsState.missing if lacking(found) else EtsState.ready


def refresh(session: Session, row: EtsMonth) -> EtsState:
    """Move a month not yet submitted to what its content says (missing ↔ ready)."""
    now = status(row, lines(session, row.enterprise_id, row.month, row))
    if row.state == EtsState.missing and now == EtsState.ready:
        machine.fire_system(session, LIFECYCLE, row, "complete", "all required values and evidence are in")
    elif row.state == EtsState.ready and now == EtsState.missing:
        machine.fire_system(session, LIFECYCLE, row, "lapse", "a required value is no longer there")
    return now


def _open_for_change(row: EtsMonth) -> None:
    if row.state == EtsState.submitted:
        raise StewardError("submitted", f"{row.month:%Y-%m} 已报送：如需修改，请先提出更正并说明原因",
                           f"{row.month:%Y-%m} has been submitted: to change it, start a correction with a reason",
                           status=409)


def _item(session: Session, enterprise_id: int, code: str) -> Item:
    for item in profiles.items(profiles.required(session, enterprise_id)):
        if item.code == code:
            return item
    raise StewardError("item", "没有这个数据项", "No such item", field="item")


def add_evidence(session: Session, actor: Actor, month: date, item_code: str, file_name: str, stream: BinaryIO,
                 store: FileStore, max_bytes: int) -> EtsEvidence:
    """Keep a file behind one item: checked from its bytes (photo, pdf, docx, xlsx), kept by its hash."""
    machine.require_role(actor, PREPARERS, "上传碳市场月度证据", "Uploading carbon-market evidence")
    item = _item(session, actor.enterprise_id, item_code)
    row, _ = ensure(session, actor.enterprise_id, month)
    _open_for_change(row)
    if not file_name:
        raise StewardError("file", "请选择要上传的文件", "Choose a file to upload", field="file")
    sha, mime = stored.keep_checked(session, store, stream, max_bytes, lambda path: evidence_type(file_name, path))
    kept = EtsEvidence(enterprise_id=actor.enterprise_id, month_id=row.id, item=item.code, kind=item.evidence,
                       file_name=file_name[-200:], sha256=sha, media_type=mime, uploaded_by=actor.label,
                       uploaded_at=clock.utcnow())
    session.add(kept)
    session.flush()
    refresh(session, row)
    return kept


ASSAYED = ("ncv", "carbon_content", "carbon_element")  # the measured parameters a fuel assay puts in force


def attach_assays(session: Session, enterprise_id: int, month: date, material: str | None = None) -> int:
    """The month's assay reports as the evidence of the measured items they fed (the coal's NCV and carbon), so
    nobody uploads them twice: when an assay is recorded, and when the package opens after its assays. Nothing if
    the package is not open (one is never opened for them: old months stay the year view's) or already submitted
    (that changes only by a correction). Returns the files attached."""
    row = find(session, enterprise_id, month)
    if row is None or row.state == EtsState.submitted:
        return 0
    query = select(FuelAssay).where(FuelAssay.enterprise_id == enterprise_id, FuelAssay.period == month)
    if material is not None:
        query = query.where(FuelAssay.material == material)
    items = [i for i in profiles.items(profiles.required(session, enterprise_id))
             if i.source == "measured" and i.parameter in ASSAYED]
    have = {(f.item, f.sha256) for f in session.exec(select(EtsEvidence).where(EtsEvidence.month_id == row.id))}
    added = 0
    for assay in session.exec(query.order_by(FuelAssay.id)):
        media = type_by_name(assay.report_name)
        if media is None:  # a report kept before its type was checked is not passed on as evidence
            continue
        for item in items:
            if item.material == assay.material and (item.code, assay.report_sha256) not in have:
                session.add(EtsEvidence(enterprise_id=enterprise_id, month_id=row.id, item=item.code,
                                        kind=item.evidence, file_name=assay.report_name[-200:],
                                        sha256=assay.report_sha256, media_type=media, uploaded_by=assay.recorded_by,
                                        uploaded_at=clock.utcnow()))
                have.add((item.code, assay.report_sha256))
                added += 1
    if added:
        session.flush()
        refresh(session, row)
    return added


def enter(session: Session, actor: Actor, month: date, item_code: str, value: float, note: str) -> EtsMonth:
    """A value typed for the month (operating hours, load factor, or one the data do not give), with where it
    came from."""
    machine.require_role(actor, PREPARERS, "填报碳市场月度数据", "Entering carbon-market monthly values")
    item = _item(session, actor.enterprise_id, item_code)
    if not math.isfinite(value) or value < 0:
        raise StewardError("value", f"「{item.zh}」须为不小于 0 的有限数", f"{item.en} must be a finite number, not negative",
                           field="value")
    if not note.strip():
        raise StewardError("note", "请说明数值的来源（报表、台账等）", "Say where the value comes from (report, ledger…)",
                           field="note")
    row, _ = ensure(session, actor.enterprise_id, month)
    _open_for_change(row)
    row.entered = {**row.entered, item.code: {"value": value, "note": note.strip()[:300], "by": actor.person.name,
                                              "at": clock.utcnow().isoformat()}}
    session.add(row)
    session.flush()
    refresh(session, row)
    return row


def submit(session: Session, actor: Actor, month: date, *, receipt: str, password: str | None,
           expected_version: int | None = None) -> EtsMonth:
    """Sign the month as submitted, with the receipt number the platform gave; a month lacking a required value or
    file is refused naming each."""
    machine.require_role(actor, SUBMITTERS, "报送碳市场月度数据", "Submitting the carbon-market month")
    row, _ = ensure(session, actor.enterprise_id, month)
    machine.check_version(LIFECYCLE, row, expected_version)
    if row.state == EtsState.submitted:
        raise StewardError("submitted", f"{month:%Y-%m} 已报送（回执号 {row.receipt}）",
                           f"{month:%Y-%m} is already submitted (receipt {row.receipt})", status=409)
    machine.check_guards(session, LIFECYCLE, row, "submit", actor)
    receipt = receipt.strip()
    if not receipt or len(receipt) > 80:
        raise StewardError("receipt", "请填写平台回执号（最多 80 个字符）", "Enter the platform's receipt number (at most 80 "
                           "characters)", field="receipt")
    found = lines(session, actor.enterprise_id, month, row)
    now = clock.utcnow()
    row.submitted_values = [{k: v for k, v in line.as_dict().items() if k != "lacks"} for line in found]
    row.receipt, row.submitted_by, row.submitted_at = receipt, actor.person.name, now
    row.history = [*row.history, {"kind": "submitted", "at": now.isoformat(), "by": actor.person.name,
                                  "receipt": receipt, "values": {v["item"]: v["value"] for v in row.submitted_values}}]
    machine.fire(session, LIFECYCLE, row, "submit", actor, password=password)
    for name in REMINDERS:
        machine.close_tasks(session, name, row.id)
    return row


def correct(session: Session, actor: Actor, month: date, reason: str, expected_version: int | None = None) -> EtsMonth:
    """Open a submitted month for a correction; the reason stays in its history."""
    machine.require_role(actor, SUBMITTERS, "更正碳市场月度数据", "Correcting a carbon-market month")
    row = find(session, actor.enterprise_id, month)
    if row is None:
        raise NotFound("ets_month", f"{month:%Y-%m} 尚未报送", f"{month:%Y-%m} has not been submitted")
    if not reason.strip():
        raise StewardError("comment", "请说明更正原因", "Give the reason for the correction", field="comment")
    machine.check_version(LIFECYCLE, row, expected_version)
    row.history = [*row.history, {"kind": "correction", "at": clock.utcnow().isoformat(), "by": actor.person.name,
                                  "reason": reason.strip()[:2000]}]
    machine.fire(session, LIFECYCLE, row, "correct", actor, comment=reason.strip())
    return row


def late(row: EtsMonth | None, deadline: date) -> bool:
    if row is not None and row.submitted_at is not None and row.state in (EtsState.submitted, EtsState.correcting):
        return clock.local(row.submitted_at).date() > deadline  # being corrected: judged by when it went in
    return clock.today() > deadline


def package(session: Session, enterprise_id: int, month: date) -> dict:
    """Everything one month's page, download and ``steward ets month`` show."""
    profile = profiles.required(session, enterprise_id)
    row = find(session, enterprise_id, month)
    if row is None:
        _owed(profile, month)
    found = lines(session, enterprise_id, month, row)
    deadline = row.deadline if row is not None else ets_monthly.deadline(month, profile.deadline_days, profile.sector)
    enterprise = session.get(Enterprise, enterprise_id)
    return {"enterprise": enterprise, "profile": profile, "month": month, "row": row, "lines": found,
            "status": status(row, found), "lacking": lacking(found), "deadline": deadline,
            "days_left": (deadline - clock.today()).days, "late": late(row, deadline),
            "changed_since": changed_since(session, row, found)}


def as_json(pkg: dict) -> dict:
    row = pkg["row"]
    return {"enterprise": pkg["enterprise"].code, "month": f"{pkg['month']:%Y-%m}", "status": pkg["status"].value,
            "status_zh": pkg["status"].zh, "status_en": pkg["status"].en, "deadline": pkg["deadline"].isoformat(),
            "days_left": pkg["days_left"], "late": pkg["late"],
            "submitted": {"by": row.submitted_by, "at": clock.stamp(row.submitted_at), "receipt": row.receipt}
            if row is not None and row.submitted_at else None,
            "items": [line.as_dict() for line in pkg["lines"]], "changed_since_submission": pkg["changed_since"]}


def readable(session: Session, actor: Actor, month: date) -> dict:
    """The month's package for someone whose role reads the carbon-market months, within their enterprise."""
    machine.require_role(actor, READERS, "查看碳市场月度数据", "Reading the carbon-market months")
    return package(session, actor.enterprise_id, month)


def view(session: Session, actor: Actor, month: date) -> dict:
    pkg = readable(session, actor, month)
    row = pkg["row"]
    return {**pkg, "sources": SOURCES, "unit_labels": ets_monthly.UNIT_LABELS, "evidence_kinds": EVIDENCE, "states": EtsState,
            "can_prepare": bool(actor.roles & set(PREPARERS)) and (row is None or row.state != EtsState.submitted),
            "can_submit": bool(actor.roles & set(SUBMITTERS)) and (row is None or row.state != EtsState.submitted),
            "can_correct": bool(actor.roles & set(SUBMITTERS)) and row is not None and row.state == EtsState.submitted,
            "moves": history.moves(session, LIFECYCLE.name, [row.id]) if row is not None else [],
            "history": [{**h, "at": datetime.fromisoformat(h["at"])} for h in row.history] if row is not None else []}


def year(session: Session, actor: Actor, year_: int) -> list[dict]:
    """The year's months that have ended, each with its state, deadline and receipt: one read for the year."""
    machine.require_role(actor, READERS, "查看碳市场月度数据", "Reading the carbon-market months")
    profile = profiles.required(session, actor.enterprise_id)
    today = clock.today()
    rows = {r.month: r for r in session.exec(select(EtsMonth).where(
        EtsMonth.enterprise_id == actor.enterprise_id, EtsMonth.month >= date(year_, 1, 1),
        EtsMonth.month <= date(year_, 12, 1)))}
    out = []
    first = ets_monthly.first_month(profile.sector, profile.listed_from)
    for number in range(1, 13):
        month = date(year_, number, 1)
        if month >= today.replace(day=1):
            break
        if month < first:
            continue
        row = rows.get(month)
        deadline = row.deadline if row is not None else ets_monthly.deadline(month, profile.deadline_days, profile.sector)
        state = EtsState(row.state) if row is not None else EtsState.missing
        out.append({"month": month, "row": row, "state": state, "deadline": deadline,
                    "days_left": (deadline - today).days, "late": late(row, deadline)})
    return out


def get(session: Session, actor: Actor, number: str) -> EtsMonth:
    try:
        month = parse_month(number)
    except StewardError:
        raise NotFound("ets_month", f"没有 {number} 的碳市场月度数据", f"No carbon-market month {number}") from None
    row = find(session, actor.enterprise_id, month)
    if row is None:
        raise NotFound("ets_month", f"没有 {number} 的碳市场月度数据", f"No carbon-market month {number}")
    return row


lifecycle_index.register(LIFECYCLE, get, {
    "submit": lambda s, a, row, sub: submit(s, a, row.month, receipt=sub.comment, password=sub.password,
                                            expected_version=sub.version),
    "correct": lambda s, a, row, sub: correct(s, a, row.month, sub.comment, sub.version),
})


def evidence_of(session: Session, actor: Actor, month: date, number: int) -> EtsEvidence:
    """One evidence file of this enterprise's month, by its number on the page."""
    machine.require_role(actor, READERS, "查看碳市场月度证据", "Reading the carbon-market evidence")
    row = find(session, actor.enterprise_id, month)
    kept = session.get(EtsEvidence, number)
    if row is None or kept is None or kept.month_id != row.id:
        raise NotFound("ets_evidence", f"{month:%Y-%m} 没有证据文件 #{number}", f"{month:%Y-%m} has no evidence file #{number}")
    return kept
