"""The accounting page in words: a run's totals by enterprise, process, facility and month with the indirect
emissions each facility's sub-meters allocate to it, intensity per product against the previous year and the
baseline, and a drill from any figure to the lines behind it with their factors and sources. Codes appear
only beside names (熟料煅烧 P30)."""

from __future__ import annotations

from sqlmodel import Session, select

from accounting import confidence, ets_scope
from accounting import like_for_like as lfl
from accounting.factors import DOCUMENTS
from storage.models import AccountingRun, Enterprise
from storage.vocab import DataSource
from workflows.accounting import baseline as baselines
from workflows.accounting import calculation, comparison, freshness, runs
from workflows.accounting.activity import ENTRY_ROLES
from workflows.engine import names
from workflows.engine.machine import Actor

WHOLE = "(enterprise)"
DRILLS = ("process", "facility", "month", "material")


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or not before else round((now - before) / before * 100, 1)


def _row(key: str, label: str, sums: dict) -> dict:
    """One level's figures: direct, purchased (indirect) and what sub-meters allocate here, and the total
    that includes the allocation (the enterprise total counts purchased electricity once, not twice)."""
    return {"key": key, "label": label, "direct": sums["direct"], "indirect": sums["indirect"],
            "allocated": sums["allocated"], "exported": sums["exported"], "recovered": sums["recovered"],
            "with_allocated": round(sums["direct"] + sums["recovered"] + sums["allocated"]
                                    + (sums["indirect"] + sums["exported"] if key == WHOLE else 0), 3)}


def page(session: Session, actor: Actor, lang: str, run_id: int | None = None,
         drill: dict[str, str] | None = None) -> dict:
    recent = runs.recent_runs(session, actor.enterprise_id)
    run = session.exec(select(AccountingRun).where(AccountingRun.enterprise_id == actor.enterprise_id,
                                                   AccountingRun.id == run_id)).first() if run_id else \
        (recent[0] if recent else None)
    en = lang == "en"
    chosen_gwp = calculation.gwp_set(session, actor.enterprise_id)
    chosen_document = calculation.documents(session, [actor.enterprise_id])[actor.enterprise_id]
    base = {"runs": recent, "run": run, "can_enter": bool(actor.roles & set(ENTRY_ROLES)),
            "can_run": bool(actor.roles & set(calculation.ACCOUNTANTS)), "drill": {}, "lines": [],
            "gwp": {**chosen_gwp, "name": calculation.GWP_SETS[chosen_gwp["set"]][en]},
            "gwp_sets": [(k, v[en]) for k, v in calculation.GWP_SETS.items()],
            "may_choose_gwp": "carbon_manager" in actor.roles,
            "run_gwp": calculation.GWP_SETS.get((run.totals.get("gwp") or {}).get("set", ""), ("", ""))[en] if run else "",
            "document": {**chosen_document, "name": DOCUMENTS[chosen_document["document"]][en]},
            "documents": [(k, v[en]) for k, v in DOCUMENTS.items()],
            "run_document": DOCUMENTS.get((run.totals.get("document") or {}).get("document", ""), ("", ""))[en]
            if run else ""}
    if run is None:
        return base
    places = names.Places(session, actor.enterprise_id)
    t = run.totals
    place = lambda code: places(None if code == WHOLE else code, lang)  # noqa: E731
    processes = [_row(k, place(k), v) for k, v in t["processes"].items()]
    facilities = [_row(k, place(k), v) for k, v in t["facilities"].items()]
    months = [_row(k, k, v) for k, v in t["months"].items()]
    line = baselines.active(session, actor.enterprise_id)
    intensity = []
    yearly = runs.totals_by_year(session, actor.enterprise_id)
    covered = lfl.covered(t)
    before_year = yearly.get(run.year - 1) or {}
    base_months = baselines.monthly_figures(session, line, yearly) if line else {}
    for product, figure in t.get("intensity", {}).items():
        metric = f"intensity:{product}"  # a part year against the same months, from their monthly figures
        before, how = lfl.figure(before_year, "enterprise", "", metric, covered) if before_year else (None, "")
        before = before if how == lfl.MONTHLY else None
        reference = lfl.figure(base_months, "enterprise", "", metric, covered)[0] if base_months else None
        name = names.material(product, lang)
        idle = lfl.without_output(t, product, before_year or base_months)
        note = None
        if idle:  # emissions over months that made nothing: per tonne it reads high, and is not set beside a year
            before = reference = None
            note = (f"{lfl.label(idle, 'en')} has emissions but no {name} output (the same month of the year "
                    f"before had some): the figure per tonne of {name} reads high and is not compared" if en else
                    f"{lfl.label(idle, 'zh')}有排放但没有{name}产量（上年同月有）：单位{name}排放偏高，不作比较")
        intensity.append({"product": name, "output": figure["output"], "note": note,
                          "unit": figure.get("unit", "t"),
                          "total": figure["total_per_unit"], "direct": figure["direct_per_unit"],
                          "previous": before, "vs_previous": _change(figure["total_per_unit"], before),
                          "baseline": reference, "vs_baseline": _change(figure["total_per_unit"], reference)})
    enterprise = t["enterprise"]
    found = comparison.year(session, actor.enterprise_id, run.year, yearly=yearly, totals=t)
    previous_same, base_same = found["previous"] or {}, found["baseline"] or {}
    summary = {**enterprise, "previous": previous_same.get("value"), "previous_year": previous_same.get("year"),
               "vs_previous": previous_same.get("change"), "baseline": base_same.get("value"),
               "baseline_number": line.number if line else None, "baseline_year": line.base_year if line else None,
               "vs_baseline": base_same.get("change"), "pro_rata": base_same.get("basis") == "pro_rata",
               "complete": found["complete"], "months_label": found["label"]["en" if en else "zh"]}
    chosen = {k: v for k, v in (drill or {}).items() if k in DRILLS and v}
    lines = []
    if chosen:
        full = session.get(AccountingRun, run.id)  # the lines only when someone drills into them
        lines = [_shown(x, places, lang) for x in full.lines if _matches(x, chosen)][:500]
    return {**base, "summary": summary, **freshness.standing(session, run, lang), **stated(session, run, lang),
            "processes": processes,
            "facilities": facilities, "months": months, "intensity": intensity, "drill": chosen, "lines": lines,
            "drill_label": {k: (place(v) if k in ("process", "facility") else names.material(v, lang)
                                if k == "material" else v) for k, v in chosen.items()},
            "chart": {"months": [m["key"] for m in months],
                      "direct": [round(m["direct"], 1) for m in months],
                      "indirect": [round(m["indirect"], 1) for m in months],
                      "labels": {"direct": "Direct" if lang == "en" else "直接排放",
                                 "indirect": "Indirect (purchased)" if lang == "en" else "间接排放（购入）"}}}


