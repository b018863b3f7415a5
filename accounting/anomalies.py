"""Unusual activity data (6.1.3 b, 8.1.2): missing months, outliers in consumption and in
intensity (robust statistics: median and MAD, so one bad month cannot hide itself), and unit slips
(a value a thousand or ten thousand times its usual size, as when kg is typed for t).

Pure functions over monthly series; each finding carries a key so re-running the check on the
same data finds the same thing, not a new one.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date

OUTLIER_Z = 3.5  # Iglewicz and Hoaglin's threshold for the modified z-score
SLIP_FACTORS = (1000.0, 10000.0)
SEASON_TOLERANCE = 0.3


@dataclass(frozen=True)
class Finding:
    kind: str  # missing | outlier | intensity | unit_slip
    series: str  # "facility|category|material"
    period: date
    value: float | None
    expected: float | None
    score: float | None
    zh: str
    en: str

    @property
    def key(self) -> str:
        return f"{self.kind}|{self.series}|{self.period.isoformat()}"


def _months(first: date, last: date) -> list[date]:
    out, d = [], first
    while d <= last:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def robust_z(values: list[float], x: float) -> float:
    med = statistics.median(values)
    mad = statistics.median(abs(v - med) for v in values)
    if mad == 0:
        return 0.0 if x == med else float("inf")
    return 0.6745 * (x - med) / mad


def _slip(x: float, med: float) -> float | None:
    if med <= 0 or x <= 0:
        return None
    for f in SLIP_FACTORS:
        for ratio in (x / med, med / x):
            if abs(ratio / f - 1) < 0.35:
                return f if ratio == x / med else 1 / f
    return None


def _in_season(values: dict[date, float], month: date, x: float) -> bool:
    """Like the same calendar month in the other years (winter heating, summer peaks): not an anomaly."""
    same = [v for m, v in values.items() if m.month == month.month and m != month]
    return len(same) >= 2 and abs(x / statistics.median(same) - 1) <= SEASON_TOLERANCE


def check(series: dict[str, dict[date, float]], production: dict[date, float] | None = None,
          product: str = "") -> list[Finding]:
    """Findings for each series (``facility|category|material`` → month → quantity).

    Where production is known, a series is judged by its intensity (use per tonne of product) in
    months that ran at least half the usual output, so a planned shutdown (错峰生产) is not an
    anomaly; without production, by its own level. Unit slips and gaps are looked for either way.
    """
    found: list[Finding] = []
    all_months = [m for s in series.values() for m in s]
    if not all_months:
        return found
    span = _months(min(all_months), max(all_months))
    production = production or {}
    usual_output = statistics.median([v for v in production.values() if v > 0]) if production and any(
        v > 0 for v in production.values()) else None
    for name, months in sorted(series.items()):
        present = [m for m in span if m in months]
        for m in span:
            if present and present[0] <= m <= present[-1] and m not in months:
                found.append(Finding("missing", name, m, None, None, None, f"{m:%Y-%m} 缺少 {name} 的数据",
                                     f"{name}: no data for {m:%Y-%m}"))
        running = [months[m] for m in present if months[m] > 0]
        if len(running) < 6:
            continue
        med = statistics.median(running)
        slipped = set()
        for m in present:
            slip = _slip(months[m], med)
            if slip:
                slipped.add(m)
                found.append(Finding("unit_slip", name, m, months[m], med, slip,
                                     f"{m:%Y-%m} {name} 为 {months[m]:,.2f}，约为常值 {med:,.2f} 的 {slip:g} 倍，疑似单位录错",
                                     f"{name} {m:%Y-%m}: {months[m]:,.2f} is about {slip:g}× the usual {med:,.2f}; "
                                     "a unit slip?"))
        if usual_output:
            ratios = {m: months[m] / production[m] for m in present if m not in slipped and months[m] > 0
                      and production.get(m, 0) >= usual_output / 2}
            kind, values = "intensity", ratios
        else:
            kind, values = "outlier", {m: months[m] for m in present if m not in slipped and months[m] > 0}
        if len(values) < 6:
            continue
        pool = list(values.values())
        centre = statistics.median(pool)
        for m, x in values.items():
            z = robust_z(pool, x)
            if abs(z) <= OUTLIER_Z or _in_season(values, m, x):
                continue
            if kind == "intensity":
                zh = f"{m:%Y-%m} {name} 单位{product}消耗 {x:.6g}，中位数 {centre:.6g}（稳健 z = {z:.1f}）"
                en = f"{name} per t {product} in {m:%Y-%m}: {x:.6g} against a median of {centre:.6g} (robust z {z:.1f})"
            else:
                zh = f"{m:%Y-%m} {name} 为 {x:,.2f}，偏离中位数 {centre:,.2f}（稳健 z = {z:.1f}）"
                en = f"{name} {m:%Y-%m}: {x:,.2f} is far from the median {centre:,.2f} (robust z {z:.1f})"
            found.append(Finding(kind, name, m, x, centre, round(z, 2), zh, en))
    return found
