"""The carbon market's month (issue 32): the profile from sector data, each month's package with its values and
where each came from, evidence kept by hash, a signed submission refused while anything required is missing, a
correction with its reason, reminders and escalation once each, the calendar, the download and the CLI."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, timezone

import pytest
from helpers import act, run_steward
from openpyxl import load_workbook
from sqlmodel import Session, func, select

from steward import demo
from storage.errors import StewardError
from storage.models import ActivityRecord, EtsEvidence, EtsMonth, Outbox, Signature, Task
from workflows.engine import clock
from workflows.ets import download, reminders
from workflows.ets import month as months
from workflows.ets import profile as profiles

JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)
# two months into the year at 23:30 UTC: already the 1st of March at the plant
MIDYEAR = datetime(2026, 2, 28, 23, 30, tzinfo=timezone.utc)


def pdf(name: str) -> io.BytesIO:
    return io.BytesIO(b"%PDF-1.4\n% " + name.encode() + b"\n%%EOF\n")


@pytest.fixture
def year_begun(plant):
    """January and February 2026 on the demo plant (cement, on the list since 2024), at 23:30 UTC on 28 February."""
    with plant("system:test") as s:
        demo.add_activity(s, demo.new_year(2))
    with clock.reading(MIDYEAR):
        yield plant


def fill(uow, store, month=JAN, skip=()):
    """Every required item's evidence, and the values the data do not give typed in with their source."""
    def go(s, a):
        for line in months.lines(s, a.enterprise_id, month, months.find(s, a.enterprise_id, month)):
            if line.value is None:
                months.enter(s, a, month, line.item.code, 0.0265 if "carbon" in line.item.code else 23.1,
                             "入厂煤化验月报 2026-01")
            if line.item.code not in skip:
                months.add_evidence(s, a, month, line.item.code, f"{line.item.zh}.pdf", pdf(line.item.code), store,
                                    1 << 20)
    act(uow, "lixf", go)


SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
BOTH = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)  # the signed path on each backend


@SQLITE
def test_the_profile_starts_from_the_sectors_data_with_sources_and_the_enterprise_adjusts_it(plant):
    def read(s, a):
        return profiles.view(s, a)
    shown = act(plant, "lixf", read)
    profile = shown["profile"]
    assert (profile.sector, profile.listed_from, profile.deadline_days) == ("cement", 2024, 40)
    names = {i.zh for i in shown["items"]}
    assert {"熟料产量", "燃煤消耗量", "燃煤低位发热量", "熟料中氧化钙含量"} <= names
    assert all(i.document and i.confidence in "HMU" for i in shown["items"])  # each from a guideline, graded
    act(plant, "lixf", lambda s, a: profiles.save(s, a, sector="cement", listed_from=2024, deadline_days=20,
                                                  required_items={"clinker_output", "coal_used"},
                                                  evidence={"coal_used": "invoice"}))
    kept = act(plant, "zhaom", lambda s, a: profiles.view(s, a))  # a reader sees the same, and may not change it
    assert kept["profile"].deadline_days == 20 and not kept["can_keep"]
    assert {i.code for i in kept["items"] if i.required} == {"clinker_output", "coal_used"}
    assert next(i for i in kept["items"] if i.code == "coal_used").evidence == "invoice"
    with pytest.raises(StewardError) as err:
        act(plant, "zhaom", lambda s, a: profiles.save(s, a, sector="cement", listed_from=2024))
    assert err.value.code == "role_required"
    for bad, field in (({"sector": "bakery", "listed_from": 2024}, "sector"),
                       ({"sector": "cement", "listed_from": 2019}, "listed_from"),  # cement joined with 2024 data
                       ({"sector": "cement", "listed_from": 2024, "deadline_days": 0}, "deadline_days")):
        with pytest.raises(StewardError) as err:
            act(plant, "lixf", lambda s, a, bad=bad: profiles.save(s, a, **bad))
        assert err.value.field == field and err.value.zh and err.value.en


