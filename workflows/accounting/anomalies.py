"""Checking the activity data for anomalies (6.1.3 b, 8.1.2): each new finding becomes a task for
the carbon managers; confirming or dismissing it, with a note, is the record the guideline asks for."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import Session, select

from accounting.anomalies import check
from accounting.units import convert
from storage.errors import NotFound, StewardError
from storage.models import ActivityRecord, DataAnomaly, Facility
from storage.models.org import utcnow
from storage.vocab import Labelled
from workflows.engine import lifecycle_index, machine, names
from workflows.engine.machine import Actor, Lifecycle, Transition

CHECKED = ("fuel_combustion", "process", "electricity_purchased", "electricity_consumed", "heat_purchased")
RESOLVERS = ("carbon_manager", "department_head")


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


def series(session: Session, enterprise_id: int) -> tuple[dict, dict]:
    """Monthly quantities per facility/category/material, and production per facility and for the enterprise."""
    codes = {f.id: f.code for f in session.exec(select(Facility).where(Facility.enterprise_id == enterprise_id))}
    data: dict[str, dict[date, float]] = defaultdict(dict)
    output: dict[str | None, dict[str, dict[date, float]]] = defaultdict(lambda: defaultdict(dict))
    for r in session.exec(select(ActivityRecord).where(ActivityRecord.enterprise_id == enterprise_id)):
        facility = codes.get(r.facility_id)
        if r.category in CHECKED:
            data[f"{facility or '(enterprise)'}|{r.category}|{r.material}"][r.period] = r.quantity
        elif r.category == "production":
            try:
                output[facility][r.material][r.period] = convert(r.quantity, r.unit, "t")
            except ValueError:
                continue  # electricity produced is not a product by weight
    return data, output


def _main_product(products: dict[str, dict[date, float]]) -> tuple[str, dict[date, float]] | tuple[str, None]:
    if not products:
        return "", None
    name = max(products, key=lambda m: sum(products[m].values()))
    return name, products[name]


def _worded(text: str, series: str, product: str | None, places: names.Places, lang: str) -> str:
    """A finding says which data in words: the series key and the product code give way to their names."""
    text = text.replace(series, places.series(series, lang))
    return text.replace(product, names.material(product, lang)) if product else text


def scan(session: Session, enterprise_id: int) -> list[DataAnomaly]:
    """Check every series against its own history; only findings not seen before are added."""
    data, output = series(session, enterprise_id)
    known = set(session.exec(select(DataAnomaly.key).where(DataAnomaly.enterprise_id == enterprise_id)).all())
    added = []
    by_facility: dict[str, dict] = defaultdict(dict)
    for name, months in data.items():
        by_facility[name.split("|")[0]][name] = months
    places = names.Places(session, enterprise_id)
    for facility, group in by_facility.items():
        product, production = _main_product(output.get(None if facility == "(enterprise)" else facility)
                                            or output.get(None, {}))
        for f in check(group, production, product):
            if f.key in known:
                continue
            zh, en = (_worded(text, f.series, product, places, lang) for text, lang in ((f.zh, "zh"), (f.en, "en")))
            row = DataAnomaly(enterprise_id=enterprise_id, key=f.key, kind=f.kind, series=f.series, period=f.period,
                              value=f.value, expected=f.expected, score=None if f.score in (None, float("inf"))
                              else f.score, message_zh=zh[:500], message_en=en[:500])
            session.add(row)
            session.flush()
            for person in machine.people_with(session, enterprise_id, ["carbon_manager"]):
                machine.give_task(session, person, "data_anomaly", row.id, f"核实异常数据：{zh}"[:300],
                                 f"Check unusual data: {en}"[:300], date.today())
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
