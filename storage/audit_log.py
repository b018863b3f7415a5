"""Append-only, hash-chained audit log written in the same transaction as the change.

Every ORM flush notes one entry per inserted, updated or deleted row; the session must say who acts
(``session.info["actor"]``), so no write can happen anonymously — a flush without one raises at once. The
entries are chained once, at commit, in the order the flushes made them.

Each enterprise has its own chain (the installation's entries, with no enterprise, form chain 0): entry *n* of
a chain stores the sha256 of its entry *n-1*, and ``audit_chain`` holds each chain's tip, so truncating the
newest entries shows too. A transaction locks only the chains it appends to (on PostgreSQL), so enterprises
write in parallel; ``seq`` still numbers the whole log in the order it was written. Entries written before
chains were per enterprise keep their one chain (``chain`` empty, tip in ``audit_head``), checked as before.
The database refuses UPDATE and DELETE on ``audit_log`` (triggers in the first migration).

Every entry is hashed with a key kept outside the database (HMAC-SHA256 with a key derived from
``STEWARD_HOME/audit_key``, given to each engine by ``use_key``), so someone who can write the tables but not
read that file cannot append an entry that verifies. Entries written before keying began stay plain sha256; the
position of each chain's tip when keying began is kept beside the key (``keyed_from``), and ``verify`` accepts a
plain hash only up to it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import weakref
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum

from sqlalchemy import event, func, inspect, select, text, update
from sqlalchemy.orm import Session as OrmSession

from storage.errors import Conflict
from storage.models.accounting import DataChange
from storage.models.audit import AuditChain, AuditEntry, AuditHead

GENESIS = "0" * 64
_KEYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine → the key its chain entries are hashed with


def chain_key(audit_key: bytes) -> bytes:
    """The chain's own key, derived so the anchors' signatures and the entries' hashes never share one."""
    return hmac.new(audit_key, b"carbon-steward audit chain v1", hashlib.sha256).digest()


def use_key(engine, audit_key: bytes) -> None:
    """Entries this engine writes are hashed with ``audit_key``; an engine without one cannot write."""
    _KEYS[engine] = chain_key(audit_key)


def key_of(conn) -> bytes:
    key = _KEYS.get(conn.engine)
    if key is None:
        raise RuntimeError("no audit key for this engine: make it with make_engine(url, audit_key)")
    return key
SECRET_FIELDS = {"password_hash"}
# the log itself, and what is derived from logged changes in their own transaction (the years a change dates)
_SKIP = {AuditEntry, AuditHead, AuditChain, DataChange}


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
    if key in SECRET_FIELDS and value is not None:  # a digest, not the secret: enough to replay against the row
        return secret_digest(value)
    return _plain(value)


def secret_digest(value) -> str:
    return "sha256:" + hashlib.sha256(str(value).encode("utf-8")).hexdigest()


_BODY = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(*, seq: int, at: datetime, actor: str, action: str, entity: str, entity_id: str,
               enterprise_id: int | None, before, after, prev_hash: str, chain: int | None = None,
               chain_seq: int | None = None, key: bytes | None = None) -> str:
    """An entry's hash: keyed with the chain key, or (``key`` None) the plain sha256 of entries written before
    keying began — which is all someone without the key can compute."""
    return _digest(chain, chain_seq, seq, at, actor, action, entity, entity_id, enterprise_id, before, after,
                   prev_hash, key)


def _digest(chain, chain_seq, seq, at, actor, action, entity, entity_id, enterprise_id, before, after,
            prev_hash, key: bytes | None = None) -> str:
    """The one layout of a hashed entry (positional: ``verify`` calls it once per row); entries from before
    chains were per enterprise (``chain`` None) hash without their place."""
    body = [seq, at.isoformat(), actor, action, entity, entity_id, enterprise_id, before, after, prev_hash]
    return _hash_of(body if chain is None else [chain, chain_seq, *body], key)


def _hash_of(values: list, key: bytes | None = None) -> str:
    data = _BODY.encode(values).encode("utf-8")
    return hmac.new(key, data, hashlib.sha256).hexdigest() if key else hashlib.sha256(data).hexdigest()


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


