"""The data-quality control plan (8.1.1) generated from what the system knows — facilities,
boundary and sources, how each parameter is determined, meters and calibration, the missing-data
rule, frequency and duties — kept as a controlled document that goes through review and approval;
and the 8.1.3 check of reality against the plan."""

from __future__ import annotations

import io
from datetime import date

from sqlmodel import Session, select

from accounting import confidence
from accounting.parameters import PARAMETERS
from storage.errors import StewardError
from storage.files import FileStore
from storage.models import (
    ActivityRecord,
    DataAnomaly,
    Department,
    Document,
    DqPlan,
    Enterprise,
    Facility,
    Meter,
    Person,
    Process,
    Responsibility,
    Revision,
)
from storage.vocab import DataSource
from workflows.accounting import calculation
from workflows.documents import document as docs
from workflows.engine import clock, machine, names
from workflows.engine.machine import Actor
from workflows.engine.rendering import render_docx

MISSING_RULE = ("数据缺失时，按保守原则以同一计量点上月或上年同期数据替代，并在核算说明中记录原因、替代方法和审批人 / "
                "Missing data is replaced conservatively by the same point's previous month or the same month of the "
                "previous year, with the reason, the method and who approved it recorded")
RULES = ("计划每年至少评审一次，设施、边界、计量器具或方法变化时修订；数据每月由计量员记录、部门负责人审核、"
         "碳排放管理人员汇总；内部审核检查计划执行情况；原始记录保存不少于 5 年 / The plan is reviewed yearly and "
         "revised on any change; meters are read monthly, checked by the department head and compiled by the carbon "
         "manager; internal audits check the plan is followed; raw records are kept at least five years")


WHOLE = "(enterprise)"  # the snapshot's key of a source that belongs to no facility (kept: plans compare on it)


def snapshot(session: Session, enterprise_id: int, year: int) -> dict:
    processes = {p.id: p.code for p in session.exec(select(Process).where(Process.enterprise_id == enterprise_id))}
    facilities = list(session.exec(select(Facility).where(Facility.enterprise_id == enterprise_id)
                                   .order_by(Facility.code)))
    codes = {f.id: f.code for f in facilities}
    meters = {m.id: m for m in session.exec(select(Meter).where(Meter.enterprise_id == enterprise_id))}
    lib = calculation.library(session, enterprise_id)
    sources: dict[tuple, dict] = {}
    for r in session.exec(select(ActivityRecord).where(
            ActivityRecord.enterprise_id == enterprise_id, ActivityRecord.period >= date(year, 1, 1),
            ActivityRecord.period < date(year + 1, 1, 1)).order_by(ActivityRecord.id)):
        key = (codes.get(r.facility_id) or WHOLE, r.category, r.material)
        meter = meters.get(r.meter_id)
        methods = set(sources.get(key, {}).get("method", r.source).split("+")) | {r.source}
        sources[key] = {"facility": key[0], "category": r.category, "material": r.material, "unit": r.unit,
                        "method": "+".join(sorted(methods)), "meter": meter.code if meter else "",
                        "accuracy": meter.accuracy_class if meter else "",
                        "calibration_due": meter.calibration_due.isoformat() if meter and meter.calibration_due else "",
                        "months": sources.get(key, {}).get("months", 0) + 1}
    factors = []
    for (facility, category, material), _src in sorted(sources.items()):
        if category != "fuel_combustion":
            continue
        for parameter in ("ncv", "carbon_content", "oxidation"):
            chosen = lib.get(parameter, material, date(year, 12, 1))
            factors.append({"source": f"{facility} {material}", "parameter": parameter,
                            "method": chosen.factor.source(), "meter": "", "accuracy": "", "calibration_due": "",
                            "frequency": "每批/每月 per batch or month" if chosen.factor.measured else "按标准 as published"})
    duties = []
    for r in session.exec(select(Responsibility).where(Responsibility.enterprise_id == enterprise_id)
                          .order_by(Responsibility.clause_id)):
        who = session.get(Person, r.person_id).name if r.person_id else session.get(Department, r.department_id).name
        duties.append({"clause": r.clause_id, "duty": r.note or r.clause_id, "who": who})
    return {
        "year": year,
        "facilities": [{"code": f.code, "name": f.name, "process": processes.get(f.process_id, ""), "model": f.model,
                        "fuel": f.fuel, "location": f.location, "capacity": f.capacity,
                        "key": "是 yes" if f.key_emitter else ""} for f in facilities if f.in_service],
        "sources": [dict(v, frequency="每月 monthly") for _, v in sorted(sources.items())],
        "factors": factors, "duties": duties, "library_version": lib.version,
    }


