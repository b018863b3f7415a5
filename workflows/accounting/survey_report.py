"""The yearly status survey and evaluation report (6.1.1 a–e) as a Word file with charts, from a
frozen accounting run, the data sources behind it, the baseline and the improvement register."""

from __future__ import annotations

import io
import statistics
from collections import defaultdict
from datetime import date

from docx.shared import Mm
from docxtpl import InlineImage
from sqlmodel import Session, select

from accounting import like_for_like as lfl
from storage.models import AccountingRun, DataAnomaly, Enterprise, Improvement, Process
from storage.vocab import DataSource
from workflows.accounting import comparison, dq_plan
from workflows.accounting.anomalies import AnomalyState
from workflows.engine import charts, clock
from workflows.engine import names as named
from workflows.engine.rendering import render_docx
from workflows.improvement.improvement import ImprovementState

METHOD = ("依据 GB/T 32150 及 GB/T 32151 相应行业部分，按设施、工序、企业三个层级核算直接排放（化石燃料燃烧、工业生产过程）"
          "和间接排放（净购入电力、热力）；活动数据取自计量器具和生产月报，排放因子优先采用企业实测值，其余采用因子库缺省值并注明来源；"
          "以往年同月为参照识别异常数据、缺失月份、单位录错和过期的实测值，并与上年和基准年对比。 / Accounted per GB/T 32150 and "
          "the sector part of GB/T 32151 at facility, process and enterprise level; activity data from meters and "
          "production reports; measured factors first, sourced defaults otherwise; anomalies, missing months, unit slips "
          "and lapsed measured values found against the same month of earlier years; compared with the previous year and "
          "the baseline.")


def _fmt(x: float) -> str:
    return f"{x:,.1f}"


def _method(code: str) -> str:
    """How a source's figures were obtained, by name in both languages (the snapshot keeps the code)."""
    return f"{DataSource(code).zh} {DataSource(code).en}" if code in DataSource.__members__ else code


