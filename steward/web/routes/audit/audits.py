"""Internal audits: the programme, one audit's checklist, recording a clause's result."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from steward.web import fields, security
from steward.web.render import (
    download,
    export_link,
    is_htmx,
    lang_of,
    page,
    pager,
    redirect,
    unit,
    word_or_pdf,
    write,
    xlsx_stream,
)
from storage.errors import StewardError
from workflows.audit import evidence_links, internal_audit
from workflows.engine import clock

router = APIRouter()


@router.get("/audits.xlsx")
def export(request: Request, year: str = "", state: str = ""):
    title, out = unit(request, lambda s, a: internal_audit.export(s, a, lang_of(request), fields.optional_year(year),
                                                                  state), page="/audits")
    return xlsx_stream(title, out)


@router.get("/audits")
def audits(request: Request, page_no: int = Query(1, alias="page"), year: str = "", state: str = ""):
    def read(s, a):
        found = internal_audit.listing(s, a, page_no, fields.optional_year(year), state)
        return {**found, "pager": pager(request, found["page"]), "export": export_link(request, "/audits.xlsx")}
    return page(request, "audit/audits.html", {**unit(request, read, page="/audits"),
                                         "year": clock.today().year, "today": clock.today()})


@router.post("/audits/plan")
def plan(request: Request, year: int = fields.year_form(), csrf_token: str = Form("")):
    number = write(request, csrf_token, lambda s, a: internal_audit.plan_year(s, a, year).number)
    return redirect(request, f"/audits/{number}")


@router.post("/audits/new")
def plan_one(request: Request, start: str = Form(""), end: str = Form(""), lead: str = Form(""),
             team: list[str] = Form([]), scope: str = Form(""), method: str = Form(""), title: str = Form(""),
             reason: str = Form(""), csrf_token: str = Form("")):
    first, last = fields.day(start, "start"), fields.day(end, "end")
    number = write(request, csrf_token, lambda s, a: internal_audit.plan_as(
        s, a, start=first, end=last, lead=lead, team=team, scope=scope, method=method, title=title,
        reason=reason).number)
    return redirect(request, f"/audits/{number}")


@router.post("/audits/{number}/plan-next-year")
def plan_next_year(request: Request, number: str, csrf_token: str = Form("")):
    """Next year's programme from this audit: team, schedule and scope copied, its open findings to follow up."""
    planned = write(request, csrf_token, lambda s, a: internal_audit.plan_next_year(s, a, number).number)
    return redirect(request, f"/audits/{planned}")


@router.post("/audits/{number}/report")
def submit_report(request: Request, number: str, conclusion: str = Form(""), password: str = Form(""),
                  version: int = fields.whole_form(), csrf_token: str = Form("")):
    """The lead auditor signs the report: a signature is a password attempt, counted like a sign-in."""
    ctx = request.app.state.ctx
    security.check_csrf(request, csrf_token)
    ctx.check_password(request.session.get("username") or "", password, signing=True)
    write(request, csrf_token, lambda s, a: internal_audit.report(s, a, internal_audit.get(s, a, number), conclusion,
                                                                  password, ctx.files, version))
    return redirect(request, f"/audits/{number}")


@router.get("/audits/{number}/report.{fmt}")
def report_file(request: Request, number: str, fmt: str):
    ctx = request.app.state.ctx

    def read(s, a):
        audit = internal_audit.get(s, a, number)
        if not audit.report_sha256:
            raise StewardError("no_report", "审核报告尚未生成", "The audit report has not been produced", status=404)
        return ctx.files.read(audit.report_sha256)
    return word_or_pdf(unit(request, read, page="/audits"), f"{number}-report", fmt, request)


@router.get("/audits/{number}")
def audit(request: Request, number: str, chapter: str = "", pending: bool = False):
    return page(request, "audit/audit.html", unit(request, lambda s, a: internal_audit.view(s, a, number, chapter, pending),
                                            page="/audits"))


@router.post("/audits/{number}/check")
def check(request: Request, number: str, clause_id: str = Form(...), result: str = Form(""), notes: str = Form(""),
          link: str = Form(""), file: UploadFile | None = File(None), csrf_token: str = Form("")):
    """Record one line with what backs it (a photo or file taken on the spot, a linked document or record),
    all in one transaction. On the tablet only that line is redrawn; without scripts the page reloads."""
    ctx = request.app.state.ctx

    def go(s, a):
        audit = internal_audit.get(s, a, number)
        found = [evidence_links.resolve(s, a.enterprise_id, link, clause_id)] if link.strip() else []
        if file is not None and file.filename:
            found.append(evidence_links.keep_file(s, ctx.files, file.filename, file.file, ctx.settings.max_upload_mb << 20))
        internal_audit.record(s, a, audit, clause_id, result, notes, evidence=found)
        return internal_audit.line(s, a, number, clause_id)
    shown = write(request, csrf_token, go)
    if is_htmx(request) and not request.headers.get("hx-boosted"):
        return page(request, "audit/audit_line.html", shown)
    back = urlsplit(request.headers.get("hx-current-url", "")).query  # stay on the chapter being worked through
    return redirect(request, f"/audits/{number}" + (f"?{back}" if back else "") + f"#c-{clause_id}")


@router.post("/audits/{number}/finding")
def finding(request: Request, number: str, clause_id: str = Form(...), result: str = Form(""), notes: str = Form(""),
            csrf_token: str = Form("")):
    """Another nonconformity on a line that already has one; the line alone is redrawn."""
    def go(s, a):
        internal_audit.add_finding(s, a, internal_audit.get(s, a, number), clause_id, result, notes)
        return internal_audit.line(s, a, number, clause_id)
    shown = write(request, csrf_token, go)
    if is_htmx(request) and not request.headers.get("hx-boosted"):
        return page(request, "audit/audit_line.html", shown)
    return redirect(request, f"/audits/{number}#c-{clause_id}")


@router.get("/audits/{number}/evidence/{sha256}")
def evidence_file(request: Request, number: str, sha256: str):
    """A photo opens in the browser; a file downloads. Only a hash on this audit's lines is served."""
    ctx = request.app.state.ctx
    entry = unit(request, lambda s, a: internal_audit.evidence_file(s, a, number, sha256), page="/audits")
    mime = entry.get("media_type") or "application/octet-stream"
    return download(ctx.files.read(sha256), entry.get("label") or sha256, mime, inline=mime.startswith("image/"))
