"""Signing in and out, and choosing the language."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from steward.web import security
from steward.web.render import local, page, redirect, unit
from storage.errors import StewardError
from workflows.people import logins

router = APIRouter()


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    return page(request, "people/login.html", {"next": local(next)})


@router.post("/login")
def login(request: Request, username: str = Form(...), password: str = Form(...), next: str = Form("/"),
          csrf_token: str = Form("")):
    security.check_csrf(request, csrf_token)
    address = request.client.host if request.client else None  # uvicorn's: X-Forwarded-For from trusted proxies
    name, lang, version = request.app.state.ctx.check_password(username, password, address=address)  # kept
    request.session.clear()
    request.session.update(username=username, name=name, lang=lang, sv=version)
    return redirect(request, local(next))


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")):
    """Signing out ends every session of this person, on every device."""
    security.check_csrf(request, csrf_token)
    if request.session.get("username"):
        try:
            unit(request, logins.sign_out)
        except security.LoginRequired:
            pass  # that session had already ended
    request.session.clear()
    return redirect(request, "/login")


@router.get("/password")
def password_form(request: Request):
    must = unit(request, lambda s, a: a.person.must_change_password)
    return page(request, "people/password.html", {"must_change": must})


@router.post("/password")
def change_password(request: Request, old_password: str = Form(...), new_password: str = Form(...),
                    confirm: str = Form(...), csrf_token: str = Form("")):
    """Change one's own password: the old one is a password attempt (counted), the new one meets the policy."""
    security.check_csrf(request, csrf_token)
    username = request.session.get("username") or ""
    if new_password != confirm:
        raise StewardError("confirm", "两次输入的新密码不一致", "The two new passwords differ", field="confirm")
    try:
        request.app.state.ctx.check_password(username, old_password)
    except StewardError as exc:
        exc.field = "old_password"
        raise
    version = unit(request, lambda s, a: logins.change_own(s, a, new_password).session_version)
    request.session["sv"] = version  # this session goes on; every other one has ended
    return redirect(request, "/")


@router.get("/lang/{code}")
def language(request: Request, code: str, back: str = "/"):
    if code in ("zh", "en"):
        request.session["lang"] = code
    return redirect(request, local(back))
