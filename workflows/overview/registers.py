"""The registers a year's tasks lead to (baselines, improvements, reduction measures, data anomalies,
compliance evaluations): each described once as data — its columns, its details, how a row is found —
so one list page and one record page serve them all, with the lifecycle's own buttons and history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import String, cast, or_
from sqlmodel import Session, func, select

from accounting import anomalies as anomaly_rules
from storage.errors import NotFound, StewardError
from storage.models import (
    Baseline,
    ComplianceEvaluation,
    DataAnomaly,
    Improvement,
    Obligation,
    Person,
    ReductionMeasure,
)
from workflows.accounting import anomalies, baseline
from workflows.engine import clock, exports, history, lifecycle_index, lookup, names, paging
from workflows.engine.machine import Actor, Lifecycle
from workflows.improvement import compliance, improvement
from workflows.planning import reduction

Text = str | tuple[str, str]  # one text, or (zh, en)
SOURCES = {"audit": ("内部审核", "Internal audit"), "review": ("管理评审", "Management review"),
           "nonconformity": ("不符合项", "Nonconformity"), "compliance": ("合规性评价", "Compliance evaluation"),
           "suggestion": ("合理化建议", "Suggestion"), "measurement": ("监视测量", "Monitoring")}
ANOMALY_KINDS = {"missing": ("整月缺失", "Month missing"), "incomplete": ("月度数据不全", "Month incomplete"),
                 "outlier": ("异常波动", "Unusual level"), "intensity": ("单耗异常", "Unusual use per tonne"),
                 "unit_slip": ("疑似单位错误", "Unit slip"), "lapsed_factor": ("实测值过期", "Measured value lapsed"),
                 "meter_mismatch": ("读数与活动数据不符", "Readings differ from activity data"),
                 "meter_gap": ("读数缺失", "Readings missing"), "meter_duplicate": ("读数时间重复", "Duplicate reading times"),
                 "meter_backwards": ("表底数倒走", "Counter ran backwards"),
                 "meter_unreferenced": ("活动数据未引用计量器具", "Meter not named in activity data"),
                 "assay_missing": ("缺少化验", "Assay missing")}
EVALUATION_TRIGGERS = {"periodic": ("年度评价", "Yearly"), "obligation_changed": ("义务变更后再评价", "After a change"),
                       "manual": ("临时评价", "Ad hoc")}


def pair(text: str) -> tuple[str, str]:
    """A label kept as "中文 / English" in a use-case module."""
    zh, _, en = text.partition(" / ")
    return zh, en or zh


def _t(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _figure(value: float | None) -> str:
    """An anomaly's figure to three significant digits (0.0248, not 0.02; never 1.7e-05)."""
    return "—" if value is None else anomaly_rules.number(value)


@dataclass(frozen=True)
class Register:
    name: str  # the path: /registers/<name>
    zh: str
    en: str
    clause: str
    lifecycle: Lifecycle
    model: Any
    key: str  # the attribute that names a row in its address and in /w/<lifecycle>/<key>
    columns: tuple[tuple[str, str, Callable[[Any, dict], Text]], ...]
    details: tuple[tuple[str, str, Callable[[Any, dict], Text]], ...] = ()
    search: tuple[str, ...] = ("number", "title")
    writers: tuple[str, ...] = ("carbon_manager",)  # who may add a row (or, for anomalies, run the check)
    by_form: tuple[str, ...] = ()  # triggers done through the page's own form, not a bare button


