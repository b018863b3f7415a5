"""Use cases for the organisation: add and look up enterprises and what belongs to them.

Each function validates, checks references stay inside one enterprise, and flushes; the caller's
unit of work commits (or rolls everything back) together with the audit-log entries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from forms.fields import from_validation
from forms.organisation import KINDS
from storage.errors import Conflict, NotFound, StewardError
from storage.models import (
    Department,
    Enterprise,
    Facility,
    Meter,
    Person,
    Process,
    Responsibility,
    RoleAssignment,
    Site,
)
from workflows.engine.credentials import check_password, hash_password, set_password  # noqa: F401  (re-exported)
from workflows.people import role_changes

if TYPE_CHECKING:
    from workflows.engine.machine import Actor

TABLES: dict[str, type[SQLModel]] = {
    "enterprise": Enterprise, "site": Site, "department": Department, "process": Process,
    "facility": Facility, "meter": Meter, "person": Person, "responsibility": Responsibility,
}
# reference field on the form → (table kind it points to, column on the row)
REFS = {
    "department": {"parent": ("department", "parent_id")},
    "process": {"site": ("site", "site_id")},
    "facility": {"process": ("process", "process_id")},
    "meter": {"facility": ("facility", "facility_id")},
    "person": {"department": ("department", "department_id")},
    "responsibility": {"person": ("person", "person_id"), "department": ("department", "department_id")},
}


def validate(kind: str, data: dict | BaseModel) -> BaseModel:
    if kind not in KINDS:
        raise StewardError("unknown_kind", f"未知的对象类型 {kind}，可选：{', '.join(KINDS)}",
                           f"Unknown kind {kind}; choose one of {', '.join(KINDS)}")
    model, zh, en = KINDS[kind]
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc, model, zh, en) from None


def enterprise(session: Session, ref: str | int) -> Enterprise:
    col = Enterprise.id if isinstance(ref, int) else Enterprise.code
    found = session.exec(select(Enterprise).where(col == ref)).first()
    if found is None:
        raise NotFound("enterprise_not_found", f"找不到企业 {ref}", f"Enterprise {ref} not found",
                       field="enterprise")
    return found


def resolve(session: Session, kind: str, ent: Enterprise, ref: str | int, field: str) -> SQLModel:
    """Find a row of ``kind`` by code or id within ``ent``. One of another enterprise is answered exactly like
    one that does not exist: naming its enterprise told a carbon manager who (and what) the others have."""
    table = TABLES[kind]
    zh_kind, en_kind = KINDS[kind][1], KINDS[kind][2]
    col = table.id if isinstance(ref, int) else table.code
    found = session.exec(select(table).where(col == ref, table.enterprise_id == ent.id)).first()
    if found is None:
        raise NotFound(f"{kind}_not_found", f"企业 {ent.code} 中没有{zh_kind} {ref}",
                       f"Enterprise {ent.code} has no {en_kind.lower()} {ref}", field=field)
    return found


def _flush(session: Session, zh: str, en: str) -> None:
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("integrity", zh, en) from None


def add(session: Session, kind: str, data: dict | BaseModel, *, enterprise_ref: str | int | None = None):
    """Validate and add one organisation entity; returns the new row."""
    form = validate(kind, data)
    values = form.model_dump()
    zh_kind, en_kind = KINDS[kind][1], KINDS[kind][2]
    if kind == "enterprise":
        if session.exec(select(Enterprise).where(Enterprise.code == form.code)).first():
            raise Conflict("duplicate_code", f"企业代码 {form.code} 已存在", f"Enterprise code {form.code} already exists",
                           field="code")
        parent = values.pop("parent")
        row = Enterprise(**values, parent_id=enterprise(session, parent).id if parent is not None else None)
        session.add(row)
        _flush(session, f"企业 {form.code} 未能保存", f"Enterprise {form.code} could not be saved")
        return row

    if enterprise_ref is None:
        raise StewardError("enterprise_required", f"添加{zh_kind}须指定企业", f"Adding a {en_kind.lower()} needs an enterprise",
                           field="enterprise")
    ent = enterprise(session, enterprise_ref)
    table = TABLES[kind]
    code = values.get("code")
    if code is not None and session.exec(
            select(table).where(table.enterprise_id == ent.id, table.code == code)).first():
        raise Conflict("duplicate_code", f"企业 {ent.code} 中{zh_kind}代码 {code} 已存在",
                       f"{en_kind} code {code} already exists in enterprise {ent.code}", field="code")
    for field, (target, column) in REFS.get(kind, {}).items():
        ref = values.pop(field)
        values[column] = resolve(session, target, ent, ref, field).id if ref is not None else None
    roles = values.pop("roles", [])
    if kind == "person" and form.username and session.exec(
            select(Person).where(Person.username == form.username)).first():
        raise Conflict("duplicate_username", f"登录名 {form.username} 已被使用",
                       f"Username {form.username} is taken", field="username")
    row = table(**values, enterprise_id=ent.id)
    session.add(row)
    _flush(session, f"{zh_kind} {code or ''} 未能保存", f"{en_kind} {code or ''} could not be saved")
    for role in roles:
        session.add(RoleAssignment(enterprise_id=ent.id, person_id=row.id, role=str(role)))
    if roles:
        _flush(session, "角色未能保存", "Roles could not be saved")
    return row


def roles_of(session: Session, person: Person) -> set[str]:
    return set(role_changes.roles_of(session, person))


def listing(session: Session, kind: str, enterprise_ref: str | int | None = None) -> list[SQLModel]:
    table = TABLES[kind]
    query = select(table)
    if kind != "enterprise":
        query = query.where(table.enterprise_id == enterprise(session, enterprise_ref).id)
    return list(session.exec(query.order_by(table.id)).all())


PEOPLE_KEEPERS = ("carbon_manager", "administrator")


def require_setting_up(session: Session) -> None:
    """Acting as nobody is only for a fresh install: once anyone can sign in, every write says who acts."""
    if session.exec(select(Person.id).where(Person.username.is_not(None)).limit(1)).first() is not None:
        raise StewardError("as_required", "已有登录用户：请用 --as 指定操作人", "People can sign in now: say who acts "
                           "with --as", field="as")


def add_as(session: Session, actor: Actor | None, kind: str, data: dict, enterprise_ref: str | None) -> SQLModel:
    """Add as a person: a carbon manager, within their own enterprise (a new enterprise under it). With no
    person (``actor`` None) only a fresh install may be set up: before anyone has a login."""
    from workflows.engine.machine import require_role
    if actor is None:
        require_setting_up(session)
        return add(session, kind, data, enterprise_ref=enterprise_ref)
    require_role(actor, PEOPLE_KEEPERS, f"添加{KINDS[kind][1] if kind in KINDS else kind}", f"Adding a {kind}")
    own = session.get(Enterprise, actor.enterprise_id)
    target = data.get("parent") if kind == "enterprise" else enterprise_ref
    if target is None or enterprise(session, target).id != own.id:
        raise StewardError("other_enterprise", f"只能在本企业 {own.code} 内添加", f"Only within your own enterprise "
                           f"{own.code}", field="enterprise", status=403)
    if kind != "person" or not data.get("roles"):
        return add(session, kind, data, enterprise_ref=enterprise_ref)
    roles = [str(r) for r in data["roles"]] if isinstance(data["roles"], list) else [str(data["roles"])]
    row = add(session, kind, {**data, "roles": role_changes.at_once(roles)}, enterprise_ref=enterprise_ref)
    role_changes.ask_for_signing_roles(session, actor, row, roles, "新人员 / new person")  # they wait
    return row


def people(session: Session, actor: Actor) -> list[tuple[Person, list[str]]]:
    """Everyone in the enterprise with their roles, for those who keep the people list."""
    if not actor.roles & set(PEOPLE_KEEPERS):
        return []
    rows = session.exec(select(Person).where(Person.enterprise_id == actor.enterprise_id).order_by(Person.code)).all()
    held: dict[int, list[str]] = {}
    for a in session.exec(select(RoleAssignment).where(RoleAssignment.enterprise_id == actor.enterprise_id)):
        held.setdefault(a.person_id, []).append(a.role)
    return [(p, sorted(held.get(p.id, []))) for p in rows]


def structure(session: Session, actor: Actor) -> dict:
    """Departments and the guideline's duties assigned to people and departments (4.2, 4.3), in names."""
    departments = list(session.exec(select(Department).where(Department.enterprise_id == actor.enterprise_id)
                                    .order_by(Department.code)).all())
    names = {d.id: d.name for d in departments}
    duties = session.exec(select(Responsibility).where(Responsibility.enterprise_id == actor.enterprise_id)
                          .order_by(Responsibility.clause_id, Responsibility.id)).all()
    named = {r.person_id for r in duties if r.person_id}  # only the people the duties name, not everyone
    people = dict(session.exec(select(Person.id, Person.name).where(Person.enterprise_id == actor.enterprise_id,
                                                                    Person.id.in_(named))).all()) if named else {}
    return {"departments": departments, "department_names": names,
            "duties": [(r, people.get(r.person_id) or names.get(r.department_id, "—")) for r in duties]}


