"""Readiness for a certification audit: every clause item's evidence, present, stale or missing."""

from __future__ import annotations

from fastapi import APIRouter, Request

from steward.web.render import lang_of, page, unit, word_or_pdf, xlsx
from workflows.audit import readiness

router = APIRouter()


@router.get("/readiness")
def readiness_page(request: Request, chapter: str = "", status: str = "", owner: str = ""):
    lang = lang_of(request)
    return page(request, "audit/readiness.html", unit(request, lambda s, a: readiness.view(s, a, lang, chapter, status, owner),
                                                page="/readiness"))


@router.get("/readiness.xlsx")
def readiness_workbook(request: Request):
    title, data = unit(request, lambda s, a: readiness.export(s, a, lang_of(request)), page="/readiness")
    return xlsx(title, data)


@router.get("/readiness/report.{fmt}")
def readiness_report(request: Request, fmt: str):
    return word_or_pdf(unit(request, readiness.report, page="/readiness"), "readiness-report", fmt)