def chain_of(enterprise_id: int | None) -> int:
    return 0 if enterprise_id is None else enterprise_id


def append(conn, items: list[tuple]) -> None:
    """Append entries (actor, action, entity, id, enterprise, before, after) after their chains' tips; a
    concurrent writer to the same chain waits (PostgreSQL) or makes this fail, never fork."""
    postgres = conn.dialect.name == "postgresql"
    key = key_of(conn)
    chains = [chain_of(item[4]) for item in items]
    tips: dict[int, tuple[int, str, bool]] = {}  # chain → (its last entry, that entry's hash, tip row exists)
    for chain in sorted(set(chains)):  # always in the same order, so two transactions cannot deadlock
        if postgres:
            conn.execute(text("SELECT pg_advisory_xact_lock(7715, :chain)"), {"chain": chain})
        tip = conn.execute(select(AuditChain.seq, AuditChain.hash).where(AuditChain.chain == chain)).first()
        tips[chain] = (tip[0], tip[1], True) if tip else (0, GENESIS, False)
    if postgres:
        numbers = sorted(conn.execute(text("SELECT nextval('audit_log_seq') FROM generate_series(1, :n)"),
                                      {"n": len(items)}).scalars())
    else:  # SQLite lets one writer in at a time, and this transaction has written already
        last = conn.execute(select(func.coalesce(func.max(AuditEntry.seq), 0))).scalar()
        numbers = list(range(last + 1, last + 1 + len(items)))
    start = dict(tips)
    at = datetime.now(timezone.utc)
    rows = []
    for seq, chain, (actor, action, entity, entity_id, enterprise_id, before, after) in zip(
            numbers, chains, items, strict=True):
        chain_seq, prev, known = tips[chain]
        fields = dict(seq=seq, at=at, actor=actor, action=action, entity=entity, entity_id=entity_id,
                      enterprise_id=enterprise_id, before=before, after=after, prev_hash=prev, chain=chain,
                      chain_seq=chain_seq + 1)
        digest = entry_hash(**fields, key=key)
        tips[chain] = (chain_seq + 1, digest, known)
        rows.append({**fields, "hash": digest})
    conn.execute(AuditEntry.__table__.insert(), rows)
    for chain, (chain_seq, digest, known) in tips.items():
        if not known:
            conn.execute(AuditChain.__table__.insert().values(chain=chain, seq=chain_seq, hash=digest))
            continue
        moved = conn.execute(update(AuditChain).where(AuditChain.chain == chain, AuditChain.seq == start[chain][0])
                             .values(seq=chain_seq, hash=digest))
        if moved.rowcount != 1:
            raise Conflict("audit_race", "另一项修改刚刚提交，请重试。",
                           "Another change was committed at the same moment; please retry.")


@dataclass
class ChainReport:
    ok: bool
    entries: int
    first_broken: int | None = None
    reason: str = ""


def _label(chain: int) -> str:
    return "the installation's chain" if chain == 0 else f"the chain of enterprise {chain}"


_COLUMNS = ("seq", "at", "actor", "action", "entity", "entity_id", "enterprise_id", "before", "after", "prev_hash",
            "hash", "chain", "chain_seq")


