"""Small lookups the use cases share: people by username within an enterprise, row ids people type, running
numbers."""

from __future__ import annotations

from sqlmodel import Session, func, select

from storage.errors import NotFound
from storage.models import Enterprise, Person

MAX_ID = 2**31 - 1  # PostgreSQL's ``integer``, the narrowest column an id, a year or a version is compared with


def row_id(text: str) -> int | None:
    """The id a typed reference (``42`` in an address, ``R42`` on a checklist line) names, or None when no row
    can have it: a number past ``MAX_ID`` reached the database driver and failed there (a 500, not a 404)."""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def person(session: Session, enterprise_id: int, username: str, field: str = "owner") -> Person:
    """A user of this enterprise; another enterprise's user is as unknown as a missing one."""
    found = session.exec(select(Person).where(Person.username == username, Person.enterprise_id == enterprise_id,
                                              Person.active)).first()
    if found is None:
        raise NotFound("person", f"本企业没有用户 {username}", f"No user {username} in this enterprise", field=field)
    return found


def users(session: Session, enterprise_id: int) -> list[Person]:
    """Everyone of the enterprise who can sign in now, by staff code: whom a form may name (owner, reader, auditor)."""
    return list(session.exec(select(Person).where(Person.enterprise_id == enterprise_id, Person.active,
                                                  Person.username.is_not(None)).order_by(Person.code)).all())


def next_number(session: Session, model, enterprise_id: int, kind: str, year: int | None = None) -> str:
    """``JYCEM-NC-2026-003``: enterprise code, kind, optional year, running number."""
    code = session.get(Enterprise, enterprise_id).code
    prefix = f"{code}-{kind}-{year}-" if year else f"{code}-{kind}-"
    count = session.exec(select(func.count()).select_from(model).where(
        model.enterprise_id == enterprise_id, model.number.startswith(prefix))).one()
    return f"{prefix}{count + 1:03d}"


def numbered(session: Session, model, enterprise_id: int, number: str, zh: str, en: str):
    """A row by its number within one enterprise; another enterprise's number is simply not found."""
    row = session.exec(select(model).where(model.enterprise_id == enterprise_id, model.number == number)).first()
    if row is None:
        raise NotFound(model.__tablename__, f"没有{zh} {number}", f"No {en} {number}")
    return row
