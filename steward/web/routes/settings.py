"""Settings: people and roles (for those who keep them), my notification channels, API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from steward.web import security
from steward.web.render import page, redirect, unit, write
from storage.vocab import Role
from workflows import notifications, organisation

router = APIRouter()


@router.get("/settings")
def settings_page(request: Request):
    def read(s, a):
        people = organisation.people(s, a)
        return {"people": people, "channels": notifications.channels(s, a.person.id), "is_manager": bool(people),
                "role_names": {r.value: (r.zh, r.en) for r in Role}}
    return page(request, "settings.html", unit(request, read, page="/settings"))


@router.post("/settings/channel")
def channel(request: Request, kind: str = Form(...), target: str = Form(...), csrf_token: str = Form("")):
    allow = request.app.state.ctx.settings.webhook_allow_list
    write(request, csrf_token, lambda s, a: notifications.add_channel(s, a, a.person.username, kind, target, allow))
    return redirect(request, "/settings")


@router.post("/settings/token")
def token(request: Request, name: str = Form(...), csrf_token: str = Form("")):
    issued = write(request, csrf_token, lambda s, a: security.issue_token(s, a, name))
    return page(request, "token.html", {"token": issued, "name": name})


@router.get("/api/docs")
def api_docs(request: Request):
    """The API reference for whoever sets up an integration; signed-in people only."""
    unit(request, lambda s, a: None, page="/settings")
    return page(request, "api_docs.html", {})
