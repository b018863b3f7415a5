"""Completeness on the pages (issue 30): a run made before its year's data changed says it may be out of date,
with the button to run it again; a run over incomplete months names them and why; an import through the web
starts the re-run of its year itself, a job whose page shows progress and ends with a fresh run."""

from __future__ import annotations

import re
import time

import pytest
from helpers import act, as_user, csrf

from workflows.accounting import activity, runs

ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
HEADERS = "月份,设施代码,类别,物料,数量,单位,数据来源,计量器具,证据"


def shown(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1]))


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADERS, *rows]) + "\n").encode("utf-8")


# diesel for the boiler in February 2026: a month the run has accounted, a source it did not hold
FEBRUARY_DIESEL = "2026-02,F-BL01,fuel_combustion,diesel,1.5,t,measured,,加油单"


@ON_SQLITE
def test_a_run_made_before_an_import_says_it_may_be_out_of_date_until_it_is_run_again(web, plant, in_progress):
    lixf = as_user(web, "lixf")
    assert "数据有变更" not in shown(lixf.get("/accounting").text)
    assert "数据有变更" not in shown(lixf.get("/").text)
    act(plant, "lixf", lambda s, a: activity.import_file(s, a, "diesel.csv", csv(FEBRUARY_DIESEL)))
    page = lixf.get("/accounting").text
    words = shown(page)
    assert "本次核算之后数据有变更（" in words and "新增 1 行活动数据），数字可能已过时" in words
    assert 'id="rerun-accounting"' in page  # the carbon manager may run it again from the note
    overview = lixf.get("/")
    assert "数据有变更" in shown(overview.text) and 'id="rerun-emissions"' in overview.text
    english = as_user(web, "lixf")
    english.get("/lang/en")
    assert "The data changed after this run (1 row of activity data added on" in shown(english.get("/accounting").text)
    assert "the figures may be out of date" in shown(english.get("/").text)
    act(plant, "lixf", lambda s, a: runs.run_as(s, a, 2026))
    assert "数据有变更" not in shown(lixf.get("/accounting").text)
    assert "数据有变更" not in shown(lixf.get("/").text)


@ON_SQLITE
def test_a_run_over_an_incomplete_month_names_the_month_and_why(web, plant, in_progress):
    act(plant, "lixf", lambda s, a: activity.import_file(s, a, "march.csv", csv(
        "2026-03,,electricity_purchased,grid_electricity,12650.2,MWh,measured,M-E001,电费单")))
    act(plant, "lixf", lambda s, a: runs.run_as(s, a, 2026))
    lixf = as_user(web, "lixf")
    words = shown(lixf.get("/accounting").text)
    assert "本次核算所含月份数据不全：" in words
    note = words.split("本次核算所含月份数据不全：", 1)[1].split("排放总量", 1)[0]
    assert "2026年3月数据不全：只有" in note and "去年同月还有" in note
    assert "2026年3月数据不全" in shown(lixf.get("/").text)
    english = as_user(web, "lixf")
    english.get("/lang/en")
    assert "March 2026 is incomplete" in shown(english.get("/accounting").text)
    assert "March 2026 is incomplete" in shown(english.get("/").text)


def finished(client, started: str) -> str:
    """The job page polled as the browser polls it, until the job is done."""
    job = re.search(r'hx-get="/jobs/([^"]+)"', started)
    status = started
    for _ in range(100):
        if 'id="job-result"' in status or 'role="alert"' in status:
            break
        time.sleep(0.1)
        status = client.get(f"/jobs/{job.group(1)}").text if job else started
    return status


