"""The annual report's use cases: generating it into its controlled document (a new document, the draft
regenerated, or — once issued — a new revision with what changed), the page that shows it with the document's
state and signatures, and its downloads. The 31 March duty is given by the yearly duties and done when top
management approves the report (``workflows.documents.document``)."""

from __future__ import annotations

import io

from sqlmodel import Session, select

from storage.errors import NotFound, StewardError
from storage.files import FileStore
from storage.models import AccountingRun, Document, EtsReport, Revision
from workflows.documents import document as docs
from workflows.engine import clock, machine
from workflows.engine.machine import MEANINGS, Actor
from workflows.ets import report as content
from workflows.ets import report_files

WRITERS = ("carbon_manager",)
READERS = ("carbon_manager", "top_management")
OPEN = ("in_review", "reviewed")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def find(session: Session, enterprise_id: int, year: int) -> EtsReport | None:
    return session.exec(select(EtsReport).where(EtsReport.enterprise_id == enterprise_id,
                                                EtsReport.year == year)).first()


def newest(session: Session, report: EtsReport) -> Revision:
    return session.exec(select(Revision).where(Revision.document_id == report.document_id)
                        .order_by(Revision.rev.desc())).first()


def generate(session: Session, actor: Actor, year: int, store: FileStore, max_bytes: int,
             summary: str = "") -> EtsReport:
    """Write the year's report from its frozen run into the report's controlled document: a first draft, the open
    draft again, or — the report issued — a new revision saying what changed. One in review or approved waits."""
    machine.require_role(actor, WRITERS, "编制年度排放报告", "Preparing the annual emission report")
    built = content.build(session, actor.enterprise_id, year)
    report = find(session, actor.enterprise_id, year)
    if report is None:
        doc, rev = docs.create(session, actor, doc_type="ets_report", title=f"{year} 年度温室气体排放报告",
                               clause_ids=["8.5.1"], retention_years=10, generated=True)
        report = EtsReport(enterprise_id=actor.enterprise_id, year=year, document_id=doc.id, generated_by=actor.label)
    else:
        doc, rev = session.get(Document, report.document_id), newest(session, report)
        if rev.state in OPEN:
            raise StewardError("in_review", f"{doc.number} 第{rev.rev}版正在审批中，请退回后再重新生成",
                               f"{doc.number} rev {rev.rev} is in review; send it back before regenerating", status=409)
        if rev.state == "approved":
            raise StewardError("approved", f"{doc.number} 第{rev.rev}版已批准：请先签发，再说明变更内容生成新版本",
                               f"{doc.number} rev {rev.rev} is approved: issue it, then make a new revision saying "
                               "what changed", status=409)
        if rev.state in ("issued", "change_requested"):
            if not summary.strip():
                raise StewardError("summary", "报告已发布，修改须生成新版本：请说明变更内容",
                                   "The report is issued: a change is a new revision; say what changed",
                                   field="summary")
            rev = docs.revise(session, actor, rev, summary)
        elif rev.state != "draft":
            raise StewardError("withdrawn", f"{doc.number} 已{'作废' if rev.state == 'obsolete' else '被替代'}",
                               f"{doc.number} is {rev.state}", status=409)
    data = report_files.word(built, doc.number, rev.rev)
    docs.upload(session, actor, rev, f"{report_files.stem(built)}-r{rev.rev}.docx", io.BytesIO(data), store, max_bytes)
    report.run_id, report.reported_tco2e = built.run.id, built.covered_tco2e
    report.generated_by, report.generated_at = actor.label, clock.utcnow()
    session.add(report)
    session.flush()
    return report


def summary_of(session: Session, report: EtsReport) -> dict:
    """The report in one line's facts: its document, revision and state by name, the covered figure it states."""
    rev = newest(session, report)
    state = docs.DocState(rev.state)
    return {"number": session.get(Document, report.document_id).number, "rev": rev.rev, "state_zh": state.zh,
            "state_en": state.en, "tco2e": report.reported_tco2e or 0.0}


def _may_read(actor: Actor) -> None:
    machine.require_role(actor, READERS, "查看年度排放报告", "Reading the annual emission report")


def view(session: Session, actor: Actor, year: int) -> dict:
    """The report page: the figures by section (of the report as generated, or what generating now would give, or
    why it cannot be yet), and the document's state and signatures."""
    _may_read(actor)
    return page(session, actor.enterprise_id, year, actor)


def page(session: Session, enterprise_id: int, year: int, actor: Actor | None = None) -> dict:
    """An enterprise's report page, the caller having checked who may read it; without an actor it is read-only
    (the group reading a member plant's report: no buttons, nothing to generate)."""
    report = find(session, enterprise_id, year)
    built, problem = None, None
    try:
        run = session.get(AccountingRun, report.run_id) if report and report.run_id else None
        built = content.build(session, enterprise_id, year, run)
    except StewardError as exc:
        problem = exc
    out: dict = {"year": year, "report": report, "built": built, "problem": problem, "may_generate":
                 actor is not None and "carbon_manager" in actor.roles, "doc": None, "rev": None, "signatures": [],
                 "meanings": MEANINGS, "actions": [], "read_only": actor is None}
    if report is not None:
        rev = newest(session, report)
        out.update(doc=session.get(Document, report.document_id), rev=rev, state=docs.DocState(rev.state),
                   signatures=docs.current_signatures(session, rev),
                   actions=docs.LIFECYCLE.available(rev, actor, session) if actor is not None else [],
                   needs_summary=rev.state in ("issued", "change_requested"),
                   may_generate=out["may_generate"] and rev.state in ("draft", "issued", "change_requested"))
    return out


def workbook(session: Session, actor: Actor, year: int) -> tuple[str, bytes]:
    """The report as generated (from the run it records), else as it would be generated now."""
    _may_read(actor)
    return workbook_of(session, actor.enterprise_id, year)


def workbook_of(session: Session, enterprise_id: int, year: int) -> tuple[str, bytes]:
    report = find(session, enterprise_id, year)
    run = session.get(AccountingRun, report.run_id) if report and report.run_id else None
    built = content.build(session, enterprise_id, year, run)
    return report_files.stem(built), report_files.workbook(built)


def word(session: Session, actor: Actor, year: int, store: FileStore) -> tuple[str, bytes]:
    """The Word file the document's newest revision carries: exactly what was (or will be) signed."""
    _may_read(actor)
    return word_of(session, actor.enterprise_id, year, store)


def word_of(session: Session, enterprise_id: int, year: int, store: FileStore) -> tuple[str, bytes]:
    report = find(session, enterprise_id, year)
    if report is None:
        raise NotFound("ets_report", f"{year} 年度排放报告尚未生成", f"The {year} annual report has not been generated yet",
                       field="year")
    rev = newest(session, report)
    if not rev.file_sha256:  # a revision made by hand, without its Word file
        raise NotFound("ets_report", f"{year} 年度排放报告第{rev.rev}版没有 Word 文件",
                       f"Revision {rev.rev} of the {year} annual report has no Word file", field="year")
    return rev.file_name or f"{year}.docx", store.read(rev.file_sha256)