REGISTERS = {r.name: r for r in (
    Register("baselines", "碳排放基准", "Carbon baselines", "6.3", baseline.LIFECYCLE, Baseline, "number", (
        ("编号", "Number", lambda r, c: r.number), ("基准年", "Base year", lambda r, c: str(r.base_year)),
        ("建立或调整原因", "Reason", lambda r, c: pair(baseline.TRIGGERS.get(r.trigger, r.trigger))),
        ("企业排放 tCO2", "Enterprise tCO2", lambda r, c: _t(r.figures.get("enterprise", {}).get("total"))),
        ("提出人", "Proposed by", lambda r, c: r.proposed_by.split(":", 1)[-1])),
        (("说明", "Reason given", lambda r, c: r.reason or "—"),
         ("因子库版本", "Factor library", lambda r, c: r.library_version)), search=("number", "reason")),
    Register("improvements", "持续改进", "Improvements", "10", improvement.LIFECYCLE, Improvement, "number", (
        ("编号", "Number", lambda r, c: r.number), ("改进项", "Improvement", lambda r, c: r.title),
        ("来源", "Source", lambda r, c: SOURCES.get(r.source, (r.source, r.source))),
        ("条款", "Clause", lambda r, c: r.clause_id), ("负责人", "Owner", lambda r, c: c["names"].get(r.owner_id, "—")),
        ("期限", "Due", lambda r, c: str(r.due or "—"))),
        (("说明", "Description", lambda r, c: r.description or "—"), ("来源记录", "Source record", lambda r, c:
         r.source_ref or "—"), ("结果", "Outcome", lambda r, c: r.outcome or "—")), writers=improvement.KEEPERS),
    Register("reductions", "减排措施", "Reduction measures", "8.4", reduction.LIFECYCLE, ReductionMeasure, "number", (
        ("编号", "Number", lambda r, c: r.number), ("措施", "Measure", lambda r, c: r.title),
        ("预计减排 t/年", "Expected t/yr", lambda r, c: _t(r.abatement_t)),
        ("投资 万元", "Capex (10k CNY)", lambda r, c: _t(r.capex / 1e4)),
        ("实际减排 t", "Achieved t", lambda r, c: _t(r.achieved_t)),
        ("负责人", "Owner", lambda r, c: c["names"].get(r.owner_id, "—"))),
        (("验证方法", "How it is verified", lambda r, c: r.verification),
         ("验证证据", "Evidence", lambda r, c: r.verification_evidence or "—"),
         ("年运行费用变化 元", "Opex change (CNY/yr)", lambda r, c: _t(r.opex, 0)),
         ("寿命 年", "Lifetime (years)", lambda r, c: str(r.lifetime_years))), writers=reduction.KEEPERS,
        by_form=("verify",)),
    Register("anomalies", "异常数据", "Data anomalies", "6.1.3", anomalies.LIFECYCLE, DataAnomaly, "id", (
        ("期间", "Period", lambda r, c: r.period.strftime("%Y-%m")),
        ("数据", "Series", lambda r, c: (c["places"].series(r.series, "zh"), c["places"].series(r.series, "en"))),
        ("类型", "Kind", lambda r, c: ANOMALY_KINDS.get(r.kind, (r.kind, r.kind))),
        ("说明", "What was found", lambda r, c: (r.message_zh.replace(r.series, c["places"].series(r.series, "zh")),
                                                 r.message_en.replace(r.series, c["places"].series(r.series, "en"))))),
        (("数值", "Value", lambda r, c: _figure(r.value)), ("预期", "Expected", lambda r, c: _figure(r.expected)),
         ("处理说明", "Note", lambda r, c: r.note or "—"), ("处理人", "Resolved by", lambda r, c:
         r.resolved_by.split(":", 1)[-1] or "—")), search=("series", "message_zh", "message_en"),
        writers=anomalies.RESOLVERS),
    Register("compliance", "合规性评价", "Compliance evaluations", "9.1", compliance.LIFECYCLE, ComplianceEvaluation,
             "period", (
        ("期间", "Period", lambda r, c: r.period), ("类型", "Kind", lambda r, c: EVALUATION_TRIGGERS.get(
            r.trigger, (r.trigger, r.trigger))), ("开始", "Started", lambda r, c: str(r.started_on)),
        ("完成", "Completed", lambda r, c: str(r.completed_on or "—"))),
        (("结论", "Summary", lambda r, c: r.summary or "—"),), search=("period", "summary")),
)}


def register(name: str) -> Register:
    if name not in REGISTERS:
        raise NotFound("register", f"没有登记册 {name}", f"No register {name}")
    return REGISTERS[name]


def _names(session: Session, actor: Actor, rows=None) -> dict[int, str]:
    """People's names by id: of the owners of ``rows`` when given (a page names its own, not everyone's)."""
    query = select(Person.id, Person.name).where(Person.enterprise_id == actor.enterprise_id)
    if rows is not None:
        query = query.where(Person.id.in_({getattr(r, "owner_id", None) for r in rows} - {None}))
    return dict(session.exec(query).all())


def overview(session: Session, actor: Actor) -> list[tuple[Register, int, int]]:
    """Each register with how many rows it holds and how many still wait on someone."""
    out = []
    for reg in REGISTERS.values():
        by_state = dict(session.exec(select(reg.model.state, func.count()).where(
            reg.model.enterprise_id == actor.enterprise_id).group_by(reg.model.state)).all())
        final = {s for s in reg.lifecycle.states  # nothing a person does moves it on (the system may still)
                 if not any(s.value in t.sources and t.roles for t in reg.lifecycle.transitions)}
        out.append((reg, sum(by_state.values()), sum(n for st, n in by_state.items() if st not in final)))
    return out


def _query(actor: Actor, reg: Register, q: str, state: str):
    query = select(reg.model).where(reg.model.enterprise_id == actor.enterprise_id)
    if state:
        query = query.where(reg.model.state == state)
    if q.strip():  # searched in the database, as text, in every field the register searches
        needle = q.strip().lower()
        query = query.where(or_(*[func.lower(cast(getattr(reg.model, f), String)).contains(needle, autoescape=True)
                                  for f in reg.search]))
    return query.order_by(reg.model.id.desc())


