"""The third-party verification of a data year's emission report (核查): who verified, from when to when, what they
found and the verified emissions, beside the figure the report stated and the difference. The verified figure is
what the year's surrender is due on (8.5.2, ``workflows/planning/carbon_assets.py``). A verification once recorded
is changed only with a reason: what it replaced stays in its history."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from storage.errors import Conflict, StewardError
from storage.models.ets import EtsReport, EtsVerification
from workflows.engine import clock, machine
from workflows.engine.machine import Actor
from workflows.ets import month as months
from workflows.planning import carbon_assets

KEEPERS = ("carbon_manager",)
READERS = months.READERS
MAX_VERIFIER, MAX_FINDINGS, MAX_REASON = 200, 4000, 2000


@dataclass(frozen=True)
class Reported:
    """The figure the verification is compared with: the report's, or the frozen run's while there is no report."""

    tco2e: float
    from_report: bool

    @property
    def zh(self) -> str:
        return "年度排放报告" if self.from_report else "核算结果（尚未生成年度报告）"

    @property
    def en(self) -> str:
        return "the annual emission report" if self.from_report else "the accounting run (no annual report yet)"


def reported(session: Session, enterprise_id: int, year: int) -> Reported:
    """The year's reported emissions; a year with neither a report nor a run is refused by its name."""
    report = session.exec(select(EtsReport).where(EtsReport.enterprise_id == enterprise_id,
                                                  EtsReport.year == year)).first()
    if report is not None and report.reported_tco2e is not None:
        return Reported(report.reported_tco2e, True)
    try:
        return Reported(carbon_assets.run_emissions(session, enterprise_id, year), False)
    except StewardError:
        raise StewardError("no_report", f"{year} 年既没有年度排放报告，也没有核算结果，无法登记核查",
                           f"{year} has neither an annual emission report nor an accounting run: there is nothing to "
                           "verify", field="year", status=409) from None


def difference(verified: float, reported_t: float) -> tuple[float, float | None]:
    """Verified minus reported, in tonnes and as a share of the reported figure (None when it was nothing)."""
    diff = verified - reported_t
    return diff, (diff / reported_t * 100 if reported_t else None)


def find(session: Session, enterprise_id: int, year: int) -> EtsVerification | None:
    return carbon_assets.verification(session, enterprise_id, year)


def _over(year: int) -> None:
    if year >= clock.today().year:
        raise StewardError("year_open", f"{year} 年尚未结束，年度核查在次年进行",
                           f"{year} is not over yet: a year is verified after it ends", field="year")


def _checked(year: int, verifier: str, started_on: date, ended_on: date, verified_tco2e: float,
             findings: str) -> tuple[str, str]:
    today = clock.today()
    _over(year)
    verifier = " ".join(verifier.split())
    if not verifier:
        raise StewardError("verifier", "请填写核查机构", "Enter the verification body", field="verifier")
    if len(verifier) > MAX_VERIFIER:
        raise StewardError("verifier", f"核查机构名称最多 {MAX_VERIFIER} 个字符",
                           f"The verification body's name has at most {MAX_VERIFIER} characters", field="verifier")
    if started_on <= date(year, 12, 31):
        raise StewardError("started_on", f"核查开始日期应在 {year} 年结束之后",
                           f"Verification of {year} starts after the year has ended", field="started_on")
    for field, day, zh, en in (("started_on", started_on, "开始", "start"), ("ended_on", ended_on, "结束", "end")):
        if day > today:
            raise StewardError(field, f"核查{zh}日期 {day} 晚于今天（{today}）",
                               f"The verification's {en} date {day} is after today ({today})", field=field)
    if ended_on < started_on:
        raise StewardError("ended_on", f"核查结束日期 {ended_on} 早于开始日期 {started_on}",
                           f"The verification ends ({ended_on}) before it starts ({started_on})", field="ended_on")
    if not math.isfinite(verified_tco2e) or verified_tco2e <= 0:
        raise StewardError("verified", "核查排放量须为大于 0 的有限数（t CO₂e）",
                           "The verified emissions must be a finite number above 0 (t CO₂e)", field="verified")
    findings = findings.strip()
    if len(findings) > MAX_FINDINGS:
        raise StewardError("findings", f"核查发现最多 {MAX_FINDINGS} 个字符",
                           f"The findings have at most {MAX_FINDINGS} characters", field="findings")
    return verifier, findings


