"""Accounting: runs and their totals, a run in the background with a progress bar, typed-in and
imported activity data."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, UploadFile

from forms import aliases
from steward.web import fields, jobs
from steward.web.render import is_htmx, lang_of, page, redirect, unit, word_or_pdf, write, xlsx
from storage.errors import StewardError
from storage.vocab import ActivityCategory
from workflows.accounting import activity, calculation, runs, views
from workflows.documents import document as docs
from workflows.engine import clock, machine, names

router = APIRouter()


@router.get("/accounting")
def accounting_page(request: Request, run: fields.Id | None = None, process: str = "", facility: str = "",
                    month: str = "", material: str = ""):
    """A run's figures in words, and the lines behind whichever figure was clicked."""
    drill = {"process": process, "facility": facility, "month": month, "material": material}
    return page(request, "accounting/accounting.html", _page(request, run, drill))


def _page(request: Request, run: int | None = None, drill: dict | None = None, **forms) -> dict:
    """The accounting page's context; ``forms`` puts a refused form back in it (typed values, mistakes by field),
    as a browser without JavaScript sees it after posting."""
    lang = lang_of(request)
    drill = drill or {"process": "", "facility": "", "month": "", "material": ""}
    data, places, waiting = unit(request, lambda s, a: (
        views.page(s, a, lang, run, drill), views.facilities(s, a),
        {"batches": activity.waiting(s, a), "on": activity.confirming(s, a.enterprise_id),
         "checker": bool(a.roles & set(activity.CHECKERS)), "me": a.person.id}), page="/accounting")
    today = clock.today()  # the plant's date: at 23:30 UTC on 31 January it is February in Shanghai
    return {**data, "entry": entry_form(lang, places), "measured_form": measured_form(lang), "waiting": waiting,
            "year": today.year - 1,
            "categories": list(ActivityCategory), "can_plan_dq": bool(set(request.state.roles) & set(docs.WRITERS)),
            "month": today.strftime("%Y-%m"), "materials": names.materials(lang),
            "measurable": views.measurable(lang), **forms}


