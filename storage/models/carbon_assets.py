"""The carbon-asset ledger (8.5): every allocation, purchase, sale, transfer and surrender, and prices seen."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from storage.models.org import utcnow


class AssetTxn(SQLModel, table=True):
    """One movement; holdings are the sums per kind and vintage, so history is never rewritten."""

    __tablename__ = "asset_txn"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    kind: str = Field(max_length=8)  # CEA | CCER | GEC | SINK
    vintage: int
    txn: str = Field(max_length=12)  # allocate | buy | sell | surrender | transfer_in | transfer_out
    quantity: float  # signed: + in, − out
    price: float | None = None  # CNY per unit
    on: date
    reference: str = Field(default="", max_length=200)
    compliance_year: int | None = None  # for surrenders
    recorded_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)


class CarbonPrice(SQLModel, table=True):
    __tablename__ = "carbon_price"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)
    on: date = Field(index=True)
    price: float
    source: str = Field(max_length=200)