def _both(zh: str, en: str) -> str:
    return zh if zh == en else f"{zh} {en}"


def _material(code: str) -> str:
    return _both(names.material(code, "zh"), names.material(code, "en"))


def _facility(code: str) -> str:
    return _both(*names.WHOLE) if code == WHOLE else code


def _category(code: str) -> str:
    return _both(names.category(code, "zh"), names.category(code, "en"))


def _parameter(code: str) -> str:
    spec = PARAMETERS.get(code)
    return _both(spec.zh, spec.en) if spec else code


def _method(code: str) -> str:
    return _both(DataSource(code).zh, DataSource(code).en) if code in DataSource.__members__ else code


def _named(snap: dict) -> dict:
    """The snapshot as the plan's reader reads it: materials, categories and parameters by name, in both languages
    (the snapshot keeps the codes, which ``check`` compares)."""
    sources = [dict(s, facility=_facility(s["facility"]), category=_category(s["category"]),
                    material=_material(s["material"]),
                    method=" + ".join(_method(m) for m in s["method"].split("+"))) for s in snap["sources"]]
    factors = []
    for f in snap["factors"]:
        facility, _, material = f["source"].partition(" ")
        factors.append(dict(f, source=f"{_facility(facility)} {_material(material)}",
                            parameter=_parameter(f["parameter"]), method=confidence.cited(f["method"], "both")))
    return {"sources": sources, "factors": factors}


def render(session: Session, enterprise_id: int, snap: dict) -> bytes:
    ent = session.get(Enterprise, enterprise_id)
    named = _named(snap)
    return render_docx("dq_plan.docx", {
        "enterprise": ent.name_zh, "prepared_on": clock.today(), "year": snap["year"],
        "library_version": snap["library_version"], "facilities": snap["facilities"],
        "boundary": f"{ent.name_zh}（{ent.address}）全部生产设施及辅助设施；工序 {len({f['process'] for f in snap['facilities']})} 个，"
                    f"排放源 {len(snap['sources'])} 个 / all production and auxiliary facilities",
        "sources": named["sources"],
        "parameters": [{"source": f"{s['facility']} {s['material']}", "parameter": f"{s['category']} ({s['unit']})",
                        "method": s["method"], "meter": s["meter"], "accuracy": s["accuracy"],
                        "calibration_due": s["calibration_due"], "frequency": s["frequency"]}
                       for s in named["sources"]] + named["factors"],
        "missing_rule": MISSING_RULE, "duties": snap["duties"], "rules": RULES,
    })


def generate(session: Session, actor: Actor, year: int, store: FileStore, max_bytes: int) -> Revision:
    """Write the plan into the DQ-plan controlled document: a new document, or the next revision's draft."""
    machine.require_role(actor, docs.WRITERS, "编制数据质量控制计划", "Writing the data-quality plan")
    snap = snapshot(session, actor.enterprise_id, year)
    if not snap["sources"]:
        raise StewardError("no_data", f"{year} 年没有活动数据，无法生成计划", f"No activity data for {year} to plan from",
                           field="year")
    doc = session.exec(select(Document).where(Document.enterprise_id == actor.enterprise_id,
                                              Document.doc_type == "dq_plan")).first()
    if doc is None:
        doc, rev = docs.create(session, actor, doc_type="dq_plan", title="碳排放数据质量控制计划",
                               clause_ids=["8.1.1", "8.1.3"])
    else:
        rev = session.exec(select(Revision).where(Revision.document_id == doc.id)
                           .order_by(Revision.rev.desc())).first()
        if rev.state in ("issued", "change_requested"):
            rev = docs.revise(session, actor, rev, f"按 {year} 年数据重新生成 / regenerated from {year} data")
        elif rev.state != "draft":
            raise StewardError("in_review", f"{doc.number} 第{rev.rev}版正在审批中", f"{doc.number} rev {rev.rev} is in review",
                               status=409)
    data = render(session, actor.enterprise_id, snap)
    docs.upload(session, actor, rev, f"{doc.number}-r{rev.rev}.docx", io.BytesIO(data), store, max_bytes)
    session.add(DqPlan(enterprise_id=actor.enterprise_id, year=year, document_number=doc.number, revision=rev.rev,
                       snapshot=snap, created_by=actor.label))
    session.flush()
    return rev