def listing(session: Session, actor: Actor, name: str, q: str = "", state: str = "", number: int = 1,
            size: int = paging.SIZE) -> dict:
    """One page (50) of a register, newest first, with the total; a search looks through every row."""
    reg = register(name)
    query = _query(actor, reg, q, state)
    rows, at = paging.fetch(session, query, number, size)
    ctx = {"names": _names(session, actor, rows), "places": names.Places(session, actor.enterprise_id)}
    extra = {"mac": reduction.mac_curve(session, actor.enterprise_id)} if name == "reductions" else {}
    return {**extra, "reg": reg, "q": q, "state": state, "states": list(reg.lifecycle.states), "page": at,
            "can_add": bool(actor.roles & set(reg.writers)), "people": lookup.users(session, actor.enterprise_id),
            "rows": [(str(getattr(r, reg.key)), reg.lifecycle.states(r.state), [v(r, ctx) for _, _, v in reg.columns])
                     for r in rows]}


def find(session: Session, actor: Actor, reg: Register, key: str):
    return lifecycle_index.FINDERS[reg.lifecycle.name](session, actor, key)


def comparison(session: Session, row: Baseline, year: int, places: names.Places) -> dict:
    """The baseline in force against one year, per level, in words (6.3.1)."""
    try:
        found = baseline.compare(session, row.enterprise_id, year)
    except StewardError as exc:
        return {"year": year, "problem": exc}
    lines = [(("企业合计", "Enterprise total"), found["enterprise"])]
    lines += [((places(k, "zh"), places(k, "en")), v) for k, v in found["processes"].items() if v["base"] or v["now"]]
    intensity = [((names.material(k, "zh") + " 单位排放", names.material(k, "en") + " per tonne"), v)
                 for k, v in found["intensity"].items()]
    return {"year": year, "lines": lines, "intensity": intensity, "complete": found["complete"],
            "months_label": found["months_label"], "pro_rata": found["basis"] == "pro_rata"}


def view(session: Session, actor: Actor, name: str, key: str, year: int | None = None) -> dict:
    reg = register(name)
    row = find(session, actor, reg, key)
    places = names.Places(session, actor.enterprise_id)
    ctx = {"names": _names(session, actor), "places": places}
    out = {"reg": reg, "row": row, "key": key, "state": reg.lifecycle.states(row.state),
           "fields": [(zh, en, v(row, ctx)) for zh, en, v in (*reg.columns, *reg.details)],
           "actions": [t for t in reg.lifecycle.available(row, actor, session) if t.trigger not in reg.by_form],
           "moves": history.moves(session, reg.lifecycle.name, [row.id]),
           "changes": history.changes(session, reg.model.__tablename__, row.id)}
    if name == "baselines":
        out["processes"] = [((places(k, "zh"), places(k, "en")), v["total"])
                            for k, v in row.figures.get("processes", {}).items() if v["total"]]
        out["intensity"] = [((names.material(k, "zh"), names.material(k, "en")), v["total_per_unit"], v.get("unit", "t"))
                            for k, v in row.figures.get("intensity", {}).items()]
        if row.state == "active":
            latest = clock.today().year - 1
            out["compare"] = comparison(session, row, year or latest, places)
            out["years"] = list(range(latest, row.base_year, -1))
    if name == "reductions" and row.state == "implemented":
        out["can_verify"] = bool(actor.roles & set(reduction.KEEPERS))
    if name == "compliance":
        obligations = {o.id: o for o in session.exec(select(Obligation).where(
            Obligation.enterprise_id == actor.enterprise_id))}
        out["items"] = [(i, obligations[i.obligation_id], compliance.ItemResult(i.result), ctx["names"].get(
            i.evaluator_id, "")) for i in compliance.items(session, row)]
        out["results"] = [r for r in compliance.ItemResult if r != "pending"]
        out["can_evaluate"] = row.state == "open" and bool(actor.roles & set(compliance.EVALUATORS))
    return out


def export(session: Session, actor: Actor, name: str, lang: str, q: str = "", state: str = "") -> tuple[str, IO[bytes]]:
    """The list as it is filtered on the page, every page of it, as a workbook in the reader's language, read from
    the database in batches."""
    reg, en = register(name), lang == "en"
    ctx = {"names": _names(session, actor), "places": names.Places(session, actor.enterprise_id)}

    def text(v):
        return v if isinstance(v, str) else v[en]

    def label(st) -> str:
        return st.en if en else st.zh
    headers = [c[1] if en else c[0] for c in reg.columns] + ["State" if en else "状态"]
    rows = ([text(v(r, ctx)) for _, _, v in reg.columns] + [label(reg.lifecycle.states(r.state))]
            for r in session.exec(_query(actor, reg, q, state).execution_options(yield_per=500)))
    title = reg.en if en else reg.zh
    return title, exports.spooled(title, headers, rows)
