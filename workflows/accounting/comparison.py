"""The one home of "compared with what": a year's figure against the same months of the year before and of the
base year, and a target pro-rated the same way. Every page that puts two figures side by side (the overview,
the accounting page, objectives, the baseline comparison, the review pack, the survey report) reads it here.

The base year's months come from the baseline's own monthly figures, else from the base year's latest run;
only when neither has them is the base year pro-rated (``basis`` says ``pro_rata``)."""

from __future__ import annotations

from sqlmodel import Session

from accounting import like_for_like as lfl
from storage.models import Baseline
from workflows.accounting import baseline as baselines
from workflows.accounting import runs


def against(now: dict, before: dict | None, base: Baseline | None, base_totals: dict | None,
            level: str = "enterprise", scope: str = "", metric: str = "total", year: int | None = None) -> dict:
    """One level's figure of a year (``now``, its totals) against the same months of the year before
    (``before``) and of the base year (``base_totals``, from ``baseline.monthly_figures``)."""
    months = lfl.covered(now)
    value, _ = lfl.figure(now, level, scope, metric, months)
    out: dict = {"year": year, "months": months, "complete": lfl.complete(months), "label": lfl.labels(months),
                 "value": value, "previous": None, "baseline": None}
    if before:
        then, basis = lfl.figure(before, level, scope, metric, months)
        if basis == lfl.MONTHLY and then is not None:
            out["previous"] = {"year": year - 1 if year else None, "value": then, "change": lfl.change(value, then)}
    if base is not None and base_totals is not None:
        then, basis = lfl.figure(base_totals, level, scope, metric, months)
        out["baseline"] = {"number": base.number, "year": base.base_year, "value": then, "basis": basis,
                           "change": lfl.change(value, then)}
    return out


def year(session: Session, enterprise_id: int, year: int | None = None, yearly: dict[int, dict] | None = None,
         totals: dict | None = None) -> dict | None:
    """The enterprise's emissions of ``year`` (the newest accounted when None) like for like; ``totals`` when
    the caller holds the run's totals already. None when nothing has been accounted."""
    yearly = runs.totals_by_year(session, enterprise_id) if yearly is None else yearly
    if year is None:
        if not yearly:
            return None
        year = max(yearly)
    now = totals if totals is not None else yearly.get(year)
    if now is None:
        return None
    base = baselines.active(session, enterprise_id)
    out = against(now, yearly.get(year - 1), base, baselines.monthly_figures(session, base, yearly) if base else None,
                  year=year)
    out["last_month"] = max(now.get("months", {}) or [""]) or None
    return out


def worded(figure: dict | None, lang: str = "zh") -> dict:
    """The sentences a page or a report prints: what is compared with what, months named."""
    if not figure:
        return {}
    en, months = lang == "en", figure["label"]["en" if lang == "en" else "zh"]
    whole = figure["complete"]
    out = {"period": (f"{figure['year']}" if whole else f"{figure['year']} {months}") if en else
           (f"{figure['year']} 年" if whole else f"{figure['year']} 年 {months}")}
    p = figure.get("previous")
    if p:
        out["previous"] = (f"against {'' if whole else months + ' '}{p['year']}" if en else
                           f"较 {p['year']} 年{'' if whole else '同期（' + months + '）'}")
    b = figure.get("baseline")
    if b:
        pro = b["basis"] == lfl.PRO_RATA and not whole
        out["baseline"] = ((f"against base year {b['year']}" + ("" if whole else f" ({months}"
                            + (", pro rata: no monthly figures)" if pro else ")"))) if en else
                           (f"较基准年 {b['year']}" + ("" if whole else f" 同期（{months}"
                            + ("，按比例折算：基准年无月度数据）" if pro else "）"))))
    return out