def verify(conn, key: bytes | None = None, keyed_from: dict[int | None, int] | None = None) -> ChainReport:
    """Walk every chain in order; report the first entry whose link or content does not hold. An entry of a
    chain must carry the keyed hash (``key``: the audit key, else the one this connection's engine writes with),
    unless it lies at or before that chain's tip when keying began (``keyed_from``: chain → its entry then, and
    None → the last entry of the single chain of old, which nothing may extend since)."""
    chained = chain_key(key) if key is not None else key_of(conn)
    plain_upto = keyed_from or {}
    t = AuditEntry.__table__.c
    columns = [t[c] for c in _COLUMNS]
    count = 0
    # the chain written before chains were per enterprise: numbered by seq from 1, its tip in audit_head
    expected_prev, expected_seq = GENESIS, 1
    rows = conn.execution_options(yield_per=5000).execute(select(*columns).where(t.chain.is_(None)).order_by(t.seq))
    for seq, at, actor, action, entity, entity_id, enterprise_id, before, after, prev_hash, digest, _, _ in rows:
        count += 1
        if seq != expected_seq:
            return ChainReport(False, count, expected_seq, f"entry {expected_seq} is missing (next present is {seq})")
        if prev_hash != expected_prev:
            return ChainReport(False, count, seq, "link to the previous entry does not match")
        if _digest(None, None, seq, at, actor, action, entity, entity_id, enterprise_id, before, after,
                   prev_hash) != digest:
            return ChainReport(False, count, seq, "content was altered after it was written")
        if keyed_from is not None and seq > keyed_from.get(None, 0):
            return ChainReport(False, count, seq, f"entry {seq} extends the old single chain after keyed hashing "
                                                  "began: it was not written by this installation")
        expected_prev, expected_seq = digest, expected_seq + 1
    head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, expected_prev):
        return ChainReport(False, count, expected_seq,
                           f"the chain ends at entry {expected_seq - 1} but its tip records entry {head.seq}")

    tips = {chain: (seq, digest) for chain, seq, digest in conn.execute(
        select(AuditChain.chain, AuditChain.seq, AuditChain.hash))}
    ends: dict[int, tuple[int, str]] = {}
    current, expected_prev, expected_seq = None, GENESIS, 1
    rows = conn.execution_options(yield_per=5000).execute(
        select(*columns).where(t.chain.is_not(None)).order_by(t.chain, t.chain_seq))
    for seq, at, actor, action, entity, entity_id, enterprise_id, before, after, prev_hash, digest, chain, n in rows:
        count += 1
        if chain != current:
            current, expected_prev, expected_seq = chain, GENESIS, 1
        label = _label(chain)
        if n != expected_seq:
            return ChainReport(False, count, expected_seq,
                               f"{label}: its entry {expected_seq} is missing (next present is its entry {n})")
        if prev_hash != expected_prev:
            return ChainReport(False, count, n, f"{label}: the link of its entry {n} (log entry {seq}) to the one "
                                                "before does not match")
        if _digest(chain, n, seq, at, actor, action, entity, entity_id, enterprise_id, before, after, prev_hash,
                   chained) != digest and (n > plain_upto.get(chain, 0) or _digest(
                chain, n, seq, at, actor, action, entity, entity_id, enterprise_id, before, after, prev_hash) != digest):
            return ChainReport(False, count, n, f"{label}: the content of its entry {n} (log entry {seq}) was altered "
                                                "after it was written")
        expected_prev, expected_seq = digest, expected_seq + 1
        ends[chain] = (n, digest)
    for chain, tip in sorted(tips.items()):
        if ends.get(chain, (0, GENESIS)) != tip:
            return ChainReport(False, count, tip[0], f"{_label(chain)} ends at its entry {ends.get(chain, (0,))[0]} "
                                                     f"but its tip records entry {tip[0]}")
    if set(ends) - set(tips):
        chain = min(set(ends) - set(tips))
        return ChainReport(False, count, ends[chain][0], f"{_label(chain)} has entries but its tip is gone")
    return ChainReport(True, count)


def _mac(key: bytes, seq: int, chain_hash: str, at: str) -> str:
    return hmac.new(key, f"{seq}:{chain_hash}:{at}".encode(), hashlib.sha256).hexdigest()


def _tips_digest(legacy: list, heads: dict) -> str:
    return _hash_of([legacy, sorted(heads.items())])


def anchor(conn, key: bytes) -> dict:
    """Every chain's tip signed with a key kept outside the database: kept elsewhere, it proves later that
    nothing up to those entries was cut off or rewritten, even by someone who can rewrite the tables."""
    head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    legacy = [head.seq, head.hash] if head else [0, GENESIS]
    heads = {str(chain): [seq, digest] for chain, seq, digest in conn.execute(
        select(AuditChain.chain, AuditChain.seq, AuditChain.hash))}
    seq = conn.execute(select(func.coalesce(func.max(AuditEntry.seq), 0))).scalar()
    digest = _tips_digest(legacy, heads)
    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return {"seq": seq, "hash": digest, "legacy": legacy, "heads": heads, "at": at, "keyed": True,
            "mac": _mac(key, seq, digest, at)}


