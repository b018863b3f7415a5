"""Carbon-asset ledger and the compliance year (8.5): record movements (refusing to give away what is
not held), show the position against what is due, and plan the cheapest surrender."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date

from sqlmodel import Session, func, select

from accounting import ets_scope
from accounting.carbon_assets import KINDS, OFFSET_LIMIT, Lot, deadline, plan_compliance
from storage.errors import StewardError
from storage.models import AssetTxn, CarbonPrice, Enterprise, Task
from storage.models.org import utcnow
from workflows.accounting import runs
from workflows.engine import machine
from workflows.engine.machine import Actor

TRADERS = ("carbon_manager", "top_management")
WHOLE_TONNE = 0.5  # allowances go in whole tonnes: less than half a tonne still owed is nothing owed
SIGN = {"allocate": 1, "buy": 1, "transfer_in": 1, "sell": -1, "surrender": -1, "transfer_out": -1}
MOVEMENTS = {"allocate": ("配额分配", "Allocation"), "buy": ("买入", "Purchase"), "transfer_in": ("转入", "Transfer in"),
             "sell": ("卖出", "Sale"), "surrender": ("履约清缴", "Surrender"), "transfer_out": ("转出", "Transfer out")}


def holdings(session: Session, enterprise_id: int) -> list[Lot]:
    rows = session.exec(select(AssetTxn.kind, AssetTxn.vintage, func.sum(AssetTxn.quantity)).where(
        AssetTxn.enterprise_id == enterprise_id).group_by(AssetTxn.kind, AssetTxn.vintage)
        .order_by(AssetTxn.kind, AssetTxn.vintage)).all()
    return [Lot(k, v, round(q, 3)) for k, v, q in rows if round(q, 3) != 0]


def verified_emissions(session: Session, enterprise_id: int, year: int) -> float:
    """What the surrender is due on: the figure the sector's ETS rule names, from the year's latest run."""
    run = runs.latest_run(session, enterprise_id, year)
    if run is None:
        raise StewardError("no_run", f"{year} 年尚未核算，无法确定应清缴量", f"{year} has not been accounted; nothing is due yet",
                           field="year")
    return run.totals["enterprise"][scope(session, enterprise_id, year).figure]


def scope(session: Session, enterprise_id: int, year: int) -> ets_scope.Rule:
    ent = session.get(Enterprise, enterprise_id)
    return ets_scope.rule(ent.industry if ent else "", year)


def record(session: Session, actor: Actor, *, kind: str, vintage: int, txn: str, quantity: float, on: date,
           price: float | None = None, reference: str = "", compliance_year: int | None = None) -> AssetTxn:
    machine.require_role(actor, TRADERS, "登记碳资产变动", "Recording a carbon-asset movement")
    if kind not in KINDS:
        raise StewardError("kind", f"资产类型须为 {', '.join(KINDS)}", f"Kind must be one of {', '.join(KINDS)}", field="kind")
    if txn not in SIGN:
        raise StewardError("txn", f"变动类型须为 {', '.join(SIGN)}", f"Movement must be one of {', '.join(SIGN)}", field="txn")
    if not quantity > 0:
        raise StewardError("quantity", "数量须为正数", "The quantity must be positive", field="quantity")
    if price is not None and price < 0:
        raise StewardError("price", "价格不能为负数", "A price cannot be negative", field="price")
    if not 2005 <= vintage <= on.year + 1:
        raise StewardError("vintage", f"年份 {vintage} 不合理", f"Vintage {vintage} is not plausible", field="vintage")
    held = sum(lot.quantity for lot in holdings(session, actor.enterprise_id) if lot.kind == kind and lot.vintage == vintage)
    if SIGN[txn] < 0 and quantity > held + 1e-9:
        raise StewardError("beyond_holdings", f"持有 {kind} {vintage} 年度 {held:,.3f}，不足以{txn} {quantity:,.3f}",
                           f"Only {held:,.3f} {kind} of vintage {vintage} held; cannot {txn} {quantity:,.3f}",
                           field="quantity")
    if txn == "surrender":
        _check_surrender(session, actor.enterprise_id, kind, vintage, quantity, compliance_year)
    row = AssetTxn(enterprise_id=actor.enterprise_id, kind=kind, vintage=vintage, txn=txn, quantity=SIGN[txn] * quantity,
                   price=price, on=on, reference=reference, compliance_year=compliance_year if txn == "surrender" else None,
                   recorded_by=actor.label)
    session.add(row)
    session.flush()
    if txn == "surrender":
        _close_reminders_when_done(session, actor.enterprise_id, compliance_year)
    return row


def _close_reminders_when_done(session: Session, enterprise_id: int, year: int | None) -> None:
    """The surrender reminders of a year (keyed year×1000 + days before the deadline) end with the last tonne."""
    if year is None:
        return
    surrendered = -sum(t.quantity for t in session.exec(select(AssetTxn).where(
        AssetTxn.enterprise_id == enterprise_id, AssetTxn.txn == "surrender", AssetTxn.compliance_year == year)))
    if verified_emissions(session, enterprise_id, year) - surrendered >= WHOLE_TONNE:
        return
    for task in session.exec(select(Task).where(Task.enterprise_id == enterprise_id, Task.lifecycle == "surrender",
                                                Task.entity_id >= year * 1000, Task.entity_id < (year + 1) * 1000,
                                                Task.status == "open")):
        task.status, task.closed_at = "done", utcnow()
        session.add(task)
    session.flush()


def ledger(session: Session, actor: Actor, limit: int = 50) -> list[AssetTxn]:
    return list(session.exec(select(AssetTxn).where(AssetTxn.enterprise_id == actor.enterprise_id)
                             .order_by(AssetTxn.on.desc(), AssetTxn.id.desc()).limit(limit)).all())


def overview(session: Session, actor: Actor, year: int) -> dict:
    """The assets page: the year's position (or why there is none yet), what is held, the latest movements."""
    try:
        pos, problem = position(session, actor.enterprise_id, year), None
    except StewardError as exc:
        pos, problem = None, exc
    return {"year": year, "position": pos, "problem": problem, "holdings": holdings(session, actor.enterprise_id),
            "ledger": ledger(session, actor), "can_trade": bool(actor.roles & set(TRADERS))}


