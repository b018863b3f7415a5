"""Helpers shared by tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_steward(args: list[str], env: dict, check: bool = False) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "steward", *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"steward {' '.join(args)} failed: {result.stderr}")
    return result


def act(uow, username, fn):
    """Run ``fn(session, actor)`` in one transaction as ``username``."""
    from workflows import engine as wf
    with uow(username) as s:
        return fn(s, wf.actor_for(s, username))


def plant_id(session) -> int:
    from sqlmodel import select

    from steward import demo
    from storage.models import Enterprise
    return session.exec(select(Enterprise.id).where(Enterprise.code == demo.PLANT)).one()


def this_year() -> int:
    from datetime import date
    return date.today().year


def csrf(client, path: str = "/login") -> str:
    """The CSRF token a page's form carries, as a browser would send it back."""
    import re
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def sign_in(client, username: str, password: str | None = None):
    from steward.demo import DEMO_PASSWORD
    return client.post("/login", data={"username": username, "password": password or DEMO_PASSWORD,
                                       "csrf_token": csrf(client)}, follow_redirects=False)


def as_user(web, username: str, password: str | None = None):
    """A new browser-like client of the same app, signed in as ``username``."""
    from fastapi.testclient import TestClient
    client = TestClient(web.app)
    response = sign_in(client, username, password)
    assert response.status_code == 303, response.text
    return client
