from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class StoredFile(SQLModel, table=True):
    """Metadata of a blob in the content-addressed store; the name is the sha256."""

    __tablename__ = "stored_file"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    media_type: str = Field(max_length=120)
    created_at: datetime