def _check_surrender(session, enterprise_id, kind, vintage, quantity, year) -> None:
    if kind not in ("CEA", "CCER"):
        raise StewardError("not_surrenderable", f"{kind} 不能用于碳市场清缴", f"{kind} cannot be surrendered in the ETS",
                           field="kind")
    if year is None:
        raise StewardError("year", "清缴须注明履约年度", "A surrender needs its compliance year", field="compliance_year")
    if vintage > year:
        raise StewardError("vintage", f"{vintage} 年度的配额不能用于 {year} 年履约",
                           f"Vintage {vintage} cannot be surrendered for {year}", field="vintage")
    if kind == "CCER":
        due = verified_emissions(session, enterprise_id, year)
        used = -sum(t.quantity for t in session.exec(select(AssetTxn).where(
            AssetTxn.enterprise_id == enterprise_id, AssetTxn.kind == "CCER", AssetTxn.txn == "surrender",
            AssetTxn.compliance_year == year)))
        if used + quantity > due * OFFSET_LIMIT + 1e-9:
            raise StewardError("offset_limit", f"CCER 抵销不得超过应清缴量的 5%（{due * OFFSET_LIMIT:,.1f} t，已用 {used:,.1f} t）",
                               f"CCER may cover at most 5 % of what is due ({due * OFFSET_LIMIT:,.1f} t; {used:,.1f} t used)",
                               field="quantity")


def add_price(session: Session, actor: Actor, kind: str, on: date, price: float, source: str) -> CarbonPrice:
    machine.require_role(actor, TRADERS, "登记价格", "Recording a price")
    if kind not in KINDS or price <= 0 or not source.strip():
        raise StewardError("price", "价格须为正数，并注明类型和来源", "A price needs a kind, a positive value and a source",
                           field="price")
    row = CarbonPrice(kind=kind, on=on, price=price, source=source.strip())
    session.add(row)
    session.flush()
    return row


def latest_price(session: Session, kind: str) -> CarbonPrice | None:
    return session.exec(select(CarbonPrice).where(CarbonPrice.kind == kind).order_by(CarbonPrice.on.desc())).first()


def position(session: Session, enterprise_id: int, year: int, today: date | None = None, *, plan: bool = True) -> dict:
    """What is due for the year, what has been surrendered, what is held, and the cheapest way to finish at the
    latest prices. With ``plan=False`` neither prices nor plan are read (both None): the overview shows only the
    first three, on every visit."""
    today = today or date.today()
    due = verified_emissions(session, enterprise_id, year)
    surrendered = defaultdict(float)
    for t in session.exec(select(AssetTxn).where(AssetTxn.enterprise_id == enterprise_id, AssetTxn.txn == "surrender",
                                                 AssetTxn.compliance_year == year)):
        surrendered[t.kind] -= t.quantity
    remaining = max(due - sum(surrendered.values()), 0.0)
    cea, ccer = (latest_price(session, "CEA"), latest_price(session, "CCER")) if plan else (None, None)
    held = holdings(session, enterprise_id)
    rule = scope(session, enterprise_id, year)  # stated with the figure, source and grade beside it
    out = {"year": year, "due_t": round(due, 3), "rule": asdict(rule), "surrendered": dict(surrendered), "remaining_t": round(remaining, 3),
           "deadline": deadline(year).isoformat(), "days_left": (deadline(year) - today).days,
           "holdings": [lot.__dict__ for lot in held],
           "prices": {"CEA": cea.price if cea else None, "CCER": ccer.price if ccer else None}, "plan": None}
    if cea is None:  # what is due stands without a price; only the cheapest way to finish needs one
        return out
    room = max(due * OFFSET_LIMIT - surrendered["CCER"], 0.0)
    best = plan_compliance(year, remaining, held, cea.price, ccer.price if ccer else None,
                           offset_limit=room / remaining if remaining else 0.0)
    out["plan"] = {"surrender": [lot.__dict__ for lot in best.surrender], "buy_cea_t": best.buy_cea_t,
                   "buy_ccer_t": best.buy_ccer_t, "cost_cny": best.cost, "offset_used_t": best.offset_used_t,
                   "notes": best.notes}
    return out