@SQLITE
def test_each_value_says_where_it_came_from_and_the_deadline_is_the_plants_day(year_begun, engine):
    pkg = act(year_begun, "lixf", lambda s, a: months.package(s, a.enterprise_id, JAN))
    by = {line.item.code: line for line in pkg["lines"]}
    with Session(engine) as s:
        clinker = s.exec(select(func.sum(ActivityRecord.quantity)).where(
            ActivityRecord.period == JAN, ActivityRecord.material == "clinker")).one()
    assert by["clinker_output"].value == pytest.approx(clinker) and "生产月报" in by["clinker_output"].source_zh
    assert by["clinker_cao"].value == 0.655 and "熟料化学全分析月报" in by["clinker_cao"].source_zh  # measured, in force
    assert by["coal_ncv"].value is None and by["coal_ncv"].lacks == ["value", "evidence"]  # 2025's value has lapsed
    assert pkg["status"] == months.EtsState.missing and pkg["deadline"] == date(2026, 3, 12)
    assert pkg["days_left"] == 11  # 1 March at the plant, though still 28 February in UTC


@BOTH
def test_a_submission_lacking_evidence_is_refused_by_name_and_a_signed_one_takes_a_correction(year_begun, store,
                                                                                             engine):
    fill(year_begun, store, skip=("coal_ncv",))
    with pytest.raises(StewardError) as err:
        act(year_begun, "lixf", lambda s, a: months.submit(s, a, JAN, receipt="R-1", password=demo.DEMO_PASSWORD))
    assert "燃煤低位发热量（化验报告）" in err.value.zh and "Coal net calorific value (assay report)" in err.value.en
    act(year_begun, "lixf", lambda s, a: months.add_evidence(s, a, JAN, "coal_ncv", "ncv.pdf", pdf("ncv"), store, 1 << 20))
    with Session(engine) as s:
        assert s.exec(select(EtsMonth)).one().state == "ready"
    with pytest.raises(StewardError) as err:
        act(year_begun, "lixf", lambda s, a: months.submit(s, a, JAN, receipt="R-1", password="wrong"))
    assert err.value.code == "wrong_password"
    with pytest.raises(StewardError) as err:
        act(year_begun, "zhaom", lambda s, a: months.submit(s, a, JAN, receipt="R-1", password=demo.DEMO_PASSWORD))
    assert err.value.code == "role_required"
    with pytest.raises(StewardError) as err:
        act(year_begun, "lixf", lambda s, a: months.submit(s, a, JAN, receipt=" ", password=demo.DEMO_PASSWORD))
    assert err.value.field == "receipt"
    act(year_begun, "lixf", lambda s, a: months.submit(s, a, JAN, receipt="CETS-202601-001", password=demo.DEMO_PASSWORD))
    with Session(engine) as s:
        row = s.exec(select(EtsMonth)).one()
        assert (row.state, row.receipt, row.submitted_by) == ("submitted", "CETS-202601-001", "李秀芳")
        assert s.exec(select(Signature).where(Signature.lifecycle == "ets_month")).one().meaning == "submitted"
        kept = s.exec(select(EtsEvidence)).all()
        assert all(store.verify(f.sha256) for f in kept) and len(kept) == 8
    with pytest.raises(StewardError) as err:  # submitted: a change needs a correction first
        act(year_begun, "lixf", lambda s, a: months.enter(s, a, JAN, "coal_ncv", 22.0, "复核"))
    assert err.value.code == "submitted"
    with pytest.raises(StewardError) as err:
        act(year_begun, "lixf", lambda s, a: months.correct(s, a, JAN, "  "))
    assert err.value.field == "comment"
    act(year_begun, "lixf", lambda s, a: months.correct(s, a, JAN, "煤质化验复核后更正低位发热量"))
    act(year_begun, "lixf", lambda s, a: months.enter(s, a, JAN, "coal_ncv", 22.8, "复核化验报告"))
    act(year_begun, "lixf", lambda s, a: months.submit(s, a, JAN, receipt="CETS-202601-002", password=demo.DEMO_PASSWORD))
    with Session(engine) as s:
        row = s.exec(select(EtsMonth)).one()
        assert [h["kind"] for h in row.history] == ["submitted", "correction", "submitted"]
        assert row.history[1]["reason"] == "煤质化验复核后更正低位发热量"
        assert row.history[0]["values"]["coal_ncv"] == 23.1 and row.history[2]["values"]["coal_ncv"] == 22.8


