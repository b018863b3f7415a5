"""Helpers shared by tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from workflows.engine import clock

ROOT = Path(__file__).resolve().parent.parent
# The installation's audit key for every test database: the seeded template is keyed with it, and every test's
# STEWARD_HOME holds it, as a copied installation's home would.
AUDIT_KEY = "test-audit-key-" + "k" * 48


def keep_audit_key(home: Path) -> None:
    import os
    home.mkdir(parents=True, exist_ok=True)
    path = home / "audit_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(AUDIT_KEY)


def run_steward(args: list[str], env: dict, check: bool = False, stdin: str | None = None,
                in_process: bool = True) -> subprocess.CompletedProcess:
    """``steward ARGS`` as a user would type it: exit code, stdout and stderr. In this process by default
    (the same command tree, environment and error rendering as ``python -m steward``, without paying the
    imports again each time); ``in_process=False`` for commands that must own their process (Prefect)."""
    if in_process:
        result = _invoke(args, env, stdin)
    else:
        result = subprocess.run([sys.executable, "-m", "steward", *args], env=env, cwd=ROOT, input=stdin,
                                capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"steward {' '.join(args)} failed: {result.stderr}")
    return result


def _invoke(args: list[str], env: dict, stdin: str | None) -> subprocess.CompletedProcess:
    import os

    from typer.testing import CliRunner

    from steward.cli.main import app, describe
    from steward.context import Context
    from storage.errors import StewardError

    made: list[Context] = []
    original = Context.__dict__["from_env"]
    load = original.__func__

    def tracked(cls):
        made.append(load(cls))
        return made[-1]

    overrides: dict[str, str | None] = {k: None for k in os.environ if k not in env}  # as a fresh process sees it
    overrides.update(env)
    Context.from_env = classmethod(tracked)
    try:
        result = CliRunner().invoke(app, args, input=stdin, env=overrides,
                                    catch_exceptions=True)
    finally:
        Context.from_env = original
        for ctx in made:  # each command's engine goes with it, as it would with its process
            if "engine" in ctx.__dict__:
                ctx.engine.dispose()
    code, err = result.exit_code, result.stderr
    if isinstance(result.exception, StewardError):
        code, err = 2, err + "".join(line + "\n" for line in describe(result.exception))
    elif result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback
        err += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(["steward", *args], code, result.stdout, err)


def act(uow, username, fn):
    """Run ``fn(session, actor)`` in one transaction as ``username``."""
    from workflows.engine import machine as wf
    with uow(username) as s:
        return fn(s, wf.actor_for(s, username))


def plant_id(session) -> int:
    from sqlmodel import select

    from steward import demo
    from storage.models import Enterprise
    return session.exec(select(Enterprise.id).where(Enterprise.code == demo.PLANT)).one()


def this_year() -> int:
    return clock.today().year


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


def year_in_progress(uow, year: int = 2026, months: tuple[int, ...] = (1, 2), scale: float = 0.98) -> int:
    """Two months into a new year on the demo plant: the same months of the year before, every quantity
    times ``scale``, entered as the carbon manager enters them, and the year accounted. Returns the run's id."""
    from sqlmodel import select

    from storage.models import ActivityRecord, Facility, Meter
    from workflows.accounting import activity, runs

    def copy(s, a):
        places = {f.id: f.code for f in s.exec(select(Facility).where(Facility.enterprise_id == a.enterprise_id))}
        meters = {m.id: m.code for m in s.exec(select(Meter).where(Meter.enterprise_id == a.enterprise_id))}
        rows = []
        for m in months:
            for r in s.exec(select(ActivityRecord).where(ActivityRecord.enterprise_id == a.enterprise_id,
                                                         ActivityRecord.period == r_period(year - 1, m))).all():
                rows.append({"period": f"{year}-{m:02d}", "facility": places.get(r.facility_id, ""),
                             "category": r.category, "material": r.material, "quantity": r.quantity * scale,
                             "unit": r.unit, "source": r.source, "meter": meters.get(r.meter_id, ""),
                             "evidence": f"生产月报 {year}-{m:02d}"})
        assert rows, "the year before has those months"
        return activity.enter(s, a, rows, f"{year} in progress")
    act(uow, "lixf", copy)
    return act(uow, "lixf", lambda s, a: runs.run_as(s, a, year).id)


