"""Passwords as an attacker would try them: guesses in parallel, guesses through the signature box, names
that do not exist, and many names from one address. Each attempt is kept; five failures lock sign-in and
signing alike; twenty failed sign-ins refuse the address they came from."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from helpers import csrf
from sqlmodel import Session, func, select

from steward.context import Context
from steward.demo import DEMO_PASSWORD as PW
from steward.settings import load
from steward.web.app import create_app
from storage.engine import unit_of_work
from storage.errors import StewardError
from storage.models import LoginAttempt
from workflows.documents import document as docs
from workflows.engine import machine as wf
from workflows.engine.credentials import ADDRESS_LIMIT, LOCK_AFTER, set_password


@pytest.fixture
def ctx(plant, db_url, tmp_path):
    return Context(load({"STEWARD_HOME": str(tmp_path / "home"), "STEWARD_DATABASE_URL": db_url}))


def outcome(ctx: Context, username: str, password: str, signing: bool = False, address: str | None = None) -> str:
    try:
        ctx.check_password(username, password, signing=signing, address=address)
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
    with ctx.unit_of_work("test") as s:  # a real person's password, hashed at full cost
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


GUESSER, NEIGHBOUR = "203.0.113.7", "198.51.100.2"


def kept_from(engine, address: str) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.address == address)).one()


def earlier(engine, address: str, minutes: int) -> None:
    """Time passes for one address's attempts."""
    with unit_of_work(engine, "test") as s:
        for row in s.exec(select(LoginAttempt).where(LoginAttempt.address == address)):
            row.at -= timedelta(minutes=minutes)
            s.add(row)


def sign_in_from(client: TestClient, username: str, password: str):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf(client)},
                       follow_redirects=False)


def test_one_address_guessing_many_names_is_refused_for_a_while_by_every_worker(ctx, engine, db_url, tmp_path):
    """Twenty failures from one address, never five on one name (so no account locks), half through each of two
    workers (each its own engine, as two processes have): that address is then refused, the right password too,
    with when to try again in the person's language; another address signs in; a refused try is not kept."""
    other = Context(load({"STEWARD_HOME": str(tmp_path / "home"), "STEWARD_DATABASE_URL": db_url}))
    workers = [TestClient(create_app(c), client=(GUESSER, 50000)) for c in (ctx, other)]
    names = ["yangf", "wangjg", "nosuchuser", "admin", "root", "lixf", "test"]
    for i in range(ADDRESS_LIMIT):
        guess = sign_in_from(workers[i % 2], names[i % len(names)], f"guess-{i}")
        assert guess.status_code == 401 and "用户名或密码错误" in guess.text
    refused = sign_in_from(workers[0], "zhaom", PW)
    assert refused.status_code == 429 and "此地址登录失败次数过多，请 15 分钟后再试" in refused.text
    workers[1].get("/lang/en")
    assert "Too many failed sign-ins from this address; try again in 15 minutes" in sign_in_from(
        workers[1], "zhaom", PW).text
    assert sign_in_from(TestClient(create_app(ctx), client=(NEIGHBOUR, 50000)), "zhaom", PW).status_code == 303
    assert kept_from(engine, GUESSER) == ADDRESS_LIMIT
    earlier(engine, GUESSER, 10)
    assert "try again in 5 minutes" in sign_in_from(workers[1], "zhaom", PW).text
    earlier(engine, GUESSER, 6)
    assert sign_in_from(workers[0], "zhaom", PW).status_code == 303  # the window has passed


def test_parallel_guesses_from_one_address_cannot_outrun_its_count(ctx, engine):
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: outcome(ctx, f"user{i}", "guess", address=GUESSER), range(ADDRESS_LIMIT + 6)))
    assert results.count("bad_login") == ADDRESS_LIMIT and results.count("address_throttled") == 6
    assert kept_from(engine, GUESSER) == ADDRESS_LIMIT
    assert outcome(ctx, "yangf", PW, signing=True) == "ok"  # a signature names its person, not an address