@ON_SQLITE
def test_an_import_through_the_web_runs_its_year_again_with_progress(web, plant, in_progress):
    lixf = as_user(web, "lixf")
    started = lixf.post("/accounting/import", data={"csrf_token": csrf(lixf, "/accounting")},
                        files={"file": ("diesel.csv", csv(FEBRUARY_DIESEL), "text/csv")})
    assert 'id="imported"' in started.text and "已导入行数: 1" in shown(started.text)
    assert "数据有变更的年度正在重新核算" in shown(started.text) and 'id="progress"' in started.text
    status = finished(lixf, started.text)
    assert 'id="job-result"' in status and "完成 (4/4)" in shown(status)
    link = re.search(r'id="job-result" href="([^"]+)"', status).group(1)
    fresh = int(link.rsplit("=", 1)[1])
    assert fresh > in_progress["run"]
    words = shown(lixf.get(link).text)
    assert f"2026 · 核算 #{fresh}" in words and "数据有变更" not in words
    assert "数据有变更" not in shown(lixf.get("/").text)
    # a figure typed in by the operator who reads the meters waits for a carbon manager (maker-checker, on in
    # the demo): no run counts it, nor starts; confirming it, one click, starts the year again
    yangf = as_user(web, "yangf")
    typed = yangf.post("/accounting/entry", data={
        "period": "2026-02", "facility": "F-BL01", "category": "fuel_combustion", "material": "汽油",
        "quantity": "0.8", "unit": "t", "csrf_token": csrf(yangf, "/accounting")})
    assert 'id="awaits-confirmation"' in typed.text and 'id="progress"' not in typed.text
    page = lixf.get("/accounting").text
    batch = re.search(r'action="/accounting/batches/(\d+)/confirm"', page).group(1)
    assert "杨帆" in shown(page.split('id="waiting"', 1)[1].split("</section>", 1)[0])
    confirmed = lixf.post(f"/accounting/batches/{batch}/confirm", data={"csrf_token": csrf(lixf, "/accounting")})
    done = finished(lixf, confirmed.text)
    assert 'id="job-result"' in done and "(4/4)" in done
    assert int(re.search(r'id="job-result" href="/accounting\?run=(\d+)"', done).group(1)) > fresh
    assert f'id="batch-{batch}"' not in lixf.get("/accounting").text
    english = as_user(web, "lixf")
    english.get("/lang/en")
    assert confirmed.url.path.startswith("/jobs/")  # the confirmation went on to the re-run's page
    assert "Done (4/4)" in shown(english.get(confirmed.url.path).text)


@ON_SQLITE
def test_a_measured_value_recorded_after_the_run_makes_it_out_of_date_too(web, plant, in_progress):
    from datetime import date

    from workflows.accounting import calculation
    lixf = as_user(web, "lixf")
    act(plant, "lixf", lambda s, a: calculation.add_measured_factor(
        s, a, parameter="ncv", material="bituminous_coal", value=22.8, unit="GJ/t", valid_from=date(2026, 1, 1),
        valid_to=date(2026, 12, 31), evidence="2026 年 1 月入厂煤化验"))
    assert "登记 1 项实测值），数字可能已过时" in shown(lixf.get("/accounting").text)
    act(plant, "lixf", lambda s, a: runs.run_as(s, a, 2026))
    assert "数据有变更" not in shown(lixf.get("/accounting").text)


@ON_SQLITE
def test_a_run_again_that_finds_the_same_figures_clears_the_out_of_date_note(web, plant, in_progress):
    """A measured value for a fuel the plant does not burn changes the year's data but not one figure: the re-run
    finds the run it had (no duplicate), and the pages stop calling it out of date."""
    from datetime import date

    from sqlmodel import select

    from storage.models import AccountingRun
    from workflows.accounting import calculation
    lixf = as_user(web, "lixf")
    act(plant, "lixf", lambda s, a: calculation.add_measured_factor(
        s, a, parameter="ncv", material="anthracite", value=26.1, unit="GJ/t", valid_from=date(2026, 1, 1),
        valid_to=date(2026, 12, 31), evidence="无烟煤化验 2026-01"))
    assert "登记 1 项实测值），数字可能已过时" in shown(lixf.get("/accounting").text)
    again = act(plant, "lixf", lambda s, a: runs.run_as(s, a, 2026).id)
    assert again == in_progress["run"]  # the same figures: the run it had, confirmed
    words = shown(lixf.get("/accounting").text)
    assert f"2026 · 核算 #{again}" in words and "数据有变更" not in words
    assert "数据有变更" not in shown(lixf.get("/").text)
    with plant("test") as s:
        assert len(s.exec(select(AccountingRun).where(AccountingRun.year == 2026)).all()) == 1


@ON_SQLITE
def test_a_push_through_the_api_runs_its_year_again_a_job_the_api_reports(web, plant, in_progress):
    from fastapi.testclient import TestClient
    lixf = as_user(web, "lixf")
    made = lixf.post("/settings/token", data={"name": "能源在线监测", "scope": "activity",
                                              "csrf_token": csrf(lixf, "/settings")})
    token = re.search(r'<pre id="token">([^<]+)</pre>', made.text).group(1)
    auth = {"Authorization": f"Bearer {token}"}
    api = TestClient(web.app)
    rows = [{"period": "2026-02", "facility": "F-BL01", "category": "fuel_combustion", "material": "diesel",
             "quantity": 1.5, "unit": "t"}]
    pushed = api.post("/api/v1/activity", json={"rows": rows}, headers=auth).json()
    assert pushed["imported"] == 1 and pushed["rerun"]["years"] == [2026]
    status = {}
    for _ in range(100):
        status = api.get(pushed["rerun"]["status"], headers=auth).json()
        if status["done"]:
            break
        time.sleep(0.1)
    assert status["done"] and status["error"] is None and (status["step"], status["total"]) == (4, 4)
    fresh = int(status["result"].rsplit("=", 1)[1])
    assert fresh > in_progress["run"]
    words = shown(lixf.get("/accounting").text)
    assert f"2026 · 核算 #{fresh}" in words and "数据有变更" not in words


