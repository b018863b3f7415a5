"""Meter readings (以日保月): the upload page with each month's reconciliation, and a meter's daily curve."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, File, Form, Request, UploadFile

from forms import readings_import as form
from steward.web.render import lang_of, page, redirect, unit, write, xlsx
from storage.errors import StewardError
from workflows.accounting import readings
from workflows.engine import clock

router = APIRouter()


def _month(text: str, field: str = "month") -> date | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise StewardError("month", f"月份应为 YYYY-MM，「{text[:20]}」不是", f"The month must be YYYY-MM, not "
                           f"{text[:20]!r}", field=field) from None


def _page(request: Request, month: date | None, context: dict, status: int = 200):
    store = request.app.state.ctx.files
    shown = month or clock.today().replace(day=1)

    def read(s, a):
        rows, odd = readings.month_rows(s, a.enterprise_id, store, shown)
        return {"batches": readings.batches(s, a), "rows": rows, "odd": odd, "month": shown,
                "may_import": bool(a.roles & set(readings.ENTRY_ROLES)),
                "may_reconcile": bool(a.roles & set(readings.anomalies.RESOLVERS))}
    return page(request, "accounting/readings.html", {**unit(request, read, page="/readings"), **context},
                status=status)


@router.get("/readings")
def readings_page(request: Request, month: str = ""):
    """The latest imports, the upload form, and the month's meters beside the activity data."""
    return _page(request, _month(month), {})


@router.get("/readings/template.xlsx")
def readings_template(request: Request):
    from sqlmodel import select

    from storage.models import Meter
    meters = unit(request, lambda s, a: [(m.code, m.name, m.unit) for m in s.exec(
        select(Meter).where(Meter.enterprise_id == a.enterprise_id).order_by(Meter.code))], page="/readings")
    return xlsx("计量读数导入模板 readings-template", form.template(meters))


@router.post("/readings/import")
def import_readings(request: Request, file: UploadFile = File(...), csrf_token: str = Form("")):
    """A file is spooled to disk as it comes (over the limit: refused, never read whole), then checked whole;
    refused, the page shows every row at fault with its reason."""
    ctx = request.app.state.ctx
    path = form.spool(file.file, form.MAX_BYTES)
    try:
        def go(s, a):
            readings.check_may_import(a)
            return readings.import_upload(s, a, ctx.files, file.filename or "upload.csv", path)
        try:
            done = write(request, csrf_token, go)
        except StewardError as exc:
            if not exc.details:
                raise
            return _page(request, None, {"error": exc, "lang_errors": [
                d["en"] if lang_of(request) == "en" else d["zh"] for d in exc.details[:50]]}, status=422)
    finally:
        path.unlink(missing_ok=True)
    month = done.batch.months[-1] if done.batch.months else ""
    return redirect(request, f"/readings?month={month}&imported={done.batch.id}")


@router.post("/readings/reconcile")
def reconcile(request: Request, month: str = Form(""), csrf_token: str = Form("")):
    first = _month(month) or clock.today().replace(day=1)
    store = request.app.state.ctx.files
    write(request, csrf_token, lambda s, a: readings.reconcile_as(s, a, store, first))
    return redirect(request, f"/readings?month={first:%Y-%m}")


@router.get("/meters/{code}")
def meter_page(request: Request, code: str, month: str = ""):
    """One meter's record, its daily curve for a month and that month's reconciliation with the activity data."""
    store = request.app.state.ctx.files
    data = unit(request, lambda s, a: readings.meter_page(s, a, store, code, _month(month)), page="/meters")
    chart = {"days": [d.isoformat() for d, _, _ in data["days"]], "values": [round(v, 3) for _, v, _ in data["days"]],
             "unit": data["meter"].unit}
    return page(request, "accounting/meter.html", {**data, "chart": chart})
