"""Carbon assets (8.5): the compliance year's position, holdings and movements, and the forms that record
a movement or a market price — where the surrender reminders lead."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request

from accounting.carbon_assets import KINDS
from steward.web.render import page, redirect, unit, write
from storage.errors import StewardError
from workflows import carbon_assets
from workflows.registers import pair

router = APIRouter()


@router.get("/assets")
def assets(request: Request, year: int | None = None):
    year = year or date.today().year - 1
    context = unit(request, lambda s, a: carbon_assets.overview(s, a, year), page="/assets")
    return page(request, "assets.html", {**context, "kinds": {k: pair(v) for k, v in KINDS.items()},
                                         "movements": carbon_assets.MOVEMENTS, "today": date.today()})


def _value(text: str, field: str, zh: str, en: str, optional: bool = False) -> float | None:
    if optional and not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise StewardError(field, f"「{zh}」应为数字", f"“{en}” must be a number", field=field) from None
    if value != value or abs(value) == float("inf"):
        raise StewardError(field, f"「{zh}」不是有限的数", f"“{en}” is not a finite number", field=field)
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise StewardError("on", "日期应为 YYYY-MM-DD", "The date must be YYYY-MM-DD", field="on") from None


@router.post("/assets/movement")
def movement(request: Request, kind: str = Form("CEA"), txn: str = Form("buy"), vintage: int = Form(...),
             quantity: str = Form(""), on: str = Form(""), price: str = Form(""), reference: str = Form(""),
             compliance_year: int | None = Form(None), csrf_token: str = Form("")):
    tonnes = _value(quantity, "quantity", "数量", "Quantity")
    per_tonne = _value(price, "price", "价格", "Price", optional=True)
    when = _day(on)
    write(request, csrf_token, lambda s, a: carbon_assets.record(
        s, a, kind=kind, vintage=vintage, txn=txn, quantity=tonnes, on=when, price=per_tonne, reference=reference,
        compliance_year=compliance_year))
    return redirect(request, f"/assets?year={compliance_year or date.today().year - 1}")


@router.post("/assets/price")
def price(request: Request, kind: str = Form("CEA"), on: str = Form(""), price: str = Form(""), source: str = Form(""),
          csrf_token: str = Form("")):
    value = _value(price, "price", "价格", "Price")
    when = _day(on)
    write(request, csrf_token, lambda s, a: carbon_assets.add_price(s, a, kind, when, value, source))
    return redirect(request, "/assets")
