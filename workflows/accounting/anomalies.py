"""Checking the activity data for anomalies (6.1.3 b, 8.1.2): each new finding becomes a task for
the carbon managers; confirming or dismissing it, with a note, is the record the guideline asks for."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from accounting import anomalies as rules
from accounting.anomalies import ENTERPRISE
from accounting.units import convert
from storage.errors import NotFound, StewardError
from storage.models import ActivityRecord, DataAnomaly, Facility
from storage.models.org import utcnow
from storage.vocab import Labelled
from workflows.accounting import assays, calculation
from workflows.engine import clock, lifecycle_index, machine, names
from workflows.engine.machine import Actor, Lifecycle, Transition

CHECKED = ("fuel_combustion", "process", "electricity_purchased", "electricity_consumed", "heat_purchased")
RESOLVERS = ("carbon_manager", "department_head")
# materials the factor library and the product list do not name in Chinese (the labels say them mid-sentence)
MATERIALS = {"raw_meal": ("生料", "raw meal")}


class AnomalyState(Labelled):
    open = ("open", "待处理", "Open")
    confirmed = ("confirmed", "已确认", "Confirmed")
    dismissed = ("dismissed", "已排除", "Dismissed")


TRANSITIONS = [
    Transition(trigger="confirm", source="open", dest="confirmed", zh="确认异常", en="Confirm", roles=RESOLVERS,
               comment_required=True),
    Transition(trigger="dismiss", source="open", dest="dismissed", zh="排除（有合理解释）", en="Dismiss",
               roles=RESOLVERS, comment_required=True),
]
TRIGGER_FOR = {"confirmed": "confirm", "dismissed": "dismiss"}


def describe(session: Session, row: DataAnomaly) -> tuple[str, str]:
    return f"异常数据 #{row.id}：{row.message_zh}", f"data anomaly #{row.id}: {row.message_en}"


LIFECYCLE = Lifecycle("data_anomaly", "异常数据", "Data anomaly", AnomalyState, "open", TRANSITIONS, describe=describe)


@dataclass
class Data:
    """An enterprise's activity data as the checks read it."""

    checked: dict[str, dict[date, float]] = field(default_factory=lambda: defaultdict(dict))
    units: dict[str, str] = field(default_factory=dict)
    present: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))  # every series, its months
    used: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))  # months with a quantity
    output: dict[str | None, dict[str, dict[date, float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict)))
    produced: dict[str, dict[date, float]] = field(default_factory=lambda: defaultdict(dict))  # series key → t


def read(session: Session, enterprise_id: int) -> Data:
    """Monthly quantities per facility/category/material (lines of one month summed), production per facility
    and for the enterprise, and which months each series has a line in."""
    codes = {f.id: f.code for f in session.exec(select(Facility).where(Facility.enterprise_id == enterprise_id))}
    d = Data()
    a = ActivityRecord
    for fid, period, category, material, quantity, unit in session.connection().execute(
            select(a.facility_id, a.period, a.category, a.material, a.quantity, a.unit)
            .where(a.enterprise_id == enterprise_id)):
        facility = codes.get(fid)
        key = f"{facility or ENTERPRISE}|{category}|{material}"
        d.present[key].add(period)
        if quantity > 0:
            d.used[key].add(period)
        if category in CHECKED:
            d.checked[key][period] = d.checked[key].get(period, 0.0) + quantity
            d.units[key] = unit
        elif category == "production":
            try:
                tonnes = convert(quantity, unit, "t")
            except ValueError:
                continue  # electricity produced is not a product by weight
            d.output[facility][material][period] = d.output[facility][material].get(period, 0.0) + tonnes
            d.produced[key][period] = d.output[facility][material][period]
            d.units[key] = "t"
    return d


def _main_product(products: dict[str, dict[date, float]]) -> tuple[str, dict[date, float]] | tuple[str, None]:
    if not products:
        return "", None
    name = max(products, key=lambda m: sum(products[m].values()))
    return name, products[name]


def labels(session: Session, enterprise_id: int, keys: set[str]) -> dict[str, tuple[str, str]]:
    """Words for each series (烟煤（1#回转窑 (F-KL01)）) and each material or product code."""
    places = names.Places(session, enterprise_id)
    out: dict[str, tuple[str, str]] = {}
    for key in keys:
        facility, _, material = key.split("|")
        en = names.material(material, "en")
        out[material] = MATERIALS.get(material) or (names.material(material, "zh"), en[:1].lower() + en[1:])
        if facility == ENTERPRISE:
            out[key] = out[material]
        else:
            out[key] = (f"{out[material][0]}（{places(facility, 'zh')}）", f"{out[material][1]} ({places(facility, 'en')})")
    return out


