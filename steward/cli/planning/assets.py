"""`steward assets`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Optional

import typer

from steward.cli.common import (
    AsJson,
    AsUser,
    Enterprise,
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
def assets_position(enterprise: Enterprise,
                    year: Annotated[Optional[int], typer.Option(help="履约年度（省略：每个未完成的清缴）/ compliance year "
                                                                "(omitted: every surrender still open)")] = None,
                    as_json: AsJson = False):
    """每个未完成的清缴（最早截止的在前），或一个履约年度：应清缴、已清缴、可用配额及原因、截止日期与最省钱的清缴方案 /
    Every surrender still open (soonest deadline first), or one year: due, surrendered, the allowances it may use
    and why, deadline, cheapest plan."""
    from workflows.accounting import calculation
    from workflows.planning import carbon_assets

    def load(s):
        eid = calculation.enterprise(s, enterprise).id
        if year is None:
            return carbon_assets.positions(s, eid, plan=True)
        return [carbon_assets.position(s, eid, year)]
    found = read("cli:assets", load)
    if as_json:
        return emit(found if year is None else found[0], True)
    if not found:
        typer.echo(f"{enterprise}：没有未完成的清缴 / no surrender open")
    for pos in found:
        _echo(enterprise, pos)
    return None


STATES = {"in_progress": "进行中 in progress", "overdue": "已逾期 overdue", "open": "未完成 open", "done": "已完成 done"}


def _echo(enterprise: str, pos: dict) -> None:
    so_far = "（至今 so far, {first_month}–{last_month}）".format(**pos) if pos["in_progress"] and pos["months"] else ""
    typer.echo(f"{enterprise} {pos['year']} [{STATES[pos['state']]}]：应清缴 due {pos['due_t']:,.1f} t{so_far}，"
               f"尚欠 remaining {pos['remaining_t']:,.1f} t，截止 deadline {pos['deadline']}（{pos['days_left']} 天 days）")
    if pos["verified"]:
        typer.echo(f"  核查量 verified: {pos['verified']['verifier']} {pos['verified']['ended_on']}"
                   f"（核算值 run {pos['verified']['run_t']:,.1f} t）")
    elif not pos["in_progress"]:
        typer.echo("  未经核查 not yet verified: 按核算值 the accounting run's figure")
    if pos["allocated_t"] is None:
        typer.echo(f"  尚未登记 {pos['year']} 年度配额分配 / no allocation recorded for {pos['year']}")
    typer.echo(f"  可用配额 allowances that count {pos['held_t']:,.1f} t，缺口 short {pos['short_t']:,.1f} t")
    for use in pos["uses"]:
        typer.echo(f"    配额 allowances {use['vintage']}: 持有 held {use['held']:,.1f} t，计入 counted {use['counted']:,.1f} t"
                   f" — {use['zh']} / {use['en']}")
    rule = pos["use_rule"]
    # the source grades each of its parts; an unverified rule also says what decides, as the assets page does
    unverified = ("；待核实，请以主管部门当年配额分配方案为准 / unverified: the authority's allocation plan for the year "
                  "decides") if rule["confidence"] == "U" else ""
    typer.echo(f"  规则 rule: {rule['zh']} / {rule['en']}；来源 source: {rule['source']}{unverified}")
    from accounting.carbon_assets import KINDS
    plan = pos["plan"]
    if not pos["remaining_t"]:
        return
    if plan is None:
        typer.echo({"in_progress": "  年度尚在进行，年度结束后给出清缴方案 / the year is in progress: a plan once it is over",
                    "no_allocation": "  登记本年度配额分配后可给出清缴方案 / record the year's allocation for a plan"}.get(
            pos["no_plan"], "  登记配额价格后可给出最省钱的清缴方案 / record an allowance price for the cheapest plan"))
        return
    for lot in plan["surrender"]:
        typer.echo(f"  清缴持有 surrender held {KINDS[lot['kind']]} {lot['vintage']}: {lot['quantity']:,.1f} t")
    if plan["nothing_to_buy"]:
        typer.echo("  持有的配额足够，无需买入 / enough held: nothing to buy")
        return
    bought = [f"{label} {plan[key]:,.0f} t" for key, label in (("buy_ccer_t", "国家核证自愿减排量 offsets"),
                                                              ("buy_cea_t", "配额 allowances")) if plan[key]]
    typer.echo(f"  买入 buy {'，'.join(bought)}；费用 cost {plan['cost_cny']:,.0f} 元 CNY")
