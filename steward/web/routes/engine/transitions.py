"""One route for every lifecycle's buttons: ``POST /w/{lifecycle}/{number}/{trigger}``. The buttons a
page shows come from ``Lifecycle.available``; this route fires what was clicked, and the use case
(or the engine) decides whether this person may."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from steward.web import fields, security
from steward.web.render import local, redirect, write
from workflows import lifecycles

router = APIRouter()


@router.post("/w/{lifecycle}/{number}/{trigger}")
def transition(request: Request, lifecycle: str, number: str, trigger: str, version: int = fields.whole_form(),
               comment: str = Form(""), password: str = Form(""), back: str = Form("/"), csrf_token: str = Form("")):
    sub = lifecycles.Submission(version=version, comment=comment, password=password or None,
                              files=request.app.state.ctx.files)
    if password:  # a signature is a password attempt: counted, and refused while the account is locked
        security.check_csrf(request, csrf_token)
        request.app.state.ctx.check_password(request.session.get("username") or "", password, signing=True)
    write(request, csrf_token, lambda s, a: lifecycles.fire(s, a, lifecycle, number, trigger, sub))
    return redirect(request, local(back))
