"""What the document pages show: the list with search and filters, one document with its revisions,
signatures, transitions and acknowledgements, and what this person may do with it now."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO

from sqlalchemy import String, and_, cast, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, func, select

from storage.errors import StewardError
from storage.files import FileStore
from storage.models import Distribution, Document, Person, Revision
from storage.vocab import Role
from workflows.documents import metadata
from workflows.documents.document import (
    LIFECYCLE,
    WRITERS,
    DocState,
    DocType,
    current_signatures,
    file_intact,
    get_revision,
)
from workflows.engine import clock, countersign, exports, history, lookup, machine, paging
from workflows.engine.machine import Actor

KEEPERS = ("carbon_manager", "top_management")  # who follows up acknowledgements besides the owner


@dataclass(frozen=True)
class Filters:
    q: str = ""
    doc_type: str = ""
    state: str = ""
    owner: str = ""
    clause: str = ""
    due: bool = False  # due for periodic review within 30 days (or overdue)
    sort: str = "number"


@dataclass(frozen=True)
class Listed:
    """A document in the list: the revision in force (issued, or issued with a change requested) and the newer
    revision on its way, apart, so a pending draft never reads as the document people work to."""
    doc: Document
    in_force: Revision | None
    pending: Revision | None

    @property
    def state(self) -> DocState:
        """The state of the revision in force, else of the only revision there is."""
        return DocState((self.in_force or self.pending).state)  # type: ignore[union-attr]

    def versions(self, lang: str) -> str:
        """“版本 1 现行 · 版本 2 草稿” / “Rev 1 in force · Rev 2 draft”."""
        parts = []
        if self.in_force is not None:
            parts.append(f"Rev {self.in_force.rev} in force" if lang == "en" else f"版本 {self.in_force.rev} 现行")
        if self.pending is not None:
            st = DocState(self.pending.state)
            parts.append(f"Rev {self.pending.rev} {st.en.lower()}" if lang == "en" else f"版本 {self.pending.rev} {st.zh}")
        return " · ".join(parts)


IN_FORCE = ("issued", "change_requested")


_LATEST, _FORCE, _OTHER = (aliased(Revision, name=n) for n in ("latest", "force", "other"))  # made once: costly


def _newest(*states: str):
    """The newest revision's number (of those in ``states``, when given), for the document of the outer row."""
    query = select(func.max(_OTHER.rev)).where(_OTHER.document_id == Document.id)
    return (query.where(_OTHER.state.in_(states)) if states else query).correlate(Document).scalar_subquery()


def _state_of(*states: str):
    """The state of that revision, read from the covering index (document_id, rev, state)."""
    query = select(_OTHER.state).where(_OTHER.document_id == Document.id)
    query = query.where(_OTHER.state.in_(states)) if states else query
    return query.order_by(_OTHER.rev.desc()).limit(1).correlate(Document).scalar_subquery()


def _found(actor: Actor, f: Filters, what):
    """``what`` (the ids in order, or their count) of the documents this person may see that the filters find,
    all in the database; a revision is looked at only to filter or sort by state."""
    query = select(what).select_from(Document).where(Document.enterprise_id == actor.enterprise_id)
    roles = cast(Document.access_roles, String)  # a JSON list of role codes, as text in SQLite and PostgreSQL alike
    query = query.where(or_(Document.access != "restricted", Document.owner_id == actor.person.id,
                            *[roles.contains(f'"{r}"', autoescape=True) for r in sorted(actor.roles)]))
    if f.doc_type:
        query = query.where(Document.doc_type == f.doc_type)
    if f.q.strip():
        needle = f.q.strip().lower()
        query = query.where(or_(func.lower(Document.title).contains(needle, autoescape=True),
                                func.lower(Document.number).contains(needle, autoescape=True)))
    if f.clause.strip():
        clause = cast(Document.clause_ids, String)
        query = query.where(or_(clause.contains(f'"{f.clause.strip()}"', autoescape=True),
                                clause.contains(f'"{f.clause.strip()}.', autoescape=True)))
    if f.owner:
        query = query.where(Document.owner_id == select(Person.id).where(
            Person.username == f.owner, Person.enterprise_id == actor.enterprise_id).scalar_subquery())
    if f.due:
        query = query.where(Document.next_review_due <= date.fromordinal(clock.today().toordinal() + 30))
    if f.state:  # the revision in force, or the newest one (a draft on its way, a withdrawn document's last)
        query = query.where(or_(_state_of(*IN_FORCE) == f.state, _state_of() == f.state))
    return query


