"""Which of a year's accounted figures the ETS surrender is due on, per sector and data year, as data
(``data/ets_scope.tsv``): each rule names its source and how sure we are (the grades of ACCOUNTING-FACTS.md: H
confirmed, M likely, U unverified), and the run and the assets page show both, so nobody takes an unverified rule
for the authority's word.

The national ETS covers power since 2019 (first compliance 2021): fossil-fuel combustion plus net purchased
electricity until data year 2022, fossil-fuel combustion only from 2023 (allocation by generation) — never the
desulfurisation limestone's process CO2, which the roll-up's direct total holds, so those figures are worked out
here from the lines' kind and category (``figures``). Steel, cement and aluminium smelting joined for data year 2024
with energy and process CO2 (aluminium also CF4 and C2F6), no indirect emissions; other non-ferrous metals (copper,
lead, zinc…) are not covered, so a non-ferrous enterprise is under the aluminium rule only when it is an aluminium
smelter (``sector_of``). A rule for a sector is a list of (first data year, rule), so a change of plan adds a row of the file
rather than rewriting history.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
# what a rule may name: the roll-up's totals (``accounting.rollup``) and the power sector's combustion figures (``figures``)
FIGURE_NAMES = {
    "total_direct_only": ("直接排放（不含购入电力、热力）", "Direct emissions (without purchased electricity and heat)"),
    "direct_and_purchased_electricity": ("直接排放加购入电力", "Direct emissions plus purchased electricity"),
    "combustion": ("化石燃料燃烧排放（不含脱硫等过程排放和购入电力）",
                   "Fossil-fuel combustion (without desulfurisation or other process CO2, or purchased electricity)"),
    "combustion_and_purchased_electricity": ("化石燃料燃烧排放加购入电力（不含脱硫等过程排放）",
                                             "Fossil-fuel combustion plus purchased electricity (without desulfurisation "
                                             "or other process CO2)"),
}
FIGURES = tuple(FIGURE_NAMES)
FROM_LINES = ("combustion", "combustion_and_purchased_electricity")  # not in the roll-up: ``figures`` works them out
# a run made before the combustion figures were kept states the figure it was due on then
EARLIER = {"combustion": "total_direct_only", "combustion_and_purchased_electricity": "direct_and_purchased_electricity"}


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


NONFERROUS = Rule("total_direct_only", "其他有色金属冶炼（铜、铅、锌等）不在全国碳市场，仅铝冶炼纳入；此处按直接排放口径显示，"
                  "供省级或自愿履约参考", "other non-ferrous metals (copper, lead, zinc…) are not in the national ETS, only "
                  "aluminium smelting is; the direct-emission figure is shown for provincial or voluntary schemes",
                  "全国碳排放权交易市场覆盖钢铁、水泥、铝冶炼行业工作方案（2025-03）", "H", covered=False)
# what makes a non-ferrous enterprise an aluminium smelter in its accounting: the anode and the metal (its PFCs)
ALUMINIUM_SOURCES = frozenset({"prebaked_anode", "primary_aluminium"})
AMBIGUOUS = ("nonferrous",)  # industries whose ETS sector depends on what the enterprise accounts


def sector_of(industry: str, listed_as: str | None = None, materials: Iterable[str] = ()) -> str:
    """The sector whose ETS rule applies: the one the enterprise is on the national list under (its carbon-market
    profile: a chemical company's captive power plant is listed as power); else its industry, where a non-ferrous
    enterprise is an aluminium smelter only when it accounts the smelter's sources (anode, primary aluminium) — a
    copper smelter stays non-ferrous, which the ETS does not cover."""
    if listed_as:
        return listed_as
    if industry in AMBIGUOUS and ALUMINIUM_SOURCES & set(materials):
        return "aluminium"
    return industry


def figures(lines: Iterable[Any]) -> dict[str, float]:
    """The power sector's covered figures, from each line's kind and category: fossil-fuel combustion (direct lines of
    the combustion category, not desulfurisation or other process CO2), and it plus purchased electricity."""
    combustion = electricity = 0.0
    for e in lines:
        category = e.activity.category
        if category == "fuel_combustion" and e.kind == "direct":
            combustion += e.tco2
        elif category == "electricity_purchased":
            electricity += e.tco2
    return {"combustion": round(combustion, 3), "combustion_and_purchased_electricity": round(combustion + electricity, 3)}


def counts(kind: str, category: str, figure: str) -> bool:
    """Whether a line of this kind and category is part of the figure a rule names."""
    if figure.startswith("combustion"):
        return (category == "fuel_combustion" and kind == "direct") or (
            figure == "combustion_and_purchased_electricity" and category == "electricity_purchased")
    return kind in ("direct", "recovered") or (figure == "direct_and_purchased_electricity"
                                               and category == "electricity_purchased")


def due(totals: dict, figure: str) -> float:
    """The figure a rule names in a run's totals; a run made before that figure was kept has the one it stood for."""
    enterprise = totals["enterprise"]
    if figure in enterprise:
        return enterprise[figure]
    return enterprise[EARLIER.get(figure, "total_direct_only")]


def of(stated: dict) -> Rule:
    """The rule a run stated (its totals' ``ets``), as a Rule."""
    return Rule(**{k: stated[k] for k in Rule.__dataclass_fields__ if k in stated})


def rule(sector: str, year: int) -> Rule:
    """The rule in force for the sector's data year; a sector or year the ETS does not cover gets NOT_COVERED."""
    found = NONFERROUS if sector == "nonferrous" else NOT_COVERED
    for first, candidate in RULES.get(sector, ()):
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
    "aluminium": ((2024, _carry(100_000)),),
}


def allowance_use(sector: str, year: int) -> AllowanceUse:
    """The allowance-use rule in force for the sector's compliance year; outside the ETS, own year only."""
    found = OWN_YEAR_ONLY
    for first, candidate in USE_RULES.get(sector, ()):
        if year >= first:
            found = candidate
    return found
