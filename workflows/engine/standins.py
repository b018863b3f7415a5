"""Who stands in for whom today: a person's tasks show in their substitute's inbox for the period named, read
from the dates alone (plant time zone), so the hand-over ends by itself with no job to undo it."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from storage.models import Delegation, Person, Task


def _current(day: date):
    return select(Delegation).where(Delegation.starts <= day, Delegation.ends >= day, Delegation.withdrawn.is_(False))


def covered_by(session: Session, substitute_id: int, day: date) -> list[int]:
    """The people whose tasks ``substitute_id`` does on ``day``."""
    return [d.person_id for d in session.exec(_current(day).where(Delegation.substitute_id == substitute_id))]


def substitute_of(session: Session, person_id: int, day: date) -> Person | None:
    """Who does ``person_id``'s tasks on ``day``, if they are away."""
    found = session.exec(_current(day).where(Delegation.person_id == person_id)).first()
    return session.get(Person, found.substitute_id) if found else None


def substitutes(session: Session, enterprise_id: int, day: date) -> dict[int, Person]:
    """Everyone away on ``day`` in one enterprise, with their substitute: one query for a daily run."""
    rows = session.exec(select(Delegation, Person).join(Person, Person.id == Delegation.substitute_id).where(
        Delegation.enterprise_id == enterprise_id, Delegation.starts <= day, Delegation.ends >= day,
        Delegation.withdrawn.is_(False))).all()
    return {d.person_id: p for d, p in rows}


def doing_for(session: Session, lifecycle: str, entity_id: int, person_id: int, day: date) -> Person | None:
    """The person ``person_id`` acts for on this row: none when the row's task is their own (or nobody's),
    else the first person they stand in for who holds an open task on it."""
    open_for = select(Task.assignee_id).where(Task.lifecycle == lifecycle, Task.entity_id == entity_id,
                                              Task.status == "open")
    holders = set(session.exec(open_for).all())
    if not holders or person_id in holders:
        return None
    for covered in covered_by(session, person_id, day):
        if covered in holders:
            return session.get(Person, covered)
    return None
