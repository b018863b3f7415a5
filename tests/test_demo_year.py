"""The demo lives a whole year: what a newcomer opens shows the product at work, and an auditor's evidence map
finds live evidence for nearly every clause on it."""

import re
from datetime import date, datetime, timezone

import pytest
from fastapi.testclient import TestClient
from helpers import AUDIT_KEY, sign_in
from sqlmodel import Session, select
from test_browser import serving, shot
from test_browser import sign_in as browser_sign_in

from steward import demo, demo_year
from steward.context import Context
from steward.settings import load
from steward.web.access import PAGES
from steward.web.app import create_app
from storage.audit_log import verify
from storage.engine import make_engine
from storage.files import FileStore
from storage.models import (
    Distribution,
    Document,
    InternalAudit,
    ManagementReview,
    Meter,
    Nonconformity,
    Person,
    ReductionMeasure,
    Revision,
)
from workflows.audit import evidence_map
from workflows.documents import document as docs
from workflows.engine import clock
from workflows.people import organisation as org
from workflows.planning import carbon_assets


@pytest.fixture(scope="module")
def lived(tmp_path_factory, lived_home):
    """`steward demo` as a newcomer runs it: the organisation, three years of data and the lived year."""
    home = lived_home(tmp_path_factory.mktemp("lived"))
    url = f"sqlite:///{home / 'steward.db'}"
    eng = make_engine(url, AUDIT_KEY.encode())
    yield home, url, eng
    eng.dispose()


def test_the_evidence_map_finds_live_evidence_for_nearly_every_clause(lived):
    _, _, eng = lived
    with Session(eng) as s:
        items = evidence_map.build(s, org.enterprise(s, demo.PLANT).id, demo_year.AS_OF)
    lacking = [f"{i.clause.id} ({i.status})" for i in items if i.status != "present"]
    assert len(items) == 201
    assert len(lacking) <= 0.05 * len(items), "no live evidence for: " + ", ".join(lacking)
    meters = next(i for i in items if i.clause.id == "8.1.3d").found
    assert any(not f.current and "M-E021" in f.zh for f in meters)  # the overdue meter is named, not hidden


def test_the_year_left_what_a_plant_keeps(lived):
    home, _, eng = lived
    store = FileStore(home / "files")
    with Session(eng) as s:
        plant = org.enterprise(s, demo.PLANT)
        issued = s.exec(select(Revision, Document).join(Document, Document.id == Revision.document_id).where(
            Revision.state == "issued")).all()
        assert {d.doc_type for _, d in issued} >= {"policy", "procedure", "instruction", "dq_plan"}
        assert all(docs.file_intact(rev, store) for rev, _ in issued)  # real Word bodies, kept where pages read them
        policy = next(rev for rev, d in issued if d.doc_type == "policy")
        readers = {s.get(Person, d.person_id).username: d.acknowledged_at
                   for d in s.exec(select(Distribution).where(Distribution.revision_id == policy.id))}
        assert {u for u, on in readers.items() if on is None} == demo_year.UNREAD
        assert len(readers) > 2 * len(demo_year.UNREAD)
        audit = s.exec(select(InternalAudit).where(InternalAudit.enterprise_id == plant.id)).one()
        assert audit.state == "closed" and audit.report_sha256
        found = s.exec(select(Nonconformity).where(Nonconformity.enterprise_id == plant.id)).all()
        assert sorted(nc.clause_id for nc in found) == ["7.5.2c", "8.1.3b"]
        assert all(nc.state == "closed" for nc in found)
        review = s.exec(select(ManagementReview).where(ManagementReview.enterprise_id == plant.id)).one()
        assert review.state == "approved" and review.minutes_sha256 and review.held_on == date(2026, 7, 16)
        stages = {m.state for m in s.exec(select(ReductionMeasure).where(ReductionMeasure.enterprise_id == plant.id))}
        assert stages == {"identified", "planned", "implemented", "verified"}
        overdue = [m.code for m in s.exec(select(Meter).where(Meter.enterprise_id == plant.id))
                   if m.calibration_due < demo_year.AS_OF]
        assert overdue == ["M-E021"]
        position = carbon_assets.position(s, plant.id, 2025, demo_year.AS_OF)
        held = sum(lot["quantity"] for lot in position["holdings"] if lot["vintage"] == 2025)
        assert held > 0 and position["remaining_t"] > held  # allocated and bought, still short before the deadline
        assert position["plan"]["cost_cny"] > 0  # and the page says the cheapest way to close the gap
    with eng.connect() as conn:
        assert verify(conn).ok