def _ordered(query, f: Filters):
    order = {"title": (Document.title,), "state": (func.coalesce(_state_of(*IN_FORCE), _state_of()),),
             "review": (Document.next_review_due.is_(None), Document.next_review_due)}.get(f.sort, ())
    return query.order_by(*order, Document.number)


def _with_revisions(ids=None):
    """Documents joined to their newest revision and to their revision in force."""
    query = select(Document, _LATEST, _FORCE).select_from(Document) \
        .join(_LATEST, and_(_LATEST.document_id == Document.id, _LATEST.rev == _newest())) \
        .outerjoin(_FORCE, and_(_FORCE.document_id == Document.id, _FORCE.rev == _newest(*IN_FORCE)))
    return query if ids is None else query.where(Document.id.in_(ids))


def _listed(row) -> Listed:
    doc, latest, force = row
    return Listed(doc, force, latest if force is None or latest.id != force.id else None)


def listing(session: Session, actor: Actor, f: Filters = Filters(), number: int | None = 1,
            size: int = paging.SIZE) -> tuple[list[Listed], paging.Page]:
    """One page of the documents this person may see, each with its revision in force and the newer revision
    pending (a draft on its way, or the last revision of a withdrawn or never issued document), with the total:
    the page's ids are found first, so only its own rows are read with their revisions."""
    ids, at = paging.fetch(session, _ordered(_found(actor, f, Document.id), f), number, size,
                           count=_found(actor, f, func.count(Document.id)))
    place = {doc_id: n for n, doc_id in enumerate(ids)}
    rows = session.exec(_with_revisions(ids)).all()
    return sorted((_listed(r) for r in rows), key=lambda x: place[x.doc.id]), at


def _versions(lang: str, force: tuple | None, latest: tuple) -> str:
    """Listed.versions from (rev, state) pairs, for rows read as plain columns."""
    parts = [f"Rev {force[0]} in force" if lang == "en" else f"版本 {force[0]} 现行"] if force else []
    if force is None or latest[0] != force[0]:
        st = DocState(latest[1])
        parts.append(f"Rev {latest[0]} {st.en.lower()}" if lang == "en" else f"版本 {latest[0]} {st.zh}")
    return " · ".join(parts)


def every(session: Session, actor: Actor, f: Filters = Filters()) -> Iterator[tuple]:
    """Every document the filter finds, as plain columns (no objects: an export may hold tens of thousands), read
    from the database in batches: number, title, type, owner id, next review, clauses, the newest revision's
    number and state, and the revision in force's (None when none is)."""
    found = _ordered(_found(actor, f, Document.id), f).subquery()
    query = select(Document.number, Document.title, Document.doc_type, Document.owner_id, Document.next_review_due,
                   Document.clause_ids, _LATEST.rev, _LATEST.state, _FORCE.rev, _FORCE.state).select_from(Document) \
        .join(_LATEST, and_(_LATEST.document_id == Document.id, _LATEST.rev == _newest())) \
        .outerjoin(_FORCE, and_(_FORCE.document_id == Document.id, _FORCE.rev == _newest(*IN_FORCE))) \
        .where(Document.id.in_(select(found.c.id)))
    yield from session.exec(_ordered(query, f).execution_options(yield_per=1000))


def owners(session: Session, actor: Actor) -> list[Person]:
    return lookup.users(session, actor.enterprise_id)