@SQLITE
def test_reminders_at_ten_and_three_days_then_escalation_once_each_closed_by_the_submission(year_begun, store, engine):
    with year_begun("system:test") as s:
        ent = s.exec(select(EtsMonth.enterprise_id)).first() or demo_plant(s)
        assert reminders.open_month(s, ent, date(2026, 2, 1)) == ["2026-01"]
        assert reminders.open_month(s, ent, date(2026, 2, 1)) == []  # once
        given = [reminders.remind(s, ent, day) for day in
                 (date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 13))]
    assert given == [0, 2, 0, 2, 3]  # two carbon managers at 10 and 3 days; both and top management once overdue
    with Session(engine) as s:
        tasks = s.exec(select(Task).where(Task.lifecycle.in_(reminders_kinds()))).all()
        assert sorted({t.lifecycle for t in tasks}) == ["ets_overdue", "ets_remind_10", "ets_remind_3"]
        assert all(t.title_zh.startswith("2026-01") for t in tasks)
        assert {tasks_link(s, t) for t in tasks} == {"/ets/2026-01"}  # each task opens the month's page
        assert s.exec(select(func.count()).select_from(Outbox).where(Outbox.task_id.in_([t.id for t in tasks]))).one() == 7
    fill(year_begun, store)
    act(year_begun, "lixf", lambda s, a: months.submit(s, a, JAN, receipt="R-9", password=demo.DEMO_PASSWORD))
    with Session(engine) as s:
        assert {t.status for t in s.exec(select(Task).where(Task.lifecycle.in_(reminders_kinds())))} == {"done"}
    pkg = act(year_begun, "lixf", lambda s, a: months.package(s, a.enterprise_id, JAN))
    assert pkg["status"] == months.EtsState.submitted and not pkg["late"]  # submitted on 1 March, due 12 March


def tasks_link(s, task):
    from workflows.engine import tasks
    return tasks.link(s, task)


def reminders_kinds():
    return list(months.REMINDERS)


def demo_plant(s):
    from workflows.people import organisation as org
    return org.enterprise(s, demo.PLANT).id


@SQLITE
def test_the_deadline_is_on_the_calendar_and_in_the_ics_feed(year_begun):
    from workflows.planning import calendar
    with year_begun("system:test") as s:
        reminders.open_month(s, demo_plant(s), date(2026, 2, 1))
    events = act(year_begun, "zhangw", lambda s, a: calendar.between(s, a, date(2026, 3, 1), date(2026, 3, 31)))
    due = [e for e in events if e.kind == "ets"]
    assert [(e.day, e.url) for e in due] == [(date(2026, 3, 12), "/ets/2026-01")]
    feed = calendar.ics(due, "en", "http://plant.example/").decode()
    assert "20260312" in feed and "2026-01 monthly data due" in feed
    act(year_begun, "lixf", lambda s, a: profiles.save(s, a, sector="cement", listed_from=2024, deadline_days=20))
    moved = act(year_begun, "zhangw", lambda s, a: calendar.between(s, a, date(2026, 2, 1), date(2026, 3, 31)))
    assert [e.day for e in moved if e.kind == "ets"] == [date(2026, 2, 20)]  # a city's 20 days, for what is open