def record(session: Session, actor: Actor, *, year: int, verifier: str, started_on: date, ended_on: date,
           verified_tco2e: float, findings: str = "", reason: str = "",
           expected_version: int | None = None) -> EtsVerification:
    """Record the year's verification, or correct the one recorded (with a reason; what it replaced is kept). The
    reported figure is taken as it stands now, so the difference stays as it was when the verification was made."""
    machine.require_role(actor, KEEPERS, "登记核查结果", "Recording a verification")
    verifier, findings = _checked(year, verifier, started_on, ended_on, verified_tco2e, findings)
    base = reported(session, actor.enterprise_id, year)
    row = find(session, actor.enterprise_id, year)
    now = clock.utcnow()
    if row is None:
        row = EtsVerification(enterprise_id=actor.enterprise_id, year=year, verifier=verifier, started_on=started_on,
                              ended_on=ended_on, findings=findings, reported_tco2e=base.tco2e,
                              verified_tco2e=verified_tco2e, recorded_by=actor.person.name, recorded_at=now, history=[])
    else:
        if expected_version is not None and row.version != expected_version:
            raise StewardError("stale", f"{year} 年的核查记录已被他人修改，请刷新后重试",
                               f"Someone else changed {year}'s verification; reload and retry", status=409)
        reason = reason.strip()
        if not reason:
            raise StewardError("reason", f"{year} 年的核查已登记：修改须说明原因",
                               f"{year}'s verification is already recorded: give the reason for changing it",
                               field="reason")
        before = {"verifier": row.verifier, "started_on": row.started_on.isoformat(),
                  "ended_on": row.ended_on.isoformat(), "findings": row.findings,
                  "reported_tco2e": row.reported_tco2e, "verified_tco2e": row.verified_tco2e,
                  "recorded_by": row.recorded_by, "recorded_at": row.recorded_at.isoformat()}
        row.history = [*row.history, {"at": now.isoformat(), "by": actor.person.name, "reason": reason[:MAX_REASON],
                                      "before": before}]
        row.verifier, row.started_on, row.ended_on, row.findings = verifier, started_on, ended_on, findings
        row.reported_tco2e, row.verified_tco2e = base.tco2e, verified_tco2e
        row.recorded_by, row.recorded_at = actor.person.name, now
    session.add(row)
    try:
        session.flush()
    except (StaleDataError, IntegrityError):  # someone else recorded or changed it between the read and this write
        raise Conflict("stale", f"{year} 年的核查记录刚被他人登记或修改，请刷新后重试",
                       f"Someone else just recorded or changed {year}'s verification; reload and retry") from None
    carbon_assets.close_reminders_when_done(session, actor.enterprise_id, year)  # the due may now be surrendered
    return row


def view(session: Session, actor: Actor, year: int) -> dict:
    """The year's verification page: the recorded verification with its difference from the report, its
    corrections, and what a new one would be compared with (or why there is nothing to verify yet)."""
    machine.require_role(actor, READERS, "查看核查记录", "Reading the verification")
    row = find(session, actor.enterprise_id, year)
    try:
        _over(year)
        base, problem = reported(session, actor.enterprise_id, year), None
    except StewardError as exc:
        base, problem = None, exc
    diff = difference(row.verified_tco2e, row.reported_tco2e) if row is not None else None
    return {"year": year, "verification": row, "reported": base, "problem": problem,
            "difference": diff, "today": clock.today(),
            "history": [{**h, "at": datetime.fromisoformat(h["at"])} for h in reversed(row.history)] if row else [],
            "can_record": bool(actor.roles & set(KEEPERS))}


def as_json(row: EtsVerification) -> dict:
    diff_t, diff_pct = difference(row.verified_tco2e, row.reported_tco2e)
    return {"year": row.year, "verifier": row.verifier, "started_on": row.started_on.isoformat(),
            "ended_on": row.ended_on.isoformat(), "findings": row.findings, "reported_tco2e": row.reported_tco2e,
            "verified_tco2e": row.verified_tco2e, "difference_t": round(diff_t, 3),
            "difference_pct": None if diff_pct is None else round(diff_pct, 3), "recorded_by": row.recorded_by,
            "recorded_at": clock.stamp(row.recorded_at), "corrections": len(row.history)}