ANCHORS_FILE = "audit-anchors.jsonl"  # beside the key, in STEWARD_HOME
KEYED_FROM_FILE = "audit-keyed-from.json"  # the signed record of ``keying_began``, beside them


def keep_anchor(engine, key: bytes, anchors_file) -> dict:
    """Anchor the log's tips and append the mark to ``anchors_file`` (a line of JSON each)."""
    with engine.connect() as conn:
        mark = anchor(conn, key)
    with open(anchors_file, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(mark) + "\n")
    return mark


def keying_began(conn, key: bytes) -> dict:
    """Each chain's tip now, signed: written once, beside the key, when an installation first hashes with it, so
    ``verify`` knows up to where a plain hash is an old entry rather than a forged one."""
    head = conn.execute(select(AuditHead.seq).where(AuditHead.id == 1)).scalar() or 0
    heads = {str(chain): seq for chain, seq in conn.execute(select(AuditChain.chain, AuditChain.seq))}
    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    body = {"legacy": head, "heads": heads, "at": at}
    return {**body, "mac": hmac.new(key, _BODY.encode(body).encode(), hashlib.sha256).hexdigest()}


def keyed_from(record: dict, key: bytes) -> dict[int | None, int] | None:
    """The tips a record of ``keying_began`` holds, or None when it is malformed or not signed with ``key``."""
    try:
        legacy, heads = int(record["legacy"]), {str(c): int(n) for c, n in record["heads"].items()}
        body = {"legacy": legacy, "heads": heads, "at": str(record["at"])}
        if not hmac.compare_digest(hmac.new(key, _BODY.encode(body).encode(), hashlib.sha256).hexdigest(),
                                   str(record["mac"])):
            return None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    found: dict[int | None, int] = {int(c): n for c, n in heads.items()}
    found[None] = legacy
    return found


def check_anchor(conn, mark: dict, key: bytes) -> str | None:
    """Why the log no longer matches an anchor, or None."""
    try:
        seq, chain_hash, at, mac = int(mark["seq"]), str(mark["hash"]), str(mark["at"]), str(mark["mac"])
        heads = {int(c): (int(n), str(h)) for c, (n, h) in mark.get("heads", {}).items()}
        legacy = mark.get("legacy")
        legacy_seq, legacy_hash = (int(legacy[0]), str(legacy[1])) if legacy else (seq, chain_hash)
    except (KeyError, TypeError, ValueError):
        return "an anchor is malformed"
    if not hmac.compare_digest(_mac(key, seq, chain_hash, at), mac):
        return f"the anchor of {at} was not signed with this installation's key"
    if "heads" in mark and _tips_digest([legacy_seq, legacy_hash], {str(c): list(v) for c, v in heads.items()}) \
            != chain_hash:
        return f"the anchor of {at} does not hold the tips it was signed for"
    if legacy_seq:
        t = AuditEntry.__table__.c
        found = conn.execute(select(t.hash).where(t.seq == legacy_seq, t.chain.is_(None))).scalar()
        if found is None:
            return f"entry {legacy_seq}, anchored at {at}, is gone: the log was cut back"
        if found != legacy_hash:
            return f"entry {legacy_seq} no longer has the hash anchored at {at}: the log was rewritten up to it"
    for chain, (n, digest) in sorted(heads.items()):
        found = conn.execute(select(AuditEntry.hash).where(AuditEntry.chain == chain, AuditEntry.chain_seq == n)
                             ).scalar()
        if found is None:
            return f"{_label(chain)}: its entry {n}, anchored at {at}, is gone: the log was cut back"
        if found != digest:
            return f"{_label(chain)}: its entry {n} no longer has the hash anchored at {at}: the log was rewritten up to it"
    return None
