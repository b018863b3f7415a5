"""JSON columns are decoded by orjson (``storage.engine.read_json``: a frozen run's totals read back in half the
time) and give exactly what the standard library gave, the values orjson refuses included, so a run's figures
and an audit entry re-hashed on verification are the same as before."""

from __future__ import annotations

import json
import math

import pytest
import sqlalchemy as sa

from storage.engine import read_json

VALUES = [{"total": 0.1 + 0.2, "zero": -0.0, "tiny": 5e-324, "big": 1.7976931348623157e308, "n": 2**63 - 1,
           "name": "晋岩水泥 «clinker»", "nested": [[], {}, None, True, False, "", 1e-7, 123456789.123]},
          [2**70, -(2**70)], [-0, 18446744073709551615, 10**19, -(2**63)], "9" * 30,
          {"a": float("nan"), "b": float("inf"), "c": float("-inf")}, ["\ud800 lone surrogate"], {"dup": 1}]


def _same(a, b) -> bool:
    """Equal, with NaN equal to NaN and -0.0 told from 0.0."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("text", [json.dumps(v) for v in VALUES] + [
    '{"dup": 1, "dup": 2}', "1E400", '"\\u00e9"', '[1.5e300, 12345678901234567890123]', '"\\ud800"'])
def test_a_json_text_decodes_as_the_standard_library_decodes_it(text):
    assert _same(read_json(text), json.loads(text))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_json_column_reads_back_what_was_written_and_the_stored_text_is_unchanged(engine):
    table = sa.Table("json_probe", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("value", sa.JSON))
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, "value": v} for i, v in enumerate(VALUES)])
    with engine.connect() as conn:
        stored = dict(conn.exec_driver_sql("select id, value from json_probe").all())
        read = dict(conn.execute(sa.select(table.c.id, table.c.value)).all())
    assert [stored[i] for i in range(len(VALUES))] == [json.dumps(v) for v in VALUES]  # written as before
    assert all(_same(read[i], v) for i, v in enumerate(VALUES))
