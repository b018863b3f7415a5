"""A year's totals without its lines, for many enterprises and years at once: what a comparison with
last year or a baseline view needs, where the frozen run with a line per row (``runs.run``) would decode or
rebuild the whole history. They are the enterprise's, its processes' and months' figures, the monthly series
and the output, never a facility's: no comparison reads those, and leaving them out saves a third of the work.

Every calculator is linear in the quantity, so the calculators work out each distinct (category,
material, unit, month) once for one unit, and each row only multiplies and adds. The rows are read from the
driver's cursor in their unique key's order and summed with numpy (``bincount`` adds in the rows' order, as a
loop would), so they are added in one order, every time, and the figures are rounded at once and finished by
``rollup.result``, as a run's are. Enterprises with the same measured factors and GWP set share their per-unit
figures. The totals are those ``calculation.compute`` gives, to the last bit (``test_totals_fast``). An
enterprise-year the quick path cannot vouch for (a negative quantity, a material no calculator knows) is computed
line by line, so it fails with the same reason.
"""

from __future__ import annotations

import gc
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from sqlalchemy import String, type_coerce
from sqlmodel import Session, select

from accounting import ets_scope, rollup
from accounting.errors import AccountingError
from accounting.factors import Library
from accounting.inventory import Activity, Emission, Options, calculate
from accounting.products import is_output
from accounting.rollup import HEAT_OUTPUTS, KINDS, SLOT, SUMMED, _per_output_unit, finish_many, round3
from accounting.sectors import power
from accounting.units import convert
from storage.errors import StewardError
from storage.models import ActivityRecord, Enterprise, EtsProfile
from workflows.accounting import calculation

Key = tuple[int, int]  # (enterprise id, year)


def year_totals(session: Session, enterprise_id: int, year: int, grid: str = "national") -> dict | None:
    """One enterprise's year (without the facilities' figures), or None when it has no activity data."""
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
    # one row per enterprise, facility, month, category and material (uq_activity_month), taken in that key's order,
    # so they are added in one order every time: the order ix_activity_record_totals holds them in with all that is
    # read, so SQLite walks that index alone and sorts nothing (PostgreSQL sorts: its index keeps a row without a
    # facility last)
    query = (select(a.enterprise_id, a.facility_id, period, a.category, a.material, a.unit, a.quantity)
             .where(a.enterprise_id.in_(ids), a.period >= start, a.period < end, a.pending.is_(False)))
    query = query.order_by(a.enterprise_id, a.facility_id.nulls_first(), a.period, a.category, a.material)
    result = session.connection().execute(query)
    t = _Tally(libraries, places)
    try:  # the driver's own tuples: SQLAlchemy's rows cost more than the sums (a month comes as text or a date)
        with _collector_paused():
            t.read(result.cursor)
    finally:
        result.close()
    bad = t.bad | {key for key, months in t.carbon.items() if any(net < -1e-6 for net in months.values())}  # refused
    # the ETS rule of the sector each is listed as, else its industry, as the full run states it (a non-ferrous
    # enterprise's anode lines are not looked at here: only the full run decides it is an aluminium smelter)
    listed = dict(session.exec(select(EtsProfile.enterprise_id, EtsProfile.sector)
                               .where(EtsProfile.enterprise_id.in_(ids))).all())
    scopes = {eid: ets_scope.sector_of(sectors.get(eid, ""), listed.get(eid)) for eid in ids}
    ets = {(scope, year): calculation.ets(scope, year) for scope in set(scopes.values()) for year in years}
    done = {key: {**rollup.result(*t.figures[key], t.electricity[key], t.output[key], t.units[key]),
                  "gwp": gwp[key[0]], "document": documents[key[0]],
                  "ets": ets[scopes[key[0]], key[1]],
                  "notes": calculation.in_order(t.said[key].values(), power.gaps(t.generated[key], t.fuelled[key]))
                  if key in t.said or key in t.generated else []}
            for key in t.figures if key not in bad}
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


