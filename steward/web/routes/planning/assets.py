"""Carbon assets (8.5): the compliance year's position, holdings and movements, and the forms that record
a movement or a market price — where the surrender reminders lead."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from accounting.carbon_assets import KINDS
from steward.web import fields
from steward.web.render import page, redirect, unit, write
from workflows.engine import clock
from workflows.overview.registers import pair
from workflows.planning import carbon_assets

router = APIRouter()


@router.get("/assets")
def assets(request: Request, year: fields.Year | None = None):
    year = year or clock.today().year - 1
    context = unit(request, lambda s, a: carbon_assets.overview(s, a, year), page="/assets")
    return page(request, "planning/assets.html", {**context, "kinds": {k: pair(v) for k, v in KINDS.items()},
                                         "movements": carbon_assets.MOVEMENTS, "today": clock.today()})


@router.post("/assets/movement")
def movement(request: Request, kind: str = Form("CEA"), txn: str = Form("buy"), vintage: int = fields.year_form(),
             quantity: str = Form(""), on: str = Form(""), price: str = Form(""), reference: str = Form(""),
             compliance_year: int | None = fields.year_form(None), csrf_token: str = Form("")):
    tonnes = fields.number(quantity, "quantity", "数量", "Quantity")
    per_tonne = fields.optional_number(price, "price", "价格", "Price")
    when = fields.day(on, "on")
    write(request, csrf_token, lambda s, a: carbon_assets.record(
        s, a, kind=kind, vintage=vintage, txn=txn, quantity=tonnes, on=when, price=per_tonne, reference=reference,
        compliance_year=compliance_year))
    return redirect(request, f"/assets?year={compliance_year or clock.today().year - 1}")


@router.post("/assets/price")
def price(request: Request, kind: str = Form("CEA"), on: str = Form(""), price: str = Form(""), source: str = Form(""),
          csrf_token: str = Form("")):
    value = fields.number(price, "price", "价格", "Price")
    when = fields.day(on, "on")
    write(request, csrf_token, lambda s, a: carbon_assets.add_price(s, a, kind, when, value, source))
    return redirect(request, "/assets")