def stated(session: Session, run: AccountingRun, lang: str) -> dict:
    """What the run states besides its figures: the ETS rule of the sector's data year and the figure it names, the
    GWP set and why, and the notes (defaults used for missing measurements, months with generation and no fuel).
    A run from before the rule was kept with it reads the rule in force for its year."""
    en = lang == "en"
    t = run.totals
    ent = session.get(Enterprise, run.enterprise_id)
    ets = t.get("ets") or calculation.ets(ent.industry if ent else "", run.year)
    gwp = t.get("gwp") or {}
    name = calculation.GWP_SETS.get(gwp.get("set", ""), ("", ""))[en]
    why = (("Default" if en else "缺省") if gwp.get("basis") != "enterprise" else
           ("The enterprise's choice on record" if en else "企业登记的选择") + (f": {gwp['reason']}" if gwp.get("reason") else ""))
    return {"ets": {**ets, "words": ets["en" if en else "zh"], "value": ets_scope.due(t, ets["figure"])},
            "run_gwp_why": f"{name} ({why})" if en else f"{name}（{why}）",
            "notes": [note_text(n, lang) for n in t.get("notes", [])]}


def note_text(note: dict, lang: str) -> str:
    """A note in the reader's language, its material by name (烟煤, Bituminous coal), never by code."""
    text = note["en" if lang == "en" else "zh"]
    code = note.get("material")
    return text.replace(f" {code}", f" {names.material(code, lang)}", 1) if code else text


def _matches(line: dict, chosen: dict[str, str]) -> bool:
    return ((chosen.get("process") is None or (line["process"] or WHOLE) == chosen["process"])
            and (chosen.get("facility") is None or (line["facility"] or WHOLE) == chosen["facility"])
            and (chosen.get("month") is None or line["period"].startswith(chosen["month"]))
            and (chosen.get("material") is None or line["material"] == chosen["material"]))


KIND = {"direct": ("直接", "Direct"), "indirect": ("间接（购入）", "Indirect (purchased)"),
        "exported": ("输出（抵减）", "Exported (deducted)"), "recovered": ("回收利用（抵减）", "Recovered (deducted)"),
        "allocated": ("分摊（不重复计入）", "Allocated (not added again)"), "production": ("产品产量", "Output")}


