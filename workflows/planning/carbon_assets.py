"""Carbon-asset ledger and the compliance year (8.5): record movements (refusing to give away what is
not held), show the position against what is due, and plan the cheapest surrender."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date, datetime

from sqlmodel import Session, func, select

from accounting import ets_scope
from accounting.carbon_assets import (
    KINDS,
    OFFSET_LIMIT,
    WHOLE_TONNE,
    Lot,
    deadline,
    plan_compliance,
    share_allowances,
)
from storage.errors import StewardError
from storage.models import AssetTxn, CarbonPrice, Enterprise, Task
from storage.models.ets import EtsProfile, EtsVerification
from storage.models.org import utcnow
from workflows.accounting import runs
from workflows.engine import clock, machine
from workflows.engine.machine import Actor

TRADERS = ("carbon_manager", "top_management")
SIGN = {"allocate": 1, "buy": 1, "transfer_in": 1, "sell": -1, "surrender": -1, "transfer_out": -1}
MOVEMENTS = {"allocate": ("配额分配", "Allocation"), "buy": ("买入", "Purchase"), "transfer_in": ("转入", "Transfer in"),
             "sell": ("卖出", "Sale"), "surrender": ("履约清缴", "Surrender"), "transfer_out": ("转出", "Transfer out")}


def holdings(session: Session, enterprise_id: int) -> list[Lot]:
    rows = session.exec(select(AssetTxn.kind, AssetTxn.vintage, func.sum(AssetTxn.quantity)).where(
        AssetTxn.enterprise_id == enterprise_id).group_by(AssetTxn.kind, AssetTxn.vintage)
        .order_by(AssetTxn.kind, AssetTxn.vintage)).all()
    return [Lot(k, v, round(q, 3)) for k, v, q in rows if round(q, 3) != 0]


def run_emissions(session: Session, enterprise_id: int, year: int) -> float:
    """What the year's latest (frozen) run says is due: the figure the sector's ETS rule names. It stands until the
    year is verified, and it is the figure a report states when there is no report yet."""
    run = runs.latest_run(session, enterprise_id, year)
    if run is None:
        raise StewardError("no_run", f"{year} 年尚未核算，无法确定应清缴量", f"{year} has not been accounted; nothing is due yet",
                           field="year")
    return ets_scope.due(run.totals, scope(session, enterprise_id, year, run.totals).figure)


def verification(session: Session, enterprise_id: int, year: int) -> EtsVerification | None:
    return session.exec(select(EtsVerification).where(EtsVerification.enterprise_id == enterprise_id,
                                                      EtsVerification.year == year)).first()


def verified_emissions(session: Session, enterprise_id: int, year: int) -> float:
    """What the surrender is due on (8.5.2): the verified emissions once the year's report is verified, else the
    run's figure."""
    found = verification(session, enterprise_id, year)
    return found.verified_tco2e if found is not None else run_emissions(session, enterprise_id, year)


def scope(session: Session, enterprise_id: int, year: int, totals: dict | None = None) -> ets_scope.Rule:
    ent = session.get(Enterprise, enterprise_id)
    return ets_scope.rule(sector_of(ent, totals, listed_as(session, enterprise_id)), year)


def sector_of(ent: Enterprise | None, totals: dict | None, listed: str | None) -> str:
    """The sector a year is due under: the one the enterprise is listed as, else what its run says it is (an aluminium
    smelter, not any non-ferrous enterprise), else its industry."""
    stated = ((totals or {}).get("ets") or {}).get("sector")
    return ets_scope.sector_of(stated or (ent.industry if ent else ""), listed, (totals or {}).get("intensity", {}))


def listed_as(session: Session, enterprise_id: int) -> str | None:
    return session.exec(select(EtsProfile.sector).where(EtsProfile.enterprise_id == enterprise_id)).first()


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
        close_reminders_when_done(session, actor.enterprise_id, compliance_year)
    return row


