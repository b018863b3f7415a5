"""The registers a year's tasks lead to, done in the pages: a baseline proposed and approved with a signature,
data anomalies checked and explained, improvements and reduction measures taken from idea to result, and
a compliance evaluation judged obligation by obligation."""

from __future__ import annotations

import re

import pytest
from helpers import as_user, csrf
from sqlmodel import Session

from steward.demo import DEMO_PASSWORD as PW
from workflows.engine import clock

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
HX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def shown(html: str) -> str:
    """What a person reads: the page without its markup."""
    return re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1])


def fire(client, url, trigger, **form):
    """Press a lifecycle button on the record page at ``url``, as it is offered to this person."""
    page = client.get(url).text
    match = re.search(rf'action="(/w/[^"]+/{trigger})".*?name="version" value="(\d+)"', page, re.S)
    assert match, f"no {trigger} button on {url}"
    return client.post(match.group(1), data={"version": match.group(2), "back": url,
                                             "csrf_token": csrf(client, url), **form}, headers=HX)


def test_a_baseline_is_proposed_by_the_carbon_manager_and_approved_by_top_management(web):
    lixf = as_user(web, "lixf")
    hub = lixf.get("/registers").text
    assert "碳排放基准" in hub and "持续改进" in hub and "baseline" not in shown(hub)
    listing = lixf.get("/registers/baselines").text
    first = re.search(r'href="/registers/baselines/([^"]+)"', listing).group(1)
    assert "有效" in listing and "首次建立" in listing and "initial" not in shown(listing)
    detail = lixf.get(f"/registers/baselines/{first}").text
    assert 'id="baseline-processes"' in detail and "熟料" in detail
    token = csrf(lixf, "/registers/baselines")
    again = lixf.post("/registers/baselines/new", data={"base_year": "2025", "trigger": "initial", "csrf_token": token},
                      headers=HX)
    assert again.status_code == 400 and again.json()["field"] == "trigger"  # one is in force: say why it changes
    made = lixf.post("/registers/baselines/new", data={"base_year": "2025", "trigger": "energy_mix",
                                                       "reason": "余热发电投运，外购电大幅减少", "csrf_token": token},
                     follow_redirects=False)
    number = made.headers["location"].rsplit("/", 1)[1]
    wangjg = as_user(web, "wangjg")
    assert f'href="/registers/baselines/{number}"' in wangjg.get("/tasks").text  # the task leads to the page
    assert 'action="/w/baseline/' not in lixf.get(f"/registers/baselines/{number}").text  # not the proposer's to approve
    wrong = fire(wangjg, f"/registers/baselines/{number}", "approve", password="not-my-password")
    assert wrong.status_code in (400, 401, 403) and wrong.json()["field"] == "password"
    assert fire(wangjg, f"/registers/baselines/{number}", "approve", password=PW).status_code == 200
    approved = wangjg.get(f"/registers/baselines/{number}").text
    assert 'id="record-state">有效' in approved and "批准" in approved.split('id="history-block"')[1]
    assert "已被替代" in wangjg.get(f"/registers/baselines/{first}").text
    assert f'href="/registers/baselines/{number}"' not in wangjg.get("/tasks").text  # done, so gone


def test_data_anomalies_are_checked_and_each_explained_by_the_department(web, engine):
    from storage.engine import unit_of_work
    from storage.models import ActivityRecord
    with unit_of_work(engine, "system:test") as s:  # a meter read in kWh instead of MWh, as happens
        row = s.exec(select_record(ActivityRecord, "electricity_purchased")).first()
        row.quantity *= 1000
        s.add(row)
    lixf = as_user(web, "lixf")
    scanned = lixf.post("/registers/anomalies/scan", data={"csrf_token": csrf(lixf, "/registers/anomalies")},
                        follow_redirects=True)
    assert 'id="scan-result"' in scanned.text
    listing = lixf.get("/registers/anomalies?state=open").text
    key = re.search(r'href="/registers/anomalies/(\d+)"', listing).group(1)
    assert "购入电力" in shown(listing) and "electricity_purchased" not in shown(listing)  # the series in words
    url = f"/registers/anomalies/{key}"
    liuy = as_user(web, "liuy")  # head of the equipment department, who reads the meters
    blank = fire(liuy, url, "confirm", comment="")
    assert blank.status_code == 400 and blank.json()["field"] == "comment"
    assert fire(liuy, url, "confirm", comment="抄表单位错误，已按 MWh 更正").status_code == 200
    page = liuy.get(url).text
    assert 'id="record-state">已确认' in page and "抄表单位错误" in page
    assert 'action="/w/data_anomaly/' not in page  # resolved: nothing more to press


def select_record(model, category):
    from sqlmodel import select
    return select(model).where(model.category == category).order_by(model.period.desc())


