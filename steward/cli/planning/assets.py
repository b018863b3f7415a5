"""`steward assets`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Optional

import typer

from steward.cli.common import (
    AsJson,
    AsUser,
    Enterprise,
    Year,
    emit,
    parse_date,
    read,
    run_as,
)

app = typer.Typer(help="碳资产与履约（8.5）/ Carbon assets and ETS compliance", no_args_is_help=True)


@app.command("add")
def assets_add(as_user: AsUser, kind: Annotated[str, typer.Argument(help="CEA|CCER|GEC|SINK")], vintage: int,
               txn: Annotated[str, typer.Argument(help="allocate|buy|sell|surrender|transfer_in|transfer_out")],
               quantity: float, price: Annotated[Optional[float], typer.Option(help="元/单位 / CNY per unit")] = None,
               on: Annotated[Optional[str], typer.Option(help="日期 / date")] = None,
               year: Annotated[Optional[int], typer.Option(help="履约年度（清缴时）/ compliance year")] = None,
               reference: Annotated[str, typer.Option(help="凭证 / reference")] = ""):
    """登记碳资产变动（不能清缴或卖出多于持有）/ Record a movement (never more than is held)."""
    from workflows.planning import carbon_assets
    row = run_as(as_user, lambda c, s, a: carbon_assets.record(
        s, a, kind=kind, vintage=vintage, txn=txn, quantity=quantity, price=price,
        on=parse_date(on, "on") or date.today(), reference=reference, compliance_year=year))
    typer.echo(f"#{row.id} {kind} {vintage} {txn} {quantity:,.3f}")


@app.command("price")
def assets_price(as_user: AsUser, kind: str, price: float, source: Annotated[str, typer.Option(help="来源 / source")],
                 on: Annotated[Optional[str], typer.Option(help="日期 / date")] = None):
    """登记价格 / Record a market price."""
    from workflows.planning import carbon_assets
    run_as(as_user, lambda c, s, a: carbon_assets.add_price(s, a, kind, parse_date(on, "on") or date.today(), price,
                                                              source))
    typer.echo(f"{kind} {price:g}")


@app.command("prices")
def assets_prices(kind: Annotated[str, typer.Option(help="CEA|CCER|GEC|SINK")] = "CEA"):
    """价格历史 / Price history with sources."""
    from sqlmodel import select

    from storage.models import CarbonPrice
    rows = read("cli:prices", lambda s: [(p.on, p.price, p.source) for p in s.exec(
        select(CarbonPrice).where(CarbonPrice.kind == kind).order_by(CarbonPrice.on))])
    for on, price, source in rows:
        typer.echo(f"{on} {kind} {price:>8,.2f}  {source}")


@app.command("position")
def assets_position(enterprise: Enterprise, year: Year, as_json: AsJson = False):
    """履约年度：应清缴、已清缴、持有、截止日期与最省钱的清缴方案 / Due, surrendered, held, deadline, cheapest plan."""
    from workflows.accounting import calculation
    from workflows.planning import carbon_assets
    pos = read("cli:assets", lambda s: carbon_assets.position(s, calculation.enterprise(s, enterprise).id, year))
    if as_json:
        return emit(pos, True)
    plan = pos["plan"]
    typer.echo(f"{enterprise} {year}：应清缴 due {pos['due_t']:,.1f} t，尚欠 remaining {pos['remaining_t']:,.1f} t，"
               f"截止 deadline {pos['deadline']}（{pos['days_left']} 天 days）")
    if plan is None:
        typer.echo("  登记配额价格后可给出最省钱的清缴方案 / record an allowance price for the cheapest plan")
        return None
    for lot in plan["surrender"]:
        typer.echo(f"  清缴持有 surrender held {lot['kind']} {lot['vintage']}: {lot['quantity']:,.1f} t")
    typer.echo(f"  购买 buy CCER {plan['buy_ccer_t']:,.1f} t, CEA {plan['buy_cea_t']:,.1f} t；"
               f"费用 cost {plan['cost_cny']:,.0f} 元 CNY")
