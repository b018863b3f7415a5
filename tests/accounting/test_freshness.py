"""A run no longer stands once anything it reads changes in its year, and only in its year: an activity row edited
(a quantity corrected, a production figure), moved to another month or year (both years), removed, confirmed into
the figures or taken out of them; a measured value recorded, changed or removed; an assay; the factor document or
GWP set chosen on the page or the command line. The annual report refuses such a run until it is run again."""

from __future__ import annotations

import re
from datetime import date

import pytest
from helpers import act, as_user, csrf, plant_id
from sqlmodel import select
from test_assays import add as assay

from storage.errors import StewardError
from storage.models import ActivityRecord, EnterpriseFactor
from workflows.accounting import activity, freshness, runs
from workflows.ets import report

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def out_of_date(plant, year: int) -> str | None:
    """What the pages say of the year's latest run (English), or None when it stands."""
    with plant("test") as s:
        changed = freshness.changes_since(s, runs.latest_run(s, plant_id(s), year))
        return changed["en"] if changed else None


def rerun(plant, year: int) -> None:
    act(plant, "lixf", lambda s, a: runs.run_as(s, a, year))


def row_of(s, period: date, category: str, material: str) -> ActivityRecord:
    return s.exec(select(ActivityRecord).where(ActivityRecord.enterprise_id == plant_id(s),
                                               ActivityRecord.period == period, ActivityRecord.category == category,
                                               ActivityRecord.material == material)).first()


def correct(plant, month: date, category: str, material: str, **fields) -> None:
    """A row corrected in its own transaction, as the carbon manager's correction is: any path writes it so."""
    def go(s, a):
        row = row_of(s, month, category, material)
        for key, value in fields.items():
            setattr(row, key, value(getattr(row, key)) if callable(value) else value)
        s.add(row)
    act(plant, "lixf", go)


def test_a_corrected_quantity_dates_its_year_alone_the_report_refuses_it_and_a_rerun_clears_it(plant, in_progress):
    assert out_of_date(plant, 2025) is None and out_of_date(plant, 2026) is None
    correct(plant, date(2025, 6, 1), "fuel_combustion", "bituminous_coal", quantity=lambda q: q * 1.02)
    said = out_of_date(plant, 2025)
    assert said is not None and "1 row of activity data changed on" in said
    assert out_of_date(plant, 2026) is None  # another year's run still stands
    with plant("test") as s, pytest.raises(StewardError) as stale:
        report.reportable_run(s, plant_id(s), 2025, today=date(2026, 3, 1))
    assert stale.value.code == "run_stale" and "修改 1 行活动数据" in stale.value.zh
    rerun(plant, 2025)
    assert out_of_date(plant, 2025) is None
    with plant("test") as s:
        assert report.reportable_run(s, plant_id(s), 2025, today=date(2026, 3, 1)).year == 2025
    correct(plant, date(2026, 2, 1), "fuel_combustion", "diesel", quantity=lambda q: q + 0.5)
    assert out_of_date(plant, 2025) is None and "1 row of activity data changed" in out_of_date(plant, 2026)


def test_a_production_figure_corrected_and_a_row_removed_date_their_year(plant, in_progress):
    correct(plant, date(2025, 3, 1), "production", "clinker", quantity=lambda q: q + 100)
    assert "1 row of activity data changed" in out_of_date(plant, 2025)
    rerun(plant, 2025)
    act(plant, "lixf", lambda s, a: s.delete(row_of(s, date(2025, 4, 1), "fuel_combustion", "diesel")))
    assert "1 row of activity data removed" in out_of_date(plant, 2025)
    assert out_of_date(plant, 2026) is None


def test_an_evidence_note_changes_no_figure_and_dates_nothing(plant, in_progress):
    correct(plant, date(2025, 6, 1), "fuel_combustion", "bituminous_coal", evidence="月报（复核）")
    assert out_of_date(plant, 2025) is None


def test_a_row_moved_to_another_year_dates_both_years_and_no_other(plant, in_progress):
    correct(plant, date(2025, 12, 1), "fuel_combustion", "diesel", period=date(2026, 3, 1))
    assert "1 row of activity data changed" in out_of_date(plant, 2025)
    assert "1 row of activity data changed" in out_of_date(plant, 2026)
    assert out_of_date(plant, 2024) is None
    rerun(plant, 2025)
    rerun(plant, 2026)
    assert out_of_date(plant, 2025) is None and out_of_date(plant, 2026) is None


DIESEL = {"period": "2025-12", "facility": "F-BL01", "category": "fuel_combustion", "material": "diesel",
          "quantity": 1.5, "unit": "t", "source": "measured", "meter": "", "evidence": "加油单"}


def waiting_batch(plant) -> int:
    with plant("test") as s:
        return s.exec(select(ActivityRecord.batch_id).where(ActivityRecord.pending.is_(True))).one()


def test_a_batch_that_waits_changes_nothing_until_confirmed_and_taking_it_back_dates_the_year_again(
        plant, in_progress):
    act(plant, "yangf", lambda s, a: activity.enter(s, a, [DIESEL], "manual entry"))
    assert out_of_date(plant, 2025) is None  # it counts in no run while it waits
    batch_id = waiting_batch(plant)
    assert act(plant, "lixf", lambda s, a: activity.confirm(s, a, batch_id)) == [2025]
    assert "1 row of activity data added" in out_of_date(plant, 2025) and out_of_date(plant, 2026) is None
    rerun(plant, 2025)
    assert out_of_date(plant, 2025) is None

    def take_back(s, a):
        for row in s.exec(select(ActivityRecord).where(ActivityRecord.batch_id == batch_id)):
            row.pending = True
            s.add(row)
    act(plant, "lixf", take_back)
    assert "1 row of activity data removed" in out_of_date(plant, 2025)


