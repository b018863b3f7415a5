"""Shared steps for the audit, review and improvement tests: seed the demo plant, act as a user."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from steward import demo
from storage.models import Enterprise
from workflows import engine as wf

PW = demo.DEMO_PASSWORD


def seed(uow):
    with uow("demo-seed") as s:
        demo.seed(s)
    return uow


def act(uow, username, fn):
    """Run ``fn(session, actor)`` in one transaction as ``username``."""
    with uow(username) as s:
        return fn(s, wf.actor_for(s, username))


def plant_id(session) -> int:
    return session.exec(select(Enterprise.id).where(Enterprise.code == demo.PLANT)).one()


def this_year() -> int:
    return date.today().year
