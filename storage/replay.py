"""Replay the audit log against the tables it describes, and re-hash every stored file: a row changed
in the database without going through the application, or a file swapped on disk, is named. ``check_all``
is everything `steward verify --data` checks, so restore can run exactly that before it says intact."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, collate, func, select
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


def _text_order(conn, expr) -> Any:
    """``expr`` as text in byte order, the order Python compares strings in, on either database: both sides of
    the comparison below are walked in it, so neither has to be held in memory."""
    text = expr if isinstance(expr.type, String) else cast(expr, String)
    return collate(text, "C" if conn.dialect.name == "postgresql" else "BINARY")


def _logged(conn, name: str, found: list[Finding]) -> Iterator[tuple[str, dict]]:
    """What the log says each row of one table holds now, row by row in key order: one row's entries at a time
    (the log read in order of table, row and sequence), never the whole log's state at once."""
    result = conn.execution_options(yield_per=5000).execute(
        select(AuditEntry.seq, AuditEntry.entity_id, AuditEntry.action, AuditEntry.after)
        .where(AuditEntry.entity == name).order_by(_text_order(conn, AuditEntry.entity_id), AuditEntry.seq))
    ident: str = ""
    state: dict | None = None
    for seq, entity_id, action, after in result:
        if entity_id != ident:
            if state is not None:
                yield ident, state
            ident, state = entity_id, None
        if after is not None and not isinstance(after, dict):
            found.append(Finding(f"audit_log #{seq}", f"审计日志第 {seq} 条的内容格式不对", f"audit entry {seq} holds "
                                 "malformed values"))
            after = None
        if action == "delete":
            state = None
        elif action == "insert":
            state = dict(after or {})
        else:
            state = {**(state or {}), **(after or {})}
    if state is not None:
        yield ident, state


UNREADABLE = (ValueError, TypeError, OverflowError, DBAPIError)  # what reading a malformed stored value raises


def _ident_of(conn, table, keys: list[str]) -> Any:
    parts: list[Any] = [cast(table.c[k], String) for k in keys]
    if len(parts) == 1:
        return _text_order(conn, parts[0])
    if conn.dialect.name == "postgresql":
        return _text_order(conn, func.concat_ws(",", *parts))
    return _text_order(conn, functools.reduce(lambda a, b: a + "," + b, parts))


def _rows(conn, mapper) -> Iterator[tuple[str, dict | None, list[str]]]:
    """Each row of a table in key order, as (its key, the row, []) — or (key, None, the columns that cannot be
    read) when a value is malformed (a date that is no date, say), rather than a traceback halfway through the
    check. Streamed: a table of millions of rows is never held whole."""
    table = mapper.local_table
    keys = [c.key for c in mapper.primary_key]
    order = _ident_of(conn, table, keys)
    last = None
    try:
        for row in conn.execution_options(yield_per=5000).execute(select(table).order_by(order)).mappings():
            last = ",".join(str(row[k]) for k in keys)
            yield last, row, []
        return
    except UNREADABLE:
        pass
    # A malformed value stopped the stream: go on from where it stopped, one row at a time, to name the columns.
    idents = select(*[table.c[k] for k in keys]).order_by(order)
    for ident in conn.execution_options(yield_per=5000).execute(idents).all():
        text = ",".join(map(str, ident))
        if last is not None and text <= last:
            continue
        where = [table.c[k] == v for k, v in zip(keys, ident, strict=True)]
        try:
            yield text, conn.execute(select(table).where(*where)).mappings().one(), []
        except UNREADABLE:
            bad = []
            for column in table.columns:
                try:
                    conn.execute(select(column).where(*where)).one()
                except UNREADABLE:
                    bad.append(column.key)
            yield text, None, bad


def _same(logged, current) -> bool:
    if logged == current:
        return True
    if isinstance(logged, float) or isinstance(current, float):
        try:
            return abs(float(logged) - float(current)) <= 1e-9 * max(1.0, abs(float(current)))
        except (TypeError, ValueError):
            return False
    return str(logged) == str(current)


_END = "\U0010ffff"  # sorts after every key


def _pairs(logged: Iterator[tuple[str, dict]], rows: Iterator[tuple[str, dict | None, list[str]]]):
    """Merge the two key-ordered walks: (key, logged state or None, row or None, unreadable columns)."""
    log_next, row_next = next(logged, None), next(rows, None)
    while log_next is not None or row_next is not None:
        log_key = _END if log_next is None else log_next[0]
        row_key = _END if row_next is None else row_next[0]
        if row_next is None or (log_next is not None and log_key < row_key):
            assert log_next is not None
            yield log_key, log_next[1], None, []
            log_next = next(logged, None)
        elif log_next is None or row_key < log_key:
            yield row_key, None, row_next[1], row_next[2]
            row_next = next(rows, None)
        else:
            yield row_key, log_next[1], row_next[1], row_next[2]
            log_next, row_next = next(logged, None), next(rows, None)


def check_tables(conn) -> Iterator[Finding]:
    """Each table beside what its log says, both walked in key order: memory stays flat however long the log."""
    tables = {m.class_.__tablename__: m for m in SQLModel._sa_registry.mappers if m.class_ not in _SKIP}
    for name, mapper in sorted(tables.items()):
        unlogged = set(UNLOGGED_COLUMNS.get(name, set()))
        if mapper.version_id_col is not None:  # the counter moves inside the UPDATE itself, not in the history
            unlogged.add(mapper.version_id_col.key)
        malformed: list[Finding] = []
        for ident, entry, row, unreadable in _pairs(_logged(conn, name, malformed), _rows(conn, mapper)):
            yield from malformed
            malformed.clear()
            if row is None and not unreadable:
                yield Finding(f"{name} #{ident}", f"{name} 表第 {ident} 行已不存在，但审计日志中没有删除记录",
                              f"{name} row {ident} is gone but the audit log never deleted it")
                continue
            if row is None:
                yield Finding(f"{name} #{ident}", f"{name} 表第 {ident} 行的 {'、'.join(unreadable)} 无法读取（值的格式不对，被直接修改）",
                              f"{name} row {ident}: {', '.join(unreadable)} cannot be read (a malformed value, "
                              "edited directly)")
                continue
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
        yield from malformed


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