def test_a_sent_back_batch_dates_nothing(plant, in_progress):
    act(plant, "yangf", lambda s, a: activity.enter(s, a, [DIESEL], "manual entry"))
    batch_id = waiting_batch(plant)
    act(plant, "lixf", lambda s, a: activity.send_back(s, a, batch_id, "柴油应计入 F-MV01"))
    assert out_of_date(plant, 2025) is None


def seeded_ncv(s, year: int) -> EnterpriseFactor:
    return s.exec(select(EnterpriseFactor).where(EnterpriseFactor.enterprise_id == plant_id(s),
                                                 EnterpriseFactor.parameter == "ncv",
                                                 EnterpriseFactor.valid_from == date(year, 1, 1))).one()


def test_a_measured_value_dates_the_years_it_is_in_force_in(plant, in_progress):
    from workflows.accounting import calculation

    def change(s, a):
        row = seeded_ncv(s, 2025)
        row.value = 23.1
        s.add(row)
    act(plant, "lixf", change)  # the 2025 coal NCV corrected: its audit entry holds the value alone
    assert "1 measured value changed or removed" in out_of_date(plant, 2025)
    assert out_of_date(plant, 2026) is None and out_of_date(plant, 2024) is None
    rerun(plant, 2025)
    act(plant, "lixf", lambda s, a: s.delete(seeded_ncv(s, 2024)))
    assert out_of_date(plant, 2024) is not None and out_of_date(plant, 2025) is None
    rerun(plant, 2024)
    act(plant, "lixf", lambda s, a: calculation.add_measured_factor(
        s, a, parameter="ncv", material="diesel", value=42.9, unit="GJ/t", valid_from=date(2026, 1, 1),
        valid_to=date(2026, 12, 31), evidence="柴油化验 2026-01"))
    assert out_of_date(plant, 2025) is None and "1 measured value recorded" in out_of_date(plant, 2026)
    rerun(plant, 2026)
    act(plant, "lixf", lambda s, a: calculation.add_measured_factor(  # open: 2025 and every accounted year after
        s, a, parameter="ncv", material="anthracite", value=26.1, unit="GJ/t", valid_from=date(2025, 7, 1),
        evidence="无烟煤化验 2025-07"))
    assert "1 measured value recorded" in out_of_date(plant, 2025)
    assert "1 measured value recorded" in out_of_date(plant, 2026) and out_of_date(plant, 2024) is None


def test_an_assay_and_a_second_one_of_the_same_month_date_its_year(plant, in_progress, store):
    assay(plant, store)
    assert "measured value" in out_of_date(plant, 2025) and out_of_date(plant, 2026) is None
    rerun(plant, 2025)
    # the month's second batch re-weights the values already in force: rows changed, not added
    assay(plant, store, sampled_on=date(2025, 11, 20), quantity=1000.0, ncv=24.0, carbon_content=0.62,
          report_name="JZ-2025-1120.pdf", report=b"%PDF-1.4 report 1120")
    assert "changed or removed" in out_of_date(plant, 2025)
    assert out_of_date(plant, 2026) is None


def test_the_gwp_set_chosen_on_the_page_dates_every_accounted_year_and_the_page_says_so(web, plant, in_progress):
    lixf = as_user(web, "lixf")
    with plant("test") as s:
        run_2025 = runs.latest_run(s, plant_id(s), 2025).id
    assert "数据有变更" not in lixf.get(f"/accounting?run={run_2025}").text
    lixf.post("/accounting/gwp", data={"gwp_set": "ar4", "gwp_reason": "主管部门报告要求",
                                       "csrf_token": csrf(lixf, "/accounting")})
    assert "the GWP set changed" in out_of_date(plant, 2025) and "the GWP set changed" in out_of_date(plant, 2026)
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", lixf.get(f"/accounting?run={run_2025}").text))
    assert "本次核算之后数据有变更（" in words and "更改 GWP 取值），数字可能已过时" in words
    english = as_user(web, "lixf")
    english.get("/lang/en")
    assert "the GWP set changed on" in re.sub(r"\s+", " ", english.get(f"/accounting?run={run_2025}").text)
    rerun(plant, 2025)
    assert out_of_date(plant, 2025) is None and out_of_date(plant, 2026) is not None


def test_the_factor_document_chosen_on_the_command_line_dates_every_accounted_year(plant, in_progress, steward_env):
    from helpers import run_steward
    done = run_steward(["account", "document", "--as", "lixf", "GB/T 32150-2015", "--reason", "主管部门报告要求"],
                       steward_env, check=True)
    assert "GB/T 32150-2015" in done.stdout
    assert "the factor document changed" in out_of_date(plant, 2025)
    assert "the factor document changed" in out_of_date(plant, 2026)
    rerun(plant, 2026)
    assert out_of_date(plant, 2026) is None and out_of_date(plant, 2025) is not None


def test_the_years_a_change_dates_are_no_row_written_around_the_application(plant, in_progress, engine):
    """The marks are derived from logged changes in their own transaction: replaying the log (`steward verify
    --data`) names none of them."""
    from storage import replay
    from storage.models.accounting import DataChange
    correct(plant, date(2025, 6, 1), "fuel_combustion", "bituminous_coal", quantity=lambda q: q + 1)
    with plant("test") as s:
        assert s.exec(select(DataChange).where(DataChange.year == 2025, DataChange.kind == "changed")).first()
    with engine.connect() as conn:
        assert list(replay.check_tables(conn)) == []