@SQLITE
def test_one_download_holds_the_form_and_the_evidence_named_by_enterprise_month_and_item(year_begun, store):
    fill(year_begun, store)
    pkg = act(year_begun, "lixf", lambda s, a: months.package(s, a.enterprise_id, JAN))
    with zipfile.ZipFile(io.BytesIO(download.bundle(pkg, store))) as zf:
        names = zf.namelist()
        sheet = load_workbook(io.BytesIO(zf.read("JYCEM_2026-01_月度数据.xlsx"))).active
        assert zf.read("evidence/JYCEM_2026-01_熟料产量_1.pdf").startswith(b"%PDF-")
    assert len([n for n in names if n.startswith("evidence/")]) == 8
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[1][:2] == ["重点排放单位名称 / Entity", "山西晋岩水泥有限公司"] and rows[4][1] == "2026-01"
    clinker = next(r for r in rows if r[1] and str(r[1]).startswith("熟料产量"))
    line = next(x for x in pkg["lines"] if x.item.code == "clinker_output")
    assert clinker[2:4] == ["t", line.value] and clinker[6] == "JYCEM_2026-01_熟料产量_1.pdf"


@SQLITE
def test_steward_ets_month_prints_the_package_and_refuses_a_bad_month(year_begun, steward_env, store):
    fill(year_begun, store, skip=("coal_used",))
    out = run_steward(["ets", "month", "--enterprise", "JYCEM", "--month", "2026-01", "--json"], steward_env, check=True)
    data = json.loads(out.stdout)
    assert (data["status"], data["deadline"], data["late"]) == ("missing", "2026-03-12", False)
    coal = next(i for i in data["items"] if i["item"] == "coal_used")
    assert coal["lacks"] == ["evidence"] and coal["value"] > 0 and "activity data" in coal["source_en"]
    assert all(len(e["sha256"]) == 64 for i in data["items"] for e in i["evidence"])
    text = run_steward(["ets", "month", "--enterprise", "JYCEM", "--month", "2026-01"], steward_env, check=True).stdout
    assert "燃煤消耗量 / Coal consumed" in text and "lacks: 证据 / evidence" in text
    bad = run_steward(["ets", "month", "--enterprise", "JYCEM", "--month", "2026-13"], steward_env)
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr and "Traceback" not in bad.stderr
    early = run_steward(["ets", "month", "--enterprise", "JYXNC", "--month", "2026-01"], steward_env)
    assert early.returncode == 2 and "carbon-market profile" in early.stderr


@SQLITE
def test_a_submitted_month_shows_what_was_submitted_and_names_each_figure_changed_since(year_begun, store, engine,
                                                                                        steward_env):
    """The platform has what was signed: a later change of the month's data does not rewrite the submitted page,
    download or command, but is said beside it with both figures until a correction puts it right."""
    fill(year_begun, store)
    act(year_begun, "lixf", lambda s, a: months.submit(s, a, JAN, receipt="R-1", password=demo.DEMO_PASSWORD))
    submitted = act(year_begun, "lixf", lambda s, a: months.package(s, a.enterprise_id, JAN))
    clinker = next(line.value for line in submitted["lines"] if line.item.code == "clinker_output")
    assert submitted["changed_since"] == []
    with year_begun("system:test") as s:  # a clinker row of January raised by 5,000 t afterwards
        row = s.exec(select(ActivityRecord).where(ActivityRecord.period == JAN, ActivityRecord.material == "clinker")
                     ).first()
        row.quantity += 5000
        s.add(row)
    after = act(year_begun, "lixf", lambda s, a: months.package(s, a.enterprise_id, JAN))
    assert next(line.value for line in after["lines"] if line.item.code == "clinker_output") == clinker
    [changed] = after["changed_since"]
    assert (changed["item"], changed["submitted"]) == ("clinker_output", clinker)
    assert changed["now"] == pytest.approx(clinker + 5000)
    data = json.loads(run_steward(["ets", "month", "--enterprise", "JYCEM", "--month", "2026-01", "--json"],
                                  steward_env, check=True).stdout)
    clinker_item = next(i for i in data["items"] if i["item"] == "clinker_output")
    assert clinker_item["value"] == clinker and data["changed_since_submission"][0]["item"] == "clinker_output"
    text = run_steward(["ets", "month", "--enterprise", "JYCEM", "--month", "2026-01"], steward_env, check=True).stdout
    assert "changed since submission: 熟料产量 / Clinker produced" in text
    act(year_begun, "lixf", lambda s, a: months.correct(s, a, JAN, "熟料产量按盘库结果调整"))
    corrected = act(year_begun, "lixf", lambda s, a: months.package(s, a.enterprise_id, JAN))
    assert next(line.value for line in corrected["lines"] if line.item.code == "clinker_output") == \
        pytest.approx(clinker + 5000) and corrected["changed_since"] == [] and not corrected["late"]


