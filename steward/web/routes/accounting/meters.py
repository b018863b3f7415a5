"""Meters and their calibrations: the ledger, and the calibration recorded from its certificate."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from steward.web import fields
from steward.web.render import page, redirect, unit, write
from workflows.accounting import meters

router = APIRouter()


@router.get("/meters")
def ledger(request: Request):
    def read(s, a):
        return {"rows": meters.ledger(s, a), "may_record": bool(a.roles & set(meters.KEEPERS))}
    return page(request, "accounting/meters.html", unit(request, read, page="/meters"))


@router.post("/meters/calibration")
def calibration(request: Request, code: str = Form(""), on: str = Form(""), certificate: str = Form(""),
                next_due: str = Form(""), csrf_token: str = Form("")):
    def go(s, a):
        meters.check_may_record(a)  # who may, before anything typed is read
        return meters.calibrate(s, a, code, on=fields.day(on, "on"), certificate=certificate,
                                next_due=fields.optional_day(next_due, "next_due"))
    write(request, csrf_token, go)
    return redirect(request, f"/meters#m-{code}")
