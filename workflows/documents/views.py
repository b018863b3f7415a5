"""What the document pages show: the list with search and filters, one document with its revisions,
signatures, transitions and acknowledgements, and what this person may do with it now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

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
    visible_to,
)
from workflows.engine import clock, history, lookup, machine
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


def listing(session: Session, actor: Actor, f: Filters = Filters()) -> list[Listed]:
    """The documents this person may see, each with its revision in force and the newer revision pending (a
    draft on its way, or the last revision of a withdrawn or never issued document), searched, filtered and
    sorted."""
    query = select(Document).where(Document.enterprise_id == actor.enterprise_id)
    if f.doc_type:
        query = query.where(Document.doc_type == f.doc_type)
    docs = [d for d in session.exec(query) if visible_to(d, actor)]
    if f.q:
        needle = f.q.strip().lower()
        docs = [d for d in docs if needle in d.title.lower() or needle in d.number.lower()]
    if f.clause:
        docs = [d for d in docs if any(c == f.clause or c.startswith(f.clause + ".") for c in d.clause_ids)]
    if f.owner:
        owner = session.exec(select(Person.id).where(Person.username == f.owner,
                                                     Person.enterprise_id == actor.enterprise_id)).first()
        docs = [d for d in docs if d.owner_id == owner]
    if f.due:
        soon = date.fromordinal(clock.today().toordinal() + 30)
        docs = [d for d in docs if d.next_review_due and d.next_review_due <= soon]
    latest: dict[int, Revision] = {}
    in_force: dict[int, Revision] = {}
    for rev in session.exec(select(Revision).where(Revision.document_id.in_([d.id for d in docs])).order_by(Revision.rev)):
        latest[rev.document_id] = rev
        if rev.state in IN_FORCE:
            in_force[rev.document_id] = rev
    rows = [Listed(d, in_force.get(d.id), latest[d.id] if latest[d.id] is not in_force.get(d.id) else None)
            for d in docs if d.id in latest]
    if f.state:
        rows = [r for r in rows if f.state in {x.state for x in (r.in_force, r.pending) if x is not None}]
    order = {"title": lambda r: r.doc.title, "state": lambda r: r.state.value,
             "review": lambda r: r.doc.next_review_due or date.max}.get(f.sort, lambda r: r.doc.number)
    return sorted(rows, key=order)


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
