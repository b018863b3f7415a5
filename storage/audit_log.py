"""Append-only, hash-chained audit log written in the same transaction as the change.

Every ORM flush notes one entry per inserted, updated or deleted row; the session must say who acts
(``session.info["actor"]``), so no write can happen anonymously — a flush without one raises at once. The
entries are chained once, at commit, in the order the flushes made them: a transaction reads and moves the
chain's head (and on PostgreSQL takes its lock) once, not at every flush. Entry *n* stores the sha256 of
entry *n-1*; ``audit_head`` holds the tip so truncating the newest entries shows too. The database refuses
UPDATE and DELETE on ``audit_log`` (triggers in the first migration).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum

from sqlalchemy import event, inspect, select, text, update
from sqlalchemy.orm import Session as OrmSession

from storage.errors import Conflict
from storage.models.audit import AuditEntry, AuditHead

GENESIS = "0" * 64
SECRET_FIELDS = {"password_hash"}
_SKIP = {AuditEntry, AuditHead}


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _field(key: str, value):
    if key in SECRET_FIELDS and value is not None:
        return "<redacted>"
    return _plain(value)


_BODY = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(*, seq: int, at: datetime, actor: str, action: str, entity: str, entity_id: str,
               enterprise_id: int | None, before, after, prev_hash: str) -> str:
    return _hash_of([seq, at.isoformat(), actor, action, entity, entity_id, enterprise_id, before, after, prev_hash])


def _hash_of(values: list) -> str:
    return hashlib.sha256(_BODY.encode(values).encode("utf-8")).hexdigest()


def _row(obj) -> dict:
    state = inspect(obj)
    return {a.key: _field(a.key, getattr(obj, a.key)) for a in state.mapper.column_attrs}


def _changes(obj) -> tuple[dict, dict]:
    state = inspect(obj)
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        before[attr.key], after[attr.key] = _field(attr.key, old), _field(attr.key, new)
    return before, after


def _identity(obj) -> str:
    ident = inspect(obj).identity or inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(i) for i in ident)


def _enterprise_of(obj) -> int | None:
    if type(obj).__tablename__ == "enterprise":
        return obj.id
    return getattr(obj, "enterprise_id", None)


PENDING = "audit_pending"  # session.info key: entries noted by this transaction's flushes, chained at commit


@event.listens_for(OrmSession, "after_flush")
def _note_entries(session: OrmSession, _ctx) -> None:
    changes = []
    for obj in session.new:
        if type(obj) not in _SKIP:
            changes.append(("insert", obj, None, _row(obj)))
    for obj in session.dirty:
        if type(obj) in _SKIP or not session.is_modified(obj, include_collections=False):
            continue
        before, after = _changes(obj)
        if before or after:
            after = {**after, "id": _plain(getattr(obj, "id", None))} if "id" not in after else after
            changes.append(("update", obj, before, after))
    for obj in session.deleted:
        if type(obj) not in _SKIP:
            changes.append(("delete", obj, _row(obj), None))
    if not changes:
        return
    actor = session.info.get("actor")
    if not actor:
        raise RuntimeError("write without an actor: open the session with unit_of_work(engine, actor)")
    session.info.setdefault(PENDING, []).extend(
        (actor, action, type(obj).__tablename__, _identity(obj), _enterprise_of(obj), before, after)
        for action, obj, before, after in changes)


@event.listens_for(OrmSession, "before_commit")
def _chain_entries(session: OrmSession) -> None:
    session.flush()  # the last changes are noted before the chain moves
    items = session.info.pop(PENDING, None)
    if items:
        append(session.connection(), items)


@event.listens_for(OrmSession, "after_rollback")
def _forget_entries(session: OrmSession) -> None:
    session.info.pop(PENDING, None)


def append(conn, items: list[tuple]) -> None:
    """Append entries (actor, action, entity, id, enterprise, before, after) after the current tip; a
    concurrent writer makes this fail, not fork."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7715)"))
    head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    if head is None:
        conn.execute(AuditHead.__table__.insert().values(id=1, seq=0, hash=GENESIS))
        seq, prev = 0, GENESIS
    else:
        seq, prev = head
    start = seq
    at = datetime.now(timezone.utc)
    rows = []
    for actor, action, entity, entity_id, enterprise_id, before, after in items:
        seq += 1
        fields = dict(seq=seq, at=at, actor=actor, action=action, entity=entity, entity_id=entity_id,
                      enterprise_id=enterprise_id, before=before, after=after, prev_hash=prev)
        prev = entry_hash(**fields)
        rows.append({**fields, "hash": prev})
    conn.execute(AuditEntry.__table__.insert(), rows)
    moved = conn.execute(
        update(AuditHead).where(AuditHead.id == 1, AuditHead.seq == start).values(seq=seq, hash=prev)
    )
    if moved.rowcount != 1:
        raise Conflict("audit_race", "另一项修改刚刚提交，请重试。",
                       "Another change was committed at the same moment; please retry.")