def r_period(year: int, month: int):
    from datetime import date
    return date(year, month, 1)


def months_of(session, year: int, months=(1, 2), process: str | None = None) -> float:
    """Emissions over those months computed line by line from the activity data, apart from the totals the
    pages read: the independent check of a like-for-like figure."""
    from workflows.accounting import calculation
    _, lines, _ = calculation.compute(session, plant_id(session), year)
    return sum(x["tco2"] for x in lines if x["kind"] in ("direct", "indirect", "exported", "recovered")
               and int(x["period"][5:7]) in months and (process is None or x["process"] == process))


def pct(now: float, then: float) -> float:
    return round((now / then - 1) * 100, 1)


POWER_YEAR = 2022
POWER_COAL_T = {1: 152_000, 2: 128_500, 3: 140_200, 4: 118_900, 5: 121_300}  # May: generation but no coal entered below
POWER_GENERATED = {1: 368_400, 2: 310_200, 3: 339_800, 4: 287_600, 5: 295_100}


def power_plant(uow) -> int:
    """Issue 31. The demo enterprise as a coal-fired plant: five months of 2022 (May's coal missing), batches
    measured in January and February (March on: none), and purchased electricity for start-up."""
    from datetime import date

    from storage.models import ActivityRecord, Enterprise
    from workflows.accounting import calculation
    with uow("test") as s:
        eid = plant_id(s)
        ent = s.get(Enterprise, eid)
        ent.industry = "power"
        s.add(ent)
        from sqlmodel import select

        from storage.models import EtsProfile
        for profile in s.exec(select(EtsProfile).where(EtsProfile.enterprise_id == eid)):
            profile.sector = "power"  # a power plant is on the national list as power
            s.add(profile)
        for month in range(1, 6):
            day = date(POWER_YEAR, month, 1)
            rows = [("production", "electricity", POWER_GENERATED[month], "MWh"),
                    ("production", "electricity_supplied", round(POWER_GENERATED[month] * 0.935, 1), "MWh"),
                    ("electricity_purchased", "grid_electricity", 850.0, "MWh")]
            if month != 5:
                rows.append(("fuel_combustion", "bituminous_coal", POWER_COAL_T[month], "t"))
            for category, material, qty, unit in rows:
                s.add(ActivityRecord(enterprise_id=eid, period=day, category=category, material=material, quantity=qty,
                                     unit=unit))
    batches = [(date(POWER_YEAR, 1, 8), "ncv", 21.30, "GJ/t", 70_000), (date(POWER_YEAR, 1, 22), "ncv", 20.10, "GJ/t", 82_000),
               (date(POWER_YEAR, 1, 8), "carbon_element", 0.5650, "tC/t", 70_000),
               (date(POWER_YEAR, 1, 22), "carbon_element", 0.5310, "tC/t", 82_000),
               (date(POWER_YEAR, 2, 15), "ncv", 20.80, "GJ/t", 128_500), (date(POWER_YEAR, 2, 15), "carbon_element", 55.2, "%", 128_500)]
    for day, parameter, value, unit, batch in batches:
        act(uow, "lixf", lambda s, a, day=day, parameter=parameter, value=value, unit=unit, batch=batch:
            calculation.add_measured_factor(s, a, parameter=parameter, material="bituminous_coal", value=value, unit=unit,
                                            valid_from=day, valid_to=day, evidence=f"入厂煤化验 {day}",
                                            batch_quantity=batch, batch_unit="t"))
    return eid
