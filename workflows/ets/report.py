"""The annual emission report to the authority (年度排放报告), in its seven sections, built from the data year's
frozen accounting run and nothing else that could move: the reporting entity; emissions by source and gas with the
covered total the sector's ETS rule names; activity data with where each came from; factors with their sources and
versions; production; how the data-quality plan was carried out; the sector's auxiliary parameters.

Only a closed data year is reported: its run must cover all twelve months and still stand (no change to the year's
data after it). A year in progress, two months in, has a run but no annual report."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from accounting import confidence, ets_monthly, ets_scope, units
from accounting import like_for_like as lfl
from accounting.factors import DOCUMENTS
from storage.errors import StewardError
from storage.models import (
    AccountingRun,
    ActivityRecord,
    DqPlan,
    Enterprise,
    EtsMonth,
    EtsProfile,
    Meter,
)
from storage.vocab import DataSource
from workflows.accounting import calculation, freshness, runs
from workflows.accounting.views import factor_name
from workflows.engine import clock, names
from workflows.ets import profile as profiles

Text = tuple[str, str]  # (中文, English)
Cell = str | float | int | Text | None
KINDS = {"direct": ("直接排放", "Direct"), "indirect": ("间接排放（购入电力、热力）", "Indirect (purchased electricity, heat)"),
         "exported": ("输出电力、热力（扣减）", "Exported electricity and heat (deducted)"),
         "recovered": ("回收利用（扣减）", "Recovered (deducted)")}
GASES = {"CO2": ("二氧化碳 CO2", "Carbon dioxide CO2"), "CH4": ("甲烷 CH4", "Methane CH4"),
         "N2O": ("氧化亚氮 N2O", "Nitrous oxide N2O"), "CF4": ("四氟化碳 CF4", "Tetrafluoromethane CF4"),
         "C2F6": ("六氟乙烷 C2F6", "Hexafluoroethane C2F6")}
YES, NO = ("是", "yes"), ("否", "no")
# what the sector reports beside its emissions (补充数据/辅助参数): production and electricity, and what is typed monthly
AUXILIARY = ("production", "electricity_purchased", "electricity_exported")


@dataclass
class Section:
    key: str
    zh: str
    en: str
    columns: list[Text]
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass
class Report:
    enterprise: Enterprise
    year: int
    run: AccountingRun
    covered_tco2e: float
    rule: dict
    sections: list[Section]


def _both(zh: str, en: str) -> Text:
    return (zh, en)


def _material(code: str) -> Text:
    return (names.material(code, "zh"), names.material(code, "en"))


def _category(code: str) -> Text:
    return (names.category(code, "zh"), names.category(code, "en"))


def _place(places: names.Places, code: str | None) -> Text:
    return (places(code, "zh"), places(code, "en"))


def _method(code: str) -> Text:
    return (DataSource(code).zh, DataSource(code).en) if code in DataSource.__members__ else (code, code)


def _unit(code: str) -> Text:
    return ets_monthly.UNIT_LABELS.get(code, (code, code))


def _gas(line: dict) -> str:
    """The gas a line emits: the one its GWP factor is for, else CO2 (combustion, process and electricity lines)."""
    return next((f["material"].upper() for f in line["factors"] if f["parameter"].startswith("gwp_")), "CO2")


def reportable_run(session: Session, enterprise_id: int, year: int, today: date | None = None) -> AccountingRun:
    """The frozen run an annual report may be built from, or why there is none: the data year must be over, its
    latest run must cover every month and still stand against the year's data."""
    today = today or clock.today()
    if year >= today.year:
        raise StewardError("year_open", f"{year} 年度尚未结束，年度排放报告须在数据年度结束后编制",
                           f"The {year} data year is not over; the annual report is prepared after it ends", field="year",
                           status=409)
    run = runs.year_run(session, enterprise_id, year)
    months = lfl.covered(run.totals)
    if len(months) < 12:
        missing = ", ".join(f"{m:02d}" for m in range(1, 13) if m not in months)
        raise StewardError("months_missing", f"{year} 年核算缺少月份 {missing}，不能作为年度报告",
                           f"The {year} run lacks month(s) {missing}; it cannot be reported as a year", field="year",
                           status=409)
    changed = freshness.changes_since(session, run)
    if changed is not None:
        raise StewardError("run_stale", f"{changed['zh']}；请先重新核算 {year} 年",
                           f"{changed['en']}; run the {year} accounting again first", field="year", status=409)
    return session.get(AccountingRun, run.id)  # with its lines