FUELLED = list(power.FUELLED)
CARBON = ["carbon_input", "carbon_output"]
MONTHS = 12
CHUNK = 500  # rows taken from the cursor at a time


@dataclass
class _Tally:
    """Each enterprise-year's sums and what its notes and checks need. The rows' figures are summed with numpy:
    ``bincount`` adds each group's figures one after another in the rows' order, starting from nought, as adding
    them one by one does, so every sum is the same to the last bit; what only some rows need (notes, output,
    generation, the fuelled months, the carbon balance) is gathered from those rows alone, in their order."""

    libraries: dict[int, tuple[int, Library, Options]]
    places: dict[int, tuple[str, str | None]]
    # what ``rollup.result`` adds to the figures: purchased electricity's tCO2, output per product and its unit
    electricity: dict[Key, float] = field(default_factory=lambda: defaultdict(float))
    output: dict[Key, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    units: dict[Key, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    said: dict[Key, dict[str, dict]] = field(default_factory=lambda: defaultdict(dict))  # notes, once each, as a run
    generated: dict[Key, dict[str, float]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(float)))
    fuelled: dict[Key, set[str]] = field(default_factory=lambda: defaultdict(set))
    carbon: dict[Key, dict[tuple, float]] = field(  # each month's carbon balance per facility
        default_factory=lambda: defaultdict(lambda: defaultdict(float)))
    bad: set[Key] = field(default_factory=set)
    labels: dict[int, list[str]] = field(default_factory=dict)  # each year's months, YYYY-MM
    figures: dict[Key, tuple] = field(default_factory=dict)  # ``rollup.result``'s first three, rounded at once
    output_series: list[dict] = field(default_factory=list)

    def read(self, cursor) -> None:
        """``cursor``'s rows: (enterprise, facility, month, category, material, unit, quantity) in their unique key's
        order. They are taken a few hundred at a time (the driver's quickest way) and only their numbers kept."""
        eids: list[int] = []
        fids: list[int | None] = []
        amounts: list[float] = []
        firsts: dict[tuple, int] = {}  # each distinct (month, category, material, unit): the row it first comes in
        seen: list[int] = []  # each row's kind, as the row its kind first came in
        rows = itertools.count()
        while chunk := cursor.fetchmany(CHUNK):
            e, f, when, category, material, unit, q = zip(*chunk, strict=True)
            eids += e
            fids += f
            amounts += q
            seen += map(firsts.setdefault, zip(when, category, material, unit, strict=True), rows)  # C's loop
        if not eids:
            return
        code = _numbered(np.array(seen, dtype=np.int64))[1]  # the kinds numbered in the order they first come
        enterprise_of = np.array(eids, dtype=np.int64)
        facility_of = np.nan_to_num(np.array(fids, dtype=np.float64)).astype(np.int64)  # None: 0, before every id
        amount = np.array(amounts, dtype=np.float64)
        kinds = [(_day(when), category, material, unit) for when, category, material, unit in firsts]
        year, month = np.array([[d.year, d.month - 1] for d, *_ in kinds], dtype=np.int64).reshape(-1, 2).T
        # the enterprise-years numbered in the order of their first row, as adding row by row would make them
        numbers, at = _numbered(enterprise_of)
        enterprises = numbers.tolist()
        first_year, span = int(year.min()), int(year.max() - year.min()) + 1
        each = at * span + (year[code] - first_year)
        first = np.full(len(enterprises) * span, len(each), dtype=np.int64)
        np.minimum.at(first, each, np.arange(len(each)))
        found = np.flatnonzero(first < len(each))
        found = found[np.argsort(first[found], kind="stable")]
        rank = np.empty(len(first), dtype=np.int64)
        rank[found] = np.arange(len(found))
        ey = rank[each]
        keys: list[Key] = [(enterprises[k // span], first_year + k % span) for k in found.tolist()]
        self.labels = {y: [f"{y}-{m:02d}" for m in range(1, MONTHS + 1)] for y in {y for _, y in keys}}
        groups = {g: (lib, opt) for g, lib, opt in self.libraries.values()}
        group = np.array([self.libraries[eid][0] for eid, _ in keys], dtype=np.int64)[ey]
        pairs, pair = _numbered(group * len(kinds) + code)
        lines = _unit_lines([divmod(p, len(kinds)) for p in pairs.tolist()], kinds, groups)
        slot = np.array([-2 if x[0] is None else x[0] for x in lines], dtype=np.int64)[pair]
        tco2 = np.array([x[1] for x in lines], dtype=np.float64)[pair] * amount  # each row's, as one by one
        month = month[code]
        self.bad.update(keys[i] for i in np.unique(ey[(slot == -2) | (amount < 0)]).tolist())
        # each row's process: its facility's, or the enterprise's own
        facilities, at = _numbered(facility_of)
        of_facility = [self.places.get(f, (None, None))[1] or "(enterprise)" for f in facilities.tolist()]
        processes = sorted(set(of_facility))  # numbered in name order: each year's come in the order they are shown
        number = {name: i for i, name in enumerate(processes)}
        process = np.array([number[name] for name in of_facility], dtype=np.int64)[at]
        emits = slot >= 0
        ey_e, slot_e, tco2_e, month_e, process_e = ey[emits], slot[emits], tco2[emits], month[emits], process[emits]
        self._special(keys, kinds, lines, code, pair, ey, tco2, month, amount, facility_of)
        # each enterprise-year's, process's and month's sums of each kind (a level is there when a row added to it),
        # finished and rounded at once
        width, years, per_process = len(KINDS), len(keys), len(processes)
        enterprise = np.bincount(ey_e * width + slot_e, weights=tco2_e, minlength=years * width).reshape(-1, width)
        cells, at = _numbered(ey_e * per_process + process_e)
        by_process = np.bincount(at * width + slot_e, weights=tco2_e,
                                 minlength=len(cells) * width).reshape(-1, width)
        in_month = ey_e * MONTHS + month_e
        months = np.flatnonzero(np.bincount(in_month, minlength=years * MONTHS))
        by_month = np.bincount(in_month * width + slot_e, weights=tco2_e,
                               minlength=years * MONTHS * width).reshape(-1, width)[months]
        finished = finish_many(np.vstack((enterprise, by_process, by_month)))
        of_year, of_process, of_month = finished[:years], finished[years:years + len(cells)], finished[years + len(cells):]
        bounds = [np.searchsorted(cells, np.arange(years + 1) * per_process).tolist(),
                  np.searchsorted(months, np.arange(years + 1) * MONTHS).tolist()]
        place, month_of = (cells % per_process).tolist(), (months % MONTHS).tolist()
        summed = slot_e < len(SUMMED)  # the allocation is shown per place but never part of a total
        series = self._series(keys, processes, ey_e[summed] * per_process + process_e[summed], month_e[summed],
                              tco2_e[summed])
        for e, key in enumerate(keys):
            labels = self.labels[key[1]]
            (a, b), (c, d) = bounds[0][e:e + 2], bounds[1][e:e + 2]
            self.figures[key] = (
                of_year[e],
                {"processes": dict(zip([processes[n] for n in place[a:b]], of_process[a:b], strict=True)),
                 "months": dict(zip([labels[m] for m in month_of[c:d]], of_month[c:d], strict=True))},
                {"processes": series[e], "output": self.output_series[e]})

    def _series(self, keys: list[Key], names: list[str], cell: np.ndarray, month: np.ndarray, values: np.ndarray
                ) -> list[dict[str, dict[str, float]]]:
        """Each enterprise-year's figures by name and month, rounded, for the months that had a row; ``cell`` is the
        year's number × len(names) + the name's."""
        cells, at = _numbered(cell)
        bins = at * MONTHS + month
        sums = round3(np.bincount(bins, weights=values, minlength=len(cells) * MONTHS)).reshape(-1, MONTHS).tolist()
        counts = np.bincount(bins, minlength=len(cells) * MONTHS).reshape(-1, MONTHS).tolist()
        out: list[dict[str, dict[str, float]]] = [{} for _ in keys]
        for i, figures, count in zip(cells.tolist(), sums, counts, strict=True):
            e, n = divmod(i, len(names))
            labels = self.labels[keys[e][1]]
            out[e][names[n]] = (dict(zip(labels, figures, strict=True)) if all(count)  # a whole year: C's loop
                                else {label: x for label, x, c in zip(labels, figures, count, strict=True) if c})
        return out

    def _special(self, keys, kinds, lines, code, pair, ey, tco2, month, amount, fids) -> None:
        """Notes, purchased electricity, output, generation, the fuelled months and the carbon balance: from the rows
        of those kinds only, in the rows' order."""
        def rows_of(test) -> np.ndarray:
            return np.array([bool(test(*k)) for k in kinds], dtype=bool)[code]
        for i in np.flatnonzero(np.array([bool(x[2]) for x in lines], dtype=bool)[pair]).tolist():
            for note in lines[pair[i]][2]:
                self.said[keys[ey[i]]].setdefault(note["en"], note)
        electric = rows_of(lambda d, category, m, u: category == "electricity_purchased")
        for i, sums in zip(*_cells(ey[electric], np.zeros(int(electric.sum()), dtype=np.int64), tco2[electric], 1),
                           strict=True):
            self.electricity[keys[i]] += sums[0]
        # output per product, by weight or energy (``Rollup.add_output``), summed in the rows' order
        per_unit = [_output_unit(*k) for k in kinds]
        made = np.array([x is not None for x in per_unit], dtype=bool)[code] & (amount >= 0)
        if made.any():
            products = sorted({x[0] for x in per_unit if x is not None})
            product = np.array([products.index(x[0]) if x else 0 for x in per_unit], dtype=np.int64)[code[made]]
            output = amount[made] * np.array([x[2] if x else 0.0 for x in per_unit], dtype=np.float64)[code[made]]
            cells, sums = _cells(ey[made] * len(products) + product, np.zeros(len(product), dtype=np.int64), output, 1)
            firsts = np.unique(ey[made] * len(products) + product, return_index=True)[1]
            for c in np.argsort(firsts, kind="stable").tolist():  # each year's products in the order they first come
                e, n = divmod(cells[c], len(products))
                self.output[keys[e]][products[n]] = sums[c][0]
            backwards = (ey[made] * len(products) + product)[::-1]  # the unit each product is counted in: its last row's
            cells, last = np.unique(backwards, return_index=True)
            for cell, kind in zip(cells.tolist(), code[made][len(backwards) - 1 - last].tolist(), strict=True):
                material, base, _ = per_unit[kind]  # type: ignore[misc]
                self.units[keys[cell // len(products)]][material] = base
            self.output_series = self._series(keys, products, ey[made] * len(products) + product, month[made],
                                              output)
        else:
            self.output_series = [{} for _ in keys]
        refused = np.array([x[0] is None for x in lines], dtype=bool)[pair]  # their year is refused by name below
        for i in np.flatnonzero(rows_of(lambda d, category, material, u: category in CARBON or (
                category == "production" and material == "electricity")) & ~refused).tolist():
            _, category, material, unit = kinds[code[i]]
            key = keys[ey[i]]
            at = self.labels[key[1]][month[i]]
            if category == "production":
                self.generated[key][at] += amount[i].item() * convert(1, unit, "MWh")
            else:
                self.carbon[key][(at, int(fids[i]))] += tco2[i].item()
        if self.generated:  # the months with fuel: only the years with generation need them (``power.gaps``)
            fuelled = rows_of(lambda d, category, m, u: category in FUELLED)
            generating = np.isin(ey, [i for i, key in enumerate(keys) if key in self.generated])
            for i in np.unique(ey[fuelled & generating] * MONTHS + month[fuelled & generating]).tolist():
                e, m = divmod(i, MONTHS)
                self.fuelled[keys[e]].add(self.labels[keys[e][1]][m])


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cycle collector held while the rows are read and their figures built: tens of thousands of tuples, dicts
    and floats, none in a cycle, would each few hundred start a collection that finds nothing (a tenth of the
    work). The collector is the process's: for those ~60 ms no thread's cycles are collected, which costs nothing
    but their waiting. It runs again after if it ran before."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _numbered(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for small non-negative integers, without sorting."""
    if len(values) == 0 or values.max() > 8 * len(values) + 1024:
        found, at = np.unique(values, return_inverse=True)
        return found, at.reshape(-1)
    used = np.zeros(values.max() + 1, dtype=bool)
    used[values] = True
    return np.flatnonzero(used), (np.cumsum(used) - 1)[values]


def _cells(cell: np.ndarray, within: np.ndarray, values: np.ndarray, width: int, counted: bool = False) -> tuple:
    """The occupied cells in order, each one's sums over ``width`` places (``within``) as Python floats, added in the
    rows' order (and with ``counted``, how many rows each place had)."""
    cells, at = _numbered(cell)
    bins = at * width + within
    sums = np.bincount(bins, weights=values, minlength=len(cells) * width).reshape(-1, width).tolist()
    if not counted:
        return cells.tolist(), sums
    return cells.tolist(), sums, np.bincount(bins, minlength=len(cells) * width).reshape(-1, width).tolist()


def _output_unit(day: date, category: str, material: str, unit: str) -> tuple[str, str, float] | None:
    """(the product, the unit its output is counted in, that unit per row unit) for a kind of production row that
    counts as output (``Rollup.add_output``), or None."""
    if category != "production" or not is_output(material):
        return None
    conversion = _per_output_unit(unit, material in HEAT_OUTPUTS)
    return None if conversion is None else (material, *conversion)


def _day(when) -> date:
    return when if isinstance(when, date) else date.fromisoformat(str(when)[:10])


def _unit_lines(pairs: list[tuple[int, int]], kinds: list[tuple], groups: dict[int, tuple[Library, Options]]
                ) -> list[tuple[int | None, float, list[dict]]]:
    """(the kind's slot, tCO2 for one unit, its notes) of each (group, kind) pair — a month's rows of a material as
    the calculators give them, with the group's library — the slot None when they refuse it. A group's kinds go to
    the calculators together; when one is refused, each is asked again alone, for which."""
    out: list[tuple[int | None, float, list[dict]]] = [(None, 0.0, [])] * len(pairs)
    by_group: dict[int, list[int]] = defaultdict(list)
    for i, (g, _) in enumerate(pairs):
        by_group[g].append(i)
    for g, at in by_group.items():
        lib, opt = groups[g]
        asked = [Activity(ref="1", period=kinds[k][0], category=kinds[k][1], material=kinds[k][2], quantity=1.0,
                          unit=kinds[k][3]) for k in (pairs[i][1] for i in at)]
        try:
            found: list[Emission | None] = list(calculate(asked, lib, opt))
        except AccountingError:
            found = [_alone(activity, lib, opt) for activity in asked]
        for i, line in zip(at, found, strict=True):
            if line is not None:
                out[i] = (SLOT.get(line.kind, -1), line.tco2, line.notes)
    return out


def _alone(activity: Activity, lib: Library, opt: Options) -> Emission | None:
    """The calculators' line for one activity, or None when they refuse it."""
    try:
        return calculate([activity], lib, opt)[0]
    except AccountingError:
        return None
