"""Which of a year's accounted figures the ETS surrender is due on, per sector and data year, as data
(``data/ets_scope.tsv``): each rule names its source and how sure we are (the grades of ACCOUNTING-FACTS.md: H
confirmed, M likely, U unverified), and the run and the assets page show both, so nobody takes an unverified rule
for the authority's word.

The national ETS covers power since 2019 (first compliance 2021): direct combustion plus net purchased
electricity until data year 2022, direct combustion only from 2023 (allocation by generation). Steel, cement and
aluminium joined for data year 2024 with energy and process CO2 (aluminium also CF4 and C2F6), no indirect
emissions. A rule for a sector is a list of (first data year, rule), so a change of plan adds a row of the file
rather than rewriting history.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from accounting import confidence

SCOPE_FILE = Path(__file__).parent / "data" / "ets_scope.tsv"


@dataclass(frozen=True)
class Rule:
    figure: str  # the key in a run's enterprise totals
    zh: str
    en: str
    source: str
    confidence: str  # H | M | U
    covered: bool = True  # whether the sector is in the national ETS at all
    first_year: int = 0  # the first data year the rule is in force


NOT_COVERED = Rule("total_direct_only", "本行业尚未纳入全国碳市场；此处按直接排放口径显示，供省级或自愿履约参考",
                   "this sector is not in the national ETS; the direct-emission figure is shown for provincial or "
                   "voluntary schemes", "全国碳市场覆盖范围（2025 年扩围至钢铁、水泥、铝冶炼）", "H", covered=False)
FIGURES = ("total_direct_only", "direct_and_purchased_electricity")  # what a rule may name (``accounting.rollup``)


def _load() -> dict[str, tuple[tuple[int, Rule], ...]]:
    rules: dict[str, list[tuple[int, Rule]]] = {}
    with SCOPE_FILE.open(encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh, delimiter="\t"), 2):
            if row["figure"] not in FIGURES or row["confidence"] not in ("H", "M", "U") or not row["source"].strip():
                raise ValueError(f"ets_scope.tsv line {n}: figure, confidence or source is not one the rules know")
            year = int(row["first_year"])
            rules.setdefault(row["sector"], []).append((year, Rule(row["figure"], row["zh"], row["en"], row["source"],
                                                                    row["confidence"], True, year)))
    return {sector: tuple(sorted(found, key=lambda r: r[0])) for sector, found in rules.items()}


RULES: dict[str, tuple[tuple[int, Rule], ...]] = _load()


# the carbon-market profile names the sector as the ETS lists it (aluminium smelting); the rules above are kept under
# the industry it belongs to (non-ferrous metals, of which only aluminium smelting is covered)
SAME = {"aluminium": "nonferrous"}


def scope_sector(sector: str) -> str:
    return SAME.get(sector, sector)


def rule(sector: str, year: int) -> Rule:
    """The rule in force for the sector's data year; a sector or year the ETS does not cover gets NOT_COVERED.
    ``sector`` is an industry or a carbon-market profile's sector."""
    found = NOT_COVERED
    for first, candidate in RULES.get(scope_sector(sector), ()):
        if year >= first:
            found = candidate
    return found


@dataclass(frozen=True)
class AllowanceUse:
    """Which allowances (by vintage) a compliance year may use: its own vintage always, a later vintage never,
    and the surplus of earlier vintages — what their own years no longer need — up to ``carry_over_t`` for the
    year (0: none may carry over). Held as data with its source and grade, like the rules above."""
    carry_over_t: float
    zh: str
    en: str
    source: str
    confidence: str  # H | M | U


_CARRY_SOURCE = "；".join((
    confidence.with_grade("全国碳排放权交易规则：按年度清缴 annual surrender", "H", "both"),
    confidence.with_grade("年度配额分配方案的结转基础额度 carry-over base quota {quota} t", "M", "both"),
    confidence.with_grade("结转计算公式 carry-over formula", "U", "both")))


def _carry(quota: int) -> AllowanceUse:
    return AllowanceUse(
        quota, f"本年度配额用于本年度清缴；以后年度的配额不能用于以前年度；以前年度配额在其本年度清缴之后的结余，"
               f"每个履约年度最多结转计入 {quota:,} t（结转基础额度）",
        f"a year's allowances cover that year; a later vintage never covers an earlier year; the surplus of earlier "
        f"vintages, once their own year is covered, counts for a later year up to {quota:,} t (the carry-over base quota)",
        _CARRY_SOURCE.format(quota=f"{quota:,}"), "U")


OWN_YEAR_ONLY = AllowanceUse(0, "本行业不在全国碳市场：配额只计入其本年度，不结转",
                             "this sector is not in the national ETS: allowances count for their own year only, "
                             "nothing carries over", "全国碳市场覆盖范围（2025 年扩围至钢铁、水泥、铝冶炼）", "H")

USE_RULES: dict[str, tuple[tuple[int, AllowanceUse], ...]] = {
    "power": ((2019, _carry(10_000)),),
    "cement": ((2024, _carry(100_000)),),
    "steel": ((2024, _carry(100_000)),),
    "nonferrous": ((2024, _carry(100_000)),),
}


def allowance_use(sector: str, year: int) -> AllowanceUse:
    """The allowance-use rule in force for the sector's compliance year; outside the ETS, own year only."""
    found = OWN_YEAR_ONLY
    for first, candidate in USE_RULES.get(sector, ()):
        if year >= first:
            found = candidate
    return found