def listed_profile(session: Session, enterprise_id: int, year: int) -> EtsProfile:
    profile = profiles.required(session, enterprise_id)
    if year < profile.listed_from:
        raise StewardError("not_listed", f"{year} 年本企业尚未纳入全国碳市场（自 {profile.listed_from} 年度起）",
                           f"In {year} the enterprise was not yet on the national list (from data year "
                           f"{profile.listed_from})", field="year")
    return profile


def build(session: Session, enterprise_id: int, year: int, run: AccountingRun | None = None) -> Report:
    """The report's content from ``run`` (the year's reportable run when not given)."""
    profile = listed_profile(session, enterprise_id, year)
    run = run or reportable_run(session, enterprise_id, year)
    ent = session.get(Enterprise, enterprise_id)
    places = names.Places(session, enterprise_id)
    rule = _rule(run, profile)
    covered = round(ets_scope.due(run.totals, rule["figure"]), 3)
    sections = [_entity(run, ent, profile, rule, covered), _emissions(run, places, rule, covered),
                _activity(session, run, places), _factors(run), _production(run, places),
                _dq(session, run, places), _auxiliary(session, run, profile)]
    return Report(ent, year, run, covered, rule, sections)


def _rule(run: AccountingRun, profile: EtsProfile) -> dict:
    """The ETS rule the report's covered figure follows: the one of the sector the enterprise is listed under (its
    carbon-market profile), not of its industry — a chemical company's captive power plant is listed as power. The
    run's own statement of the rule stands when it was made for that sector."""
    frozen = run.totals.get("ets")
    if frozen and frozen.get("sector", "") == profile.sector:
        return frozen
    return calculation.ets(profile.sector, run.year)


def _entity(run: AccountingRun, ent: Enterprise, profile: EtsProfile, rule: dict, covered: float) -> Section:
    gwp = run.totals.get("gwp") or {}
    gwp_name = calculation.GWP_SETS.get(gwp.get("set", ""), ("", ""))
    doc = (run.totals.get("document") or {}).get("document", "")
    doc_name = DOCUMENTS.get(doc, (doc, doc))
    s = Section("entity", "重点排放单位基本情况", "Reporting entity", [("项目", "Item"), ("内容", "Content")])
    rows: list[tuple[Text, Cell]] = [
        (("单位名称", "Name"), (ent.name_zh, ent.name_en or ent.name_zh)),
        (("统一社会信用代码", "Unified social credit code"), ent.credit_code or "—"),
        (("地址", "Address"), ent.address or "—"),
        (("行业", "Sector"), ets_monthly.SECTORS.get(profile.sector, (profile.sector, profile.sector))),
        (("纳入全国碳市场的数据年度", "On the national list from data year"), profile.listed_from),
        (("报告年度", "Data year"), run.year),
        (("核算方法", "Accounting method"), doc_name),
        (("全球变暖潜势（GWP）取值", "GWP set"),
         (f"{gwp_name[0]}（{'企业选定：' + gwp.get('reason', '') if gwp.get('basis') == 'enterprise' else '缺省'}）",
          f"{gwp_name[1]} ({'chosen by the enterprise: ' + gwp.get('reason', '') if gwp.get('basis') == 'enterprise' else 'the standard set'})")),
        (("履约口径", "Covered figure (ETS scope rule)"), (rule["zh"], rule["en"])),
        (("口径依据", "Source of the rule"), (confidence.with_grade(rule["source"], rule["confidence"], "zh"),
                                            confidence.with_grade(rule["source"], rule["confidence"], "en"))),
        (("应履约排放量（tCO2e）", "Covered emissions (tCO2e)"), covered),
        (("排放总量（含间接，tCO2e）", "Total emissions incl. indirect (tCO2e)"), round(run.totals["enterprise"]["total"], 3)),
        (("核算批次", "Accounting run"), (f"#{run.id}，{clock.stamp(run.created_at)}，因子库 {run.library_version}",
                                         f"#{run.id}, {clock.stamp(run.created_at)}, factor library {run.library_version}")),
    ]
    s.rows = [[label, value] for label, value in rows]
    return s


def _covered(kind: str, category: str, figure: str) -> bool:
    """Whether a line counts toward the covered figure the rule names."""
    return ets_scope.counts(kind, category, figure)


