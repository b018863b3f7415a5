"""Controlled documents (7.5, 5.2.2): the list, a new document with its file, one document with its
revisions and acknowledgements, reading the file in the browser, the controlled copy, revising."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from forms import clauses
from steward.web import fields, security
from steward.web.render import download, export_link, lang_of, page, pager, redirect, unit, write, xlsx_stream
from storage.errors import StewardError
from storage.vocab import Role
from workflows.documents import document as docs
from workflows.documents import views
from workflows.documents.copies import as_pdf, controlled_copy, pdf_offered, text_preview
from workflows.engine import countersign
from workflows.engine.rendering import to_pdf
from workflows.people import organisation

router = APIRouter()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/documents.xlsx")
def export(request: Request, q: str = "", doc_type: str = "", state: str = "", owner: str = "", clause: str = "",
           due: bool = False, sort: str = "number"):
    f = views.Filters(q=q, doc_type=doc_type, state=state, owner=owner, clause=clause, due=due, sort=sort)
    title, out = unit(request, lambda s, a: views.export(s, a, f, lang_of(request)), page="/documents")
    return xlsx_stream(title, out)


@router.get("/documents")
def documents(request: Request, q: str = "", doc_type: str = "", state: str = "", owner: str = "", clause: str = "",
              due: bool = False, sort: str = "number", page_no: int = Query(1, alias="page")):
    f = views.Filters(q=q, doc_type=doc_type, state=state, owner=owner, clause=clause, due=due, sort=sort)

    def read(s, a):
        rows, at = views.listing(s, a, f, page_no)
        return {"rows": rows, "pager": pager(request, at), "export": export_link(request, "/documents.xlsx"),
                "owners": views.owners(s, a), "f": f, "can_create": bool(a.roles & set(docs.WRITERS)),
                "can_countersign": "carbon_manager" in a.roles}
    return page(request, "documents/documents.html", {**unit(request, read, page="/documents"), "types": list(docs.DocType),
                                            "states": list(docs.DocState)})


def _form_choices(s, a) -> dict:
    return {"people": views.owners(s, a), "departments": organisation.structure(s, a)["departments"],
            "chapters": [c for c in clauses.catalogue() if c.kind != "chapter"], "roles": list(Role)}


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in text.replace("，", ",").split(",") if c.strip()]


@router.get("/documents/new")
def new_form(request: Request):
    return page(request, "documents/document_new.html", {**unit(request, _form_choices, page="/documents"),
                                               "types": [t for t in docs.DocType if t not in docs.GENERATED]})


@router.post("/documents/new")
def create(request: Request, doc_type: str = Form(...), title: str = Form(""), access: str = Form("internal"),
           access_roles: list[str] = Form([]), retention_years: int = fields.whole_form(5),
           review_interval_months: int = fields.whole_form(12),
           readers: list[str] = Form([]), departments: list[str] = Form([]), owner: str = Form(""),
           clause_ids: str = Form(""), file: UploadFile | None = File(None), csrf_token: str = Form("")):
    """Create the document and, when given, attach its file in the same transaction."""
    ctx = request.app.state.ctx

    def go(s, a):
        doc, rev = docs.create(s, a, doc_type=doc_type, title=title, access=access, access_roles=access_roles,
                               retention_years=retention_years, review_interval_months=review_interval_months,
                               clause_ids=_clauses(clause_ids), readers=readers, owner=owner or None,
                               departments=departments)
        if file is not None and file.filename:
            docs.upload(s, a, rev, file.filename, file.file, ctx.files, ctx.settings.max_upload_mb << 20)
        return doc.number
    number = write(request, csrf_token, go)
    return redirect(request, f"/documents/{number}")


@router.get("/documents/{number}/edit")
def edit_form(request: Request, number: str):
    def read(s, a):
        return {**views.editable(s, a, number), **_form_choices(s, a)}
    return page(request, "documents/document_edit.html", unit(request, read, page="/documents"))


@router.post("/documents/{number}/edit")
def edit(request: Request, number: str, title: str = Form(""), access: str = Form("internal"),
         access_roles: list[str] = Form([]), retention_years: int = fields.whole_form(5),
         review_interval_months: int = fields.whole_form(12),
         readers: list[str] = Form([]), departments: list[str] = Form([]), owner: str = Form(""),
         clause_ids: str = Form(""), version: int | None = fields.whole_form(None), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: docs.edit(
        s, a, docs.get_revision(s, a, number), title=title, access=access, access_roles=access_roles,
        retention_years=retention_years, review_interval_months=review_interval_months,
        clause_ids=_clauses(clause_ids), owner=owner or None, readers=readers, departments=departments,
        expected_version=version))
    return redirect(request, f"/documents/{number}")


@router.get("/documents/{number}")
def document(request: Request, number: str, reminded: int | None = None):
    files = request.app.state.ctx.files
    return page(request, "documents/document.html", {**unit(request, lambda s, a: views.view(s, a, number, files),
                                                  page="/documents"), "reminded": reminded})


@router.post("/documents/{number}/upload")
def upload(request: Request, number: str, file: UploadFile = File(...), csrf_token: str = Form("")):
    ctx = request.app.state.ctx
    write(request, csrf_token, lambda s, a: docs.upload(s, a, docs.get_revision(s, a, number), file.filename or "file",
                                                        file.file, ctx.files, ctx.settings.max_upload_mb << 20))
    return redirect(request, f"/documents/{number}")


def _file_of(request: Request, number: str):
    def read(s, a):
        rev = docs.get_revision(s, a, number)
        if not rev.file_sha256:
            raise StewardError("no_file", f"{number} 还没有上传文件", f"{number} has no file yet", status=404)
        return rev
    return unit(request, read, page="/documents")


@router.get("/documents/{number}/file")
def original(request: Request, number: str):
    rev = _file_of(request, number)
    return download(request.app.state.ctx.files.read(rev.file_sha256), rev.file_name, rev.media_type or
                     "application/octet-stream")


@router.get("/documents/{number}/read")
def read_in_browser(request: Request, number: str):
    """The file to read before signing or acknowledging: its PDF shown in the page, with the text beneath for a
    browser that shows no PDF, or only the text when no converter is installed here."""
    rev = _file_of(request, number)
    files = request.app.state.ctx.files
    return page(request, "documents/preview.html", {"number": number, "rev": rev, "pdf": pdf_offered(rev, files),
                                          "html": text_preview(rev, files)})


@router.get("/documents/{number}/read.pdf")
def read_pdf(request: Request, number: str):
    rev = _file_of(request, number)
    pdf = as_pdf(rev, request.app.state.ctx.files)
    if pdf is None:
        raise StewardError("no_pdf", "本服务器未安装 LibreOffice，无法转为 PDF", "LibreOffice is not installed on this "
                           "server; no PDF can be made", status=404)
    return download(pdf, rev.file_name.rsplit(".", 1)[0] + ".pdf", "application/pdf", inline=True)


@router.get("/documents/{number}/controlled.{fmt}")
def controlled(request: Request, number: str, fmt: str):
    ctx = request.app.state.ctx
    data, name = unit(request, lambda s, a: (controlled_copy(s, docs.in_force(s, a, number), ctx.files),
                                             number), page="/documents")
    if fmt == "docx":
        return download(data, f"{name}.docx", DOCX)
    if fmt == "pdf":
        pdf = to_pdf(data)
        if pdf is None:
            raise StewardError("no_pdf", "本服务器未安装 LibreOffice，请下载 Word 版", "LibreOffice is not installed on "
                               "this server; download the Word copy", status=404)
        return download(pdf, f"{name}.pdf", "application/pdf")
    raise StewardError("format", "格式须为 docx 或 pdf", "The format is docx or pdf", status=404)


@router.post("/documents/{number}/revise")
def revise(request: Request, number: str, summary: str = Form(""), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: docs.revise(s, a, docs.get_revision(s, a, number), summary))
    return redirect(request, f"/documents/{number}")


@router.post("/documents/{number}/reviewed")
def reviewed(request: Request, number: str, note: str = Form(""), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: docs.confirm_review(s, a, number, note))
    return redirect(request, f"/documents/{number}")


@router.post("/documents/{number}/remind")
def remind(request: Request, number: str, csrf_token: str = Form("")):
    sent = write(request, csrf_token, lambda s, a: docs.remind_readers(s, a, number))
    return redirect(request, f"/documents/{number}?reminded={sent}")


@router.post("/documents/{number}/ack")
def acknowledge(request: Request, number: str, csrf_token: str = Form("")):
    def go(s, a):
        issued = docs.issued_revision(s, a, number)
        docs.acknowledge(s, a, issued or docs.get_revision(s, a, number))  # a draft is refused by name
    write(request, csrf_token, go)
    return redirect(request, f"/documents/{number}")


@router.get("/countersign")
def countersign_settings(request: Request, doc_type: str = "procedure"):
    """Who countersigns each document type's review (会签 before approval); a carbon manager's setting."""
    def read(s, a):
        kind = doc_type if doc_type in docs.PREFIX else "procedure"
        chosen = countersign.named(s, a.enterprise_id, docs.LIFECYCLE, kind, docs.COUNTERSIGN.state)
        every = {t.value: countersign.named(s, a.enterprise_id, docs.LIFECYCLE, t.value, docs.COUNTERSIGN.state)
                 for t in docs.DocType}
        return {"kind": docs.DocType(kind), "chosen": chosen, "every": every,
                "people": countersign.signable(s, views.owners(s, a)),
                "departments": organisation.structure(s, a)["departments"],
                "picked_people": {n.person.id for n in chosen if n.person},
                "picked_departments": {n.department.id for n in chosen if n.department}}
    return page(request, "documents/countersign.html", {**unit(request, read, page="/countersign"),
                                                       "types": list(docs.DocType)})


@router.post("/countersign")
def countersign_configure(request: Request, doc_type: str = Form(...), people: list[str] = Form([]),
                          departments: list[str] = Form([]), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: countersign.configure(s, a, docs.LIFECYCLE, doc_type,
                                                                  docs.COUNTERSIGN.state, people=people,
                                                                  departments=departments))
    return redirect(request, f"/countersign?doc_type={doc_type}&saved=1")


@router.post("/documents/{number}/countersign")
def countersign_sign(request: Request, number: str, version: int = fields.whole_form(), password: str = Form(""),
                     csrf_token: str = Form("")):
    """Sign one's part of the review round; the password is a counted attempt, as for every signature."""
    if password:
        security.check_csrf(request, csrf_token)
        request.app.state.ctx.check_password(request.session.get("username") or "", password, signing=True)
    write(request, csrf_token, lambda s, a: countersign.sign(s, docs.LIFECYCLE, docs.get_revision(s, a, number), a,
                                                             password or None, expected_version=version))
    return redirect(request, f"/documents/{number}")


@router.post("/documents/{number}/countersign/reject")
def countersign_reject(request: Request, number: str, version: int = fields.whole_form(), comment: str = Form(""),
                       csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: countersign.reject(s, docs.LIFECYCLE, docs.get_revision(s, a, number), a,
                                                               comment, expected_version=version))
    return redirect(request, f"/documents/{number}")


@router.post("/documents/{number}/countersign/replace")
def countersign_replace(request: Request, number: str, part: int = fields.whole_form(), username: str = Form(""),
                        csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: countersign.replace(s, a, docs.LIFECYCLE, docs.get_revision(s, a, number),
                                                                part, username))
    return redirect(request, f"/documents/{number}")