def _shown(line: dict, places, lang: str) -> dict:
    """A line as people read it: places and materials by name, the kind in words, an export as a positive
    figure said to be deducted (the JSON keeps it negative, as GB/T 32150 subtracts it)."""
    zh_en = KIND.get(line["kind"], (line["kind"], line["kind"]))
    factors = [{**f, "name": factor_name(f["parameter"], lang)} for f in line["factors"]]
    return {**line, "month": line["period"][:7], "process_name": places(line["process"], lang),
            "facility_name": places(line["facility"], lang), "category_name": names.category(line["category"], lang),
            "material_name": names.material(line["material"], lang), "kind_name": zh_en[lang == "en"],
            "shown_tco2": abs(line["tco2"]) if line["kind"] in ("exported", "recovered") else line["tco2"],
            "factors": factors}


PUBLISHED = {"grid_ef": ("全国电网平均排放因子", "National grid average factor"),
             "grid_ef_ets": ("碳市场电网排放因子", "ETS grid factor"),
             "grid_ef_regional": ("区域电网排放因子", "Regional grid factor"),
             "grid_ef_residual": ("全国电网剩余混合因子", "Residual-mix grid factor"),
             "heat_ef": ("热力排放因子", "Heat emission factor")}


def factor_name(parameter: str, lang: str) -> str:
    """低位发热量, not ncv: the catalogue's name of a parameter, a published factor's, or GWP's."""
    from accounting.parameters import PARAMETERS
    en = lang == "en"
    if parameter in PARAMETERS:
        return PARAMETERS[parameter].en if en else PARAMETERS[parameter].zh
    if parameter in PUBLISHED:
        return PUBLISHED[parameter][en]
    if parameter.startswith("gwp_"):
        return f"GWP ({parameter[4:].upper()})" if en else f"全球变暖潜势（{parameter[4:].upper()}）"
    return parameter


def _source(code: str, lang: str) -> str:
    """A line's data source by name (实测, Measured), as the entry form offers it."""
    return DataSource(code).label(lang) if code in DataSource.__members__ else code


def export(session: Session, actor: Actor, run_id: int | None, lang: str) -> tuple[str, bytes]:
    """The run as a workbook: every line with what went into its formula, and the factors with their sources."""
    from workflows.engine import exports
    run = session.exec(select(AccountingRun).where(AccountingRun.enterprise_id == actor.enterprise_id,
                                                   AccountingRun.id == run_id)).first() if run_id else \
        runs.latest_run(session, actor.enterprise_id)
    if run is None:
        from storage.errors import NotFound
        raise NotFound("run", "没有核算结果", "No accounting run")
    run = session.get(AccountingRun, run.id)
    places = names.Places(session, actor.enterprise_id)
    en = lang == "en"
    headers = (["Month", "Process", "Facility", "Category", "Material", "Quantity", "Unit", "Data source", "Kind",
                "tCO2e", "Formula", "Factors and sources"] if en else
               ["月份", "工序", "设施", "类别", "物料", "数量", "单位", "数据来源", "性质", "tCO2e", "计算式", "因子及来源"])
    rows = []
    for line in run.lines:
        shown = _shown(line, places, lang)
        factors = "；".join(f"{factor_name(f['parameter'], lang)} = {f['value']:g} {f['unit']} ← {confidence.cited(f['source'], lang)}"
                           for f in line["factors"])
        rows.append([shown["month"], shown["process_name"], shown["facility_name"], shown["category_name"],
                     shown["material_name"], line["quantity"], line["unit"], _source(line["source"], lang),
                     shown["kind_name"],
                     round(line["tco2"], 3), line["formula"], factors])
    title = f"{run.year} 核算 #{run.id}" if not en else f"Accounting {run.year} #{run.id}"
    return title, exports.workbook(title, headers, rows)


def facilities(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of the enterprise's facilities, for the import template's drop-down and help sheet."""
    from storage.models import Facility
    return [(f.code, f.name) for f in session.exec(select(Facility).where(Facility.enterprise_id == actor.enterprise_id)
                                                   .order_by(Facility.code)).all()]


def measurable(lang: str) -> list[tuple[str, str, str, str, str, str]]:
    """The parameters a plant may measure, each with the materials it applies to by name and the units it takes."""
    from accounting import parameters
    from accounting.factors import default_library
    out = []
    for name, label, unit, band, applies, units in parameters.table(default_library(), lang):
        spec = parameters.PARAMETERS[name]
        if not spec.any_material:
            applies = ("、" if lang == "zh" else ", ").join(names.material(m, lang) for m in applies.split(", "))
        out.append((name, label, unit, band, applies, units))
    return out
