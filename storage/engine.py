"""Engine and unit of work. SQLite (WAL) by default, PostgreSQL when the URL says so."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, create_engine

from storage import audit_log, data_changes  # noqa: F401  (the flush listeners: the log, then what a change dates)
from storage.errors import Conflict, StewardError


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


# Connections kept open per process: a web worker's request threads reuse them rather than open one each beyond
# SQLAlchemy's default five (a new SQLite connection runs its pragmas and re-reads the schema before its first query;
# a new PostgreSQL one costs a login). Profiled under load, that churn was a tenth of a worker's time.
CONNECTIONS = 16


_DIGITS = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))  # each digit to "0", anything else to a space
_LONG = b"0" * 20  # twenty digits in a row: an integer beyond 64 bits, which orjson would make a float


def read_json(text: str | bytes):
    """A JSON column's value, decoded by orjson (a frozen run's totals and lines decode two to three times faster
    than with the standard library), or by the standard library when orjson would refuse the text (NaN, Infinity,
    lone surrogates) or could read it differently (an integer of twenty digits or more): the same values either
    way. Writing stays the standard library's, so the stored text is what it always was."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if _LONG in data.translate(_DIGITS):
        return json.loads(text)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(text)


def make_engine(url: str, audit_key: bytes | None = None) -> Engine:
    """An engine for ``url``; with ``audit_key`` (kept outside the database) it can write, since every write
    appends audit entries hashed with that key."""
    engine = _make_engine(url)
    if audit_key is not None:
        from storage.audit_log import use_key
        use_key(engine, audit_key)
    return engine


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StewardError("db_url_invalid", f"数据库地址无法解析：{url!r}",
                           f"Cannot parse database URL {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=CONNECTIONS, max_overflow=CONNECTIONS, json_deserializer=read_json)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return create_engine(parsed, pool_pre_ping=True, pool_size=CONNECTIONS, max_overflow=CONNECTIONS,
                             json_deserializer=read_json)
    except Exception as exc:  # unknown dialect or missing driver
        raise StewardError("db_url_invalid", f"不支持的数据库地址 {parsed.render_as_string()}：{exc}",
                           f"Unsupported database URL {parsed.render_as_string()}: {exc}") from None


def check_reachable(engine: Engine) -> None:
    """Fail with a readable message rather than a driver traceback."""
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        where = engine.url.render_as_string(hide_password=True)
        raise StewardError("db_unreachable", f"无法连接数据库 {where}：{reason}",
                           f"Cannot reach database {where}: {reason}") from None


@contextmanager
def unit_of_work(engine: Engine, actor: str) -> Iterator[Session]:
    """One transaction: commit on success, roll back everything on any error. Losing a race (the same row
    inserted twice, a row changed since it was read, a lock or serialisation failure) is a bilingual 409,
    never a crash, whichever statement or the commit found it."""
    with Session(engine, expire_on_commit=False) as session:
        session.info["actor"] = actor
        try:
            yield session
            session.commit()
        except BaseException as exc:
            session.rollback()
            if conflict := lost_race(exc):
                raise conflict from None
            raise


def lost_race(exc: BaseException) -> Conflict | None:
    if isinstance(exc, StaleDataError):
        return Conflict("stale", "该记录刚被他人修改，未写入任何数据，请刷新后重试",
                        "Someone else just changed this; nothing was written — reload and try again")
    if isinstance(exc, IntegrityError) and _is_unique_violation(exc):
        return Conflict("duplicate", "该记录已存在（可能刚由他人录入），未写入任何数据",
                        "This is already on record (someone may just have entered it); nothing was written")
    if isinstance(exc, (OperationalError, DBAPIError)) and _is_contention(exc):
        return Conflict("busy", "数据正被他人同时修改，未写入任何数据，请重试",
                        "Someone else was changing the same data at that moment; nothing was written — try again")
    return None


def _is_unique_violation(exc: IntegrityError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def _is_contention(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40001", "40P01", "55P03") or "database is locked" in str(exc.orig)
