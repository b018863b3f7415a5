"""Management reviews: the list, one review's inputs, statements and meeting."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request

from steward.web import fields
from steward.web.render import export_link, lang_of, page, pager, redirect, unit, word_or_pdf, write, xlsx_stream
from storage.errors import StewardError
from workflows.engine import clock
from workflows.review import review as reviews

router = APIRouter()


@router.get("/reviews.xlsx")
def export(request: Request, year: str = "", state: str = ""):
    title, out = unit(request, lambda s, a: reviews.export(s, a, lang_of(request), fields.optional_year(year), state),
                      page="/reviews")
    return xlsx_stream(title, out)


@router.get("/reviews")
def review_list(request: Request, page_no: int = Query(1, alias="page"), year: str = "", state: str = ""):
    def read(s, a):
        found = reviews.planning(s, a, page_no, fields.optional_year(year), state)
        return {**found, "pager": pager(request, found["page"]), "export": export_link(request, "/reviews.xlsx")}
    return page(request, "review/reviews.html", {**unit(request, read, page="/reviews"), "today": clock.today()})


@router.post("/reviews/plan")
def plan(request: Request, planned_on: str = Form(""), attendees: list[str] = Form([]), csrf_token: str = Form("")):
    day = fields.day(planned_on, "planned_on")
    number = write(request, csrf_token, lambda s, a: reviews.plan_as(s, a, day, attendees).number)
    return redirect(request, f"/reviews/{number}")


@router.post("/reviews/extraordinary")
def call(request: Request, planned_on: str = Form(""), reason: str = Form(""), attendees: list[str] = Form([]),
         csrf_token: str = Form("")):
    """An extraordinary review, called with its reason; the year's yearly review stays as planned."""
    day = fields.day(planned_on, "planned_on")
    number = write(request, csrf_token, lambda s, a: reviews.call(s, a, day, reason, attendees).number)
    return redirect(request, f"/reviews/{number}")


@router.get("/reviews/{number}")
def review(request: Request, number: str):
    lang = lang_of(request)  # the same choice the page's template gets
    return page(request, "review/review.html", unit(request, lambda s, a: reviews.view(s, a, number, lang), page="/reviews"))


@router.post("/reviews/{number}/state")
def statement(request: Request, number: str, clause_id: str = Form(...), text: str = Form(""),
              csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: reviews.state_input(s, a, reviews.get(s, a, number), clause_id, text))
    return redirect(request, f"/reviews/{number}")


@router.post("/reviews/{number}/meeting")
def meeting(request: Request, number: str, held_on: str = Form(""), attendees: str = Form(""),
            minutes: str = Form(""), conclusion: str = Form(""), decision: list[str] = Form([]),
            owner: list[str] = Form([]), due: list[str] = Form([]), version: int = fields.whole_form(),
            csrf_token: str = Form("")):
    """The meeting as it was held: its date, who came, the minutes, the conclusion, and the decisions (9.3.2), each
    with an owner and a date — a row left blank is no decision."""
    day = fields.day(held_on or clock.today().isoformat(), "held_on")
    rows = []
    for text, who, when in zip(decision, owner + [""] * len(decision), due + [""] * len(decision), strict=False):
        if text.strip():
            rows.append({"decision": text, "owner": who, "due": fields.optional_day(when, "due")})
    write(request, csrf_token, lambda s, a: reviews.record_meeting(
        s, a, reviews.get(s, a, number), held_on=day, attendees=attendees.replace("，", ",").replace("、", ",").split(","),
        minutes=minutes, conclusion=conclusion, decisions=rows, expected_version=version))
    return redirect(request, f"/reviews/{number}")


@router.get("/reviews/{number}/minutes.{fmt}")
def minutes_file(request: Request, number: str, fmt: str):
    ctx = request.app.state.ctx

    def read(s, a):
        review = reviews.get(s, a, number)
        if not review.minutes_sha256:
            raise StewardError("no_minutes", "会议纪要在最高管理者签批后生成", "The minutes are produced when top "
                               "management signs the review off", status=404)
        return ctx.files.read(review.minutes_sha256)
    return word_or_pdf(unit(request, read, page="/reviews"), f"{number}-minutes", fmt, request)