@SQLITE
def test_every_month_of_the_year_owed_but_never_opened_is_opened_and_reminded(year_begun, engine):
    """A plant that keeps its profile in May (or whose run on the 1st was missed) has January to April opened at
    once, each with its deadline, so each is reminded and on the calendar; last year is left to the year view."""
    with clock.reading(datetime(2026, 5, 1, 1, 0, tzinfo=timezone.utc)), year_begun("system:test") as s:
        ent = demo_plant(s)
        assert s.exec(select(func.count()).select_from(EtsMonth).where(EtsMonth.month >= JAN)).one() == 0
        opened = reminders.open_month(s, ent, date(2026, 5, 1))
        assert opened == ["2026-01", "2026-02", "2026-03", "2026-04"]
        rows = s.exec(select(EtsMonth).where(EtsMonth.month >= JAN).order_by(EtsMonth.month)).all()
        assert [r.deadline for r in rows] == [date(2026, 3, 12), date(2026, 4, 9), date(2026, 5, 10), date(2026, 6, 9)]
        assert not s.exec(select(EtsMonth).where(EtsMonth.month == date(2025, 12, 1))).first()
        assert reminders.open_month(s, ent, date(2026, 5, 1)) == []


@SQLITE
def test_measured_values_are_converted_to_the_items_unit_and_a_months_batches_weighted(year_begun, engine):
    """An NCV recorded in kcal/kg is shown in GJ/t (the international-table calorie); two batches of a month are
    weighted by the coal each stands for; a power plant's element carbon comes from carbon per heat × NCV."""
    from storage.models import EnterpriseFactor
    with year_begun("system:test") as s:
        ent = demo_plant(s)
        for value, unit, batch in ((5000.0, "kcal/kg", 30000.0), (22.0, "GJ/t", 10000.0)):
            s.add(EnterpriseFactor(enterprise_id=ent, parameter="ncv", material="bituminous_coal", value=value,
                                   unit=unit, valid_from=date(2026, 1, 10), valid_to=date(2026, 1, 10),
                                   evidence=f"化验 {value:g} {unit}", recorded_by="test", batch_quantity=batch,
                                   batch_unit="t"))
    pkg = act(year_begun, "lixf", lambda s, a: months.package(s, a.enterprise_id, JAN))
    ncv = next(line for line in pkg["lines"] if line.item.code == "coal_ncv")
    assert ncv.value == pytest.approx((30000 * 5000 * 4.1868e-3 + 10000 * 22.0) / 40000)
    assert "2 批按量加权" in ncv.source_zh and "weighted by quantity" in ncv.source_en
    with year_begun("system:test") as s:
        s.add(EnterpriseFactor(enterprise_id=ent, parameter="carbon_content", material="bituminous_coal",
                               value=0.0265, unit="tC/GJ", valid_from=JAN, valid_to=date(2026, 1, 31),
                               evidence="化验月报", recorded_by="test"))
        from accounting.ets_monthly import defaults
        from workflows.ets.month import _element_from_per_heat
        power_item = next(i for i in defaults()["power"] if i.code == "coal_carbon")
        assert (power_item.parameter, power_item.unit) == ("carbon_element", "tC/t")
        found: dict = {}
        for f in s.exec(select(EnterpriseFactor).where(EnterpriseFactor.enterprise_id == ent)):
            found.setdefault((f.parameter, f.material), []).append(f)
        value, zh, _ = _element_from_per_heat(found, JAN, power_item)
        assert value == pytest.approx(0.0265 * ncv.value, rel=1e-6) and "× 低位发热量" in zh


