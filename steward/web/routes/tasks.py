"""My tasks."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request

from steward.web.render import page, unit
from workflows.document import open_tasks

router = APIRouter()


@router.get("/tasks")
def tasks(request: Request):
    return page(request, "tasks.html", {"tasks": unit(request, open_tasks, page="/tasks"), "today": date.today()})
