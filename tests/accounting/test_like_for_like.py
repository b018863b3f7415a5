"""Like for like (issue 30): two months into 2026 on the demo plant, every figure that is compared reads
January–February against January–February: of 2025, of the 2023 base year from its monthly figures (the kiln
stops every February, so a twelfth of the year would be far off), months named in Chinese and English."""

from __future__ import annotations

import io
import re

import docx
import pytest
from helpers import act, as_user, months_of, pct, plant_id
from sqlmodel import Session

from accounting import like_for_like as lfl
from storage.models import AccountingRun, ManagementReview
from workflows.accounting import baseline as baselines
from workflows.accounting import survey_report
from workflows.planning import objectives
from workflows.review import review as reviews

ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def shown(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1]))


@ON_SQLITE
def test_the_accounting_page_compares_january_february_with_the_same_months(web, plant, in_progress):
    now, last, base = in_progress["now"], in_progress["last"], in_progress["base"]
    assert now < last  # 2 % less of everything (and 2026's grid factor)
    # the base year's own February (the kiln stopped) makes a twelfth of the year the wrong measure
    assert abs(base - in_progress["base_year"] * 2 / 12) / base > 0.05
    words = shown(as_user(web, "lixf").get("/accounting").text)
    summary = words.split("排放总量", 1)[1].split("直接排放", 1)[0]
    assert "1–2 月" in summary
    assert f"较上年同期（2025 1–2 月） {pct(now, last):+.1f}%" in summary
    assert f"较基准年同期（2023 1–2 月） {pct(now, base):+.1f}%" in summary
    assert "按比例" not in summary and "-97" not in summary
    with plant("test") as s:
        number = baselines.active(s, plant_id(s)).number
    register = shown(as_user(web, "lixf").get(f"/registers/baselines/{number}?year=2026").text)
    compared = register.split("与基准对比", 1)[1]
    assert "基准年 2023 1–2 月" in compared and "2026 1–2 月" in compared and "按比例" not in compared
    english = as_user(web, "lixf")
    english.get("/lang/en")
    en = shown(english.get("/accounting").text)
    assert "Jan–Feb" in en.split("Direct emissions", 1)[0] and "vs base year, same months" in en


@ON_SQLITE
def test_the_run_and_the_baseline_comparison_read_the_same_months(plant, engine, in_progress):
    with Session(engine) as s:
        run = s.get(AccountingRun, in_progress["run"])
        previous = run.totals["previous_year"]
        assert previous["months"] == [1, 2] and previous["change"] == pytest.approx(
            pct(in_progress["now"], in_progress["last"]), abs=0.06)
        found = baselines.compare(s, plant_id(s), 2026)
    assert found["months"] == [1, 2] and found["basis"] == "monthly" and not found["complete"]
    assert found["months_label"] == {"zh": "1–2 月", "en": "Jan–Feb"}
    assert found["enterprise"]["base"] == pytest.approx(in_progress["base"], rel=1e-4)
    assert found["enterprise"]["change_pct"] == pytest.approx(pct(in_progress["now"], in_progress["base"]), abs=0.06)
    with Session(engine) as s:  # the kiln's process too, from the base year's monthly figures per process
        kiln_base = months_of(s, 2023, process="P30")
    assert found["processes"]["P30"]["base"] == pytest.approx(kiln_base, rel=1e-4)


def test_without_monthly_figures_the_base_year_is_pro_rated_and_said_so():
    year = {"enterprise": {"total": 1200.0}, "processes": {}, "facilities": {}, "intensity": {}}
    assert lfl.figure(year, "enterprise", "", "total", [1, 2]) == (200.0, "pro_rata")
    assert lfl.label([1, 2], "zh") == "1–2 月" and lfl.label([1, 2], "en") == "Jan–Feb"
    assert lfl.label([1, 2, 4], "en") == "Jan–Feb, Apr" and lfl.label([3], "zh") == "3 月"
    from workflows.accounting import comparison
    said = comparison.worded({"year": 2026, "months": [1, 2], "complete": False, "label": lfl.labels([1, 2]),
                              "previous": None, "baseline": {"year": 2023, "basis": "pro_rata"}}, "en")
    assert said["baseline"] == "against base year 2023 (Jan–Feb, pro rata: no monthly figures)"


@ON_SQLITE
def test_the_survey_report_and_the_review_pack_name_the_months(plant, engine, in_progress):
    with plant("cli:test") as s:
        data = survey_report.render(s, s.get(AccountingRun, in_progress["run"]))
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    last = pct(in_progress["now"], in_progress["last"])
    assert f"2026 年 1–2 月 较 2025 年同期（1–2 月）变化 {last:+.1f}" in text and "Jan–Feb" in text
    assert f"较基准年 2023 同期（1–2 月）变化 {pct(in_progress['now'], in_progress['base']):+.1f}" in text

    act(plant, "lixf", lambda s, a: objectives.add(
        s, a, title="熟料煅烧工序排放较基准年下降 2%", level="process", scope="P30", metric="total", target_year=2026,
        reduction_pct=2, plan={k: "见方案" for k in "abcdef"}))
    with plant("system:test") as s:
        review, _ = reviews.ensure(s, plant_id(s), 2027)
        review_id = review.id
    act(plant, "lixf", lambda s, a: reviews.compile_inputs(s, a, s.get(ManagementReview, review_id)))
    with Session(engine) as s:
        inputs = s.get(ManagementReview, review_id).inputs
    c1, c2 = inputs["9.3.1c1"], inputs["9.3.1c2"]
    assert c1["facts"]["months"] == [1, 2]
    assert any("排放 2026 年 1–2 月" in x and f"较 2025 年同期（1–2 月） {last:+.1f}%" in x for x in c1["zh"])
    assert any("Jan–Feb" in x and f"against Jan–Feb 2025 {last:+.1f}%" in x for x in c1["en"])
    assert any("2026 年 1–2 月" in x and "2025 年 1–2 月" in x for x in c1["zh"][2:])  # activity, same months
    assert c2["zh"] and all("完成" not in x and "已达成" not in x for x in c2["zh"])
    assert all(re.search(r"：(超前|按计划|落后)（2026 年 1–2 月", x) for x in c2["zh"])
    assert all(re.search(r": (ahead|on track|behind) \(2026 Jan–Feb", x) for x in c2["en"])

