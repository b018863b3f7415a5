"""Unusual activity data (6.1.3 b, 8.1.2), said the way a plant manager reads it.

- A **missing month** (no data at all between months that have data) and an **incomplete month** (a source the same
  month last year had is missing: a month holding one diesel line where last year's held coal, power and raw meal).
- A **unit slip**: a value about 1,000 or 10,000 times (or a thousandth of) its usual size, as when kg is typed for t.
- A **jump**: a month compared with the *same month of earlier years* (the kiln stops every February; January runs
  a week), by its use per tonne of product where the facility produced, else by its level. How far is too far is a
  tolerance per category and material, kept as data in ``data/anomaly_rules.tsv``; a month already found unusual
  never sets the expectation for a later one.
- A **lapsed measured value**: a parameter the plant measured until a date (coal NCV valid to 2025-12-31) with no
  measurement in force for a later month that used the material, so the default stood in silently.

Pure functions, no database and no IO beyond the rules file; each finding has a key, so checking the same data
again finds the same things, not new ones. Every text names the month, the source, the value with its unit and
what it was compared with; no statistics jargon, no scientific notation.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from accounting.errors import AccountingError
from accounting.factors import Factor, Library, default_library
from accounting.parameters import PARAMETERS

RULES = Path(__file__).parent / "data" / "anomaly_rules.tsv"
SLIP_POWERS = (3, 4)  # ×1000 (kg as t, kWh as MWh) and ×10000 (Nm³ as 10^4 Nm³, 元 as 万元)
SLIP_APART = 1.5  # a slipped month is also at least 10^1.5 (about 30) times off the series' median
# what was probably typed, by unit and slip (10 ** power)
SLIP_HINTS = {
    ("t", 3): ("千克录成了吨", "kg entered as t"), ("t", -3): ("吨录成了千克", "t entered as kg"),
    ("t", 4): ("以万吨为单位的数按吨录入", "10,000 t entered as t"),
    ("MWh", 3): ("kWh 录成了 MWh", "kWh entered as MWh"), ("MWh", -3): ("MWh 录成了 kWh", "MWh entered as kWh"),
    ("MWh", 4): ("万 kWh 与 kWh 混淆", "10,000 kWh confused with kWh"),
    ("10^4 Nm3", 4): ("Nm³ 录成了万 Nm³", "Nm³ entered as 10,000 Nm³"),
    ("10^4 Nm3", -4): ("万 Nm³ 录成了 Nm³", "10,000 Nm³ entered as Nm³"),
    ("10^4 Nm3", 3): ("千 Nm³ 与万 Nm³ 混淆", "1,000 Nm³ confused with 10,000 Nm³"),
}
ENTERPRISE = "(enterprise)"
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
# unit → (zh, en, a smaller unit and its factor for small per-tonne figures)
UNITS: dict[str, tuple[str, str, tuple[str, float] | None]] = {
    "t": ("t", "t", ("kg", 1000.0)), "kg": ("kg", "kg", None),
    "MWh": ("MWh", "MWh", ("kWh", 1000.0)), "kWh": ("kWh", "kWh", None),
    "10^4 Nm3": ("万 Nm³", "× 10⁴ Nm³", ("Nm3", 10000.0)), "Nm3": ("Nm³", "Nm³", None),
    "GJ": ("GJ", "GJ", ("MJ", 1000.0)), "MJ": ("MJ", "MJ", None),
}

Labels = Mapping[str, tuple[str, str]]  # a series key, a material or a product code → (zh, en) words


@dataclass(frozen=True)
class Finding:
    kind: str  # missing | incomplete | unit_slip | intensity | outlier | lapsed_factor
    series: str  # "facility|category|material", or "(enterprise)" for a whole month
    period: date
    value: float | None
    expected: float | None
    score: float | None  # the slip factor, or the change against the expectation (0.15 = 15 % above)
    zh: str
    en: str
    ident: str = ""  # what makes it the same finding, where the kind, series and month do not

    @property
    def key(self) -> str:
        return self.ident or f"{self.kind}|{self.series}|{self.period.isoformat()}"


@dataclass(frozen=True)
class Rule:
    category: str
    material: str
    tolerance: float  # 0.10: more than 10 % above, or below 1/1.10 of, the same month's median is unusual
    history_years: int  # how many earlier years' same month set the expectation


@cache
def rules() -> dict[tuple[str, str], Rule]:
    with RULES.open(encoding="utf-8") as fh:
        return {(r["category"], r["material"]): Rule(r["category"], r["material"], float(r["tolerance"]),
                                                     int(r["history_years"]))
                for r in csv.DictReader(fh, delimiter="\t")}


def rule(series: str) -> Rule:
    _, category, material = (series.split("|") + ["", ""])[:3]
    table = rules()
    return table.get((category, material)) or table.get((category, "*")) or table[("*", "*")]


# ---- words -------------------------------------------------------------------------------------------------------

def month_words(m: date) -> tuple[str, str]:
    return f"{m.year}年{m.month}月", f"{MONTHS_EN[m.month - 1]} {m.year}"


def number(x: float) -> str:
    """About three significant figures, thousands separated, never in scientific notation."""
    a = abs(x)
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    if a == 0:
        return "0"
    return f"{x:.{2 - math.floor(math.log10(a))}f}"


def amount(x: float, unit: str, per: str = "") -> tuple[str, str]:
    """``x`` in ``unit`` (per tonne of product when ``per``), in a unit that keeps the figure readable."""
    zh, en, smaller = UNITS.get(unit, (unit, unit, None))
    if per and smaller and 0 < abs(x) < 0.01:
        x *= smaller[1]
        zh, en, _ = UNITS.get(smaller[0], (smaller[0], smaller[0], None))
    if per:
        return f"{number(x)} {zh}/t", f"{number(x)} {en}/t"
    return f"{number(x)} {zh}", f"{number(x)} {en}"


def _name(labels: Labels | None, code: str) -> tuple[str, str]:
    return (labels or {}).get(code, (code, code))


def _change(x: float, ref: float, when_zh: str, ref_zh: str) -> tuple[str, str]:
    """How ``x`` stands against ``ref``: 高 15% / 15 % above, 是…的 2.5 倍 / 2.5 times, 只有…的 40% / only 40 % of."""
    ratio = x / ref
    if ratio >= 2:
        return f"是{when_zh} {ref_zh} 的 {ratio:.1f} 倍", f"{ratio:.1f} times"
    if ratio <= 0.5:
        return f"只有{when_zh} {ref_zh} 的 {ratio * 100:.0f}%", f"only {ratio * 100:.0f} % of"
    pct = round(abs(ratio - 1) * 100)
    return f"比{when_zh} {ref_zh} {'高' if ratio > 1 else '低'} {pct}%", f"{pct} % {'above' if ratio > 1 else 'below'}"


# ---- months ------------------------------------------------------------------------------------------------------

def _months(first: date, last: date) -> list[date]:
    out, d = [], first
    while d <= last:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def _years_back(m: date, k: int) -> date:
    return date(m.year - k, m.month, 1)


def completeness(present: Mapping[str, Iterable[date]], labels: Labels | None = None) -> list[Finding]:
    """One finding per month that has no data at all, or lacks a source the same month last year had.

    ``present``: series key → the months it has a line in. In the first year (nothing a year before) a month is
    expected to hold every series that has lines both before and after it. A source that stopped is missed in the
    first month without it, not in every month after."""
    have: dict[str, set[date]] = {k: set(v) for k, v in present.items() if v}
    if not have:
        return []
    span = _months(min(min(v) for v in have.values()), max(max(v) for v in have.values()))
    found = []
    before: set[str] = set()  # the series of the latest month before this one that had any data
    for m in span:
        here = {k for k, ms in have.items() if m in ms}
        last_year = _years_back(m, 1)
        # last year's sources, but not one that had already stopped (a facility taken out is missed once, not monthly)
        expected = {k for k, ms in have.items() if last_year in ms and (k in before or max(ms) > m)}
        before = here or before
        basis_zh, basis_en = "去年同月", "the same month last year"
        if not expected:
            expected = {k for k, ms in have.items() if min(ms) < m < max(ms)}
            basis_zh, basis_en = "前后月份", "the months around it"
        mzh, men = month_words(m)
        if not here:
            found.append(Finding("missing", ENTERPRISE, m, 0, len(expected), None,
                                 f"{mzh}没有任何活动数据（{basis_zh}有 {len(expected)} 项）",
                                 f"{men} has no activity data at all ({basis_en} had {_sources(len(expected))})"))
            continue
        lost = sorted(expected - here)
        if not lost:
            continue
        held_zh, held_en = _listing(sorted(here), labels)
        lost_zh, lost_en = _listing(lost, labels)
        found.append(Finding("incomplete", ENTERPRISE, m, len(here), len(expected), None,
                             f"{mzh}数据不全：只有{held_zh}的数据，{basis_zh}还有{lost_zh}（共 {len(lost)} 项）",
                             f"{men} is incomplete: it holds {held_en} only, while {basis_en} also had {lost_en} "
                             f"({_sources(len(lost))} in all)"))
    return found


def _sources(n: int) -> str:
    return f"{n} source" + ("" if n == 1 else "s")


def _listing(keys: list[str], labels: Labels | None, most: int = 8) -> tuple[str, str]:
    """Materials by name, each once (three mills' electricity is one word), the first few then how many more."""
    names: list[tuple[str, str]] = []
    for k in keys:
        material = k.split("|")[-1]
        words = _name(labels, material)
        if words not in names:
            names.append(words)
    zh = "、".join(n[0] for n in names[:most]) + (f" 等 {len(names)} 项" if len(names) > most else "")
    en = ", ".join(n[1] for n in names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")
    return zh, en


# ---- unit slips and jumps ----------------------------------------------------------------------------------------

def _slip(x: float, ref: float) -> float | None:
    """1000 or 10000 when ``x`` is that many times ``ref`` (1/1000 … when a fraction), within a factor of about three:
    no month uses 316 times its usual amount, and the demo's own gas varies by half month to month."""
    if ref <= 0 or x <= 0:
        return None
    power = round(math.log10(x / ref))
    if abs(power) in SLIP_POWERS:
        return 10.0 ** power
    return None


def slips(months: Mapping[date, float], production: Mapping[date, float] | None = None) -> dict[date, tuple[float, float]]:
    """Month → (slip factor, the usual value it was compared with): the level against the same month of other
    years (a February has no production and little use), else per tonne of product against the whole series (a
    ratio the season moves little), else the level against the series' median."""
    production = production or {}
    out: dict[date, tuple[float, float]] = {}
    per_t = {m: v / production[m] for m, v in months.items() if v > 0 and production.get(m, 0) > 0}
    positive = [v for v in months.values() if v > 0]
    if not positive:
        return out
    overall = statistics.median(positive)
    for m, x in months.items():
        if x <= 0 or abs(math.log10(x / overall)) < SLIP_APART:
            continue  # within ×30 of the series' median: a season, not a slip (and a slipped month's neighbour)
        same = [v for k, v in months.items() if k != m and k.month == m.month and v > 0]
        if same:
            usual = statistics.median(same)
            slip = _slip(x, usual)
        elif m in per_t and len(per_t) >= 6:
            ref = statistics.median(v for k, v in per_t.items() if k != m)
            slip, usual = _slip(per_t[m], ref), ref * production[m]
        else:
            pool = [v for k, v in months.items() if k != m and v > 0]
            if not pool:
                continue
            usual = statistics.median(pool)
            slip = _slip(x, usual)
        if slip:
            out[m] = (slip, usual)
    return out


def check(series: Mapping[str, Mapping[date, float]], production: Mapping[date, float] | None = None,
          product: str = "", units: Mapping[str, str] | None = None, labels: Labels | None = None,
          gaps: bool = True, jumps: bool = True) -> list[Finding]:
    """Findings for each series (``facility|category|material`` → month → quantity in ``units[series]``).

    Where production is known (``product`` per tonne), a month is judged by its use per tonne of product against
    the same month of earlier years, else by its level; unit slips and (with ``gaps``) missing or incomplete months
    are looked for either way."""
    units = units or {}
    production = dict(production or {})
    found = completeness({k: list(v) for k, v in series.items()}, labels) if gaps else []
    for name, months in sorted(series.items()):
        unit = units.get(name, "")
        what_zh, what_en = _name(labels, name)
        slipped = slips(months, production)
        for m, (factor, usual) in sorted(slipped.items()):
            mzh, men = month_words(m)
            x_zh, x_en = amount(months[m], unit)
            u_zh, u_en = amount(usual, unit)
            power = round(math.log10(factor))
            words = {3: ("千", "a thousandth of"), 4: ("万", "a ten-thousandth of")}[abs(power)]
            times_zh = f"的 {factor:,.0f} 倍" if power > 0 else f"的{words[0]}分之一"
            times_en = f"{factor:,.0f} times" if power > 0 else words[1]
            hint_zh, hint_en = SLIP_HINTS.get((unit, power), ("单位或小数点录错", "a wrong unit or decimal point"))
            found.append(Finding(
                "unit_slip", name, m, months[m], usual, factor,
                f"{mzh}{what_zh}为 {x_zh}，约为通常 {u_zh} {times_zh}，疑似单位录错（{hint_zh}？）",
                f"{men}: {what_en} is {x_en}, about {times_en} the usual {u_en}: a unit slip ({hint_en}?)"))
        if jumps:
            found += _jumps(name, months, production, product, unit, labels, set(slipped))
    return found


def _jumps(name: str, months: Mapping[date, float], production: Mapping[date, float], product: str, unit: str,
           labels: Labels | None, skip: set[date]) -> list[Finding]:
    r = rule(name)
    what_zh, what_en = _name(labels, name)
    prod_zh, prod_en = _name(labels, product) if product else ("", "")
    unusual = set(skip)
    found = []
    for m in sorted(months):
        if m in skip:
            continue
        refs = [k for k in (_years_back(m, i) for i in range(1, r.history_years + 1)) if k in months and k not in unusual]
        if not refs:
            continue
        per_t = bool(product) and production.get(m, 0) > 0 and all(production.get(k, 0) > 0 for k in refs)
        x = months[m] / production[m] if per_t else months[m]
        pool = [months[k] / production[k] if per_t else months[k] for k in refs]
        pool = [v for v in pool if v > 0]
        if not pool:
            continue
        ref = statistics.median(pool)
        if x > 0 and abs(math.log(x / ref)) <= math.log(1 + r.tolerance):
            continue
        if x <= 0 and not (per_t or production.get(m, 1) > 0):
            continue  # nothing used while nothing was made: a stop, not a fault
        unusual.add(m)
        mzh, men = month_words(m)
        per = "t" if per_t else ""
        x_zh, x_en = amount(x, unit, per)
        ref_zh, ref_en = amount(ref, unit, per)
        years = sorted(k.year for k in refs)
        when_zh = f"{years[0]}年同月" if len(years) == 1 else f"{years[0]}–{years[-1]} 年同月的中位数"
        when_en = (f"the same month of {years[0]}" if len(years) == 1
                   else f"the median of the same month in {years[0]}–{years[-1]}")
        change_zh, change_en = _change(x, ref, when_zh, ref_zh) if x > 0 else ("", "")
        if per_t:
            zh = f"{mzh}{what_zh}单位{prod_zh}消耗 {x_zh}，{change_zh}"
            en = f"{men}: {what_en} per tonne of {prod_en} {x_en}, {change_en} {when_en} ({ref_en})"
        else:
            zh = f"{mzh}{what_zh}为 {x_zh}，{change_zh}"
            en = f"{men}: {what_en} {x_en}, {change_en} {when_en} ({ref_en})"
        if x <= 0:
            zh = f"{mzh}{what_zh}为 0，而{when_zh}为 {ref_zh}"
            en = f"{men}: {what_en} is 0, while {when_en} was {ref_en}"
        found.append(Finding("intensity" if per_t else "outlier", name, m, x, ref,
                             round(x / ref - 1, 4), zh, en))
    return found


# ---- measured values that lapsed ---------------------------------------------------------------------------------

def lapsed(measured: Iterable[Factor], used: Mapping[str, Iterable[date]], labels: Labels | None = None,
           library: Library | None = None) -> list[Finding]:
    """One finding per measured value that ended with no measurement after it, for the first month that then
    used the material (``used``: series key → months with a quantity): the default stood in from that month on."""
    library = library or default_library()
    rows = list(measured)
    months_of: dict[str, set[date]] = {}
    series_of: dict[tuple[str, date], str] = {}
    for key, months in sorted(used.items()):
        material = key.split("|")[-1]
        for m in months:
            months_of.setdefault(material, set()).add(m)
            series_of.setdefault((material, m), key)
    found = []
    for parameter, material in sorted({(f.parameter, f.material) for f in rows}):
        same = [f for f in rows if f.parameter == parameter and f.material == material]
        reported: set[tuple] = set()
        for m in sorted(months_of.get(material, ())):
            if any(f.covers(m) for f in same):
                continue
            ended = [f for f in same if f.valid_to is not None and f.valid_to < m]
            if not ended:
                continue  # never measured before this month: the default was always the basis
            last = max(ended, key=lambda f: (f.valid_to, f.valid_from or date.min))
            mark = (last.value, last.valid_to)
            if mark in reported:
                continue
            reported.add(mark)
            found.append(_lapsed_finding(parameter, material, last, m, series_of[(material, m)], labels, library))
    return found


def _lapsed_finding(parameter: str, material: str, last: Factor, m: date, series: str, labels: Labels | None,
                    library: Library) -> Finding:
    spec = PARAMETERS.get(parameter)
    p_zh, p_en = (spec.zh, spec.en.lower()) if spec else (parameter, parameter)
    m_zh, m_en = _name(labels, material)
    mzh, men = month_words(m)
    assert last.valid_to is not None
    end = last.valid_to.isoformat()
    try:
        default = library.get(parameter, material, m).factor
    except AccountingError:
        default = None
    if default is None or default.measured:
        zh = (f"{mzh}起{m_zh}的{p_zh}没有有效的实测值：企业实测值 {last.value:g} {last.unit} 有效期至 {end}，"
              "且没有缺省值，核算无法进行，请补录实测值")
        en = (f"From {men} the {p_en} of {m_en} has no measured value in force: the plant's measured "
              f"{last.value:g} {last.unit} was valid until {end} and there is no default, so it cannot be accounted; "
              "record the new measurement")
        value = None
    else:
        value = default.value_in(last.unit)
        diff = value / last.value - 1
        direction_zh = f"低 {abs(diff) * 100:.0f}%" if diff < 0 else f"高 {diff * 100:.0f}%"
        direction_en = f"{abs(diff) * 100:.0f} % {'below' if diff < 0 else 'above'}"
        zh = (f"{mzh}起{m_zh}的{p_zh}改用了缺省值 {default.value:g} {default.unit}：企业实测值 {last.value:g} "
              f"{last.unit} 有效期至 {end}，之后没有新的实测值（缺省值比实测值{direction_zh}）")
        en = (f"From {men} the {p_en} of {m_en} fell back to the default {default.value:g} {default.unit}: "
              f"the plant's measured {last.value:g} {last.unit} was valid until {end} and nothing measured follows "
              f"(the default is {direction_en} the measured value)")
    return Finding("lapsed_factor", series, m, value, last.value, None, zh, en,
                   ident=f"lapsed_factor|{parameter}|{material}|{end}")
