"""Objectives and targets (6.4): each with its progress computed from the accounting runs, and the
yearly review of how they went — where the objective-review task leads."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request

from steward.web.render import page, unit
from workflows import objectives, records

router = APIRouter()


@router.get("/objectives")
def listing(request: Request):
    def read(s, a):
        return {"rows": objectives.overview(s, a), "reviews": records.listing(s, a, "objective_review", limit=10),
                "may_review": bool(a.roles & set(objectives.SETTERS))}
    return page(request, "objectives.html", {**unit(request, read, page="/objectives"), "inputs": records.inputs(
        "objective_review"), "last_year": date.today().year - 1})
