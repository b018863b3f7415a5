"""The People list as those who keep it use it: search by name, code or login, filter by department, role or
whether the account is in use, a page at a time; and one person's own page, where their roles are changed
(through the role-change rules: a signing role waits for top management's countersignature)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from sqlmodel import Session, func, or_, select

from storage.errors import NotFound
from storage.models import Department, Person, RoleAssignment, RoleChange
from storage.vocab import Role
from workflows.engine import exports, paging
from workflows.engine.machine import Actor, require_role
from workflows.people import role_changes

KEEPERS = ("carbon_manager", "administrator")


@dataclass(frozen=True)
class Filters:
    q: str = ""
    department: str = ""  # a department's code
    role: str = ""
    status: str = ""  # "" | active | disabled | no_login


def _query(actor: Actor, f: Filters, counting: bool = False):
    query = (select(func.count(Person.id)) if counting else select(Person)) \
        .where(Person.enterprise_id == actor.enterprise_id)
    if f.q.strip():
        needle = f.q.strip().lower()
        query = query.where(or_(*[func.lower(c).contains(needle, autoescape=True)
                                  for c in (Person.name, Person.code, Person.username)]))
    if f.department:
        query = query.where(Person.department_id == select(Department.id).where(
            Department.enterprise_id == actor.enterprise_id, Department.code == f.department).scalar_subquery())
    if f.role:
        query = query.where(Person.id.in_(select(RoleAssignment.person_id).where(
            RoleAssignment.enterprise_id == actor.enterprise_id, RoleAssignment.role == f.role)))
    if f.status == "active":
        query = query.where(Person.active.is_(True), Person.username.is_not(None))
    elif f.status == "disabled":
        query = query.where(Person.active.is_(False))
    elif f.status == "no_login":
        query = query.where(Person.username.is_(None))
    return query if counting else query.order_by(Person.code)


def _roles(session: Session, actor: Actor, ids: list[int]) -> dict[int, list[str]]:
    held: dict[int, list[str]] = {}
    for person_id, role in session.exec(select(RoleAssignment.person_id, RoleAssignment.role).where(
            RoleAssignment.enterprise_id == actor.enterprise_id, RoleAssignment.person_id.in_(ids))):
        held.setdefault(person_id, []).append(role)
    return {k: sorted(v) for k, v in held.items()}


def listing(session: Session, actor: Actor, f: Filters, number: int | None = 1,
            size: int = paging.SIZE) -> tuple[list[tuple[Person, list[str]]], paging.Page]:
    """One page of the people found, each with the roles they hold."""
    require_role(actor, KEEPERS, "查看人员名单", "Viewing the people list")
    rows, at = paging.fetch(session, _query(actor, f), number, size, count=_query(actor, f, True))
    held = _roles(session, actor, [p.id for p in rows])
    return [(p, held.get(p.id, [])) for p in rows], at


def departments(session: Session, actor: Actor) -> list[Department]:
    return list(session.exec(select(Department).where(Department.enterprise_id == actor.enterprise_id)
                             .order_by(Department.code)).all())


def person(session: Session, actor: Actor, key: str) -> dict:
    """One person (by login, else by staff code) with their roles and their pending role change, if any."""
    require_role(actor, KEEPERS, "查看人员", "Viewing a person")
    found = session.exec(select(Person).where(Person.enterprise_id == actor.enterprise_id, or_(
        Person.username == key, Person.code == key))).first()
    if found is None:
        raise NotFound("person", f"本企业没有 {key}", f"No one here is {key}")
    pending = session.exec(select(RoleChange).where(RoleChange.person_id == found.id,
                                                    RoleChange.state == "pending")).first()
    department = session.get(Department, found.department_id) if found.department_id else None
    return {"person": found, "held": role_changes.roles_of(session, found), "pending": pending,
            "department": department, "is_me": found.id == actor.person.id}


def _every(session: Session, actor: Actor, f: Filters) -> Iterator[tuple[Person, list[str]]]:
    batch: list[Person] = []
    for p in session.exec(_query(actor, f).execution_options(yield_per=500)):
        batch.append(p)
        if len(batch) == 500:
            yield from _with_roles(session, actor, batch)
            batch = []
    yield from _with_roles(session, actor, batch)


def _with_roles(session: Session, actor: Actor, batch: list[Person]) -> Iterator[tuple[Person, list[str]]]:
    held = _roles(session, actor, [p.id for p in batch]) if batch else {}
    for p in batch:
        yield p, held.get(p.id, [])


def export(session: Session, actor: Actor, f: Filters, lang: str) -> tuple[str, IO[bytes]]:
    """The people found, every page, as a workbook in the reader's language: names of departments and roles."""
    require_role(actor, KEEPERS, "导出人员名单", "Exporting the people list")
    en = lang == "en"
    names = {d.id: d.name for d in departments(session, actor)}
    labels = {r.value: (r.en if en else r.zh) for r in Role}
    title = "People" if en else "人员名单"
    headers = (["Code", "Name", "Login", "Department", "Position", "Roles", "Account"] if en else
               ["编号", "姓名", "用户名", "部门", "岗位", "角色", "账号"])

    def account(p: Person) -> str:
        if not p.username:
            return "No login" if en else "无登录账号"
        return ("In use" if en else "使用中") if p.active else ("Disabled" if en else "已停用")
    rows = ([p.code, p.name, p.username or "", names.get(p.department_id, "") if p.department_id else "", p.position,
             "、".join(labels.get(r, r) for r in held) if not en else ", ".join(labels.get(r, r) for r in held),
             account(p)] for p, held in _every(session, actor, f))
    return title, exports.spooled(title, headers, rows)
