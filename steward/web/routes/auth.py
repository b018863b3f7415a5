"""Signing in and out, and choosing the language."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from steward.web import security
from steward.web.render import local, page, redirect

router = APIRouter()


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    return page(request, "login.html", {"next": local(next)})


@router.post("/login")
def login(request: Request, username: str = Form(...), password: str = Form(...), next: str = Form("/"),
          csrf_token: str = Form("")):
    security.check_csrf(request, csrf_token)
    name, lang = request.app.state.ctx.check_password(username, password)  # the attempt is kept either way
    request.session.clear()
    request.session.update(username=username, name=name, lang=lang)
    return redirect(request, local(next))


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")):
    security.check_csrf(request, csrf_token)
    request.session.clear()
    return redirect(request, "/login")


@router.get("/lang/{code}")
def language(request: Request, code: str, back: str = "/"):
    if code in ("zh", "en"):
        request.session["lang"] = code
    return redirect(request, local(back))
