"""JSON API for integrations (OpenAPI at /api/docs), authenticated with a bearer token that a carbon
manager issues under Settings with a scope: read only, or read and push activity data. An energy
online-monitoring system pushes meter data here; it goes through exactly the checks of a spreadsheet import."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from steward.web import fields, jobs, security
from workflows.accounting import activity, readings, runs
from workflows.documents import document as docs
from workflows.engine import clock


class ActivityRow(BaseModel):
    period: str = Field(description="YYYY-MM", examples=["2026-01"])
    facility: str = Field("", description="设施代码 facility code; empty for the enterprise")
    category: str = Field(examples=["fuel_combustion"])
    material: str = Field(examples=["bituminous_coal"])
    quantity: float
    unit: str = Field(examples=["t"])
    source: str = "measured"
    meter: str = ""
    evidence: str = ""


class ActivityPush(BaseModel):
    rows: list[ActivityRow]


class ReadingRow(BaseModel):
    meter: str = Field(examples=["M-W001"])
    time: str = Field(description="YYYY-MM-DD HH:MM, the start of the interval", examples=["2026-01-01 00:00"])
    amount: float = Field(description="what the meter counted over the interval, in its unit")
    counter: float | None = Field(None, description="表底数 the register, if kept; may never run backwards")
    unit: str = Field("", description="empty: the meter's own unit")


class ReadingPush(BaseModel):
    rows: list[ReadingRow] = Field(max_length=200_000)


router = APIRouter(prefix="/api/v1")


def _api(request: Request, fn, need: str = "read"):
    with request.app.state.ctx.unit_of_work("api") as session:
        actor = security.api_actor(request, session, need)
        session.info["actor"] = f"api:{actor.person.username}"
        return fn(session, actor)


@router.get("/me", tags=["account"])
def me(request: Request) -> dict:
    return _api(request, lambda s, a: {"username": a.person.username, "name": a.person.name,
                                       "enterprise_id": a.enterprise_id, "roles": sorted(a.roles)})


@router.get("/tasks", tags=["tasks"])
def tasks(request: Request) -> list[dict]:
    return _api(request, lambda s, a: [t.model_dump(mode="json") for t in docs.open_tasks(s, a)])


@router.get("/emissions/{year}", tags=["accounting"])
def emissions(request: Request, year: fields.Year) -> dict:
    def go(s, a):
        run = runs.year_run(s, a.enterprise_id, year)
        return {"year": year, "run": run.id, "library_version": run.library_version, **run.totals}
    return _api(request, go)


@router.post("/activity", tags=["accounting"], status_code=201)
def push_activity(request: Request, body: ActivityPush) -> dict:
    """Push monthly activity data; all rows are checked and stored together, or none is. Needs a token with the
    scope "activity" (read and push activity data): a read-only token is refused with 403. Rows in a year already
    accounted start its run again in the background: ``rerun`` names the job, polled at /api/v1/jobs/{id}."""
    records = [{**r.model_dump(), "evidence": r.evidence or f"API {clock.today()}"} for r in body.rows]
    years: set[int] = set()

    def go(s, a) -> tuple[int, int, list[int], str]:
        n = activity.enter(s, a, records, "API", years, request.app.state.ctx.files)
        return n, a.enterprise_id, runs.accounted(s, a.enterprise_id, years), a.person.username
    n, enterprise_id, accounted, username = _api(request, go, need="activity")
    job = jobs.rerun(request.app.state.ctx, "api", username, enterprise_id, accounted)
    return {"imported": n, "rerun": None if job is None else {"years": accounted, "job": job.id,
                                                              "status": f"/api/v1/jobs/{job.id}"}}


@router.get("/jobs/{job_id}", tags=["accounting"])
def job_status(request: Request, job_id: str) -> dict:
    """A background job's progress (a re-run a push started): step of total, in words, and the run when done."""
    job = _api(request, lambda s, a: jobs.get(job_id, a.enterprise_id))
    return {"job": job.id, "step": job.step, "total": job.total, "zh": job.zh, "en": job.en, "done": job.done,
            "result": job.result or None, "error": job.error.as_json() if job.error else None}


@router.post("/readings", tags=["accounting"], status_code=201)
def push_readings(request: Request, body: ReadingPush) -> dict:
    """Push meter readings (hourly or daily, per meter) from the energy-monitoring system. They meet exactly the
    checks of an uploaded file and are stored together or not at all; a refusal names each row at fault (row 2
    is the first pushed row, as in the file). The month's reconciliation findings come back. Needs a token with the
    scope "activity"."""
    store = request.app.state.ctx.files
    records = [r.model_dump() for r in body.rows]

    def go(s, a):
        done = readings.import_records(s, a, store, records, f"API {clock.today()}")
        return {"imported": done.batch.rows, "months": done.batch.months,
                "findings": [{"kind": f.kind, "zh": f.zh, "en": f.en} for f in done.findings]}
    return _api(request, go, need="activity")