def _emissions(run: AccountingRun, places: names.Places, rule: dict, covered: float) -> Section:
    s = Section("emissions", "按排放源和温室气体分列的排放量", "Emissions by source and gas",
                [("工序/设施", "Process / facility"), ("排放类别", "Category"), ("物料", "Material"), ("温室气体", "Gas"),
                 ("性质", "Kind"), ("排放量（tCO2e）", "Emissions (tCO2e)"), ("计入履约", "Covered")])
    sums: dict[tuple, float] = defaultdict(float)
    for line in run.lines:
        if line["kind"] in KINDS:
            sums[(line["facility"], line["category"], line["material"], _gas(line), line["kind"])] += line["tco2"]
    for (facility, category, material, gas, kind), tco2 in sorted(sums.items(), key=lambda kv: (kv[0][4], -kv[1])):
        s.rows.append([_place(places, facility), _category(category), _material(material), GASES.get(gas, (gas, gas)),
                       KINDS[kind], round(tco2, 3), YES if _covered(kind, category, rule["figure"]) else NO])
    e = run.totals["enterprise"]
    s.rows += [[("合计：直接排放", "Total direct"), None, None, None, None, round(e["direct"], 3), None],
               [("合计：间接排放", "Total indirect"), None, None, None, None, round(e["indirect"], 3), None],
               [("排放总量", "Total emissions"), None, None, None, None, round(e["total"], 3), None],
               [("应履约排放量：" + ets_scope.FIGURE_NAMES[rule["figure"]][0], "Covered: " + ets_scope.FIGURE_NAMES[rule["figure"]][1]),
                None, None, None, None, covered, YES]]
    return s


def _activity(session: Session, run: AccountingRun, places: names.Places) -> Section:
    """Each source's year of activity data, how it was determined and from which meter and document."""
    a = ActivityRecord
    meters = dict(session.exec(select(Meter.id, Meter.code).where(Meter.enterprise_id == run.enterprise_id)).all())
    kept = {rid: (meters.get(mid, ""), evidence) for rid, mid, evidence in session.exec(
        select(a.id, a.meter_id, a.evidence).where(a.enterprise_id == run.enterprise_id,
                                                   a.period >= date(run.year, 1, 1), a.period < date(run.year + 1, 1, 1)))}
    groups: dict[tuple, dict] = {}
    for line in run.lines:
        key = (line["facility"], line["category"], line["material"], line["unit"])
        g = groups.setdefault(key, {"quantity": 0.0, "months": set(), "methods": set(), "meters": set(), "documents": []})
        g["quantity"] += line["quantity"]
        g["months"].add(line["period"][:7])
        g["methods"].add(line["source"])
        meter, evidence = kept.get(int(line["ref"].rpartition(":")[2]) if line["ref"].startswith("activity_record:")
                                   else -1, ("", ""))
        g["meters"].add(meter)
        g["documents"].append(evidence)
    s = Section("activity", "活动数据及来源", "Activity data and their sources",
                [("工序/设施", "Process / facility"), ("类别", "Category"), ("物料", "Material"), ("年度数量", "Quantity"),
                 ("单位", "Unit"), ("月份数", "Months"), ("获取方式", "Determined by"), ("计量器具", "Meter"),
                 ("来源文件", "Source document")])
    for (facility, category, material, unit), g in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0] or "", kv[0][2])):
        methods = [_method(m) for m in sorted(g["methods"])]
        # "2025-01 生产月报", "2025-02 生产月报" … are one kind of document, twelve times
        kinds = Counter(re.sub(r"^\d{4}-\d{2}\s*", "", d) for d in g["documents"] if d)
        shown = "；".join(f"{kind} ×{n}" if n > 1 else kind for kind, n in sorted(kinds.items()))[:500] or "—"
        s.rows.append([_place(places, facility), _category(category), _material(material), round(g["quantity"], 3),
                       _unit(unit), len(g["months"]), ("、".join(m[0] for m in methods), ", ".join(m[1] for m in methods)),
                       "、".join(sorted(m for m in g["meters"] if m)) or "—", shown])
    return s


