"""What a document says about itself besides its file (7.5.2 a, d): title, owner, access, retention, review
interval, clauses and who must read it. Each revision carries its own copy, so a draft can change them
without touching the revision in force, and the history can say what a revision changed."""

from __future__ import annotations

from sqlmodel import Session, select

from forms import clauses
from storage.errors import NotFound, StewardError
from storage.models import Department, Distribution, Document, Person, Revision
from storage.vocab import Role
from workflows.engine import lookup

ACCESS = {"public": ("公开", "Public"), "internal": ("内部", "Internal"), "restricted": ("受限", "Restricted")}
FIELDS = {  # snapshot key: (zh, en)
    "title": ("标题", "Title"), "owner_id": ("负责人", "Owner"), "access": ("访问范围", "Access"),
    "access_roles": ("可查阅角色", "Roles that may read"), "retention_years": ("保存期限（年）", "Retention (years)"),
    "review_interval_months": ("定期评审间隔（月）", "Review interval (months)"), "clause_ids": ("对应条款", "Clauses"),
}


def checked(*, title: str, access: str, access_roles: list[str], retention_years: int, review_interval_months: int,
            clause_ids: list[str]) -> dict:
    """The metadata as a revision keeps it, or the first field that is wrong, named for the form."""
    if not title.strip():
        raise StewardError("title", "标题不能为空", "Title is required", field="title")
    if len(title.strip()) > 300:
        raise StewardError("title", "标题不能超过 300 字", "The title is at most 300 characters", field="title")
    if access not in ACCESS:
        raise StewardError("access", "访问范围须为公开、内部或受限", "Access must be public, internal or restricted",
                           field="access")
    wrong = [r for r in access_roles if r not in Role.__members__]
    if wrong:
        raise StewardError("access_roles", f"未知角色 {', '.join(wrong)}", f"Unknown roles {', '.join(wrong)}",
                           field="access_roles")
    if access == "restricted" and not access_roles:
        raise StewardError("access_roles", "受限文件须指定可查阅的角色", "Say which roles may read a restricted document",
                           field="access_roles")
    if not 1 <= retention_years <= 100:
        raise StewardError("retention", "保存期限须在 1–100 年之间", "Retention must be 1–100 years", field="retention_years")
    if not 1 <= review_interval_months <= 60:
        raise StewardError("review_interval", "定期评审间隔须在 1–60 个月之间", "The review interval is 1–60 months",
                           field="review_interval_months")
    unknown = [c for c in clause_ids if c not in clauses.by_id()]
    if unknown:
        raise StewardError("clause", f"未知条款 {', '.join(unknown)}", f"Unknown clauses {', '.join(unknown)}",
                           field="clause_ids")
    return {"title": title.strip(), "access": access, "access_roles": sorted(access_roles) if access == "restricted"
            else [], "retention_years": retention_years, "review_interval_months": review_interval_months,
            "clause_ids": list(dict.fromkeys(clause_ids))}


def snapshot(doc: Document) -> dict:
    return {"title": doc.title, "owner_id": doc.owner_id, "access": doc.access, "access_roles": list(doc.access_roles),
            "retention_years": doc.retention_years, "review_interval_months": doc.review_interval_months,
            "clause_ids": list(doc.clause_ids)}


def of(session: Session, rev: Revision) -> dict:
    """A revision's metadata; one made before revisions kept their own reads the document's."""
    return rev.meta or snapshot(session.get(Document, rev.document_id))


def apply(doc: Document, meta: dict) -> None:
    for key in FIELDS:
        if key in meta:
            setattr(doc, key, meta[key])


def readers(session: Session, enterprise_id: int, usernames: list[str], departments: list[str]) -> set[int]:
    """The people on a distribution list: those named, and everyone who can sign in in the departments named."""
    listed: set[int] = set()
    for username in usernames:
        listed.add(lookup.person(session, enterprise_id, username, field="readers").id)
    for dept in departments:
        found = session.exec(select(Department).where(Department.enterprise_id == enterprise_id,
                                                      Department.code == dept)).first()
        if found is None:
            raise NotFound("department", f"本企业没有部门 {dept}", f"No department {dept} in this enterprise",
                           field="departments")
        listed |= set(session.exec(select(Person.id).where(Person.department_id == found.id, Person.active,
                                                           Person.username.is_not(None))))
    return listed


def distribute(session: Session, rev: Revision, people: set[int]) -> None:
    """Make ``people`` the revision's distribution list (a draft's: nobody has acknowledged it yet)."""
    current = {d.person_id: d for d in session.exec(select(Distribution).where(Distribution.revision_id == rev.id))}
    for person_id, row in current.items():
        if person_id not in people:
            session.delete(row)
    for person_id in sorted(people - set(current)):
        session.add(Distribution(enterprise_id=rev.enterprise_id, document_id=rev.document_id, revision_id=rev.id,
                                 person_id=person_id))
    session.flush()


def listed(session: Session, rev: Revision) -> set[int]:
    return set(session.exec(select(Distribution.person_id).where(Distribution.revision_id == rev.id)).all())


def _shown(session: Session, key: str, value, lang: str) -> str:
    if key == "owner_id":
        person = session.get(Person, value) if value else None
        return person.name if person else "—"
    if key == "access":
        return ACCESS[value][lang == "en"]
    if key == "access_roles":
        return "、".join(getattr(Role(r), lang) for r in value) or "—"
    if key == "clause_ids":
        return ", ".join(value) or "—"
    return str(value)


def differences(session: Session, before: Revision | None, after: Revision, names: dict[int, str]) -> list[dict]:
    """What ``after`` changed against the revision before it, field by field and reader by reader, as a line in
    each language; a first revision changed nothing."""
    if before is None:
        return []
    old, new = of(session, before), of(session, after)
    out = []
    for key, (zh, en) in FIELDS.items():
        if old.get(key) != new.get(key):
            out.append({lang: f"{label}{'：' if lang == 'zh' else ': '}{_shown(session, key, old.get(key), lang)} → "
                              f"{_shown(session, key, new.get(key), lang)}" for lang, label in (("zh", zh), ("en", en))})
    was, now = listed(session, before), listed(session, after)
    added, removed = "、".join(sorted(names.get(i, "?") for i in now - was)), \
        "、".join(sorted(names.get(i, "?") for i in was - now))
    if added or removed:
        out.append({"zh": "发放范围：" + "；".join(filter(None, [added and f"增加 {added}", removed and f"移除 {removed}"])),
                    "en": "Distribution: " + "; ".join(filter(None, [added and f"added {added}",
                                                                     removed and f"removed {removed}"]))})
    return out
