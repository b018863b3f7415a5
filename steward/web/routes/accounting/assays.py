"""Fuel assays: the form (with the report file) and the month's weighted values they put in force."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from forms.uploads import type_by_name
from steward.web import fields
from steward.web.render import download, lang_of, page, redirect, unit, write
from storage.errors import StewardError
from workflows.accounting import assays
from workflows.ets import month as ets_months

router = APIRouter()
LABELS = {"quantity": ("批次数量", "Batch quantity"), "ncv": ("低位发热量", "Net calorific value"),
          "carbon_content": ("元素碳含量", "Carbon content"), "ash": ("灰分", "Ash"), "moisture": ("全水分", "Moisture")}


def _page(request: Request, context: dict, status: int = 200):
    lang = lang_of(request)

    def read(s, a):
        return {**assays.listing(s, a, lang), "may_record": bool(a.roles & set(assays.KEEPERS))}
    return page(request, "accounting/assays.html", {"values": {}, "errors": {}, **unit(request, read, page="/assays"),
                                                    **context}, status=status)


@router.get("/assays")
def assays_page(request: Request):
    return _page(request, {})


@router.get("/assays/{number}/report")
def assay_report(request: Request, number: fields.Id) -> Response:
    ctx = request.app.state.ctx
    kept = unit(request, lambda s, a: assays.report_of(s, a, number), page="/assays")
    media = type_by_name(kept.report_name) or ""
    inline = media.startswith("image/") or media == "application/pdf"  # as carbon-market evidence is shown
    return download(ctx.files.read(kept.report_sha256), kept.report_name, media if inline else
                    "application/octet-stream", inline=inline)


@router.post("/assays")
def record(request: Request, material: str = Form(""), sampled_on: str = Form(""), quantity: str = Form(""),
           ncv: str = Form(""), carbon_content: str = Form(""), ash: str = Form(""), moisture: str = Form(""),
           lab: str = Form(""), report: UploadFile | None = File(None), csrf_token: str = Form("")):
    """Refused, the form comes back with each mistake beside its field and everything typed kept (the file is
    asked for again: a browser cannot be given it back)."""
    typed = {"material": material, "sampled_on": sampled_on, "quantity": quantity, "ncv": ncv,
             "carbon_content": carbon_content, "ash": ash, "moisture": moisture, "lab": lab}
    ctx = request.app.state.ctx
    limit = ctx.settings.max_upload_mb << 20

    def number(text: str, field: str) -> float | None:
        return fields.optional_number(text, field, *LABELS[field])

    def go(s, a):
        assays.check_may_record(a)
        errors: list[dict] = []
        values: dict = {}
        for key in ("quantity", "ncv", "carbon_content", "ash", "moisture"):
            try:
                values[key] = number(typed[key], key)
            except StewardError as exc:
                errors.append({"field": key, "zh": exc.zh, "en": exc.en})
        try:
            values["sampled_on"] = fields.optional_day(sampled_on, "sampled_on")
        except StewardError as exc:
            errors.append({"field": "sampled_on", "zh": exc.zh, "en": exc.en})
        if errors:
            raise StewardError("assay_invalid", "化验结果未登记", "The assay was not recorded", field=errors[0]["field"],
                               details=errors)
        data = report.file.read(limit + 1) if report is not None else b""
        if len(data) > limit:
            raise StewardError("file_too_large", f"文件超过上限 {limit >> 20} MB", f"The file exceeds the {limit >> 20} MB "
                               "limit", field="report", status=413)
        kept = assays.record(s, a, ctx.files, material=material, lab=lab,
                             report_name=(report.filename if report is not None else "") or "", report=data,
                             max_bytes=limit, **values)
        ets_months.attach_assays(s, a.enterprise_id, kept.period, kept.material)  # its carbon-market month's evidence
        return kept
    try:
        write(request, csrf_token, go)
    except StewardError as exc:
        if not exc.details:
            raise
        lang = lang_of(request)
        errors: dict[str, list[str]] = {}
        for d in exc.details:
            errors.setdefault(d.get("field") or "report", []).append(d["en"] if lang == "en" else d["zh"])
        return _page(request, {"values": typed, "errors": errors}, status=422)
    return redirect(request, "/assays?recorded=1")