@SQLITE
def test_an_assay_report_is_the_evidence_of_the_months_coal_values_and_is_read_back(year_begun, web):
    """The lab's report recorded with the assay is already the month's evidence for the coal's NCV and carbon (no
    second upload); it opens from the assays page; a report whose bytes are not what its name says is refused."""
    from helpers import as_user, csrf

    from workflows.accounting import assays
    store = web.app.state.ctx.files  # the file store the web application reads

    def record(s, a, name="JZ-2026-0112.pdf", data=b"%PDF-1.4 report 0112\n%%EOF\n"):
        return assays.record(s, a, store, material="bituminous_coal", sampled_on=date(2026, 1, 12), quantity=12000.0,
                             ncv=22.6, carbon_content=0.585, ash=None, moisture=None, lab="晋中煤质检测中心",
                             report_name=name, report=data, max_bytes=1 << 20)
    kept = act(year_begun, "lixf", record)  # in January, before January's package opens
    with year_begun("system:test") as s:
        assert reminders.open_month(s, demo_plant(s), date(2026, 2, 1)) == ["2026-01"]
    pkg = act(year_begun, "lixf", lambda s, a: months.package(s, a.enterprise_id, JAN))
    by = {line.item.code: line for line in pkg["lines"]}
    for code in ("coal_ncv", "coal_carbon"):
        assert [f.file_name for f in by[code].files] == ["JZ-2026-0112.pdf"] and "evidence" not in by[code].lacks
        assert by[code].files[0].sha256 == kept.report_sha256
    assert by["coal_ncv"].value == pytest.approx(22.6)
    manager = as_user(web, "lixf")
    for name, data in (("JZ-2026-0112.pdf", b"%PDF-1.4 report 0112\n%%EOF\n"),  # the same report again: not twice
                       ("JZ-2026-0125.pdf", b"%PDF-1.4 0125\n%%EOF\n")):  # a second batch, on the assays page
        sent = manager.post("/assays", data={"csrf_token": csrf(manager, "/assays"), "material": "bituminous_coal",
                                             "sampled_on": "2026-01-25", "quantity": "9000", "ncv": "22.1",
                                             "carbon_content": "0.57", "lab": "晋中煤质检测中心"},
                            files={"report": (name, data, "application/pdf")}, follow_redirects=False)
        assert sent.status_code == 303, sent.text[-500:]
    again = act(year_begun, "lixf", lambda s, a: months.package(s, a.enterprise_id, JAN))
    assert [f.file_name for f in next(line for line in again["lines"] if line.item.code == "coal_ncv").files] == \
        ["JZ-2026-0112.pdf", "JZ-2026-0125.pdf"]
    with pytest.raises(StewardError) as err:
        act(year_begun, "lixf", lambda s, a: record(s, a, name="JZ.pdf", data=b"<html><script>x</script>"))
    assert err.value.field == "report" and err.value.details
    assert f'href="/assays/{kept.id}/report"' in manager.get("/assays").text
    answer = manager.get(f"/assays/{kept.id}/report")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF") and "inline" in \
        answer.headers["content-disposition"]
    from storage.models import Person
    from workflows.engine.credentials import hash_password
    from workflows.people import organisation as org
    with year_begun("system:test") as s:
        org.add(s, "person", {"code": "E002", "name": "范婷", "username": "fant", "roles": ["carbon_manager"]},
                enterprise_ref=demo.SISTER)
        sister = s.exec(select(Person).where(Person.username == "fant")).one()
        sister.password_hash = hash_password(demo.DEMO_PASSWORD)
    assert as_user(web, "fant").get(f"/assays/{kept.id}/report").status_code == 404  # another enterprise's person
