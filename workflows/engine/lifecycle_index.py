"""Every lifecycle by name, how to find one of its rows, and the use case behind a trigger that does
more than move the state. The web's one transition route and the CLI go through ``fire`` here.

Each area registers its own lifecycles when its module is imported, so the index needs none of the
modules that use it; ``workflows.lifecycles`` imports them all where the whole list is needed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from storage.errors import NotFound, StewardError
from storage.files import FileStore
from workflows.engine import lookup, machine
from workflows.engine.machine import Actor, Lifecycle

LIFECYCLES: dict[str, Lifecycle] = {}
Finder = Callable[[Session, Actor, str], Any]
FINDERS: dict[str, Finder] = {}


@dataclass(frozen=True)
class Submission:
    """What a person sent with a trigger: the version they saw, a comment, the signing password."""

    version: int | None = None
    comment: str = ""
    password: str | None = None
    files: FileStore | None = None


def by_id(model, zh: str, en: str) -> Finder:
    """A finder for rows people name by their id, within the actor's enterprise."""
    def find(session: Session, actor: Actor, number: str):
        key = lookup.row_id(number)
        row = session.get(model, key) if key is not None else None
        if row is None or row.enterprise_id != actor.enterprise_id:
            raise NotFound(model.__tablename__, f"没有{zh} #{number}", f"No {en} #{number}")
        return row
    return find


COMMENT_FIELDS = ("note", "outcome", "summary")  # what use cases call the text a button's form sends as comment
Handler = Callable[[Session, Actor, Any, Submission], Any]
HANDLERS: dict[tuple[str, str], Handler] = {}


def register(lc: Lifecycle, find: Finder, handlers: dict[str, Handler] | None = None) -> None:
    """Put a lifecycle in the index with how to find its rows and the triggers that have their own use case."""
    LIFECYCLES[lc.name] = lc
    FINDERS[lc.name] = find
    for trigger, handler in (handlers or {}).items():
        HANDLERS[(lc.name, trigger)] = handler


def lifecycle(name: str) -> Lifecycle:
    if name not in LIFECYCLES:
        raise NotFound("lifecycle", f"没有这类记录：{name}", f"No such kind of record: {name}")
    return LIFECYCLES[name]


def fire(session: Session, actor: Actor, name: str, number: str, trigger: str, sub: Submission):
    """One trigger on one row, as the person who asked: found within their enterprise, then the
    trigger's own use case if it has one, else the engine (which checks role, guards and version)."""
    lc = lifecycle(name)
    t = lc.transition(trigger)
    row = FINDERS[name](session, actor, number)
    if (name, trigger) in HANDLERS:
        try:
            return HANDLERS[(name, trigger)](session, actor, row, sub)
        except StewardError as exc:
            if exc.field in COMMENT_FIELDS:  # the button's form calls it "comment": the error goes beside it
                exc.field = "comment"
            raise
    if not t.roles:
        raise StewardError("system_only", f"「{t.zh}」由系统自动执行", f"{t.en} happens automatically", status=403)
    return machine.fire(session, lc, row, trigger, actor, expected_version=sub.version, comment=sub.comment,
                       password=sub.password)
