"""Settings: people and roles (for those who keep them), my notification channels, API tokens."""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Form, Request

from steward.web import fields
from steward.web.render import page, redirect, unit, write
from workflows.people import logins, notifications, role_changes

router = APIRouter()


@router.get("/settings")
def settings_page(request: Request, tested: bool = False):
    def read(s, a):
        return {"channels": notifications.channels(s, a.person.id), "tokens": logins.tokens(s, a),
                "scopes": logins.SCOPES,
                "outbox": notifications.outbox_summary(s, a),
                "is_manager": bool(a.roles & set(logins.KEEPERS)), "now": datetime.now(timezone.utc),
                "role_changes": role_changes.history(s, a, a.person.id)}
    return page(request, "people/settings.html", {**unit(request, read, page="/settings"), "tested": tested})


@router.post("/settings/channel")
def channel(request: Request, kind: str = Form(...), target: str = Form(...), csrf_token: str = Form("")):
    allow = request.app.state.ctx.settings.webhook_allow_list
    write(request, csrf_token, lambda s, a: notifications.add_channel(s, a, a.person.username, kind, target, allow))
    return redirect(request, "/settings")


@router.post("/settings/channel/{channel_id}/delete")
def delete_channel(request: Request, channel_id: fields.Id, csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: notifications.remove_channel(s, a, channel_id))
    return redirect(request, "/settings")


@router.post("/settings/channel/{channel_id}/test")
def test_channel(request: Request, channel_id: fields.Id, csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: notifications.send_test(s, a, channel_id))
    return redirect(request, "/settings?tested=1")


@router.post("/settings/outbox/retry")
def retry(request: Request, csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: notifications.retry_failed(s, a, datetime.now(timezone.utc)))
    return redirect(request, "/settings")


@router.post("/settings/token")
def token(request: Request, name: str = Form(...), days: int = fields.whole_form(logins.TOKEN_DAYS),
          scope: str = Form("read"), csrf_token: str = Form("")):
    issued = write(request, csrf_token, lambda s, a: logins.issue_token(s, a, name, days, scope))
    return page(request, "people/token.html", {"token": issued, "name": name, "scope": logins.SCOPES[scope]})


@router.post("/settings/token/{token_id}/revoke")
def revoke(request: Request, token_id: fields.Id, csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: logins.revoke_token(s, a, token_id))
    return redirect(request, "/settings")


@router.get("/api/docs")
def api_docs(request: Request):
    """The API reference for whoever sets up an integration; signed-in people only."""
    unit(request, lambda s, a: None, page="/settings")
    return page(request, "people/api_docs.html", {})
