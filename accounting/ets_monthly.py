"""The national carbon market's monthly cycle (以日保月、以月保年) as data: each sector's monthly items with the
evidence each needs (``data/ets_monthly_items.tsv``, every row with its guideline and how sure we are: H confirmed,
M likely, U unverified), and the deadline a month's upload falls due on.

Each month's data and evidence go to the national platform within 40 natural days after the month ends (some
cities ask for 20): ACCOUNTING-FACTS.md, "Carbon market calendar" (M: municipal notice under 环办气候函〔2023〕43号;
MEE Q&A 2023-10-31). An enterprise keeps its own copy of the items and may change which are required, the
evidence each needs and its province's number of days.
"""

from __future__ import annotations

import calendar
import csv
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from accounting import units

DATA = Path(__file__).parent / "data" / "ets_monthly_items.tsv"
DEADLINE_DAYS = 40
DEADLINE_SOURCE = "生态环境部 2023-10-31 答问；环办气候函〔2023〕43号 下的市级通知"
DEADLINE_CONFIDENCE = "M"  # shown in words (accounting.confidence)
SECTORS = {"power": ("发电", "Power"), "cement": ("水泥熟料", "Cement clinker"), "steel": ("钢铁", "Steel"),
           "aluminium": ("铝冶炼", "Aluminium smelting")}
FIRST_LISTED = {"power": 2019, "cement": 2024, "steel": 2024, "aluminium": 2024}  # data years (ACCOUNTING-FACTS, H)
EVIDENCE = {"assay_report": ("化验报告", "Assay report"), "meter_sheet": ("计量抄表单", "Meter reading sheet"),
            "invoice": ("结算发票", "Invoice"), "production_report": ("生产报表", "Production report")}
SOURCES = {"activity": ("活动数据", "Activity data"), "measured": ("实测值", "Measured value"),
           "entered": ("月度填报", "Entered for the month")}
UNIT_LABELS = {"fraction": ("（质量分数）", "(mass fraction)"), "10^4 Nm3": ("万 Nm³", "10⁴ Nm³")}  # as a person reads them
INDUSTRY_SECTOR = {"power": "power", "cement": "cement", "steel": "steel", "nonferrous": "aluminium",
                   "aluminium": "aluminium"}


@dataclass(frozen=True)
class Item:
    """One monthly item: where its value comes from (``activity`` category/material, ``measured``
    parameter/material, or ``entered`` by hand) and the evidence the platform wants beside it."""

    code: str
    zh: str
    en: str
    unit: str
    source: str  # activity | measured | entered
    parameter: str  # the activity category or the measured parameter
    material: str
    evidence: str  # a key of EVIDENCE
    document: str
    confidence: str
    note: str = ""
    required: bool = True
    weight: str = ""  # the item whose monthly values weight this one's yearly mean (a load factor: hours run)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def of(cls, data: dict) -> Item:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@cache
def defaults() -> dict[str, tuple[Item, ...]]:
    """The sector's items as the data file lists them."""
    out: dict[str, list[Item]] = {}
    with DATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["from"] not in SOURCES or row["evidence"] not in EVIDENCE:
                raise ValueError(f"{DATA.name}: bad source or evidence in {row['code']}")
            out.setdefault(row["sector"], []).append(Item(
                row["code"], row["name_zh"], row["name_en"], row["unit"], row["from"], row["parameter"] or "",
                row["material"] or "", row["evidence"], row["document"], row["confidence"], row.get("note") or "",
                weight=row.get("weight") or ""))
    return {sector: tuple(items) for sector, items in out.items()}


def summed(item: Item) -> bool:
    """Whether the year's value of an item is the sum of its months: an amount (t, MWh, GJ, 10⁴ Nm³, hours run)
    is; a share, rate or property per unit (a load factor in %, an NCV, anode effects per cell-day) is a mean."""
    return units.is_amount(item.unit)


def weight(sector: str, code: str) -> str:
    """The item weighting ``code``'s yearly mean in the sector's defaults ("" for a plain mean): a definition of
    the guideline, so an enterprise's profile saved before weights were data still gets it."""
    return next((i.weight for i in defaults().get(sector, ()) if i.code == code), "")


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


@dataclass(frozen=True)
class MonthlyStart:
    """When a sector's months began to be uploaded one by one (``data/ets_monthly_start.tsv``): months from
    ``first_month`` have a package; those before ``monthly_from`` were filled in together by ``catch_up_due``.
    The sector's earlier listed years are reported for the year only."""

    sector: str
    first_month: date
    monthly_from: date
    catch_up_due: date
    source: str
    confidence: str


@cache
def monthly_starts() -> dict[str, MonthlyStart]:
    out = {}
    with (DATA.parent / "ets_monthly_start.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            first, monthly = (date.fromisoformat(row[k] + "-01") for k in ("first_month", "monthly_from"))
            out[row["sector"]] = MonthlyStart(row["sector"], first, monthly, date.fromisoformat(row["catch_up_due"]),
                                              row["source"], row["confidence"])
    return out


def first_month(sector: str | None, listed_from: int) -> date:
    """The first month the enterprise owes a monthly package: its first listed year, or its sector's first monthly
    month if that is later (cement listed from data year 2024 uploads from January 2025)."""
    start = monthly_starts().get(sector or "")
    listed = date(listed_from, 1, 1)
    return max(listed, start.first_month) if start else listed


def deadline(month: date, days: int = DEADLINE_DAYS, sector: str | None = None) -> date:
    """The last day the month's data and evidence may reach the platform: ``days`` natural days after its end, or
    the sector's catch-up date for the months filled in together when monthly uploads began."""
    start = monthly_starts().get(sector or "")
    if start is not None and start.first_month <= month < start.monthly_from:
        return start.catch_up_due
    return month_end(month) + timedelta(days=days)


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)