@ON_SQLITE
def test_an_import_and_a_measured_value_from_the_command_line_run_their_year_again(web, plant, in_progress,
                                                                                   steward_env, tmp_path):
    from helpers import run_steward
    lixf = as_user(web, "lixf")
    diesel = tmp_path / "diesel.csv"
    diesel.write_bytes(csv(FEBRUARY_DIESEL))
    imported = run_steward(["account", "import", "--as", "lixf", str(diesel)], steward_env, check=True)
    assert "imported 1 row(s)" in imported.stdout and "running 2026 again" in imported.stdout
    assert "(4/4)" in imported.stdout
    after_import = int(re.search(r"run #(\d+) \(2026\)", imported.stdout).group(1))
    assert after_import > in_progress["run"]
    assert "数据有变更" not in shown(lixf.get("/accounting").text)
    measured = run_steward(["account", "measured", "--as", "lixf", "ncv", "烟煤", "22.8", "GJ/t", "--from",
                            "2026-01-01", "--evidence", "2026 年 1 月入厂煤化验"], steward_env, check=True)
    assert "recorded" in measured.stdout and "running 2026 again" in measured.stdout
    after_measured = int(re.search(r"run #(\d+) \(2026\)", measured.stdout).group(1))
    assert after_measured > after_import
    words = shown(lixf.get("/accounting").text)
    assert f"2026 · 核算 #{after_measured}" in words and "数据有变更" not in words
    refused = run_steward(["account", "measured", "--as", "lixf", "ncv", "水泥", "abc", "GJ/t", "--from",
                           "2026-01-01", "--evidence", "x"], steward_env)
    assert refused.returncode == 2 and "应为数字" in refused.stderr and "running" not in refused.stdout


@ON_SQLITE
def test_a_measured_value_recorded_on_the_page_runs_its_year_again(web, plant, in_progress):
    lixf = as_user(web, "lixf")
    recorded = lixf.post("/accounting/measured", headers={"HX-Request": "true"}, data={
        "parameter": "ncv", "material": "bituminous_coal", "value": "22.8", "unit": "GJ/t",
        "valid_from": "2026-01-01", "evidence": "2026 年 1 月入厂煤化验", "csrf_token": csrf(lixf, "/accounting")})
    assert "已登记实测值：烟煤 22.8 GJ/t" in shown(recorded.text) and 'id="progress"' in recorded.text
    done = finished(lixf, recorded.text)
    assert 'id="job-result"' in done and "完成 (4/4)" in shown(done)
    fresh = int(re.search(r'id="job-result" href="/accounting\?run=(\d+)"', done).group(1))
    assert fresh > in_progress["run"]
    assert "数据有变更" not in shown(lixf.get("/accounting").text)


def march_without_products(s, a):
    """March 2026 as March 2025 was, every fuel and meter, but no clinker or cement recorded."""
    from datetime import date

    from sqlmodel import select

    from storage.models import ActivityRecord, Facility, Meter
    places = {f.id: f.code for f in s.exec(select(Facility).where(Facility.enterprise_id == a.enterprise_id))}
    meters = {m.id: m.code for m in s.exec(select(Meter).where(Meter.enterprise_id == a.enterprise_id))}
    rows = [{"period": "2026-03", "facility": places.get(r.facility_id, ""), "category": r.category,
             "material": r.material, "quantity": r.quantity, "unit": r.unit, "source": r.source,
             "meter": meters.get(r.meter_id, ""), "evidence": "月报"}
            for r in s.exec(select(ActivityRecord).where(ActivityRecord.enterprise_id == a.enterprise_id,
                                                         ActivityRecord.period == date(2025, 3, 1)))
            if r.category != "production"]
    return activity.enter(s, a, rows, "march")