def test_an_improvement_and_a_reduction_measure_go_from_idea_to_result(web):
    lixf = as_user(web, "lixf")
    token = csrf(lixf, "/registers/improvements")
    blank = lixf.post("/registers/improvements/new", data={"title": " ", "csrf_token": token}, headers=HX)
    assert blank.status_code == 400 and blank.json()["field"] == "title"
    made = lixf.post("/registers/improvements/new", data={"title": "推广能源在线监测", "source": "review",
                                                          "clause_id": "10.4c", "owner": "liuy", "due": "2027-06-30",
                                                          "csrf_token": token}, follow_redirects=False)
    url = made.headers["location"]
    assert f'href="{url}"' in as_user(web, "liuy").get("/tasks").text  # the owner's task leads here
    assert fire(lixf, url, "start").status_code == 200
    assert fire(lixf, url, "complete", comment="12 台主要设备已接入").status_code == 200
    done = lixf.get(url).text
    assert 'id="record-state">已完成' in done and "管理评审" in done and "12 台主要设备已接入" in done

    token = csrf(lixf, "/registers/reductions")
    wrong = lixf.post("/registers/reductions/new", data={"title": "篦冷机改造", "abatement_t": "很多",
                                                         "verification": "对比改造前后熟料热耗", "csrf_token": token},
                      headers=HX)
    assert wrong.status_code == 400 and wrong.json()["field"] == "abatement_t"
    made = lixf.post("/registers/reductions/new", data={"title": "篦冷机改造", "abatement_t": "8500", "capex": "1200",
                                                        "verification": "对比改造前后熟料热耗", "csrf_token": token},
                     follow_redirects=False)
    url = made.headers["location"]
    fire(lixf, url, "plan")
    fire(lixf, url, "implement")
    page = lixf.get(url).text
    assert 'id="verify-measure"' in page and 'action="/w/reduction_measure/' not in page  # verified by its form
    number = url.rsplit("/", 1)[1]
    token = csrf(lixf, url)
    no_evidence = lixf.post(f"/registers/reductions/{number}/verify", data={"achieved_t": "8100", "evidence": "",
                                                                            "csrf_token": token}, headers=HX)
    assert no_evidence.status_code == 400 and "证据" in no_evidence.json()["message"]
    lixf.post(f"/registers/reductions/{number}/verify", data={"achieved_t": "8100", "evidence": "2026年热耗报告",
                                                              "csrf_token": token})
    verified = lixf.get(url).text
    assert 'id="record-state">已验证' in verified and "8,100.0" in verified and "1,200.0" in verified


def test_a_compliance_evaluation_is_judged_obligation_by_obligation_and_completed(web):
    lixf = as_user(web, "lixf")
    token = csrf(lixf, "/registers/compliance")
    made = lixf.post("/registers/compliance/start", data={"period": "2026-新规", "csrf_token": token},
                     follow_redirects=False)
    url = made.headers["location"]
    twice = lixf.post("/registers/compliance/start", data={"period": "2026-新规", "csrf_token": token}, headers=HX)
    assert twice.status_code == 409 and twice.json()["field"] == "period"
    page = lixf.get(url).text
    codes = re.findall(r'name="code" value="([^"]+)"', page)
    assert len(codes) >= 6 and 'action="/w/compliance/' not in page  # nothing to complete until all are judged
    evaluate = url.replace("/registers/compliance/", "/registers/compliance/", 1) + "/evaluate"
    silent = lixf.post(evaluate, data={"code": codes[0], "result": "not_applicable", "csrf_token": token}, headers=HX)
    assert silent.status_code == 400 and silent.json()["field"] == "finding"
    for code in codes:
        lixf.post(evaluate, data={"code": code, "result": "compliant", "evidence": "2026年度台账", "csrf_token": token})
    assert fire(lixf, url, "complete").status_code == 200
    done = lixf.get(url).text
    assert 'id="record-state">已完成' in done and "符合" in done and 'class="inline evaluate"' not in done


