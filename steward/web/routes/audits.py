"""Internal audits: the programme, one audit's checklist, recording a clause's result."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request

from steward.web.render import page, redirect, unit, write
from workflows import internal_audit

router = APIRouter()


@router.get("/audits")
def audits(request: Request):
    return page(request, "audits.html", {**unit(request, internal_audit.listing, page="/audits"),
                                         "year": date.today().year})


@router.post("/audits/plan")
def plan(request: Request, year: int = Form(...), csrf_token: str = Form("")):
    number = write(request, csrf_token, lambda s, a: internal_audit.plan_year(s, a, year).number)
    return redirect(request, f"/audits/{number}")


@router.get("/audits/{number}")
def audit(request: Request, number: str):
    return page(request, "audit.html", unit(request, lambda s, a: internal_audit.view(s, a, number), page="/audits"))


@router.post("/audits/{number}/check")
def check(request: Request, number: str, clause_id: str = Form(...), result: str = Form(...), notes: str = Form(""),
          csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: internal_audit.record(
        s, a, internal_audit.get(s, a, number), clause_id, result, notes))
    return redirect(request, f"/audits/{number}#c-{clause_id}")
