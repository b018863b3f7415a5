"""Management reviews: the list, one review's inputs, statements and meeting."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request

from steward.web.render import lang_of, page, redirect, unit, write
from workflows import review as reviews

router = APIRouter()


@router.get("/reviews")
def review_list(request: Request):
    return page(request, "reviews.html", {"reviews": unit(request, reviews.listing, page="/reviews")})


@router.get("/reviews/{number}")
def review(request: Request, number: str):
    lang = lang_of(request)  # the same choice the page's template gets
    return page(request, "review.html", unit(request, lambda s, a: reviews.view(s, a, number, lang), page="/reviews"))


@router.post("/reviews/{number}/state")
def statement(request: Request, number: str, clause_id: str = Form(...), text: str = Form(""),
              csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: reviews.state_input(s, a, reviews.get(s, a, number), clause_id, text))
    return redirect(request, f"/reviews/{number}")


@router.post("/reviews/{number}/meeting")
def meeting(request: Request, number: str, attendees: str = Form(""), minutes: str = Form(""),
            conclusion: str = Form(""), version: int = Form(...), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: reviews.record_meeting(
        s, a, reviews.get(s, a, number), held_on=date.today(), attendees=attendees.replace("，", ",").split(","),
        minutes=minutes, conclusion=conclusion, decisions=[], expected_version=version))
    return redirect(request, f"/reviews/{number}")
