"""Controlled copies (7.5.2 b): a Word cover with number, revision, effective date, the 受控 / 作废 mark and
the signature manifest, followed by the body of an uploaded Word file; and a revision's file as PDF or text
to read in the browser."""

from __future__ import annotations

import copy
import io
from functools import lru_cache
from pathlib import Path

import docx
from sqlmodel import Session

from storage.errors import StewardError
from storage.files import FileStore
from storage.models import Document, Enterprise, Revision
from workflows.documents import document as docs
from workflows.engine import clock
from workflows.engine.machine import MEANINGS
from workflows.engine.rendering import html_preview, pdf_ready, render_docx, to_pdf

TAMPERED = "非受控：文件内容与签名不符 UNCONTROLLED: the content no longer matches its signatures"
# A change requested, or a successor drafted, leaves the issued revision in force, and so controlled, until the
# successor is issued (and this one superseded).
MARKS = {"issued": "受控 CONTROLLED", "change_requested": "受控 CONTROLLED", "obsolete": "作废 OBSOLETE", "superseded": "作废 SUPERSEDED"}


def controlled_copy(session: Session, rev: Revision, store: FileStore) -> bytes:
    doc = session.get(Document, rev.document_id)
    state = docs.DocState(rev.state)
    sigs = docs.current_signatures(session, rev, store)
    intact = docs.file_intact(rev, store)
    data = render_docx("controlled_copy.docx", {
        "mark": MARKS.get(rev.state, "非受控草稿 UNCONTROLLED DRAFT") if intact else TAMPERED,
        "enterprise": session.get(Enterprise, rev.enterprise_id).name_zh,
        "title": doc.title, "number": doc.number, "rev": rev.rev,
        "doc_type": f"{docs.DocType(doc.doc_type).zh} {docs.DocType(doc.doc_type).en}",
        "effective_date": rev.effective_date or "—", "state": f"{state.zh} {state.en}",
        "content_sha256": docs.content_hash(rev),
        "change_summary": rev.change_summary and f"修订说明 Change: {rev.change_summary}",
        "signatures": [{"meaning": " ".join(MEANINGS[s.meaning]), "signer": s.signer_name + (f"（代 {s.on_behalf_of_name}）" if s.on_behalf_of_name else ""),
                        "time": clock.stamp(s.signed_at), "hash": s.content_sha256[:16] + "…",
                        "valid": "有效 valid" if ok else "已失效 INVALID"} for s, ok in sigs],
    })
    if intact and rev.file_sha256 and rev.file_name.lower().endswith(".docx"):
        return _append_body(io.BytesIO(data), store.read(rev.file_sha256)).getvalue()
    return data


def _append_body(cover: io.BytesIO, source: bytes) -> io.BytesIO:
    """Copy the uploaded document's paragraphs and tables after a page break (text and tables only)."""
    target = docx.Document(io.BytesIO(cover.getvalue()))
    target.add_page_break()
    body = target.element.body
    sect = body[-1] if body[-1].tag.endswith("sectPr") else None
    try:
        uploaded = docx.Document(io.BytesIO(source))
    except Exception:  # a file stored before uploads were checked: say so rather than fail the page
        raise StewardError("broken_file", "该文件的 Word 内容已损坏，无法生成受控副本",
                           "The stored Word file is damaged; no controlled copy can be made", status=422) from None
    for element in uploaded.element.body:
        if element.tag.endswith("sectPr"):
            continue
        clone = copy.deepcopy(element)
        if sect is not None:
            sect.addprevious(clone)
        else:
            body.append(clone)
    out = io.BytesIO()
    target.save(out)
    return out


def _preview_pdf(rev: Revision, store: FileStore) -> Path:
    return store.root / "previews" / f"{rev.file_sha256}.pdf"


def pdf_offered(rev: Revision, store: FileStore) -> bool:
    """Whether the reading page shows the file as PDF: it is one, its conversion is kept, or one can be made. The page
    does not convert (seconds of LibreOffice before it could answer); the PDF it holds does, once, when it loads."""
    return (Path(rev.file_name).suffix.lower() == ".pdf" or _preview_pdf(rev, store).exists()
            or pdf_ready())


def as_pdf(rev: Revision, store: FileStore) -> bytes | None:
    """The revision's file as PDF to read in the browser: the file itself, or its conversion (made once, kept)."""
    data = store.read(rev.file_sha256)
    suffix = Path(rev.file_name).suffix.lower()
    if suffix == ".pdf":
        return data
    cached = _preview_pdf(rev, store)
    if cached.exists():
        return cached.read_bytes()
    pdf = to_pdf(data, suffix)
    if pdf is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(pdf)
    return pdf


def text_preview(rev: Revision, store: FileStore) -> str:
    """The text of a Word or Excel file, for a browser that shows no PDF (most phones) or a server without
    LibreOffice; empty for a PDF, which has no other form here."""
    suffix = Path(rev.file_name).suffix.lower()
    return _preview(store.root, rev.file_sha256, suffix) if suffix in (".docx", ".xlsx") else ""


@lru_cache(maxsize=64)
def _preview(root: Path, sha256: str, suffix: str) -> str:
    """Made once per file and process: converting a Word file takes seconds (mammoth), and a stored file never
    changes under its digest. In memory, not on disk, so a stricter sanitiser applies as soon as it is deployed."""
    return html_preview(FileStore(root).read(sha256), suffix)