def test_the_surrender_is_finished_on_the_assets_page_and_its_reminders_end(web, engine):
    from datetime import timedelta

    from sqlmodel import select

    from accounting.carbon_assets import deadline
    from storage.engine import unit_of_work
    from storage.models import Enterprise, Task
    from workflows.planning import yearly_duties
    with unit_of_work(engine, "system:test") as s:  # 20 days before the 2025 deadline, the reminder goes out
        plant = s.exec(select(Enterprise).where(Enterprise.code == "JYCEM")).one().id
        assert yearly_duties.surrender_reminders(s, plant, deadline(2025) - timedelta(days=20)) > 0
    lixf = as_user(web, "lixf")
    assert 'href="/assets"' in lixf.get("/tasks").text
    first = lixf.get("/assets?year=2025").text
    assert 'id="remaining"' in first and 'id="no-plan"' in first  # what is due stands; the plan needs a price
    assert "不含购入电力和热力" in first and "待核实" in first  # the rule it is due on, and that it is unverified
    token = csrf(lixf, "/assets")
    lixf.post("/assets/price", data={"kind": "CEA", "on": "2026-11-30", "price": "95", "source": "上海环境能源交易所收盘价",
                                     "csrf_token": token})
    page = lixf.get("/assets?year=2025").text
    due = float(re.search(r'id="position">.*?<h3>([\d,]+) t', page, re.S).group(1).replace(",", ""))
    assert due > 1_000_000 and "全国碳排放配额" in page and "CEA" not in shown(page).replace("CCER", "")
    move = {"kind": "CEA", "vintage": "2025", "on": "2026-11-30", "csrf_token": token}
    beyond = lixf.post("/assets/movement", data={**move, "txn": "surrender", "quantity": "10",
                                                 "compliance_year": "2025"}, headers=HX)
    assert beyond.status_code == 400 and beyond.json()["field"] == "quantity"  # nothing held to give
    typo = lixf.post("/assets/movement", data={**move, "txn": "allocate", "quantity": "1,2"}, headers=HX)
    assert typo.status_code == 400 and typo.json()["field"] == "quantity"
    lixf.post("/assets/movement", data={**move, "txn": "allocate", "quantity": str(due - 5000)})
    lixf.post("/assets/movement", data={**move, "txn": "surrender", "quantity": str(due - 5000), "compliance_year": "2025"})
    assert "5,000 t" in lixf.get("/assets?year=2025").text.split('id="remaining">')[1][:20]
    with Session(engine) as s:
        assert s.exec(select(Task).where(Task.lifecycle == "surrender", Task.status == "open")).all()  # still owed
    lixf.post("/assets/movement", data={**move, "txn": "buy", "quantity": "5000", "price": "95"})
    lixf.post("/assets/movement", data={**move, "txn": "surrender", "quantity": "5000", "compliance_year": "2025"})
    assert ">0 t<" in lixf.get("/assets?year=2025").text
    with Session(engine) as s:
        assert not s.exec(select(Task).where(Task.lifecycle == "surrender", Task.status == "open")).all()


def test_the_yearly_training_plan_and_objectives_review_are_done_where_their_tasks_lead(web, engine):

    from sqlmodel import select

    from storage.engine import unit_of_work
    from storage.models import Enterprise, Task
    from workflows.planning import yearly_duties
    year = clock.today().year
    with unit_of_work(engine, "system:test") as s:
        plant = s.exec(select(Enterprise).where(Enterprise.code == "JYCEM")).one().id
        yearly_duties.yearly(s, plant, year)
    lixf = as_user(web, "lixf")
    tasks = lixf.get("/tasks").text
    assert 'href="/records/training_plan"' in tasks and 'href="/objectives"' in tasks
    form = lixf.get("/records/training_plan").text
    assert 'name="topics"' in form and "培训对象" in form
    token = csrf(lixf, "/records/training_plan")
    missing = lixf.post("/records/training_plan", data={"year": str(year), "topics": "", "csrf_token": token},
                        headers=HX)
    assert missing.status_code == 400 and {d["field"] for d in missing.json()["details"]} >= {"topics", "audience"}
    lixf.post("/records/training_plan", data={"year": str(year), "topics": "碳排放核算指南；数据质量控制", "audience":
                                              "计量员、中控操作员", "schedule": "3月、9月各一次", "csrf_token": token})
    assert "碳排放核算指南" in lixf.get("/records/training_plan").text
    training = lixf.get("/records/training").text
    assert "法律法规与政策" in training and "law_policy" not in shown(training)  # choices by name
    page = lixf.get("/objectives").text
    assert 'id="review-objectives"' in page
    lixf.post("/records/objective_review", data={"year": str(year - 1), "conclusion": "熟料单位排放下降 2.1%，达标",
                                                 "next_steps": "本年度再降 1%", "back": "/objectives",
                                                 "csrf_token": token})
    assert "熟料单位排放下降 2.1%" in lixf.get("/objectives").text
    with Session(engine) as s:
        open_kinds = {t.lifecycle for t in s.exec(select(Task).where(Task.status == "open", Task.entity_id == year))}
    assert not open_kinds & {"training_plan", "objective_review"}  # both duties done


