"""Registers the guideline asks to keep (compliance obligations; more come with issue 14)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from steward.web.render import page, unit
from workflows import compliance

router = APIRouter()


@router.get("/obligations")
def obligations(request: Request):
    return page(request, "obligations.html", {"rows": unit(request, compliance.obligations, page="/obligations")})
