"""The calendar: a month of what falls due, and the same as an iCalendar file for Outlook or DingTalk."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.web import fields
from steward.web.render import lang_of, page, unit
from storage.errors import StewardError
from workflows.engine import clock
from workflows.planning import calendar

router = APIRouter()


@router.get("/calendar")
def month(request: Request, month: str = ""):
    year, number = _month(month) if month else (clock.today().year, clock.today().month)
    return page(request, "planning/calendar.html", unit(request, lambda s, a: calendar.month(s, a, year, number),
                                               page="/calendar"))


def _month(text: str) -> tuple[int, int]:
    """YYYY-MM within the years a form takes (a year past 9999 overflowed ``date`` into a 500)."""
    try:
        year, number = (int(x) for x in text.split("-"))
        date(year, number, 1)
    except (ValueError, OverflowError):
        year = 0
    if not fields.YEARS[0] <= year <= fields.YEARS[1]:
        raise StewardError("month", "月份应为 YYYY-MM", "The month is YYYY-MM", field="month")
    return year, number


@router.get("/calendar.ics")
def ics(request: Request):
    """From last month to a year ahead: what a calendar subscription needs."""
    today = clock.today()
    events = unit(request, lambda s, a: calendar.between(s, a, today - timedelta(days=31), today + timedelta(days=366)),
                  page="/calendar")
    data = calendar.ics(events, lang_of(request), str(request.base_url))
    return Response(data, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=carbon-steward.ics"})
