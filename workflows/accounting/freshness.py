"""Whether a run still stands: what changed in its year's activity data and measured values after it was made,
read from the audit log (every written row is there, in order), said in words on every page that shows the run."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, func, select

from accounting import like_for_like as lfl
from storage.models import AccountingRun
from storage.models.audit import AuditEntry
from workflows.accounting import anomalies
from workflows.engine import clock

ACTIVITY, MEASURED = "activity_record", "enterprise_factor"


def _in_year(entity: str, row: dict | None, year: int) -> bool:
    if not row:
        return False
    if entity == ACTIVITY:
        return str(row.get("period", ""))[:4] == str(year)
    start, end = str(row.get("valid_from") or ""), str(row.get("valid_to") or "9999")
    return start[:4] <= str(year) <= end[:4]  # a measured value read by any month of the year


def changes_since(session: Session, run: AccountingRun) -> dict | None:
    """The changes to the run's year made after the run ({"zh", "en", "count"}), or None when there are none."""
    # the run as last written: made, or confirmed by a re-run that found the same figures (checked_at)
    made = session.exec(select(func.max(AuditEntry.seq)).where(
        AuditEntry.entity == "accounting_run", AuditEntry.entity_id == str(run.id))).one()
    query = select(AuditEntry.at, AuditEntry.action, AuditEntry.entity, AuditEntry.before, AuditEntry.after).where(
        AuditEntry.enterprise_id == run.enterprise_id, AuditEntry.entity.in_((ACTIVITY, MEASURED)))
    query = query.where(AuditEntry.seq > made) if made is not None else \
        query.where(AuditEntry.at > (run.checked_at or run.created_at))
    counts = {"insert": 0, "update": 0, "delete": 0, "measured": 0}
    days: list[date] = []
    for at, action, entity, before, after in session.exec(query.order_by(AuditEntry.seq)):
        if not (_in_year(entity, after, run.year) or _in_year(entity, before, run.year)):
            continue
        counts["measured" if entity == MEASURED else action] += 1
        days.append(clock.local(at).date())  # the day in the enterprise's time zone, as the pages show times
    if not days:
        return None
    first, last = min(days), max(days)
    when = f"{first}" if first == last else f"{first} – {last}"
    parts_zh = [w for n, w in ((counts["insert"], f"新增 {counts['insert']} 行活动数据"),
                               (counts["update"], f"修改 {counts['update']} 行活动数据"),
                               (counts["delete"], f"删除 {counts['delete']} 行活动数据"),
                               (counts["measured"], f"登记 {counts['measured']} 项实测值")) if n]
    parts_en = [w for n, w in ((counts["insert"], _rows(counts["insert"], "added")),
                               (counts["update"], _rows(counts["update"], "changed")),
                               (counts["delete"], _rows(counts["delete"], "removed")),
                               (counts["measured"], f"{counts['measured']} measured value"
                                + ("" if counts["measured"] == 1 else "s") + " recorded")) if n]
    return {"count": len(days), "day": last,
            "zh": f"本次核算之后数据有变更（{when} {'、'.join(parts_zh)}），数字可能已过时",
            "en": f"The data changed after this run ({', '.join(parts_en)} on {when}): the figures may be out of date"}


def _rows(n: int, done: str) -> str:
    return f"{n} row{'' if n == 1 else 's'} of activity data {done}"


def standing(session: Session, run: AccountingRun, lang: str) -> dict:
    """Whether the run's figures still stand, in words, for every page that shows the run: the data changed after
    it (``stale``), and the months it covers that are incomplete, each with why (``incomplete``)."""
    en = lang == "en"
    changed = changes_since(session, run)
    covered = lfl.covered(run.totals)
    gaps = anomalies.incomplete_months(session, run.enterprise_id, run.year,
                                       list(range(1, max(covered) + 1)) if covered else None)
    return {"stale": changed["en" if en else "zh"] if changed else None,
            "incomplete": [f.en if en else f.zh for f in gaps]}