def render(session: Session, run: AccountingRun) -> bytes:
    ent = session.get(Enterprise, run.enterprise_id)
    t = run.totals
    e = t["enterprise"]
    snap = dq_plan.snapshot(session, run.enterprise_id, run.year)
    methods = defaultdict(int)
    for s in snap["sources"]:
        for m in s["method"].split("+"):
            methods[m] += 1
    covered = lfl.covered(t) or list(range(1, 13))  # a part year charted as the months it has
    at = {m: i for i, m in enumerate(covered)}
    per_process: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(covered))
    for line in run.lines:
        if line["kind"] in ("direct", "indirect", "exported", "recovered") and int(line["period"][5:7]) in at:
            per_process[line["process"] or "外购电热 bought"][at[int(line["period"][5:7])]] += line["tco2"]
    months = [f"{run.year}-{m:02d}" for m in covered]
    names = {p.code: f"{p.code} {p.name}" for p in session.exec(select(Process).where(
        Process.enterprise_id == run.enterprise_id))}
    monthly = charts.stacked_months(months, {names.get(k, k): v for k, v in per_process.items()},
                                    f"{run.year} 月度排放 Monthly emissions by process")
    by_kind = [(k, e[k]) for k in ("direct", "indirect") if e[k] > 0]
    share = charts.shares([{"direct": "直接 direct", "indirect": "间接 indirect"}[k] for k, _ in by_kind],
                          [v for _, v in by_kind], "排放构成 Emission mix")
    compared = comparison.year(session, run.enterprise_id, run.year, totals=t)  # like for like, months named
    zh, en = comparison.worded(compared, "zh"), comparison.worded(compared, "en")
    lines = []
    for key in ("previous", "baseline"):
        found = compared[key] if compared else None
        if found and found["change"] is not None:
            lines.append(f"{zh['period']} {zh[key]}变化 {found['change']:+.2f}% / {en['period']} {en[key]}: "
                         f"{found['change']:+.2f}%")
    production = [line["quantity"] for line in run.lines if line["category"] == "production"
                  and line["material"] == (max(t["intensity"], key=lambda k: t["intensity"][k]["output"])
                                           if t["intensity"] else None)]
    factors = []
    if len(production) >= 3 and statistics.mean(production):
        cv = statistics.pstdev(production) / statistics.mean(production) * 100
        factors.append(f"生产运行稳定性：主要产品月产量变异系数 {cv:.1f}%（含错峰停产） / production stability: "
                       f"monthly output varies by {cv:.1f}% (coefficient of variation)")
    if e["total"]:
        factors.append(f"能源结构：外购电力与热力占排放 {e['indirect'] / e['total'] * 100:.1f}% / energy mix: bought "
                       f"electricity and heat are {e['indirect'] / e['total'] * 100:.1f}% of emissions")
    measured = sum(1 for s in snap["sources"] if s["method"] == "measured")
    factors.append(f"数据质量：{measured}/{len(snap['sources'])} 个排放源全部为实测数据 / {measured} of "
                   f"{len(snap['sources'])} sources fully measured")
    top = sorted(((k, v["total"]) for k, v in t["facilities"].items() if k != "(enterprise)"), key=lambda kv: -kv[1])[:3]
    directions = [f"重点关注 {named.Places(session, run.enterprise_id)(k, 'zh')}：{_fmt(v)} tCO2（{v / e['total'] * 100:.1f}%）"
                  f" / focus on {k}" for k, v in top if e["total"]]
    directions += [f"{i.number} {i.title}（{ImprovementState(i.state).zh}）" for i in session.exec(select(Improvement).where(
        Improvement.enterprise_id == run.enterprise_id, Improvement.state.in_(["proposed", "in_progress"])))]
    anomalies = session.exec(select(DataAnomaly).where(DataAnomaly.enterprise_id == run.enterprise_id,
                                                       DataAnomaly.period >= date(run.year, 1, 1),
                                                       DataAnomaly.period < date(run.year + 1, 1, 1))).all()
    places = named.Places(session, run.enterprise_id)
    return render_docx("survey_report.docx", lambda tpl: {
        "enterprise": ent.name_zh, "year": run.year, "prepared_on": clock.today(), "run_id": run.id,
        "library_version": run.library_version, "method": METHOD,
        "data_summary": "；".join(f"{_method(m)} {n}" for m, n in sorted(methods.items()))
                        + f"（共 {len(snap['sources'])} 个排放源）",
        "sources": [{"source": f"{places(s['facility'], 'zh')} {named.category(s['category'], 'zh')}/"
                               f"{named.material(s['material'], 'zh')}",
                     "method": " + ".join(_method(m) for m in s["method"].split("+")),
                     "meter": s["meter"], "months": s["months"]} for s in snap["sources"]],
        "totals": [{"item": label, "value": _fmt(e[key])} for key, label in (
            ("direct", "直接排放 Direct"), ("indirect", "间接排放 Indirect"), ("exported", "输出 Exported"),
            ("recovered", "回收 Recovered"), ("total", "合计 Total"), ("total_direct_only", "不含间接 Excluding indirect"))],
        "comparison": "\n".join(lines),
        "processes": [{"code": places(None if k == "(enterprise)" else k, "zh"), "direct": _fmt(v["direct"]), "indirect": _fmt(v["indirect"]), "total": _fmt(v["total"]),
                       "share": f"{v['total'] / e['total'] * 100:.1f}%" if e["total"] else "—"}
                      for k, v in t["processes"].items()],
        "intensity": [{"product": named.material(k, "zh"), "output": _fmt(v["output"]), "total": f"{v['total_per_unit']:.4f}",
                       "direct": f"{v['direct_per_unit']:.4f}"} for k, v in t["intensity"].items()],
        "chart_monthly": InlineImage(tpl, io.BytesIO(monthly), width=Mm(160)),
        "chart_sources": InlineImage(tpl, io.BytesIO(share), width=Mm(90)),
        "anomalies": f"异常数据 {len(anomalies)} 处：" + "；".join(f"{a.message_zh}（{AnomalyState(a.state).zh}）" for a in anomalies[:10])
        if anomalies else "未发现异常数据 / No anomalies found",
        "factors": factors, "directions": directions or ["—"],
    })


