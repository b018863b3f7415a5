"""The first page for top management: the year so far against last year's same months, the baseline and the
target; intensity over every year on record; the surrender position; open and overdue work; how many have
read what they must; and audit coverage in colours that mean what they say."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from helpers import act, as_user, plant_id

from workflows.accounting import runs
from workflows.improvement import nonconformity as ncs
from workflows.overview import dashboard

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_the_year_so_far_is_set_against_the_same_months_the_baseline_and_every_year_on_record(plant):
    with plant("system:test") as s:
        nc = ncs.raise_nc(s, plant_id(s), source="audit", clause_id="8.3c", title="M-E021 检定过期", raised_by="t")
        nc.due = date.today() - timedelta(days=3)  # its analysis is late
        s.add(nc)

    def read(s, a):
        yearly = runs.totals_by_year(s, a.enterprise_id)
        return yearly, dashboard.overview(s, a, "en")
    yearly, view = act(plant, "wangjg", read)
    e = view["emissions"]
    months = yearly[2025]["months"]
    assert e["year"] == 2025 and e["months"] == len(months)
    assert e["total"] == pytest.approx(sum(m["total"] for m in months.values()), abs=0.1)
    same = sum(v["total"] for k, v in yearly[2024]["months"].items() if k[5:] in {m[5:] for m in months})
    assert e["same_period"] == pytest.approx(same, abs=0.1)
    assert e["vs_same_period"] == pytest.approx((e["total"] - same) / same * 100, abs=0.05)
    assert e["baseline"] == pytest.approx(view["base"].figures["enterprise"]["total"] * len(months) / 12, abs=0.1)
    assert view["intensity"]["years"] == ["2023", "2024", "2025"]  # every year the demo has accounted
    clinker = next(s for s in view["intensity"]["series"] if s["name"] == "Clinker (tCO2e/t)")
    assert all(v is not None for v in clinker["data"]) and clinker["baseline"]
    assert [(c["year"], c["state"]) for c in view["compliance"]] == [(2024, "overdue"), (2025, "open")]  # none surrendered
    assert view["compliance"][1]["due"] > 1_000_000 and view["compliance"][1]["allocated"] is None
    assert view["work"]["ncs"] >= 1 and view["work"]["ncs_overdue"] >= 1


def test_the_page_reads_in_words_and_coverage_colours_mean_what_they_say(web, plant):
    wangjg = as_user(web, "wangjg")
    page = wangjg.get("/").text
    for block in ("kpi-emissions", "kpi-compliance", "kpi-work", "kpi-acknowledged", "intensity-chart", "coverage"):
        assert f'id="{block}"' in page, block
    data = json.loads(re.search(r'id="dashboard-data">(.*?)</script>', page, re.S).group(1))
    colours = {s["name"]: s["color"] for s in data["coverage"]["series"]}
    assert colours["符合"] == "#2e7d32" and colours["严重不符合"] == "#b71c1c" and colours["未检查"] == "#cfd8dc"
    assert data["coverage"]["chapters"][0].startswith("4 ") and "minor_nc" not in page
    english = as_user(web, "wangjg")
    english.get("/lang/en")
    en = english.get("/").text
    assert "vs last year" in en and "Allowance surrender" in en  # a complete year: against the whole year before
    assert all(not re.search(r"[\u4e00-\u9fff]", s["name"]) for s in
               json.loads(re.search(r'id="dashboard-data">(.*?)</script>', en, re.S).group(1))["coverage"]["series"])
