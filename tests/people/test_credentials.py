"""Passwords as an attacker would try them: guesses in parallel, guesses through the signature box, and
names that do not exist. Each attempt is kept; five failures lock sign-in and signing alike."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, func, select

from steward.context import Context
from steward.demo import DEMO_PASSWORD as PW
from steward.settings import load
from storage.errors import StewardError
from storage.models import LoginAttempt
from workflows.documents import document as docs
from workflows.engine import machine as wf
from workflows.engine.credentials import LOCK_AFTER, set_password


@pytest.fixture
def ctx(plant, db_url, tmp_path):
    return Context(load({"STEWARD_HOME": str(tmp_path / "home"), "STEWARD_DATABASE_URL": db_url}))


def outcome(ctx: Context, username: str, password: str, signing: bool = False) -> str:
    try:
        ctx.check_password(username, password, signing=signing)
        return "ok"
    except StewardError as exc:
        return exc.code


def test_parallel_guesses_cannot_outrun_the_lockout(ctx, engine):
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: outcome(ctx, "yangf", f"guess-{i}"), range(24)))
    assert results.count("bad_login") == LOCK_AFTER and results.count("locked") == 24 - LOCK_AFTER
    assert outcome(ctx, "yangf", PW) == "locked"  # the right password too, until the window passes
    with Session(engine) as s:
        kept = s.exec(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == "yangf")).one()
    assert kept == LOCK_AFTER


def test_wrong_signature_passwords_lock_the_account_and_a_locked_account_cannot_sign(ctx, engine):
    for _ in range(LOCK_AFTER):
        assert outcome(ctx, "wangjg", "not-my-password", signing=True) == "wrong_password"
    assert outcome(ctx, "wangjg", PW) == "locked"  # signing guesses count towards sign-in
    with ctx.unit_of_work("test") as s:
        actor = wf.actor_for(s, "lixf")
        doc, rev = docs.create(s, actor, doc_type="procedure", title="碳排放管理制度")
        rev.file_sha256 = "0" * 64
        rev.state = "approved"  # the test sets up a row; code outside the engine never does
        s.add(rev)
    with pytest.raises(StewardError) as err, ctx.unit_of_work("test") as s:
        wf.fire(s, docs.LIFECYCLE, docs.get_revision(s, wf.actor_for(s, "wangjg"), doc.number), "issue",
                wf.actor_for(s, "wangjg"), password=PW)
    assert err.value.code == "locked"


def test_an_unknown_name_costs_as_long_as_a_known_one(ctx):
    with ctx.unit_of_work("test") as s:  # a real person's password, hashed at full cost (demo users' are light)
        for name in ("lixf", "zhaom"):
            set_password(s, wf.actor_for(s, name).person, "Kiln-clinker-2026!")

    def cost(username: str) -> float:
        start = time.perf_counter()
        for i in range(3):
            outcome(ctx, username, f"wrong-{i}")
        return time.perf_counter() - start
    cost("lixf"), cost("nobody")  # warm up both paths
    known, unknown = cost("zhaom"), cost("nosuchuser")
    assert 0.5 < unknown / known < 2, (known, unknown)
