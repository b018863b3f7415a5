"""The group's carbon-market grid (issue 32): every member plant × the year's months and its annual reports, its
workbook, and a member plant's month read-only. Included before the month pages, whose ``/ets/{month}`` would
otherwise take ``/ets/group``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from markupsafe import Markup, escape

from accounting import ets_monthly
from steward.web import fields
from steward.web.render import export_link, lang_of, page, unit, xlsx_stream
from workflows.engine import clock
from workflows.ets import group as groups
from workflows.ets import month as months

router = APIRouter()
PAGE = "/ets"


def _year(year: str) -> int:
    return fields.optional_year(year) or ets_monthly.previous_month(clock.today()).year


QUIET = frozenset({"not_listed", "not_due"})  # cells with nothing to open


def month_cells(names: dict[str, str]):
    """A plant's twelve month cells as one piece of HTML: 12,000 cells through the template's expressions cost
    ten times the query; joined here, with the one text that comes from people (the code) escaped, they cost less
    than reading them."""
    words = {k: str(escape(v)) for k, v in names.items()}

    def cells(plant) -> Markup:
        base = f"/ets/group/{escape(plant.code)}/"
        return Markup("".join(
            f'<td class="g-{c.cell.value}">{words[c.cell.value]}</td>' if c.state is None and c.cell.value in QUIET
            else f'<td class="g-{c.cell.value}"><a href="{base}{c.key}">{words[c.cell.value]}</a></td>'
            for c in plant.cells))
    return cells


@router.get("/ets/group.xlsx")
def export(request: Request, year: str = "", state: str = "", q: str = ""):
    chosen = _year(year)
    title, out = unit(request, lambda s, a: groups.export(s, a, lang_of(request), chosen, state=state, q=q), page=PAGE)
    return xlsx_stream(title, out)


@router.get("/ets/group")
def grid(request: Request, year: str = "", state: str = "", q: str = ""):
    chosen = _year(year)

    def read(s, a):
        shown = groups.grid(s, a, chosen, state=state, q=q)
        return {**shown, "export": export_link(request, "/ets/group.xlsx"),
                "cells_of": month_cells(shown["names_en" if lang_of(request) == "en" else "names_zh"])}
    return page(request, "ets/group.html", unit(request, read, page=PAGE))


@router.get("/ets/group/{code}/{month}")
def member_month(request: Request, code: str, month: str):
    when = months.parse_month(month)
    return page(request, "ets/group_month.html",
                unit(request, lambda s, a: groups.member_month(s, a, code, when), page=PAGE))