def remove_responsibility(session: Session, actor: Actor, responsibility_id: int) -> None:
    from workflows.engine.machine import require_role
    require_role(actor, PEOPLE_KEEPERS, "撤销职责", "Removing a duty")
    row = session.get(Responsibility, responsibility_id)
    if row is None or row.enterprise_id != actor.enterprise_id:
        raise NotFound("responsibility", f"没有职责 #{responsibility_id}", f"No duty #{responsibility_id}")
    session.delete(row)
    session.flush()


def change_department(session: Session, actor: Actor, code: str, name: str, parent: str | None) -> Department:
    """Rename a department or put it under another (4.2), never under itself or one of its own."""
    from workflows.engine.machine import require_role
    require_role(actor, PEOPLE_KEEPERS, "修改部门", "Changing a department")
    row = session.get(Department, department_id(session, actor, code))
    if not name.strip():
        raise StewardError("name", "部门名称不能为空", "The department needs a name", field="name")
    above = department_id(session, actor, parent) if parent else None
    step = above
    while step is not None:
        if step == row.id:
            raise StewardError("parent", "上级部门不能是本部门或其下级", "A department cannot sit under itself or one of "
                               "its own", field="parent")
        step = session.get(Department, step).parent_id
    row.name, row.parent_id = name.strip()[:200], above
    session.add(row)
    session.flush()
    return row


def department_id(session: Session, actor: Actor, code: str | None) -> int | None:
    if not code:
        return None
    found = session.exec(select(Department).where(Department.enterprise_id == actor.enterprise_id,
                                                  Department.code == code)).first()
    if found is None:
        raise NotFound("department", f"本企业没有部门 {code}", f"No department {code} here", field="department")
    return found.id
