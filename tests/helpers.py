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