def test_every_task_the_year_gives_leads_to_a_page_its_assignee_can_open(web, engine):
    """A task nobody can act on in the web must not exist: make one of every kind the year makes, then follow each."""
    from datetime import timedelta

    from sqlmodel import select

    from accounting.carbon_assets import deadline
    from storage.engine import unit_of_work
    from storage.errors import StewardError
    from storage.models import Document, Enterprise, Person, Task
    from workflows.audit import internal_audit
    from workflows.engine import flow_faults, tasks
    from workflows.engine.machine import actor_for
    from workflows.improvement import compliance
    from workflows.planning import yearly_duties
    from workflows.review import review
    lixf = as_user(web, "lixf")
    token = csrf(lixf, "/registers/baselines")
    lixf.post("/registers/baselines/new", data={"base_year": "2025", "trigger": "energy_mix", "reason": "余热发电",
                                                "csrf_token": token})
    lixf.post("/registers/improvements/new", data={"title": "能源在线监测", "owner": "liuy", "due": "2027-06-30",
                                                   "csrf_token": token})
    for title, issue in (("在用程序", True), ("待审程序", False)):  # one in force (review due), one in review
        made = lixf.post("/documents/new", data={"doc_type": "procedure", "title": title, "readers": ["yangf"],
                                                 "csrf_token": token}, files={"file": ("p.pdf", PDF)},
                         follow_redirects=False)
        url = made.headers["location"]
        steps = (("lixf", "submit"), ("chenj", "review"), ("wangjg", "approve"), ("lixf", "issue")) if issue \
            else (("lixf", "submit"),)
        for who, trigger in steps:
            assert fire(as_user(web, who), url, trigger, password=PW).status_code == 200
    today = clock.today()
    with unit_of_work(engine, "system:test") as s:
        plant = s.exec(select(Enterprise).where(Enterprise.code == "JYCEM")).one().id
        yearly_duties.yearly(s, plant, today.year)
        yearly_duties.surrender_reminders(s, plant, deadline(2025) - timedelta(days=20))
        for doc in s.exec(select(Document).where(Document.enterprise_id == plant)):
            doc.next_review_due = today + timedelta(days=10)
            s.add(doc)
        yearly_duties.document_reviews(s, plant, today)
        compliance.start(s, plant, str(today.year), "periodic")
        internal_audit.plan_year(s, actor_for(s, "lixf"), today.year + 1)
        review.ensure(s, plant, today.year + 1)
        for flow in flow_faults.PAGES:  # a scheduled flow that could not do the plant's work
            flow_faults.failed(s, plant, flow, StewardError("x", "缺少化验值", "A lab value is missing"), today)
    with Session(engine) as s:
        people = {p.id: p.username for p in s.exec(select(Person))}
        open_tasks = [(t.lifecycle, people[t.assignee_id], tasks.link(s, t))
                      for t in s.exec(select(Task).where(Task.status == "open"))]
    kinds = {kind for kind, _, _ in open_tasks}
    assert kinds >= {"baseline", "improvement", "training_plan", "objective_review", "surrender", "document_review",
                     "compliance", "document", "internal_audit", "management_review",
                     *(flow_faults.lifecycle(f) for f in flow_faults.PAGES)}
    for kind, username, url in open_tasks:
        assert url != "/", f"a {kind} task leads nowhere"
        assert as_user(web, username).get(url).status_code == 200, f"{username} cannot open {url} ({kind})"


def test_registers_and_records_download_as_excel_in_the_reader_s_language_and_the_baseline_compares(web):
    import io

    from openpyxl import load_workbook
    lixf = as_user(web, "lixf")
    token = csrf(lixf, "/registers/improvements")
    lixf.post("/registers/improvements/new", data={"title": "=HYPERLINK(\"http://x\")", "source": "audit",
                                                   "csrf_token": token})
    lixf.post("/registers/improvements/new", data={"title": "余热利用", "source": "review", "csrf_token": token})
    book = lixf.get("/registers/improvements.xlsx", params={"q": "余热"})
    assert book.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(book.content)).active.values)
    assert rows[0][:2] == ("编号", "改进项") and [r[1] for r in rows[1:]] == ["余热利用"]  # filtered as on the page
    assert rows[1][2] == "管理评审" and rows[1][-1] == "已提出"  # words, not codes
    everything = list(load_workbook(io.BytesIO(lixf.get("/registers/improvements.xlsx").content)).active.values)
    assert any(r[1] == '=HYPERLINK("http://x")' for r in everything)  # typed text stays text, never a formula
    lixf.post("/records/training", data={"topic": "核算指南", "kind": "standard", "attendees": "12", "hours": "4",
                                         "csrf_token": token})
    lixf.get("/lang/en?back=/")
    english = list(load_workbook(io.BytesIO(lixf.get("/records/training.xlsx").content)).active.values)
    assert english[0][:3] == ("Recorded on", "Topic", "Kind") and english[1][2] == "Standards"
    lixf.get("/lang/zh?back=/")
    listing = lixf.get("/registers/baselines").text
    active = re.search(r'href="/registers/baselines/([^"]+)"', listing).group(1)
    page = lixf.get(f"/registers/baselines/{active}", params={"year": "2025"}).text
    table = page.split('id="baseline-compare"')[1].split("</table>")[0]
    assert "企业合计" in table and "熟料煅烧 (P30)" in table and "%" in table