def write_plan(session: Session, actor: Actor, year: int, store: FileStore, max_bytes: int) -> str:
    """Generate the plan and answer with the number of the document that now holds it."""
    rev = generate(session, actor, year, store, max_bytes)
    return session.get(Document, rev.document_id).number


def check(session: Session, enterprise_id: int, year: int, today: date | None = None) -> list[dict]:
    """8.1.3 a)–g): does reality still match the latest plan?"""
    today = today or clock.today()
    plan = session.exec(select(DqPlan).where(DqPlan.enterprise_id == enterprise_id)
                        .order_by(DqPlan.id.desc())).first()
    if plan is None:
        raise StewardError("no_plan", "尚未生成数据质量控制计划", "No data-quality plan has been generated yet")
    planned, now = plan.snapshot, snapshot(session, enterprise_id, year)
    key = lambda s: (s["facility"], s["category"], s["material"])  # noqa: E731
    p_fac, n_fac = {f["code"] for f in planned["facilities"]}, {f["code"] for f in now["facilities"]}
    p_src, n_src = {key(s): s for s in planned["sources"]}, {key(s): s for s in now["sources"]}
    def named(k: tuple) -> str:  # a source as people call it: F-BL01 化石燃料燃烧 Fossil-fuel combustion / 天然气 …
        return f"{_facility(k[0])} {_category(k[1])} / {_material(k[2])}"

    def how(method: str) -> str:
        return " + ".join(_method(m) for m in method.split("+"))
    method_changed = [f"{named(k)}: {how(p_src[k]['method'])} → {how(n_src[k]['method'])}"
                      for k in p_src.keys() & n_src.keys() if p_src[k]["method"] != n_src[k]["method"]]
    overdue = [m.code for m in session.exec(select(Meter).where(Meter.enterprise_id == enterprise_id))
               if m.calibration_due and m.calibration_due < today]
    months_expected = 12 if year < today.year else today.month - 1
    sparse = [f"{named(k)} ({s['months']}/{months_expected})" for k, s in n_src.items() if s["months"] < months_expected]
    open_anomalies = session.exec(select(DataAnomaly).where(DataAnomaly.enterprise_id == enterprise_id,
                                                            DataAnomaly.state == "open")).all()
    defaults = [named(k) for k, s in n_src.items() if "default" in s["method"].split("+")
                and "default" not in p_src.get(k, {}).get("method", "").split("+")]

    def item(clause, ok, zh, en, details):
        return {"clause": clause, "ok": ok, "zh": zh, "en": en, "details": details}
    return [
        item("8.1.3a", p_fac == n_fac, "重点排放设施与计划一致", "Key facilities match the plan",
             sorted(f"+{c}" for c in n_fac - p_fac) + sorted(f"-{c}" for c in p_fac - n_fac)),
        item("8.1.3b", p_src.keys() == n_src.keys(), "核算边界与排放源与计划一致", "Boundary and sources match the plan",
             sorted("+" + named(k) for k in n_src.keys() - p_src.keys())
             + sorted("-" + named(k) for k in p_src.keys() - n_src.keys())),
        item("8.1.3c", not method_changed, "数据按计划的方式测量", "Data measured as planned", method_changed),
        item("8.1.3d", not overdue, "计量器具在检定有效期内", "Meters calibrated in time", overdue),
        item("8.1.3e", not sparse, "按计划频次（每月）记录", "Recorded at the planned frequency (monthly)", sparse),
        item("8.1.3f", not defaults, "缺失数据按计划处理（未擅自改用缺省值）", "Missing data handled as planned", defaults),
        item("8.1.3g", not open_anomalies, "质量控制程序执行：异常数据均已处理", "QC procedure followed: anomalies resolved",
             [a.message_zh for a in open_anomalies[:10]]),
    ]