def view(session: Session, actor: Actor, number: str, store: FileStore | None = None) -> dict:
    rev = get_revision(session, actor, number)
    doc = session.get(Document, rev.document_id)
    revisions = list(session.exec(select(Revision).where(Revision.document_id == doc.id).order_by(Revision.rev.desc())))
    issued = next((r for r in revisions if r.state in IN_FORCE), None)
    mine = session.exec(select(Distribution).where(Distribution.revision_id == issued.id,
                                                   Distribution.person_id == actor.person.id)).first() if issued else None
    people = {p.id: p for p in session.exec(select(Person).where(Person.enterprise_id == actor.enterprise_id))}
    follows = doc.owner_id == actor.person.id or bool(actor.roles & set(KEEPERS))
    acks = [(people[d.person_id], d.acknowledged_at) for d in session.exec(
        select(Distribution).where(Distribution.revision_id == issued.id).order_by(Distribution.id))] \
        if issued and follows else []
    names = {pid: p.name for pid, p in people.items()}
    revision_rows = [(r, DocState(r.state), current_signatures(session, r, store),
                      metadata.differences(session, revisions[i + 1] if i + 1 < len(revisions) else None, r, names))
                     for i, r in enumerate(revisions)]
    moves = history.moves(session, LIFECYCLE.name, [r.id for r in revisions])
    request = next((m for m in moves if m.to_zh == DocState.change_requested.zh), None) \
        if rev.state == DocState.change_requested else None  # the newest request, while it stands
    return {"doc": doc, "rev": rev, "state": DocState(rev.state), "doc_type": DocType(doc.doc_type),
            "access": metadata.ACCESS[doc.access], "access_roles": [Role(r) for r in doc.access_roles],
            "signatures": current_signatures(session, rev, store), "intact": store is None or file_intact(rev, store),
            "actions": LIFECYCLE.available(rev, actor, session), "meanings": machine.MEANINGS,
            "issued": issued, "acked_at": mine.acknowledged_at if mine else None,
            "can_ack": bool(mine and mine.acknowledged_at is None and issued.state == "issued"),
            "acks": acks, "follows": follows, "owner": people.get(doc.owner_id),
            "can_upload": rev.state == "draft" and bool(actor.roles & set(WRITERS)),
            "pending": revision_rows[0][3] if rev.state == "draft" else [],
            "can_confirm_review": bool(issued and issued.state == "issued" and doc.next_review_due and (
                doc.owner_id == actor.person.id or "carbon_manager" in actor.roles)
                and doc.next_review_due <= date.fromordinal(clock.today().toordinal() + 30)),
            "can_revise": rev.state in ("issued", "change_requested") and bool(actor.roles & set(WRITERS)),
            "countersign": countersigning(session, actor, rev, people),
            "revisions": revision_rows, "moves": moves, "change_request": request, "changes": history.changes(session, "document", doc.id)}


def editable(session: Session, actor: Actor, number: str) -> dict:
    """A draft's metadata and readers, to fill the edit form; only a writer edits, only a draft changes."""
    rev = get_revision(session, actor, number)
    machine.require_role(actor, WRITERS, "修改文件信息", "Editing a document")
    if rev.state != DocState.draft:
        raise StewardError("not_draft", "只有草稿可以修改文件信息；请先修订出新版本",
                           "Only a draft can be edited; revise it first", status=409)
    return {"doc": session.get(Document, rev.document_id), "rev": rev, "meta": metadata.of(session, rev),
            "mine": metadata.listed(session, rev)}


def export(session: Session, actor: Actor, f: Filters, lang: str) -> tuple[str, IO[bytes]]:
    """The list as filtered on the page, every page of it, as a workbook in the reader's language."""
    en = lang == "en"
    people = {p.id: p.name for p in session.exec(select(Person).where(Person.enterprise_id == actor.enterprise_id))}
    title = "Controlled documents" if en else "受控文件"
    headers = (["Number", "Title", "Type", "Revisions", "State", "Owner", "Next review", "Clauses"] if en else
               ["编号", "标题", "类型", "版本", "状态", "负责人", "下次评审", "条款"])

    def label(x) -> str:
        return x.en if en else x.zh
    rows = ([number, title_, label(DocType(doc_type)), _versions(lang, (frev, fstate) if frev else None, (lrev, lstate)),
             label(DocState(fstate or lstate)), people.get(owner_id, "") if owner_id else "", due, ", ".join(clause_ids)]
            for number, title_, doc_type, owner_id, due, clause_ids, lrev, lstate, frev, fstate in every(session, actor, f))
    return title, exports.spooled(title, headers, rows)


def countersigning(session: Session, actor: Actor, rev: Revision, people: dict[int, Person]) -> dict:
    """The revision's last countersign round: who signed, who is pending (and who has left), rejections;
    whether this person signs now, and whether they may hand a pending part to someone else."""
    parts = countersign.latest(session, LIFECYCLE, rev)
    open_ids = {r.id for r in countersign.current(session, LIFECYCLE, rev)}
    mine = next((p for p in parts if p.row.id in open_ids and p.row.status == "pending"
                 and p.row.person_id == actor.person.id), None)
    manages = "carbon_manager" in actor.roles and bool(open_ids)
    return {"parts": parts, "open": open_ids, "mine": mine, "can_replace": manages,
            "users": [p for p in people.values() if p.active and p.username] if manages else []}