def test_an_objective_is_set_against_the_baseline_with_its_plan_and_shows_its_progress(web):
    lixf = as_user(web, "lixf")
    page = lixf.get("/objectives").text
    assert 'id="new-objective"' in page and "熟料 单位排放" in page and "intensity:clinker" in page
    token = csrf(lixf, "/objectives")
    form = {"title": "熟料单位排放下降", "clause_id": "6.4.1b", "level": "enterprise", "metric": "intensity:clinker",
            "target_year": "2028", "reduction_pct": "5", "owner": "chenj", "csrf_token": token,
            **{f"plan_{k}": f"第{k}项" for k in "abcdef"}}
    thin = lixf.post("/objectives/new", data={**form, "plan_c": " "}, headers=HX)
    assert thin.status_code == 400 and thin.json()["field"] == "plan_c"  # 6.4.4 c named, next to its box
    odd = lixf.post("/objectives/new", data={**form, "reduction_pct": "五"}, headers=HX)
    assert odd.status_code == 400 and odd.json()["field"] == "reduction_pct"
    assert lixf.post("/objectives/new", data=form).status_code in (200, 303)
    listing = lixf.get("/objectives").text
    row = listing.split('id="objectives"')[1].split("</table>")[0]
    assert "熟料单位排放下降" in row and "陈静" in row and "<progress" in row


def test_the_calendar_shows_a_month_of_what_falls_due_and_exports_it_for_outlook(web, engine):

    from icalendar import Calendar
    from sqlmodel import select

    from accounting.carbon_assets import deadline
    from storage.engine import unit_of_work
    from storage.models import Meter
    with unit_of_work(engine, "system:test") as s:  # a meter falls due this month
        meter = s.exec(select(Meter).where(Meter.code == "M-W004")).one()
        meter.calibration_due = clock.today().replace(day=15)
        s.add(meter)
    lixf = as_user(web, "lixf")
    last = clock.today().year - 1
    due = deadline(last)
    page = lixf.get("/calendar", params={"month": f"{due.year}-{due.month:02d}"}).text
    assert f"{last} 年度配额清缴截止" in page
    now = lixf.get("/calendar").text
    assert "检定 M-W004 熟料皮带秤" in now and 'href="/accounting"' in now
    assert lixf.get("/calendar", params={"month": "2026-13"}, headers=HX).status_code == 400
    lixf.get("/lang/en?back=/")
    feed = Calendar.from_ical(lixf.get("/calendar.ics").content)
    summaries = [str(e.get("summary")) for e in feed.walk("VEVENT")]
    assert any(s.startswith("Meter calibration: Calibrate M-W004") for s in summaries)
    assert any("surrender deadline" in s for s in summaries)
    again = Calendar.from_ical(lixf.get("/calendar.ics").content)
    assert sorted(str(e.get("uid")) for e in again.walk("VEVENT")) == sorted(str(e.get("uid")) for e in feed.walk("VEVENT"))


def test_an_internal_auditor_plans_an_audit_with_dates_lead_and_team_never_in_the_past(web):
    from datetime import timedelta

    zhaom = as_user(web, "zhaom")  # an internal auditor may plan
    token = csrf(zhaom, "/audits")
    start = clock.today() + timedelta(days=20)
    form = {"start": start.isoformat(), "end": (start + timedelta(days=2)).isoformat(), "lead": "zhaom",
            "team": ["zhoul", "liuy"], "scope": "第 6、8 章", "csrf_token": token}
    past = zhaom.post("/audits/new", data={**form, "start": "2020-01-06"}, headers=HX)
    assert past.status_code == 400 and past.json()["field"] == "start"
    backwards = zhaom.post("/audits/new", data={**form, "end": (start - timedelta(days=1)).isoformat()}, headers=HX)
    assert backwards.status_code == 400 and backwards.json()["field"] == "end"
    not_auditor = zhaom.post("/audits/new", data={**form, "lead": "wux"}, headers=HX)
    assert not_auditor.status_code == 400 and not_auditor.json()["field"] == "lead"
    made = zhaom.post("/audits/new", data=form, follow_redirects=False)
    url = made.headers["location"]
    page = zhaom.get(url).text
    assert "第 6、8 章" in page and str(start) in zhaom.get("/audits").text
    assert f'href="{url}"' in zhaom.get("/tasks").text  # the lead is asked to prepare it
    assert as_user(web, "yangf").post("/audits/new", data={**form, "csrf_token": csrf(as_user(web, "yangf"), "/")},
                                      headers=HX).status_code == 403


