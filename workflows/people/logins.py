"""Who can sign in, and how: people given a login, passwords set, reset and changed, accounts disabled,
roles assigned, and API tokens issued, listed and revoked. The carbon managers keep the people of their
enterprise (4.2/4.3); everyone changes their own password."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlmodel import Session, select

from storage.errors import Forbidden, StewardError
from storage.models import ApiToken, Outbox, Person, RoleAssignment, RoleChange
from storage.vocab import Role
from workflows.engine import credentials, lookup, machine
from workflows.engine.machine import Actor
from workflows.people import organisation, role_changes

KEEPERS = organisation.PEOPLE_KEEPERS
TOKEN_DAYS = 365
# What an API token may do, chosen when it is issued: every token reads; only "activity" writes, and pushing
# activity data (POST /api/v1/activity) is the one write the API offers. Tokens from before scopes are "activity".
SCOPES = {"read": ("只读", "Read only"), "activity": ("读取并推送活动数据", "Read and push activity data")}
GRANTS = {"read": {"read"}, "activity": {"read", "activity"}}


def _keeper(actor: Actor, zh: str, en: str) -> None:
    machine.require_role(actor, KEEPERS, zh, en)


def person(session: Session, actor: Actor, username: str) -> Person:
    found = lookup.person(session, actor.enterprise_id, username, field="username")
    return found


def add(session: Session, actor: Actor | None, *, enterprise_id: int, code: str, name: str, username: str,
        password: str, roles: list[str], department_id: int | None = None) -> Person:
    """A new person with a login; the password is theirs to change at first sign-in."""
    if actor is None:
        organisation.require_setting_up(session)
    else:
        _keeper(actor, "添加用户", "Adding a user")
        if enterprise_id != actor.enterprise_id:
            raise Forbidden("other_enterprise", "只能在本企业添加用户", "Users can only be added to your own enterprise")
    _check_roles(roles)
    if session.exec(select(Person).where(Person.username == username)).first():
        raise StewardError("duplicate_username", f"登录名 {username} 已被使用", f"Username {username} is taken",
                           field="username", status=409)
    row = Person(enterprise_id=enterprise_id, code=code, name=name, username=username, department_id=department_id)
    session.add(row)
    session.flush()
    credentials.set_password(session, row, password, must_change=True)
    if actor is None:  # a fresh install: nobody else could countersign yet
        _assign(session, row, roles)
        return row
    _assign(session, row, role_changes.at_once(roles))
    role_changes.ask_for_signing_roles(session, actor, row, roles, "新用户 / new user")
    return row


def reset_password(session: Session, actor: Actor, username: str, password: str) -> Person:
    """A keeper sets a temporary password: every session of the person ends, their API tokens are revoked (a
    token outlives no password), they must change it at sign-in, and they are told, so a reset they did not
    ask for does not pass unnoticed."""
    _keeper(actor, "重置密码", "Resetting a password")
    row = person(session, actor, username)
    if row.id == actor.person.id:
        raise StewardError("own_password", "修改自己的密码请在“设置”中输入旧密码", "Change your own password in Settings, "
                           "with the current one", field="username")
    credentials.set_password(session, row, password, must_change=True)
    _revoke_tokens(session, row)
    session.add(Outbox(enterprise_id=row.enterprise_id, person_id=row.id, kind="notice",
                       subject="[碳管家] 您的密码已被重置 / Your password was reset",
                       body=f"{row.name}：{actor.person.name} 重置了您的密码，您的所有会话和 API 令牌已失效，请用临时密码登录后"
                            f"立即修改。如非您所知，请立即告知最高管理者。\n{row.name}: {actor.person.name} reset your password; "
                            "every session and API token of yours has ended. Sign in with the temporary password and "
                            "change it. If you did not ask for this, tell top management at once."))
    session.flush()
    return row


def _revoke_tokens(session: Session, row: Person) -> None:
    for token in session.exec(select(ApiToken).where(ApiToken.person_id == row.id, ApiToken.revoked_at.is_(None))):
        token.revoked_at = datetime.now(timezone.utc)
        session.add(token)


def change_own(session: Session, actor: Actor, new: str) -> Person:
    """The signed-in person sets their own password (the old one was checked as a password attempt)."""
    if credentials.check_password(actor.person, new):
        raise StewardError("same_password", "新密码不能与旧密码相同", "The new password must differ from the old one",
                           field="new_password")
    try:
        credentials.set_password(session, actor.person, new, must_change=False)
    except StewardError as exc:
        exc.field = "new_password"
        raise
    return actor.person


def sign_out(session: Session, actor: Actor) -> None:
    """Every session of this person ends (the cookie of each carries the version it was signed in with)."""
    actor.person.session_version += 1
    session.add(actor.person)
    session.flush()


def disable(session: Session, actor: Actor, username: str) -> Person:
    """No more sign-in for the person: their sessions end and their API tokens are revoked at once."""
    _keeper(actor, "停用用户", "Disabling a user")
    row = person(session, actor, username)
    if row.id == actor.person.id:
        raise StewardError("self", "不能停用自己的账号", "You cannot disable your own account", field="username")
    row.active, row.session_version = False, row.session_version + 1
    session.add(row)
    _revoke_tokens(session, row)
    session.flush()
    return row


def enable(session: Session, actor: Actor, username: str, password: str) -> Person:
    """A disabled person may sign in again — with a new temporary password, since the old one may be known."""
    _keeper(actor, "启用用户", "Enabling a user")
    row = session.exec(select(Person).where(Person.username == username,
                                            Person.enterprise_id == actor.enterprise_id)).first()
    if row is None:
        raise StewardError("username", f"本企业没有用户 {username}", f"No user {username} here", field="username",
                           status=404)
    row.active = True
    session.add(row)
    credentials.set_password(session, row, password, must_change=True)
    return row


def move(session: Session, actor: Actor, username: str, department: str) -> Person:
    """A person changes department (their department head then sees their tasks)."""
    _keeper(actor, "调整部门", "Moving a person")
    row = person(session, actor, username)
    row.department_id = organisation.department_id(session, actor, department)
    session.add(row)
    session.flush()
    return row


def set_roles(session: Session, actor: Actor, username: str, roles: list[str], reason: str = "") -> RoleChange:
    """Ask for a person's roles to become ``roles``: at once, or after top management countersigns when a role
    that signs approvals is added (``role_changes``)."""
    _keeper(actor, "分配角色", "Assigning roles")
    _check_roles(roles)
    return role_changes.request(session, actor, person(session, actor, username), roles, reason)


def _check_roles(roles: list[str]) -> None:
    unknown = [r for r in roles if r not in Role.__members__]
    if unknown or not roles:
        names = "、".join(f"{r.zh}" for r in Role)
        raise StewardError("roles", f"角色须从以下选择：{names}", "Choose roles from: " + ", ".join(r.en for r in Role),
                           field="roles")


def _assign(session: Session, row: Person, roles: list[str]) -> None:
    for role in dict.fromkeys(roles):
        session.add(RoleAssignment(enterprise_id=row.enterprise_id, person_id=row.id, role=role))
    session.flush()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, actor: Actor, name: str, days: int = TOKEN_DAYS, scope: str = "read") -> str:
    """A token for an integration, shown once; only its hash is kept, it expires, and it may do what its scope
    says and no more."""
    _keeper(actor, "签发 API 令牌", "Issuing an API token")
    if not name.strip():
        raise StewardError("name", "请写明令牌用途", "Say what the token is for", field="name")
    if not 1 <= days <= 3 * 365:
        raise StewardError("days", "有效期须在 1 到 1095 天之间", "A token lasts 1 to 1095 days", field="days")
    if scope not in SCOPES:
        raise StewardError("scope", "权限须为：" + "、".join(zh for zh, _ in SCOPES.values()),
                           "The scope is one of: " + ", ".join(en.lower() for _, en in SCOPES.values()), field="scope")
    token = "cs_" + secrets.token_urlsafe(32)
    session.add(ApiToken(enterprise_id=actor.enterprise_id, person_id=actor.person.id, name=name.strip()[:120],
                         scope=scope, token_sha256=token_hash(token),
                         expires_at=datetime.now(timezone.utc) + timedelta(days=days)))
    session.flush()
    return token


def tokens(session: Session, actor: Actor) -> list[ApiToken]:
    if not actor.roles & set(KEEPERS):
        return []
    return list(session.exec(select(ApiToken).where(ApiToken.enterprise_id == actor.enterprise_id)
                             .order_by(ApiToken.id.desc())).all())


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    _keeper(actor, "吊销 API 令牌", "Revoking an API token")
    row = session.get(ApiToken, token_id)
    if row is None or row.enterprise_id != actor.enterprise_id:
        raise StewardError("token", f"没有令牌 #{token_id}", f"No token #{token_id}", status=404)
    if row.revoked_at is None:
        row.revoked_at = datetime.now(timezone.utc)
        session.add(row)
        session.flush()
    return row


def token_actor(session: Session, token: str, need: str = "read") -> Actor:
    """The person behind a bearer token; unknown, revoked, expired and disabled all answer alike. A valid token
    whose scope does not grant ``need`` is refused with what it may do."""
    now = datetime.now(timezone.utc)
    row = session.exec(select(ApiToken).where(ApiToken.token_sha256 == token_hash(token))).first()
    person_row = session.get(Person, row.person_id) if row else None
    expires = row.expires_at.replace(tzinfo=timezone.utc) if row and row.expires_at and row.expires_at.tzinfo is None \
        else (row.expires_at if row else None)
    if row is None or row.revoked_at is not None or (expires is not None and expires <= now) or person_row is None \
            or not person_row.active:
        raise StewardError("bad_token", "API 令牌无效", "The API token is not valid", status=401)
    if need not in GRANTS.get(row.scope, set()):
        (zh, en), (wide_zh, wide_en) = SCOPES.get(row.scope, (row.scope, row.scope)), SCOPES["activity"]
        raise Forbidden("token_scope", f"此 API 令牌的权限为“{zh}”，不能推送活动数据；请签发权限为“{wide_zh}”的令牌",
                        f"This API token is {en.lower()}: it cannot push activity data; issue one with the scope "
                        f"“{wide_en.lower()}”")
    return machine.actor_for(session, person_row.username)
