"""Like for like: a year in progress is compared only over the months it has. The same months of another year
come from that year's monthly figures (a run's totals hold them per month, per process and facility, and the
output per product); only where there are none is the year's figure pro-rated, and the result says so.

Pure arithmetic on the dictionaries a run or a baseline keeps; no database."""

from __future__ import annotations

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHLY, PRO_RATA = "monthly", "pro_rata"


def covered(totals: dict) -> list[int]:
    """The month numbers (1–12) a year's totals have figures for."""
    return sorted({int(k[5:7]) for k in totals.get("months", {})})


def complete(months: list[int]) -> bool:
    return len(months) == 12


def _runs(months: list[int]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in sorted(set(months)):
        if spans and m == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], m)
        else:
            spans.append((m, m))
    return spans


def label(months: list[int], lang: str = "zh") -> str:
    """"1–2 月" or "Jan–Feb"; gaps are named too ("1–2、4 月", "Jan–Feb, Apr")."""
    if not months:
        return ""
    if lang == "en":
        return ", ".join(MONTHS_EN[a - 1] if a == b else f"{MONTHS_EN[a - 1]}–{MONTHS_EN[b - 1]}"
                         for a, b in _runs(months))
    return "、".join(str(a) if a == b else f"{a}–{b}" for a, b in _runs(months)) + " 月"


def labels(months: list[int]) -> dict[str, str]:
    return {"zh": label(months, "zh"), "en": label(months, "en")}


def change(now: float | None, then: float | None, digits: int = 1) -> float | None:
    """Per cent change from ``then`` to ``now``; None when either is missing or ``then`` is nought."""
    return None if now is None or not then else round((now / then - 1) * 100, digits)


def _sum(series: dict[str, float], months: list[int], present: list[int] | None = None) -> float | None:
    """The sum over those months, or None unless the year has every one of them (``present``: the months the
    year has; a place or product silent in one of them, a kiln stopped, counts nought there)."""
    picked = {int(k[5:7]): v for k, v in series.items()}
    present = sorted(picked) if present is None else present
    if not months or any(m not in present for m in months):
        return None
    return sum(picked.get(m, 0.0) for m in months)


def _annual(totals: dict, level: str, scope: str, metric: str) -> float | None:
    if metric.startswith("intensity:"):
        entry = totals.get("intensity", {}).get(metric.split(":", 1)[1])
        return entry["total_per_unit"] if entry else None
    if level == "enterprise":
        return totals["enterprise"]["total"]
    pool = totals.get("processes" if level == "process" else "facilities", {})
    return pool[scope]["total"] if scope in pool else None


def _emissions_by_month(totals: dict, level: str, scope: str) -> dict[str, float] | None:
    if level == "enterprise":
        months = totals.get("months")
        return {k: v["total"] for k, v in months.items()} if months else None
    pool = totals.get("by_month", {}).get("processes" if level == "process" else "facilities")
    if pool is None:
        return None
    return pool.get(scope, {})


def figure(totals: dict, level: str, scope: str, metric: str, months: list[int] | None = None
           ) -> tuple[float | None, str]:
    """A level's figure (total emissions, or emissions per unit of a product) over ``months`` (all twelve when
    None or complete), and how it was found: from the monthly figures, or the year's figure pro-rated (emissions)
    or taken whole (intensity, a ratio) where there are no monthly figures."""
    if months is None or complete(months):
        return _annual(totals, level, scope, metric), MONTHLY
    if metric.startswith("intensity:"):
        emitted = _emissions_by_month(totals, "enterprise", "")
        output = totals.get("by_month", {}).get("output", {}).get(metric.split(":", 1)[1])
        if emitted is not None and output is not None:
            e, q = _sum(emitted, months), _sum(output, months, covered(totals))
            if e is not None and q:
                return round(e / q, 6), MONTHLY
        return _annual(totals, level, scope, metric), PRO_RATA
    series = _emissions_by_month(totals, level, scope)
    if series is not None:
        found = _sum(series, months, covered(totals))
        if found is not None:
            return round(found, 3), MONTHLY
    whole = _annual(totals, level, scope, metric)
    return (None if whole is None else round(whole * len(months) / 12, 3)), PRO_RATA


def cumulative(totals: dict, level: str, scope: str, months: list[int]) -> list[float] | None:
    """Running total of a level's emissions month by month over ``months``; None without monthly figures."""
    series = _emissions_by_month(totals, level, scope)
    if series is None:
        return None
    picked = {int(k[5:7]): v for k, v in series.items()}
    out, running = [], 0.0
    for m in months:
        running += picked.get(m, 0.0)
        out.append(round(running, 3))
    return out


def without_output(totals: dict, product: str, reference: dict | None) -> list[int]:
    """The covered months with emissions but none of ``product`` made, where the same month of ``reference`` (the
    year before, or the base year) made some: a figure per tonne over them is overstated, not comparable. A month
    the plant always stands still in (a kiln stopped every February) is like for like and not named."""
    emitted = {int(k[5:7]): v for k, v in (_emissions_by_month(totals, "enterprise", "") or {}).items()}
    made = {int(k[5:7]): v for k, v in totals.get("by_month", {}).get("output", {}).get(product, {}).items()}
    then = {int(k[5:7]): v for k, v in ((reference or {}).get("by_month", {}).get("output", {}).get(product) or {}
                                        ).items()}
    return [m for m in covered(totals) if emitted.get(m, 0) > 0 and not made.get(m) and then.get(m, 0) > 0]


def cumulative_intensity(totals: dict, product: str, months: list[int]) -> list[float | None] | None:
    """Emissions per unit of a product over the year so far, month by month (the months' emissions over their
    output, cumulatively): what a part year of an intensity target is read against; None without monthly figures."""
    emitted = _emissions_by_month(totals, "enterprise", "")
    output = totals.get("by_month", {}).get("output", {}).get(product)
    if emitted is None or output is None:
        return None
    e_by, q_by = {int(k[5:7]): v for k, v in emitted.items()}, {int(k[5:7]): v for k, v in output.items()}
    out: list[float | None] = []
    e = q = 0.0
    for m in months:
        e, q = e + e_by.get(m, 0.0), q + q_by.get(m, 0.0)
        out.append(round(e / q, 6) if q else None)
    return out


def path_value(base: float, goal: float, base_year: int, target_year: int, year: int) -> float:
    """Where the straight path from the base year's figure to the target stands in ``year``."""
    span = target_year - base_year
    share = 1.0 if span <= 0 else min(max((year - base_year) / span, 0.0), 1.0)
    return base + (goal - base) * share


TOLERANCE_PCT = 1.0  # closer than this to the path is "on track", not "ahead"


def standing(now: float | None, path: float | None, goal: float | None, months: list[int], year: int,
             target_year: int) -> str | None:
    """``achieved``/``missed`` once the target period is complete; before that ``ahead``, ``on_track`` or
    ``behind`` the path for the months covered. Lower is better."""
    if now is None or path is None or goal is None:
        return None
    if year >= target_year and complete(months):
        return "achieved" if now <= goal else "missed"
    if now > path:
        return "behind"
    return "ahead" if path and (path - now) / path * 100 > TOLERANCE_PCT else "on_track"


STANDING = {"achieved": ("已达成", "achieved"), "missed": ("未达成", "missed"), "ahead": ("超前", "ahead"),
            "on_track": ("按计划", "on track"), "behind": ("落后", "behind")}