def test_the_review_is_planned_with_its_date_and_attendees_who_are_told(web):
    from datetime import timedelta

    lixf = as_user(web, "lixf")
    token = csrf(lixf, "/reviews")
    day = clock.today() + timedelta(days=10)
    past = lixf.post("/reviews/plan", data={"planned_on": "2020-12-15", "attendees": ["wangjg"], "csrf_token": token},
                     headers=HX)
    assert past.status_code == 400 and past.json()["field"] == "planned_on"
    stranger = lixf.post("/reviews/plan", data={"planned_on": day.isoformat(), "attendees": ["maq"],
                                                "csrf_token": token}, headers=HX)
    assert stranger.status_code == 404 and stranger.json()["field"] == "attendees"
    made = lixf.post("/reviews/plan", data={"planned_on": day.isoformat(), "attendees": ["wangjg", "chenj"],
                                            "csrf_token": token}, follow_redirects=False)
    url = made.headers["location"]
    listing = lixf.get("/reviews").text
    assert str(day) in listing and "王建国、陈静" in listing
    assert f'href="{url}"' in as_user(web, "chenj").get("/tasks").text  # the invitation is a task with its link
    later = day + timedelta(days=3)
    lixf.post("/reviews/plan", data={"planned_on": later.isoformat(), "attendees": ["wangjg"], "csrf_token": token})
    assert str(later) in lixf.get("/reviews").text and lixf.get("/reviews").text.count(url) == 1  # moved, not doubled
    assert f'href="{url}"' not in as_user(web, "chenj").get("/tasks").text  # no longer invited
    assert str(later) in as_user(web, "wangjg").get("/tasks").text  # the invitation follows the new date


