"""A record's history in words: each move of its lifecycle (who, when, from which state to which, the
comment), and each change the audit log holds for it (who, when, which fields)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from storage.models import AuditEntry, Person, TransitionLog
from workflows.engine.lifecycle_index import LIFECYCLES


@dataclass(frozen=True)
class Move:
    at: datetime
    who: str  # a person's name, or "" for the system
    from_zh: str
    from_en: str
    to_zh: str
    to_en: str
    comment: str
    behalf: str = ""  # 代: the person a substitute acted for


@dataclass(frozen=True)
class Change:
    at: datetime
    who: str
    action: str  # insert | update | delete
    fields: tuple[str, ...]


def moves(session: Session, lifecycle: str, entity_ids: list[int]) -> list[Move]:
    states = {s.value: s for s in LIFECYCLES[lifecycle].states}
    rows = session.exec(select(TransitionLog).where(TransitionLog.lifecycle == lifecycle,
                                                    TransitionLog.entity_id.in_(entity_ids))
                        .order_by(TransitionLog.id.desc())).all()
    for_ids = {r.on_behalf_of_id for r in rows if r.on_behalf_of_id}
    behalf = dict(session.exec(select(Person.id, Person.name).where(Person.id.in_(for_ids))).all()) if for_ids else {}
    return [Move(r.at, r.actor.split(":", 1)[-1] if r.person_id else "", states[r.from_state].zh,
                 states[r.from_state].en, states[r.to_state].zh, states[r.to_state].en, r.comment,
                 behalf.get(r.on_behalf_of_id or 0, "")) for r in rows]


def changes(session: Session, table: str, entity_id: int, limit: int = 50) -> list[Change]:
    rows = session.exec(select(AuditEntry).where(AuditEntry.entity == table, AuditEntry.entity_id == str(entity_id))
                        .order_by(AuditEntry.seq.desc()).limit(limit)).all()
    logins = {r.actor.split(":", 1)[-1] for r in rows}
    names = dict(session.exec(select(Person.username, Person.name).where(Person.username.in_(logins))).all())

    def who(actor: str) -> str:  # "web:wangjg" → 王建国; the system and scripts keep their own label
        login = actor.split(":", 1)[-1]
        return names.get(login, login)
    return [Change(r.at, who(r.actor), r.action,
                   tuple(k for k in (r.after or r.before or {}) if k not in ("id", "version", "enterprise_id")))
            for r in rows]
