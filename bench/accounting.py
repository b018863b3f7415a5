"""Benchmark: a year of hourly readings for 2,000 meters (17.5 M rows) accounted to facility,
process and enterprise, against a plain DuckDB query doing the same aggregation, in one run.

    python3 -m uv run python bench/accounting.py [--meters 2000] [--hours 8760]

Prints both times, their ratio, the totals of both (which must agree) and the peak RSS.
Target: within 1.5x of plain DuckDB and under 2 GB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from accounting.factors import default_library  # noqa: E402
from accounting.inventory import Activity, calculate  # noqa: E402
from accounting.rollup import rollup  # noqa: E402
from storage.readings import connect, monthly_by_meter  # noqa: E402

YEAR = 2025
# what a meter measures: (category, material, unit of one hourly reading, typical hourly value)
KINDS = [("fuel_combustion", "natural_gas", "Nm3", 120.0), ("fuel_combustion", "diesel", "kg", 15.0),
         ("fuel_combustion", "bituminous_coal", "t", 1.8), ("electricity_purchased", "grid_electricity", "kWh", 450.0)]


def meters(n: int) -> list[tuple[str, str, str, str, str, str]]:
    """(code, facility, process, category, material, unit): 5 meters a facility, 10 facilities a process."""
    out = []
    for i in range(n):
        category, material, unit, _ = KINDS[i % len(KINDS)]
        facility = f"F{i // 5:04d}"
        out.append((f"M{i:05d}", facility, f"P{i // 50:03d}", category, material, unit))
    return out


def generate(root: Path, n: int, hours: int) -> None:
    """Write the readings as Parquet, one folder per month, with DuckDB (not timed)."""
    con = connect()
    typical = " ".join(f"WHEN {k} THEN {v}" for k, (_, _, _, v) in enumerate(KINDS))
    con.execute(f"""
        COPY (
            SELECT printf('M%05d', m) AS meter,
                   TIMESTAMP '{YEAR}-01-01' + to_hours(h) AS ts,
                   (CASE m % {len(KINDS)} {typical} END) * (0.6 + 0.8 * random()) AS value,
                   month(TIMESTAMP '{YEAR}-01-01' + to_hours(h)) AS month
            FROM range({n}) r(m), range({hours}) t(h)
        ) TO '{root}' (FORMAT PARQUET, PARTITION_BY (month), OVERWRITE_OR_IGNORE)""")
    con.close()


def ours(root: Path, meta: dict, con) -> dict:
    """The product's path: DuckDB monthly totals per meter, then the pint-checked calculators and roll-up."""
    monthly = monthly_by_meter(con, root, YEAR)
    activities = []
    for code, month, total in monthly:
        facility, process, category, material, unit = meta[code]
        activities.append(Activity(code, month, category, material, total, unit, facility, process))
    return rollup(calculate(activities, default_library()))


def per_unit_factors() -> list[tuple[str, int, float]]:
    """tCO2 per reading unit for each material and month, as a plain query would take them from a table."""
    lib = default_library()
    out = []
    for category, material, unit, _ in KINDS:
        for m in range(1, 13):
            [line] = calculate([Activity("f", date(YEAR, m, 1), category, material, 1.0, unit)], lib)
            out.append((material, m, line.tco2))
    return out


def plain_tables(meta: dict, factors: list):
    """The baseline's lookup tables, loaded before its clock starts."""
    con = connect()
    con.execute("CREATE TABLE meters (meter VARCHAR, facility VARCHAR, process VARCHAR, material VARCHAR)")
    con.executemany("INSERT INTO meters VALUES (?, ?, ?, ?)",
                    [(code, f, p, mat) for code, (f, p, _c, mat, _u) in meta.items()])
    con.execute("CREATE TABLE factors (material VARCHAR, month INTEGER, k DOUBLE)")
    con.executemany("INSERT INTO factors VALUES (?, ?, ?)", factors)
    return con


def plain(root: Path, con) -> dict:
    """The baseline: the same aggregation as one hand-written DuckDB query (monthly totals per meter,
    joined to meters and factors, grouped to the three levels), with nothing of ours in between."""
    rows = con.execute(f"""
        WITH monthly AS (
            SELECT meter, month(date_trunc('month', ts)) AS month, sum(value) AS total
            FROM read_parquet('{root}/**/*.parquet', hive_partitioning = true)
            WHERE ts >= TIMESTAMP '{YEAR}-01-01' AND ts < TIMESTAMP '{YEAR + 1}-01-01'
            GROUP BY ALL)
        SELECT m.facility, m.process, sum(t.total * f.k) AS tco2
        FROM monthly t JOIN meters m USING (meter) JOIN factors f ON f.material = m.material AND f.month = t.month
        GROUP BY GROUPING SETS ((m.facility), (m.process), ())""").fetchall()
    out = {"facilities": {}, "processes": {}, "enterprise": 0.0}
    for facility, process, tco2 in rows:
        if facility:
            out["facilities"][facility] = tco2
        elif process:
            out["processes"][process] = tco2
        else:
            out["enterprise"] = tco2
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--meters", type=int, default=2000)
    ap.add_argument("--hours", type=int, default=8760)
    ap.add_argument("--repeat", type=int, default=3, help="best of N for each side")
    args = ap.parse_args()
    meta = {code: (f, p, c, mat, u) for code, f, p, c, mat, u in meters(args.meters)}
    with tempfile.TemporaryDirectory(prefix="steward-bench-") as tmp:
        root = Path(tmp) / "readings"
        t = time.perf_counter()
        generate(root, args.meters, args.hours)
        rows = args.meters * args.hours
        print(f"readings: {rows:,} rows ({args.meters} meters × {args.hours} h) written in {time.perf_counter() - t:.1f} s")
        con = plain_tables(meta, per_unit_factors())
        ours_con = connect()  # both sides get a connection opened before the clock starts
        ours_times, plain_times = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            result = ours(root, meta, ours_con)
            ours_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            baseline = plain(root, con)
            plain_times.append(time.perf_counter() - t)
    o, p = min(ours_times), min(plain_times)
    total, base_total = result["enterprise"]["total"], baseline["enterprise"]
    agree = abs(total - base_total) <= 1e-6 * abs(base_total) and len(result["facilities"]) == len(baseline["facilities"])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"carbon steward: {o:.3f} s   plain duckdb: {p:.3f} s   ratio: {o / p:.2f}x (target ≤ 1.5x)")
    print(f"levels: {len(result['facilities'])} facilities, {len(result['processes'])} processes, 1 enterprise")
    print(f"enterprise total: {total:,.1f} tCO2 (plain: {base_total:,.1f}) {'agree' if agree else 'DISAGREE'}")
    print(f"peak RSS: {peak_mb:,.0f} MB (target < 2048 MB)")
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
