"""My tasks, or my department's for its head: each links to the page where it is done."""

from __future__ import annotations

from fastapi import APIRouter, Request

from steward.web.render import page, unit
from workflows import tasks as inbox

router = APIRouter()


@router.get("/tasks")
def tasks(request: Request, scope: str = "mine"):
    def read(s, a):
        return {"items": inbox.inbox(s, a, scope), "scope": scope, "is_head": bool(a.roles & set(inbox.HEADS))}
    return page(request, "tasks.html", unit(request, read, page="/tasks"))