def test_the_lead_auditor_signs_the_report_in_the_page_and_top_management_reads_it_as_pdf_and_accepts(web, plant):
    import io

    import docx
    from helpers import act, plant_id, this_year
    from sqlmodel import select

    from storage.models import InternalAudit
    from workflows.audit import internal_audit as audits
    number = act(plant, "lixf", lambda s, a: audits.plan_for_year(s, plant_id(s), this_year(), "test").number)

    def run(s, a):
        audit = s.exec(select(InternalAudit).where(InternalAudit.number == number)).one()
        audits.start(s, a, audit)
        for item in audits.checklist(s, audit):
            audits.record(s, a, audit, item.clause_id, "conform")
    act(plant, "zhaom", run)
    zhaom = as_user(web, "zhaom")
    page = zhaom.get(f"/audits/{number}").text
    assert 'id="report-form"' in page
    version = re.search(r'id="report-form".*?name="version" value="(\d+)"', page, re.S).group(1)
    token = csrf(zhaom, f"/audits/{number}")
    wrong = zhaom.post(f"/audits/{number}/report", data={"conclusion": "体系有效运行", "password": "guess",
                                                         "version": version, "csrf_token": token}, headers=HX)
    assert wrong.status_code in (400, 401, 403) and wrong.json()["field"] == "password"
    zhaom.post(f"/audits/{number}/report", data={"conclusion": "体系有效运行，计量管理需加强", "password": PW,
                                                 "version": version, "csrf_token": token})
    word = zhaom.get(f"/audits/{number}/report.docx")
    assert "体系有效运行，计量管理需加强" in "\n".join(
        p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs) + "\n".join(
        c.text for t in docx.Document(io.BytesIO(word.content)).tables for r in t.rows for c in r.cells)
    wangjg = as_user(web, "wangjg")
    url = f"/audits/{number}"
    assert f'href="{url}"' in wangjg.get("/tasks").text and 'id="read-report"' in wangjg.get(url).text
    pdf = wangjg.get(f"/audits/{number}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and "inline" in pdf.headers["content-disposition"]
    assert fire(wangjg, url, "accept", password=PW).status_code == 200
    assert 'id="audit-state">已关闭' in wangjg.get(url).text


def test_the_meeting_is_recorded_with_its_decisions_which_become_tracked_actions(web, plant):
    from datetime import timedelta

    from helpers import act, plant_id

    from workflows.review import review as reviews

    def prepare(s, a):
        review, _ = reviews.ensure(s, plant_id(s), clock.today().year)
        reviews.compile_inputs(s, a, review)
        for clause_id in reviews.missing_inputs(review):
            reviews.state_input(s, a, review, clause_id, "本期无变化")
        return review.number
    number = act(plant, "lixf", prepare)
    lixf = as_user(web, "lixf")
    url = f"/reviews/{number}"
    page = lixf.get(url).text
    version = re.search(r'id="meeting-form".*?name="version" value="(\d+)"', page, re.S).group(1)
    due = (clock.today() + timedelta(days=60)).isoformat()
    form = {"held_on": clock.today().isoformat(), "attendees": "王建国、李秀芳", "minutes": "听取体系运行汇报",
            "conclusion": "体系充分、适宜、有效", "decision": ["完善能源计量三级网络", "", ""],
            "owner": ["liuy", "", ""], "due": [due, "", ""], "version": version, "csrf_token": csrf(lixf, url)}
    no_owner = lixf.post(f"{url}/meeting", data={**form, "owner": ["", "", ""]}, headers=HX)
    assert no_owner.status_code == 400 and no_owner.json()["field"] == "owner"
    future = lixf.post(f"{url}/meeting", data={**form, "held_on": "2099-01-01"}, headers=HX)
    assert future.status_code == 400 and future.json()["field"] == "held_on"
    assert lixf.post(f"{url}/meeting", data=form).status_code in (200, 303)
    held = lixf.get(url).text
    assert "完善能源计量三级网络" in held.split('id="decisions"')[1] and "刘洋" in held.split('id="decisions"')[1]
    liuy = as_user(web, "liuy")
    assert 'href="/reviews/' in liuy.get("/tasks").text
    assert fire(liuy, url, "complete", comment="已增设 12 块二级电表").status_code == 200
    assert "已增设 12 块二级电表" in lixf.get(url).text and "已落实" in lixf.get(url).text


def test_a_nonconformity_gets_several_actions_at_once_and_only_people_who_may_act_own_them(web):
    from datetime import timedelta

    from helpers import plant_id

    from workflows.improvement import nonconformity as ncs
    with web.app.state.ctx.unit_of_work("test") as s:
        number = ncs.raise_nc(s, plant_id(s), source="audit", clause_id="8.3c", title="M-E021 检定过期",
                              raised_by="zhaom").number
    lixf = as_user(web, "lixf")
    url = f"/nonconformities/{number}"
    token = csrf(lixf, url)

    def version():
        return re.search(r'name="version" value="(\d+)"', lixf.get(url).text).group(1)
    lixf.post(f"{url}/analyse", data={"consequence": "9 月电耗偏差小", "disposition": "关口表复核", "root_cause": "台账遗漏",
                                      "version": version(), "csrf_token": token})
    page = lixf.get(url).text
    owners = re.findall(r'<select name="owner"[^>]*>(.*?)</select>', page, re.S)[0]
    assert "钱程" not in owners and "黄志强" not in owners and "刘洋" in owners  # viewers and admins do not act
    due = (clock.today() + timedelta(days=30)).isoformat()
    rows = {"kind": ["correction", "corrective", "preventive"], "description": ["立即送检", "修订计量台账", ""],
            "owner": ["liuy", "zhoul", "liuy"], "due": [due, due, ""], "version": version(), "csrf_token": token}
    outsider = lixf.post(f"{url}/plan", data={**rows, "owner": ["qianc", "zhoul", "liuy"]}, headers=HX)
    assert outsider.status_code == 400 and outsider.json()["field"] == "owner"  # a viewer cannot own an action
    assert lixf.post(f"{url}/plan", data=rows).status_code in (200, 303)
    listed = lixf.get(url).text.split("<h4>")[-1].split("</ul>")[0]
    assert "立即送检" in listed and "修订计量台账" in listed and "刘洋" in listed and "周磊" in listed
    assert listed.count("<li>") == 2  # the blank row is no action


def test_the_review_inputs_are_in_words_and_each_missing_one_has_its_own_statement_box(web, plant):

    from helpers import act, plant_id

    from workflows.review import review as reviews

    def compile_(s, a):
        review, _ = reviews.ensure(s, plant_id(s), clock.today().year)
        reviews.compile_inputs(s, a, review)
        return review.number, reviews.missing_inputs(review)
    number, missing = act(plant, "lixf", compile_)
    lixf = as_user(web, "lixf")
    page = lixf.get(f"/reviews/{number}").text
    inputs = shown(page.split('id="review-inputs"')[1].split("</table>")[0])
    assert "烟煤" in inputs and "bituminous_coal" not in inputs and "facility:insert" not in inputs
    assert all(f'id="state-{cid}"' in page for cid in missing)  # one box per missing input, on its own row
    lixf.post(f"/reviews/{number}/state", data={"clause_id": missing[0], "text": "本期方针未变化",
                                                "csrf_token": csrf(lixf, f"/reviews/{number}")})
    after = lixf.get(f"/reviews/{number}").text
    assert "本期方针未变化" in after and f'id="state-{missing[0]}"' not in after
    english = lixf.get(f"/lang/en?back=/reviews/{number}").text
    assert "Bituminous coal" in english or "bituminous coal" in english


def test_the_checklist_is_read_a_chapter_at_a_time_and_nothing_is_preselected(web, plant):
    from helpers import act, plant_id, this_year
    from sqlmodel import select

    from storage.models import InternalAudit
    from workflows.audit import internal_audit as audits
    number = act(plant, "lixf", lambda s, a: audits.plan_for_year(s, plant_id(s), this_year(), "test").number)
    act(plant, "zhaom", lambda s, a: audits.start(s, a, s.exec(select(InternalAudit).where(
        InternalAudit.number == number)).one()))
    zhaom = as_user(web, "zhaom")
    url = f"/audits/{number}"
    chapter = zhaom.get(url, params={"chapter": "8"}).text
    assert 'id="c-8.1' in chapter and 'id="c-6.' not in chapter and 'id="chapters"' in chapter
    assert re.search(r'<option value="" selected>', chapter)  # a pending line offers no result until one is chosen
    first, second = re.findall(r'id="c-(8\.[^"]+)"', chapter)[:2]
    token = csrf(zhaom, url)
    unchosen = zhaom.post(f"{url}/check", data={"clause_id": first, "result": "", "csrf_token": token}, headers=HX)
    assert unchosen.status_code == 400 and unchosen.json()["field"] == "result" and "符合" in unchosen.json()["message"]
    kept = zhaom.post(f"{url}/check", data={"clause_id": first, "result": "conform", "csrf_token": token},
                      headers={**HX, "HX-Current-URL": f"http://testserver{url}?chapter=8&pending=true"})
    assert kept.text.lstrip().startswith(f'<article id="c-{first}"')  # only the line is redrawn: still chapter 8
    left = zhaom.get(url, params={"chapter": "8", "pending": "true"}).text
    assert f'id="c-{first}"' not in left and f'id="c-{second}"' in left  # what is done drops out of the pending view


def test_a_record_named_in_chinese_is_reached_after_an_htmx_form(web):
    """A compliance evaluation's period is its key; "2026-年度" in the answer's HX-Redirect header once made a
    500, because a header carries latin-1 only. The address is percent-encoded and still opens the record."""
    lixf = as_user(web, "lixf")
    made = lixf.post("/registers/compliance/start", data={"period": "2026-年度",
                                                          "csrf_token": csrf(lixf, "/registers/compliance")},
                     headers={**HX, "HX-Current-URL": "http://testserver/registers/compliance"})
    assert made.status_code == 200 and made.headers["HX-Redirect"] == "/registers/compliance/2026-%E5%B9%B4%E5%BA%A6"
    assert "2026-年度" in lixf.get(made.headers["HX-Redirect"]).text


def test_long_lists_come_a_page_at_a_time_and_a_search_reaches_the_oldest(web, plant):
    """Fifty rows a page with the total and the way on, in registers and records alike; the filters stay."""
    from helpers import act

    from workflows.documents import records
    from workflows.improvement import improvement
    act(plant, "lixf", lambda s, a: [improvement.add(s, a, title=f"改进项第 {i} 条", source="suggestion")
                                     for i in range(55)])
    act(plant, "lixf", lambda s, a: [records.add(s, a, "communication", {
        "direction": "internal", "channel": "meeting", "counterpart": f"第 {i} 车间", "subject": f"例会 {i}"})
        for i in range(53)])
    lixf = as_user(web, "lixf")
    first = lixf.get("/registers/improvements?state=proposed").text
    assert first.count('href="/registers/improvements/') == 50 and "共 55" in first
    second = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "state=proposed" in second and "page=2" in second
    rest = lixf.get(second).text
    assert rest.count('href="/registers/improvements/') == 5 and 'rel="prev"' in rest and 'rel="next"' not in rest
    assert "改进项第 0 条" in lixf.get("/registers/improvements?q=第 0 条").text  # the oldest, found by a search
    page = lixf.get("/records/communication").text
    assert "共 53" in page and 'rel="next"' in page
    assert "第 0 车间" in lixf.get("/records/communication?q=第 0 车间").text


def test_a_long_task_list_is_read_fifty_at_a_time_and_the_overview_counts_them_all(web, engine):
    """Sixty open tasks: the list shows the fifty due soonest with the total and a next page; the overview lists
    eight and says sixty."""
    from datetime import timedelta

    from sqlmodel import select

    from storage.engine import unit_of_work
    from storage.models import Person
    from workflows.engine import machine as wf
    with unit_of_work(engine, "system:test") as s:
        yangf = s.exec(select(Person).where(Person.username == "yangf")).one()
        for n in range(60):
            wf.give_task(s, yangf, "nonconformity", 9000 + n, f"核对台账 {n:02d}", f"Check ledger {n:02d}",
                         clock.today() + timedelta(days=n))
    staff = as_user(web, "yangf")
    first = staff.get("/tasks").text
    assert "核对台账 00" in first and "核对台账 49" in first and "核对台账 50" not in first
    assert "共 60" in shown(first) and 'rel="next"' in first
    second = staff.get("/tasks?page=2").text
    assert "核对台账 50" in second and "核对台账 59" in second and "核对台账 00" not in second
    overview = shown(staff.get("/").text)
    assert "我的待办 (60)" in overview and "核对台账 07" in overview and "核对台账 08" not in overview
