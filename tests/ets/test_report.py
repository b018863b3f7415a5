"""The annual emission report: its figures are the frozen run's, a year that is not over (or a run that no longer
stands) is refused by name, the Excel and Word read back, it goes 编制 → 审核 → 批准 with top management's signature
(which finishes the 31 March task), a change after issue is a new revision, and the CLI refuses with exit 2."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone

import docx
import openpyxl
import pytest
from helpers import act, as_user, csrf, plant_id, run_steward, year_in_progress
from sqlmodel import Session, select

from steward import demo
from steward.demo import DEMO_PASSWORD as PW
from storage.errors import StewardError
from storage.models import AccountingRun, ActivityRecord, Document, EtsReport, Revision, Task
from workflows.documents import document as docs
from workflows.engine import clock, machine
from workflows.ets import annual, report, report_files
from workflows.planning import yearly_duties

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
MAX = 20 << 20


def run_2025(s) -> AccountingRun:
    return s.exec(select(AccountingRun).where(AccountingRun.enterprise_id == plant_id(s), AccountingRun.year == 2025)
                  .order_by(AccountingRun.id.desc())).first()


def section(built, key):
    return next(s for s in built.sections if s.key == key)


def test_the_figures_are_the_frozen_runs_and_the_files_read_back(plant):
    with plant("test") as s:
        built = report.build(s, plant_id(s), 2025)
        run = run_2025(s)
        assert built.run.id == run.id
        assert built.covered_tco2e == pytest.approx(run.totals["enterprise"]["total_direct_only"])  # cement: direct only
        emissions = section(built, "emissions")
        covered = [r[5] for r in emissions.rows if r[1] is not None and r[6] == report.YES]
        assert sum(covered) == pytest.approx(built.covered_tco2e, abs=0.01)
        coal = [r for r in section(built, "activity").rows if r[2] == ("烟煤", "Bituminous coal")]
        assert coal[0][3] == pytest.approx(sum(line["quantity"] for line in run.lines
                                               if line["material"] == "bituminous_coal"), abs=0.001)
        assert coal[0][5] == 12 and coal[0][7] == "M-W001"  # every month, from the kiln coal scale
        ncv = [r for r in section(built, "factors").rows if r[0][1] == "Net calorific value" and r[1][1] == "Bituminous coal"]
        assert ncv[0][4] == ("实测值", "Measured") and ncv[0][2] == 22.9
        grid = [r for r in section(built, "factors").rows if r[0][1] == "National grid average factor"][0]
        assert grid[6] == "2024-12-20 / 2025 No.47"  # the factor's version as published
        clinker = [r for r in section(built, "auxiliary").rows if r[0] == ("熟料产量", "Clinker produced")][0]
        assert clinker[1] == pytest.approx(run.totals["intensity"]["clinker"]["output"], abs=0.001)
        entity = dict((r[0][1], r[1]) for r in section(built, "entity").rows)
        assert "AR5" in entity["GWP set"][1] and "ICAP (official text)" in entity["Source of the rule"][1]
        book = openpyxl.load_workbook(io.BytesIO(report_files.workbook(built)))
        word = docx.Document(io.BytesIO(report_files.word(built, "JYCEM-ER-001", 1)))
    assert book.sheetnames == list(report_files.SHEETS.values())
    sheet = book["1 基本情况 Entity"]
    values = {sheet.cell(row, 1).value: sheet.cell(row, 2).value for row in range(4, sheet.max_row + 1)}
    assert values["应履约排放量（tCO2e）\nCovered emissions (tCO2e)"] == pytest.approx(built.covered_tco2e)
    assert "bituminous_coal" not in str([[c.value for c in row] for ws in book for row in ws.iter_rows()])
    text = "\n".join([p.text for p in word.paragraphs] + [c.text for t in word.tables for row in t.rows for c in row.cells])
    assert f"{built.covered_tco2e:,.3f}".rstrip("0").rstrip(".") in text and "7. 辅助参数 Auxiliary parameters" in text


def test_only_a_closed_year_with_a_standing_run_is_reportable(plant):
    with clock.reading(datetime(2026, 2, 28, 23, 30, tzinfo=timezone.utc)):  # 1 March at the plant, two months in
        year_in_progress(plant)
        with plant("test") as s, pytest.raises(StewardError) as open_year:
            report.build(s, plant_id(s), 2026)
    assert open_year.value.code == "year_open"
    with clock.reading(datetime(2027, 1, 15, 2, tzinfo=timezone.utc)), plant("test") as s:
        with pytest.raises(StewardError) as short:  # the year is over, but its run has January and February only
            report.build(s, plant_id(s), 2026)
        assert short.value.code == "months_missing" and "03" in short.value.zh
    with plant("test") as s, pytest.raises(StewardError) as early:
        report.build(s, plant_id(s), 2023)
    assert early.value.code == "not_listed" and "2024" in early.value.en
    with plant("lixf") as s:  # a 2025 row added after the run: the run no longer stands
        s.add(ActivityRecord(enterprise_id=plant_id(s), period=date(2025, 12, 1), category="fuel_combustion",
                             material="diesel", quantity=3.5, unit="t", source="measured", evidence="补录加油记录"))
    with plant("test") as s, pytest.raises(StewardError) as stale:
        report.build(s, plant_id(s), 2025)
    assert stale.value.code == "run_stale" and "run the 2025 accounting again" in stale.value.en


def fire(plant, who, trigger, password=PW, **kw):
    def go(s, a):
        rev = annual.newest(s, annual.find(s, a.enterprise_id, 2025))
        machine.fire(s, docs.LIFECYCLE, rev, trigger, a, password=password, **kw)
    return act(plant, who, go)


def test_generated_reviewed_and_approved_by_top_management_which_finishes_the_31_march_task(plant, store):
    with plant("system:flow") as s:
        given = yearly_duties.ets_report(s, plant_id(s), 2026)
    assert given == 2  # the plant's two carbon managers
    with pytest.raises(StewardError) as refused:
        act(plant, "wangjg", lambda s, a: annual.generate(s, a, 2025, store, MAX))
    assert refused.value.status == 403
    first = act(plant, "lixf", lambda s, a: annual.generate(s, a, 2025, store, MAX).id)
    again = act(plant, "lixf", lambda s, a: annual.generate(s, a, 2025, store, MAX).id)  # the draft, regenerated
    with plant("test") as s:
        kept = s.get(EtsReport, again)
        doc = s.get(Document, kept.document_id)
        revs = s.exec(select(Revision).where(Revision.document_id == doc.id)).all()
        assert first == again and [r.rev for r in revs] == [1] and revs[0].state == "draft"
        assert doc.doc_type == "ets_report" and doc.number == "JYCEM-ER-001"
        assert kept.run_id == run_2025(s).id and kept.reported_tco2e == pytest.approx(
            run_2025(s).totals["enterprise"]["total_direct_only"])
        body = docx.Document(io.BytesIO(store.read(revs[0].file_sha256)))
        assert any("排放报告" in p.text for p in body.paragraphs)
    fire(plant, "lixf", "submit")
    with pytest.raises(StewardError) as busy:
        act(plant, "lixf", lambda s, a: annual.generate(s, a, 2025, store, MAX))
    assert busy.value.code == "in_review"
    fire(plant, "chenj", "review")
    with pytest.raises(StewardError):
        fire(plant, "chenj", "approve")  # a department head does not approve
    with pytest.raises(StewardError) as wrong:
        fire(plant, "wangjg", "approve", password="not-it")
    assert wrong.value.field == "password"
    with plant("test") as s:
        assert s.exec(select(Task).where(Task.lifecycle == "ets_report", Task.status == "open")).all()
    fire(plant, "wangjg", "approve")
    with plant("test") as s:
        rev = annual.newest(s, s.get(EtsReport, first))
        signed = [(sig.meaning, sig.signer_name) for sig, ok in docs.current_signatures(s, rev, store) if ok]
        assert rev.state == "approved" and ("approved", "王建国") in signed and ("reviewed", "陈静") in signed
        tasks = s.exec(select(Task).where(Task.lifecycle == "ets_report", Task.entity_id == 2025)).all()
        assert len(tasks) == 2 and all(t.status == "done" for t in tasks)
        assert yearly_duties.ets_report(s, plant_id(s), 2026) == 0  # approved: not asked again
    with pytest.raises(StewardError) as approved:
        act(plant, "lixf", lambda s, a: annual.generate(s, a, 2025, store, MAX))
    assert approved.value.code == "approved"
    fire(plant, "lixf", "issue")
    with pytest.raises(StewardError) as unsaid:
        act(plant, "lixf", lambda s, a: annual.generate(s, a, 2025, store, MAX))
    assert unsaid.value.field == "summary"
    act(plant, "lixf", lambda s, a: annual.generate(s, a, 2025, store, MAX, "核查后更正 5 月熟料产量"))
    with plant("test") as s:
        rev = annual.newest(s, s.get(EtsReport, first))
        assert rev.rev == 2 and rev.state == "draft" and rev.change_summary == "核查后更正 5 月熟料产量"


def test_the_page_downloads_and_who_may_see_it(web, plant):
    lixf = as_user(web, "lixf")
    before = lixf.get("/ets/reports/2025")
    assert before.status_code == 200 and 'id="not-generated"' in before.text and "1,208,645.374" in before.text
    assert 'href="/ets/reports/2025"' in lixf.get("/ets?year=2026").text
    token = csrf(lixf, "/ets/reports/2025")
    assert lixf.post("/ets/reports/2025/generate", data={"csrf_token": "forged"}).status_code == 403
    made = lixf.post("/ets/reports/2025/generate", data={"csrf_token": token}, follow_redirects=False)
    assert made.status_code == 303
    page = lixf.get("/ets/reports/2025").text
    assert 'href="/documents/JYCEM-ER-001"' in page and "草稿" in page and 'href="/ets/reports/2025/verification"' in page
    word = lixf.get("/ets/reports/2025/report.docx")
    assert word.status_code == 200 and word.content[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(lixf.get("/ets/reports/2025/report.xlsx").content))
    assert len(book.sheetnames) == 7
    top = as_user(web, "wangjg")
    assert top.get("/ets/reports/2025").status_code == 200
    assert top.post("/ets/reports/2025/generate", data={"csrf_token": csrf(top, "/ets/reports/2025")},
                    headers={"HX-Request": "true"}).status_code == 403
    assert as_user(web, "yangf").get("/ets/reports/2025").status_code == 403  # staff
    with plant("test") as s:  # the sister plant's top management signs in too
        from storage.models import Person
        from workflows.engine.credentials import hash_password
        maq = s.exec(select(Person).where(Person.username == "maq")).one()
        maq.password_hash = hash_password(PW)
        s.add(maq)
    other = as_user(web, "maq").get("/ets/reports/2025")  # the sister plant's top management: its own, not on the list
    assert "1,208,645" not in other.text and "JYCEM-ER-001" not in other.text
    assert lixf.get("/ets/reports/2026").status_code == 200 and "尚未结束" in lixf.get("/ets/reports/2026").text
    assert lixf.get("/ets/reports/99999").status_code in (400, 404, 422)  # no such year: named, never a 500


def test_the_cli_writes_the_report_and_refuses_by_name(plant, steward_env, tmp_path, engine):
    out = tmp_path / "报告.xlsx"
    done = run_steward(["ets", "report", "--as", "lixf", "--year", "2025", "--out", str(out)], steward_env)
    assert done.returncode == 0, done.stderr
    assert "JYCEM-ER-001" in done.stdout and "草稿" in done.stdout and "Draft" in done.stdout
    assert openpyxl.load_workbook(out).sheetnames[0] == "1 基本情况 Entity"
    word = tmp_path / "report.docx"
    assert run_steward(["ets", "report", "--as", "lixf", "--year", "2025", "--out", str(word)], steward_env).returncode == 0
    assert docx.Document(str(word)).paragraphs
    for args, words in ((["--year", "2025", "--out", str(tmp_path / "r.pdf")], ".xlsx 或 .docx"),
                        (["--year", "2026", "--out", str(out)], "not over"),
                        (["--year", "2025", "--out", str(tmp_path / "none" / "r.xlsx")], "does not exist")):
        refused = run_steward(["ets", "report", "--as", "lixf", *args], steward_env)
        assert refused.returncode == 2 and words in refused.stdout + refused.stderr and "Traceback" not in refused.stderr
    stranger = run_steward(["ets", "report", "--as", "wangjg", "--year", "2024", "--out", str(out)], steward_env)
    assert stranger.returncode == 2  # top management reads, but does not prepare, the report
    with Session(engine) as s:
        assert s.exec(select(EtsReport)).all()[0].year == 2025  # nothing for 2024 was written


def test_a_hostile_enterprise_name_stays_text_in_the_word_report(plant):
    from test_word_escaping import HOSTILE, text_of

    from storage.models import Enterprise
    with plant("test") as s:
        ent = s.get(Enterprise, plant_id(s))
        ent.name_zh = HOSTILE
        s.add(ent)
        s.flush()
        plain, _ = text_of(report_files.word(report.build(s, plant_id(s), 2025), "JYCEM-ER-001", 1))
    assert HOSTILE in plain and "批准 Approved 王建国 2026-01-01" not in plain.replace(HOSTILE, "")


def test_the_demo_plant_does_not_report_a_year_it_was_not_listed_for(plant):
    assert demo.PLANT == "JYCEM"
    with plant("system:flow") as s:
        assert yearly_duties.ets_report(s, plant_id(s), 2024) == 0  # data year 2023: before the list


def test_an_annual_report_document_cannot_be_started_by_hand(web):
    lixf = as_user(web, "lixf")
    assert 'value="ets_report"' not in lixf.get("/documents/new").text
    forged = lixf.post("/documents/new", data={"csrf_token": csrf(lixf, "/documents/new"), "doc_type": "ets_report",
                                               "title": "2025 年度排放报告"}, headers={"HX-Request": "true"})
    assert forged.status_code == 400 and forged.json()["field"] == "doc_type" and "碳市场页面" in forged.json()["message"]


def test_the_31_march_deadline_is_on_the_calendar_and_in_the_ics_feed(web, plant):
    from workflows.planning import calendar
    events = act(plant, "wangjg", lambda s, a: calendar.between(s, a, date(2026, 3, 1), date(2026, 4, 30)))
    due = [e for e in events if e.kind == "ets_report"]
    assert [(e.day, e.url) for e in due] == [(date(2026, 3, 31), "/ets/reports/2025")]
    earlier = act(plant, "wangjg", lambda s, a: calendar.between(s, a, date(2024, 3, 1), date(2025, 3, 31)))
    assert [e.url for e in earlier if e.kind == "ets_report"] == ["/ets/reports/2024"]  # listed from data year 2024
    feed = calendar.ics(due, "en", "http://plant.example/").decode()
    assert "20260331" in feed and "Annual emission report due: 2025 annual emission report due" in feed
    lixf = as_user(web, "lixf")
    assert 'href="/ets/reports/2025"' in lixf.get("/calendar?month=2026-03").text
    with plant("system:flow") as s:
        yearly_duties.ets_report(s, plant_id(s), 2026)
    tasks = lixf.get("/tasks").text
    assert 'href="/ets/reports/2025"' in tasks and "2025 年度温室气体排放报告" in tasks


def test_the_database_keeps_the_report_task_once_per_person_and_year(plant):
    from storage.errors import Conflict
    with plant("system:flow") as s:
        assert yearly_duties.ets_report(s, plant_id(s), 2026) == 2
    with pytest.raises(Conflict), plant("system:flow") as s:  # a run that skipped the look-up is refused
        machine.give_task(s, machine.actor_for(s, "lixf").person, "ets_report", 2025, "报告", "Report", date(2026, 3, 31))
