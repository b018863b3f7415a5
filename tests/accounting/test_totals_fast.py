"""The quick totals (``workflows.accounting.totals.many``) give exactly what they gave before they were made faster
(issue 31's benchmark): the previous path is kept here, not in the product, and both run on the demo's years, on
the demo as a power plant (notes, generation without fuel) and with years the calculators refuse."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from helpers import plant_id, power_plant
from sqlalchemy import String, type_coerce
from sqlmodel import func, select

from accounting.errors import AccountingError
from accounting.inventory import Activity, Options, calculate
from accounting.rollup import KINDS, SLOT, Rollup, _finish
from accounting.sectors import power
from accounting.units import convert
from storage.errors import StewardError
from storage.models import ActivityRecord, Enterprise
from workflows.accounting import calculation, totals

YEARS = range(2019, 2028)


def _before(session, enterprise_ids, years, grid="national"):
    """``totals.many`` as it was: a sum per database group, each row's figure added to every level by
    ``Rollup.add`` (the groups in their key's order, so both backends add in one order)."""
    ids, years = sorted(set(enterprise_ids)), sorted(set(years))
    groups, gwp, documents, sectors = totals._groups(session, ids)
    libraries = {eid: (g, lib, Options(grid=grid, gwp=code, sector=sector))
                 for g, (lib, code, sector, eids) in enumerate(groups) for eid in eids}
    places = calculation.places(session, ids)
    a = ActivityRecord
    sums = session.connection().execute(
        select(a.enterprise_id, a.facility_id, type_coerce(a.period, String), a.category, a.material, a.unit,
               func.sum(a.quantity), func.min(a.quantity))
        .where(a.enterprise_id.in_(ids), a.period >= date(years[0], 1, 1), a.period < date(years[-1] + 1, 1, 1),
               a.pending.is_(False))
        .group_by(a.enterprise_id, a.facility_id, a.period, a.category, a.material, a.unit)
        .order_by(a.enterprise_id, a.facility_id.nulls_first(), a.period, a.category, a.material, a.unit)).all()
    per_unit: dict = {}
    rolls: dict = defaultdict(Rollup)
    said: dict = defaultdict(dict)
    generated: dict = defaultdict(lambda: defaultdict(float))
    fuelled: dict = defaultdict(set)
    carbon: dict = defaultdict(lambda: defaultdict(float))
    bad: set = set()
    for eid, fid, period, category, material, unit, amount, least in sums:
        day = period if isinstance(period, date) else date.fromisoformat(str(period)[:10])
        month, key = f"{day:%Y-%m}", (eid, day.year)
        g, lib, opt = libraries[eid]
        if (g, category, material, unit, day) not in per_unit:
            try:
                [line] = calculate([Activity(ref="1", period=day, category=category, material=material, quantity=1.0,
                                             unit=unit)], lib, opt)
                per_unit[g, category, material, unit, day] = (SLOT.get(line.kind, -1), line.tco2, line.notes)
            except AccountingError:
                per_unit[g, category, material, unit, day] = None
        found = per_unit[g, category, material, unit, day]
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
    bad |= {key for key, months in carbon.items() if any(net < -1e-6 for net in months.values())}
    ets = {(sector, year): calculation.ets(sector, year) for sector in set(sectors.values()) for year in years}
    done = {key: {**roll.result(), "gwp": gwp[key[0]], "document": documents[key[0]],
                  "ets": ets[sectors.get(key[0], ""), key[1]],
                  "notes": calculation.in_order(said[key].values(), power.gaps(generated[key], fuelled[key]))}
            for key, roll in rolls.items() if key not in bad}
    failed = {}
    for key in sorted(bad):
        try:
            done[key] = calculation.compute(session, key[0], key[1], grid)[0]
        except StewardError as exc:
            failed[key] = exc
    return done, failed


def _everyone(session) -> list[int]:
    return list(session.exec(select(Enterprise.id)))


def _compared(figures: dict) -> dict:
    """The previous path's figures without the facilities': the quick totals leave them out (a comparison with another
    year or the baseline reads the enterprise, its processes and months)."""
    if "facilities" not in figures or "by_month" not in figures:  # a year computed line by line for its reason
        return figures
    return {k: {n: v for n, v in figures[k].items() if n != "facilities"} if k == "by_month" else figures[k]
            for k in figures if k != "facilities"}


def _same_exactly(session) -> dict:
    ids = _everyone(session)
    done, failed = totals.many(session, ids, YEARS)
    before, failed_before = _before(session, ids, YEARS)
    before = {key: _compared(figures) for key, figures in before.items()}
    assert done == before  # every figure to the last bit, and in the same order of keys
    assert [list(t) for t in done.values()] == [list(t) for t in before.values()]
    assert {k: (e.code, e.en) for k, e in failed.items()} == {k: (e.code, e.en) for k, e in failed_before.items()}
    return done


def test_the_quick_totals_of_the_demos_years_are_what_they_were(plant, engine):
    with plant("alice") as s:
        done = _same_exactly(s)
        pid = plant_id(s)
    years = sorted(year for eid, year in done if eid == pid)
    assert years and all(done[pid, y]["enterprise"]["total"] > 0 for y in years)
    assert len(done[pid, years[-1]]["months"]) >= 1 and done[pid, years[-1]]["by_month"]["processes"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_quick_totals_of_a_power_plant_and_of_refused_years_are_what_they_were(plant, engine):
    power = power_plant(plant)
    with plant("alice") as s:
        done = _same_exactly(s)  # the default said for months without a measurement, a month without fuel
        assert any(n["code"] == "generation_without_fuel" for n in done[power, 2022]["notes"])
        s.add(ActivityRecord(enterprise_id=power, period=date(2024, 5, 1), category="fuel_combustion",
                             material="unobtainium", quantity=5, unit="t"))
        s.add(ActivityRecord(enterprise_id=power, period=date(2023, 5, 1), category="fuel_combustion",
                             material="diesel", quantity=-2, unit="t"))
        s.flush()
        _same_exactly(s)


def test_a_levels_figures_are_rounded_as_before_zeros_included():
    def before(sums):
        out = dict(zip(KINDS, sums, strict=True))
        out["total"] = out["direct"] + out["indirect"] + out["exported"] + out["recovered"]
        out["total_direct_only"] = out["direct"] + out["recovered"]
        return {k: round(v, 3) for k, v in out.items()}
    for sums in ([0.0] * 5, [-0.0, 0.0, -0.0, 0.0, 0.0], [1.0005, 2.0015, -0.0005, -1.2345, 0.0],
                 [123456.78949999, 1e-4, -1e-4, 5e-4, 7.25e9], [0.1 + 0.2, -(0.1 + 0.2), 0.3, 1e300, -1e-300]):
        got, want = _finish(sums), before(sums)
        assert got == want and list(got) == list(want)
        assert [str(v) for v in got.values()] == [str(v) for v in want.values()]  # -0.0 stays -0.0


def test_rounding_many_figures_at_once_is_round_to_the_last_bit():
    import math
    import random

    import numpy as np

    from accounting.rollup import round3
    rng = random.Random(31)
    ties = [j / 16 for j in range(-4000, 4000)] + [k / 1000 + 0.0005 for k in range(-3000, 3000)]
    values = (ties + [math.nextafter(t, math.inf) for t in ties] + [math.nextafter(t, -math.inf) for t in ties]
              + [rng.uniform(-1, 1) * 10 ** rng.randint(-6, 15) for _ in range(50_000)]
              + [0.0, -0.0, 1e-300, -1e-300, 5e-4, -5e-4, 2.0**52, 2.0**53 + 2, 4.5e12 + 0.0005, 1.7976931348623157e308,
                 -1.7976931348623157e308, math.inf, -math.inf])
    got = round3(np.array(values, dtype=np.float64)).tolist()
    want = [round(v, 3) for v in values]
    assert [repr(g) for g in got] == [repr(w) for w in want]  # -0.0 stays -0.0
    assert math.isnan(round3(np.array([math.nan]))[0])


def test_finishing_many_levels_at_once_is_finishing_each():
    import random

    import numpy as np

    from accounting.rollup import finish_many
    rng = random.Random(31)
    sums = [[rng.choice([0.0, -0.0, 0.0625, -0.0625, 1.0005, rng.uniform(-1e4, 1e6), rng.uniform(-1, 1) * 1e-4])
             for _ in range(len(KINDS))] for _ in range(5000)]
    got, want = finish_many(np.array(sums, dtype=np.float64)), [_finish(s) for s in sums]
    assert got == want and all(list(g) == list(w) for g, w in zip(got, want, strict=True))
    assert repr(got) == repr(want)  # every float as it prints, so -0.0 is told from 0.0
