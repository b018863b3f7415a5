"""High-frequency meter readings in Parquet partitions, aggregated with DuckDB.

Hourly data from thousands of meters is too much for row-by-row ORM; it lives as Parquet files
(one folder per month) and only monthly totals per meter come back into Python.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb


def connect(memory_limit: str = "1GB", threads: int = 2) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    return con


def monthly_by_meter(con: duckdb.DuckDBPyConnection, root: Path, year: int) -> list[tuple[str, date, float]]:
    """(meter code, first day of month, summed reading) for one year of partitions under ``root``."""
    pattern = str(root / "**" / "*.parquet")
    return con.execute(
        "SELECT meter, date_trunc('month', ts)::DATE AS month, sum(value) FROM read_parquet(?, hive_partitioning = true) "
        "WHERE ts >= ? AND ts < ? GROUP BY ALL", [pattern, date(year, 1, 1), date(year + 1, 1, 1)]).fetchall()
