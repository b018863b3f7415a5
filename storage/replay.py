"""Replay the audit log against the tables it describes, and re-hash every stored file: a row changed
in the database without going through the application, or a file swapped on disk, is named. ``check_all``
is everything `steward verify --data` checks, so restore can run exactly that before it says intact."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from storage.audit_log import _SKIP, SECRET_FIELDS, ChainReport, _plain, check_anchor, secret_digest, verify
from storage.files import FileStore
from storage.models import AuditEntry, StoredFile

# A message is claimed with a conditional UPDATE outside the ORM (one worker per message), so its claim
# moves without a log entry by design; everything else about it is logged.
UNLOGGED_COLUMNS = {"outbox": {"claimed_at"}}


@dataclass(frozen=True)
class Finding:
    where: str
    zh: str
    en: str


def _state(conn, found: list[Finding]) -> dict[tuple[str, str], dict]:
    """What the log says each row holds now; an entry whose values are not a record of fields is a finding."""
    rows: dict[tuple[str, str], dict] = {}
    result = conn.execution_options(yield_per=5000).execute(
        select(AuditEntry.seq, AuditEntry.entity, AuditEntry.entity_id, AuditEntry.action, AuditEntry.after)
        .order_by(AuditEntry.seq))
    for seq, entity, entity_id, action, after in result:
        key = (entity, entity_id)
        if after is not None and not isinstance(after, dict):
            found.append(Finding(f"audit_log #{seq}", f"审计日志第 {seq} 条的内容格式不对", f"audit entry {seq} holds "
                                 "malformed values"))
            after = None
        if action == "delete":
            rows.pop(key, None)
        elif action == "insert":
            rows[key] = dict(after or {})
        else:
            rows.setdefault(key, {}).update(after or {})
    return rows


UNREADABLE = (ValueError, TypeError, OverflowError, DBAPIError)  # what reading a malformed stored value raises


def _rows(conn, mapper) -> Iterator[tuple[dict | None, str, list[str]]]:
    """Each row of a table (None, its key and the columns that cannot be read, when a value is malformed — a
    date that is no date, say — rather than a traceback halfway through the check)."""
    table = mapper.local_table
    keys = [c.key for c in mapper.primary_key]
    try:
        rows = list(conn.execute(select(table)).mappings())
    except UNREADABLE:
        rows = None
    if rows is not None:
        for row in rows:
            yield row, ",".join(str(row[k]) for k in keys), []
        return
    for ident in conn.execute(select(*[table.c[k] for k in keys])).all():
        where = [table.c[k] == v for k, v in zip(keys, ident, strict=True)]
        try:
            yield conn.execute(select(table).where(*where)).mappings().one(), ",".join(map(str, ident)), []
        except UNREADABLE:
            bad = []
            for column in table.columns:
                try:
                    conn.execute(select(column).where(*where)).one()
                except UNREADABLE:
                    bad.append(column.key)
            yield None, ",".join(map(str, ident)), bad


def _same(logged, current) -> bool:
    if logged == current:
        return True
    if isinstance(logged, float) or isinstance(current, float):
        try:
            return abs(float(logged) - float(current)) <= 1e-9 * max(1.0, abs(float(current)))
        except (TypeError, ValueError):
            return False
    return str(logged) == str(current)


def check_tables(conn) -> Iterator[Finding]:
    malformed: list[Finding] = []
    logged = _state(conn, malformed)
    yield from malformed
    seen: set[tuple[str, str]] = set()
    tables = {m.class_.__tablename__: m for m in SQLModel._sa_registry.mappers if m.class_ not in _SKIP}
    for name, mapper in sorted(tables.items()):
        unlogged = set(UNLOGGED_COLUMNS.get(name, set()))
        if mapper.version_id_col is not None:  # the counter moves inside the UPDATE itself, not in the history
            unlogged.add(mapper.version_id_col.key)
        for row, ident, unreadable in _rows(conn, mapper):
            seen.add((name, ident))
            if row is None:
                yield Finding(f"{name} #{ident}", f"{name} 表第 {ident} 行的 {'、'.join(unreadable)} 无法读取（值的格式不对，被直接修改）",
                              f"{name} row {ident}: {', '.join(unreadable)} cannot be read (a malformed value, "
                              "edited directly)")
                continue
            entry = logged.get((name, ident))
            if entry is None:
                yield Finding(f"{name} #{ident}", f"{name} 表第 {ident} 行不在审计日志中（绕过系统直接写入）",
                              f"{name} row {ident} is not in the audit log (written around the application)")
                continue
            for column in mapper.local_table.columns:
                if column.key in unlogged or column.key not in entry:
                    continue
                if column.key in SECRET_FIELDS:  # logged as a digest (before keyed entries: "<redacted>", unchecked)
                    if str(entry[column.key]).startswith("sha256:") and row[column.key] is not None and \
                            entry[column.key] != secret_digest(row[column.key]):
                        yield Finding(f"{name} #{ident}.{column.key}",
                                      f"{name} 表第 {ident} 行的 {column.key} 与审计日志不符（被直接修改）",
                                      f"{name} row {ident}, {column.key}, differs from the audit log (edited directly)")
                    continue
                if not _same(entry[column.key], _plain(row[column.key])):
                    yield Finding(f"{name} #{ident}.{column.key}",
                                  f"{name} 表第 {ident} 行的 {column.key} 与审计日志不符（被直接修改）",
                                  f"{name} row {ident}, {column.key}, differs from the audit log (edited directly)")
    for name, ident in sorted(set(logged) - seen):
        if name in tables:
            yield Finding(f"{name} #{ident}", f"{name} 表第 {ident} 行已不存在，但审计日志中没有删除记录",
                          f"{name} row {ident} is gone but the audit log never deleted it")


def check_files(conn, store: FileStore) -> Iterator[Finding]:
    for (sha,) in conn.execute(select(StoredFile.sha256).order_by(StoredFile.sha256)):
        if not store.path(sha).exists():
            yield Finding(f"file {sha[:12]}", f"文件 {sha[:12]}… 已丢失", f"file {sha[:12]}… is missing")
        elif not store.verify(sha):
            yield Finding(f"file {sha[:12]}", f"文件 {sha[:12]}… 的内容已被替换", f"file {sha[:12]}… was swapped")


def check_all(conn, anchors: list[dict], key: bytes | None, store: FileStore | None = None,
              keyed_from: dict | None = None) -> tuple[ChainReport, list[Finding]]:
    """The chain and every anchor, and with a file store also the tables and the files (``--data``): one list
    of findings, so `steward verify` and restore cannot come to different answers about the same data.
    ``keyed_from`` is the signed record of where keyed hashing began (``audit_log.keyed_from``); without it
    every entry must be keyed, and its absence is a finding."""
    found = []
    if keyed_from is None:
        found.append(Finding("keyed_from", "记录哈希开始加密位置的文件（audit-keyed-from.json）缺失或签名不符",
                             "The record of where keyed hashing began (audit-keyed-from.json) is missing or not "
                             "signed with this installation's key"))
    if key is None:  # a keyed entry cannot be checked without its key: nothing is intact, nothing crashes
        report = ChainReport(False, 0, None, "no audit key")
        found.append(Finding("audit_key", "没有审计密钥 audit_key：无法核对审计日志",
                             "There is no audit_key: the audit log cannot be checked"))
    else:
        report = verify(conn, key, keyed_from or {})
    if not report.ok and key is not None:
        found.append(Finding("audit_log", f"审计日志第 {report.first_broken} 条处断裂",
                             f"Audit chain broken at entry {report.first_broken}: {report.reason}"))
    if not anchors:
        found.append(Finding("anchor", "锚点文件（audit-anchors.jsonl）缺失或为空：日志末尾被截去也无从发现",
                             "The anchors file (audit-anchors.jsonl) is missing or empty: a log cut back could not "
                             "be told"))
    if anchors and key is None:
        found.append(Finding("anchor", "锚点无法核对：没有签署它们的密钥 audit_key",
                             "Anchors cannot be checked: the audit_key that signed them is missing"))
    found += [Finding("anchor", "锚点不符", f"Anchor broken: {why}") for mark in anchors
              if key is not None and (why := check_anchor(conn, mark, key))]
    if store is not None:
        found += [*check_tables(conn), *check_files(conn, store)]
    return report, found
