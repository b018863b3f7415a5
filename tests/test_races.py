"""Twenty people (or workers) doing the same thing at the same moment, on SQLite and PostgreSQL: one of
them wins, the others hear "already on record" or "someone else changed it", and nothing is counted
twice or lost. No race ends in a crash."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from helpers import act, plant_id
from sqlmodel import Session, func, select

from storage.engine import unit_of_work
from storage.errors import StewardError
from storage.models import ActivityRecord, CorrectiveAction, ManagementReview, TransitionLog
from workflows.accounting import activity
from workflows.engine import clock
from workflows.engine import machine as wf
from workflows.improvement import nonconformity as ncs
from workflows.review import review as reviews

WRITERS = 20


def race(engine, username: str, fn) -> list[str]:
    """Run ``fn(session, actor, i)`` from twenty threads released together; each outcome is 'ok' or a code."""
    gate = threading.Barrier(WRITERS)

    def one(i: int) -> str:
        gate.wait()
        try:
            with unit_of_work(engine, f"test:{username}") as s:
                fn(s, wf.actor_for(s, username), i)
            return "ok"
        except StewardError as exc:
            assert exc.status < 500, exc
            return exc.code
    with ThreadPoolExecutor(WRITERS) as pool:
        return list(pool.map(one, range(WRITERS)))


def test_one_enterprise_level_month_is_entered_once(plant, engine):
    month = {"period": "2031-03", "facility": "", "category": "electricity_purchased", "material": "grid_electricity",
             "quantity": 1000, "unit": "MWh"}
    outcomes = race(engine, "lixf", lambda s, a, i: activity.enter(s, a, [month], "race"))
    assert outcomes.count("ok") == 1 and set(outcomes) <= {"ok", "duplicate", "import_invalid", "busy"}
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(ActivityRecord).where(
            ActivityRecord.period == date(2031, 3, 1), ActivityRecord.facility_id.is_(None))).one() == 1


def test_statements_typed_at_once_are_never_silently_lost(plant, engine):
    with plant("system:test") as s:
        review, _ = reviews.ensure(s, plant_id(s), clock.today().year)
        review_id = review.id
    items = reviews.INPUT_ITEMS
    outcomes = race(engine, "lixf", lambda s, a, i: reviews.state_input(
        s, a, s.get(ManagementReview, review_id), items[i % len(items)], f"说明 {i}"))
    assert "ok" in outcomes and set(outcomes) <= {"ok", "stale", "busy"}
    with Session(engine) as s:
        kept = s.get(ManagementReview, review_id).statements
    won = {i for i, o in enumerate(outcomes) if o == "ok"}
    assert set(kept) == {items[i % len(items)] for i in won}  # every success is there; every loser was told
    assert all(int(text.split()[1]) in won for text in kept.values())


def test_an_action_reported_done_twenty_times_at_once_moves_once(plant, engine):
    with plant("system:test") as s:
        nc = ncs.raise_nc(s, plant_id(s), source="audit", clause_id="8.3c", title="M-E021 检定过期", raised_by="zhaom")
        nc_id = nc.id
    act(plant, "lixf", lambda s, a: ncs.analyse(s, a, s.get(type(nc), nc_id), consequence="小", disposition="复核",
                                                root_cause="遗漏"))
    act(plant, "lixf", lambda s, a: ncs.plan(s, a, s.get(type(nc), nc_id), [
        {"kind": "corrective", "description": "送检", "owner": "lixf", "due": clock.today() + timedelta(days=9)}]))
    with Session(engine) as s:
        action_id = s.exec(select(CorrectiveAction.id).where(CorrectiveAction.nonconformity_id == nc_id)).one()
    outcomes = race(engine, "lixf", lambda s, a, i: ncs.complete_action(s, a, s.get(CorrectiveAction, action_id),
                                                                        f"送检合格 {i}"))
    assert outcomes.count("ok") == 1 and set(outcomes) <= {"ok", "stale", "busy", "done", "guard", "illegal_transition"}
    with Session(engine) as s:
        moves = s.exec(select(func.count()).select_from(TransitionLog).where(
            TransitionLog.lifecycle == "corrective_action", TransitionLog.entity_id == action_id)).one()
        implemented = s.exec(select(func.count()).select_from(TransitionLog).where(
            TransitionLog.lifecycle == "nonconformity", TransitionLog.entity_id == nc_id,
            TransitionLog.trigger == "implement")).one()
    assert moves == 1 and implemented == 1