def test_the_2026_carbon_market_months_are_in_every_state(lived):
    """Submitted with receipts (March corrected and submitted again), one ready but late and escalated, one missing
    its assay reports with the 10-day reminder; each month's evidence kept by hash."""
    from storage.models import EtsEvidence, EtsMonth, Task
    from workflows.ets import month as months
    home, _, eng = lived
    store = FileStore(home / "files")
    with Session(eng) as s, clock.reading(datetime(2026, 11, 30, 12, tzinfo=timezone.utc)):
        plant = org.enterprise(s, demo.PLANT).id
        rows = {m.month.month: m for m in s.exec(select(EtsMonth).where(EtsMonth.enterprise_id == plant,
                                                                        EtsMonth.month >= date(2026, 1, 1)))}
        assert {n: rows[n].state for n in rows} == {**{n: "submitted" for n in range(1, 9)}, 9: "ready", 10: "missing"}
        assert all(rows[n].receipt == demo_year.ETS_RECEIPTS[n] for n in (1, 2, 4, 5, 6, 7, 8))
        assert [h["kind"] for h in rows[3].history] == ["submitted", "correction", "submitted"]
        september = months.package(s, plant, date(2026, 9, 1))
        assert september["late"] and september["status"] == months.EtsState.ready
        october = months.package(s, plant, date(2026, 10, 1))
        assert not october["late"] and october["days_left"] == 10
        assert {line.item.code for line in october["lines"] if line.lacks} == {"coal_ncv", "coal_carbon"}
        told = {(t.lifecycle, t.entity_id) for t in s.exec(select(Task).where(  # the months' (the report's is its own)
            Task.lifecycle.like("ets_%"), Task.lifecycle != "ets_report"))}
        assert told == {("ets_remind_10", rows[9].id), ("ets_remind_3", rows[9].id), ("ets_overdue", rows[9].id),
                        ("ets_remind_10", rows[10].id)}
        assert all(store.verify(f.sha256) for f in s.exec(select(EtsEvidence)))


def test_every_page_opens_on_the_lived_demo(lived):
    home, url, _ = lived
    client = TestClient(create_app(Context(load({"STEWARD_HOME": str(home), "STEWARD_DATABASE_URL": url}))))
    assert sign_in(client, "lixf").status_code == 303
    pages = [p.path for p in PAGES]
    listed = {path: client.get(path) for path in pages}
    for path in ("/audits", "/reviews", "/nonconformities", "/documents", "/registers/reductions", "/ets"):
        pages += sorted(set(re.findall(r'href="(' + path + r'/[A-Za-z0-9-]+)"', client.get(path).text)))[:4]
    assert len(pages) >= len(PAGES) + 6  # the lists link to the year's audit, review, findings and documents
    for path in pages:
        response = listed.get(path) or client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    assert "JYCEM-PL-001" in listed["/documents"].text


@pytest.fixture(scope="module")
def lived_site(lived):
    home, url, _ = lived
    yield from serving(Context(load({"STEWARD_HOME": str(home), "STEWARD_DATABASE_URL": url})))


def test_a_newcomer_sees_the_year_and_the_evidence_behind_each_clause(lived_site, page):
    """Top management opens the dashboard, follows the readiness trend to the clause tree, reads chapter 9 and
    opens the signed review that evidences it; the carbon manager finds the issued documents."""
    base, _ = lived_site
    browser_sign_in(page, base, "wangjg")
    page.wait_for_selector("#readiness-trend canvas")
    shot(page, "demo-01-dashboard-top-management")
    page.click("#readiness-trend-box a")
    page.wait_for_url(f"{base}/readiness")
    page.select_option("select[name=chapter]", "9")
    page.click("#readiness-filters button[type=submit]")
    page.wait_for_url("**/readiness?chapter=9*")
    review_row = page.locator("#r-9\\.3\\.1a")
    assert "JYCEM-MR-2026" in review_row.inner_text() or "管理评审" in review_row.inner_text()
    assert page.locator("#readiness tbody tr").count() >= 20 and page.locator("#r-5\\.2\\.1a").count() == 0
    shot(page, "demo-02-readiness-chapter-9")
    review_row.locator("a").first.click()
    page.wait_for_url("**/reviews/*")
    assert "篦冷机改造" in page.inner_text("main")  # the conclusion the meeting reached
    shot(page, "demo-03-signed-review")
    browser_sign_in(page, base, "lixf")
    page.goto(f"{base}/documents")
    listing = page.inner_text("main")
    assert "碳排放管理方针" in listing and "入窑煤粉计量与煤质化验作业指导书" in listing
    shot(page, "demo-04-documents")
    page.goto(f"{base}/ets?year=2026")  # the carbon market's months: submitted, late, missing
    assert "CETS-202608-JY4156" in page.inner_text("#m-2026-08") and "逾期" in page.inner_text("#m-2026-09")
    assert "待补齐" in page.inner_text("#m-2026-10")
    shot(page, "demo-05-carbon-market-months")
    page.click("#m-2026-10 a")
    page.wait_for_url(f"{base}/ets/2026-10")
    assert "燃煤低位发热量（化验报告）" in page.inner_text("#ets-lacking")
    shot(page, "demo-06-carbon-market-october")


