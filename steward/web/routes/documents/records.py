"""Records the guideline asks to keep where no engine computes on them (training plans and records,
competence, communication, providers, risks, context, budgets, supply chain): a list and a form each,
laid out from the record's schema."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from forms.records import FORMS
from steward.web import fields
from steward.web.render import lang_of, local, page, pager, redirect, unit, write, xlsx_stream
from workflows.documents import record_charts, records
from workflows.engine import clock

router = APIRouter()


@router.get("/records")
def hub(request: Request):
    counts = unit(request, records.counts, page="/records")
    return page(request, "documents/records.html", {"forms": list(FORMS.values()), "counts": counts})


@router.get("/records/{form}.xlsx")
def export(request: Request, form: str, q: str = ""):
    title, out = unit(request, lambda s, a: records.export(s, a, form, lang_of(request), q), page="/records")
    return xlsx_stream(title, out)


@router.get("/records/{form}")
def listing(request: Request, form: str, q: str = "", page_no: int = Query(1, alias="page")):
    lang = lang_of(request)

    def read(s, a):
        rows, at = records.paged(s, a, form, q, page_no)
        return {"rows": rows, "pager": pager(request, at), "may_add": bool(a.roles & records.RECORD_KEEPERS),
                "chart": record_charts.chart(form, records.listing(s, a, form, q), lang, records.inputs(form))}
    return page(request, "documents/record_form.html", {**unit(request, read, page="/records"), "spec": records.spec(form),
                                              "inputs": records.inputs(form), "q": q, "today": clock.today()})


@router.post("/records/{form}")
async def add(request: Request, form: str):
    """The form's fields are the schema's; the schema, not the route, says what is valid."""
    data = await request.form()
    spec = records.spec(form)
    payload = _payload(form, data)
    on = fields.optional_day(str(data.get("recorded_on") or ""), "recorded_on")
    write(request, str(data.get("csrf_token") or ""), lambda s, a: records.add(s, a, spec.name, payload, on))
    return redirect(request, local(str(data.get("back") or ""), f"/records/{form}"))


def _payload(form: str, data) -> dict:
    return {i.name: data.get(i.name) for i in records.inputs(form) if data.get(i.name) not in (None, "") or i.required}


@router.get("/records/{form}/{record_id}")
def record(request: Request, form: str, record_id: fields.Id):
    lang = lang_of(request)

    def read(s, a):
        row = records.get(s, a, form, record_id)
        return {"row": row, "may_correct": records.may_correct(a, row), "corrections": records.corrections(row, lang)}
    return page(request, "documents/record.html", {**unit(request, read, page="/records"), "spec": records.spec(form),
                                         "inputs": records.inputs(form), "today": clock.today()})


@router.post("/records/{form}/{record_id}")
async def correct(request: Request, form: str, record_id: fields.Id):
    """A correction names its reason; what the fields held before stays on the record."""
    data = await request.form()
    payload = _payload(form, data)
    on = fields.optional_day(str(data.get("recorded_on") or ""), "recorded_on")
    write(request, str(data.get("csrf_token") or ""), lambda s, a: records.correct(
        s, a, form, record_id, payload, on, str(data.get("reason") or "")))
    return redirect(request, f"/records/{form}/{record_id}")
