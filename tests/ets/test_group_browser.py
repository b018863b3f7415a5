"""The group's carbon manager reads the group grid in a real browser (Debian chromium through Playwright): opens it
from the carbon-market page, sees each plant's late months in their colour, filters to the late ones and searches
a plant by name, opens a late month's package and a plant's annual report (read-only), changes the year, downloads the workbook — at a desk,
then on a phone (390 px), where the grid scrolls inside its box and the page does not. Screenshots are kept under
test-artifacts/."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from test_browser import serving, shot, sign_in
from test_group import group, month, report  # noqa: F401  (the fixture and its seeding)

from steward import demo
from steward.context import Context
from steward.settings import load
from storage.models import Enterprise, EtsProfile
from workflows.engine import clock
from workflows.people import organisation as org

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
APRIL = datetime(2026, 4, 1, 23, 30, tzinfo=timezone.utc)  # 2 April at the plant


@pytest.fixture
def site(group, db_url, tmp_path):  # noqa: F811
    """The demo group with eight more cement plants, their 2025 months in a spread of states."""
    with group("system:test") as s:
        parent = org.enterprise(s, demo.GROUP).id
        for k, town in enumerate(("太原", "大同", "阳泉", "长治", "晋城", "朔州", "忻州", "临汾")):
            plant = Enterprise(code=f"JY{k:02d}", name_zh=f"晋岩水泥（{town}）有限公司", name_en=f"Jinyan Cement ({k})",
                               industry="cement", parent_id=parent)
            s.add(plant)
            s.flush()
            s.add(EtsProfile(enterprise_id=plant.id, sector="cement", listed_from=2024, items=[], updated_by="t"))
            for number in range(1, 13):
                first = date(2025, number, 1)
                late = (k + number) % 7 == 0
                sent = None if (k + number) % 9 == 0 else \
                    groups_deadline(first, late)
                month(s, plant.id, first, "submitted" if sent else "ready", sent)
            report(s, plant.id, 2025, ("draft", "in_review", "issued")[k % 3], verified=1e6 if k % 3 == 2 else None)
    with clock.reading(APRIL):
        yield from serving(Context(load({"STEWARD_HOME": str(tmp_path / "home"), "STEWARD_DATABASE_URL": db_url})))


def groups_deadline(first: date, late: bool) -> date:
    from workflows.ets.group import ets_monthly
    due = ets_monthly.deadline(first)
    return date.fromordinal(due.toordinal() + (5 if late else -3))


def test_the_group_carbon_manager_finds_the_late_plants_on_a_desk_and_on_a_phone(site, page):
    base, _ = site
    sign_in(page, base, "gaof")
    page.click("nav a[href='/ets']")
    page.click("#group-view")
    page.wait_for_url(f"{base}/ets/group")
    assert "2026" in page.inner_text("h2")
    page.click("#prev-year")
    page.wait_for_url(f"{base}/ets/group?year=2025")
    cement = page.locator(f"#p-{demo.PLANT}")
    assert "山西晋岩水泥有限公司" in cement.inner_text() and "逾期报送" in cement.inner_text()
    assert page.locator(f"#p-{demo.SISTER} td.g-not_listed").count() == 12  # not on the national list
    assert page.locator("#group-grid td.g-late_unsubmitted").count() > 0 and page.locator("#group-legend").is_visible()
    colour = page.eval_on_selector("#group-grid td.g-late_unsubmitted", "td => getComputedStyle(td).backgroundColor")
    assert colour == "rgb(198, 40, 40)"  # late and unsubmitted stands out red
    shot(page, "ets-group-1-desk-zh")
    page.select_option("#group-filters select[name=state]", "submitted_late")
    page.fill("#group-filters input[name=q]", "大同")
    page.click("#group-filters button")
    page.wait_for_url("**/ets/group?year=2025&state=submitted_late&q=*")
    rows = page.locator("#group-grid tbody tr")
    assert rows.count() == 1 and "晋岩水泥（大同）有限公司" in rows.first.inner_text()
    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.goto(f"{base}/ets/group?year=2025")
    page.click(f"#p-{demo.PLANT} td.g-late_unsubmitted a >> nth=0")
    page.wait_for_url(f"**/ets/group/{demo.PLANT}/2025-*")
    assert "只读" in page.inner_text("main") and "已逾期天数" in page.inner_text("#days-left")
    assert page.locator("form[action^='/ets/']").count() == 0
    shot(page, "ets-group-2-month-read-only-zh", full=False)
    page.click("#back-to-group")
    page.wait_for_url(f"{base}/ets/group?year=2025")
    page.click(f"#p-{demo.PLANT} td.r-approved a")  # the 2024 report, approved and verified
    page.wait_for_url(f"{base}/ets/group/{demo.PLANT}/reports/2024")
    assert "山西晋岩水泥有限公司" in page.inner_text("h2") and "只读" in page.inner_text("#read-only")
    assert "已发布" in page.inner_text("#doc-state") and "晋诚核查" in page.inner_text("#verification-record")
    assert page.locator("#covered-total").is_visible() and page.locator("main form").count() == 0
    with page.expect_download() as workbook:
        page.click("#download-xlsx")
    assert workbook.value.suggested_filename.endswith(".xlsx")
    shot(page, "ets-group-3-report-read-only-zh")
    page.click("#back-to-group")
    page.wait_for_url(f"{base}/ets/group?year=2024")
    page.goto(f"{base}/ets/group?year=2025")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/lang/en?back=/ets/group?year=2025")
    page.wait_for_url(f"{base}/ets/group?year=2025")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    box = page.locator("#group-box")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # the grid scrolls inside its box
    box.evaluate("b => b.scrollLeft = 400")
    assert box.evaluate("b => b.scrollLeft") > 0
    text = page.inner_text("#group-grid")
    assert "Submitted late" in text and "Late, not submitted" in text and "Not listed" in text
    assert "submitted_late" not in text and "not_listed" not in text
    shot(page, "ets-group-4-phone-en-top", full=False)
    box.scroll_into_view_if_needed()
    shot(page, "ets-group-5-phone-en-grid", full=False)