def _by_field(exc: StewardError, lang: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for d in exc.details or [{"field": exc.field, "zh": exc.zh, "en": exc.en}]:
        errors.setdefault(d.get("field") or "file", []).append(d["en"] if lang == "en" else d["zh"])
    return errors


@router.post("/accounting/document")
def choose_document(request: Request, document: str = Form(""), document_reason: str = Form(""),
                    csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: calculation.choose_document(s, a, document, document_reason))
    return redirect(request, "/accounting")


@router.post("/accounting/confirmation")
def confirmation_rule(request: Request, on: str = Form(""), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: activity.set_rule(s, a, on == "yes"))
    return redirect(request, "/accounting#waiting")


@router.post("/accounting/batches/{batch_id}/confirm")
def confirm_batch(request: Request, batch_id: fields.Id, csrf_token: str = Form("")):
    """One click counts a whole import; the accounted years it touches run again in the background."""
    def go(s, a) -> tuple[int, list[int]]:
        years = activity.confirm(s, a, batch_id, request.app.state.ctx.files)
        return a.enterprise_id, runs.accounted(s, a.enterprise_id, set(years))
    enterprise_id, accounted = write(request, csrf_token, go)
    job = _rerun(request, enterprise_id, accounted)
    return redirect(request, f"/jobs/{job.id}" if job else "/accounting#waiting")


@router.post("/accounting/batches/{batch_id}/send-back")
def send_back_batch(request: Request, batch_id: fields.Id, note: str = Form(""), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: activity.send_back(s, a, batch_id, note))
    return redirect(request, "/accounting#waiting")


@router.post("/accounting/gwp")
def choose_gwp(request: Request, gwp_set: str = Form(""), gwp_reason: str = Form(""), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: calculation.choose_gwp_set(s, a, gwp_set, gwp_reason))
    return redirect(request, "/accounting")


@router.get("/accounting/run.xlsx")
def run_workbook(request: Request, run: fields.Id | None = None):
    title, data = unit(request, lambda s, a: views.export(s, a, run, lang_of(request)), page="/accounting")
    return xlsx(title, data)


@router.get("/accounting/template.xlsx")
def import_template(request: Request):
    from forms.activity_import import template
    places = unit(request, views.facilities, page="/accounting")
    return xlsx("活动数据导入模板 activity-template", template(places))


def measured_form(lang: str, values: dict | None = None, errors: dict[str, list[str]] | None = None,
                  saved: str = "", job: jobs.Job | None = None) -> dict:
    """What the measured-value form offers — parameters, materials and units as pick lists by name — and, when it
    comes back, what was typed and each mistake by its field."""
    from workflows.accounting import measured as values_of
    params = values_of.choices(lang)
    units = sorted({u for p in params for u in p["units"]})
    values = values or {}
    chosen = next((p for p in params if p["code"] == values.get("parameter")), params[0])
    return {"parameters": params, "materials": names.materials(lang), "units": units, "chosen": chosen,
            "material": aliases.material(values.get("material") or ""), "values": values, "errors": errors or {},
            "saved": saved, "job": job}


@router.post("/accounting/measured")
def measured(request: Request, parameter: str = Form(""), material: str = Form(""), value: str = Form(""),
             unit_text: str = Form("", alias="unit"), valid_from: str = Form(""), valid_to: str = Form(""),
             evidence: str = Form(""), batch_quantity: str = Form(""), batch_unit: str = Form("t"),
             csrf_token: str = Form("")):
    """A laboratory or plant value, every field checked at once: nothing is written when it is refused, and the
    form comes back with each mistake beside its field. Recorded, it starts the re-run of each accounted year it
    reads into, like an import. A batch quantity (the coal a determination stands for) weights a month of several
    batches."""
    from workflows.accounting import measured as values_of
    lang = lang_of(request)
    typed = {"parameter": parameter, "material": material, "value": value, "unit": unit_text,
             "valid_from": valid_from, "valid_to": valid_to, "evidence": evidence, "batch_quantity": batch_quantity,
             "batch_unit": batch_unit}
    years: set[int] = set()

    def go(s, a) -> tuple[int, list[int]]:
        values_of.record(s, a, **typed, years=years)
        return a.enterprise_id, runs.accounted(s, a.enterprise_id, years)
    try:
        enterprise_id, accounted = write(request, csrf_token, go)
    except StewardError as exc:
        if not exc.details:
            raise
        form = measured_form(lang, typed, _by_field(exc, lang))
        if is_htmx(request):
            return page(request, "accounting/_measured_form.html", {"measured_form": form}, status=422)
        return page(request, "accounting/accounting.html", _page(request, measured_form=form, open_box="measured"),
                    status=422)
    job = jobs.rerun(request.app.state.ctx, "web", request.session.get("username") or "", enterprise_id, accounted)
    shown = f"{names.material(aliases.material(material), lang)} {value} {unit_text}"
    if not is_htmx(request):
        return page(request, "accounting/imported.html", {"saved": shown, "job": job})
    return page(request, "accounting/_measured_form.html", {"measured_form": measured_form(lang, saved=shown, job=job)})


@router.post("/accounting/run")
def run(request: Request, year: int = fields.year_form(), csrf_token: str = Form("")):
    """Start the run in the background and answer with a progress bar that polls until it is done."""
    def check(s, a) -> int:
        runs.check_may_run(a)
        return a.enterprise_id
    enterprise_id = write(request, csrf_token, check)
    ctx, username = request.app.state.ctx, request.session.get("username")

    def job(progress) -> str:
        with ctx.unit_of_work(f"web:{username}") as s:
            return f"/accounting?run={runs.run_as(s, machine.actor_for(s, username), year, progress=progress).id}"
    return page(request, "job.html", {"job": jobs.get(jobs.start(enterprise_id, job), enterprise_id)})


@router.get("/accounting/{year}/survey.{fmt}")
def survey(request: Request, year: fields.Year, fmt: str):
    """The status survey and evaluation report (6.1.1) of the year's latest run, made when asked for."""
    from workflows.accounting import survey_report
    data = unit(request, lambda s, a: survey_report.render(s, runs.year_run(s, a.enterprise_id, year)),
                page="/accounting")
    return word_or_pdf(data, f"{year}-status-survey", fmt)


@router.post("/accounting/dq-plan")
def dq_plan(request: Request, year: int = fields.year_form(), csrf_token: str = Form("")):
    """Write the data-quality plan from the year's sources into its controlled document, then open it there
    (where it is reviewed, approved, issued and downloaded like any other document)."""
    from workflows.accounting import dq_plan as plans
    ctx = request.app.state.ctx
    number = write(request, csrf_token, lambda s, a: plans.write_plan(s, a, year, ctx.files,
                                                                      ctx.settings.max_upload_mb << 20))
    return redirect(request, f"/documents/{number}")


@router.get("/jobs/{job_id}")
def job_status(request: Request, job_id: str):
    return page(request, "job.html", {"job": unit(request, lambda s, a: jobs.get(job_id, a.enterprise_id),
                                                  page="/accounting")})


@router.post("/accounting/import")
def import_file(request: Request, file: UploadFile = File(...), csrf_token: str = Form("")):
    limit = request.app.state.ctx.settings.max_upload_mb << 20
    data = file.file.read(limit + 1)
    if len(data) > limit:  # never import the first part of a file and call it done
        raise StewardError("file_too_large", f"文件超过上限 {limit >> 20} MB，未导入", f"The file exceeds the "
                           f"{limit >> 20} MB limit; nothing was imported", field="file", status=413)
    years: set[int] = set()

    def go(s, a) -> tuple[int, int, list[int]]:
        n = activity.import_file(s, a, file.filename or "upload", data, years, request.app.state.ctx.files)
        return n, a.enterprise_id, runs.accounted(s, a.enterprise_id, years)
    n, enterprise_id, accounted, waits = write(request, csrf_token, lambda s, a: (*go(s, a), activity.waits(s, a)))
    return page(request, "accounting/imported.html", {"count": n, "job": _rerun(request, enterprise_id, accounted),
                                                      "waits": waits})


def _rerun(request: Request, enterprise_id: int, years: list[int]) -> jobs.Job | None:
    """New data in an accounted year starts that year's run again in the background; its page shows the progress."""
    return jobs.rerun(request.app.state.ctx, "web", request.session.get("username") or "", enterprise_id, years)


def entry_form(lang: str, places: list[tuple[str, str]], values: dict | None = None,
               errors: dict[str, list[str]] | None = None, saved: str = "") -> dict:
    """What the entry form offers — facilities and materials by name, the units each material may be typed in — and,
    when it comes back, what was typed and each mistake by its field."""
    from forms.activity_import import UNITS, facility_label, units_for
    materials = [(code, name, units_for().get(code, UNITS)) for code, name in names.materials(lang)]
    facilities = [(code, facility_label(code, name)) for code, name in places]
    return {"facilities": facilities, "facility_keys": {k for pair in facilities for k in pair},
            "materials": materials, "material_keys": {code for code, _, _ in materials},
            "chosen": aliases.material((values or {}).get("material") or ""),  # 柴油 typed, diesel chosen
            "units_of": lambda material: units_for().get(aliases.material(material or ""), UNITS),
            "values": values or {}, "errors": errors or {}, "saved": saved}


@router.post("/accounting/entry")
def entry(request: Request, period: str = Form(""), facility: str = Form(""), category: str = Form(""),
          material: str = Form(""), quantity: str = Form(""), unit_text: str = Form("", alias="unit"),
          source: str = Form("measured"), meter: str = Form(""), evidence: str = Form(""), csrf_token: str = Form("")):
    """One month's figure typed in: the same checks as an import of one row. From the page (htmx) the form comes
    back: refused, with every mistake beside its field and all that was typed kept; taken, saying what was kept."""
    typed = {"period": period, "facility": facility, "category": category, "material": material,
             "quantity": quantity, "unit": unit_text, "source": source, "meter": meter, "evidence": evidence}
    record = {**typed, "evidence": evidence or "手工录入 manual entry"}
    lang = lang_of(request)
    years: set[int] = set()

    def go(s, a) -> tuple[int, list[int], bool]:
        activity.enter(s, a, [record], "manual entry", years, request.app.state.ctx.files)
        return a.enterprise_id, runs.accounted(s, a.enterprise_id, years), activity.waits(s, a)
    try:
        enterprise_id, accounted, waits = write(request, csrf_token, go)
    except StewardError as exc:
        if not exc.details:
            raise
        places = unit(request, views.facilities)
        form = entry_form(lang, places, typed, _by_field(exc, lang))
        if not is_htmx(request):  # without JavaScript: the whole page, the form open with every mistake beside it
            return page(request, "accounting/accounting.html", _page(request, entry=form, open_box="entry"),
                        status=422)
        return page(request, "accounting/_entry_form.html", {"entry": form, "categories": list(ActivityCategory)},
                    status=422)
    job = _rerun(request, enterprise_id, accounted)  # an accounted year runs again in the background
    if not is_htmx(request):
        return page(request, "accounting/imported.html", {"count": 1, "job": job, "waits": waits})
    places = unit(request, views.facilities)
    shown = f"{period} {names.material(aliases.material(material), lang)} {quantity} {unit_text}"
    kept = {"period": period, "facility": facility, "category": category, "source": source}  # the next month's figure
    return page(request, "accounting/_entry_form.html", {"entry": entry_form(lang, places, kept, saved=shown),
                                                          "categories": list(ActivityCategory), "waits": waits})
