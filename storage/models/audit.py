"""The audit log: one row per written entity, each hashing the one before."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (Index("uq_audit_log_chain_seq", "chain", "chain_seq", unique=True),)

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime
    actor: str = Field(max_length=120)
    action: str = Field(max_length=16)  # insert | update | delete
    entity: str = Field(max_length=64, index=True)
    entity_id: str = Field(max_length=64)
    enterprise_id: int | None = Field(default=None, index=True)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
    # the enterprise's own chain (0: the installation's) and the entry's place in it; None for entries written
    # before chains were per enterprise, which form the one chain whose tip is audit_head
    chain: int | None = None
    chain_seq: int | None = None


class AuditHead(SQLModel, table=True):
    """The chain's tip, so removing the newest entries is detected too."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)


class AuditChain(SQLModel, table=True):
    """Each chain's tip: one per enterprise (0 for the installation), moved by the transaction that appends."""

    __tablename__ = "audit_chain"

    chain: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int
    hash: str = Field(max_length=64)
