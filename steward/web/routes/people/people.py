"""People and their logins (4.2/4.3): add a user, reset a password, disable an account, assign roles."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from forms import clauses
from steward.web import fields
from steward.web.render import page, redirect, unit, write
from storage.models import Enterprise
from storage.vocab import Role
from workflows.people import logins, organisation, role_changes

router = APIRouter()


@router.get("/people")
def people(request: Request):
    def read(s, a):
        return {"people": organisation.people(s, a), **organisation.structure(s, a)}
    return page(request, "people/people.html", {**unit(request, read, page="/people"), "roles": list(Role),
                                         "duties_catalogue": [c for c in clauses.catalogue() if c.id.startswith("4.")
                                                              and c.kind != "chapter"]})


@router.post("/people/add")
def add(request: Request, code: str = Form(...), name: str = Form(...), username: str = Form(...),
        password: str = Form(...), roles: list[str] = Form(...), department: str = Form(""),
        csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: logins.add(
        s, a, enterprise_id=a.enterprise_id, code=code.strip(), name=name.strip(), username=username.strip(),
        password=password, roles=roles, department_id=organisation.department_id(s, a, department)))
    return redirect(request, "/people")


@router.post("/people/departments")
def add_department(request: Request, code: str = Form(...), name: str = Form(...), parent: str = Form(""),
                   csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: organisation.add_as(
        s, a, "department", {"code": code.strip(), "name": name.strip(), "parent": parent or None}, _own(s, a)))
    return redirect(request, "/people#departments")


@router.post("/people/departments/{code}")
def change_department(request: Request, code: str, name: str = Form(""), parent: str = Form(""),
                      csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: organisation.change_department(s, a, code, name, parent or None))
    return redirect(request, "/people#departments")


@router.post("/people/duties")
def add_duty(request: Request, clause_id: str = Form(...), person: str = Form(""), department: str = Form(""),
             note: str = Form(""), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: organisation.add_as(
        s, a, "responsibility", {"clause_id": clause_id, "person": person or None, "department": department or None,
                                 "note": note}, _own(s, a)))
    return redirect(request, "/people#duties")


@router.post("/people/duties/{duty_id}/remove")
def remove_duty(request: Request, duty_id: fields.Id, csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: organisation.remove_responsibility(s, a, duty_id))
    return redirect(request, "/people#duties")


def _own(session, actor) -> str:
    return session.get(Enterprise, actor.enterprise_id).code


@router.post("/people/{username}/password")
def reset(request: Request, username: str, password: str = Form(...), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: logins.reset_password(s, a, username, password))
    return redirect(request, "/people")


@router.post("/people/{username}/disable")
def disable(request: Request, username: str, csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: logins.disable(s, a, username))
    return redirect(request, "/people")


@router.post("/people/{username}/roles")
def roles(request: Request, username: str, roles: list[str] = Form(...), reason: str = Form(""),
          csrf_token: str = Form("")):
    change = write(request, csrf_token, lambda s, a: (lambda c: c.state)(logins.set_roles(s, a, username, roles,
                                                                                          reason)))
    return redirect(request, "/role-changes" if change == "pending" else "/people")


@router.get("/role-changes")
def role_change_list(request: Request):
    """Every role change of the enterprise, newest first; top management countersigns the pending ones here."""
    return page(request, "people/role_changes.html",
                {"changes": unit(request, role_changes.history, page="/role-changes")})


@router.post("/people/{username}/enable")
def enable(request: Request, username: str, password: str = Form(""), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: logins.enable(s, a, username, password))
    return redirect(request, "/people")


@router.post("/people/{username}/department")
def move(request: Request, username: str, department: str = Form(""), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: logins.move(s, a, username, department))
    return redirect(request, "/people")
