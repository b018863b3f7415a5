"""The factor library: default values as versioned data, each naming its source document, table,
validity and confidence (``accounting/data/factors.tsv``), and the enterprise's own measured
values that override them when they come with evidence.

Defaults for the same fuel differ between documents, so a factor is never one global number: it
is looked up by parameter, material and the date of the activity, and the answer says which row
was used and whether it was a fallback (e.g. the latest published grid factor for a later year).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from accounting import confidence
from accounting.errors import AccountingError
from accounting.units import convert

DATA = Path(__file__).parent / "data"
COLUMNS = ["parameter", "material", "name_zh", "value", "unit", "document", "version", "table", "valid_from",
           "valid_to", "confidence", "note", "name_en", "aliases"]
# the documents whose default tables the library holds, in the order a default is taken when the enterprise has not
# chosen one (a fuel the first does not hold comes from the next); GB/T 32151.34 first, as the library always had it
DOCUMENTS = {"GB/T 32151.34-2024": ("GB/T 32151.34—2024 缺省值", "GB/T 32151.34-2024 defaults"),
             "GB/T 32150-2015": ("GB/T 32150—2015《工业企业温室气体排放核算和报告通则》附录B",
                                 "GB/T 32150-2015 (general industry), Appendix B")}
DEFAULT_DOCUMENT = "GB/T 32151.34-2024"


@dataclass(frozen=True)
class Factor:
    parameter: str
    material: str
    value: float
    unit: str
    document: str
    version: str = ""
    table: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    confidence: str = "M"
    name_zh: str = ""
    note: str = ""
    name_en: str = ""
    aliases: tuple[str, ...] = ()  # what plants also call it (重油 for fuel oil), read on import
    measured: bool = False  # an enterprise's own determination
    evidence: str = ""
    batch: float | None = None  # the quantity of fuel the determination stands for (a batch, a delivery)
    batch_unit: str = ""

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def source(self, lang: str | None = None) -> str:
        """Where the value comes from and how sure we are, in ``lang`` (zh, en or both); without ``lang`` the form
        frozen into runs, the grade as its letter, which ``confidence.cited`` words for a reader."""
        if self.measured:
            return f"企业实测 Measured by the enterprise: {self.evidence}"
        cited = " ".join(x for x in (self.document, self.table) if x)
        return f"{cited} [{self.confidence}]" if lang is None else confidence.with_grade(cited, self.confidence, lang)

    def as_json(self) -> dict:
        return {"parameter": self.parameter, "material": self.material, "value": self.value, "unit": self.unit,
                "source": self.source(), "document": self.document, "version": self.version,
                "valid_from": self.valid_from and self.valid_from.isoformat(),
                "valid_to": self.valid_to and self.valid_to.isoformat(), "measured": self.measured}

    def value_in(self, unit: str) -> float:
        return convert(self.value, self.unit, unit, (f"因子 {self.parameter}/{self.material} ", f"factor {self.parameter}/{self.material}"))


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def parse(rows: list[dict], origin: str) -> list[Factor]:
    """Check every row: a number, a known unit, and a source document; anything else is refused."""
    out = []
    for n, row in enumerate(rows, 2):
        where_zh, where_en = f"{origin} 第 {n} 行", f"{origin} line {n}"
        if not (row.get("document") or "").strip():
            raise AccountingError("factor_source", f"{where_zh}：因子 {row.get('parameter')}/{row.get('material')} 没有来源文件",
                                  f"{where_en}: factor {row.get('parameter')}/{row.get('material')} names no source document",
                                  field="document")
        try:
            value = float(row["value"])
        except (TypeError, ValueError):
            raise AccountingError("factor_value", f"{where_zh}：数值「{row.get('value')}」不是数字",
                                  f"{where_en}: value {row.get('value')!r} is not a number", field="value") from None
        factor = Factor(parameter=row["parameter"], material=row["material"], value=value, unit=row["unit"],
                        document=row["document"], version=row.get("version", ""), table=row.get("table", ""),
                        valid_from=_date(row.get("valid_from", "")), valid_to=_date(row.get("valid_to", "")),
                        confidence=row.get("confidence", "M"), name_zh=row.get("name_zh", ""), note=row.get("note", ""),
                        name_en=row.get("name_en") or "",
                        aliases=tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()))
        factor.value_in(factor.unit)  # the unit must be one we understand
        out.append(factor)
    return out


@dataclass(frozen=True)
class Chosen:
    factor: Factor
    fallback: bool  # no row covers the date: the latest one before it was used (or the earliest, see below)
    earliest: bool = False  # the date comes before the first published value, so that first one was used


def of_month(valid_from: date, valid_to: date | None, day: date) -> bool:
    """Whether a measured value belongs to the month of ``day``: determined in that month (valid from a day of it)
    or recorded for a span that holds the whole month."""
    first = day.replace(day=1)
    last = date(day.year + (day.month == 12), day.month % 12 + 1, 1) - _DAY
    return first <= valid_from <= last or (valid_from <= first and valid_to is not None and valid_to >= last)


class Library:
    def __init__(self, factors: list[Factor], overrides: Iterable[Factor] = (), document: str = DEFAULT_DOCUMENT):
        self.factors = list(factors)
        self.overrides = list(overrides)
        # where documents disagree, the one the enterprise reports under; then the others in DOCUMENTS' order
        self.document = document
        self._rank = {d: i for i, d in enumerate(dict.fromkeys([document, *DOCUMENTS]))}
        # (parameter, material) → [(valid_from, position, factor)] per pool, so a look-up reads its few rows only
        self._index: tuple[dict, dict] = (self._by_key(self.overrides), self._by_key(self.factors))
        self._materials: dict[str, set[str]] = {}
        # the calculators' result for one unit of an activity key, kept by ``inventory.calculate``: a library is
        # never changed after it is made, so what it gave once it gives again
        self.unit_lines: dict[tuple, Any] = {}

    @staticmethod
    def _by_key(pool: list[Factor]) -> dict[tuple[str, str], list[tuple[date, int, Factor]]]:
        index: dict[tuple[str, str], list[tuple[date, int, Factor]]] = {}
        for i, f in enumerate(pool):
            index.setdefault((f.parameter, f.material), []).append((f.valid_from or date.min, i, f))
        return index

    @cached_property
    def version(self) -> str:
        """A fingerprint of the defaults in force, stored with every run so results can be frozen."""
        body = "\n".join(f"{f.parameter}|{f.material}|{f.value}|{f.unit}|{f.document}|{f.valid_from}|{f.valid_to}"
                         for f in self.factors)
        if self.document != DEFAULT_DOCUMENT:  # the same table read under another document gives other figures
            body += f"\nunder {self.document}"
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def with_overrides(self, overrides: list[Factor]) -> Library:
        for o in overrides:
            if not o.evidence.strip():
                raise AccountingError("evidence", f"实测因子 {o.parameter}/{o.material} 须附证据",
                                      f"Measured factor {o.parameter}/{o.material} needs evidence", field="evidence")
        return Library(self.factors, overrides, self.document)

    def under(self, document: str) -> Library:
        """The library read under ``document``: its defaults first where documents disagree."""
        if document not in DOCUMENTS:
            raise AccountingError("document", f"因子库没有文件「{document}」的缺省值；可选：{'、'.join(DOCUMENTS)}",
                                  f"The library holds no defaults of {document!r}; choose {', '.join(DOCUMENTS)}",
                                  field="document")
        return Library(self.factors, self.overrides, document)

    def _preferred(self, rows):
        """The rows of the most preferred document that has any: a default is never a blend of two documents."""
        if len(rows) < 2:
            return rows
        ranks = {r[2].document: self._rank.get(r[2].document, len(self._rank)) for r in rows}
        best = min(ranks.values())
        return [r for r in rows if ranks[r[2].document] == best]

    def get(self, parameter: str, material: str, day: date) -> Chosen:
        for index, is_default in zip(self._index, (False, True), strict=True):
            # the latest validity wins; between equal ones, the one recorded last (a re-determination)
            rows = index.get((parameter, material), ())
            if is_default:
                rows = self._preferred(rows)
            covering = [r for r in rows if r[2].covers(day)]
            if covering:
                return Chosen(max(covering, key=lambda r: r[:2])[2], False)
            earlier = [r for r in rows if r[0] <= day]
            if earlier and is_default:
                return Chosen(max(earlier, key=lambda r: r[:2])[2], True)
            if rows and is_default:  # a year before the first publication (e.g. 2019 power): the first published
                return Chosen(min(rows, key=lambda r: (r[0], -r[1]))[2], True, earliest=True)
        raise AccountingError("no_factor", f"因子库中没有 {material} 的 {parameter}（{day}）",
                              f"No {parameter} for {material} in the factor library for {day}", field="material")

    def closest(self, text: str, parameter: str = "ncv", n: int = 3) -> list[Factor]:
        """The materials whose code, Chinese or English name or alias is nearest ``text``: what a refusal suggests."""
        named: dict[str, Factor] = {}
        for f in self.factors:
            if f.parameter == parameter:
                for word in (f.material, f.name_zh, f.name_en, *f.aliases):
                    if word:
                        named.setdefault(word.lower(), f)
        out: list[Factor] = []
        for word in difflib.get_close_matches(text.strip().lower(), list(named), n=12, cutoff=0.4):
            if all(o.material != named[word].material for o in out):
                out.append(named[word])
        return out[:n]

    def batches(self, parameter: str, material: str, day: date) -> list[Factor]:
        """The measured values that belong to the month of ``day``: determined in that month (valid from a day of
        it) or recorded for a span that holds the whole month. What the power guideline asks for each month; a
        value carried over from an earlier month with no end is not this month's measurement."""
        return [f for _, _, f in self._index[0].get((parameter, material), ())
                if f.valid_from is not None and of_month(f.valid_from, f.valid_to, day)]

    def materials(self, parameter: str) -> set[str]:
        if parameter not in self._materials:
            self._materials[parameter] = {f.material for f in self.factors if f.parameter == parameter}
        return self._materials[parameter]


_DAY = timedelta(days=1)
# the general library, then the sector defaults kept in their own files (power's rule for unmeasured coal, the
# aluminium standard's PFC factors, coal mining's flare and post-mining factors), each row with its source
FILES = ("factors.tsv", "power_defaults.tsv", "pfc_defaults.tsv", "coal_defaults.tsv")
# rows that are a sector's rule for a class of fuel ("coal" at a power plant), not a material a row may name
RULES_ONLY = ("carbon_content_unmeasured", "oxidation_power")


@cache
def default_library() -> Library:
    factors: list[Factor] = []
    for name in FILES:
        with (DATA / name).open(encoding="utf-8") as fh:
            factors += parse(list(csv.DictReader(fh, delimiter="\t")), name)
    return Library(factors)
