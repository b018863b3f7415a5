"""People and their logins (4.2/4.3): add a user, reset a password, disable an account, assign roles."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request

from forms import clauses
from steward.web import fields
from steward.web.render import export_link, lang_of, page, pager, redirect, unit, write, xlsx_stream
from storage.models import Enterprise
from storage.vocab import Role
from workflows.people import directory, logins, organisation, role_changes

router = APIRouter()


@router.get("/people")
def people(request: Request, q: str = "", department: str = "", role: str = "", status: str = "",
           page_no: int = Query(1, alias="page")):
    """Those who keep the list find a person here; each one's roles are changed on their own page."""
    f = directory.Filters(q=q, department=department, role=role, status=status)

    def read(s, a):
        rows, at = directory.listing(s, a, f, page_no)
        return {"people": rows, "pager": pager(request, at), "f": f, "export": export_link(request, "/people.xlsx"),
                **organisation.structure(s, a)}
    return page(request, "people/people.html", {**unit(request, read, page="/people"), "roles": list(Role),
                                         "duties_catalogue": [c for c in clauses.catalogue() if c.id.startswith("4.")
                                                              and c.kind != "chapter"]})


@router.get("/people.xlsx")
def export(request: Request, q: str = "", department: str = "", role: str = "", status: str = ""):
    f = directory.Filters(q=q, department=department, role=role, status=status)
    title, out = unit(request, lambda s, a: directory.export(s, a, f, lang_of(request)), page="/people")
    return xlsx_stream(title, out)


@router.get("/people/{key}")
def person(request: Request, key: str):
    """One person: their department, their roles (changed here, countersigned where the rules say), their login."""
    def read(s, a):
        return {**directory.person(s, a, key), "departments": directory.departments(s, a)}
    return page(request, "people/person.html", {**unit(request, read, page="/people"), "roles": list(Role)})


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
    return redirect(request, f"/people/{username}")


@router.post("/people/{username}/disable")
def disable(request: Request, username: str, csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: logins.disable(s, a, username))
    return redirect(request, f"/people/{username}")


@router.post("/people/{username}/roles")
def roles(request: Request, username: str, roles: list[str] = Form(...), reason: str = Form(""),
          csrf_token: str = Form("")):
    change = write(request, csrf_token, lambda s, a: (lambda c: c.state)(logins.set_roles(s, a, username, roles,
                                                                                          reason)))
    return redirect(request, "/role-changes" if change == "pending" else f"/people/{username}")


@router.get("/role-changes")
def role_change_list(request: Request):
    """Every role change of the enterprise, newest first; top management countersigns the pending ones here."""
    return page(request, "people/role_changes.html",
                {"changes": unit(request, role_changes.history, page="/role-changes")})


@router.post("/people/{username}/enable")
def enable(request: Request, username: str, password: str = Form(""), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: logins.enable(s, a, username, password))
    return redirect(request, f"/people/{username}")


@router.post("/people/{username}/department")
def move(request: Request, username: str, department: str = Form(""), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: logins.move(s, a, username, department))
    return redirect(request, f"/people/{username}")
