"""A year's totals without its lines, for many enterprises and years at once: what a comparison with
last year, a baseline view or a group's overview needs, where the frozen run with a line per row
(``runs.run``) would decode or rebuild the whole history.

Every calculator is linear in the quantity, so the calculators work out each distinct (category,
material, unit, month) once for one unit, and each row only multiplies and adds. The rows are read as
plain tuples in their unique key's order, so the roll-up adds them in one order, every time. Enterprises
with the same measured factors and GWP set share their per-unit figures. The totals are those
``calculation.compute`` gives (the same ``Rollup``), to the rounding of the sums. An enterprise-year the
quick path cannot vouch for (a negative quantity, a material no calculator knows) is computed line by
line, so it fails with the same reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import String, type_coerce
from sqlmodel import Session, select

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
    period = type_coerce(a.period, String)  # parsed once per distinct month below, not once per row
    # one row per enterprise, facility, month, category and material (uq_activity_month), read in that key's order
    # (its index's): the roll-up adds them in the same order every time, and the database sorts nothing
    rows = session.connection().execute(  # Core: the ORM's row handling costs more than the sums
        select(a.enterprise_id, a.facility_id, period, a.category, a.material, a.unit, a.quantity)
        .where(a.enterprise_id.in_(ids), a.period >= start, a.period < end, a.pending.is_(False))
        .order_by(a.enterprise_id, a.facility_id.nulls_first(), a.period, a.category, a.material))

    t = _Tally(libraries, places)
    t.read(rows)
    bad = t.bad | {key for key, months in t.carbon.items() if any(net < -1e-6 for net in months.values())}  # refused
    ets = {(sector, year): calculation.ets(sector, year) for sector in set(sectors.values()) for year in years}
    done = {key: {**roll.result(), "gwp": gwp[key[0]], "document": documents[key[0]],
                  "ets": ets[sectors.get(key[0], ""), key[1]],
                  "notes": calculation.in_order(t.said[key].values(), power.gaps(t.generated[key], t.fuelled[key]))}
            for key, roll in t.rolls.items() if key not in bad}
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
FUELLED = frozenset(power.FUELLED)


@dataclass
class _Tally:
    """Each enterprise-year's roll-up and what its notes and checks need, added row by row."""

    libraries: dict[int, tuple[int, Library, Options]]
    places: dict[int, tuple[str, str | None]]
    rolls: dict[Key, Rollup] = field(default_factory=dict)
    said: dict[Key, dict[str, dict]] = field(default_factory=lambda: defaultdict(dict))  # notes, once each, as a run
    generated: dict[Key, dict[str, float]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(float)))
    fuelled: dict[Key, set[str]] = field(default_factory=lambda: defaultdict(set))
    carbon: dict[Key, dict[tuple, float]] = field(  # each month's carbon balance per facility
        default_factory=lambda: defaultdict(lambda: defaultdict(float)))
    bad: set[Key] = field(default_factory=set)

    def read(self, rows) -> None:
        """Rows come grouped by enterprise, facility and year: what those resolve to is looked up when they change,
        and each (month, category, material, unit) is worked out once for one unit."""
        libraries, places, rolls, said, carbon = self.libraries, self.places, self.rolls, self.said, self.carbon
        per_unit: dict[tuple, tuple] = {}
        key: Key | None = None
        last_eid = last_fid = g = lib = opt = None
        roll, place, fuel = Rollup(), None, set()
        for eid, fid, when, category, material, unit, amount in rows:
            if eid != last_eid:
                g, lib, opt = libraries[eid]
                last_eid, last_fid, key = eid, fid, None
            elif fid != last_fid:
                last_fid, key = fid, None
            found = per_unit.get((g, when, category, material, unit))
            if found is None:
                found = per_unit[g, when, category, material, unit] = _unit_line(category, material, unit, when, lib,
                                                                                 opt)
            slot, tco2, notes, year, month = found
            if key is None or key[1] != year:
                key = (eid, year)
                roll = rolls.get(key) or rolls.setdefault(key, Rollup())
                place, fuel = None, self.fuelled[key]
            if slot is None or amount < 0:
                self.bad.add(key)
                continue
            tco2 *= amount
            if notes:
                for note in notes:
                    said[key].setdefault(note["en"], note)
            if slot >= 0:
                if place is None:
                    facility, process = places.get(fid, (None, None))
                    place = roll.place(process, facility)
                place.add(slot, tco2, month)
            if category in SPECIAL:  # what only some rows need, kept off the common path
                if category in FUELLED:
                    fuel.add(month)
                if category in ("carbon_input", "carbon_output"):
                    carbon[key][(month, fid)] += tco2
                if category == "electricity_purchased":
                    roll.add_purchased_electricity(tco2)
                if category == "production":
                    roll.add_output(material, amount, unit, month)
                    if material == "electricity":
                        self.generated[key][month] += amount * convert(1, unit, "MWh")


def _unit_line(category: str, material: str, unit: str, when, lib: Library, opt: Options
               ) -> tuple[int | None, float, list[dict], int, str]:
    """(the kind's slot, tCO2 for one unit, its notes, the year, its YYYY-MM) for a month's rows of a material as the
    calculators give it; the slot is None when they refuse it."""
    day = when if isinstance(when, date) else date.fromisoformat(str(when)[:10])
    try:
        [line] = calculate([Activity(ref="1", period=day, category=category, material=material, quantity=1.0,
                                     unit=unit)], lib, opt)
    except AccountingError:
        return None, 0.0, [], day.year, f"{day:%Y-%m}"
    return SLOT.get(line.kind, -1), line.tco2, line.notes, day.year, f"{day:%Y-%m}"
