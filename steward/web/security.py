"""Who is asking and may they: session login with argon2 and lockout, CSRF tokens on every form,
role and enterprise checks, and bearer tokens for the JSON API."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from sqlmodel import Session, select

from storage.errors import Forbidden, StewardError
from storage.models import ApiToken, Person
from workflows.engine import Actor, actor_for, require_role


class LoginRequired(Exception):
    """Raised for a page that needs a signed-in user; the app answers with a redirect to /login."""


def current_actor(request: Request, session: Session) -> Actor:
    username = request.session.get("username")
    if not username:
        raise LoginRequired()
    try:
        return actor_for(session, username)
    except Forbidden:
        request.session.clear()
        raise LoginRequired() from None


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


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, actor: Actor, name: str) -> str:
    require_role(actor, ("carbon_manager",), "签发 API 令牌", "Issuing an API token")
    token = "cs_" + secrets.token_urlsafe(32)
    session.add(ApiToken(enterprise_id=actor.enterprise_id, person_id=actor.person.id, name=name,
                         token_sha256=token_hash(token)))
    session.flush()
    return token


def api_actor(request: Request, session: Session) -> Actor:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise StewardError("token_required", "需要 API 令牌（Authorization: Bearer …）", "An API token is required "
                           "(Authorization: Bearer …)", status=401)
    row = session.exec(select(ApiToken).where(ApiToken.token_sha256 == token_hash(header[7:].strip()),
                                              ApiToken.revoked_at.is_(None))).first()
    if row is None:
        raise StewardError("bad_token", "API 令牌无效或已吊销", "The API token is invalid or revoked", status=401)
    person = session.get(Person, row.person_id)
    return actor_for(session, person.username)