def _factors(run: AccountingRun) -> Section:
    """Each factor the run used, once per value and source, with its version, validity and the months it served."""
    used: dict[tuple, set[str]] = defaultdict(set)
    for line in run.lines:
        for f in line["factors"]:
            used[(f["parameter"], f["material"], f["value"], f["unit"], f["source"], f.get("version") or "",
                  f.get("valid_from") or "", f.get("valid_to") or "", bool(f.get("measured")))].add(line["period"][:7])
    s = Section("factors", "排放因子和参数及来源", "Factors and their sources",
                [("参数", "Parameter"), ("物料/气体", "Material / gas"), ("数值", "Value"), ("单位", "Unit"),
                 ("性质", "Kind"), ("来源", "Source"), ("版本", "Version"), ("有效期", "Valid"), ("使用月份", "Months used")])
    for (parameter, material, value, unit, source, version, start, end, measured), months in sorted(
            used.items(), key=lambda kv: (kv[0][1], kv[0][0], min(kv[1]))):
        first, last = min(months), max(months)
        s.rows.append([(factor_name(parameter, "zh"), factor_name(parameter, "en")), GASES.get(material) or _material(material),
                       value, unit, ("实测值", "Measured") if measured else ("缺省值", "Default"),
                       (confidence.cited(source, "zh"), confidence.cited(source, "en")), version or "—",
                       f"{start or '—'} – {end or '…'}", first if first == last else f"{first} – {last} ({len(months)})"])
    return s


def _production(run: AccountingRun, places: names.Places) -> Section:
    s = Section("production", "生产数据", "Production data",
                [("工序/设施", "Process / facility"), ("产品", "Product"), ("年产量", "Output"), ("单位", "Unit"),
                 ("月份数", "Months"), ("单位产品排放（tCO2e/单位）", "Emissions per unit (tCO2e)")])
    sums: dict[tuple, list] = {}
    for line in run.lines:
        if line["category"] == "production":
            g = sums.setdefault((line["facility"], line["material"], line["unit"]), [0.0, set()])
            g[0] += line["quantity"]
            g[1].add(line["period"][:7])
    intensity = run.totals.get("intensity", {})
    for (facility, material, unit), (quantity, months) in sorted(sums.items(), key=lambda kv: kv[0][1]):
        per = intensity.get(material, {}).get("total_per_unit")
        s.rows.append([_place(places, facility), _material(material), round(quantity, 3), _unit(unit), len(months),
                       per if per is not None else "—"])
    return s


def _planned(session: Session, enterprise_id: int, year: int) -> DqPlan | None:
    """The plan for the data year, else the newest before it: what the year was to be measured by."""
    query = select(DqPlan).where(DqPlan.enterprise_id == enterprise_id)
    return session.exec(query.where(DqPlan.year == year).order_by(DqPlan.id.desc())).first() or \
        session.exec(query.where(DqPlan.year <= year).order_by(DqPlan.year.desc(), DqPlan.id.desc())).first()


def _dq(session: Session, run: AccountingRun, places: names.Places) -> Section:
    """Planned against done, per parameter: each source recorded every month by the planned method, and each
    parameter the plan has measured (assayed) measured in every month the fuel was used."""
    plan = _planned(session, run.enterprise_id, run.year)
    s = Section("dq_plan", "数据质量控制计划执行情况", "Execution of the data-quality plan",
                [("参数", "Parameter"), ("计划的获取方式", "Planned method"), ("计划频次", "Planned frequency"),
                 ("实际执行", "Done"), ("符合计划", "As planned")])
    if plan is None:
        s.rows.append([("尚未生成数据质量控制计划", "No data-quality plan has been generated"), "—", "—", "—", NO])
        return s
    planned_sources = {(p["facility"], p["category"], p["material"]): p for p in plan.snapshot.get("sources", [])}
    done: dict[tuple, dict] = {}
    for line in run.lines:
        key = (line["facility"] or "(enterprise)", line["category"], line["material"])
        d = done.setdefault(key, {"months": set(), "methods": set()})
        d["months"].add(line["period"][:7])
        d["methods"].add(line["source"])
    for key in sorted(planned_sources.keys() | done.keys()):
        facility, category, material = key
        p, d = planned_sources.get(key), done.get(key)
        label = (f"{places(None if facility == '(enterprise)' else facility, 'zh')} {names.category(category, 'zh')} "
                 f"{names.material(material, 'zh')}",
                 f"{places(None if facility == '(enterprise)' else facility, 'en')} {names.category(category, 'en')} "
                 f"{names.material(material, 'en')}")
        planned_methods = set(p["method"].split("+")) if p else set()
        method = ("、".join(_method(m)[0] for m in sorted(planned_methods)) or "未列入计划",
                  ", ".join(_method(m)[1] for m in sorted(planned_methods)) or "not in the plan")
        months = len(d["months"]) if d else 0
        used = set(d["methods"]) if d else set()
        ok = bool(p) and months == 12 and used <= planned_methods
        s.rows.append([label, method, ("每月", "monthly") if p else "—",
                       (f"{months}/12 个月，" + "、".join(_method(m)[0] for m in sorted(used)),
                        f"{months}/12 months, " + ", ".join(_method(m)[1] for m in sorted(used))),
                       YES if ok else NO])
    burned = {(line["material"], line["period"][:7]) for line in run.lines if line["quantity"] > 0}
    measured: dict[tuple[str, str], set[str]] = defaultdict(set)
    for line in run.lines:
        for f in line["factors"]:
            if f.get("measured"):
                measured[(f["parameter"], f["material"])].add(line["period"][:7])
    for f in plan.snapshot.get("factors", []):
        if "per batch" not in f.get("frequency", ""):
            continue  # taken from a published default: nothing to measure
        material = f["source"].rpartition(" ")[2]
        wanted = {m for mat, m in burned if mat == material}
        got = measured.get((f["parameter"], material), set()) & wanted
        s.rows.append([(f"{names.material(material, 'zh')} {factor_name(f['parameter'], 'zh')}",
                        f"{names.material(material, 'en')} {factor_name(f['parameter'], 'en')}"),
                       ("实测（化验）", "Measured (assay)"), ("每批/每月", "per batch or month"),
                       (f"{len(got)}/{len(wanted)} 个用量月份有实测值", f"measured in {len(got)} of {len(wanted)} months used"),
                       YES if got == wanted else NO])
    return s