def close_reminders_when_done(session: Session, enterprise_id: int, year: int | None) -> None:
    """The surrender reminders of a year (keyed year×1000 + days before the deadline) end with the last tonne (after
    a surrender, or a verification that brings what is due down to what was surrendered)."""
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
    return {"year": year, "position": pos, "problem": problem, "open": open_years(session, actor.enterprise_id),
            "holdings": holdings(session, actor.enterprise_id),
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


WHY = {  # why a vintage does or does not count for a compliance year, as a user reads it
    "own": ("本年度配额", "this year's allowances"),
    "carried": ("以前年度结余，按规则结转计入", "surplus of an earlier year, carried over as the rule allows"),
    "cap": ("超出结转额度的部分不计入", "beyond the carry-over limit: not counted"),
    "needed_earlier": ("须先用于更早到期的 {year} 年度清缴", "needed first for {year}'s surrender, due sooner"),
    "not_needed": ("本年度无需动用", "not needed: the year is covered without it"),
    "later": ("以后年度的配额不能用于以前年度", "a later vintage never covers an earlier year"),
}


def local_today(now: datetime | None = None) -> date:
    """Today in the plant's time zone (a deadline passes at its midnight, not UTC's): 23:30 UTC on 31 December is
    already 1 January in Shanghai."""
    return (now or clock.utcnow()).astimezone(clock.zone()).date()


def _surrendered(session: Session, enterprise_id: int) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for year, kind, qty in session.exec(select(AssetTxn.compliance_year, AssetTxn.kind, func.sum(AssetTxn.quantity)).where(
            AssetTxn.enterprise_id == enterprise_id, AssetTxn.txn == "surrender").group_by(
            AssetTxn.compliance_year, AssetTxn.kind)):
        out[year][kind] -= qty
    return out


def _allocated(session: Session, enterprise_id: int) -> dict[int, float]:
    return dict(session.exec(select(AssetTxn.vintage, func.sum(AssetTxn.quantity)).where(
        AssetTxn.enterprise_id == enterprise_id, AssetTxn.kind == "CEA", AssetTxn.txn == "allocate")
        .group_by(AssetTxn.vintage)).all())


def positions(session: Session, enterprise_id: int, today: date | None = None, *, plan: bool = False,
              also: int | None = None, yearly: dict[int, dict] | None = None) -> list[dict]:
    """Every compliance year in the ETS that is accounted and still owes (plus ``also``, owing or not), soonest
    deadline first: what is due (so far, for a year in progress), surrendered, still owed; which allowances it may
    use and why — shared among the years so that a tonne counts for one year only — and the deadline."""
    today = today or local_today()
    yearly = runs.totals_by_year(session, enterprise_id) if yearly is None else yearly
    ent = session.get(Enterprise, enterprise_id)
    done = _surrendered(session, enterprise_id)
    allocated = _allocated(session, enterprise_id)
    verified = {v.year: v for v in session.exec(select(EtsVerification).where(
        EtsVerification.enterprise_id == enterprise_id, EtsVerification.year.in_(list(yearly))))}
    years: dict[int, dict] = {}
    listed = listed_as(session, enterprise_id)
    for year, totals in yearly.items():
        sector = sector_of(ent, totals, listed)
        rule = ets_scope.rule(sector, year)
        if not rule.covered and year != also:
            continue
        check = verified.get(year)
        due = check.verified_tco2e if check is not None else ets_scope.due(totals, rule.figure)
        remaining = max(due - sum(done[year].values()), 0.0)
        in_progress = year >= today.year
        if remaining < WHOLE_TONNE and not in_progress and year != also:
            continue
        months = sorted(totals.get("months", {}))
        years[year] = {"year": year, "due_t": round(due, 3), "surrendered": dict(done[year]),
                       "remaining_t": round(remaining, 3) if remaining >= WHOLE_TONNE else 0.0,
                       "rule": asdict(rule), "use_rule": asdict(ets_scope.allowance_use(sector, year)),
                       "in_progress": in_progress, "months": len(months),
                       "first_month": months[0] if months else None, "last_month": months[-1] if months else None,
                       "allocated_t": allocated.get(year), "deadline": deadline(year).isoformat(),
                       "days_left": (deadline(year) - today).days,
                       # 核查量 once verified (who verified, when); until then the run's figure, not yet verified
                       "verified": {"verifier": check.verifier, "ended_on": check.ended_on.isoformat(),
                                    "run_t": round(ets_scope.due(totals, rule.figure), 3)} if check else None}
    held = holdings(session, enterprise_id)
    cea = {lot.vintage: lot.quantity for lot in held if lot.kind == "CEA"}
    shares = share_allowances({y: p["remaining_t"] for y, p in years.items()}, cea,
                              {y: p["use_rule"]["carry_over_t"] for y, p in years.items()})
    prices = (latest_price(session, "CEA"), latest_price(session, "CCER")) if plan else (None, None)
    for year, p in years.items():
        uses = shares[year]
        p["uses"] = [{**asdict(u), "zh": WHY[u.why][0].format(year=u.by), "en": WHY[u.why][1].format(year=u.by)}
                     for u in uses]
        p["held_t"] = round(sum(u.counted for u in uses), 3)
        p["short_t"] = round(max(p["remaining_t"] - p["held_t"], 0.0), 3)
        if p["short_t"] < WHOLE_TONNE:
            p["short_t"] = 0.0
        p["state"] = ("done" if not p["remaining_t"] and not p["in_progress"] else "in_progress" if p["in_progress"]
                      else "overdue" if p["days_left"] < 0 else "open")
        p["holdings"] = [lot.__dict__ for lot in held]
        p["prices"] = {"CEA": prices[0].price if prices[0] else None, "CCER": prices[1].price if prices[1] else None}
        # no cheapest way to finish a year still accumulating, nor one whose allocation is not known yet
        p["no_plan"] = ("in_progress" if p["in_progress"] else "no_allocation" if p["allocated_t"] is None
                        else None if prices[0] else "no_price")
        p["plan"] = _plan(p, uses, held, prices) if plan and p["no_plan"] is None else None
    return sorted(years.values(), key=lambda p: p["deadline"])


def _plan(p: dict, uses, held, prices) -> dict:
    cea, ccer = prices
    room = max(p["due_t"] * OFFSET_LIMIT - p["surrendered"].get("CCER", 0.0), 0.0)
    remaining = p["remaining_t"]
    lots = [Lot("CEA", u.vintage, u.counted) for u in uses if u.counted > 0] + [
        lot for lot in held if lot.kind == "CCER"]
    best = plan_compliance(p["year"], remaining, lots, cea.price, ccer.price if ccer else None,
                           offset_limit=room / remaining if remaining else 0.0)
    return {"surrender": [lot.__dict__ for lot in best.surrender], "buy_cea_t": best.buy_cea_t,
            "buy_ccer_t": best.buy_ccer_t, "cost_cny": best.cost, "offset_used_t": best.offset_used_t,
            "nothing_to_buy": best.nothing_to_buy, "notes": best.notes}


def open_years(session: Session, enterprise_id: int, today: date | None = None,
               yearly: dict[int, dict] | None = None) -> list[dict]:
    """Each surrender still open (owing, overdue, or the year in progress), soonest deadline first."""
    return positions(session, enterprise_id, today, yearly=yearly)


def position(session: Session, enterprise_id: int, year: int, today: date | None = None, *, plan: bool = True) -> dict:
    """One compliance year's position among the others (so that allowances another year needs first are not
    counted twice): due, surrendered, still owed, the allowances it may use and why, the deadline, and the
    cheapest way to finish at the latest prices (``plan=False``: no prices read, plan None)."""
    run_emissions(session, enterprise_id, year)  # a year not accounted is refused in words
    found = [p for p in positions(session, enterprise_id, today, plan=plan, also=year) if p["year"] == year]
    return found[0]
