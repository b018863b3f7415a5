"""Which years' accounting a transaction changes, written beside the change (``data_change``), so whether a run
still stands reads only its own year's changes after it — never the audit log of every year, whose entry of an
edit holds only the fields it changed and so no period.

A flush notes, per enterprise, the years and kinds of change: an activity row added, edited (its old and its new
year when it moved), removed, confirmed into the figures or taken out of them (maker-checker); a measured value or
an assay's value in force (every year it is in force); the factor document or the GWP set or the sector (every
year with a run). A row that waits for confirmation counts in no run, so its coming and going changes nothing.
At commit, after the audit log has chained the transaction's entries, each note is written with the place in the
log (``seq``) of the last entry its flush wrote: a run made before the change, even earlier in the same
transaction, has a smaller one, a run made after it a larger one.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session as OrmSession

from storage import audit_log  # noqa: F401  (its commit listener must chain the entries before ours reads them)
from storage.models import AccountingRun, ActivityRecord, Enterprise, EnterpriseFactor, FactorDocument
from storage.models.accounting import DataChange
from storage.models.audit import AuditChain, AuditEntry

NOTES = "data_changes"  # session.info key: (enterprise, first year, last year or None for open, kind) → rows
COUNTED = "data_changes_counted"  # session.info key: enterprise → its audit entries this transaction has noted
ALL = 0  # first year of a change that reaches every year (a setting): the years with a run
# what a run reads of an activity row; its evidence, meter and batch do not change a figure
_FIGURES = ("period", "category", "material", "quantity", "unit", "facility_id", "source")
_SETTINGS = {"gwp_set": "gwp", "gwp_reason": "gwp", "industry": "sector"}


def _old(obj, key: str):
    """A column's value as the database held it before this flush."""
    hist = inspect(obj).attrs[key].history
    return hist.deleted[0] if hist.deleted else (hist.unchanged[0] if hist.unchanged else getattr(obj, key))


def _changed(obj, key: str) -> bool:
    hist = inspect(obj).attrs[key].history
    return bool(hist.added or hist.deleted) and _old(obj, key) != getattr(obj, key)


def _activity(notes: Counter, obj: ActivityRecord, action: str) -> None:
    eid = obj.enterprise_id
    if action == "insert":
        if not obj.pending:
            notes[(eid, obj.period.year, obj.period.year, "added")] += 1
        return
    if action == "delete":
        if not _old(obj, "pending"):
            year = _old(obj, "period").year
            notes[(eid, year, year, "removed")] += 1
        return
    was, now = not _old(obj, "pending"), not obj.pending
    before, after = _old(obj, "period").year, obj.period.year
    if was and now and any(_changed(obj, k) for k in _FIGURES):
        for year in {before, after}:
            notes[(eid, year, year, "changed")] += 1
    elif was and not now:
        notes[(eid, before, before, "removed")] += 1
    elif now and not was:
        notes[(eid, after, after, "added")] += 1


def _span(valid_from, valid_to) -> tuple[int, int | None]:
    return valid_from.year, valid_to.year if valid_to is not None else None


def _measured(notes: Counter, obj: EnterpriseFactor, action: str) -> None:
    spans = {_span(obj.valid_from, obj.valid_to)} if action == "insert" else {
        _span(_old(obj, "valid_from"), _old(obj, "valid_to"))}
    if action == "update":
        spans.add(_span(obj.valid_from, obj.valid_to))
    for first, last in spans:
        notes[(obj.enterprise_id, first, last, "measured" if action == "insert" else "remeasured")] += 1


@event.listens_for(OrmSession, "after_flush")
def _note(session: OrmSession, _ctx) -> None:
    # how many of each enterprise's audit entries this transaction has noted so far, this flush's included (the
    # audit log's listener ran first): a change's place in its chain, known once the chain is written at commit
    entries = session.info.get(audit_log.PENDING, [])
    counted: Counter = session.info.setdefault(COUNTED, Counter())
    counted.update(item[4] for item in entries[counted.total():])
    notes: Counter = Counter()
    for action, objs in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objs:
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            if isinstance(obj, ActivityRecord):
                _activity(notes, obj, action)
            elif isinstance(obj, EnterpriseFactor):
                _measured(notes, obj, action)
            elif isinstance(obj, FactorDocument):
                notes[(obj.enterprise_id, ALL, None, "document")] += 1
            elif isinstance(obj, Enterprise) and action == "update":
                for kind in {kind for key, kind in _SETTINGS.items() if _changed(obj, key)}:
                    notes[(obj.id, ALL, None, kind)] += 1
    if notes:
        session.info.setdefault(NOTES, Counter()).update(
            {(*key, counted[key[0]]): n for key, n in notes.items()})


@event.listens_for(OrmSession, "before_commit")
def _write(session: OrmSession) -> None:
    notes: Counter | None = session.info.pop(NOTES, None)
    counted: Counter = session.info.pop(COUNTED, Counter())
    if not notes:
        return
    conn = session.connection()
    at = datetime.now(timezone.utc)
    rows: Counter = Counter()
    accounted: dict[int, set[int]] = {}
    for (eid, first, last, kind, place), n in notes.items():
        years = {first}
        if last != first:  # a span: its first year, and the others that have a run (a later run reads the change)
            if eid not in accounted:
                accounted[eid] = set(conn.execute(select(AccountingRun.year).distinct()
                                                  .where(AccountingRun.enterprise_id == eid)).scalars())
            years = {y for y in accounted[eid] if y >= first and (last is None or y <= last)} | (
                {first} if first != ALL else set())
        for year in years:
            rows[(eid, year, kind, place)] += n
    seqs = {eid: _places(conn, eid, counted[eid], {p for e, _, _, p in rows if e == eid})
            for eid in {eid for eid, _, _, _ in rows}}
    if rows:
        conn.execute(DataChange.__table__.insert(), [
            {"enterprise_id": eid, "year": year, "seq": seqs[eid].get(place, 0), "at": at, "kind": kind, "rows": n}
            for (eid, year, kind, place), n in sorted(rows.items())])


def _places(conn, enterprise_id: int, written: int, places: set[int]) -> dict[int, int]:
    """The log's ``seq`` of this transaction's entries at ``places`` (1 = its first entry in the enterprise's
    chain): the chain was just extended by ``written`` entries, so its tip is the last of them."""
    chain = audit_log.chain_of(enterprise_id)
    tip = conn.execute(select(AuditChain.seq).where(AuditChain.chain == chain)).scalar() or 0
    start = tip - written
    t = AuditEntry.__table__.c
    found = dict(conn.execute(select(t.chain_seq, t.seq).where(
        t.chain == chain, t.chain_seq.in_([start + p for p in places]))).all())
    return {p: found.get(start + p, 0) for p in places}


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    session.info.pop(NOTES, None)
    session.info.pop(COUNTED, None)