def _yearly(item: ets_monthly.Item, values: dict[date, float], weights: dict[date, float],
            weight_item: ets_monthly.Item | None) -> tuple[float, Text]:
    """The year's value of an item typed each month, and how it was made, in words: an amount is the sum of its
    months; anything else is a mean of the months that have a value, weighted where the guideline defines a weight
    (a load factor by the hours run) and every such month has one."""
    n = len(values)
    if ets_monthly.summed(item):
        return sum(values.values()), (f"{n} 个月合计", f"sum of {n} months")
    if weight_item is not None and values.keys() <= weights.keys() and sum(weights[m] for m in values) > 0:
        total = sum(weights[m] for m in values)
        return (sum(v * weights[m] for m, v in values.items()) / total,
                (f"{n} 个月按{weight_item.zh}加权平均", f"mean of {n} months weighted by {weight_item.en.lower()}"))
    return sum(values.values()) / n, (f"{n} 个月平均", f"mean of {n} months")


def _auxiliary(session: Session, run: AccountingRun, profile: EtsProfile) -> Section:
    """The sector's report parameters beside emissions: its items drawn from production and electricity (from the
    run, amounts summed over the year) and those typed for each month on the carbon-market page (an amount summed,
    a rate or share averaged: see ``_yearly``)."""
    s = Section("auxiliary", "辅助参数", "Auxiliary parameters",
                [("参数", "Parameter"), ("年度数值", "Year's value"), ("单位", "Unit"), ("月份数", "Months"),
                 ("来源", "Source"), ("依据", "Guideline")])
    entered: dict[str, dict[date, float]] = defaultdict(dict)
    for row in session.exec(select(EtsMonth).where(EtsMonth.enterprise_id == run.enterprise_id,
                                                   EtsMonth.month >= date(run.year, 1, 1),
                                                   EtsMonth.month < date(run.year + 1, 1, 1))):
        for code, typed in row.entered.items():
            entered[code][row.month] = float(typed["value"])
    chosen = {item.code: item for item in profiles.items(profile)}
    for item in chosen.values():
        value: Cell
        if item.source == "activity" and item.parameter in AUXILIARY:
            found = [(line, k) for line in run.lines  # each in the item's unit (generation in kWh is counted in MWh)
                     if line["category"] == item.parameter and line["material"] == item.material
                     and (k := units.ratio(line["unit"], item.unit)) is not None]
            value = round(sum(line["quantity"] * k for line, k in found), 3) if found else "—"
            months = len({line["period"][:7] for line, _ in found})
            source = ("核算活动数据：" + (f"{months} 个月合计" if found else "无"),
                      "Accounting run's activity data: " + (f"sum of {months} months" if found else "none"))
        elif item.source == "entered":
            values = entered.get(item.code, {})
            weighed_by = chosen.get(item.weight or ets_monthly.weight(profile.sector, item.code))
            months = len(values)
            if values:
                total, how = _yearly(item, values, entered.get(weighed_by.code, {}) if weighed_by else {}, weighed_by)
                value, source = round(total, 3), ("月度填报：" + how[0], "Entered monthly: " + how[1])
            else:
                value, source = "—", ("月度填报：无", "Entered monthly: none")
        else:
            continue
        s.rows.append([(item.zh, item.en), value, _unit(item.unit), months, source, item.document])
    return s
