"""Document and record control (7.5, 5.2.2): the controlled-document lifecycle as data, and its
use cases: create, upload, revise, acknowledge, dispose."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session, func, select

from forms import policy
from forms.organisation import add_months
from forms.uploads import media_type
from storage.errors import Forbidden, NotFound, StewardError
from storage.files import FileStore
from storage.models import (
    Countersignature,
    Distribution,
    Document,
    Enterprise,
    Outbox,
    Person,
    Revision,
    Task,
    TransitionLog,
)
from storage.models.org import utcnow
from storage.vocab import Labelled
from workflows.documents import metadata
from workflows.engine import (
    clock,
    countersign,  # noqa: F401  (plugs countersigned steps into the engine)
    lifecycle_index,
    lookup,
    machine,
    stored,
    tasks,
)
from workflows.engine.machine import Actor, Countersign, Lifecycle, TaskSpec, Transition, Unmet


class DocState(Labelled):
    draft = ("draft", "草稿", "Draft")
    in_review = ("in_review", "待审核", "In review")
    reviewed = ("reviewed", "已审核", "Reviewed")
    approved = ("approved", "已批准", "Approved")
    issued = ("issued", "已发布", "Issued")
    change_requested = ("change_requested", "申请变更", "Change requested")
    superseded = ("superseded", "已替代", "Superseded")
    obsolete = ("obsolete", "作废", "Obsolete")


class DocType(Labelled):
    policy = ("policy", "方针", "Policy")
    procedure = ("procedure", "管理制度", "Management procedure")
    instruction = ("instruction", "作业指导书", "Work instruction")
    dq_plan = ("dq_plan", "数据质量控制计划", "Data-quality plan")
    form = ("form", "表单", "Form")
    external = ("external", "外来文件", "External document")


PREFIX = {"policy": "PL", "procedure": "PR", "instruction": "WI", "dq_plan": "DQ", "form": "FM", "external": "EX"}
WRITERS = ("carbon_manager", "department_head", "carbon_body_member")


def _has_file(session, rev, actor):
    return None if rev.file_sha256 else Unmet("请先上传文件", "Upload the file first")


def _not_author(session, rev, actor):
    if rev.author_id == actor.person.id:
        return Unmet("编制人不能审核或批准自己编制的文件", "The author cannot review or approve their own document")
    return None


def _signatures_hold(session, rev, actor):
    broken = [s for s, ok in current_signatures(session, rev) if not ok]
    if broken:
        return Unmet(f"文件内容在签名后被修改，{len(broken)} 个签名已失效",
                     f"The content changed after signing; {len(broken)} signature(s) no longer valid")
    return None


def _on_issue(session: Session, rev: Revision, actor: Actor) -> None:
    """Supersede the previous issued revision, start the review clock, ask readers to acknowledge."""
    rev.effective_date = clock.today()
    doc = session.get(Document, rev.document_id)
    metadata.apply(doc, metadata.of(session, rev))  # what the draft proposed is now in force
    doc.next_review_due = add_months(rev.effective_date, doc.review_interval_months)
    session.add(doc)
    machine.close_tasks(session, "document_review", doc.id)  # a new revision is the review's outcome
    for old in session.exec(select(Revision).where(
            Revision.document_id == rev.document_id, Revision.id != rev.id,
            Revision.state.in_(["issued", "change_requested"]))).all():
        machine.fire_system(session, LIFECYCLE, old, "supersede", f"由第 {rev.rev} 版取代 / superseded by revision {rev.rev}")
    people = [session.get(Person, pid) for pid in sorted(metadata.listed(session, rev))]
    machine.assign(session, LIFECYCLE, rev, TaskSpec(zh="阅读并确认 {what}", en="Read and acknowledge {what}",
                                            due_days=14), people=people)


TRANSITIONS = [
    Transition(trigger="submit", source="draft", dest="in_review", zh="提交审核", en="Submit for review",
     roles=WRITERS, guards=[_has_file], signature="prepared",
     task=TaskSpec(roles=["department_head"], zh="审核文件 {what}", en="Review {what}")),
    Transition(trigger="reject", source=["in_review", "reviewed"], rejects=True, dest="draft", zh="退回修改", en="Send back",
     roles=("department_head", "top_management"), comment_required=True,
     task=TaskSpec(roles=["carbon_manager"], zh="修改被退回的文件 {what}", en="Rework {what}, sent back")),
    Transition(trigger="review", source="in_review", dest="reviewed", zh="审核", en="Review",
     roles=("department_head", "carbon_body_member"), guards=[_not_author, _signatures_hold],
     signature="reviewed",
     task=TaskSpec(roles=["top_management"], zh="批准文件 {what}", en="Approve {what}")),
    Transition(trigger="approve", source="reviewed", dest="approved", zh="批准", en="Approve",
     roles=("top_management",), guards=[_not_author, _signatures_hold], signature="approved",
     task=TaskSpec(roles=["carbon_manager"], zh="签发文件 {what}", en="Issue {what}")),
    Transition(trigger="issue", source="approved", dest="issued", zh="签发", en="Issue",
     roles=("carbon_manager", "top_management"), guards=[_signatures_hold], signature="issued",
     after=_on_issue),
    Transition(trigger="request_change", source="issued", dest="change_requested", zh="申请变更",
     en="Request a change", roles=("carbon_manager", "department_head", "carbon_body_member", "staff",
                                          "internal_auditor", "top_management"), comment_required=True,
     task=TaskSpec(roles=["carbon_manager"], zh="处理文件变更申请 {what}", en="Handle the change request for {what}")),
    Transition(trigger="decline_change", source="change_requested", rejects=True, dest="issued", zh="不予变更",
     en="Decline the change", roles=("carbon_manager", "top_management"), comment_required=True),
    Transition(trigger="supersede", source=["issued", "change_requested"], dest="superseded", zh="被新版替代",
     en="Supersede", roles=()),  # fired by the system when a newer revision is issued
    Transition(trigger="withdraw", source=["issued", "change_requested"], rejects=True, dest="obsolete", zh="作废",
     en="Withdraw", roles=("carbon_manager", "top_management"), comment_required=True,
     signature="approved", separate_signer=False),  # no judgement of the content: its author may withdraw it
]


def current_signatures(session: Session, rev: Revision, store: FileStore | None = None):
    """Signatures given since the revision last left draft: the ones its next step relies on. Given the
    file store, the bytes are re-hashed too: a file swapped on disk invalidates every signature on it."""
    logs = session.exec(select(TransitionLog).where(TransitionLog.lifecycle == LIFECYCLE.name,
                                                    TransitionLog.entity_id == rev.id).order_by(TransitionLog.id)).all()
    since = max((log.id for log in logs if log.to_state == DocState.draft), default=0)
    ids = {log.signature_id for log in logs if log.id > since and log.signature_id}
    ids |= set(session.exec(select(Countersignature.signature_id).where(  # a countersigned review's signatures
        Countersignature.lifecycle == LIFECYCLE.name, Countersignature.entity_id == rev.id,
        Countersignature.round_id > since, Countersignature.signature_id.is_not(None))).all())  # type: ignore[union-attr]
    intact = store is None or file_intact(rev, store)
    return [(s, ok and intact) for s, ok in machine.signatures(session, LIFECYCLE, rev) if s.id in ids]


def file_intact(rev: Revision, store: FileStore) -> bool:
    """The stored bytes still hash to what the revision (and so its signatures) recorded."""
    return not rev.file_sha256 or (store.path(rev.file_sha256).exists() and store.verify(rev.file_sha256))


def content_hash(rev: Revision) -> str:
    """What a signature is bound to: the file bytes and the revision's identity."""
    body = json.dumps([rev.document_id, rev.rev, rev.file_sha256], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def describe(session: Session, rev: Revision) -> tuple[str, str]:
    doc = session.get(Document, rev.document_id)
    return f"{doc.number} 第{rev.rev}版《{doc.title}》", f"{doc.number} rev {rev.rev} “{doc.title}”"


def doc_type_of(session: Session, rev: Revision) -> str:
    return session.get(Document, rev.document_id).doc_type


# 会签 before approval: the signers a carbon manager names for a document type review it in parallel
COUNTERSIGN = Countersign(state="in_review", complete="review", reject="reject", meaning="reviewed",
                          scope=doc_type_of, scopes=DocType)
LIFECYCLE = Lifecycle("document", "受控文件", "Controlled document", DocState, "draft", TRANSITIONS, content_hash,
                      describe, countersign=(COUNTERSIGN,))


def create(session: Session, actor: Actor, *, doc_type: str, title: str, access: str = "internal",
           access_roles: list[str] | None = None, retention_years: int = 5, review_interval_months: int = 12,
           clause_ids: list[str] | None = None, readers: list[str] | None = None, owner: str | None = None,
           departments: list[str] | None = None) -> tuple[Document, Revision]:
    """A new document, revision 1 as a draft. ``owner`` (a username) keeps it, the creator by default;
    ``readers`` and everyone in ``departments`` (codes) are on its distribution list."""
    machine.require_role(actor, WRITERS, "新建文件", "Creating a document")
    if doc_type not in PREFIX:
        raise StewardError("doc_type", f"文件类型 {doc_type} 无效，可选：{', '.join(PREFIX)}",
                           f"Document type {doc_type} is invalid; choose {', '.join(PREFIX)}", field="doc_type")
    meta = metadata.checked(title=title, access=access, access_roles=access_roles or [],
                                 retention_years=retention_years, review_interval_months=review_interval_months,
                                 clause_ids=clause_ids or [])
    ent_id = actor.enterprise_id
    keeper = lookup.person(session, ent_id, owner, field="owner") if owner else actor.person
    listed = metadata.readers(session, ent_id, readers or [], departments or [])
    code = session.get(Enterprise, ent_id).code
    prefix = f"{code}-{PREFIX[doc_type]}-"
    count = session.exec(select(func.count()).select_from(Document).where(
        Document.enterprise_id == ent_id, Document.doc_type == doc_type)).one()
    doc = Document(enterprise_id=ent_id, number=f"{prefix}{count + 1:03d}", doc_type=doc_type, owner_id=keeper.id,
                   **meta)
    session.add(doc)
    session.flush()
    rev = Revision(enterprise_id=ent_id, document_id=doc.id, rev=1, author_id=actor.person.id,
                   meta=metadata.snapshot(doc))
    session.add(rev)
    session.flush()
    metadata.distribute(session, rev, listed)
    return doc, rev


def edit(session: Session, actor: Actor, rev: Revision, *, title: str, access: str = "internal",
         access_roles: list[str] | None = None, retention_years: int = 5, review_interval_months: int = 12,
         clause_ids: list[str] | None = None, owner: str | None = None, readers: list[str] | None = None,
         departments: list[str] | None = None, expected_version: int | None = None) -> Revision:
    """Change what a draft says of its document and who must read it. A first draft changes the document at
    once; a later one proposes, and its changes take effect when it is issued, so the revision in force
    keeps its title, owner and readers until then. The type stays: it is part of the number."""
    machine.require_role(actor, WRITERS, "修改文件信息", "Editing a document")
    machine.require_same_enterprise(rev, actor)
    machine.check_version(LIFECYCLE, rev, expected_version)
    if rev.state != DocState.draft:
        raise StewardError("not_draft", f"只有草稿可以修改文件信息（当前：{DocState(rev.state).zh}）；请先修订出新版本",
                           f"Only a draft can be edited (now {DocState(rev.state).en.lower()}); revise it first",
                           status=409)
    meta = metadata.checked(title=title, access=access, access_roles=access_roles or [],
                                 retention_years=retention_years, review_interval_months=review_interval_months,
                                 clause_ids=clause_ids or [])
    doc = session.get(Document, rev.document_id)
    meta["owner_id"] = lookup.person(session, rev.enterprise_id, owner, field="owner").id if owner else doc.owner_id
    metadata.distribute(session, rev, metadata.readers(session, rev.enterprise_id, readers or [],
                                                                 departments or []))
    rev.meta = meta
    session.add(rev)
    if rev.rev == 1:
        metadata.apply(doc, meta)
        session.add(doc)
    session.flush()
    return rev


def get_revision(session: Session, actor: Actor, number: str, rev: int | None = None) -> Revision:
    doc = session.exec(select(Document).where(Document.number == number,
                                              Document.enterprise_id == actor.enterprise_id)).first()
    if doc is None:
        raise NotFound("document", f"没有文件 {number}", f"No document {number}")
    if not visible_to(doc, actor):
        raise Forbidden("restricted", f"文件 {number} 仅限 {', '.join(doc.access_roles)} 查阅",
                        f"Document {number} is restricted to {', '.join(doc.access_roles)}")
    query = select(Revision).where(Revision.document_id == doc.id)
    query = query.where(Revision.rev == rev) if rev else query.order_by(Revision.rev.desc())
    found = session.exec(query).first()
    if found is None:
        raise NotFound("revision", f"文件 {number} 没有第 {rev} 版", f"Document {number} has no revision {rev}")
    return found


def in_force(session: Session, actor: Actor, number: str) -> Revision:
    """The revision people work to: the issued one (a change requested or a successor drafted changes nothing
    until the successor is issued), else the latest, for a document never issued or withdrawn."""
    latest = get_revision(session, actor, number)
    return session.exec(select(Revision).where(Revision.document_id == latest.document_id,
                                               Revision.state.in_(["issued", "change_requested"]))
                        .order_by(Revision.rev.desc())).first() or latest


def upload(session: Session, actor: Actor, rev: Revision, file_name: str, stream: BinaryIO, store: FileStore,
           max_bytes: int) -> Revision:
    """Attach the file to a draft; replacing it later invalidates signatures bound to the old bytes."""
    machine.require_role(actor, WRITERS, "上传文件", "Uploading")
    machine.require_same_enterprise(rev, actor)
    if rev.state != DocState.draft:
        raise StewardError("not_draft", f"只有草稿可以更换文件（当前：{DocState(rev.state).zh}）",
                           f"Only a draft can take a new file (now {DocState(rev.state).en.lower()})", status=409)
    is_policy = session.get(Document, rev.document_id).doc_type == "policy"

    def check(path: Path) -> str:
        mime = media_type(file_name, path)
        if is_policy:
            policy.check(file_name, path.read_bytes())  # 5.2.1 a–e before it can be submitted
        return mime
    sha, mime = stored.keep_checked(session, store, stream, max_bytes, check)
    rev.file_sha256, rev.file_name, rev.media_type = sha, file_name, mime
    session.add(rev)
    session.flush()
    return rev


def revise(session: Session, actor: Actor, rev: Revision, summary: str) -> Revision:
    """Start the next revision as a draft carrying the current file; the old one stays issued until then."""
    machine.require_role(actor, WRITERS, "修订文件", "Revising")
    machine.require_same_enterprise(rev, actor)
    if rev.state not in ("issued", "change_requested"):
        raise StewardError("not_issued", "只能修订已发布的文件", "Only an issued document can be revised", status=409)
    if session.exec(select(Revision).where(Revision.document_id == rev.document_id,
                                           Revision.state.in_(["draft", "in_review", "reviewed", "approved"]))).first():
        raise StewardError("revision_open", "已有一个修订版正在处理中", "A new revision is already in progress", status=409)
    if not summary.strip():
        raise StewardError("summary", "请说明修订内容", "Describe the change", field="summary")
    new = Revision(enterprise_id=rev.enterprise_id, document_id=rev.document_id, rev=rev.rev + 1,
                   file_sha256=rev.file_sha256, file_name=rev.file_name, media_type=rev.media_type,
                   change_summary=summary.strip(), author_id=actor.person.id, meta=metadata.of(session, rev))
    session.add(new)
    session.flush()
    metadata.distribute(session, new, metadata.listed(session, rev))  # the same readers unless edited
    return new


def acknowledge(session: Session, actor: Actor, rev: Revision) -> Distribution:
    entry = session.exec(select(Distribution).where(Distribution.revision_id == rev.id,
                                                    Distribution.person_id == actor.person.id)).first()
    if entry is None:
        raise StewardError("not_distributed", "您不在该文件的发放范围内", "You are not on this document's distribution list",
                           status=403)
    if rev.state != DocState.issued:
        raise StewardError("not_issued", "只能确认已发布的文件", "Only an issued revision can be acknowledged", status=409)
    if entry.acknowledged_at is None:
        entry.acknowledged_at = utcnow()
        session.add(entry)
        machine.close_tasks(session, LIFECYCLE.name, rev.id, person_id=actor.person.id)
        session.flush()
    return entry


def dispose(session: Session, actor: Actor, doc: Document, note: str, today: date | None = None) -> Document:
    """Record disposal of an obsolete document once its retention period has passed."""
    machine.require_role(actor, ("carbon_manager",), "销毁文件", "Disposal")
    machine.require_same_enterprise(doc, actor)
    today = today or clock.today()
    revs = session.exec(select(Revision).where(Revision.document_id == doc.id)).all()
    if any(r.state not in ("obsolete", "superseded") for r in revs):
        raise StewardError("not_obsolete", "文件尚未作废，不能销毁", "The document is not obsolete", status=409)
    last = max((r.effective_date for r in revs if r.effective_date), default=doc.created_at.date())
    keep_until = add_months(last, 12 * doc.retention_years)
    if today < keep_until:
        raise StewardError("retention", f"保存期限至 {keep_until}，未到期不能销毁",
                           f"Retention runs until {keep_until}; it cannot be disposed of yet", status=409)
    doc.disposed_on, doc.disposal_note = today, note
    session.add(doc)
    session.flush()
    return doc


def open_tasks(session: Session, actor: Actor) -> list[Task]:
    return list(session.exec(select(Task).where(Task.assignee_id.in_(tasks.whose(session, actor.person.id)), Task.status == "open")
                             .order_by(Task.due)).all())


def visible_to(doc: Document, actor: Actor) -> bool:
    """A restricted document is seen by its owner and the roles it names; the list and the page agree."""
    return doc.access != "restricted" or bool(actor.roles & set(doc.access_roles)) or doc.owner_id == actor.person.id


def issued_revision(session: Session, actor: Actor, number: str) -> Revision | None:
    """The revision in force (issued, or issued with a change requested) of a document this person may see."""
    latest = get_revision(session, actor, number)
    return session.exec(select(Revision).where(Revision.document_id == latest.document_id,
                                               Revision.state.in_(["issued", "change_requested"]))).first()


def remind_readers(session: Session, actor: Actor, number: str) -> int:
    """The owner (or a carbon manager) reminds everyone who has not yet acknowledged the issued revision;
    at most once a day per person, so pressing twice sends nothing more."""
    issued = issued_revision(session, actor, number)
    doc = session.get(Document, get_revision(session, actor, number).document_id)
    if doc.owner_id != actor.person.id:
        machine.require_role(actor, ("carbon_manager", "top_management"), "催促阅读确认", "Reminding readers")
    if issued is None or issued.state != DocState.issued:
        raise StewardError("not_issued", "文件尚未发布，无需确认", "The document is not issued; nothing to acknowledge",
                           status=409)
    sent = 0
    for entry in session.exec(select(Distribution).where(Distribution.revision_id == issued.id,
                                                         Distribution.acknowledged_at.is_(None))):
        key = f"ack-remind:{issued.id}:{entry.person_id}:{clock.today().isoformat()}"
        if session.exec(select(Outbox.id).where(Outbox.dedupe_key == key)).first():
            continue
        session.add(Outbox(enterprise_id=doc.enterprise_id, person_id=entry.person_id, kind="reminder", dedupe_key=key,
                           subject=f"[碳管家] 请阅读并确认 {doc.number} / Please read and acknowledge {doc.number}",
                           body=f"请阅读《{doc.title}》第 {issued.rev} 版并在系统中确认。\n"
                                f"Please read revision {issued.rev} of “{doc.title}” and acknowledge it."))
        sent += 1
    session.flush()
    return sent


def confirm_review(session: Session, actor: Actor, number: str, note: str, today: date | None = None) -> Document:
    """The periodic review (7.5.2) found the issued revision still fit: the next review is one interval on.
    Only its owner or a carbon manager may say so, with what they checked; a change is a revision instead."""
    issued = issued_revision(session, actor, number)
    doc = session.get(Document, get_revision(session, actor, number).document_id)
    if doc.owner_id != actor.person.id:
        machine.require_role(actor, ("carbon_manager",), "确认文件评审", "Confirming a document review")
    if issued is None or issued.state != DocState.issued:
        raise StewardError("not_issued", "只有已发布的文件需要定期评审", "Only an issued document is reviewed periodically",
                           status=409)
    if not note.strip():
        raise StewardError("note", "请写明评审了什么、为何仍然适用", "Say what was checked and why it still fits",
                           field="note")
    today = today or clock.today()
    doc.next_review_due = add_months(today, doc.review_interval_months)
    doc.last_review_note = f"{today.isoformat()} {actor.person.name}: {note.strip()}"[:500]
    session.add(doc)
    machine.close_tasks(session, "document_review", doc.id)
    session.flush()
    return doc


lifecycle_index.register(LIFECYCLE, get_revision)
