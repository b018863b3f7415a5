"""Long work off the request thread, with progress a page can poll (htmx every half second).

In-process and in memory: enough for one web process on the embedded default; a job's result (a
stored accounting run) lives in the database, only its progress is kept here.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from storage.errors import NotFound, StewardError


@dataclass
class Job:
    id: str
    enterprise_id: int
    step: int = 0
    total: int = 1
    zh: str = "排队中"
    en: str = "Queued"
    done: bool = False
    result: str = ""
    error: StewardError | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def percent(self) -> int:
        return int(100 * self.step / max(self.total, 1))


_jobs: dict[str, Job] = {}


def start(enterprise_id: int, work: Callable[[Callable], str]) -> str:
    job = Job(secrets.token_urlsafe(16), enterprise_id)
    _jobs[job.id] = job

    def progress(step: int, total: int, zh: str, en: str) -> None:
        with job.lock:
            job.step, job.total, job.zh, job.en = step, total, zh, en

    def run() -> None:
        try:
            job.result = work(progress)
        except StewardError as exc:
            job.error = exc
        except Exception:  # shown on the page with a reference, the details kept in the log
            reference = secrets.token_hex(4).upper()
            logging.getLogger("steward.web").exception("background job failed %s", reference)
            job.error = StewardError("job_failed", f"任务失败，未写入任何数据。参考编号 {reference}",
                                     f"The job failed and nothing was written. Reference {reference}", status=500)
        finally:
            job.done = True
    threading.Thread(target=run, daemon=True).start()
    return job.id


def get(job_id: str, enterprise_id: int) -> Job:
    """A job of this enterprise; another enterprise's id is simply not found."""
    job = _jobs.get(job_id)
    if job is None or job.enterprise_id != enterprise_id:
        raise NotFound("job", "没有该任务", "No such job")
    return job


def rerun(ctx, who: str, username: str, enterprise_id: int, years: list[int]) -> Job | None:
    """New data in an accounted year (an import, an entry, a measured value, from a page or the API) starts that
    year's run again in the background, as ``who`` (web:…, api:…); None when no accounted year changed."""
    if not years:
        return None
    from workflows.accounting import runs
    from workflows.engine import machine

    def work(progress) -> str:
        with ctx.unit_of_work(f"{who}:{username}") as s:
            return f"/accounting?run={runs.rerun(s, machine.actor_for(s, username), years, progress=progress).id}"
    return get(start(enterprise_id, work), enterprise_id)
