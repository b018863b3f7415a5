"""The enterprise's carbon-market profile: on the national list since which data year, its sector, its province's
monthly deadline and the items its sector uploads each month. The items start as the sector's defaults (data with
sources, ``accounting/ets_monthly.py``); the carbon manager may say which are required and what evidence each needs."""

from __future__ import annotations

from sqlmodel import Session, select

from accounting import ets_monthly
from accounting.ets_monthly import EVIDENCE, SECTORS, Item
from storage.errors import NotFound, StewardError
from storage.models import Enterprise, EtsMonth, EtsProfile
from workflows.engine import clock, machine
from workflows.engine.machine import Actor

KEEPERS = ("carbon_manager",)
MAX_DAYS = 90


def of(session: Session, enterprise_id: int) -> EtsProfile | None:
    return session.exec(select(EtsProfile).where(EtsProfile.enterprise_id == enterprise_id)).first()


def required(session: Session, enterprise_id: int) -> EtsProfile:
    found = of(session, enterprise_id)
    if found is None:
        raise NotFound("ets_profile", "本企业尚未登记全国碳市场信息（纳入年度和行业）",
                       "This enterprise's carbon-market profile (listed since, sector) is not recorded yet",
                       field="sector")
    return found


def items(profile: EtsProfile) -> list[Item]:
    return [Item.of(i) for i in profile.items]


def suggested_sector(session: Session, enterprise_id: int) -> str:
    industry = session.get(Enterprise, enterprise_id).industry
    return ets_monthly.INDUSTRY_SECTOR.get(industry, "power")


def save(session: Session, actor: Actor, *, sector: str, listed_from: int, deadline_days: int = ets_monthly.DEADLINE_DAYS,
         required_items: set[str] | None = None, evidence: dict[str, str] | None = None,
         expected_version: int | None = None) -> EtsProfile:
    """Record or change the profile. A new sector starts from its defaults; ``required_items`` and ``evidence``
    (item → evidence kind) adjust them."""
    machine.require_role(actor, KEEPERS, "登记碳市场信息", "Keeping the carbon-market profile")
    if sector not in SECTORS:
        raise StewardError("sector", "行业须为发电、水泥熟料、钢铁或铝冶炼", "The sector is power, cement, steel or aluminium",
                           field="sector")
    first = ets_monthly.FIRST_LISTED[sector]
    if not first <= listed_from <= clock.today().year + 1:
        raise StewardError("listed_from", f"纳入年度须在 {first} 年（本行业纳入全国碳市场）至明年之间",
                           f"The first listed data year is from {first} (when the sector joined) to next year",
                           field="listed_from")
    if not 1 <= deadline_days <= MAX_DAYS:
        raise StewardError("deadline_days", f"报送期限须为月末后 1 至 {MAX_DAYS} 天",
                           f"The deadline is 1 to {MAX_DAYS} days after the month's end", field="deadline_days")
    row = of(session, actor.enterprise_id)
    if row is not None and expected_version is not None and row.version != expected_version:
        raise StewardError("stale", "碳市场信息已被他人修改，请刷新后重试",
                           "Someone else changed the carbon-market profile; reload and retry", status=409)
    kept = {i["code"]: i for i in row.items} if row is not None and row.sector == sector else {}
    chosen = []
    for default in ets_monthly.defaults()[sector]:
        item = dict(kept.get(default.code) or default.as_dict())
        if required_items is not None:
            item["required"] = default.code in required_items
        kind = (evidence or {}).get(default.code)
        if kind:
            if kind not in EVIDENCE:
                raise StewardError("evidence", f"「{default.zh}」的证据类型无效", f"{default.en}: unknown kind of evidence",
                                   field="evidence")
            item["evidence"] = kind
        chosen.append(item)
    if row is None:
        row = EtsProfile(enterprise_id=actor.enterprise_id, sector=sector, listed_from=listed_from,
                         deadline_days=deadline_days, items=chosen, updated_by=actor.label)
    else:
        row.sector, row.listed_from, row.deadline_days, row.items = sector, listed_from, deadline_days, chosen
        row.updated_by, row.updated_at = actor.label, clock.utcnow()
    session.add(row)
    for month in session.exec(select(EtsMonth).where(EtsMonth.enterprise_id == actor.enterprise_id,
                                                     EtsMonth.state != "submitted")):
        month.deadline = ets_monthly.deadline(month.month, deadline_days, sector)  # the new rule, for what is open
        session.add(month)
    session.flush()
    return row


def view(session: Session, actor: Actor) -> dict:
    row = of(session, actor.enterprise_id)
    sector = row.sector if row else suggested_sector(session, actor.enterprise_id)
    return {"profile": row, "items": items(row) if row else list(ets_monthly.defaults()[sector]),
            "sector": sector, "sectors": SECTORS, "evidence_kinds": EVIDENCE, "sources": ets_monthly.SOURCES, "unit_labels": ets_monthly.UNIT_LABELS,
            "first_listed": ets_monthly.FIRST_LISTED, "default_days": ets_monthly.DEADLINE_DAYS,
            "deadline_source": ets_monthly.DEADLINE_SOURCE,
            "deadline_confidence": ets_monthly.DEADLINE_CONFIDENCE, "monthly_start": ets_monthly.monthly_starts().get(sector),
            "can_keep": bool(actor.roles & set(KEEPERS))}
