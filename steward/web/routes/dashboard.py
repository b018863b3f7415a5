"""The overview each person lands on."""

from __future__ import annotations

from fastapi import APIRouter, Request

from steward.web.render import page, unit
from workflows import dashboard

router = APIRouter()


@router.get("/")
def overview(request: Request):
    return page(request, "dashboard.html", unit(request, dashboard.overview, page="/"))
