"""Putting a file into the content-addressed store and recording it once. An upload is checked from its bytes
before it is recorded; a refused one leaves nothing behind, unless the same bytes were already on record."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

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
    or refuses it."""
    sha, size = store.put(stream, max_bytes=max_bytes)
    try:
        media_type = check(store.path(sha))
    except StewardError:
        if session.get(StoredFile, sha) is None:
            store.path(sha).unlink(missing_ok=True)
        raise
    record(session, sha, size, media_type)
    return sha, media_type


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def keep_docx(session: Session, store: FileStore, data: bytes) -> str:
    """Keep a Word record the system wrote (an audit report, review minutes) and answer its sha256."""
    sha, size = store.put(io.BytesIO(data), max_bytes=len(data) + 1)
    record(session, sha, size, DOCX)
    return sha
