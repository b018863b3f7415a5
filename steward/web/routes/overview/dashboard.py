"""The overview each person lands on."""

from __future__ import annotations

from fastapi import APIRouter, Request

from steward.web import access
from steward.web.render import lang_of, page, unit
from workflows.accounting.calculation import ACCOUNTANTS
from workflows.overview import dashboard

router = APIRouter()


@router.get("/")
def overview(request: Request):
    lang = lang_of(request)
    data = unit(request, lambda s, a: dashboard.overview(s, a, lang), page="/")
    return page(request, "overview/dashboard.html", {**data, "may_readiness": access.may_open(request.state.roles, "/readiness"),
                                                       "may_run": bool(set(request.state.roles) & set(ACCOUNTANTS))})
