"""Whether a run still stands: what changed in its year's data after it was made — activity rows added, edited,
removed, confirmed or taken back; measured values and assays; the factor document, GWP set or sector — read from
the changes noted beside each write for that year alone (storage/data_changes.py), said in words on every page
that shows the run."""

from __future__ import annotations

from sqlmodel import Session, func, select

from accounting import like_for_like as lfl
from storage.models import AccountingRun
from storage.models.accounting import DataChange
from storage.models.audit import AuditEntry
from workflows.accounting import anomalies
from workflows.engine import clock

# each kind of change in words: (zh, en singular, en plural) with the count put in
_WORDS = {
    "added": ("新增 {n} 行活动数据", "{n} row of activity data added", "{n} rows of activity data added"),
    "changed": ("修改 {n} 行活动数据", "{n} row of activity data changed", "{n} rows of activity data changed"),
    "removed": ("删除 {n} 行活动数据", "{n} row of activity data removed", "{n} rows of activity data removed"),
    "measured": ("登记 {n} 项实测值", "{n} measured value recorded", "{n} measured values recorded"),
    "remeasured": ("修改或删除 {n} 项实测值", "{n} measured value changed or removed",
                   "{n} measured values changed or removed"),
    "document": ("更改缺省因子依据文件", "the factor document changed", "the factor document changed"),
    "gwp": ("更改 GWP 取值", "the GWP set changed", "the GWP set changed"),
    "sector": ("更改所属行业", "the sector changed", "the sector changed"),
}


def _made(session: Session, run: AccountingRun) -> int | None:
    """The run's place in the audit log as last written: made, or confirmed by a re-run that found the same
    figures (checked_at)."""
    return session.exec(select(func.max(AuditEntry.seq)).where(  # by the entity's index: the runs' entries alone
        AuditEntry.entity == "accounting_run", AuditEntry.entity_id == str(run.id))).one()


def changes_since(session: Session, run: AccountingRun) -> dict | None:
    """The changes to the run's year made after the run ({"zh", "en", "count", "day"}), or None when there are
    none. Reads the year's changes after the run only: other years' data and older history cost nothing."""
    made = _made(session, run)
    d = DataChange
    query = select(d.kind, func.sum(d.rows), func.min(d.at), func.max(d.at)).where(
        d.enterprise_id == run.enterprise_id, d.year == run.year)
    query = query.where(d.seq > made) if made is not None else query.where(d.at > (run.checked_at or run.created_at))
    found = {kind: (int(n), first, last) for kind, n, first, last in session.exec(query.group_by(d.kind))}
    if not found:
        return None
    # the days in the enterprise's time zone, as the pages show times
    first = min(clock.local(f).date() for _, f, _ in found.values())
    last = max(clock.local(t).date() for _, _, t in found.values())
    when = f"{first}" if first == last else f"{first} – {last}"
    kinds = [k for k in _WORDS if k in found]
    parts_zh = [_WORDS[k][0].format(n=found[k][0]) for k in kinds]
    parts_en = [_WORDS[k][1 if found[k][0] == 1 else 2].format(n=found[k][0]) for k in kinds]
    return {"count": sum(n for n, _, _ in found.values()), "day": last,
            "zh": f"本次核算之后数据有变更（{when} {'、'.join(parts_zh)}），数字可能已过时",
            "en": f"The data changed after this run ({', '.join(parts_en)} on {when}): the figures may be out of date"}


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