@dataclass
class ChainReport:
    ok: bool
    entries: int
    first_broken: int | None = None
    reason: str = ""


def verify(conn) -> ChainReport:
    """Walk the chain in order; report the first entry whose link or content does not hold."""
    expected_prev, expected_seq, count = GENESIS, 1, 0
    t = AuditEntry.__table__.c
    rows = conn.execution_options(yield_per=5000).execute(select(
        t.seq, t.at, t.actor, t.action, t.entity, t.entity_id, t.enterprise_id, t.before, t.after, t.prev_hash,
        t.hash).order_by(t.seq))
    for seq, at, actor, action, entity, entity_id, enterprise_id, before, after, prev_hash, digest in rows:
        count += 1
        if seq != expected_seq:
            return ChainReport(False, count, expected_seq, f"entry {expected_seq} is missing (next present is {seq})")
        if prev_hash != expected_prev:
            return ChainReport(False, count, seq, "link to the previous entry does not match")
        if _hash_of([seq, at.isoformat(), actor, action, entity, entity_id, enterprise_id, before, after,
                     prev_hash]) != digest:
            return ChainReport(False, count, seq, "content was altered after it was written")
        expected_prev, expected_seq = digest, expected_seq + 1
    head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, expected_prev):
        return ChainReport(False, count, expected_seq,
                           f"the chain ends at entry {expected_seq - 1} but its tip records entry {head.seq}")
    return ChainReport(True, count)


def _mac(key: bytes, seq: int, chain_hash: str, at: str) -> str:
    return hmac.new(key, f"{seq}:{chain_hash}:{at}".encode(), hashlib.sha256).hexdigest()


def anchor(conn, key: bytes) -> dict:
    """The chain's tip signed with a key kept outside the database: kept elsewhere, it proves later that
    nothing up to that entry was cut off or rewritten, even by someone who can rewrite the tables."""
    head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    seq, chain_hash = (head.seq, head.hash) if head else (0, GENESIS)
    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return {"seq": seq, "hash": chain_hash, "at": at, "mac": _mac(key, seq, chain_hash, at)}


def check_anchor(conn, mark: dict, key: bytes) -> str | None:
    """Why the log no longer matches an anchor, or None."""
    try:
        seq, chain_hash, at, mac = int(mark["seq"]), str(mark["hash"]), str(mark["at"]), str(mark["mac"])
    except (KeyError, TypeError, ValueError):
        return "an anchor is malformed"
    if not hmac.compare_digest(_mac(key, seq, chain_hash, at), mac):
        return f"the anchor of {at} was not signed with this installation's key"
    if seq == 0:
        return None
    found = conn.execute(select(AuditEntry.hash).where(AuditEntry.seq == seq)).scalar()
    if found is None:
        return f"entry {seq}, anchored at {at}, is gone: the log was cut back"
    if found != chain_hash:
        return f"entry {seq} no longer has the hash anchored at {at}: the log was rewritten up to it"
    return None
