"""My tasks, or my department's for its head: each links to the page where it is done."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from steward.web.render import page, pager, unit
from workflows.engine import tasks as inbox

router = APIRouter()


@router.get("/tasks")
def tasks(request: Request, scope: str = "mine", page_no: int = Query(1, alias="page")):
    def read(s, a):
        items, at = inbox.inbox(s, a, scope, page_no)
        return {"items": items, "pager": pager(request, at), "scope": scope,
                "is_head": bool(a.roles & set(inbox.HEADS))}
    return page(request, "engine/tasks.html", unit(request, read, page="/tasks"))