@ON_SQLITE
def test_a_month_with_data_but_no_production_is_said_in_words_and_its_figure_per_tonne_not_compared(
        web, plant, in_progress):
    lixf = as_user(web, "lixf")
    words = shown(lixf.get("/accounting").text)
    assert "有排放但没有" not in words  # February, when the kiln stops every year, is like for like
    act(plant, "lixf", march_without_products)
    act(plant, "lixf", lambda s, a: runs.run_as(s, a, 2026))
    page = lixf.get("/accounting").text
    words = shown(page)
    assert "2026年3月数据不全" in words and "去年同月还有" in words
    table = words.split("单位产品排放强度", 1)[1].split("逐月排放", 1)[0]
    assert "3 月有排放但没有熟料产量（上年同月有）：单位熟料排放偏高，不作比较" in table
    clinker = table.split("熟料", 1)[1].split("水泥", 1)[0]
    assert "%" not in clinker  # no +92 % against a year that made clinker in March
    english = as_user(web, "lixf")
    english.get("/lang/en")
    assert "Mar has emissions but no Clinker output (the same month of the year before had some)" in \
        shown(english.get("/accounting").text)


@ON_SQLITE
def test_a_measured_value_that_expires_mid_year_is_named_on_the_run_from_the_month_the_default_stood_in(
        web, plant, in_progress):
    from datetime import date

    from helpers import year_in_progress

    from workflows.accounting import calculation
    act(plant, "lixf", lambda s, a: calculation.add_measured_factor(
        s, a, parameter="ncv", material="bituminous_coal", value=22.8, unit="GJ/t", valid_from=date(2026, 1, 1),
        valid_to=date(2026, 2, 28), evidence="2026 年 1–2 月入厂煤化验"))
    lixf = as_user(web, "lixf")
    act(plant, "lixf", lambda s, a: runs.run_as(s, a, 2026))
    assert "改用了缺省值" not in shown(lixf.get("/accounting").text)  # January and February had their value
    year_in_progress(plant, months=(3,))  # March's coal, entered and accounted: the value had lapsed
    said = "2026年3月起烟煤的低位发热量改用了缺省值 19.57 GJ/t：企业实测值 22.8 GJ/t 有效期至 2026-02-28"
    page = shown(lixf.get("/accounting").text)
    assert "本次核算所含月份数据不全：" in page and said in page
    assert said in shown(lixf.get("/").text)
    english = as_user(web, "lixf")
    english.get("/lang/en")
    assert "From March 2026 the net calorific value of bituminous coal fell back to the default" in \
        shown(english.get("/accounting").text)


@ON_SQLITE
def test_an_import_that_changes_an_accounted_month_is_refused_whole_by_name_or_taken_and_run_again(
        web, plant, in_progress, engine):
    """A file that would type January's kiln coal a second time is refused whole, the row and month named in words,
    nothing written and the run still standing; the new February line alone is taken and its year run again."""
    from sqlmodel import Session, func, select

    from storage.models import AccountingRun, ActivityRecord

    def rows() -> int:
        with Session(engine) as s:
            return s.exec(select(func.count()).select_from(ActivityRecord)).one()
    before = rows()
    lixf = as_user(web, "lixf")
    twice = csv(FEBRUARY_DIESEL, "2026-01,F-KL01,fuel_combustion,烟煤,18000,t,measured,M-W001,月报更正")
    refused = lixf.post("/accounting/import", data={"csrf_token": csrf(lixf, "/accounting")},
                        files={"file": ("更正.csv", twice, "text/csv")})
    assert refused.status_code == 400
    words = shown(refused.text)
    assert "未写入任何数据" in words and "第 3 行「月份」：2026-01 的烟煤已有数据（重复月份）" in words
    assert "bituminous_coal" not in refused.text
    assert rows() == before and "数据有变更" not in shown(lixf.get("/accounting").text)
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(AccountingRun).where(AccountingRun.year == 2026)).one() == 1
    english = as_user(web, "lixf")
    english.get("/lang/en")
    said = shown(english.post("/accounting/import", data={"csrf_token": csrf(english, "/accounting")},
                              files={"file": ("fix.csv", twice, "text/csv")}).text)
    assert "row 3, Month: Bituminous coal for 2026-01 is already on record" in said
    taken = lixf.post("/accounting/import", data={"csrf_token": csrf(lixf, "/accounting")},
                      files={"file": ("diesel.csv", csv(FEBRUARY_DIESEL), "text/csv")})
    assert "已导入行数: 1" in shown(taken.text) and "数据有变更的年度正在重新核算" in shown(taken.text)
    assert 'id="job-result"' in finished(lixf, taken.text)
    assert rows() == before + 1 and "数据有变更" not in shown(lixf.get("/accounting").text)
