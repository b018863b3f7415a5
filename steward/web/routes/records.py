"""Records the guideline asks to keep where no engine computes on them (training plans and records,
competence, communication, providers, risks, context, budgets, supply chain): a list and a form each,
laid out from the record's schema."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request

from forms.records import FORMS
from steward.web import fields
from steward.web.render import lang_of, local, page, redirect, unit, write, xlsx
from workflows import records

router = APIRouter()


@router.get("/records")
def hub(request: Request):
    counts = unit(request, records.counts, page="/records")
    return page(request, "records.html", {"forms": list(FORMS.values()), "counts": counts})


@router.get("/records/{form}.xlsx")
def export(request: Request, form: str, q: str = ""):
    title, data = unit(request, lambda s, a: records.export(s, a, form, lang_of(request), q), page="/records")
    return xlsx(title, data)


@router.get("/records/{form}")
def listing(request: Request, form: str, q: str = ""):
    rows, may_add = unit(request, lambda s, a: (records.listing(s, a, form, q), bool(a.roles & records.RECORD_KEEPERS)),
                         page="/records")
    return page(request, "record_form.html", {"spec": records.spec(form), "inputs": records.inputs(form), "rows": rows,
                                              "q": q, "today": date.today(), "may_add": may_add})


@router.post("/records/{form}")
async def add(request: Request, form: str):
    """The form's fields are the schema's; the schema, not the route, says what is valid."""
    data = await request.form()
    spec = records.spec(form)
    payload = {i.name: data.get(i.name) for i in records.inputs(form)
               if data.get(i.name) not in (None, "") or i.required}
    on = fields.optional_day(str(data.get("recorded_on") or ""), "recorded_on")
    write(request, str(data.get("csrf_token") or ""), lambda s, a: records.add(s, a, spec.name, payload, on))
    return redirect(request, local(str(data.get("back") or ""), f"/records/{form}"))
