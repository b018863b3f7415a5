"""What an auditor links to a checklist line as evidence: a document, a nonconformity, an audit, a review or
a kept record, named by the reference people see on its page, or a photo or file taken on the spot. Each
entry knows the address that opens it, so the checklist and the report point at the thing itself."""

from __future__ import annotations

from typing import BinaryIO

from sqlmodel import Session, select

from forms.records import FORMS
from forms.uploads import evidence_type
from storage.errors import StewardError
from storage.files import FileStore
from storage.models import Document, FormRecord, InternalAudit, ManagementReview, Nonconformity
from workflows.audit import evidence_map
from workflows.engine import lookup, stored

RECENT_RECORDS = 200  # the records a tablet's list offers; older ones are still linked by their R-number


def _record_label(row: FormRecord) -> str:
    spec = FORMS.get(row.form)
    first = next((str(v) for v in row.payload.values() if isinstance(v, str) and v), "")
    return f"{spec.zh if spec else row.form} {row.recorded_on} {first[:40]}".strip()


def candidates(session: Session, enterprise_id: int) -> list[tuple[str, str]]:
    """(reference, what it is) for everything a line may link, newest records first."""
    out: list[tuple[str, str]] = []
    for model, named in ((Document, lambda d: d.title), (Nonconformity, lambda n: n.title),
                         (InternalAudit, lambda a: a.title), (ManagementReview, lambda r: f"{r.year} {'专项' if r.reason else ''}管理评审")):
        out += [(row.number, named(row)) for row in session.exec(
            select(model).where(model.enterprise_id == enterprise_id).order_by(model.number)).all()]
    out += [(f"R{r.id}", _record_label(r)) for r in session.exec(
        select(FormRecord).where(FormRecord.enterprise_id == enterprise_id)
        .order_by(FormRecord.id.desc()).limit(RECENT_RECORDS)).all()]
    return out


def resolve(session: Session, enterprise_id: int, ref: str, clause_id: str | None = None) -> dict:
    """The evidence entry for a reference typed or chosen on the line; another enterprise's is unknown, and a
    kept record is refused on a clause item it cannot evidence (``evidence_map.may_evidence``)."""
    ref = ref.strip().split(" ", 1)[0]
    record_id = lookup.row_id(ref[1:]) if ref[:1] in "Rr" else None
    if record_id is not None:
        row = session.get(FormRecord, record_id)
        if row is not None and row.enterprise_id == enterprise_id:
            if clause_id and not evidence_map.may_evidence(row.form, clause_id):
                spec, serves = FORMS[row.form], evidence_map.served_by(row.form)
                head = "、".join(serves[:6]) + ("…" if len(serves) > 6 else "")
                raise StewardError("link", f"R{row.id}（{spec.zh}）不能作为条款 {clause_id} 的证据；它可证明：{head}",
                                   f"R{row.id} ({spec.en}) cannot evidence clause {clause_id}; it evidences: "
                                   f"{', '.join(serves[:6])}{'…' if len(serves) > 6 else ''}", field="link", status=422)
            return {"kind": "form_record", "ref": f"{row.form}/{row.id}", "label": f"R{row.id} {_record_label(row)}"}
    for kind, model in (("document", Document), ("nonconformity", Nonconformity), ("audit", InternalAudit),
                        ("review", ManagementReview)):
        found = session.exec(select(model).where(model.enterprise_id == enterprise_id, model.number == ref)).first()
        if found is not None:
            title = getattr(found, "title", None) or f"{found.year} {'专项' if found.reason else ''}管理评审"
            return {"kind": kind, "ref": found.number, "label": f"{found.number} {title}"}
    raise StewardError("link", f"没有编号为 {ref} 的文件或记录", f"No document or record numbered {ref}", field="link")


def keep_file(session: Session, store: FileStore, file_name: str, stream: BinaryIO, max_bytes: int) -> dict:
    """A photo or file attached on the spot: checked from its bytes, kept once by its hash."""
    sha, mime = stored.keep_checked(session, store, stream, max_bytes, lambda path: evidence_type(file_name, path))
    return {"kind": "file", "ref": sha, "label": file_name[-200:], "media_type": mime}


# where an entry proposed by the checklist of an audit started before the evidence map (kind "record"/"data") opens
PAGES = {"nonconformity": "/nonconformities", "corrective_action": "/nonconformities", "audit_report": "/audits",
         "audit_programme": "/audits", "management_review": "/reviews", "compliance_evaluation": "/registers/compliance",
         "activity_data": "/accounting", "accounting_result": "/accounting"}


def href(entry: dict, audit_number: str) -> str | None:
    kind, ref = entry.get("kind"), str(entry.get("ref", ""))
    if kind == "document":
        return f"/documents/{ref}"
    if kind == "nonconformity":
        return f"/nonconformities/{ref}"
    if kind == "audit":
        return f"/audits/{ref}"
    if kind == "review":
        return f"/reviews/{ref}"
    if kind == "form_record":
        form, _, row = ref.partition("/")
        return f"/records/{form}/{row}"
    if kind == "file":
        return f"/audits/{audit_number}/evidence/{ref}"
    if kind == "map":
        return ref or None
    if kind == "record" and ref in FORMS:
        return f"/records/{ref}"
    return PAGES.get(ref)


def label(entry: dict, lang: str) -> str:
    """A suggested entry names a record form or a typed record in words, never by its table name."""
    kind, ref, text = entry.get("kind"), str(entry.get("ref", "")), str(entry.get("label") or entry.get("ref", ""))
    if kind == "map" and lang == "en" and entry.get("label_en"):
        return str(entry["label_en"])
    if kind == "record" and ref in FORMS and " × " in text:
        spec = FORMS[ref]
        return f"{spec.en if lang == 'en' else spec.zh} × {text.rsplit(' × ', 1)[1]}"
    if kind in ("record", "data") and ref in TYPED and " × " in text:
        zh, en = TYPED[ref]
        return f"{en if lang == 'en' else zh} × {text.rsplit(' × ', 1)[1]}"
    return text


TYPED = {"nonconformity": ("不符合项", "Nonconformities"), "corrective_action": ("纠正措施", "Corrective actions"),
         "audit_report": ("内部审核", "Internal audits"), "audit_programme": ("审核方案", "Audit programmes"),
         "management_review": ("管理评审", "Management reviews"),
         "compliance_evaluation": ("合规性评价", "Compliance evaluations"),
         "activity_data": ("活动数据", "Activity data rows"), "accounting_result": ("活动数据", "Activity data rows")}
