"""The calendar: a month of what falls due, and the same as an iCalendar file for Outlook or DingTalk."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.web.render import lang_of, page, unit
from storage.errors import StewardError
from workflows.planning import calendar

router = APIRouter()


@router.get("/calendar")
def month(request: Request, month: str = ""):
    try:
        year, number = (int(x) for x in month.split("-")) if month else (date.today().year, date.today().month)
        date(year, number, 1)
    except ValueError:
        raise StewardError("month", "月份应为 YYYY-MM", "The month is YYYY-MM", field="month") from None
    return page(request, "planning/calendar.html", unit(request, lambda s, a: calendar.month(s, a, year, number),
                                               page="/calendar"))


@router.get("/calendar.ics")
def ics(request: Request):
    """From last month to a year ahead: what a calendar subscription needs."""
    today = date.today()
    events = unit(request, lambda s, a: calendar.between(s, a, today - timedelta(days=31), today + timedelta(days=366)),
                  page="/calendar")
    data = calendar.ics(events, lang_of(request), str(request.base_url))
    return Response(data, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=carbon-steward.ics"})
