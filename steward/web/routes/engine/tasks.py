"""My tasks, or my department's for its head (every one for a carbon manager): each links to the page where it
is done; who stands in for whom while away, and a task handed to someone else with a reason."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request

from steward.web import fields
from steward.web.render import export_link, lang_of, local, page, pager, redirect, unit, write, xlsx_stream
from workflows.engine import delegation, lookup
from workflows.engine import tasks as inbox

router = APIRouter()


@router.get("/tasks.xlsx")
def export(request: Request, scope: str = "mine"):
    title, out = unit(request, lambda s, a: inbox.export(s, a, scope, lang_of(request)), page="/tasks")
    return xlsx_stream(title, out)


@router.get("/tasks")
def tasks(request: Request, scope: str = "mine", page_no: int = Query(1, alias="page")):
    def read(s, a):
        items, at = inbox.inbox(s, a, scope, page_no)
        users = lookup.users(s, a.enterprise_id)
        is_head = bool(a.roles & set(inbox.HEADS))
        return {"items": items, "pager": pager(request, at), "scope": scope, "is_head": is_head,
                "export": export_link(request, "/tasks.xlsx"),
                "is_manager": bool(a.roles & set(inbox.MANAGERS)), "me": a.person,
                "handovers": delegation.handovers(s, [i.task.id for i in items]),
                "standins": delegation.listing(s, a), "done_for": delegation.done_for(s, a), "users": users,
                "absentees": [p for p in users if delegation.may_name_for(a, p)]}
    return page(request, "engine/tasks.html", unit(request, read, page="/tasks"))


@router.post("/delegations")
def name_substitute(request: Request, person: str = Form(""), substitute: str = Form(""), starts: str = Form(""),
                    ends: str = Form(""), reason: str = Form(""), csrf_token: str = Form("")):
    def go(s, a):
        delegation.require_may_delegate(a)  # before the dates: a read-only role hears that, not a date's format
        return delegation.name(s, a, person, substitute, fields.day(starts, "starts"), fields.day(ends, "ends"), reason)
    write(request, csrf_token, go)
    return redirect(request, "/tasks#standins")


@router.post("/delegations/{delegation_id}/withdraw")
def withdraw(request: Request, delegation_id: fields.Id, csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: delegation.withdraw(s, a, delegation_id))
    return redirect(request, "/tasks#standins")


@router.post("/tasks/{task_id}/reassign")
def reassign(request: Request, task_id: fields.Id, assignee: str = Form(""), reason: str = Form(""),
             back: str = Form("/tasks"), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: delegation.reassign(s, a, task_id, assignee, reason))
    return redirect(request, local(back, "/tasks"))
