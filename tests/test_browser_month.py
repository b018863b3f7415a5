"""Issue 30 in a real browser: the activity entry form with JavaScript switched off, the measured-value form's
pick lists and its mistakes beside their fields, the re-run a measured value starts. Screenshots under
test-artifacts/."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from test_browser import shot, sign_in, site  # noqa: F401  (the served demo plant)

from storage.models import ActivityRecord, EnterpriseFactor

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_the_entry_form_works_with_javascript_switched_off(site, browser, engine):  # noqa: F811
    """A plain form post: a refused figure comes back as the page, the form open, the mistake beside its field and
    all that was typed kept; a good figure in the accounted year 2025 is kept, and the re-run it starts is followed
    by a link rather than polling."""
    from datetime import date
    base, _ = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, base, "lixf")  # a carbon manager: her figures count at once (maker-checker)
    page.goto(f"{base}/accounting")
    page.click("#entry-box summary")  # a <details> opens without script
    form = page.locator("#entry-form")
    form.locator("input[name=period]").fill("2025-05")
    form.locator("select[name=category]").select_option("fuel_combustion")
    form.locator("select[name=material]").select_option(label="汽油")
    form.locator("input[name=quantity]").fill("-3")
    form.locator("select[name=unit]").select_option("t")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/accounting/entry")
    error = page.locator("#entry-form input[name=quantity] + .field-error")
    assert "「数量」" in error.inner_text()
    assert page.locator("#entry-box").get_attribute("open") is not None
    assert page.locator("#entry-form select[name=material]").input_value() == "gasoline"
    assert page.locator("#entry-form input[name=period]").input_value() == "2025-05"
    page.locator("#entry-form").scroll_into_view_if_needed()
    shot(page, "45-entry-without-javascript-refused", full=False)
    page.locator("#entry-form input[name=quantity]").fill("1,041.5")
    page.locator("#entry-form button[type=submit]").click()
    page.wait_for_selector("#imported")
    assert "1" in page.inner_text("#imported") and page.locator("#rerun-started").count() == 1
    for _ in range(50):  # no script polls: the person follows the link until the run is done
        if page.locator("#job-result").count():
            break
        page.wait_for_timeout(300)
        page.click("#job-refresh")
        page.wait_for_load_state()
    shot(page, "45b-entry-without-javascript-kept", full=False)
    page.click("#job-result")
    page.wait_for_selector("#run-facts")
    assert "2025" in page.inner_text("#run-facts") and page.locator("#run-stale").count() == 0
    with Session(engine) as s:
        kept = [(r.material, r.quantity) for r in s.exec(select(ActivityRecord).where(
            ActivityRecord.period == date(2025, 5, 1), ActivityRecord.material == "gasoline"))]
    assert kept == [("gasoline", 1041.5)]
    context.close()


def test_a_measured_value_is_chosen_from_pick_lists_every_mistake_beside_its_field(site, page, plant,  # noqa: F811
                                                                                   in_progress, engine):
    base, _ = site
    sign_in(page, base, "lixf")
    page.goto(f"{base}/accounting")
    page.click("#measured-box summary")
    form = page.locator("#measured-form")
    form.locator("select[name=parameter]").select_option(label="低位发热量")
    assert sorted(form.locator("select[name=unit] option:not([hidden])").all_inner_texts()) == sorted([
        "GJ/10^4 Nm3", "MJ/Nm3", "kJ/Nm3", "kcal/Nm3", "GJ/t", "MJ/kg", "MJ/t", "kJ/kg", "kcal/kg"])
    assert "烟煤" in form.locator("select[name=material] option:not([hidden])").all_inner_texts()
    assert "熟料" not in form.locator("select[name=material] option:not([hidden])").all_inner_texts()
    form.locator("select[name=material]").select_option(label="烟煤")
    form.locator("input[name=value]").fill("22,8")
    form.locator("select[name=unit]").select_option("GJ/t")
    form.locator("input[name=valid_from]").fill("2026-03-01")
    form.locator("input[name=valid_to]").fill("2026-01-31")
    form.locator("input[name=evidence]").fill("  ")
    form.locator("button[type=submit]").click()  # a decimal comma, an end before the start, blank evidence
    page.wait_for_selector("#measured-error-value")
    for field in ("value", "valid_to", "evidence"):
        assert page.locator(f"#measured-error-{field}").is_visible()
    assert "应为数字" in page.inner_text("#measured-error-value")
    assert form.locator("select[name=material]").input_value() == "bituminous_coal"
    page.locator("#measured-error-evidence").scroll_into_view_if_needed()
    shot(page, "46-measured-every-mistake-beside-its-field", full=False)
    form.locator("input[name=value]").fill("22.8")
    form.locator("input[name=valid_from]").fill("2026-01-01")
    form.locator("input[name=valid_to]").fill("")
    form.locator("input[name=evidence]").fill("2026 年 1 月入厂煤化验")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#measured-saved")
    assert "烟煤 22.8 GJ/t" in page.inner_text("#measured-saved")
    page.wait_for_selector("#job-result", timeout=20000)
    shot(page, "46b-measured-value-re-ran-its-year", full=False)
    page.click("#job-result")
    page.wait_for_selector("#run-facts")
    assert page.locator("#run-stale").count() == 0 and "2026" in page.inner_text("#run-facts")
    with Session(engine) as s:
        assert s.exec(select(EnterpriseFactor).where(EnterpriseFactor.evidence == "2026 年 1 月入厂煤化验")).one().value \
            == 22.8


def test_an_intensity_target_draws_its_year_so_far_per_tonne(site, page, plant, in_progress):  # noqa: F811
    from helpers import act

    from workflows.planning import objectives
    act(plant, "lixf", lambda s, a: objectives.add(
        s, a, title="单位熟料排放较基准年下降 2%", level="enterprise", metric="intensity:clinker", target_year=2028,
        reduction_pct=2, plan={k: "见方案" for k in "abcdef"}))
    base, _ = site
    sign_in(page, base, "wangjg")
    page.goto(f"{base}/objectives")
    page.wait_for_selector("#trajectories [data-so-far] canvas")
    caption = page.inner_text("#trajectories")
    assert "2026 年 1–2 月单位产品排放（年初至今）" in caption
    row = page.inner_text("#objectives")
    assert "1–2 月" in row and any(w in row for w in ("超前", "按计划", "落后")) and "已达成" not in row
    page.locator("[data-so-far]").last.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # the chart's drawing animation
    shot(page, "47-objectives-intensity-part-year", full=False)