def test_the_demo_has_its_coal_assayed_and_a_meter_that_disagrees_with_the_monthly_report(lived):
    """The last quarter's coal assays are in force month by month; December's kiln coal scale read beyond its
    accuracy, which is on the anomaly list with both figures, and its daily curve is on its page."""
    from storage.models import DataAnomaly, FuelAssay
    from workflows.accounting import calculation
    home, url, eng = lived
    with Session(eng) as s:
        plant = org.enterprise(s, demo.PLANT).id
        assert len(s.exec(select(FuelAssay).where(FuelAssay.enterprise_id == plant)).all()) == len(demo_year.ASSAYS)
        chosen = calculation.library(s, plant).get("ncv", "bituminous_coal", date(2025, 12, 15)).factor
        assert "MZ-20251218.pdf" in chosen.evidence and chosen.value == pytest.approx(22.90, abs=0.01)
        found = s.exec(select(DataAnomaly).where(DataAnomaly.enterprise_id == plant,
                                                 DataAnomaly.kind == "meter_mismatch")).all()
    assert [(f.series, f.period) for f in found] == [("F-KL01|M-W001|", date(2025, 12, 1))]
    assert f"{found[0].expected:,.3f}" in found[0].message_zh and "+2.40%" in found[0].message_en
    client = TestClient(create_app(Context(load({"STEWARD_HOME": str(home), "STEWARD_DATABASE_URL": url}))))
    sign_in(client, "lixf")
    meter = client.get("/meters/M-W001?month=2025-12").text
    assert 'id="day-data"' in meter and "+2.40%" in meter


def test_the_2025_annual_report_is_approved_by_top_management_from_the_latest_2025_run(lived):
    from storage.models import AccountingRun, EtsReport, Task
    from workflows.ets import annual
    home, _, eng = lived
    with Session(eng) as s:
        plant = org.enterprise(s, demo.PLANT)
        report = s.exec(select(EtsReport).where(EtsReport.enterprise_id == plant.id, EtsReport.year == 2025)).one()
        rev = annual.newest(s, report)
        latest = s.exec(select(AccountingRun).where(AccountingRun.enterprise_id == plant.id, AccountingRun.year == 2025)
                        .order_by(AccountingRun.id.desc())).first()
        signed = {(sig.meaning, sig.signer_name) for sig, ok in docs.current_signatures(s, rev, FileStore(home / "files"))
                  if ok}
        assert rev.state == "approved" and ("approved", "王建国") in signed
        assert report.run_id == latest.id and report.reported_tco2e == pytest.approx(
            latest.totals["enterprise"]["total_direct_only"])  # the run made after the last quarter's assays came in
        tasks = s.exec(select(Task).where(Task.enterprise_id == plant.id, Task.lifecycle == "ets_report")).all()
        assert tasks and all(t.status == "done" for t in tasks)


def test_the_2025_report_is_verified_and_the_surrender_is_due_on_the_verified_figure(lived):
    """Verified in April and May 2026 a little above the report; the assets page owes the verified figure, named
    as verified with its verifier and date."""
    from storage.models.ets import EtsReport, EtsVerification
    home, url, eng = lived
    with Session(eng) as s:
        plant = org.enterprise(s, demo.PLANT).id
        row = s.exec(select(EtsVerification).where(EtsVerification.enterprise_id == plant)).one()
        position = carbon_assets.position(s, plant, 2025, demo_year.AS_OF)
    assert (row.year, row.verifier) == (2025, demo_year.VERIFIER) and row.findings
    assert date(2026, 4, 1) <= row.started_on < row.ended_on <= date(2026, 5, 31)
    assert 0 < abs(row.verified_tco2e / row.reported_tco2e - 1) < 0.01  # a little different from the report
    assert position["due_t"] == row.verified_tco2e and position["verified"]["verifier"] == demo_year.VERIFIER
    client = TestClient(create_app(Context(load({"STEWARD_HOME": str(home), "STEWARD_DATABASE_URL": url}))))
    sign_in(client, "wangjg")
    assets = client.get("/assets?year=2025").text
    assert "核查量" in assets and demo_year.VERIFIER in assets and f"{row.verified_tco2e:,.0f} t" in assets
    assert demo_year.VERIFIER in client.get("/ets/reports/2025/verification").text
    with Session(eng) as s:  # against the approved report's figure, made before the verification in May
        report = s.exec(select(EtsReport).where(EtsReport.enterprise_id == plant, EtsReport.year == 2025)).one()
    assert row.reported_tco2e == report.reported_tco2e
