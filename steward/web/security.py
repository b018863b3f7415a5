"""Who is asking: the signed-in person of a session (whose version must still be current, so sign-out,
a password change or disabling ends every session at once), CSRF tokens on every form, and bearer
tokens for the JSON API."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from sqlmodel import Session

from storage.errors import Forbidden, StewardError
from workflows.engine.machine import Actor, actor_for
from workflows.people import logins

OPEN_WHILE_CHANGING = ("/password", "/logout", "/lang/")  # what a person who must change their password may open


class LoginRequired(Exception):
    """Raised for a page that needs a signed-in user; the app answers with a redirect to /login."""


class PasswordChangeRequired(Exception):
    """Raised while a person signs in with a password someone else set; the app sends them to /password."""


def current_actor(request: Request, session: Session) -> Actor:
    username = request.session.get("username")
    if not username:
        raise LoginRequired()
    try:
        actor = actor_for(session, username)
    except Forbidden:
        request.session.clear()
        raise LoginRequired() from None
    if request.session.get("sv") != actor.person.session_version:
        request.session.clear()  # signed out elsewhere, password changed, or disabled
        raise LoginRequired()
    if actor.person.must_change_password and not request.url.path.startswith(OPEN_WHILE_CHANGING):
        raise PasswordChangeRequired()
    return actor


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise Forbidden("csrf", "表单已失效或来源不明（CSRF 校验失败），请刷新页面后重试",
                        "The form is stale or forged (CSRF check failed); reload the page and try again")


def api_actor(request: Request, session: Session, need: str = "read") -> Actor:
    """The bearer token's person, when its scope grants ``need`` (``logins.SCOPES``)."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise StewardError("token_required", "需要 API 令牌（Authorization: Bearer …）", "An API token is required "
                           "(Authorization: Bearer …)", status=401)
    return logins.token_actor(session, header[7:].strip(), need)
