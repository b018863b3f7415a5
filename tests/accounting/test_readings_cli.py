"""`steward readings` and `steward assay` as an administrator or a script uses them: the template, an import
with its finding, a refusal named by row with exit 2 and no traceback, an assay and the month's values."""

from __future__ import annotations

import json

import pytest
from helpers import run_steward
from openpyxl import load_workbook
from sqlmodel import Session, select
from test_readings import as_csv, coal_in, hourly

from storage.models import ReadingBatch

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_readings_and_assays_from_the_command_line(plant, engine, steward_env, tmp_path):
    sheet = tmp_path / "template.xlsx"
    run_steward(["readings", "template", "--out", str(sheet), "--enterprise", "JYCEM"], steward_env, check=True)
    assert load_workbook(sheet)["计量器具 Meters"]["A2"].value.startswith("M-")
    rows = hourly(coal_in(engine) * 1.05)
    rows[2] = ["M-W001", "2025-11-01 02:00", -1, "", "t"]
    refused = run_steward(["readings", "import", "--as", "lixf", str(as_csv(rows, tmp_path, "bad.csv"))], steward_env)
    assert refused.returncode == 2 and "row 4 '-1.0': the amount is negative" in refused.stderr
    assert "Traceback" not in refused.stderr
    done = run_steward(["readings", "import", "--as", "lixf", str(as_csv(hourly(coal_in(engine) * 1.05), tmp_path))],
                       steward_env, check=True)
    assert "imported 720 row(s)" in done.stdout and "beyond its ±0.5% accuracy" in done.stdout
    again = run_steward(["readings", "reconcile", "--as", "lixf", "--month", "2025-11"], steward_env, check=True)
    assert "0 new finding(s)" in again.stdout  # on record once, never twice
    assert run_steward(["readings", "reconcile", "--as", "lixf", "--month", "Nov"], steward_env).returncode == 2
    with Session(engine) as s:
        assert len(s.exec(select(ReadingBatch)).all()) == 1
    report = tmp_path / "MZ-1106.pdf"
    report.write_bytes(b"%PDF-1.4 assay")
    base = ["assay", "add", "--as", "lixf", "--material", "烟煤", "--sampled", "2025-11-06", "--quantity", "3000",
            "--ncv", "22.4", "--lab", "晋中煤质检测中心", "--report", str(report)]
    percent = run_steward([*base, "--carbon", "58.5"], steward_env)
    assert percent.returncode == 2 and "did you mean 0.585?" in percent.stderr
    run_steward([*base, "--carbon", "0.585", "--ash", "0.2"], steward_env, check=True)
    months = json.loads(run_steward(["assay", "list", "--as", "lixf", "--json"], steward_env, check=True).stdout)
    assert months == [{"material": "bituminous_coal", "month": "2025-11", "batches": 1, "ncv": 22.4,
                       "carbon_content": 0.585, "per_heat": pytest.approx(0.585 / 22.4)}]
