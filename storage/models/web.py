"""What the web shell keeps: login attempts (for lockout) and API tokens (stored hashed)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.models.org import utcnow


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempt"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, index=True)
    address: str | None = Field(default=None, max_length=64, index=True)  # the client's, for a sign-in
    ok: bool
    at: datetime = Field(default_factory=utcnow, index=True)


class ApiToken(SQLModel, table=True):
    """A token for integrations (e.g. an energy online-monitoring system); only its sha256 is kept."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    name: str = Field(max_length=120)
    scope: str = Field(default="read", max_length=20)  # read | activity (workflows.people.logins.SCOPES)
    token_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
