"""Putting a file into the content-addressed store and recording it once. An upload is checked from its bytes
before it is recorded; a refused one leaves nothing behind, unless the same bytes were already on record — and
so does one whose transaction is refused later (a checklist line whose result is refused after its photo was
kept), since the store is outside the transaction."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from storage.errors import StewardError
from storage.files import FileStore
from storage.models import StoredFile
from storage.models.org import utcnow


def record(session: Session, sha: str, size: int, media_type: str) -> None:
    if session.get(StoredFile, sha) is None:
        session.add(StoredFile(sha256=sha, size=size, media_type=media_type, created_at=utcnow()))


def keep_checked(session: Session, store: FileStore, stream: BinaryIO, max_bytes: int,
                 check: Callable[[Path], str]) -> tuple[str, str]:
    """(sha256, media type) of the stored bytes; ``check`` reads the stored file and answers its media type
    or refuses it. New bytes leave the store again if the transaction rolls back."""
    sha, size = store.put(stream, max_bytes=max_bytes)
    known = session.get(StoredFile, sha) is not None
    try:
        media_type = check(store.path(sha))
    except StewardError:
        if not known:
            store.path(sha).unlink(missing_ok=True)
        raise
    record(session, sha, size, media_type)
    if not known:
        _drop_on_rollback(session, store, sha)
    return sha, media_type


PENDING = "stored_files_pending"  # session.info key: bytes this transaction put in the store and may yet roll back
log = logging.getLogger(__name__)


def _drop_on_rollback(session: Session, store: FileStore, sha: str) -> None:
    session.info.setdefault(PENDING, {})[sha] = store
    if not event.contains(session, "after_rollback", _rolled_back):
        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_rollback", _rolled_back)


def _committed(session: Session) -> None:
    session.info.pop(PENDING, None)


def _rolled_back(session: Session) -> None:
    """Remove the bytes this transaction brought, except those another transaction has recorded meanwhile; when
    that cannot be read, keep them (a stray file is better than a record whose file is gone)."""
    pending = session.info.pop(PENDING, {})
    if not pending:
        return
    try:
        with session.get_bind().connect() as conn:
            kept = set(conn.execute(select(StoredFile.sha256).where(StoredFile.sha256.in_(pending))).scalars())
    except SQLAlchemyError:
        log.warning("could not check %d stored file(s) after a rollback; left in the store", len(pending))
        return
    for sha, store in pending.items():
        if sha not in kept:
            store.path(sha).unlink(missing_ok=True)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def keep_docx(session: Session, store: FileStore, data: bytes) -> str:
    """Keep a Word record the system wrote (an audit report, review minutes) and answer its sha256."""
    sha, size = store.put(io.BytesIO(data), max_bytes=len(data) + 1)
    record(session, sha, size, DOCX)
    return sha
