"""A year's totals without its lines, for many enterprises and years at once: what a comparison with
last year, a baseline view or a group's overview needs, where the frozen run with a line per row
(``runs.run``) would decode or rebuild the whole history.

Every calculator is linear in the quantity, so the calculators work out each distinct (category,
material, unit, month) once for one unit, and the database multiplies and sums the rows by enterprise,
facility, month and kind in one query. Enterprises with the same measured factors and GWP set share
their per-unit figures. The totals are those ``calculation.compute`` gives (the same ``Rollup``), to the
rounding of the sums. An enterprise-year the quick path cannot vouch for (a negative quantity, a
material no calculator knows) is computed line by line, so it fails with the same reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import String, type_coerce
from sqlmodel import Session, func, select

from accounting.errors import AccountingError
from accounting.factors import Library
from accounting.inventory import Activity, Options, calculate
from accounting.rollup import SLOT, Rollup
from accounting.sectors import power
from accounting.units import convert
from storage.errors import StewardError
from storage.models import ActivityRecord, Enterprise
from workflows.accounting import calculation

Key = tuple[int, int]  # (enterprise id, year)


def year_totals(session: Session, enterprise_id: int, year: int, grid: str = "national") -> dict | None:
    """One enterprise's year, or None when it has no activity data."""
    done, failed = many(session, [enterprise_id], [year], grid)
    if (enterprise_id, year) in failed:
        raise failed[enterprise_id, year]
    return done.get((enterprise_id, year))


def many(session: Session, enterprise_ids: Iterable[int], years: Iterable[int], grid: str = "national"
         ) -> tuple[dict[Key, dict], dict[Key, StewardError]]:
    """Totals of every enterprise-year with data, and the reason for each that cannot be accounted."""
    ids, years = sorted(set(enterprise_ids)), sorted(set(years))
    if not ids or not years:
        return {}, {}
    start, end = date(years[0], 1, 1), date(years[-1] + 1, 1, 1)
    groups, gwp, documents, sectors = _groups(session, ids)
    libraries = {eid: (g, lib, Options(grid=grid, gwp=code, sector=sector))
                 for g, (lib, code, sector, eids) in enumerate(groups) for eid in eids}
    places = calculation.places(session, ids)
    a = ActivityRecord
    month = type_coerce(a.period, String)  # parsed once per distinct month below, not once per row
    sums = session.connection().execute(  # Core: the ORM's row handling costs more than the sums
        select(a.enterprise_id, a.facility_id, month, a.category, a.material, a.unit, func.sum(a.quantity),
               func.min(a.quantity))
        .where(a.enterprise_id.in_(ids), a.period >= start, a.period < end, a.pending.is_(False))
        .group_by(a.enterprise_id, a.facility_id, a.period, a.category, a.material, a.unit)).all()

    per_unit: dict[tuple, tuple[int, float] | None] = {}
    days: dict[object, tuple[date, str]] = {}
    rolls: dict[Key, Rollup] = defaultdict(Rollup)
    said: dict[Key, dict[str, dict]] = defaultdict(dict)  # each enterprise-year's notes, once each, as the run says them
    generated: dict[Key, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    fuelled: dict[Key, set[str]] = defaultdict(set)
    carbon: dict[Key, dict[tuple, float]] = defaultdict(lambda: defaultdict(float))  # each month's balance per facility
    bad: set[Key] = set()
    for eid, fid, period, category, material, unit, amount, least in sums:
        day, month = days.get(period) or days.setdefault(period, _day(period))
        key = (eid, day.year)
        g, lib, opt = libraries[eid]
        found = per_unit.get((g, category, material, unit, day), False)
        if found is False:
            found = per_unit[g, category, material, unit, day] = _unit_line(category, material, unit, day, lib, opt)
        if found is None or least < 0:
            bad.add(key)
            continue
        slot, tco2, notes = found
        for note in notes:
            said[key].setdefault(note["en"], note)
        roll = rolls[key]
        if slot >= 0:
            facility, process = places.get(fid, (None, None))
            roll.add(slot, tco2 * amount, process, facility, month)
        if category in SPECIAL:  # what only some rows need, kept off the common path
            if category in ("carbon_input", "carbon_output"):
                carbon[key][(month, fid)] += tco2 * amount
            if category in power.FUELLED:
                fuelled[key].add(month)
            if category == "electricity_purchased":
                roll.add_purchased_electricity(tco2 * amount)
            if category == "production":
                roll.add_output(material, amount, unit, month)
                if material == "electricity":
                    generated[key][month] += amount * convert(1, unit, "MWh")

    bad |= {key for key, months in carbon.items() if any(net < -1e-6 for net in months.values())}  # refused in full
    ets = {(sector, year): calculation.ets(sector, year) for sector in set(sectors.values()) for year in years}
    done = {key: {**roll.result(), "gwp": gwp[key[0]], "document": documents[key[0]],
                  "ets": ets[sectors.get(key[0], ""), key[1]],
                  "notes": calculation.in_order(said[key].values(), power.gaps(generated[key], fuelled[key]))}
            for key, roll in rolls.items() if key not in bad}
    failed: dict[Key, StewardError] = {}
    for key in sorted(bad):  # line by line, for the reason the full run would give
        try:
            done[key] = calculation.compute(session, key[0], key[1], grid)[0]
        except StewardError as exc:
            failed[key] = exc
    return done, failed


def _groups(session: Session, ids: list[int]
            ) -> tuple[list[tuple[Library, str, str, list[int]]], dict[int, dict], dict[int, dict], dict[int, str]]:
    """Enterprises that share the same measured factors, GWP set, factor document and industry, as (their library,
    the set, the industry, their ids); each enterprise's GWP set and factor document with the reason on record, as
    a run states them; its industry."""
    measured = calculation.measured(session, ids)
    documents = calculation.documents(session, ids)
    gwp, sectors = {}, {}
    for eid, code, reason, industry in session.exec(select(
            Enterprise.id, Enterprise.gwp_set, Enterprise.gwp_reason, Enterprise.industry).where(Enterprise.id.in_(ids))):
        gwp[eid], sectors[eid] = calculation.gwp_set_of(code, reason), industry or ""
    by_key: dict[tuple, list[int]] = defaultdict(list)
    for eid in ids:
        by_key[(measured[eid], gwp.get(eid, calculation.gwp_set_of(None, None))["set"], documents[eid]["document"],
                sectors.get(eid, ""))].append(eid)
    return ([(calculation.library_with(factors, document), code, sector, eids)
             for (factors, code, document, sector), eids in by_key.items()], gwp, documents, sectors)


SPECIAL = frozenset(("carbon_input", "carbon_output", *power.FUELLED, "electricity_purchased", "production"))


def _day(period) -> tuple[date, str]:
    """The row's period as a date and as its YYYY-MM, made once per distinct month."""
    day = period if isinstance(period, date) else date.fromisoformat(str(period)[:10])
    return day, f"{day:%Y-%m}"


def _unit_line(category: str, material: str, unit: str, day: date, lib: Library, opt: Options
               ) -> tuple[int, float, list[dict]] | None:
    """(the kind's slot, tCO2 for one unit, its notes) as the calculators give it; None when they refuse the key."""
    try:
        [line] = calculate([Activity(ref="1", period=day, category=category, material=material, quantity=1.0,
                                     unit=unit)], lib, opt)
    except AccountingError:
        return None
    return SLOT.get(line.kind, -1), line.tco2, line.notes
