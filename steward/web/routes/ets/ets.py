"""The carbon market's months (以日保月): the enterprise's profile and a year's months, one month's package with its
values, evidence and status, its uploads, its signed submission and its correction, and its one download."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from accounting import ets_monthly
from steward.web import fields
from steward.web.render import XLSX, download, page, redirect, unit, write
from workflows.engine import clock
from workflows.ets import annual
from workflows.ets import download as bundles
from workflows.ets import group as groups
from workflows.ets import month as months
from workflows.ets import profile as profiles

router = APIRouter()
PAGE = "/ets"


@router.get("/ets")
def overview(request: Request, year: fields.Year | None = None):
    chosen = year or ets_monthly.previous_month(clock.today()).year  # in January, last year's December is still due

    def read(s, a):
        shown = profiles.view(s, a)
        return {**shown, "year": chosen, "months": months.year(s, a, chosen) if shown["profile"] else [],
                "report_years": range(shown["profile"].listed_from, clock.today().year) if shown["profile"] else [],
                "is_group": groups.is_group(s, a), "last_ended": min(chosen, clock.today().year - 1),
                "first_month": ets_monthly.first_month(shown["profile"].sector, shown["profile"].listed_from)
                if shown["profile"] else None}
    return page(request, "ets/ets.html", unit(request, read, page=PAGE))


@router.post("/ets/profile")
async def keep_profile(request: Request, sector: str = Form(""), listed_from: int = fields.year_form(),
                       deadline_days: int = fields.whole_form(40), version: int | None = fields.whole_form(None),
                       csrf_token: str = Form("")):
    form = await request.form()
    chosen = {key[len("required_"):] for key in form if key.startswith("required_")}
    evidence = {key[len("evidence_"):]: str(value) for key, value in form.items() if key.startswith("evidence_")}
    write(request, csrf_token, lambda s, a: profiles.save(
        s, a, sector=sector, listed_from=listed_from, deadline_days=deadline_days,
        required_items=chosen if any(k.startswith("evidence_") for k in form) else None, evidence=evidence,
        expected_version=version))
    return redirect(request, "/ets")


@router.get("/ets/reports/{year}")
def report_page(request: Request, year: fields.Year):
    return page(request, "ets/report.html", unit(request, lambda s, a: annual.view(s, a, year), page=PAGE))


@router.post("/ets/reports/{year}/generate")
def generate_report(request: Request, year: fields.Year, summary: str = Form(""), csrf_token: str = Form("")):
    ctx = request.app.state.ctx
    write(request, csrf_token, lambda s, a: annual.generate(s, a, year, ctx.files, ctx.settings.max_upload_mb << 20,
                                                            summary))
    return redirect(request, f"/ets/reports/{year}")


@router.get("/ets/reports/{year}/report.xlsx")
def report_workbook(request: Request, year: fields.Year) -> Response:
    stem, data = unit(request, lambda s, a: annual.workbook(s, a, year), page=PAGE)
    return download(data, f"{stem}.xlsx", XLSX)


@router.get("/ets/reports/{year}/report.docx")
def report_word(request: Request, year: fields.Year) -> Response:
    ctx = request.app.state.ctx
    name, data = unit(request, lambda s, a: annual.word(s, a, year, ctx.files), page=PAGE)
    return download(data, name, annual.DOCX)


@router.get("/ets/{month}")
def month_page(request: Request, month: str):
    when = months.parse_month(month)
    return page(request, "ets/month.html", unit(request, lambda s, a: months.view(s, a, when), page=PAGE))


@router.post("/ets/{month}/evidence")
def evidence(request: Request, month: str, item: str = Form(""), file: UploadFile | None = File(None),
             csrf_token: str = Form("")):
    when = months.parse_month(month)
    ctx = request.app.state.ctx
    name = file.filename if file is not None and file.filename else ""
    write(request, csrf_token, lambda s, a: months.add_evidence(
        s, a, when, item, name, file.file if file is not None else None, ctx.files, ctx.settings.max_upload_mb << 20))
    return redirect(request, f"/ets/{month}#i-{item}")


@router.post("/ets/{month}/value")
def value(request: Request, month: str, item: str = Form(""), amount: str = Form(""), note: str = Form(""),
          csrf_token: str = Form("")):
    when = months.parse_month(month)
    number = fields.number(amount, "amount", "数值", "Value")
    write(request, csrf_token, lambda s, a: months.enter(s, a, when, item, number, note))
    return redirect(request, f"/ets/{month}#i-{item}")


@router.post("/ets/{month}/submit")
def submit(request: Request, month: str, receipt: str = Form(""), password: str = Form(""),
           version: int | None = fields.whole_form(None), csrf_token: str = Form("")):
    when = months.parse_month(month)
    write(request, csrf_token, lambda s, a: months.submit(s, a, when, receipt=receipt, password=password,
                                                          expected_version=version))
    return redirect(request, f"/ets/{month}")


@router.post("/ets/{month}/correct")
def correct(request: Request, month: str, comment: str = Form(""), version: int | None = fields.whole_form(None),
            csrf_token: str = Form("")):
    when = months.parse_month(month)
    write(request, csrf_token, lambda s, a: months.correct(s, a, when, comment, version))
    return redirect(request, f"/ets/{month}")


@router.get("/ets/{month}/package.zip")
def package_zip(request: Request, month: str) -> Response:
    when = months.parse_month(month)
    ctx = request.app.state.ctx

    def build(s, a):
        pkg = months.readable(s, a, when)
        return bundles.stem(pkg), bundles.bundle(pkg, ctx.files)
    stem, data = unit(request, build, page=PAGE)
    return download(data, f"{stem}.zip", "application/zip")


@router.get("/ets/{month}/evidence/{number}")
def evidence_file(request: Request, month: str, number: fields.Id) -> Response:
    when = months.parse_month(month)
    ctx = request.app.state.ctx
    kept = unit(request, lambda s, a: months.evidence_of(s, a, when, number), page=PAGE)
    return download(ctx.files.read(kept.sha256), kept.file_name, kept.media_type,
                    inline=kept.media_type.startswith("image/") or kept.media_type == "application/pdf")
