"""The picture each kept register is read by, from the rows its page lists: risks on a likelihood × impact
matrix, money planned against spent, providers by score, training by year, and so on. Each chart is plain
data (kind, axes, series, labels in the reader's language) that ``static/records.js`` draws with ECharts."""

from __future__ import annotations

from collections import Counter, defaultdict

from storage.models import FormRecord


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _choice(form_inputs, name: str, value, lang: str) -> str:
    field = next((i for i in form_inputs if i.name == name), None)
    for v, zh, en in field.choices if field else ():
        if v == value:
            return en if lang == "en" else zh
    return str(value)


def _risk(rows, lang, _):
    cells = Counter((r.payload["likelihood"], r.payload["impact"]) for r in rows)
    return {"kind": "heatmap", "title": _t(lang, "风险矩阵（条数）", "Risk matrix (count)"),
            "x": [str(i) for i in range(1, 6)], "y": [str(i) for i in range(1, 6)],
            "x_name": _t(lang, "可能性", "Likelihood"), "y_name": _t(lang, "影响程度", "Impact"),
            "data": [[x - 1, y - 1, n] for (x, y), n in cells.items()], "max": max(cells.values(), default=1)}


def _budget(rows, lang, _):
    years = sorted({r.payload["year"] for r in rows})
    planned = {y: sum(r.payload["planned_cny"] for r in rows if r.payload["year"] == y) for y in years}
    spent = {y: sum(r.payload.get("spent_cny") or 0 for r in rows if r.payload["year"] == y) for y in years}
    return {"kind": "bar", "title": _t(lang, "预算与支出（元）", "Budget and spending (CNY)"),
            "categories": [str(y) for y in years], "unit": _t(lang, "元", "CNY"),
            "series": [{"name": _t(lang, "预算", "Budget"), "data": [planned[y] for y in years]},
                       {"name": _t(lang, "已支出", "Spent"), "data": [spent[y] for y in years]}]}


def _providers(rows, lang, _):
    latest: dict[str, int] = {}
    for r in sorted(rows, key=lambda r: (r.recorded_on, r.id)):  # the latest evaluation of each provider
        latest[r.payload["provider"]] = r.payload["score"]
    names = sorted(latest, key=lambda n: -latest[n])
    return {"kind": "bar", "title": _t(lang, "服务机构最近一次评分", "Latest score of each provider"),
            "categories": names, "unit": _t(lang, "分", "points"),
            "series": [{"name": _t(lang, "评分", "Score"), "data": [latest[n] for n in names]}]}


def _training(rows, lang, _):
    by_year: dict[int, list] = defaultdict(list)
    for r in rows:
        by_year[r.recorded_on.year].append(r.payload)
    years = sorted(by_year)
    return {"kind": "bar", "title": _t(lang, "各年培训", "Training by year"), "categories": [str(y) for y in years],
            "unit": "", "series": [
                {"name": _t(lang, "培训场次", "Sessions"), "data": [len(by_year[y]) for y in years]},
                {"name": _t(lang, "人·学时", "Person-hours"),
                 "data": [round(sum(p["attendees"] * p["hours"] for p in by_year[y]), 1) for y in years]}]}


def _counted(field: str, title_zh: str, title_en: str):
    def chart(rows, lang, form_inputs):
        counts = Counter(r.payload.get(field) for r in rows)
        return {"kind": "pie", "title": _t(lang, title_zh, title_en),
                "data": [{"name": _choice(form_inputs, field, v, lang), "value": n} for v, n in counts.most_common()]}
    return chart


def _communication(rows, lang, form_inputs):
    channels = sorted({r.payload["channel"] for r in rows})
    return {"kind": "bar", "stacked": True, "title": _t(lang, "沟通方式", "Channels"),
            "categories": [_choice(form_inputs, "channel", c, lang) for c in channels], "unit": "",
            "series": [{"name": _choice(form_inputs, "direction", d, lang),
                        "data": [sum(1 for r in rows if r.payload["channel"] == c and r.payload["direction"] == d)
                                 for c in channels]} for d in ("internal", "external")]}


def _supply(rows, lang, _):
    share: dict[str, float] = {}
    for r in sorted(rows, key=lambda r: (r.recorded_on, r.id)):
        share[r.payload["supplier"]] = r.payload.get("green_share_pct") or 0
    names = sorted(share, key=lambda n: -share[n])
    return {"kind": "bar", "title": _t(lang, "绿色能源或低碳产品比例 %", "Green or low-carbon share %"),
            "categories": names, "unit": "%", "max": 100,
            "series": [{"name": "%", "data": [share[n] for n in names]}]}


CHARTS = {"risk": _risk, "budget": _budget, "provider_evaluation": _providers, "training": _training,
          "competence": _counted("assessment", "能力评价结论", "Assessments"),
          "context_issue": _counted("effect", "机遇与威胁", "Opportunities and threats"),
          "communication": _communication, "supply_chain": _supply}


def chart(form: str, rows: list[FormRecord], lang: str, form_inputs) -> dict | None:
    """The register's chart, or None when it has no rows or no picture helps."""
    make = CHARTS.get(form)
    return make(rows, lang, form_inputs) if make and rows else None
