"""A data year's verification (核查): the page with the recorded verification, its difference from the report and
its corrections, and the carbon manager's form that records or corrects it."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from steward.web import fields
from steward.web.render import page, redirect, unit, write
from workflows.ets import verification

router = APIRouter()


@router.get("/ets/reports/{year}/verification")
def verification_page(request: Request, year: fields.Year):
    return page(request, "ets/verification.html",
                unit(request, lambda s, a: verification.view(s, a, year), page="/ets"))


@router.post("/ets/reports/{year}/verification")
def record(request: Request, year: fields.Year, verifier: str = Form(""), started_on: str = Form(""),
           ended_on: str = Form(""), verified: str = Form(""), findings: str = Form(""), reason: str = Form(""),
           version: int | None = fields.whole_form(None), csrf_token: str = Form("")):
    start = fields.day(started_on, "started_on")
    end = fields.day(ended_on, "ended_on")
    tonnes = fields.number(verified, "verified", "核查排放量", "Verified emissions")
    write(request, csrf_token, lambda s, a: verification.record(
        s, a, year=year, verifier=verifier, started_on=start, ended_on=end, verified_tco2e=tonnes, findings=findings,
        reason=reason, expected_version=version))
    return redirect(request, f"/ets/reports/{year}/verification")