def findings(session: Session, enterprise_id: int) -> list[rules.Finding]:
    """Everything the checks find in the enterprise's data today, whether already on record or not."""
    d = read(session, enterprise_id)
    words = labels(session, enterprise_id, set(d.present))
    found = rules.completeness(d.present, words)
    production_slips = rules.check(d.produced, None, "", d.units, words, gaps=False, jumps=False)
    found += production_slips
    slipped = {(f.series.split("|")[0], f.series.split("|")[2], f.period) for f in production_slips}
    for facility, products in d.output.items():
        for material, months in products.items():
            for m in [m for m in months if (facility or ENTERPRISE, material, m) in slipped]:
                del months[m]  # a production slip is its own finding: it does not make every use per tonne one too
    by_facility: dict[str, dict] = defaultdict(dict)
    for name, months in d.checked.items():
        by_facility[name.split("|")[0]][name] = months
    for facility, group in sorted(by_facility.items()):
        product, production = _main_product(d.output.get(None if facility == ENTERPRISE else facility)
                                            or d.output.get(None, {}))
        found += rules.check(group, production, product, d.units, words, gaps=False)
    found += rules.lapsed(calculation.measured(session, [enterprise_id])[enterprise_id], d.used, words)
    found += assays.missing(session, enterprise_id)
    return found


def incomplete_months(session: Session, enterprise_id: int, year: int, months: list[int] | None = None
                      ) -> list[rules.Finding]:
    """The months of ``year`` (of ``months`` only, when given: a run's) with no data or lacking a source, or where a
    default stood in for a measured value that had lapsed (from that month on), by the same rules as the anomaly
    findings, each with why in words."""
    d = read(session, enterprise_id)
    words = labels(session, enterprise_id, set(d.present))
    found = rules.completeness(d.present, words)
    found += rules.lapsed(calculation.measured(session, [enterprise_id])[enterprise_id], d.used, words)
    return [f for f in found if f.period.year == year and (months is None or f.period.month in months)]


def _clip(text: str, most: int) -> str:
    """A task's title fits its notification's subject (300 characters for both languages); the page has it all."""
    return text if len(text) <= most else text[:most - 1] + "…"


def scan(session: Session, enterprise_id: int) -> list[DataAnomaly]:
    """Check the data; only findings not on record before are added, each a task for the carbon managers."""
    return record(session, enterprise_id, findings(session, enterprise_id))


def record(session: Session, enterprise_id: int, found: list[rules.Finding]) -> list[DataAnomaly]:
    """Put the findings not on record before on the list, each a task for the carbon managers (the meter
    reconciliation and the assay check add theirs here too)."""
    known = set(session.exec(select(DataAnomaly.key).where(DataAnomaly.enterprise_id == enterprise_id)).all())
    added = []
    for f in found:
        if f.key in known:
            continue
        row = DataAnomaly(enterprise_id=enterprise_id, key=f.key[:200], kind=f.kind, series=f.series[:160],
                          period=f.period, value=f.value, expected=f.expected, score=f.score,
                          message_zh=f.zh[:500], message_en=f.en[:500])
        session.add(row)
        session.flush()
        for person in machine.people_with(session, enterprise_id, ["carbon_manager"]):
            machine.give_task(session, person, "data_anomaly", row.id, _clip(f"核实异常数据：{f.zh}", 110),
                             _clip(f"Check unusual data: {f.en}", 180), clock.today())
        known.add(f.key)
        added.append(row)
    return added


def scan_as(session: Session, actor: Actor) -> list[DataAnomaly]:
    """A person asks for the check now rather than waiting for the monthly flow."""
    machine.require_role(actor, RESOLVERS, "检查异常数据", "Checking the data for anomalies")
    return scan(session, actor.enterprise_id)


def resolve(session: Session, actor: Actor, anomaly_id: int, status: str, note: str) -> DataAnomaly:
    """Confirm (a real problem, to be corrected) or dismiss (explained, e.g. a shutdown), always with a note."""
    machine.require_role(actor, RESOLVERS, "处理异常数据", "Resolving a data anomaly")
    row = session.get(DataAnomaly, anomaly_id)
    if row is None or row.enterprise_id != actor.enterprise_id:
        raise NotFound("anomaly", f"没有异常数据 #{anomaly_id}", f"No anomaly #{anomaly_id}")
    if status not in TRIGGER_FOR:
        raise StewardError("status", "处理结果须为 confirmed 或 dismissed", "Status must be confirmed or dismissed",
                           field="status")
    if not note.strip():
        raise StewardError("note", "请说明原因或处理措施", "Say why, or what was done", field="note")
    if row.state != "open":
        raise StewardError("resolved", "该异常已处理", "This anomaly is already resolved", status=409)
    row.note, row.resolved_by, row.resolved_at = note.strip(), actor.label, utcnow()
    machine.fire(session, LIFECYCLE, row, TRIGGER_FOR[status], actor, comment=note.strip())
    return row


lifecycle_index.register(LIFECYCLE, lifecycle_index.by_id(DataAnomaly, "异常数据", "data anomaly"), {
    "confirm": lambda s, a, row, sub: resolve(s, a, row.id, "confirmed", sub.comment),
    "dismiss": lambda s, a, row, sub: resolve(s, a, row.id, "dismissed", sub.comment),
})
