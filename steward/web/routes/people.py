"""People and their logins (4.2/4.3): add a user, reset a password, disable an account, assign roles."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from steward.web.render import page, redirect, unit, write
from storage.vocab import Role
from workflows import accounts, organisation

router = APIRouter()


@router.get("/people")
def people(request: Request):
    rows = unit(request, organisation.people, page="/people")
    return page(request, "people.html", {"people": rows, "roles": list(Role)})


@router.post("/people/add")
def add(request: Request, code: str = Form(...), name: str = Form(...), username: str = Form(...),
        password: str = Form(...), roles: list[str] = Form(...), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: accounts.add(s, a, enterprise_id=a.enterprise_id, code=code.strip(),
                                                         name=name.strip(), username=username.strip(),
                                                         password=password, roles=roles))
    return redirect(request, "/people")


@router.post("/people/{username}/password")
def reset(request: Request, username: str, password: str = Form(...), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: accounts.reset_password(s, a, username, password))
    return redirect(request, "/people")


@router.post("/people/{username}/disable")
def disable(request: Request, username: str, csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: accounts.disable(s, a, username))
    return redirect(request, "/people")


@router.post("/people/{username}/roles")
def roles(request: Request, username: str, roles: list[str] = Form(...), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: accounts.set_roles(s, a, username, roles))
    return redirect(request, "/people")
