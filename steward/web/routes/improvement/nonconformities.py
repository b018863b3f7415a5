"""Nonconformities: the board, one NC with its analysis, actions and effectiveness review."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request

from steward.web import fields
from steward.web.render import export_link, lang_of, page, pager, redirect, unit, write, xlsx_stream
from storage.errors import StewardError
from workflows.improvement import nc_list
from workflows.improvement import nonconformity as ncs

router = APIRouter()


@router.get("/nonconformities")
def board(request: Request, q: str = "", severity: str = "", clause: str = "",
          page_number: int | None = Query(None, alias="page")):
    f = nc_list.Filters(q=q, severity=severity, clause=clause)
    found = unit(request, lambda s, a: nc_list.board(s, a, f, page_number), page="/nonconformities")
    return page(request, "improvement/nonconformities.html", {**found, "pager": pager(request, found["closed"]),
                                                              "export": export_link(request, "/nonconformities.xlsx")})


@router.get("/nonconformities.xlsx")
def export(request: Request, q: str = "", severity: str = "", clause: str = ""):
    f = nc_list.Filters(q=q, severity=severity, clause=clause)
    title, out = unit(request, lambda s, a: nc_list.export(s, a, f, lang_of(request)), page="/nonconformities")
    return xlsx_stream(title, out)


@router.get("/nonconformities/{number}")
def nonconformity(request: Request, number: str):
    return page(request, "improvement/nonconformity.html", unit(request, lambda s, a: ncs.view(s, a, number),
                                                    page="/nonconformities"))


@router.post("/nonconformities/{number}/analyse")
def analyse(request: Request, number: str, consequence: str = Form(""), disposition: str = Form(""),
            root_cause: str = Form(""), severity: str = Form("minor"), preventive: str = Form(""),
            version: int = fields.whole_form(), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: ncs.analyse(
        s, a, ncs.get(s, a, number), consequence=consequence, disposition=disposition, root_cause=root_cause,
        severity=severity, preventive_measures=preventive, expected_version=version))
    return redirect(request, f"/nonconformities/{number}")


@router.post("/nonconformities/{number}/plan")
def plan(request: Request, number: str, kind: list[str] = Form([]), description: list[str] = Form([]),
         owner: list[str] = Form([]), due: list[str] = Form([]), version: int = fields.whole_form(),
         csrf_token: str = Form("")):
    """Several actions at once — a correction, a corrective and a preventive action, say; a blank row is none."""
    rows = []
    for i, text in enumerate(description):
        if not text.strip():
            continue
        day = fields.day(due[i] if i < len(due) else "", "due")
        rows.append({"kind": kind[i] if i < len(kind) else "corrective", "description": text,
                     "owner": owner[i] if i < len(owner) else "", "due": day})
    if not rows:
        raise StewardError("description", "请至少填写一项措施", "Enter at least one action", field="description")
    write(request, csrf_token, lambda s, a: ncs.plan(s, a, ncs.get(s, a, number), rows, expected_version=version))
    return redirect(request, f"/nonconformities/{number}")


@router.post("/nonconformities/{number}/verify")
def verify(request: Request, number: str, effective: str = Form(...), note: str = Form(""),
           version: int = fields.whole_form(), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: ncs.review_effectiveness(
        s, a, ncs.get(s, a, number), effective=effective == "yes", note=note, expected_version=version))
    return redirect(request, f"/nonconformities/{number}")
